//! Travel claims (R3–R8): the claim body, its computed breakdown, the claim as stored.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{iso, missing_field, AmountInput, Problems};
use crate::domain::travel::{MealsProvided, StayInput, Ticket, TripInput};
use crate::error::AppError;
use crate::services::claims::NewClaimSpec;

#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct StayBody {
    #[validate(length(max = 500))]
    pub city: String,
    #[serde(deserialize_with = "iso::date")]
    pub check_in: NaiveDate,
    #[serde(deserialize_with = "iso::date")]
    pub check_out: NaiveDate,
    #[schema(value_type = String, example = "680.00")]
    pub lodging_amount: AmountInput,
    pub invoice: bool,
    /// R15: the invoice's number: 20 digits (all-electronic, no code) or 8 digits (with its code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 40))]
    pub invoice_no: Option<String>,
    /// R15: an 8-digit invoice's code, 10 or 12 digits; none with a 20-digit number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 40))]
    pub invoice_code: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct TicketBody {
    #[validate(length(max = 500))]
    pub description: String,
    #[schema(value_type = String, example = "65.50")]
    pub amount: AmountInput,
    /// R15: the invoice's number: 20 digits (all-electronic, no code) or 8 digits (with its code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 40))]
    pub invoice_no: Option<String>,
    /// R15: an 8-digit invoice's code, 10 or 12 digits; none with a 20-digit number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 40))]
    pub invoice_code: Option<String>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
pub struct MealsBody {
    #[serde(deserialize_with = "iso::date")]
    pub date: NaiveDate,
    #[serde(default)]
    pub breakfast: bool,
    #[serde(default)]
    pub lunch: bool,
    #[serde(default)]
    pub dinner: bool,
}

/// A travel claim (R3–R8). `budget_line_id` is required to submit and ignored by a quote.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct ClaimBody {
    pub budget_line_id: Option<i64>,
    /// R16: the approved travel request this claim settles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel_request_id: Option<i64>,
    #[validate(length(max = 500))]
    pub purpose: String,
    #[validate(length(max = 500))]
    pub destination: String,
    #[serde(deserialize_with = "iso::date")]
    pub departure_date: NaiveDate,
    #[serde(deserialize_with = "iso::date")]
    pub return_date: NaiveDate,
    #[validate(length(max = 100), nested)]
    pub stays: Option<Vec<StayBody>>,
    #[validate(length(max = 100), nested)]
    pub tickets: Option<Vec<TicketBody>>,
    #[validate(length(max = 400))]
    pub meals_provided: Option<Vec<MealsBody>>,
    #[validate(length(max = 400))]
    #[serde(default, deserialize_with = "iso::opt_dates")]
    pub vehicle_provided_dates: Option<Vec<NaiveDate>>,
}

impl ClaimBody {
    /// R15: the invoices the claim's stays and tickets name, checked; each problem named by its
    /// field.
    pub(crate) fn invoices(&self) -> Result<Vec<crate::domain::invoice::Invoice>, AppError> {
        let stays = self.stays.iter().flatten().enumerate().map(|(i, s)| {
            (
                format!("stays[{i}]"),
                s.invoice_no.as_deref(),
                s.invoice_code.as_deref(),
            )
        });
        let tickets = self.tickets.iter().flatten().enumerate().map(|(i, t)| {
            (
                format!("tickets[{i}]"),
                t.invoice_no.as_deref(),
                t.invoice_code.as_deref(),
            )
        });
        crate::domain::invoice::collect(stays.chain(tickets)).map_err(AppError::Validation)
    }
}

impl TryFrom<ClaimBody> for TripInput {
    type Error = AppError;

    /// The trip as stated, amounts parsed by R1; every bad amount named by its field. All a quote
    /// needs: its line, request and invoices are ignored.
    fn try_from(body: ClaimBody) -> Result<TripInput, AppError> {
        let mut p = Problems::default();
        let stays = body
            .stays
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, s)| StayInput {
                city: s.city.clone(),
                check_in: s.check_in,
                check_out: s.check_out,
                lodging_amount: p.amount(&s.lodging_amount, format!("stays[{i}].lodging_amount")),
                invoice: s.invoice,
            })
            .collect();
        let tickets = body
            .tickets
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, t)| Ticket {
                description: t.description.clone(),
                amount: p.amount(&t.amount, format!("tickets[{i}].amount")),
            })
            .collect();
        let input = TripInput {
            purpose: body.purpose.clone(),
            destination: body.destination.clone(),
            departure_date: body.departure_date,
            return_date: body.return_date,
            stays,
            tickets,
            meals_provided: body
                .meals_provided
                .iter()
                .flatten()
                .map(|m| MealsProvided {
                    date: m.date,
                    breakfast: m.breakfast,
                    lunch: m.lunch,
                    dinner: m.dinner,
                })
                .collect(),
            vehicle_provided_dates: body.vehicle_provided_dates.clone().unwrap_or_default(),
        };
        p.finish(input)
    }
}

impl TryFrom<ClaimBody> for NewClaimSpec {
    type Error = AppError;

    /// What a quote checks, and the line the claim is charged to (required here) and its
    /// invoices (R15); problems reported in that order.
    fn try_from(body: ClaimBody) -> Result<NewClaimSpec, AppError> {
        let budget_line_id = body
            .budget_line_id
            .ok_or_else(|| missing_field("budget_line_id", ""))?;
        let travel_request_id = body.travel_request_id;
        let invoices = body.invoices();
        let trip = TripInput::try_from(body)?;
        Ok(NewClaimSpec {
            budget_line_id,
            trip,
            travel_request_id,
            invoices: invoices?,
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct RejectBody {
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
}

#[derive(Clone, Debug, Deserialize, Validate, ToSchema)]
pub struct PayBody {
    #[serde(deserialize_with = "iso::date")]
    pub paid_on: NaiveDate,
}

/// R17: a draft's body: any part of a claim body, kept as sent and checked only when the draft
/// is submitted. It must be a JSON object.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct DraftBody(pub serde_json::Map<String, serde_json::Value>);

impl Validate for DraftBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}
