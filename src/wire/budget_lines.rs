//! Budget lines (R11): a new line, a line with its balance, its ledger entries.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{AmountInput, Problems};
use crate::error::AppError;
use crate::services::budget::NewLineSpec;

/// `POST /api/v1/budget-lines`: a new line of a year's tree, allocated on creation (R11).
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct LineBody {
    #[validate(range(min = 2000, max = 2100))]
    pub year: i32,
    #[validate(length(min = 1, max = 200))]
    pub code: String,
    #[validate(length(min = 1, max = 500))]
    pub name: String,
    #[validate(length(min = 1, max = 200))]
    pub parent_code: Option<String>,
    #[schema(value_type = String, example = "200000.00")]
    pub allocated: AmountInput,
}

impl TryFrom<LineBody> for NewLineSpec {
    type Error = AppError;

    /// The allocation parsed by R1 (0.00 allowed: a line may be funded later by an adjustment).
    fn try_from(b: LineBody) -> Result<NewLineSpec, AppError> {
        let mut p = Problems::default();
        let allocated = p.amount(&b.allocated, "allocated");
        p.finish(NewLineSpec {
            year: b.year,
            code: b.code,
            name: b.name,
            parent_code: b.parent_code,
            allocated,
        })
    }
}
