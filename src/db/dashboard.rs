//! The budget pages' own reads: a line's ledger entries a page at a time, newest first.

use diesel::prelude::*;

use super::budget::EntryRow;
use super::schema::ledger_entries;
use super::DbConnection;

/// Up to `limit` entries posted to `line_ids`, newest first, older than entry `before` when given.
pub fn entries_newest_first(
    conn: &mut DbConnection,
    org_id: i64,
    line_ids: &[i64],
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EntryRow>> {
    let mut query = ledger_entries::table
        .filter(ledger_entries::org_id.eq(org_id))
        .filter(ledger_entries::line_id.eq_any(line_ids))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(ledger_entries::id.lt(before));
    }
    query
        .order(ledger_entries::id.desc())
        .limit(limit)
        .select(EntryRow::as_select())
        .load(conn)
}
