//! Reads the web pages need beyond the API's: names for ids, a claimant's claims page by page,
//! and the finance queue. Each is one query, so a page costs a handful of round trips whatever its
//! length.

use diesel::prelude::*;

use super::claims::ClaimRow;
use super::schema::{organisations, travel_claims, users};
use super::DbConnection;
use crate::domain::status::{ClaimStatus, Status};

pub fn org_name(conn: &mut DbConnection, org_id: i64) -> QueryResult<Option<String>> {
    organisations::table
        .filter(organisations::id.eq(org_id))
        .select(organisations::name)
        .first(conn)
        .optional()
}

/// The names of these users of the organisation.
pub fn user_names(
    conn: &mut DbConnection,
    org_id: i64,
    ids: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    users::table
        .filter(users::org_id.eq(org_id).and(users::id.eq_any(ids)))
        .select((users::id, users::name))
        .load(conn)
}

/// A claimant's claims, newest first, older than `before` (an id) when given.
pub fn claims_of(
    conn: &mut DbConnection,
    org_id: i64,
    claimant_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ClaimRow>> {
    super::claims::list(
        conn,
        org_id,
        None,
        super::claims::Whose::Claimant(claimant_id),
        before,
        limit,
    )
}

/// Claims in one status (waiting for a decision, or for payment), oldest first.
pub fn oldest_first(
    conn: &mut DbConnection,
    org_id: i64,
    status: ClaimStatus,
    step: Option<(&str, Option<i64>)>,
    limit: i64,
) -> QueryResult<Vec<ClaimRow>> {
    let mut query = travel_claims::table
        .filter(travel_claims::org_id.eq(org_id))
        .filter(travel_claims::status.eq(status.as_str()))
        .select(ClaimRow::as_select())
        .order(travel_claims::id.asc())
        .limit(limit)
        .into_boxed();
    // R18: only the claims waiting at one step (of one department, for its head).
    if let Some((step, department)) = step {
        query = query.filter(travel_claims::step.eq(step));
        if let Some(department) = department {
            query = query.filter(travel_claims::department_id.eq(department));
        }
    }
    query.load(conn)
}
