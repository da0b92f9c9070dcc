//! A document's move from one status to the next, for every document that moves by decisions
//! (claims, subsidy batches, travel requests, budget adjustments): one conditional `UPDATE`
//! that the database decides, and the audit event that records it.
//!
//! ```sql
//! UPDATE travel_claims SET status = $to, decided_by = $actor, decided_at = $at
//!   WHERE org_id = $org AND id = $id AND status = $from
//! ```
//!
//! Only if the row is still in `from` does it move: two finance users acting at once cannot
//! both move the same document. Written out as a query fragment so that each connection
//! prepares each move once (keyed by its text): diesel prepares every `UPDATE` of its query
//! builder anew on each run, as [`super::budget`]'s moves of money explain.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::audit::NewEvent;
use super::{BindsRow, DbConnection, Rows};

/// A value a move writes into a column beside the status.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    Id(i64),
    Text(&'a str),
    MaybeText(Option<&'a str>),
    At(NaiveDateTime),
    Day(NaiveDate),
    Flag(bool),
}

/// One document's move: `table`'s row `id` of organisation `org_id` goes `from` → `to`, writing
/// `set` beside the status, only if it is still in `from` and `only_if` (a further condition on
/// its own columns, if any) holds, and each column of `also` still has its value (R18: a claim's
/// step as read).
pub struct Move<'a> {
    pub table: &'static str,
    pub org_id: i64,
    pub id: i64,
    pub from: &'static str,
    pub to: &'static str,
    pub set: Vec<(&'static str, Value<'a>)>,
    pub only_if: Option<&'static str>,
    pub also: Vec<(&'static str, Value<'a>)>,
}

/// Makes `mv` and records `event` (whose organisation, actor and time are the move's); `false`
/// if the document had moved on (and nothing is recorded).
///
/// On PostgreSQL, in one statement and one round trip ([`Recorded`]): decisions wait on the
/// shared write transaction, where each round trip is everyone's. On SQLite, the two statements
/// one after the other.
pub fn record(conn: &mut DbConnection, mv: &Move<'_>, event: &NewEvent<'_>) -> QueryResult<bool> {
    match conn {
        DbConnection::Postgres(c) => Ok(Recorded { mv, event }.execute(c)? == 1),
        DbConnection::Sqlite(c) => {
            if mv.execute(c)? != 1 {
                return Ok(false);
            }
            event.execute(c)?;
            Ok(true)
        }
    }
}

/// A [`Move`] and its audit event in one PostgreSQL statement:
///
/// ```sql
/// WITH moved AS (UPDATE travel_claims SET … WHERE … AND status = $from RETURNING 1)
/// INSERT INTO audit_events (…) SELECT $org, 'travel_claim', … FROM moved
/// ```
///
/// The event is inserted once if the document moved, and not at all if it had moved on. Its
/// text varies with the move, so it has no static query id: each connection finds its prepared
/// statement by its text.
struct Recorded<'a> {
    mv: &'a Move<'a>,
    event: &'a NewEvent<'a>,
}

impl diesel::query_builder::QueryId for Recorded<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for Recorded<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql("WITH moved AS (");
        self.mv.walk_ast(out.reborrow())?;
        out.push_sql(" RETURNING 1) ");
        self.event.walk_insert(out, Rows::SelectFrom("moved"))
    }
}

impl<C> RunQueryDsl<C> for Recorded<'_> {}

impl diesel::query_builder::QueryId for Move<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB: BindsRow> diesel::query_builder::QueryFragment<DB> for Move<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        out.push_sql(self.table);
        out.push_sql(" SET status = ");
        DB::push_value(&mut out, self.to.into())?;
        for (column, value) in &self.set {
            out.push_sql(", ");
            out.push_sql(column);
            out.push_sql(" = ");
            DB::push_value(&mut out, value.into())?;
        }
        out.push_sql(" WHERE org_id = ");
        DB::push_value(&mut out, (&self.org_id).into())?;
        out.push_sql(" AND id = ");
        DB::push_value(&mut out, (&self.id).into())?;
        out.push_sql(" AND status = ");
        DB::push_value(&mut out, self.from.into())?;
        if let Some(condition) = self.only_if {
            out.push_sql(" AND ");
            out.push_sql(condition);
        }
        for (column, value) in &self.also {
            out.push_sql(" AND ");
            out.push_sql(column);
            out.push_sql(" = ");
            DB::push_value(&mut out, value.into())?;
        }
        Ok(())
    }
}

impl<C> RunQueryDsl<C> for &Move<'_> {}
