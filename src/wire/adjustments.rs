//! Budget adjustments (R14).

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::{AmountInput, Problems};
use crate::domain::budget::AdjustmentKind;
use crate::domain::FieldProblem;
use crate::error::AppError;
use crate::services::adjustments::Request;

/// `POST /api/v1/budget-adjustments` (R14): a `transfer` takes `from_line_id` and moves to
/// `line_id`.
#[derive(Clone, Debug, Deserialize, Validate, ToSchema)]
pub struct AdjustmentBody {
    /// `supplement` (追加), `reduce` (调减) or `transfer` (调剂).
    #[schema(example = "transfer")]
    pub kind: String,
    pub line_id: i64,
    pub from_line_id: Option<i64>,
    #[schema(value_type = String, example = "5100.00")]
    pub amount: AmountInput,
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
    /// The approving document's number (文号), e.g. 平财预〔2021〕12号.
    #[validate(length(min = 1, max = 100))]
    pub document_no: Option<String>,
}

impl TryFrom<AdjustmentBody> for Request {
    type Error = AppError;

    /// The kind known and the amount more than 0.00; whether the lines exist, and fit the kind,
    /// is for the service to say.
    fn try_from(b: AdjustmentBody) -> Result<Request, AppError> {
        let mut p = Problems::default();
        let kind = AdjustmentKind::parse(&b.kind).unwrap_or_else(|| {
            p.push(
                "kind",
                FieldProblem::OneOf {
                    english: "one of supplement, reduce, transfer".into(),
                },
            );
            AdjustmentKind::Supplement
        });
        let amount = p.positive_amount(&b.amount, "amount");
        p.finish_with(|| {
            Some(Request {
                kind,
                line_id: b.line_id,
                from_line_id: b.from_line_id,
                amount: amount?,
                reason: b.reason,
                document_no: b.document_no,
            })
        })
    }
}
