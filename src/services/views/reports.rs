//! Reports: budget execution (R11) and performance indicators (R12).

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Money;

/// One line of the budget execution report (预算执行情况, R11).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExecutionLineView {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// 0 for the root.
    pub depth: i32,
    pub parent_id: Option<i64>,
    /// 调整后预算数: after every budget adjustment (R14).
    #[schema(value_type = String)]
    pub allocated: Money,
    /// 年初预算数: before any budget adjustment (R14).
    #[schema(value_type = String)]
    pub original_allocated: Money,
    #[schema(value_type = String)]
    pub committed: Money,
    #[schema(value_type = String)]
    pub spent: Money,
    #[schema(value_type = String)]
    pub available: Money,
    /// spent ÷ allocated in percent, two decimals (`"50.00"`); null when nothing is allocated.
    #[schema(example = "50.00")]
    pub execution_rate: Option<String>,
    #[schema(value_type = String)]
    pub oversubscribed_by: Money,
}
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExecutionView {
    pub organisation: String,
    pub year: i32,
    pub lines: Vec<ExecutionLineView>,
}
/// An R12 indicator with its target, actual value and whether it is met.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    pub line_code: String,
    /// Stable key, e.g. `recipients_paid`.
    pub indicator: String,
    /// The name in the 绩效目标表, e.g. `补助人数`.
    pub name: String,
    pub unit: String,
    /// e.g. `≥ 6`; null when the indicator is reported without a target.
    pub target: Option<String>,
    /// null when there is nothing to measure yet.
    pub actual: Option<String>,
    /// null when there is no target.
    pub met: Option<bool>,
}
/// A performance target as stored (R12): its target as the decimal text it was set to.
#[derive(Clone, Debug)]
pub struct TargetRecord {
    pub line_code: String,
    pub indicator: String,
    pub comparator: String,
    pub target: Option<String>,
    pub deadline_days: Option<i32>,
}
