//! Travel requests and advances (R16, api.md "Travel requests and advances").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{iso, AmountInput, Problems};
use crate::domain::{FieldProblem, Money};
use crate::error::AppError;
pub use crate::services::travel_requests::{AdvanceInput, RequestInput};
pub use crate::services::views::travel_requests::*;

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

/// `POST /api/v1/travel-requests/{id}/pay-advance`.
#[derive(Clone, Debug, Deserialize, Validate, ToSchema)]
pub struct AdvanceBody {
    #[schema(value_type = String, example = "3000.00")]
    pub amount: AmountInput,
    #[serde(deserialize_with = "iso::date")]
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
