//! Policy versions (R2): the view of a published version.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::policy::Policy;
use crate::domain::Money;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CityView {
    pub code: String,
    pub names: Vec<String>,
    #[schema(value_type = String, example = "400.00")]
    pub lodging_cap_per_night: Money,
    #[schema(value_type = String, example = "100.00")]
    pub meal_allowance_per_day: Money,
    #[schema(value_type = String, example = "80.00")]
    pub transport_allowance_per_day: Money,
}
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeductionView {
    #[schema(example = "0.20")]
    pub breakfast: String,
    #[schema(example = "0.40")]
    pub lunch: String,
    #[schema(example = "0.40")]
    pub dinner: String,
}
/// A policy version (R2) as `GET /api/v1/policy` answers it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PolicyView {
    pub version: i32,
    pub effective_from: NaiveDate,
    pub cities: Vec<CityView>,
    pub host_meal_deduction: DeductionView,
    #[schema(value_type = String, example = "1100.00")]
    pub subsidy_monthly_amount: Money,
}
impl PolicyView {
    pub fn new(version: i32, policy: &Policy) -> PolicyView {
        // At least two decimals, and every decimal stored: 0.20 → "0.20", 0.3333 → "0.3333", so
        // a client that posts back what it read changes nothing.
        let share = |d: Decimal| {
            let d = d.normalize();
            if d.scale() <= 2 {
                format!("{d:.2}")
            } else {
                d.to_string()
            }
        };
        PolicyView {
            version,
            effective_from: policy.effective_from,
            cities: policy
                .cities
                .iter()
                .map(|c| CityView {
                    code: c.code.to_string(),
                    names: c.names.clone(),
                    lodging_cap_per_night: c.lodging_cap_per_night,
                    meal_allowance_per_day: c.meal_allowance_per_day,
                    transport_allowance_per_day: c.transport_allowance_per_day,
                })
                .collect(),
            host_meal_deduction: DeductionView {
                breakfast: share(policy.host_meal_deduction.breakfast),
                lunch: share(policy.host_meal_deduction.lunch),
                dinner: share(policy.host_meal_deduction.dinner),
            },
            subsidy_monthly_amount: policy.subsidy_monthly_amount,
        }
    }
}
