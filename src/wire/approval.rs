//! R18 approval steps: the chain, departments, and a user's department.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::AmountInput;
use crate::domain::Money;
use crate::error::{AppError, AppResult};

/// `PUT /api/v1/approval-chain`: the steps in order and the leader's threshold.
#[derive(Clone, Debug, Deserialize, Validate, ToSchema)]
pub struct ApprovalChainBody {
    /// An ordered subset of `department_head`, `finance`, `leader`, with `finance`.
    #[validate(length(max = 10))]
    #[schema(example = json!(["department_head", "finance", "leader"]))]
    pub steps: Vec<String>,
    /// The leader's step applies to claims of at least this much; absent: 0.00 (always).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "5000.00")]
    pub leader_threshold: Option<AmountInput>,
}

impl ApprovalChainBody {
    /// The steps and threshold asked for; 422 naming `leader_threshold` when it is no amount.
    pub fn asked(self) -> AppResult<(Vec<String>, Money)> {
        let threshold = match &self.leader_threshold {
            Some(amount) => amount
                .parse("leader_threshold")
                .map_err(|e| AppError::Validation(vec![e]))?,
            None => Money::ZERO,
        };
        Ok((self.steps, threshold))
    }
}

/// `POST /api/v1/departments`.
#[derive(Clone, Debug, Deserialize, Validate, ToSchema)]
pub struct DepartmentBody {
    #[validate(length(max = 200))]
    #[schema(example = "办公室")]
    pub name: String,
}

/// `PUT /api/v1/users/{id}/department`: the department, or null for none.
#[derive(Clone, Copy, Debug, Deserialize, Validate, ToSchema)]
pub struct UserDepartmentBody {
    pub department_id: Option<i64>,
}
