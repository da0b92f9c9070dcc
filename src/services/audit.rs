//! The audit trail shared by every document that changes status (claims, batches).

use crate::auth::Actor;
use crate::db::audit::{self, NewEvent};
use crate::db::{now, DbConnection};
use crate::error::AppResult;
use crate::wire::{timestamp, HistoryView};

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
    audit::insert(
        c,
        &NewEvent {
            org_id: actor.org_id,
            entity_type: change.entity,
            entity_id: change.id,
            action: change.action,
            from_status: change.from,
            to_status: change.to,
            actor_id: actor.user_id,
            at: now(),
            note: change.note,
        },
    )?;
    Ok(())
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
