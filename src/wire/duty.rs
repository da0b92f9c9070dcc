//! Station duty (R10): stations, rosters, events and the forecast.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{iso, AmountInput, Problems};
use crate::domain::{FieldProblem, Money};
use crate::error::AppError;
use crate::services::duty::{NewAssignment, NewDutyEvent, NewStation};

/// `POST /api/v1/duty-stations` (R10).
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct StationBody {
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    #[validate(length(min = 1, max = 100))]
    pub city: String,
    pub budget_line_id: i64,
    /// Cost of one person-day, instead of the city's lodging cap + meals + transport.
    #[schema(value_type = Option<String>, example = "600.00")]
    pub daily_cost_override: Option<AmountInput>,
}

impl TryFrom<StationBody> for NewStation {
    type Error = AppError;

    /// The override, when given, more than 0.00 (R1).
    fn try_from(b: StationBody) -> Result<NewStation, AppError> {
        let mut p = Problems::default();
        let daily_cost_override =
            p.optional_positive_amount(b.daily_cost_override.as_ref(), "daily_cost_override");
        p.finish(NewStation {
            name: b.name,
            city: b.city,
            budget_line_id: b.budget_line_id,
            daily_cost_override,
        })
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StationView {
    pub id: i64,
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    /// Of one person-day today: the override, or the city's lodging cap + meals + transport.
    #[schema(value_type = String, example = "580.00")]
    pub daily_cost: Money,
    #[schema(value_type = Option<String>)]
    pub daily_cost_override: Option<Money>,
}

/// `POST /api/v1/duty-stations/{id}/assignments`: a person on duty from `from` to `to`, inclusive.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct AssignmentBody {
    #[validate(length(min = 1, max = 200))]
    pub person: String,
    #[serde(deserialize_with = "iso::date")]
    pub from: NaiveDate,
    #[serde(deserialize_with = "iso::date")]
    pub to: NaiveDate,
}

/// 422 on `to` when the period ends before it starts.
fn period(p: &mut Problems, from: NaiveDate, to: NaiveDate) {
    if to < from {
        p.push(
            "to",
            FieldProblem::Before {
                field: "to",
                other: "from",
                other_on: from,
            },
        );
    }
}

impl TryFrom<AssignmentBody> for NewAssignment {
    type Error = AppError;

    fn try_from(b: AssignmentBody) -> Result<NewAssignment, AppError> {
        let mut p = Problems::default();
        period(&mut p, b.from, b.to);
        p.finish(NewAssignment {
            person: b.person,
            from: b.from,
            to: b.to,
        })
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: i64,
    pub station_id: i64,
    pub person: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub person_days: i64,
    #[schema(value_type = String, example = "175200.00")]
    pub estimated_cost: Money,
}

/// `POST /api/v1/duty-events`: extra staff at a sensitive period (R10).
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct EventBody {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(min = 1, max = 100))]
    pub city: String,
    pub budget_line_id: i64,
    #[serde(deserialize_with = "iso::date")]
    pub from: NaiveDate,
    #[serde(deserialize_with = "iso::date")]
    pub to: NaiveDate,
    #[validate(range(min = 1, max = 1000))]
    pub extra_staff: i32,
}

impl TryFrom<EventBody> for NewDutyEvent {
    type Error = AppError;

    fn try_from(b: EventBody) -> Result<NewDutyEvent, AppError> {
        let mut p = Problems::default();
        period(&mut p, b.from, b.to);
        p.finish(NewDutyEvent {
            name: b.name,
            city: b.city,
            budget_line_id: b.budget_line_id,
            from: b.from,
            to: b.to,
            extra_staff: b.extra_staff,
        })
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub extra_staff: i32,
    pub person_days: i64,
    /// staff × days × the city's daily cost (R10).
    #[schema(value_type = String, example = "34800.00")]
    pub estimated_cost: Money,
}

/// What one station or event adds to a forecast from the as-of date on.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SourceView {
    /// `station` or `event`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub city: String,
    pub budget_line_id: i64,
    pub person_days: i64,
    #[schema(value_type = String)]
    pub cost: Money,
}

/// `GET /api/v1/budget-lines/{id}/forecast` (R10).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ForecastView {
    pub line_id: i64,
    pub as_of: NaiveDate,
    #[schema(value_type = String)]
    pub allocated: Money,
    #[schema(value_type = String)]
    pub committed: Money,
    #[schema(value_type = String)]
    pub spent: Money,
    /// Cost of every rostered or event person-day on or after `as_of`.
    #[schema(value_type = String)]
    pub projected_remaining: Money,
    /// committed + spent + projected_remaining.
    #[schema(value_type = String)]
    pub projected_total: Money,
    #[schema(value_type = String)]
    pub shortfall: Money,
    pub exhaustion_date: Option<NaiveDate>,
    pub sources: Vec<SourceView>,
}
