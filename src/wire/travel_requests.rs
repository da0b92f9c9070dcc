//! Travel requests and advances (R16, api.md "Travel requests and advances").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{iso, AmountInput, HistoryView, Problems};
use crate::domain::{FieldProblem, Money, PositiveMoney};
use crate::error::AppError;

/// `POST /api/v1/travel-requests`.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct RequestBody {
    pub budget_line_id: i64,
    #[validate(length(max = 500))]
    pub purpose: String,
    #[validate(length(max = 500))]
    pub destination: String,
    #[serde(deserialize_with = "iso::date")]
    pub departure_date: NaiveDate,
    #[serde(deserialize_with = "iso::date")]
    pub return_date: NaiveDate,
    /// 1 when absent.
    pub travellers: Option<i64>,
    #[schema(value_type = Option<String>, example = "600.00")]
    pub tickets_estimate: Option<AmountInput>,
    #[schema(value_type = Option<String>, example = "3000.00")]
    pub advance_requested: Option<AmountInput>,
}

/// A request's stated trip, amounts parsed by R1.
#[derive(Clone, Debug)]
pub struct RequestInput {
    pub budget_line_id: i64,
    pub purpose: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub travellers: i64,
    pub tickets_estimate: Money,
    pub advance_requested: Option<Money>,
}

impl TryFrom<RequestBody> for RequestInput {
    type Error = AppError;

    /// The request as stated; every bad amount, count or date named by its field.
    fn try_from(b: RequestBody) -> Result<RequestInput, AppError> {
        let mut p = Problems::default();
        let travellers = b.travellers.unwrap_or(1);
        if !(1..=crate::domain::travel_request::MAX_TRAVELLERS).contains(&travellers) {
            p.push(
                "travellers",
                FieldProblem::OutOfRange {
                    min: 1,
                    max: crate::domain::travel_request::MAX_TRAVELLERS,
                    english: "between 1 and 99",
                },
            );
        }
        if b.purpose.trim().is_empty() {
            p.push(
                "purpose",
                FieldProblem::Required {
                    english: "purpose must not be empty",
                },
            );
        }
        if b.return_date < b.departure_date {
            p.push(
                "return_date",
                FieldProblem::Before {
                    field: "return_date",
                    other: "departure_date",
                    other_on: b.departure_date,
                },
            );
        } else if (b.return_date - b.departure_date).num_days() + 1
            > crate::domain::travel::MAX_TRIP_DAYS
        {
            p.push(
                "return_date",
                FieldProblem::TripTooLong {
                    max_days: crate::domain::travel::MAX_TRIP_DAYS,
                },
            );
        }
        let tickets_estimate = p
            .optional_amount(b.tickets_estimate.as_ref(), "tickets_estimate")
            .unwrap_or(Money::ZERO);
        let advance_requested =
            p.optional_amount(b.advance_requested.as_ref(), "advance_requested");
        p.finish(RequestInput {
            budget_line_id: b.budget_line_id,
            purpose: b.purpose.trim().to_string(),
            destination: b.destination.trim().to_string(),
            departure_date: b.departure_date,
            return_date: b.return_date,
            travellers,
            tickets_estimate,
            advance_requested,
        })
    }
}

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

/// `POST /api/v1/travel-requests/{id}/pay-advance`.
#[derive(Clone, Debug, Deserialize, Validate, ToSchema)]
pub struct AdvanceBody {
    #[schema(value_type = String, example = "3000.00")]
    pub amount: AmountInput,
    #[serde(deserialize_with = "iso::date")]
    pub paid_on: NaiveDate,
}

/// An advance as paid: more than 0.00 (R1, R16).
#[derive(Clone, Copy, Debug)]
pub struct AdvanceInput {
    pub amount: PositiveMoney,
    pub paid_on: NaiveDate,
}

impl TryFrom<AdvanceBody> for AdvanceInput {
    type Error = AppError;

    fn try_from(b: AdvanceBody) -> Result<AdvanceInput, AppError> {
        let mut p = Problems::default();
        let amount = p.positive_amount(&b.amount, "amount");
        p.finish_with(|| {
            Some(AdvanceInput {
                amount: amount?,
                paid_on: b.paid_on,
            })
        })
    }
}

/// `POST /api/v1/travel-claims/{id}/advance-returned`.
#[derive(Clone, Debug, Deserialize, Validate, ToSchema)]
pub struct ReturnedBody {
    #[serde(deserialize_with = "iso::date")]
    pub returned_on: NaiveDate,
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
