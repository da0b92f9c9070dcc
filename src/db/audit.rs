//! The audit trail: who moved what from which status to which, and when.

use diesel::prelude::*;

use super::schema::audit_events;
use super::{BindsRow, DbConnection, InsertRow, Rows};

/// An event to record ([`insert`]).
pub struct NewEvent<'a> {
    pub org_id: i64,
    pub entity_type: &'a str,
    pub entity_id: i64,
    pub action: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub actor_id: i64,
    pub at: chrono::NaiveDateTime,
    pub note: Option<&'a str>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct EventRow {
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: i64,
    pub at: chrono::NaiveDateTime,
    pub note: Option<String>,
}

/// Records one event:
///
/// ```sql
/// INSERT INTO audit_events (org_id, entity_type, entity_id, action, from_status, to_status,
///   actor_id, at, note) VALUES ($1, …, $9)
/// ```
///
/// Written out so that PostgreSQL prepares it once per connection, as the ledger's entry is
/// ([`super::budget::insert_entry`]): every change of status records one.
pub fn insert(conn: &mut DbConnection, event: &NewEvent<'_>) -> QueryResult<usize> {
    direct!(conn, c => event.execute(c))
}

impl NewEvent<'_> {
    /// `INSERT INTO audit_events (…)` with this event's values, as `rows` says.
    pub fn walk_insert<'b, DB>(
        &'b self,
        out: diesel::query_builder::AstPass<'_, 'b, DB>,
        rows: Rows,
    ) -> QueryResult<()>
    where
        DB: BindsRow,
    {
        InsertRow::start(
            out,
            "INSERT INTO audit_events (org_id, entity_type, entity_id, action, from_status, \
             to_status, actor_id, at, note) ",
            rows,
        )
        .bind(&self.org_id)?
        .bind(self.entity_type)?
        .bind(&self.entity_id)?
        .bind(self.action)?
        .bind(&self.from_status)?
        .bind(self.to_status)?
        .bind(&self.actor_id)?
        .bind(&self.at)?
        .bind(&self.note)?
        .finish()
    }
}

insert_statement!(NewEvent<'_>, NewEventId);

pub fn for_entity(
    conn: &mut DbConnection,
    org_id: i64,
    entity_type: &str,
    entity_id: i64,
) -> QueryResult<Vec<EventRow>> {
    direct!(conn, c => audit_events::table
        .filter(audit_events::org_id.eq(org_id))
        .filter(audit_events::entity_type.eq(entity_type))
        .filter(audit_events::entity_id.eq(entity_id))
        .order(audit_events::id)
        .select(EventRow::as_select())
        .load(c))
}

/// One row of the audit export.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: i64,
    pub entity_type: String,
    pub entity_id: i64,
    #[diesel(embed)]
    pub event: EventRow,
}

/// The organisation's events with `from <= at < until`, newest first, at most `limit` of them,
/// only those older than the event `before` when it is given (the cursor of a page).
pub fn page(
    conn: &mut DbConnection,
    org_id: i64,
    (from, until): (chrono::NaiveDateTime, chrono::NaiveDateTime),
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_events::table
        .filter(audit_events::org_id.eq(org_id))
        .filter(audit_events::at.ge(from))
        .filter(audit_events::at.lt(until))
        .order(audit_events::id.desc())
        .limit(limit)
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(audit_events::id.lt(before));
    }
    query.load(conn)
}

/// Every event of the organisation with `from <= at < until`, oldest first (the auditor's file).
pub fn range(
    conn: &mut DbConnection,
    org_id: i64,
    (from, until): (chrono::NaiveDateTime, chrono::NaiveDateTime),
) -> QueryResult<Vec<AuditRow>> {
    audit_events::table
        .filter(audit_events::org_id.eq(org_id))
        .filter(audit_events::at.ge(from))
        .filter(audit_events::at.lt(until))
        .order(audit_events::id)
        .select(AuditRow::as_select())
        .load(conn)
}
