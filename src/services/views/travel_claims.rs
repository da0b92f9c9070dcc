//! Travel claims (R3–R8): the computed breakdown and the claim as stored.

use std::borrow::Cow;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use super::HistoryView;
use crate::domain::travel::{Breakdown, Rule};
use crate::domain::Money;

/// `YYYY-MM-DD` without chrono's general formatting machinery (a quote writes a hundred dates).
fn iso_date<S: Serializer>(date: &Option<NaiveDate>, serializer: S) -> Result<S::Ok, S::Error> {
    use chrono::Datelike;
    match date {
        Some(d) if (0..=9999).contains(&d.year()) => {
            let (y, m, day) = (d.year().unsigned_abs(), d.month(), d.day());
            let digit = |n: u32| b'0' + u8::try_from(n % 10).unwrap_or(0);
            let text = [
                digit(y / 1000),
                digit(y / 100),
                digit(y / 10),
                digit(y),
                b'-',
                digit(m / 10),
                digit(m),
                b'-',
                digit(day / 10),
                digit(day),
            ];
            serializer.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
        }
        Some(d) => serializer.collect_str(d),
        None => serializer.serialize_none(),
    }
}
thread_local! {
    /// Reused for every rule text a thread writes, so explaining a claim allocates nothing per line.
    static RULE_TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StayView {
    pub city: String,
    pub nights: i64,
    #[schema(value_type = String)]
    pub cap_per_night: Money,
    #[schema(value_type = String)]
    pub cap_total: Money,
    #[schema(value_type = String)]
    pub lodging_claimed: Money,
    #[schema(value_type = String)]
    pub lodging_allowed: Money,
    #[schema(value_type = String)]
    pub self_borne: Money,
}
/// The text of a rule: formatted straight into the response while a claim is computed, kept as
/// text once stored.
#[derive(Clone, Debug)]
pub enum RuleText {
    Rule(Rule),
    Text(String),
}
impl Serialize for RuleText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RuleText::Rule(rule) => RULE_TEXT.with(|buf| {
                use std::fmt::Write as _;
                let mut buf = buf.borrow_mut();
                buf.clear();
                write!(buf, "{rule}").map_err(serde::ser::Error::custom)?;
                serializer.serialize_str(&buf)
            }),
            RuleText::Text(text) => serializer.serialize_str(text),
        }
    }
}
impl std::fmt::Display for RuleText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleText::Rule(rule) => rule.fmt(f),
            RuleText::Text(text) => f.write_str(text),
        }
    }
}
/// One explained amount: the rule (R-number) and the rate it used.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ItemView {
    /// `lodging`, `meal_allowance`, `meal_deduction`, `transport_allowance` or `ticket`.
    #[schema(value_type = String)]
    pub item: Cow<'static, str>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "iso_date",
        default
    )]
    pub date: Option<NaiveDate>,
    #[schema(value_type = String, example = "100.00")]
    pub amount: Money,
    /// The rule and rate, e.g. `R5 伙食补助费: 100.00/day (beijing)`.
    #[schema(value_type = String)]
    pub rule: RuleText,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub rate: Option<Money>,
}
/// The computed claim (R3–R8).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BreakdownView {
    pub policy_version: i32,
    pub days: i64,
    pub stays: Vec<StayView>,
    /// After host-meal deductions.
    #[schema(value_type = String)]
    pub meal_allowance: Money,
    #[schema(value_type = String)]
    pub meal_deductions: Money,
    #[schema(value_type = String)]
    pub transport_allowance: Money,
    #[schema(value_type = String)]
    pub tickets: Money,
    #[schema(value_type = String, example = "1231.00")]
    pub reimbursable: Money,
    #[schema(value_type = String, example = "80.00")]
    pub self_borne: Money,
    /// What a claim made ineligible (R4) would otherwise have paid; 0.00 for an eligible claim (R8).
    #[schema(value_type = String, example = "0.00")]
    pub forfeited: Money,
    /// null, or `missing_lodging_invoice`.
    pub ineligible_reason: Option<String>,
    pub lines: Vec<ItemView>,
}
impl BreakdownView {
    pub fn new(policy_version: i32, b: &Breakdown) -> BreakdownView {
        BreakdownView {
            policy_version,
            days: b.days,
            stays: b
                .stays
                .iter()
                .map(|s| StayView {
                    city: s.city.to_string(),
                    nights: s.nights,
                    cap_per_night: s.cap_per_night,
                    cap_total: s.cap_total,
                    lodging_claimed: s.lodging_claimed,
                    lodging_allowed: s.lodging_allowed,
                    self_borne: s.self_borne,
                })
                .collect(),
            meal_allowance: b.meal_allowance,
            meal_deductions: b.meal_deductions,
            transport_allowance: b.transport_allowance,
            tickets: b.tickets,
            reimbursable: b.reimbursable,
            self_borne: b.self_borne,
            forfeited: b.forfeited,
            ineligible_reason: b.ineligible_reason.map(|r| r.code().to_string()),
            lines: b
                .lines
                .iter()
                .map(|l| ItemView {
                    item: Cow::Borrowed(l.item.as_str()),
                    date: l.date,
                    amount: l.amount,
                    rate: l.rule.rate(),
                    rule: RuleText::Rule(l.rule.clone()),
                })
                .collect(),
        }
    }
}
/// A travel claim.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClaimView {
    pub id: i64,
    /// `submitted`, `approved`, `rejected` or `paid`.
    pub status: crate::domain::status::ClaimStatus,
    pub claimant_id: i64,
    pub budget_line_id: i64,
    pub purpose: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub return_date: NaiveDate,
    pub breakdown: BreakdownView,
    /// The reimbursable amount in capitals (R13), without the 人民币 prefix: `壹仟贰佰叁拾壹元整`.
    pub reimbursable_in_words: String,
    /// On submission: null, or why the line cannot cover the claim today.
    pub budget_warning: Option<String>,
    pub submitted_at: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
    pub reject_reason: Option<String>,
    pub paid_on: Option<NaiveDate>,
    /// R16: the travel request this claim names.
    pub travel_request_id: Option<i64>,
    /// R16: present when the claim names a request.
    pub settlement: Option<super::travel_requests::SettlementView>,
    /// R17: the rejected or withdrawn claim this one amends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amends: Option<i64>,
    /// R17: the draft or claim that amends this one (a draft shown to its claimant only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amended_by: Option<i64>,
    /// R17: how many files the claim carries (the 报销单's 附件 共 N 张).
    pub attachment_count: i64,
    /// R18: the chain the claim was submitted under, its steps in order.
    #[schema(value_type = Vec<String>, example = json!(["finance"]))]
    pub chain: Vec<crate::domain::approval::Step>,
    /// R18: the step waiting now (`department_head`, `finance`, `leader`), null when none is.
    #[schema(value_type = Option<String>, example = "finance")]
    pub step: Option<crate::domain::approval::Step>,
    /// R18: each step decided (approved, rejected) or skipped, in order.
    pub approvals: Vec<crate::services::approval::ApprovalView>,
    pub history: Vec<HistoryView>,
}

/// A claim saved as a draft (R17): its own members, and beside them the fields of its body as it
/// was saved (any part of a claim body, unchecked; a member of the body that has the name of one
/// of these is not shown).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DraftView {
    pub id: i64,
    /// Always `draft`.
    #[schema(value_type = String, example = "draft")]
    pub status: crate::domain::status::ClaimStatus,
    pub claimant_id: i64,
    /// The rejected or withdrawn claim it amends.
    pub amends: Option<i64>,
    /// The claim or draft it was copied from.
    pub copied_from: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub history: Vec<HistoryView>,
    /// The saved body's members (`purpose`, `stays`, …; `travel_request_id` for a draft made from
    /// a travel request).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub body: serde_json::Map<String, serde_json::Value>,
}

impl DraftView {
    /// The members a draft view has of its own, never taken from the body.
    pub const OWN: &'static [&'static str] = &[
        "id",
        "status",
        "claimant_id",
        "amends",
        "copied_from",
        "created_at",
        "updated_at",
        "history",
        "amended_by",
    ];
}

/// `GET /api/v1/travel-claims/{id}`: a claim, or (to its claimant) a draft.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ClaimOrDraft {
    Claim(Box<ClaimView>),
    Draft(Box<DraftView>),
}

/// A file on a claim (R17), without its bytes.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    /// The name it was sent under, cleaned (no folders, no control characters).
    pub name: String,
    /// Read from the bytes: `application/pdf`, `application/ofd`, `application/xml`,
    /// `image/jpeg` or `image/png`.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    pub added_by: i64,
    pub added_at: String,
}
