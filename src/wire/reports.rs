//! Reports: budget execution (R11) and performance indicators (R12).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::{AmountInput, Problems};
use crate::domain::performance::{Comparator, Indicator};
use crate::domain::FieldProblem;
use crate::error::AppError;
use crate::services::reports::{NewTarget, Targets};
use crate::services::views::TargetRecord;

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

impl From<TargetRecord> for TargetBody {
    fn from(r: TargetRecord) -> TargetBody {
        TargetBody {
            line_code: r.line_code,
            indicator: r.indicator,
            comparator: r.comparator,
            target: r.target.map(AmountInput),
            deadline_days: r.deadline_days,
        }
    }
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
