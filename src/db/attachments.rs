//! R17: the files on claims. A file's bytes are kept apart from it, in pieces of at most
//! [`PIECE_BYTES`] (`claim_attachment_parts`), written one statement a piece and read one
//! [`piece`] at a time (a download, `baoxiao verify`): neither the server nor a database driver
//! holds a whole file as one value. Every other query selects metadata alone, so a page listing
//! thirty files reads no file. A file's pieces go with it (`ON DELETE CASCADE`).
//!
//! The same bytes once a claim, and at most thirty files a claim, are the table's keys: the
//! second is each file's `slot` (1 to 30), given once per claim.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::claim_attachment_parts as parts;
use super::schema::claim_attachments as files;
use super::DbConnection;

/// A file without its bytes.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = files)]
pub struct AttachmentRow {
    pub id: i64,
    pub claim_id: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub added_by: i64,
    pub added_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = files)]
pub struct NewAttachment<'a> {
    pub org_id: i64,
    pub claim_id: i64,
    pub slot: i32,
    pub name: &'a str,
    pub media_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub added_by: i64,
    pub added_at: NaiveDateTime,
}

/// The most bytes a piece of a file holds (1 MiB): a 10 MiB file is ten pieces.
pub const PIECE_BYTES: usize = 1 << 20;

insert_row!(
    /// Stores a file's metadata; a unique violation when the claim holds these bytes already or the
    /// slot is taken. Its bytes follow, piece by piece ([`insert_piece`]), in the same transaction.
    insert, files, NewAttachment<'_>
);

#[derive(Insertable)]
#[diesel(table_name = parts)]
struct NewPiece<'a> {
    org_id: i64,
    attachment_id: i64,
    seq: i32,
    bytes: &'a [u8],
}

/// Stores piece `seq` (from 0) of file `id`: at most [`PIECE_BYTES`]. On the backend's own
/// connection: diesel's multi-connection would copy the bytes into a buffer of its own before
/// binding them (BENCHMARKS.md, "Claim files").
pub fn insert_piece(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    seq: i32,
    bytes: &[u8],
) -> QueryResult<()> {
    let piece = NewPiece {
        org_id,
        attachment_id: id,
        seq,
        bytes,
    };
    direct!(conn, c => diesel::insert_into(parts::table).values(&piece).execute(c)).map(drop)
}

/// A file's bytes whole, its pieces in order: for a small file read as one (an e-invoice XML, at
/// most 1 MiB by R19); a download streams [`piece`] by piece instead.
pub fn whole(conn: &mut DbConnection, org_id: i64, id: i64) -> QueryResult<Vec<u8>> {
    let pieces: Vec<Vec<u8>> = parts::table
        .filter(parts::org_id.eq(org_id).and(parts::attachment_id.eq(id)))
        .order(parts::seq)
        .select(parts::bytes)
        .load(conn)?;
    Ok(pieces.concat())
}

/// Piece `seq` of file `id`, or `None` past its last piece (or when the file is gone).
pub fn piece(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    seq: i32,
) -> QueryResult<Option<Vec<u8>>> {
    direct!(conn, c => parts::table
        .filter(
            parts::org_id
                .eq(org_id)
                .and(parts::attachment_id.eq(id))
                .and(parts::seq.eq(seq)),
        )
        .select(parts::bytes)
        .first(c)
        .optional())
}

/// The rows of one claim's files.
#[diesel::dsl::auto_type]
fn of(org_id: i64, claim_id: i64) -> _ {
    files::table.filter(files::org_id.eq(org_id).and(files::claim_id.eq(claim_id)))
}

/// The claim's files, oldest first: metadata only.
pub fn of_claim(
    conn: &mut DbConnection,
    org_id: i64,
    claim_id: i64,
) -> QueryResult<Vec<AttachmentRow>> {
    of(org_id, claim_id)
        .order(files::id)
        .select(AttachmentRow::as_select())
        .load(conn)
}

/// The slots the claim's files hold.
pub fn slots(conn: &mut DbConnection, org_id: i64, claim_id: i64) -> QueryResult<Vec<i32>> {
    of(org_id, claim_id).select(files::slot).load(conn)
}

/// One file of the claim, by id: metadata only.
pub fn find(
    conn: &mut DbConnection,
    org_id: i64,
    claim_id: i64,
    id: i64,
) -> QueryResult<Option<AttachmentRow>> {
    of(org_id, claim_id)
        .filter(files::id.eq(id))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()
}

/// The claim's file with these bytes (by their SHA-256), if it holds them.
pub fn with_hash(
    conn: &mut DbConnection,
    org_id: i64,
    claim_id: i64,
    sha256: &str,
) -> QueryResult<Option<AttachmentRow>> {
    of(org_id, claim_id)
        .filter(files::sha256.eq(sha256))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()
}

/// Removes a file and its pieces; how many were removed (0 or 1).
pub fn delete(conn: &mut DbConnection, org_id: i64, claim_id: i64, id: i64) -> QueryResult<usize> {
    diesel::delete(of(org_id, claim_id).filter(files::id.eq(id))).execute(conn)
}

/// Removes every file of a claim (a draft deleted by its claimant) and their pieces; how many
/// were removed.
pub fn delete_all(conn: &mut DbConnection, org_id: i64, claim_id: i64) -> QueryResult<usize> {
    diesel::delete(of(org_id, claim_id)).execute(conn)
}

/// How many files each of the claims holds (claims without files are absent), in one query.
pub fn counts(
    conn: &mut DbConnection,
    org_id: i64,
    claim_ids: &[i64],
) -> QueryResult<Vec<(i64, i64)>> {
    files::table
        .filter(
            files::org_id
                .eq(org_id)
                .and(files::claim_id.eq_any(claim_ids)),
        )
        .group_by(files::claim_id)
        .select((files::claim_id, diesel::dsl::count_star()))
        .load(conn)
}

/// Every file's (organisation, id), for `baoxiao verify` to read one at a time.
pub fn all_ids(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64)>> {
    files::table
        .order((files::org_id, files::id))
        .select((files::org_id, files::id))
        .load(conn)
}

/// A file as `baoxiao verify` checks it: claim, name, stored size and hash (its bytes are read
/// piece by piece, [`piece`]).
#[derive(Queryable, Selectable)]
#[diesel(table_name = files)]
pub struct Stored {
    pub claim_id: i64,
    pub name: String,
    pub size: i64,
    pub sha256: String,
}

/// The file `id` as [`Stored`].
pub fn each_checked(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Stored>> {
    files::table
        .filter(files::id.eq(id))
        .select(Stored::as_select())
        .first(conn)
        .optional()
}

#[cfg(test)]
mod tests {
    use diesel::debug_query;
    use diesel::sqlite::Sqlite;

    use super::*;

    /// A claim's page lists its files without reading them: the list's SQL names every column but
    /// the bytes.
    #[test]
    fn listing_files_reads_no_bytes() {
        let list = of(1, 2).order(files::id).select(AttachmentRow::as_select());
        let sql = debug_query::<Sqlite, _>(&list).to_string();
        assert!(sql.contains("`sha256`"), "{sql}");
        assert!(!sql.contains("parts"), "{sql}");
        let counted = files::table
            .filter(files::claim_id.eq_any([1_i64]))
            .group_by(files::claim_id)
            .select((files::claim_id, diesel::dsl::count_star()));
        assert!(!debug_query::<Sqlite, _>(&counted)
            .to_string()
            .contains("parts"));
    }
}
