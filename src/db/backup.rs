//! SQLite files as backups: a consistent copy of a live database, and the check a copy passes.

use diesel::prelude::*;
use diesel::sql_types::Text;

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Writes a consistent snapshot of the database to `path`, which must not exist or be empty.
/// `VACUUM INTO` reads inside one read transaction, so writers (in WAL mode) carry on meanwhile
/// and the copy holds every transaction committed before it began and none after.
pub fn vacuum_into(conn: &mut SqliteConnection, path: &str) -> QueryResult<()> {
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(path)
        .execute(conn)
        .map(|_| ())
}

/// How long a statement on `conn` waits for a lock held by the live server before giving up.
pub fn busy_timeout(conn: &mut SqliteConnection, ms: u32) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(&format!("PRAGMA busy_timeout = {ms};"))
}

/// `PRAGMA integrity_check`: empty when the file is sound, else the problems SQLite found.
pub fn integrity_problems(conn: &mut SqliteConnection) -> QueryResult<Vec<String>> {
    let rows: Vec<IntegrityRow> = diesel::sql_query("PRAGMA integrity_check").load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| r.integrity_check)
        .filter(|r| r != "ok")
        .collect())
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    found: i64,
}

/// Whether the database has a table of this name (a backup from before it existed has not).
pub fn has_table(conn: &mut SqliteConnection, name: &str) -> QueryResult<bool> {
    let rows: Vec<Found> = diesel::sql_query(
        "SELECT count(*) AS found FROM sqlite_master WHERE type = 'table' AND name = ?",
    )
    .bind::<Text, _>(name)
    .load(conn)?;
    Ok(rows.first().is_some_and(|r| r.found > 0))
}
