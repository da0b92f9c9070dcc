//! Policy versions (R2): the body that publishes one and the view that answers.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{iso, AmountInput, Problems};
use crate::domain::policy::{CityRates, HostMealDeduction, Policy};
use crate::error::AppError;

fn share_field(text: &str) -> Option<Decimal> {
    let d: Decimal = text.trim().parse().ok()?;
    (d.normalize().scale() <= 4).then_some(d)
}

#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct CityBody {
    #[validate(length(min = 1, max = 64))]
    pub code: String,
    #[validate(length(max = 20))]
    #[serde(default)]
    pub names: Vec<String>,
    #[schema(value_type = String, example = "300.00")]
    pub lodging_cap_per_night: AmountInput,
    #[schema(value_type = String, example = "100.00")]
    pub meal_allowance_per_day: AmountInput,
    #[schema(value_type = String, example = "80.00")]
    pub transport_allowance_per_day: AmountInput,
}

/// Shares of the day's meal allowance given up per host-provided meal, as fractions (`"0.20"`).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct DeductionBody {
    #[schema(value_type = String, example = "0.20")]
    pub breakfast: AmountInput,
    #[schema(value_type = String, example = "0.40")]
    pub lunch: AmountInput,
    #[schema(value_type = String, example = "0.40")]
    pub dinner: AmountInput,
}

/// `POST /api/v1/policy`: a new version (R2), the shape of the GET answer without `version`.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct PolicyBody {
    #[serde(deserialize_with = "iso::date")]
    pub effective_from: NaiveDate,
    #[validate(length(min = 1, max = 200), nested)]
    pub cities: Vec<CityBody>,
    pub host_meal_deduction: DeductionBody,
    #[schema(value_type = String, example = "1100.00")]
    pub subsidy_monthly_amount: AmountInput,
}

impl TryFrom<PolicyBody> for Policy {
    type Error = AppError;

    /// The rates parsed by R1 and the shares as fractions; then R2's own checks
    /// ([`Policy::new`]).
    fn try_from(body: PolicyBody) -> Result<Policy, AppError> {
        let mut p = Problems::default();
        let cities: Vec<CityRates> = body
            .cities
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let field = |name: &str| format!("cities[{i}].{name}");
                if c.names
                    .iter()
                    .any(|n| n.contains('\n') || n.chars().count() > 100)
                {
                    p.push(field("names"), crate::domain::FieldProblem::CityName);
                }
                CityRates {
                    lodging_cap_per_night: p
                        .amount(&c.lodging_cap_per_night, field("lodging_cap_per_night")),
                    meal_allowance_per_day: p
                        .amount(&c.meal_allowance_per_day, field("meal_allowance_per_day")),
                    transport_allowance_per_day: p.amount(
                        &c.transport_allowance_per_day,
                        field("transport_allowance_per_day"),
                    ),
                    code: c.code.into(),
                    names: c.names,
                }
            })
            .collect();
        let mut share = |input: &AmountInput, name: &str| {
            share_field(&input.0).unwrap_or_else(|| {
                p.push(
                    format!("host_meal_deduction.{name}"),
                    crate::domain::FieldProblem::NotAFraction {
                        english:
                            "a fraction from 0 to 1 with at most four decimals, such as \"0.40\"",
                    },
                );
                Decimal::ZERO
            })
        };
        let deduction = HostMealDeduction {
            breakfast: share(&body.host_meal_deduction.breakfast, "breakfast"),
            lunch: share(&body.host_meal_deduction.lunch, "lunch"),
            dinner: share(&body.host_meal_deduction.dinner, "dinner"),
        };
        let subsidy = p.amount(&body.subsidy_monthly_amount, "subsidy_monthly_amount");
        p.finish(())?;
        Policy::new(body.effective_from, cities, deduction, subsidy).map_err(AppError::Validation)
    }
}
