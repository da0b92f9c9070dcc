//! What the reports read: performance targets, and the few facts about claims and batches the
//! indicators need. The execution report reads only `budget_lines` (maintained balances).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{performance_targets, subsidy_batches, subsidy_items, travel_claims};
use super::DbConnection;
use crate::domain::status::{BatchStatus, Status};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = performance_targets)]
pub struct TargetRow {
    pub org_id: i64,
    pub year: i32,
    pub line_code: String,
    pub indicator: String,
    pub comparator: String,
    pub target: Option<String>,
    pub deadline_days: Option<i32>,
}

/// The targets of the latest year up to `year` that has any.
pub fn targets(conn: &mut DbConnection, org_id: i64, year: i32) -> QueryResult<Vec<TargetRow>> {
    let latest: Option<i32> = performance_targets::table
        .filter(
            performance_targets::org_id
                .eq(org_id)
                .and(performance_targets::year.le(year)),
        )
        .select(diesel::dsl::max(performance_targets::year))
        .first(conn)?;
    let Some(latest) = latest else {
        return Ok(Vec::new());
    };
    performance_targets::table
        .filter(
            performance_targets::org_id
                .eq(org_id)
                .and(performance_targets::year.eq(latest)),
        )
        .order((
            performance_targets::line_code,
            performance_targets::indicator,
        ))
        .select(TargetRow::as_select())
        .load(conn)
}

pub fn replace_targets(
    conn: &mut DbConnection,
    org_id: i64,
    year: i32,
    rows: &[TargetRow],
) -> QueryResult<()> {
    diesel::delete(performance_targets::table)
        .filter(
            performance_targets::org_id
                .eq(org_id)
                .and(performance_targets::year.eq(year)),
        )
        .execute(conn)?;
    for row in rows {
        diesel::insert_into(performance_targets::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// A claim's facts for the indicators.
#[derive(Clone, Debug, Queryable)]
pub struct ClaimFacts {
    pub submitted_at: NaiveDateTime,
    /// When its last decision was made; R18: a claim with a step still waiting is not decided,
    /// whatever its earlier steps did (its R12 time counts to the last step).
    pub decided_at: Option<NaiveDateTime>,
    pub self_borne_fen: i64,
    pub step: Option<String>,
}

impl ClaimFacts {
    /// When the claim was decided: by its last step, or not yet.
    pub fn decided(&self) -> Option<NaiveDateTime> {
        self.decided_at.filter(|_| self.step.is_none())
    }
}

/// Claims charged to any of `lines` whose trip departed in `[from, to]`.
pub fn claims(
    conn: &mut DbConnection,
    org_id: i64,
    lines: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ClaimFacts>> {
    travel_claims::table
        .filter(
            travel_claims::org_id
                .eq(org_id)
                .and(travel_claims::budget_line_id.eq_any(lines)),
        )
        .filter(
            travel_claims::departure_date
                .ge(from)
                .and(travel_claims::departure_date.le(to)),
        )
        .select((
            travel_claims::submitted_at,
            travel_claims::decided_at,
            travel_claims::self_borne_fen,
            travel_claims::step,
        ))
        .load(conn)
}

/// A paid subsidy batch, for the indicators.
#[derive(Clone, Debug, Queryable)]
pub struct PaidBatch {
    pub id: i64,
    pub total_fen: i64,
    pub on_time: Option<bool>,
    pub paid_on: Option<NaiveDate>,
}

/// Paid batches charged to any of `lines` for `year`.
pub fn paid_batches(
    conn: &mut DbConnection,
    org_id: i64,
    lines: &[i64],
    year: i32,
) -> QueryResult<Vec<PaidBatch>> {
    subsidy_batches::table
        .filter(
            subsidy_batches::org_id
                .eq(org_id)
                .and(subsidy_batches::budget_line_id.eq_any(lines)),
        )
        .filter(
            subsidy_batches::year
                .eq(year)
                .and(subsidy_batches::status.eq(BatchStatus::Paid.as_str())),
        )
        .select((
            subsidy_batches::id,
            subsidy_batches::total_fen,
            subsidy_batches::on_time,
            subsidy_batches::paid_on,
        ))
        .load(conn)
}

/// One recipient-month of a batch, for the indicators.
#[derive(Clone, Debug, Queryable)]
pub struct BatchMonth {
    pub recipient_id: i64,
    pub month: i32,
    pub amount_fen: i64,
}

/// The recipient-months of the given batches.
pub fn items_of(
    conn: &mut DbConnection,
    org_id: i64,
    batches: &[i64],
) -> QueryResult<Vec<BatchMonth>> {
    subsidy_items::table
        .filter(
            subsidy_items::org_id
                .eq(org_id)
                .and(subsidy_items::batch_id.eq_any(batches)),
        )
        .select((
            subsidy_items::recipient_id,
            subsidy_items::month,
            subsidy_items::amount_fen,
        ))
        .load(conn)
}

/// The (recipient, month, paid_on) of every recipient-month of `year` in a paid batch of the lines.
pub fn paid_months(
    conn: &mut DbConnection,
    org_id: i64,
    lines: &[i64],
    year: i32,
) -> QueryResult<Vec<(i64, i32, Option<NaiveDate>)>> {
    let batches = paid_batches(conn, org_id, lines, year)?;
    let paid_on: std::collections::HashMap<i64, Option<NaiveDate>> =
        batches.into_iter().map(|b| (b.id, b.paid_on)).collect();
    let ids: Vec<i64> = paid_on.keys().copied().collect();
    let items: Vec<(i64, i64, i32)> = subsidy_items::table
        .filter(
            subsidy_items::org_id
                .eq(org_id)
                .and(subsidy_items::batch_id.eq_any(ids)),
        )
        .select((
            subsidy_items::batch_id,
            subsidy_items::recipient_id,
            subsidy_items::month,
        ))
        .load(conn)?;
    Ok(items
        .into_iter()
        .map(|(batch, recipient, month)| (recipient, month, paid_on.get(&batch).copied().flatten()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::ClaimFacts;

    /// R12 with R18: a claim counts as decided only once its last step has decided; a decision
    /// of an earlier step (a department head's, finance's before the leader's) does not stop its
    /// clock.
    #[test]
    fn a_claim_is_decided_by_its_last_step() {
        let at = |h| {
            chrono::NaiveDate::from_ymd_opt(2021, 5, 10)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap_or_default()
        };
        let facts = |decided_at, step: Option<&str>| ClaimFacts {
            submitted_at: at(1),
            decided_at,
            self_borne_fen: 0,
            step: step.map(str::to_string),
        };
        assert_eq!(facts(Some(at(3)), Some("leader")).decided(), None);
        assert_eq!(facts(Some(at(3)), Some("finance")).decided(), None);
        assert_eq!(facts(Some(at(5)), None).decided(), Some(at(5)));
        assert_eq!(facts(None, Some("department_head")).decided(), None);
        assert_eq!(facts(None, None).decided(), None);
    }
}
