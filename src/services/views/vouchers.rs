//! Vouchers (记账凭证) and the account map (R20).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Money;

/// The document a voucher books.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VoucherSourceView {
    /// `travel_claim`, `travel_request` or `subsidy_batch`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: i64,
}

/// One line of a voucher: an amount on one side of one account of one ledger.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VoucherLineView {
    /// `financial` (财务会计) or `budgetary` (预算会计).
    pub ledger: String,
    #[schema(example = "5001")]
    pub account_code: String,
    #[schema(example = "业务活动费用")]
    pub account_name: String,
    #[schema(value_type = String, example = "1231.00")]
    pub debit: Money,
    #[schema(value_type = String, example = "0.00")]
    pub credit: Money,
    /// The budget line's code, on an expense line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// That budget line's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_name: Option<String>,
    /// 功能分类, on an expense line whose budget line has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_class: Option<String>,
    /// 经济分类, on an expense line (差旅费 30211, 生活补助 30305 unless the line sets its own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub economic_class: Option<String>,
}

/// A voucher (R20), never edited.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VoucherView {
    pub id: i64,
    #[schema(example = "记-2021-05-0001")]
    pub number: String,
    pub date: NaiveDate,
    #[schema(example = "张三 赴省汇报信访工作 差旅费")]
    pub summary: String,
    /// 附单据: the claim's files (R17), 1 for a subsidy batch's payment list.
    pub attachments: i32,
    /// `claim_paid`, `advance_paid`, `advance_returned`, `subsidy_paid` or `reversal`.
    pub event: String,
    pub source: VoucherSourceView,
    /// The voucher this one reverses (红字冲销).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverses: Option<i64>,
    pub lines: Vec<VoucherLineView>,
}

/// One account of the map: the account `event`'s line of `role` is booked to.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AccountMapEntry {
    /// `claim_paid`, `advance_paid`, `advance_returned` or `subsidy_paid`.
    pub event: String,
    /// `expense`, `payment`, `advance`, `budget_expense` or `budget_payment`.
    pub role: String,
    #[schema(example = "4001")]
    pub code: String,
    #[schema(example = "财政拨款收入")]
    pub name: String,
}
