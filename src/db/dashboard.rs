//! The budget pages' own reads: a line's ledger entries a page at a time, newest first.

use diesel::prelude::*;

use super::budget::EntryRow;
use super::schema::ledger_entries;
use super::DbConnection;

/// Up to `limit` entries posted to `line_ids`, newest first, older than entry `before` when given.
///
/// One query per line, each an ordered walk of the (org, line, id) index that stops after `limit`
/// rows and, once `limit` entries are in hand, at the oldest of them. One `IN` list over several
/// lines made SQLite walk the whole ledger newest first and filter: a quiet corner of the tree
/// took half a second with 1,000,000 entries elsewhere (BENCHMARKS.md, "Budget pages").
pub fn entries_newest_first(
    conn: &mut DbConnection,
    org_id: i64,
    line_ids: &[i64],
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EntryRow>> {
    let keep = usize::try_from(limit).unwrap_or(0);
    let mut found: Vec<EntryRow> = Vec::new();
    for &line_id in line_ids {
        let mut query = ledger_entries::table
            .filter(ledger_entries::org_id.eq(org_id))
            .filter(ledger_entries::line_id.eq(line_id))
            .into_boxed();
        if let Some(before) = before {
            query = query.filter(ledger_entries::id.lt(before));
        }
        // With a page in hand, only entries newer than its oldest can still make the page.
        if let Some(oldest) = found.last().filter(|_| found.len() >= keep) {
            query = query.filter(ledger_entries::id.gt(oldest.id));
        }
        found.extend(
            query
                .order(ledger_entries::id.desc())
                .limit(limit)
                .select(EntryRow::as_select())
                .load(conn)?,
        );
        found.sort_unstable_by_key(|e| std::cmp::Reverse(e.id));
        found.truncate(keep);
    }
    Ok(found)
}
