//! The audit trail shared by every document that changes status (claims, batches).

use chrono::{NaiveDate, NaiveDateTime};

use super::views::{timestamp, AuditEventView, HistoryView};
use crate::auth::Actor;
use crate::db::audit::{self, AuditRow, NewEvent};
use crate::db::{DbConnection, Pool};
use crate::error::AppResult;

use super::conn;
use super::paging::Page;
use super::permissions::{self, UseCase};

/// A status change of one document: who (`actor`), when (now), from what to what.
pub struct Change<'a> {
    pub entity: &'a str,
    pub id: i64,
    pub action: &'a str,
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub note: Option<&'a str>,
}

pub fn record(c: &mut DbConnection, actor: &Actor, change: Change<'_>) -> AppResult<()> {
    let at = super::clock::now(c, actor.org_id)?;
    audit::insert(c, &event(actor, at, change))?;
    Ok(())
}

/// The event that records `change` by `actor` at `at` (the organisation's business moment,
/// [`super::clock::now`]): for a write that records it itself, in the
/// statement that makes the change ([`crate::db::claims::mark_approved`]).
pub fn event<'a>(actor: &Actor, at: NaiveDateTime, change: Change<'a>) -> NewEvent<'a> {
    NewEvent {
        org_id: actor.org_id,
        entity_type: change.entity,
        entity_id: change.id,
        action: change.action,
        from_status: change.from,
        to_status: change.to,
        actor_id: actor.user_id,
        at,
        note: change.note,
    }
}

/// Records that `actor` moved document `(entity, id)` from `from` to `to` by `action`.
pub fn status(
    c: &mut DbConnection,
    actor: &Actor,
    (entity, id): (&str, i64),
    action: &str,
    from: Option<&str>,
    to: &str,
    note: Option<&str>,
) -> AppResult<()> {
    record(
        c,
        actor,
        Change {
            entity,
            id,
            action,
            from,
            to,
            note,
        },
    )
}

pub fn history(
    c: &mut DbConnection,
    org_id: i64,
    entity: &str,
    id: i64,
) -> AppResult<Vec<HistoryView>> {
    Ok(audit::for_entity(c, org_id, entity, id)?
        .into_iter()
        .map(|e| HistoryView {
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            actor_id: e.actor_id,
            at: timestamp(e.at),
            note: e.note,
        })
        .collect())
}

/// `event` as [`history`] will show it once it is stored.
pub fn shown(event: &NewEvent<'_>) -> HistoryView {
    HistoryView {
        action: event.action.to_string(),
        from_status: event.from_status.map(str::to_string),
        to_status: event.to_status.to_string(),
        actor_id: event.actor_id,
        at: timestamp(event.at),
        note: event.note.map(str::to_string),
    }
}

/// The days an audit export covers, both ends included (UTC days, as `at` is stored); an open
/// end reaches the first or the last event.
#[derive(Clone, Copy, Debug, Default)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Period {
    /// The instants `[from 00:00, day after to 00:00)`.
    fn bounds(self) -> (NaiveDateTime, NaiveDateTime) {
        let first = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
        let from = self.from.unwrap_or(first);
        let until = self.to.and_then(|d| d.succ_opt()).unwrap_or(last);
        (
            from.and_time(chrono::NaiveTime::MIN),
            until.and_time(chrono::NaiveTime::MIN),
        )
    }
}

fn view(e: AuditRow) -> AuditEventView {
    AuditEventView {
        id: e.id,
        entity_type: e.entity_type,
        entity_id: e.entity_id,
        action: e.event.action,
        from_status: e.event.from_status,
        to_status: e.event.to_status,
        actor_id: e.event.actor_id,
        at: timestamp(e.event.at),
        note: e.event.note,
    }
}

/// `GET /api/v1/audit-events`: one page of the caller's organisation's status changes in
/// `period`, newest first, after the event `page.after`; at most `page.fetch()` of them, so the
/// caller knows whether more remain.
pub fn page(
    pool: &Pool,
    actor: &Actor,
    period: Period,
    page: Page,
) -> AppResult<Vec<AuditEventView>> {
    permissions::check(actor, UseCase::AuditTrail)?;
    let mut c = conn(pool)?;
    let rows = audit::page(
        &mut c,
        actor.org_id,
        period.bounds(),
        page.after,
        page.fetch(),
    )?;
    Ok(rows.into_iter().map(view).collect())
}

/// `baoxiao report audit`: every status change of the organisation in `period`, oldest first.
pub fn export(pool: &Pool, actor: &Actor, period: Period) -> AppResult<Vec<AuditEventView>> {
    permissions::check(actor, UseCase::AuditTrail)?;
    let mut c = conn(pool)?;
    Ok(audit::range(&mut c, actor.org_id, period.bounds())?
        .into_iter()
        .map(view)
        .collect())
}
