//! Reports: budget execution (R11) and performance indicators (R12).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::{AmountInput, Problems};
use crate::domain::performance::{Comparator, Indicator};
use crate::domain::{FieldProblem, Money};
use crate::error::AppError;
use crate::services::reports::{NewTarget, Targets};

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

/// One target of `PUT /api/v1/reports/performance/targets?year=Y`.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct TargetBody {
    #[validate(length(min = 1, max = 200))]
    pub line_code: String,
    /// `recipients_paid`, `payout_rate`, `paid_on_time`, `average_per_recipient_month`,
    /// `self_borne_share` or `decided_on_time`.
    pub indicator: String,
    /// `>=`, `<=` or `=`.
    pub comparator: String,
    #[schema(value_type = Option<String>, example = "95")]
    pub target: Option<AmountInput>,
    #[validate(range(min = 1, max = 366))]
    pub deadline_days: Option<i32>,
}

impl TryFrom<Vec<TargetBody>> for Targets {
    type Error = AppError;

    /// Known indicators and comparators, targets as decimal numbers, and no indicator of a line
    /// twice; each problem named by its index.
    fn try_from(targets: Vec<TargetBody>) -> Result<Targets, AppError> {
        let mut problems = Problems::default();
        let mut seen = HashSet::new();
        let parsed = targets
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let indicator = Indicator::parse(&t.indicator).unwrap_or_else(|| {
                    problems.push(
                        format!("[{i}].indicator"),
                        FieldProblem::OneOf {
                            english: "unknown indicator".into(),
                        },
                    );
                    Indicator::RecipientsPaid
                });
                let comparator = Comparator::parse(&t.comparator).unwrap_or_else(|| {
                    problems.push(
                        format!("[{i}].comparator"),
                        FieldProblem::OneOf {
                            english: "one of >=, <=, =".into(),
                        },
                    );
                    Comparator::Equal
                });
                if !seen.insert((t.line_code.clone(), t.indicator.clone())) {
                    problems.push(format!("[{i}]"), FieldProblem::IndicatorTwice);
                }
                let target = t.target.as_ref().map(|v| {
                    v.0.trim().parse::<Decimal>().unwrap_or_else(|_| {
                        problems.push(
                            format!("[{i}].target"),
                            FieldProblem::NotANumber {
                                english: "a decimal number",
                            },
                        );
                        Decimal::ZERO
                    })
                });
                NewTarget {
                    line_code: t.line_code,
                    indicator,
                    comparator,
                    target,
                    deadline_days: t.deadline_days,
                }
            })
            .collect();
        problems.finish(Targets(parsed))
    }
}
