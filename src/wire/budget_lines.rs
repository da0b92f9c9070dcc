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
    /// R20: the line's 功能分类 code (digits, e.g. 2010301), carried by its vouchers' expense lines.
    #[serde(default)]
    #[schema(example = "2010301")]
    pub function_class: Option<String>,
    /// R20: the line's 经济分类 code (digits, e.g. 30211); without one its vouchers read 差旅费
    /// 30211 for travel and 生活补助 30305 for the subsidy.
    #[serde(default)]
    #[schema(example = "30211")]
    pub economic_class: Option<String>,
}

/// A classification code as given: digits only, 3 to 12 of them; its problem noted.
fn class_code(p: &mut Problems, given: Option<String>, field: &str) -> Option<String> {
    let code = given?.trim().to_string();
    if (3..=12).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) {
        Some(code)
    } else {
        p.push(
            field,
            crate::domain::FieldProblem::NotANumber {
                english: "a classification code of 3 to 12 digits, such as 30211",
            },
        );
        None
    }
}

impl TryFrom<LineBody> for NewLineSpec {
    type Error = AppError;

    /// The allocation parsed by R1 (0.00 allowed: a line may be funded later by an adjustment).
    fn try_from(b: LineBody) -> Result<NewLineSpec, AppError> {
        let mut p = Problems::default();
        let allocated = p.amount(&b.allocated, "allocated");
        let function_class = class_code(&mut p, b.function_class, "function_class");
        let economic_class = class_code(&mut p, b.economic_class, "economic_class");
        p.finish(NewLineSpec {
            year: b.year,
            code: b.code,
            name: b.name,
            parent_code: b.parent_code,
            allocated,
            function_class,
            economic_class,
        })
    }
}
