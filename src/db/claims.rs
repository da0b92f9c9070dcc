//! Travel claims. Status changes are conditional on the current status, so two finance users
//! acting at once cannot both move the same claim.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use super::audit::NewEvent;
use super::moves::{self, Move, Value};
use super::schema::travel_claims;
use super::DbConnection;
use crate::domain::status::{ClaimStatus, Status};
use crate::domain::travel::Breakdown;
use crate::domain::Money;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = travel_claims)]
pub struct ClaimRow {
    pub id: i64,
    pub claimant_id: i64,
    pub budget_line_id: i64,
    #[diesel(deserialize_as = String)]
    pub status: ClaimStatus,
    pub purpose: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub policy_version_id: i64,
    // Not `request`: the body as sent is kept for auditors and never read back, so no read of a
    // claim (a list of fifty, or an approval) carries it.
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
    pub travel_request_id: Option<i64>,
    pub advance_returned_on: Option<NaiveDate>,
    /// R17: the rejected or withdrawn claim this one amends.
    pub amends: Option<i64>,
    /// R18: the chain it was submitted under, as stored (`department_head,finance,leader`).
    pub approval_steps: String,
    /// R18: the leader's threshold when it was submitted.
    pub leader_threshold_fen: i64,
    /// R18: the claimant's department when it was submitted.
    pub department_id: Option<i64>,
    /// R18: the step waiting now, if any.
    pub step: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = travel_claims)]
pub struct NewClaim<'a> {
    pub org_id: i64,
    /// The id of the draft it was (R17), or none for the claims' sequence to give one.
    pub id: Option<i64>,
    pub claimant_id: i64,
    pub budget_line_id: i64,
    pub status: &'a str,
    pub purpose: &'a str,
    pub destination: &'a str,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub policy_version_id: i64,
    /// The claim's body as the claimant sent it (kept for auditors, never read back).
    pub request: &'a str,
    /// A [`StoredBreakdown`] as JSON.
    pub breakdown: &'a str,
    pub reimbursable_fen: i64,
    pub self_borne_fen: i64,
    pub submitted_at: NaiveDateTime,
    pub travel_request_id: Option<i64>,
    pub amends: Option<i64>,
    pub approval_steps: &'a str,
    pub leader_threshold_fen: i64,
    pub department_id: Option<i64>,
    pub step: Option<&'a str>,
}

insert_row!(insert, travel_claims, NewClaim<'_>);

pub fn find(conn: &mut DbConnection, org_id: i64, id: i64) -> QueryResult<Option<ClaimRow>> {
    direct!(conn, c => travel_claims::table
        .filter(picks!(travel_claims, org_id, id))
        .select(ClaimRow::as_select())
        .first(c)
        .optional())
}

/// The claimant and status of claim `id`, and whether a step has decided it yet (R18), the row
/// locked until the transaction ends on PostgreSQL (a decision on it, or another change of its
/// files, waits; SQLite writers are serialised anyway). R17: what may change a claim's files is
/// decided on this read.
pub fn claimant_and_status_locked(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
) -> QueryResult<Option<(i64, String, Option<i64>)>> {
    let query = travel_claims::table
        .filter(picks!(travel_claims, org_id, id))
        .select((
            travel_claims::claimant_id,
            travel_claims::status,
            travel_claims::decided_by,
        ));
    match conn {
        DbConnection::Postgres(c) => query.for_update().first(c).optional(),
        DbConnection::Sqlite(c) => query.first(c).optional(),
    }
}

/// Claims `ids` of the organisation, in no particular order.
pub fn by_ids(conn: &mut DbConnection, org_id: i64, ids: &[i64]) -> QueryResult<Vec<ClaimRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    travel_claims::table
        .filter(travel_claims::org_id.eq(org_id))
        .filter(travel_claims::id.eq_any(ids))
        .select(ClaimRow::as_select())
        .load(conn)
}

/// Whose claims a reader reads (R18, `services::permissions::claims_seen`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whose {
    /// Every claim of the organisation.
    All,
    /// The claims of this claimant.
    Claimant(i64),
    /// The claims of this claimant, and those submitted from this department.
    ClaimantOrDepartment(i64, i64),
}

impl Whose {
    /// Whether a claim of `claimant`, submitted from `department`, is among them.
    pub fn covers(self, claimant: i64, department: Option<i64>) -> bool {
        match self {
            Whose::All => true,
            Whose::Claimant(id) => claimant == id,
            Whose::ClaimantOrDepartment(id, dept) => claimant == id || department == Some(dept),
        }
    }
}

/// Claims of the organisation, newest first, optionally of one status, only `whose`, older than
/// the claim `before` when given.
pub fn list(
    conn: &mut DbConnection,
    org_id: i64,
    status: Option<ClaimStatus>,
    whose: Whose,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ClaimRow>> {
    let mut query = newest_page!(travel_claims, ClaimRow, org_id, before, limit);
    if let Some(status) = status {
        query = query.filter(travel_claims::status.eq(status.as_str()));
    }
    match whose {
        Whose::All => {}
        Whose::Claimant(id) => query = query.filter(travel_claims::claimant_id.eq(id)),
        Whose::ClaimantOrDepartment(id, dept) => {
            query = query.filter(
                travel_claims::claimant_id
                    .eq(id)
                    .or(travel_claims::department_id.eq(dept)),
            )
        }
    }
    query.load(conn)
}

/// What a decision on a claim writes beside its status.
pub enum Decided<'a> {
    /// R18: the step `from` approved; `to` waits next (`None`: the chain is done).
    Approved {
        from: &'static str,
        to: Option<&'static str>,
    },
    /// R18: the step `at` rejected the claim.
    Rejected {
        reason: &'a str,
        at: Option<&'static str>,
    },
    Paid {
        on: NaiveDate,
    },
    /// R17: its claimant took it back; nobody decided anything, so nothing is written beside
    /// the status (the audit event says who and when).
    Withdrawn,
}

/// `from` → `to` as `decided`, recording `event` (whose organisation, actor and time are the
/// decision's); `false` if the claim had moved on (and nothing is recorded).
///
/// ```sql
/// UPDATE travel_claims SET status = $to, decided_by = $actor, decided_at = $at,
///     step = $next                                    -- a step approves (R18)
///   WHERE org_id = $org AND id = $id AND status = $from AND step = $step
/// … SET status = $to, decided_by = …, reject_reason = $reason, step = NULL … AND step = $step
/// … SET status = $to, paid_by = $actor, paid_at = $at, paid_on = $paid_on            -- pay
/// … SET status = $to, step = NULL … AND decided_by IS NULL                          -- withdraw
/// ```
pub fn mark(
    conn: &mut DbConnection,
    id: i64,
    (from, to): (ClaimStatus, ClaimStatus),
    decided: &Decided<'_>,
    event: &NewEvent<'_>,
) -> QueryResult<bool> {
    let (by, at) = (Value::Id(event.actor_id), Value::At(event.at));
    let none = Value::MaybeText(None);
    // R18: a step's decision is conditional on the step as read too; a withdrawal, on no step
    // having been decided yet (every decision writes decided_by).
    let (set, also, only_if) = match decided {
        Decided::Approved { from, to } => (
            vec![
                ("decided_by", by),
                ("decided_at", at),
                ("step", Value::MaybeText(*to)),
            ],
            vec![("step", Value::Text(from))],
            None,
        ),
        Decided::Rejected { reason, at: step } => (
            vec![
                ("decided_by", by),
                ("decided_at", at),
                ("reject_reason", Value::Text(reason)),
                ("step", none),
            ],
            step.map(|step| ("step", Value::Text(step)))
                .into_iter()
                .collect(),
            None,
        ),
        Decided::Paid { on } => (
            vec![
                ("paid_by", by),
                ("paid_at", at),
                ("paid_on", Value::Day(*on)),
            ],
            Vec::new(),
            None,
        ),
        Decided::Withdrawn => (vec![("step", none)], Vec::new(), Some("decided_by IS NULL")),
    };
    let mv = Move {
        table: "travel_claims",
        org_id: event.org_id,
        id,
        from: from.as_str(),
        to: to.as_str(),
        set,
        only_if,
        also,
    };
    moves::record(conn, &mv, event)
}

impl ClaimRow {
    /// The row as [`mark`] leaves it when an approval moved the claim (`to`, by `event`'s actor
    /// at its time). Nothing else of a claim changes while it is submitted, so an approval can
    /// answer from the row it read before, without reading it again.
    pub fn approved(self, to: ClaimStatus, step: Option<&str>, event: &NewEvent<'_>) -> ClaimRow {
        ClaimRow {
            status: to,
            decided_by: Some(event.actor_id),
            decided_at: Some(event.at),
            step: step.map(str::to_string),
            ..self
        }
    }
}

/// The claim's body as its claimant sent it (R17: what an amendment or a copy starts from).
pub fn request_of(conn: &mut DbConnection, org_id: i64, id: i64) -> QueryResult<Option<String>> {
    travel_claims::table
        .filter(picks!(travel_claims, org_id, id))
        .select(travel_claims::request)
        .first(conn)
        .optional()
}

/// R16: records that the traveller returned what the paid claim left them owing; `false` if
/// the claim is no longer in status `from` (paid) or the return is already recorded.
pub fn mark_advance_returned(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    from: ClaimStatus,
    actor: i64,
    returned_on: NaiveDate,
) -> QueryResult<bool> {
    let changed = diesel::update(travel_claims::table)
        .filter(picks!(travel_claims, org_id, id))
        .filter(travel_claims::status.eq(from.as_str()))
        .filter(travel_claims::advance_returned_on.is_null())
        .set((
            travel_claims::advance_returned_on.eq(Some(returned_on)),
            travel_claims::advance_returned_by.eq(Some(actor)),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// A claim's breakdown (R3–R8) as the database keeps it in `travel_claims.breakdown`: amounts in
/// integer fen, rule texts as they were written when the claim was computed. The storage has its
/// own type and codec, so a stored claim is always readable: it is never read back through the
/// client-input parser and its 99,999,999.99 limit. Rows written before this type kept amounts as
/// text (`"1231.00"`, `"-40.00"`); [`Fen`] reads those too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBreakdown {
    pub policy_version: i32,
    pub days: i64,
    pub stays: Vec<StoredStay>,
    pub meal_allowance: Fen,
    pub meal_deductions: Fen,
    pub transport_allowance: Fen,
    pub tickets: Fen,
    pub reimbursable: Fen,
    pub self_borne: Fen,
    /// Absent from rows written before R8 reported it.
    #[serde(default)]
    pub forfeited: Fen,
    pub ineligible_reason: Option<String>,
    pub lines: Vec<StoredLine>,
}

impl StoredBreakdown {
    /// The breakdown computed under policy version `policy_version` (its number), as it is kept:
    /// amounts in fen, rule texts written out as the claim was computed.
    pub fn new(policy_version: i32, b: &Breakdown) -> StoredBreakdown {
        let fen = |m: Money| Fen(m.fen());
        StoredBreakdown {
            policy_version,
            days: b.days,
            stays: b
                .stays
                .iter()
                .map(|s| StoredStay {
                    city: s.city.to_string(),
                    nights: s.nights,
                    cap_per_night: fen(s.cap_per_night),
                    cap_total: fen(s.cap_total),
                    lodging_claimed: fen(s.lodging_claimed),
                    lodging_allowed: fen(s.lodging_allowed),
                    self_borne: fen(s.self_borne),
                })
                .collect(),
            meal_allowance: fen(b.meal_allowance),
            meal_deductions: fen(b.meal_deductions),
            transport_allowance: fen(b.transport_allowance),
            tickets: fen(b.tickets),
            reimbursable: fen(b.reimbursable),
            self_borne: fen(b.self_borne),
            forfeited: fen(b.forfeited),
            ineligible_reason: b.ineligible_reason.map(|r| r.code().to_string()),
            lines: b
                .lines
                .iter()
                .map(|l| StoredLine {
                    item: l.item.as_str().to_string(),
                    date: l.date,
                    amount: fen(l.amount),
                    rule: l.rule.to_string(),
                    rate: l.rule.rate().map(fen),
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStay {
    pub city: String,
    pub nights: i64,
    pub cap_per_night: Fen,
    pub cap_total: Fen,
    pub lodging_claimed: Fen,
    pub lodging_allowed: Fen,
    pub self_borne: Fen,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredLine {
    pub item: String,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    pub amount: Fen,
    pub rule: String,
    #[serde(default)]
    pub rate: Option<Fen>,
}

/// A stored amount in fen, written as a JSON integer; also reads the older text form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    /// Writes the amount as text with two decimals (`"2400.00"`), for a record that earlier
    /// releases also read and that must stay readable to them (`serialize_with`).
    pub fn as_text<S: serde::Serializer>(fen: &Fen, serializer: S) -> Result<S::Ok, S::Error> {
        let sign = if fen.0 < 0 { "-" } else { "" };
        let fen = fen.0.unsigned_abs();
        serializer.collect_str(&format_args!("{sign}{}.{:02}", fen / 100, fen % 100))
    }
}

impl<'de> Deserialize<'de> for Fen {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Fen(i64),
            Text(String),
        }
        match Form::deserialize(deserializer)? {
            Form::Fen(fen) => Ok(Fen(fen)),
            Form::Text(text) => text
                .parse::<Decimal>()
                .ok()
                .filter(|d| d.scale() <= 2)
                .and_then(|d| d.checked_mul(Decimal::ONE_HUNDRED))
                .and_then(|d| i64::try_from(d).ok())
                .map(Fen)
                .ok_or_else(|| serde::de::Error::custom(format!("stored amount {text:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_amounts_read_in_both_forms_and_beyond_the_input_limit() {
        let read = |json: &str| serde_json::from_str::<Fen>(json).ok();
        assert_eq!(read("123100"), Some(Fen(123_100)));
        assert_eq!(read("\"1231.00\""), Some(Fen(123_100)));
        assert_eq!(read("\"-40.00\""), Some(Fen(-4000)));
        assert_eq!(read("19999999998"), Some(Fen(19_999_999_998)));
        assert_eq!(read("\"199999999.98\""), Some(Fen(19_999_999_998)));
        assert_eq!(read("\"1.005\""), None);
        assert_eq!(read("\"abc\""), None);
    }
}
