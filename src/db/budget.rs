//! Budget lines and the ledger (R11). Every change of a balance is a conditional `UPDATE`, so the
//! database, not the process, decides whether money is there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use diesel::prelude::*;

use super::schema::{budget_lines, ledger_entries};
use super::{BindsRow, DbConnection, InsertRow, Rows};
use crate::domain::budget::{EntryKind, SourceType};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = budget_lines)]
pub struct LineRow {
    pub id: i64,
    pub year: i32,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub allocated_fen: i64,
    pub committed_fen: i64,
    pub spent_fen: i64,
    /// The allocation before any adjustment (R14).
    pub original_allocated_fen: i64,
}

/// A line on a path up the tree, by what never changes about it: lines are never moved, and
/// their codes are stable.
#[derive(Clone, Debug)]
pub struct Step {
    pub id: i64,
    pub code: String,
}

impl From<&LineRow> for Step {
    fn from(row: &LineRow) -> Step {
        Step {
            id: row.id,
            code: row.code.clone(),
        }
    }
}

/// Paths up the tree by (organisation, line), as [`crate::services::ledger::steps`] reads them.
/// Lines are never moved and their codes never change, so an entry can never be stale. One
/// cache per database ([`super::Pool`]).
#[derive(Default)]
pub struct Paths(Mutex<PathMap>);

type PathMap = HashMap<(i64, i64), Arc<[Step]>>;

impl Paths {
    pub fn get(&self, org_id: i64, line_id: i64) -> Option<Arc<[Step]>> {
        self.lock().get(&(org_id, line_id)).cloned()
    }

    pub fn keep(&self, org_id: i64, line_id: i64, steps: Arc<[Step]>) {
        self.lock().insert((org_id, line_id), steps);
    }

    fn lock(&self) -> MutexGuard<'_, PathMap> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Insertable)]
#[diesel(table_name = budget_lines)]
pub struct NewLine<'a> {
    pub org_id: i64,
    pub year: i32,
    pub code: &'a str,
    pub name: &'a str,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub allocated_fen: i64,
    pub created_at: chrono::NaiveDateTime,
    pub original_allocated_fen: i64,
    pub function_class: Option<&'a str>,
    pub economic_class: Option<&'a str>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = ledger_entries)]
pub struct EntryRow {
    pub id: i64,
    pub line_id: i64,
    #[diesel(deserialize_as = String)]
    pub kind: EntryKind,
    pub amount_fen: i64,
    #[diesel(deserialize_as = String)]
    pub source_type: SourceType,
    pub source_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub at: chrono::NaiveDateTime,
}

/// A ledger entry to post ([`insert_entry`]).
pub struct NewEntry<'a> {
    pub org_id: i64,
    pub line_id: i64,
    pub kind: &'a str,
    pub amount_fen: i64,
    pub source_type: &'a str,
    pub source_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub at: chrono::NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, org_id: i64, id: i64) -> QueryResult<Option<LineRow>> {
    budget_lines::table
        .filter(budget_lines::org_id.eq(org_id).and(budget_lines::id.eq(id)))
        .select(LineRow::as_select())
        .first(conn)
        .optional()
}

/// The line, its children and their children: what a line's view and its children's views need
/// (each view counts its own children's allocations, R11), parents first (by depth, then id).
/// One query of three index lookups, whatever the size of the organisation's tree: every read
/// of a line makes it, on the backend's own connection ([`direct!`]).
pub fn with_two_levels(conn: &mut DbConnection, org_id: i64, id: i64) -> QueryResult<Vec<LineRow>> {
    let mut family: Vec<LineRow> = direct!(conn, c => {
        let lines = || budget_lines::table.filter(budget_lines::org_id.eq(org_id));
        let child = diesel::alias!(budget_lines as child);
        let children = child
            .filter(child.field(budget_lines::org_id).eq(org_id))
            .filter(child.field(budget_lines::parent_id).eq(id))
            .select(child.field(budget_lines::id).nullable());
        lines()
            .filter(budget_lines::id.eq(id))
            .select(LineRow::as_select())
            .union_all(
                lines()
                    .filter(budget_lines::parent_id.eq(id))
                    .select(LineRow::as_select()),
            )
            .union_all(
                lines()
                    .filter(budget_lines::parent_id.eq_any(children))
                    .select(LineRow::as_select()),
            )
            .load(c)
    })?;
    family.sort_by_key(|l| (l.depth, l.id));
    Ok(family)
}

pub fn find_by_code(
    conn: &mut DbConnection,
    org_id: i64,
    year: i32,
    code: &str,
) -> QueryResult<Option<LineRow>> {
    budget_lines::table
        .filter(budget_lines::org_id.eq(org_id))
        .filter(budget_lines::year.eq(year).and(budget_lines::code.eq(code)))
        .select(LineRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_year(conn: &mut DbConnection, org_id: i64, year: i32) -> QueryResult<Vec<LineRow>> {
    budget_lines::table
        .filter(
            budget_lines::org_id
                .eq(org_id)
                .and(budget_lines::year.eq(year)),
        )
        .order((budget_lines::depth, budget_lines::id))
        .select(LineRow::as_select())
        .load(conn)
}

/// The years the organisation has budget lines for, in order.
pub fn years(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<i32>> {
    budget_lines::table
        .filter(budget_lines::org_id.eq(org_id))
        .select(budget_lines::year)
        .distinct()
        .order(budget_lines::year)
        .load(conn)
}

all_rows!(all, budget_lines, LineRow);

insert_row!(insert, budget_lines, NewLine<'_>);

/// Adds `fen` to the line's committed amount only if it is available there; `false` when it is
/// not (nothing changed). The `WHERE` re-reads the row under its lock, so concurrent commitments
/// from any number of processes serialise on the row and none can overspend.
pub fn try_commit(conn: &mut DbConnection, org: i64, line: i64, fen: i64) -> QueryResult<bool> {
    Ok(direct!(conn, c => LineMove::<COMMIT> { org, line, fen }.execute(c))? == 1)
}

/// Commits `fen` on every line of `path` (leaf first) and posts `entry` for its leaf, or answers
/// the position on the path of the first line that cannot cover it. After a refusal the lines
/// before that one may have moved: the caller rolls its transaction (or savepoint) back, as
/// every refused write does.
///
/// On SQLite, one [`try_commit`] per line and then the entry: statements there cost no round
/// trip. On PostgreSQL, one statement ([`PathCommit`]) does it all: one round trip where a
/// two-line path took three, in the shared transaction every approval waits on.
pub fn commit_path(
    conn: &mut DbConnection,
    org: i64,
    path: &[i64],
    entry: &NewEntry<'_>,
) -> QueryResult<Option<usize>> {
    debug_assert_eq!(
        Some(&entry.line_id),
        path.first(),
        "the entry is the leaf's"
    );
    debug_assert_eq!(entry.org_id, org);
    let fen = entry.amount_fen;
    match conn {
        DbConnection::Postgres(c) => {
            let covers: Vec<bool> = PathCommit { org, path, entry }.load(c)?;
            if covers.len() != path.len() {
                // A line of the path is not the organisation's, and nothing moved: the caller's
                // re-read of the path finds which, as on SQLite.
                return Ok(Some(0));
            }
            Ok(covers.iter().position(|covers| !covers))
        }
        DbConnection::Sqlite(_) => {
            for (i, &line) in path.iter().enumerate() {
                if !try_commit(conn, org, line, fen)? {
                    return Ok(Some(i));
                }
            }
            insert_entry(conn, entry)?;
            Ok(None)
        }
    }
}

/// [`commit_path`]'s one statement on PostgreSQL:
///
/// ```sql
/// WITH path AS (                      -- the path's lines, locked leaf first
///   SELECT b.id, p.n, b.allocated_fen - b.committed_fen - b.spent_fen >= $fen AS covers
///   FROM unnest($path) WITH ORDINALITY AS p(id, n)
///   JOIN budget_lines b ON b.id = p.id AND b.org_id = $org
///   ORDER BY p.n FOR NO KEY UPDATE OF b),
/// moved AS (                          -- every line, or none
///   UPDATE budget_lines b SET committed_fen = b.committed_fen + $fen FROM path
///   WHERE b.id = path.id AND (SELECT bool_and(covers) FROM path)
///     AND (SELECT count(*) FROM path) = cardinality($path)
///   RETURNING b.id),
/// every AS (SELECT 1 WHERE (SELECT count(*) FROM moved) = cardinality($path)),
/// entry AS (                          -- posted only when every line moved
///   INSERT INTO ledger_entries (…) SELECT $org, $leaf, … FROM every)
/// SELECT covers FROM path ORDER BY n
/// ```
///
/// The locks are taken in the order of the path, as [`try_commit`] line by line takes them
/// (the locking clause applies after `ORDER BY`), so commitments and adjustments still never
/// wait on each other in a cycle. They are the locks an `UPDATE` of non-key columns takes
/// (`NO KEY`): a row inserted elsewhere that refers to a line (a claim, a ledger entry) does not
/// wait for them. A locked row is read at its latest version (read committed), so `covers` is
/// the balance every other transaction has left; and the `UPDATE` moves only rows this statement
/// holds. Each line is checked by the same rule as [`try_commit`]'s.
struct PathCommit<'a> {
    org: i64,
    path: &'a [i64],
    entry: &'a NewEntry<'a>,
}

fixed_text!(PathCommit<'_>, PathCommitId);

impl diesel::query_builder::Query for PathCommit<'_> {
    type SqlType = diesel::sql_types::Bool;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for PathCommit<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Array, BigInt};
        let e = self.entry;
        out.push_sql(
            "WITH path AS (SELECT b.id, p.n, b.allocated_fen - b.committed_fen - b.spent_fen >= ",
        );
        out.push_bind_param::<BigInt, _>(&e.amount_fen)?;
        out.push_sql(" AS covers FROM unnest(");
        out.push_bind_param::<Array<BigInt>, _>(self.path)?;
        out.push_sql(
            "::bigint[]) WITH ORDINALITY AS p(id, n) JOIN budget_lines b ON b.id = p.id \
             AND b.org_id = ",
        );
        out.push_bind_param::<BigInt, _>(&self.org)?;
        out.push_sql(
            " ORDER BY p.n FOR NO KEY UPDATE OF b), \
             moved AS (UPDATE budget_lines b SET committed_fen = b.committed_fen + ",
        );
        out.push_bind_param::<BigInt, _>(&e.amount_fen)?;
        out.push_sql(
            " FROM path WHERE b.id = path.id AND (SELECT bool_and(covers) FROM path) \
             AND (SELECT count(*) FROM path) = cardinality(",
        );
        out.push_bind_param::<Array<BigInt>, _>(self.path)?;
        out.push_sql(
            "::bigint[]) RETURNING b.id), \
             every AS (SELECT 1 WHERE (SELECT count(*) FROM moved) = cardinality(",
        );
        out.push_bind_param::<Array<BigInt>, _>(self.path)?;
        out.push_sql("::bigint[])), entry AS (");
        self.entry
            .walk_insert(out.reborrow(), Rows::SelectFrom("every"))?;
        out.push_sql(") SELECT covers FROM path ORDER BY n");
        Ok(())
    }
}

impl<C> RunQueryDsl<C> for PathCommit<'_> {}

/// Withdraws `fen` of the line's commitment; `false` if the line has less committed.
pub fn release(conn: &mut DbConnection, org: i64, line: i64, fen: i64) -> QueryResult<bool> {
    Ok(direct!(conn, c => LineMove::<RELEASE> { org, line, fen }.execute(c))? == 1)
}

/// Turns `fen` of the line's commitment into spend; `false` if the line has less committed.
pub fn spend(conn: &mut DbConnection, org: i64, line: i64, fen: i64) -> QueryResult<bool> {
    Ok(direct!(conn, c => LineMove::<SPEND> { org, line, fen }.execute(c))? == 1)
}

const COMMIT: u8 = 0;
const RELEASE: u8 = 1;
const SPEND: u8 = 2;

/// One conditional move of money on one line, the statement every approval, rejection and
/// payment runs once per line of its path:
///
/// ```sql
/// UPDATE budget_lines SET committed_fen = committed_fen + $fen              -- COMMIT
///   WHERE org_id = $org AND id = $line AND allocated_fen - committed_fen - spent_fen >= $fen
/// UPDATE budget_lines SET committed_fen = committed_fen - $fen              -- RELEASE
///   WHERE org_id = $org AND id = $line AND committed_fen >= $fen
/// UPDATE budget_lines SET committed_fen = committed_fen - $fen, spent_fen = spent_fen + $fen
///   WHERE org_id = $org AND id = $line AND committed_fen >= $fen           -- SPEND
/// ```
///
/// Written out as a query fragment of its own, with a query id per kind, so that each connection
/// prepares it once: diesel prepares every `UPDATE` of its query builder anew on each run, since
/// such a statement's text may vary with its values (preparing was a fifth of an approval's
/// work on SQLite; on PostgreSQL it is a parse and plan per statement).
struct LineMove<const KIND: u8> {
    org: i64,
    line: i64,
    fen: i64,
}

impl<const KIND: u8> diesel::query_builder::QueryId for LineMove<KIND> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const KIND: u8, DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB>
    for LineMove<KIND>
where
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        use diesel::sql_types::BigInt;
        out.push_sql("UPDATE budget_lines SET committed_fen = committed_fen ");
        out.push_sql(if KIND == COMMIT { "+ " } else { "- " });
        out.push_bind_param::<BigInt, _>(&self.fen)?;
        if KIND == SPEND {
            out.push_sql(", spent_fen = spent_fen + ");
            out.push_bind_param::<BigInt, _>(&self.fen)?;
        }
        out.push_sql(" WHERE org_id = ");
        out.push_bind_param::<BigInt, _>(&self.org)?;
        out.push_sql(" AND id = ");
        out.push_bind_param::<BigInt, _>(&self.line)?;
        out.push_sql(if KIND == COMMIT {
            " AND allocated_fen - committed_fen - spent_fen >= "
        } else {
            " AND committed_fen >= "
        });
        out.push_bind_param::<BigInt, _>(&self.fen)?;
        Ok(())
    }
}

impl<const KIND: u8, C> RunQueryDsl<C> for LineMove<KIND> {}

/// Posts one entry:
///
/// ```sql
/// INSERT INTO ledger_entries (org_id, line_id, kind, amount_fen, source_type, source_id,
///   actor_id, at) VALUES ($1, …, $8)
/// ```
///
/// Written out, as [`LineMove`] is, so that PostgreSQL prepares it once per connection: diesel
/// prepares anew every `INSERT` of a row with optional columns there (it writes `DEFAULT` for a
/// missing one). Every approval, rejection and payment posts one.
pub fn insert_entry(conn: &mut DbConnection, entry: &NewEntry<'_>) -> QueryResult<usize> {
    direct!(conn, c => entry.execute(c))
}

impl NewEntry<'_> {
    /// `INSERT INTO ledger_entries (…)` with this entry's values, as `rows` says.
    fn walk_insert<'b, DB>(
        &'b self,
        out: diesel::query_builder::AstPass<'_, 'b, DB>,
        rows: Rows,
    ) -> QueryResult<()>
    where
        DB: BindsRow,
    {
        InsertRow::start(
            out,
            "INSERT INTO ledger_entries (org_id, line_id, kind, amount_fen, source_type, \
             source_id, actor_id, at) ",
            rows,
        )
        .bind(&self.org_id)?
        .bind(&self.line_id)?
        .bind(self.kind)?
        .bind(&self.amount_fen)?
        .bind(self.source_type)?
        .bind(&self.source_id)?
        .bind(&self.actor_id)?
        .bind(&self.at)?
        .finish()
    }
}

insert_statement!(NewEntry<'_>, NewEntryId);

/// The entries posted to any of `line_ids`, oldest first.
pub fn entries(
    conn: &mut DbConnection,
    org_id: i64,
    line_ids: &[i64],
) -> QueryResult<Vec<EntryRow>> {
    ledger_entries::table
        .filter(ledger_entries::org_id.eq(org_id))
        .filter(ledger_entries::line_id.eq_any(line_ids))
        .order(ledger_entries::id)
        .select(EntryRow::as_select())
        .load(conn)
}

all_rows!(
    /// Every entry of the organisation, oldest first (for `verify`).
    all_entries, ledger_entries, EntryRow
);

/// R14: changes the line's allocation by `fen` (negative for a reduction). A reduction succeeds
/// only if the line keeps at least zero available; `false` when it would not (nothing changed).
/// Like [`try_commit`], the `WHERE` re-reads the row under its lock.
pub fn try_adjust(conn: &mut DbConnection, org: i64, line: i64, fen: i64) -> QueryResult<bool> {
    use super::schema::budget_lines::dsl::*;
    let changed = if fen < 0 {
        diesel::update(budget_lines)
            .filter(org_id.eq(org).and(id.eq(line)))
            .filter((allocated_fen - committed_fen - spent_fen).ge(-fen))
            .set(allocated_fen.eq(allocated_fen + fen))
            .execute(conn)?
    } else {
        diesel::update(budget_lines)
            .filter(org_id.eq(org).and(id.eq(line)))
            .set(allocated_fen.eq(allocated_fen + fen))
            .execute(conn)?
    };
    Ok(changed == 1)
}
