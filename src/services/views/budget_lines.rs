//! Budget lines (R11): a line with its balance, its ledger entries.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::budget::{EntryKind, SourceType};
use crate::domain::Money;

/// A budget line and its balance (R11). `committed` and `spent` include the descendants'.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LineView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub year: i32,
    pub parent_id: Option<i64>,
    #[schema(value_type = String, example = "900000.00")]
    pub allocated: Money,
    /// The allocation before any budget adjustment (R14).
    #[schema(value_type = String, example = "900000.00")]
    pub original_allocated: Money,
    #[schema(value_type = String, example = "0.00")]
    pub committed: Money,
    #[schema(value_type = String, example = "0.00")]
    pub spent: Money,
    #[schema(value_type = String, example = "900000.00")]
    pub available: Money,
    #[schema(value_type = String, example = "650000.00")]
    pub oversubscribed_by: Money,
}
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LineDetailView {
    #[serde(flatten)]
    pub line: LineView,
    pub children: Vec<LineView>,
}
/// One ledger entry (R11).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub id: i64,
    pub line_id: i64,
    /// `allocate`, `commit`, `release` or `spend`.
    #[schema(value_type = String)]
    pub kind: EntryKind,
    #[schema(value_type = String, example = "1231.00")]
    pub amount: Money,
    #[schema(value_type = String)]
    pub source_type: SourceType,
    pub source_id: Option<i64>,
    /// The user who caused it; null for data loaded at set-up.
    pub actor: Option<i64>,
    pub at: String,
}
