//! Travel claims. Status changes are conditional on the current status, so two finance users
//! acting at once cannot both move the same claim.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::travel_claims;
use super::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = travel_claims)]
pub struct ClaimRow {
    pub id: i64,
    pub claimant_id: i64,
    pub budget_line_id: i64,
    pub status: String,
    pub purpose: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub policy_version_id: i64,
    pub request: String,
    pub breakdown: String,
    pub reimbursable_fen: i64,
    pub self_borne_fen: i64,
    pub submitted_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub reject_reason: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub paid_by: Option<i64>,
    pub paid_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = travel_claims)]
pub struct NewClaim<'a> {
    pub org_id: i64,
    pub claimant_id: i64,
    pub budget_line_id: i64,
    pub status: &'a str,
    pub purpose: &'a str,
    pub destination: &'a str,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub policy_version_id: i64,
    pub request: &'a str,
    pub breakdown: &'a str,
    pub reimbursable_fen: i64,
    pub self_borne_fen: i64,
    pub submitted_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, claim: &NewClaim<'_>) -> QueryResult<i64> {
    diesel::insert_into(travel_claims::table)
        .values(claim)
        .returning(travel_claims::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, org_id: i64, id: i64) -> QueryResult<Option<ClaimRow>> {
    travel_claims::table
        .filter(
            travel_claims::org_id
                .eq(org_id)
                .and(travel_claims::id.eq(id)),
        )
        .select(ClaimRow::as_select())
        .first(conn)
        .optional()
}

/// Claims of the organisation, newest first, optionally of one status and one claimant.
pub fn list(
    conn: &mut DbConnection,
    org_id: i64,
    status: Option<&str>,
    claimant_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ClaimRow>> {
    let mut query = travel_claims::table
        .filter(travel_claims::org_id.eq(org_id))
        .select(ClaimRow::as_select())
        .order(travel_claims::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(travel_claims::status.eq(status.to_string()));
    }
    if let Some(claimant) = claimant_id {
        query = query.filter(travel_claims::claimant_id.eq(claimant));
    }
    query.load(conn)
}

/// `submitted` → `approved` by `actor`; `false` if the claim was no longer submitted.
pub fn mark_approved(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    actor: i64,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(travel_claims::table)
        .filter(
            travel_claims::org_id
                .eq(org_id)
                .and(travel_claims::id.eq(id)),
        )
        .filter(travel_claims::status.eq("submitted"))
        .set((
            travel_claims::status.eq("approved"),
            travel_claims::decided_by.eq(Some(actor)),
            travel_claims::decided_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// `from` → `rejected`; `false` if the claim had moved on.
pub fn mark_rejected(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    from: &str,
    actor: i64,
    at: NaiveDateTime,
    reason: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(travel_claims::table)
        .filter(
            travel_claims::org_id
                .eq(org_id)
                .and(travel_claims::id.eq(id)),
        )
        .filter(travel_claims::status.eq(from))
        .set((
            travel_claims::status.eq("rejected"),
            travel_claims::decided_by.eq(Some(actor)),
            travel_claims::decided_at.eq(Some(at)),
            travel_claims::reject_reason.eq(Some(reason)),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// `approved` → `paid`; `false` if the claim was not approved.
pub fn mark_paid(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    actor: i64,
    at: NaiveDateTime,
    paid_on: NaiveDate,
) -> QueryResult<bool> {
    let changed = diesel::update(travel_claims::table)
        .filter(
            travel_claims::org_id
                .eq(org_id)
                .and(travel_claims::id.eq(id)),
        )
        .filter(travel_claims::status.eq("approved"))
        .set((
            travel_claims::status.eq("paid"),
            travel_claims::paid_by.eq(Some(actor)),
            travel_claims::paid_at.eq(Some(at)),
            travel_claims::paid_on.eq(Some(paid_on)),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}
