//! Budget adjustments (R14): an adjustment as answered.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Money;

/// A budget adjustment and its decision (R14).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AdjustmentView {
    pub id: i64,
    /// `requested`, `approved` or `rejected`.
    pub status: crate::domain::status::AdjustmentStatus,
    pub kind: String,
    pub year: i32,
    pub line_id: i64,
    pub from_line_id: Option<i64>,
    #[schema(value_type = String, example = "5100.00")]
    pub amount: Money,
    pub reason: String,
    pub document_no: Option<String>,
    pub requested_by: i64,
    pub requested_at: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
    pub reject_reason: Option<String>,
}
