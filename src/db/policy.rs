//! Policy versions (R2) and their cities.

use chrono::NaiveDate;
use diesel::prelude::*;
use rust_decimal::Decimal;

use crate::domain::policy::{HostMealDeduction, Policy};

use super::recent::Settling;
use super::schema::{policy_cities, policy_versions};
use super::DbConnection;

/// Policies as loaded, by version id. A version never changes once stored (R2: a change is a new
/// version), so an entry can never be stale; a new version is a new id, found among the
/// organisation's versions ([`super::recent`]). Only versions read outside a transaction are
/// kept: inside one, a read may see a version that the transaction itself has not committed.
/// One cache per database ([`super::Pool`]).
#[derive(Default)]
pub struct Cache(std::sync::Mutex<std::collections::HashMap<i64, std::sync::Arc<Policy>>>);

impl Cache {
    pub fn get(&self, version_id: i64) -> Option<std::sync::Arc<Policy>> {
        self.lock().get(&version_id).cloned()
    }

    pub fn keep(&self, version_id: i64, policy: std::sync::Arc<Policy>) {
        self.lock().insert(version_id, policy);
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<i64, std::sync::Arc<Policy>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What a policy version says, as stored and as written.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = policy_versions)]
pub struct PolicyTerms {
    pub version: i32,
    pub effective_from: NaiveDate,
    pub breakfast_bp: i32,
    pub lunch_bp: i32,
    pub dinner_bp: i32,
    pub subsidy_monthly_fen: i64,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = policy_versions)]
pub struct PolicyRow {
    pub id: i64,
    #[diesel(embed)]
    pub terms: PolicyTerms,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = policy_cities)]
pub struct CityRow {
    pub org_id: i64,
    pub policy_id: i64,
    pub position: i32,
    pub code: String,
    pub names: String,
    pub lodging_cap_fen: i64,
    pub meal_fen: i64,
    pub transport_fen: i64,
}

#[derive(Insertable)]
#[diesel(table_name = policy_versions)]
pub struct NewPolicy {
    pub org_id: i64,
    #[diesel(embed)]
    pub terms: PolicyTerms,
    pub created_by: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
}

find_row!(find, policy_versions, PolicyRow);

/// The newest version, by `effective_from`.
pub fn latest(conn: &mut DbConnection, org_id: i64) -> QueryResult<Option<PolicyRow>> {
    policy_versions::table
        .filter(policy_versions::org_id.eq(org_id))
        .order(policy_versions::effective_from.desc())
        .select(PolicyRow::as_select())
        .first(conn)
        .optional()
}

pub fn cities(conn: &mut DbConnection, org_id: i64, policy_id: i64) -> QueryResult<Vec<CityRow>> {
    policy_cities::table
        .filter(
            policy_cities::org_id
                .eq(org_id)
                .and(policy_cities::policy_id.eq(policy_id)),
        )
        .order(policy_cities::position)
        .select(CityRow::as_select())
        .load(conn)
}

/// Stores a version; returns its id, and the [`Settling`] to consume once the transaction has
/// committed, so that the write returns only when no process quotes from what it read of the
/// organisation's versions before it ([`super::recent`]).
pub fn insert(conn: &mut DbConnection, policy: &NewPolicy) -> (QueryResult<i64>, Settling) {
    let settling = Settling::new();
    (insert_version(conn, policy), settling)
}

fn insert_version(conn: &mut DbConnection, policy: &NewPolicy) -> QueryResult<i64> {
    diesel::insert_into(policy_versions::table)
        .values(policy)
        .returning(policy_versions::id)
        .get_result(conn)
}

pub fn insert_city(conn: &mut DbConnection, city: &CityRow) -> QueryResult<usize> {
    diesel::insert_into(policy_cities::table)
        .values(city)
        .execute(conn)
}

/// Every version, oldest first.
pub fn all(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<PolicyRow>> {
    policy_versions::table
        .filter(policy_versions::org_id.eq(org_id))
        .order(policy_versions::effective_from)
        .select(PolicyRow::as_select())
        .load(conn)
}

/// Meal-deduction shares are stored as basis points (0.2000 → 2000): exact, and an integer column
/// on both databases.
fn to_bp(share: Decimal) -> i32 {
    match i32::try_from((share * Decimal::from(10_000)).trunc().mantissa()) {
        Ok(bp) => bp,
        // A `Policy` holds shares from 0 to 1 only (`Policy::new` refuses others): 0 to 10,000.
        Err(_) => unreachable!("a deduction share from 0 to 1, not {share}"),
    }
}

pub fn from_bp(bp: i32) -> Decimal {
    Decimal::new(i64::from(bp), 4)
}

/// The stored (breakfast, lunch, dinner) basis points of a deduction.
pub fn deduction_bp(d: &HostMealDeduction) -> (i32, i32, i32) {
    (to_bp(d.breakfast), to_bp(d.lunch), to_bp(d.dinner))
}
