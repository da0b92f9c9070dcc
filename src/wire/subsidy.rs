//! Retired-cadre subsidy (R9): recipients, enrollments and semiannual batches.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{iso, missing_field, AmountInput, Problems};
use crate::domain::subsidy::{Enrollment, Half};
use crate::domain::FieldProblem;
use crate::error::AppError;
use crate::services::subsidy::{NewBatchSpec, NewRecipientSpec};

/// `POST /api/v1/subsidy-recipients` (R9).
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct RecipientBody {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Absent: each month earns the policy's `subsidy_monthly_amount` in force on its first day.
    #[schema(value_type = Option<String>, example = "1100.00")]
    pub monthly_amount: Option<AmountInput>,
    #[serde(deserialize_with = "iso::date")]
    pub enrolled_from: NaiveDate,
    #[serde(default, deserialize_with = "iso::opt_date")]
    pub enrolled_until: Option<NaiveDate>,
}

impl TryFrom<RecipientBody> for NewRecipientSpec {
    type Error = AppError;

    /// The own amount, when given, more than 0.00 (R1); the enrollment never ends before it
    /// starts (R9).
    fn try_from(b: RecipientBody) -> Result<NewRecipientSpec, AppError> {
        let mut p = Problems::default();
        let monthly = p.optional_positive_amount(b.monthly_amount.as_ref(), "monthly_amount");
        let enrollment = Enrollment::new(b.enrolled_from, b.enrolled_until).unwrap_or_else(|| {
            p.push(
                "enrolled_until",
                FieldProblem::Before {
                    field: "enrolled_until",
                    other: "enrolled_from",
                    other_on: b.enrolled_from,
                },
            );
            Enrollment::open(b.enrolled_from)
        });
        p.finish(NewRecipientSpec {
            name: b.name,
            monthly,
            enrollment,
        })
    }
}

/// `PATCH /api/v1/subsidy-recipients/{id}`: `enrolled_until` is required; null reopens.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct RecipientPatch {
    #[serde(default, deserialize_with = "iso::present_opt_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub enrolled_until: Option<Option<NaiveDate>>,
}

impl TryFrom<RecipientPatch> for Option<NaiveDate> {
    type Error = AppError;

    /// The new end of the enrollment, `None` to reopen it; 422 when the field is left out.
    fn try_from(patch: RecipientPatch) -> Result<Option<NaiveDate>, AppError> {
        patch
            .enrolled_until
            .ok_or_else(|| missing_field("enrolled_until", " (null reopens the enrollment)"))
    }
}

/// `POST /api/v1/subsidy-batches`.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct BatchBody {
    pub budget_line_id: i64,
    #[validate(range(min = 2000, max = 2100))]
    pub year: i32,
    /// 1 (January–June) or 2 (July–December).
    #[validate(range(min = 1, max = 2))]
    pub half: i32,
    #[serde(default)]
    pub supplementary: bool,
}

impl TryFrom<BatchBody> for NewBatchSpec {
    type Error = AppError;

    fn try_from(b: BatchBody) -> Result<NewBatchSpec, AppError> {
        let mut p = Problems::default();
        let half = Half::from_number(b.half).unwrap_or_else(|| {
            p.push(
                "half",
                FieldProblem::OutOfRange {
                    min: 1,
                    max: 2,
                    english: "1 or 2",
                },
            );
            Half::H1
        });
        p.finish(NewBatchSpec {
            budget_line_id: b.budget_line_id,
            year: b.year,
            half,
            supplementary: b.supplementary,
        })
    }
}
