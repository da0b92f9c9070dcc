//! Station duty (R10): stations, rosters, events and the forecast.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{iso, AmountInput, Problems};
use crate::domain::FieldProblem;
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
