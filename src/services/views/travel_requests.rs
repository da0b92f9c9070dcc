//! Travel requests and advances (R16, api.md "Travel requests and advances").

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::HistoryView;
use crate::domain::Money;

/// One explained amount of the estimate, with the quote's rule text.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EstimateLineView {
    /// `lodging`, `meal_allowance`, `transport_allowance` or `ticket`.
    pub item: String,
    #[schema(value_type = String, example = "2400.00")]
    pub amount: Money,
    /// e.g. `R5 伙食补助费: 100.00/day (beijing) × 2 travellers`.
    pub rule: String,
    /// What the pages word the line from; not part of the API's answer.
    #[serde(skip)]
    pub basis: EstimateBasis,
}

/// What a page words an estimate line from, in place of the API's English rule text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EstimateBasis {
    /// The destination's name (北京).
    pub city: String,
    /// The lodging cap per night or the allowance per day, when known.
    pub rate: Option<Money>,
    /// Nights (lodging) or days (allowances).
    pub count: i64,
    pub travellers: i64,
}

/// A travel request (出差申请).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub id: i64,
    /// `requested`, `approved`, `rejected` or `cancelled`.
    pub status: crate::domain::status::RequestStatus,
    pub requester_id: i64,
    pub budget_line_id: i64,
    pub purpose: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub travellers: i64,
    pub days: i64,
    pub nights: i64,
    #[schema(value_type = String)]
    pub tickets_estimate: Money,
    #[schema(value_type = String, example = "4440.00")]
    pub estimate: Money,
    pub estimate_lines: Vec<EstimateLineView>,
    #[schema(value_type = Option<String>)]
    pub advance_requested: Option<Money>,
    /// The advance paid, once, by finance.
    #[schema(value_type = Option<String>)]
    pub advance: Option<Money>,
    pub advance_paid_on: Option<NaiveDate>,
    /// True while a claim that is not rejected names this request.
    pub claimed: bool,
    pub created_at: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
    pub reject_reason: Option<String>,
    pub history: Vec<HistoryView>,
}
/// R16: how the claim settles its request's advance.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SettlementView {
    #[schema(value_type = String, example = "3000.00")]
    pub advance: Money,
    #[schema(value_type = String, example = "120.00")]
    pub net_payable: Money,
    #[schema(value_type = String, example = "0.00")]
    pub to_return: Money,
    /// When finance recorded the return of `to_return`.
    pub advance_returned_on: Option<NaiveDate>,
}
/// One advance not yet settled.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AdvanceView {
    pub travel_request_id: i64,
    pub purpose: String,
    #[schema(value_type = String)]
    pub advance: Money,
    pub paid_on: Option<NaiveDate>,
    /// The claim naming the request, if any.
    pub travel_claim_id: Option<i64>,
    /// What the traveller still owes on it.
    #[schema(value_type = String)]
    pub outstanding: Money,
}
/// A person's advances not yet settled (借款).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OutstandingView {
    pub user_id: i64,
    pub name: String,
    #[schema(value_type = String)]
    pub outstanding: Money,
    pub advances: Vec<AdvanceView>,
}
