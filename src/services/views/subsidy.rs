//! Retired-cadre subsidy (R9): recipients, enrollments and semiannual batches.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::HistoryView;
use crate::domain::Money;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecipientView {
    pub id: i64,
    pub name: String,
    /// Their own amount, or (when `monthly_amount_from_policy`) the policy's in force this month.
    #[schema(value_type = String, example = "1100.00")]
    pub monthly_amount: Money,
    /// True when each month earns the policy's amount in force on its first day (R9).
    pub monthly_amount_from_policy: bool,
    pub enrolled_from: NaiveDate,
    pub enrolled_until: Option<NaiveDate>,
    /// Masked: only the last four characters, `**************002X`; null when not given.
    #[schema(example = "**************002X")]
    pub id_number: Option<String>,
    pub bank_name: Option<String>,
    /// Masked: only the last four digits, `**** 2345`; null when not given.
    #[schema(example = "**** 2345")]
    pub bank_account: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WindowView {
    pub from: NaiveDate,
    pub to: NaiveDate,
}
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MonthView {
    /// `2021-03`.
    pub month: String,
    pub days_enrolled: i32,
    pub days_in_month: i32,
    #[schema(value_type = String, example = "403.33")]
    pub amount: Money,
}
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchItemView {
    pub recipient_id: i64,
    pub name: String,
    #[schema(value_type = String, example = "6600.00")]
    pub amount: Money,
    pub months: Vec<MonthView>,
    /// Whether the recipient's identity number, bank and account are all known, as the payment
    /// file needs them.
    pub payee_complete: bool,
    /// The identity number the batch pays to, masked: `**************002X`.
    pub id_number: Option<String>,
    /// The bank the batch pays to.
    pub bank_name: Option<String>,
    /// The account the batch pays to, masked: `**** 2345`.
    pub bank_account: Option<String>,
    /// Whether the recipient's details have changed since the batch was made; the batch and its
    /// payment file still pay the details above.
    pub payee_changed: bool,
}

/// A subsidy batch (R9).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchView {
    pub id: i64,
    /// `draft`, `approved`, `paid` or `void`.
    pub status: crate::domain::status::BatchStatus,
    pub budget_line_id: i64,
    pub year: i32,
    pub half: i32,
    pub supplementary: bool,
    pub payout_window: WindowView,
    #[schema(value_type = String, example = "39600.00")]
    pub total: Money,
    /// The total in capitals (R13), without the 人民币 prefix: `叁万玖仟陆佰元整`.
    pub total_in_words: String,
    pub items: Vec<BatchItemView>,
    pub created_by: i64,
    pub created_at: String,
    pub approved_by: Option<i64>,
    pub approved_at: Option<String>,
    pub paid_on: Option<NaiveDate>,
    /// Whether it was paid inside its payout window; null until paid.
    pub on_time: Option<bool>,
    pub history: Vec<HistoryView>,
}
