//! Travel requests (R16). Every status change is conditional on the current state, so two people
//! acting at once cannot both move the same request.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::audit::NewEvent;
use super::claims::Fen;
use super::moves::{self, Move, Value};
use super::schema::{travel_claims, travel_requests};
use super::DbConnection;
use crate::domain::status::{ClaimStatus, RequestState, RequestStatus, Status};
use crate::domain::travel_request::EstimateLine;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = travel_requests)]
pub struct RequestRow {
    pub id: i64,
    pub requester_id: i64,
    pub budget_line_id: i64,
    #[diesel(deserialize_as = String)]
    pub status: RequestStatus,
    pub purpose: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub travellers: i32,
    pub policy_version_id: i64,
    pub tickets_estimate_fen: i64,
    pub advance_requested_fen: Option<i64>,
    pub estimate_fen: i64,
    /// The [`StoredEstimateLine`]s, as a JSON list.
    pub estimate_lines: String,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub reject_reason: Option<String>,
    pub live_claims: i32,
    pub advance_fen: Option<i64>,
    pub advance_paid_on: Option<NaiveDate>,
    pub advance_paid_by: Option<i64>,
    pub advance_paid_at: Option<NaiveDateTime>,
}

/// One explained amount of a request's estimate as the database keeps it: the amount, the rule
/// text as it was written when the request was made, and what the pages word it from (the
/// city's name, the rate, the nights or days and the travellers). Its own type, as a claim's
/// breakdown has ([`super::claims::StoredBreakdown`]): what is stored does not change with the
/// API's view, and is never read back through the client-input parser. The amount is written as
/// text (`"2400.00"`), as every earlier release wrote and read it, so that instances of two
/// releases on one database (upgraded one at a time) read each other's requests; [`Fen`] reads a
/// JSON integer too. Rows written before the wording fields existed read them as absent.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredEstimateLine {
    pub item: String,
    #[serde(serialize_with = "Fen::as_text")]
    pub amount: Fen,
    pub rule: String,
    /// The destination's name (北京), never its code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The lodging cap per night or the allowance per day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Fen>,
    /// Nights (lodging) or days (allowances).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travellers: Option<i64>,
}

impl StoredEstimateLine {
    /// The line as it is kept, its rule written out now; `city` is the destination's name and
    /// `(days, nights)` the trip's.
    pub fn new(line: &EstimateLine, city: &str, (days, nights): (i64, i64)) -> StoredEstimateLine {
        use crate::domain::travel::Rule;
        let (rate, count) = match &line.rule {
            Rule::Lodging { cap_per_night, .. } => (Some(*cap_per_night), Some(nights)),
            Rule::Meal { rate, .. } | Rule::Transport { rate, .. } => (Some(*rate), Some(days)),
            _ => (None, None),
        };
        StoredEstimateLine {
            item: line.item.as_str().to_string(),
            amount: Fen(line.amount.fen()),
            rule: line.rule_text(),
            city: rate.map(|_| city.to_string()),
            rate: rate.map(|r| Fen(r.fen())),
            count,
            travellers: Some(line.travellers),
        }
    }
}

impl RequestRow {
    /// The request as its moves see it (R16).
    pub fn state(&self) -> RequestState {
        RequestState {
            status: self.status,
            claimed: self.live_claims > 0,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = travel_requests)]
pub struct NewRequest<'a> {
    pub org_id: i64,
    pub requester_id: i64,
    pub budget_line_id: i64,
    pub status: &'a str,
    pub purpose: &'a str,
    pub destination: &'a str,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub travellers: i32,
    pub policy_version_id: i64,
    pub tickets_estimate_fen: i64,
    pub advance_requested_fen: Option<i64>,
    pub estimate_fen: i64,
    pub estimate_lines: &'a str,
    pub created_at: NaiveDateTime,
}

insert_row!(insert, travel_requests, NewRequest<'_>);

find_row!(find, travel_requests, RequestRow);

/// Requests of the organisation, newest first, optionally of one status and one requester,
/// older than the request `before` when given.
pub fn list(
    conn: &mut DbConnection,
    org_id: i64,
    status: Option<RequestStatus>,
    requester_id: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<RequestRow>> {
    let mut query = newest_page!(travel_requests, RequestRow, org_id, before, limit);
    if let Some(status) = status {
        query = query.filter(travel_requests::status.eq(status.as_str()));
    }
    if let Some(requester) = requester_id {
        query = query.filter(travel_requests::requester_id.eq(requester));
    }
    query.load(conn)
}

/// What a move of a request writes beside its status.
pub enum Marked<'a> {
    /// Approved or rejected (with the reason), by the event's actor at its time.
    Decided { reason: Option<&'a str> },
    /// Cancelled by its requester, only while no claim names it.
    Cancelled,
}

/// `from` → `to` as `marked`, recording `event`; `false` if the request had moved on (or, to
/// cancel, a claim names it), and nothing is recorded.
pub fn mark(
    conn: &mut DbConnection,
    id: i64,
    (from, to): (RequestStatus, RequestStatus),
    marked: &Marked<'_>,
    event: &NewEvent<'_>,
) -> QueryResult<bool> {
    let (set, only_if) = match *marked {
        Marked::Decided { reason } => (
            vec![
                ("decided_by", Value::Id(event.actor_id)),
                ("decided_at", Value::At(event.at)),
                ("reject_reason", Value::MaybeText(reason)),
            ],
            None,
        ),
        Marked::Cancelled => (Vec::new(), Some("live_claims = 0")),
    };
    let mv = Move {
        table: "travel_requests",
        org_id: event.org_id,
        id,
        from: from.as_str(),
        to: to.as_str(),
        set,
        only_if,
        also: Vec::new(),
    };
    moves::record(conn, &mv, event)
}

/// A claim of `claimant` names the request: only a request of theirs in status `from`
/// (approved) that no live claim names; `false` otherwise (nothing changed).
pub fn name_by_claim(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    from: RequestStatus,
    claimant: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(travel_requests::table)
        .filter(picks!(travel_requests, org_id, id))
        .filter(travel_requests::status.eq(from.as_str()))
        .filter(travel_requests::requester_id.eq(claimant))
        .filter(travel_requests::live_claims.eq(0))
        .set(travel_requests::live_claims.eq(travel_requests::live_claims + 1))
        .execute(conn)?;
    Ok(changed == 1)
}

/// The claim naming the request was rejected before its approval used the request: another
/// claim may name it.
pub fn unname(conn: &mut DbConnection, org_id: i64, id: i64) -> QueryResult<bool> {
    let changed = diesel::update(travel_requests::table)
        .filter(picks!(travel_requests, org_id, id))
        .filter(travel_requests::live_claims.ge(1))
        .set(travel_requests::live_claims.eq(travel_requests::live_claims - 1))
        .execute(conn)?;
    Ok(changed == 1)
}

/// An advance paid (R16): how much, on which day, by whom and when it was recorded.
#[derive(AsChangeset)]
#[diesel(table_name = travel_requests)]
pub struct AdvancePaid {
    #[diesel(column_name = advance_fen)]
    pub fen: i64,
    #[diesel(column_name = advance_paid_on)]
    pub on: NaiveDate,
    #[diesel(column_name = advance_paid_by)]
    pub by: i64,
    #[diesel(column_name = advance_paid_at)]
    pub at: NaiveDateTime,
}

/// Records the advance, once, on request `id` in status `from` (approved) that no claim names
/// yet, within its estimate; `false` otherwise (nothing changed).
pub fn pay_advance(
    conn: &mut DbConnection,
    (org_id, id): (i64, i64),
    from: RequestStatus,
    paid: &AdvancePaid,
) -> QueryResult<bool> {
    let changed = diesel::update(travel_requests::table)
        .filter(picks!(travel_requests, org_id, id))
        .filter(travel_requests::status.eq(from.as_str()))
        .filter(travel_requests::advance_fen.is_null())
        .filter(travel_requests::live_claims.eq(0))
        .filter(travel_requests::estimate_fen.ge(paid.fen))
        .set(paid)
        .execute(conn)?;
    Ok(changed == 1)
}

/// Requests with an advance paid, oldest first.
pub fn with_advances(conn: &mut DbConnection, org_id: i64) -> QueryResult<Vec<RequestRow>> {
    travel_requests::table
        .filter(travel_requests::org_id.eq(org_id))
        .filter(travel_requests::advance_fen.is_not_null())
        .order(travel_requests::id)
        .select(RequestRow::as_select())
        .load(conn)
}

/// The advance (fen, `None` before it is paid) of each of the requests `ids` of the organisation.
pub fn advances_of(
    conn: &mut DbConnection,
    org_id: i64,
    ids: &[i64],
) -> QueryResult<Vec<(i64, Option<i64>)>> {
    travel_requests::table
        .filter(travel_requests::org_id.eq(org_id))
        .filter(travel_requests::id.eq_any(ids))
        .select((travel_requests::id, travel_requests::advance_fen))
        .load(conn)
}

/// A live (not rejected or withdrawn) claim naming a travel request, as the advances owed need it.
#[derive(Clone, Debug, Queryable)]
pub struct LiveClaim {
    pub travel_request_id: Option<i64>,
    pub id: i64,
    #[diesel(deserialize_as = String)]
    pub status: ClaimStatus,
    pub reimbursable_fen: i64,
    pub advance_returned_on: Option<NaiveDate>,
}

/// The live (not rejected or withdrawn) claim naming each of `ids`.
pub fn live_claims_of(
    conn: &mut DbConnection,
    org_id: i64,
    ids: &[i64],
) -> QueryResult<Vec<LiveClaim>> {
    travel_claims::table
        .filter(travel_claims::org_id.eq(org_id))
        .filter(travel_claims::travel_request_id.eq_any(ids.iter().map(|i| Some(*i))))
        .filter(travel_claims::status.ne_all([
            ClaimStatus::Rejected.as_str(),
            ClaimStatus::Withdrawn.as_str(),
        ]))
        .select((
            travel_claims::travel_request_id,
            travel_claims::id,
            travel_claims::status,
            travel_claims::reimbursable_fen,
            travel_claims::advance_returned_on,
        ))
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_estimate_is_written_as_earlier_releases_wrote_it_and_read_in_either_form() {
        let line = |amount: i64| StoredEstimateLine {
            item: "lodging".into(),
            amount: Fen(amount),
            rule: "R4 住宿费: 400.00/night (beijing) × 3 nights × 2 travellers".into(),
            city: None,
            rate: None,
            count: None,
            travellers: None,
        };
        let written = serde_json::to_string(&[line(240_000), line(5), line(-4_000)]).unwrap();
        let json: serde_json::Value = serde_json::from_str(&written).unwrap();
        let amounts: Vec<Option<&str>> = (0..3).map(|i| json[i]["amount"].as_str()).collect();
        assert_eq!(amounts, [Some("2400.00"), Some("0.05"), Some("-40.00")]);
        let integer = r#"[{"item":"lodging","amount":240000,"rule":"R4 住宿费: 400.00/night (beijing) × 3 nights × 2 travellers"}]"#;
        for stored in [written.as_str(), integer] {
            let read: Vec<StoredEstimateLine> =
                serde_json::from_str(stored).unwrap_or_else(|e| panic!("{e}: {stored}"));
            assert_eq!(read[0], line(240_000), "{stored}");
        }
        let read: Vec<StoredEstimateLine> = serde_json::from_str(&written).unwrap();
        assert_eq!(read, [line(240_000), line(5), line(-4_000)]);
    }
}
