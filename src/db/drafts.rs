//! Claim drafts (R17): a claim saved before it is submitted, its body kept as sent. A draft's id
//! comes from the claims' own sequence ([`next_id`]), so that submitting draft #N inserts claim #N
//! and deletes the draft, in one transaction.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::schema::{claim_drafts, travel_claims};
use super::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = claim_drafts)]
pub struct DraftRow {
    pub id: i64,
    pub claimant_id: i64,
    /// Any part of a claim body, as JSON, unchecked.
    pub body: String,
    pub amends: Option<i64>,
    pub copied_from: Option<i64>,
    pub travel_request_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = claim_drafts)]
pub struct NewDraft<'a> {
    pub org_id: i64,
    pub id: i64,
    pub claimant_id: i64,
    pub body: &'a str,
    pub amends: Option<i64>,
    pub copied_from: Option<i64>,
    pub travel_request_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct Next {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The next id of the claims' sequence, taken for a draft: no claim inserted later, on either
/// database, is given it.
///
/// PostgreSQL: `nextval` of the identity column's sequence. SQLite (`AUTOINCREMENT`): the
/// table's row in `sqlite_sequence` is moved on by one (created if no claim was ever inserted);
/// this runs under the write lock (`BEGIN IMMEDIATE`), so no other writer reads it meanwhile,
/// and a plain insert afterwards takes an id above it.
pub fn next_id(conn: &mut DbConnection) -> QueryResult<i64> {
    let next: Next = match conn {
        DbConnection::Postgres(c) => {
            diesel::sql_query("SELECT nextval(pg_get_serial_sequence('travel_claims', 'id')) AS id")
                .get_result(c)?
        }
        DbConnection::Sqlite(c) => {
            c.batch_execute(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'travel_claims', 0 \
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'travel_claims'); \
                 UPDATE sqlite_sequence SET seq = MAX(seq, \
                 (SELECT COALESCE(MAX(id), 0) FROM travel_claims)) + 1 \
                 WHERE name = 'travel_claims';",
            )?;
            diesel::sql_query("SELECT seq AS id FROM sqlite_sequence WHERE name = 'travel_claims'")
                .get_result(c)?
        }
    };
    Ok(next.id)
}

pub fn insert(conn: &mut DbConnection, draft: &NewDraft<'_>) -> QueryResult<()> {
    diesel::insert_into(claim_drafts::table)
        .values(draft)
        .execute(conn)
        .map(|_| ())
}

find_row!(find, claim_drafts, DraftRow);

/// The drafts of one claimant, newest first, older than the draft `before` when given.
pub fn of_claimant(
    conn: &mut DbConnection,
    org_id: i64,
    claimant_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DraftRow>> {
    newest_page!(claim_drafts, DraftRow, org_id, before, limit)
        .filter(claim_drafts::claimant_id.eq(claimant_id))
        .load(conn)
}

/// Replaces the body of the claimant's draft `id`; `false` if there is no such draft.
pub fn replace_body(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    claimant_id: i64,
    body: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(claim_drafts::table)
        .filter(picks!(claim_drafts, org_id, id))
        .filter(claim_drafts::claimant_id.eq(claimant_id))
        .set((claim_drafts::body.eq(body), claim_drafts::updated_at.eq(at)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Deletes the claimant's draft `id`, only if it is still as it was read (`updated_at`), when
/// given; `false` if it was not (deleted, or saved again, meanwhile).
pub fn delete(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    claimant_id: i64,
    as_read: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let mut query = diesel::delete(claim_drafts::table)
        .filter(picks!(claim_drafts, org_id, id))
        .filter(claim_drafts::claimant_id.eq(claimant_id))
        .into_boxed();
    if let Some(at) = as_read {
        query = query.filter(claim_drafts::updated_at.eq(at));
    }
    Ok(query.execute(conn)? == 1)
}

/// R17: the draft or claim that amends claim `id`, if any: a draft is shown only to `viewer`
/// when it is theirs.
pub fn amended_by(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    viewer: i64,
) -> QueryResult<Option<i64>> {
    let claim: Option<i64> = travel_claims::table
        .filter(travel_claims::org_id.eq(org_id))
        .filter(travel_claims::amends.eq(Some(id)))
        .select(travel_claims::id)
        .first(conn)
        .optional()?;
    if claim.is_some() {
        return Ok(claim);
    }
    claim_drafts::table
        .filter(claim_drafts::org_id.eq(org_id))
        .filter(claim_drafts::amends.eq(Some(id)))
        .filter(claim_drafts::claimant_id.eq(viewer))
        .select(claim_drafts::id)
        .first(conn)
        .optional()
}
