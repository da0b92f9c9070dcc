//! The account map (R20) as a client sets it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Problems;
use crate::domain::voucher::{Account, EventKind, Role};
use crate::domain::FieldProblem;
use crate::error::AppError;

/// One account of `PUT /api/v1/account-map`: the account `event`'s line of `role` is booked to
/// from now on (vouchers already written keep theirs).
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct AccountBody {
    /// `claim_paid`, `advance_paid`, `advance_returned` or `subsidy_paid`.
    #[schema(example = "claim_paid")]
    pub event: String,
    /// `expense`, `payment`, `advance`, `budget_expense` or `budget_payment`, as the event uses.
    #[schema(example = "payment")]
    pub role: String,
    #[schema(example = "4001")]
    #[validate(length(max = 40))]
    pub code: String,
    #[schema(example = "财政拨款收入")]
    #[validate(length(max = 100))]
    pub name: String,
}

fn listed<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> String {
    items
        .iter()
        .map(|i| name(*i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The accounts asked for, each checked: a known event, a role it uses, a code and a name.
pub fn accounts(list: Vec<AccountBody>) -> Result<Vec<(EventKind, Role, Account)>, AppError> {
    let mut p = Problems::default();
    let mut out = Vec::new();
    for (i, a) in list.into_iter().enumerate() {
        let event = EventKind::MAPPED
            .into_iter()
            .find(|e| e.as_str() == a.event);
        let Some(event) = event else {
            p.push(
                format!("[{i}].event"),
                FieldProblem::OneOf {
                    english: listed(&EventKind::MAPPED, EventKind::as_str),
                },
            );
            continue;
        };
        let role = Role::parse(&a.role).filter(|r| event.roles().contains(r));
        let (code, name) = (a.code.trim(), a.name.trim());
        if role.is_none() {
            p.push(
                format!("[{i}].role"),
                FieldProblem::OneOf {
                    english: listed(event.roles(), Role::as_str),
                },
            );
        }
        if code.is_empty() {
            p.push(
                format!("[{i}].code"),
                FieldProblem::Required {
                    english: "an account code",
                },
            );
        }
        if name.is_empty() {
            p.push(
                format!("[{i}].name"),
                FieldProblem::Required {
                    english: "an account name",
                },
            );
        }
        if let (Some(role), false, false) = (role, code.is_empty(), name.is_empty()) {
            out.push((
                event,
                role,
                Account {
                    code: code.to_string(),
                    name: name.to_string(),
                },
            ));
        }
    }
    p.finish(out)
}
