//! Station duty (R10): stations, rosters, events and the forecast.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Money;

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
