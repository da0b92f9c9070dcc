//! R18: the organisation's approval chain, its departments (科室), and each step decided on a
//! claim. Four eyes and "each step once" are unique indexes of `claim_approvals`; one head a
//! department is a unique index of `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{claim_approvals, departments, organisations, travel_claims, users};
use super::{now, DbConnection};

/// The organisation's chain as stored (`department_head,finance,leader`) and its leader's
/// threshold in fen.
pub fn chain(conn: &mut DbConnection, org_id: i64) -> QueryResult<(String, i64)> {
    organisations::table
        .filter(organisations::id.eq(org_id))
        .select((
            organisations::approval_steps,
            organisations::leader_threshold_fen,
        ))
        .first(conn)
}

pub fn set_chain(
    conn: &mut DbConnection,
    org_id: i64,
    steps: &str,
    threshold_fen: i64,
) -> QueryResult<usize> {
    diesel::update(organisations::table.filter(organisations::id.eq(org_id)))
        .set((
            organisations::approval_steps.eq(steps),
            organisations::leader_threshold_fen.eq(threshold_fen),
        ))
        .execute(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = departments)]
pub struct DepartmentRow {
    pub id: i64,
    pub name: String,
}

/// A new department; `Err(Taken)` (through [`super::unique`]) when the name is used.
pub fn add_department(conn: &mut DbConnection, org_id: i64, name: &str) -> QueryResult<i64> {
    diesel::insert_into(departments::table)
        .values((
            departments::org_id.eq(org_id),
            departments::name.eq(name),
            departments::created_at.eq(now()),
        ))
        .returning(departments::id)
        .get_result(conn)
}

all_rows!(departments, departments, DepartmentRow);

pub fn department_by_name(
    conn: &mut DbConnection,
    org_id: i64,
    name: &str,
) -> QueryResult<Option<DepartmentRow>> {
    departments::table
        .filter(departments::org_id.eq(org_id))
        .filter(departments::name.eq(name))
        .select(DepartmentRow::as_select())
        .first(conn)
        .optional()
}

find_row!(department, departments, DepartmentRow);

/// The department of user `id` and their roles as stored, if the user exists.
pub fn membership(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
) -> QueryResult<Option<(Option<i64>, String)>> {
    users::table
        .filter(users::org_id.eq(org_id).and(users::id.eq(id)))
        .select((users::department_id, users::roles))
        .first(conn)
        .optional()
}

/// Every user's department of the organisation: `(user, department)`.
pub fn memberships(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<(i64, Option<i64>)>> {
    users::table
        .filter(users::org_id.eq(org_id))
        .select((users::id, users::department_id))
        .load(conn)
}

/// Puts user `id` in department `department` (`None`: in none); the number of users changed.
/// A second head for one department is refused by the unique index.
pub fn set_department(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    department: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::org_id.eq(org_id).and(users::id.eq(id))))
        .set(users::department_id.eq(department))
        .execute(conn)
}

/// One decided (or skipped) step of a claim.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = claim_approvals)]
pub struct ApprovalRow {
    pub claim_id: i64,
    pub step: String,
    pub decision: String,
    pub decided_by: Option<i64>,
    pub decided_at: NaiveDateTime,
    pub note: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = claim_approvals)]
pub struct NewApproval<'a> {
    pub org_id: i64,
    pub claim_id: i64,
    pub step: &'a str,
    pub decision: &'a str,
    pub decided_by: Option<i64>,
    pub decided_at: NaiveDateTime,
    pub note: Option<&'a str>,
}

/// Records a step's decision; a second decision of the step, or a second step decided by the
/// same person, is refused by the table's unique indexes (see [`super::unique`]).
pub fn record(conn: &mut DbConnection, approval: &NewApproval<'_>) -> QueryResult<usize> {
    diesel::insert_into(claim_approvals::table)
        .values(approval)
        .execute(conn)
}

/// The steps decided on claims `ids`, in the order they were decided.
pub fn of_claims(
    conn: &mut DbConnection,
    org_id: i64,
    ids: &[i64],
) -> QueryResult<Vec<ApprovalRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    claim_approvals::table
        .filter(claim_approvals::org_id.eq(org_id))
        .filter(claim_approvals::claim_id.eq_any(ids))
        .order(claim_approvals::id.asc())
        .select(ApprovalRow::as_select())
        .load(conn)
}

/// Whether `user` decided a step of claim `claim_id` already.
pub fn decided_by(
    conn: &mut DbConnection,
    org_id: i64,
    claim_id: i64,
    user: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        claim_approvals::table
            .filter(claim_approvals::org_id.eq(org_id))
            .filter(claim_approvals::claim_id.eq(claim_id))
            .filter(claim_approvals::decided_by.eq(user)),
    ))
    .get_result(conn)
}

/// The ids of the claims waiting at `step`, oldest first (of `department` only, when given),
/// after the claim `after` in that order, at most `limit`.
pub fn waiting(
    conn: &mut DbConnection,
    org_id: i64,
    step: &str,
    department: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let mut query = travel_claims::table
        .filter(travel_claims::org_id.eq(org_id))
        .filter(travel_claims::status.eq("submitted"))
        .filter(travel_claims::step.eq(step))
        .order((travel_claims::submitted_at.asc(), travel_claims::id.asc()))
        .select(travel_claims::id)
        .limit(limit)
        .into_boxed();
    if let Some(department) = department {
        query = query.filter(travel_claims::department_id.eq(department));
    }
    query.load(conn)
}
