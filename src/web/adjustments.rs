//! 预算调整 (R14) pages: a budget holder's request form and their requests' status, finance's
//! queue with approve and reject, and one line's allocation history (`?line_id=`). A refusal is
//! shown in place, in Chinese, after the redirect.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use crate::db::Pool;
use crate::domain::budget::AdjustmentKind;
use crate::error::AppError;
use crate::routes::extract::parse_json;
use crate::services::adjustments::{self, Request};
use crate::services::{budget, pages};
use crate::wire::{AdjustmentBody, AdjustmentView, LineView};

use super::format::{self, yuan};
use super::{done, html, run, Asked, Nav, PageResult, Posted, Sent};

/// One adjustment as the pages show it.
pub struct AdjustmentLine {
    pub id: i64,
    pub kind: &'static str,
    pub lines: String,
    pub amount: String,
    pub reason: String,
    pub document_no: String,
    pub status: &'static str,
    pub note: String,
    /// Four eyes (R14): the viewer asked for it, so the queue offers them no 批准.
    pub own: bool,
}

fn adjustment_line(
    a: &AdjustmentView,
    names: &HashMap<i64, String>,
    viewer: i64,
) -> AdjustmentLine {
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    AdjustmentLine {
        id: a.id,
        kind: AdjustmentKind::parse(&a.kind).map_or("", AdjustmentKind::chinese),
        lines: match a.from_line_id {
            Some(from) => format!("{} → {}", name(from), name(a.line_id)),
            None => name(a.line_id),
        },
        amount: yuan(a.amount),
        reason: a.reason.clone(),
        document_no: a.document_no.clone().unwrap_or_default(),
        status: a.status.chinese(),
        note: a.reject_reason.clone().unwrap_or_default(),
        own: a.requested_by == viewer,
    }
}

/// The partial template of one line's original and adjusted allocation and adjustment history,
/// for any page that shows a line.
#[derive(Template)]
#[template(path = "line_adjustments.html")]
pub struct LineAdjustmentsPartial {
    /// The line's budget year (not shown: the page around it says it).
    pub year: i32,
    pub name: String,
    pub original: String,
    pub allocated: String,
    pub history: Vec<AdjustmentLine>,
}

/// [`LineAdjustmentsPartial`] for one line of the caller's organisation.
pub fn line_partial(
    pool: &Pool,
    actor: &crate::auth::Actor,
    line_id: i64,
) -> Result<LineAdjustmentsPartial, AppError> {
    let found = adjustments::for_line(pool, actor, line_id)?;
    let names = names(&budget::list(pool, actor, found.line.year)?);
    Ok(LineAdjustmentsPartial {
        year: found.line.year,
        name: found.line.name.clone(),
        original: yuan(found.line.original_allocated),
        allocated: yuan(found.line.allocated),
        history: found
            .adjustments
            .iter()
            .map(|a| adjustment_line(a, &names, actor.user_id))
            .collect(),
    })
}

fn names(lines: &[LineView]) -> HashMap<i64, String> {
    lines.iter().map(|l| (l.id, l.name.clone())).collect()
}

pub struct LineChoice {
    pub id: i64,
    pub label: String,
    /// The line the page was opened for (`?line_id=`), chosen in the request form.
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "adjustments.html")]
struct AdjustmentsPage {
    nav: Nav,
    year: i32,
    may_request: bool,
    may_decide: bool,
    lines: Vec<LineChoice>,
    mine: Vec<AdjustmentLine>,
    queue: Vec<AdjustmentLine>,
    history: Option<String>,
    /// The line the page was opened for: a request made here comes back to its history.
    line_id: Option<i64>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    year: Option<i32>,
    line_id: Option<i64>,
}

/// `GET /adjustments`.
pub async fn page((pool, user, query): Asked<PageQuery>) -> PageResult {
    let actor = user.actor();
    let (line_id, asked_year) = (query.line_id, query.year);
    let page = run(move || {
        let partial = match line_id {
            Some(id) => Some(line_partial(&pool, &actor, id)?),
            None => None,
        };
        // Opened for a line: that line's year unless another is asked for.
        let year = match (asked_year, &partial) {
            (Some(y), _) => y,
            (None, Some(p)) => p.year,
            (None, None) => pages::budget_year(&pool, &actor)?,
        };
        let lines = budget::list(&pool, &actor, year)?;
        let names = names(&lines);
        let adjustments::Board { mine, queue } = adjustments::board(&pool, &actor, year)?;
        let history = match partial {
            Some(p) => Some(
                p.render()
                    .map_err(|e| AppError::Internal(format!("template: {e}")))?,
            ),
            None => None,
        };
        Ok(AdjustmentsPage {
            nav: Nav::new(&user, "/adjustments"),
            year,
            may_request: adjustments::may_request(&actor),
            may_decide: adjustments::may_decide(&actor),
            lines: lines
                .iter()
                .map(|l| LineChoice {
                    id: l.id,
                    label: format!("{}（可用 {}）", l.name, yuan(l.available)),
                    selected: Some(l.id) == line_id,
                })
                .collect(),
            mine: mine
                .iter()
                .map(|a| adjustment_line(a, &names, actor.user_id))
                .collect(),
            queue: queue
                .iter()
                .map(|a| adjustment_line(a, &names, actor.user_id))
                .collect(),
            history,
            line_id,
        })
    })
    .await?;
    html(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    line_id: String,
    #[serde(default)]
    from_line_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    document_no: String,
    #[serde(default)]
    year: String,
    /// The line whose history the form was shown with, if any.
    #[serde(default)]
    back_line: String,
}

/// An adjustment refusal in Chinese.
fn refusal(e: &AppError) -> String {
    match e {
        AppError::SelfApprovalForbidden => {
            "不能审批自己提出的预算调整，请由其他财务人员审批。".into()
        }
        AppError::InvalidTransition { from, .. } => {
            format!(
                "这笔预算调整当前是「{}」，不能再审批。",
                format::status(from)
            )
        }
        other => format::refusal(other),
    }
}

fn back(year: &str) -> String {
    match year.trim().parse::<i32>() {
        Ok(y) => format!("/adjustments?year={y}"),
        Err(_) => "/adjustments".into(),
    }
}

/// [`back`], to the line's history when the form was shown with one.
fn back_to_line(year: &str, line: &str) -> String {
    match line.trim().parse::<i64>() {
        Ok(id) => match year.trim().parse::<i32>() {
            Ok(y) => format!("/adjustments?line_id={id}&year={y}"),
            Err(_) => format!("/adjustments?line_id={id}"),
        },
        Err(_) => back(year),
    }
}

/// `POST /adjustments`: the form becomes the API's JSON body, checked by the same rules.
pub async fn request((pool, user, form): Sent<RequestForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let id = |text: &str| text.trim().parse::<i64>().ok();
    let mut body = json!({
        "kind": form.kind.trim(),
        "line_id": id(&form.line_id),
        "amount": form.amount.trim(),
        "reason": form.reason.trim(),
    });
    if form.kind.trim() == "transfer" {
        body["from_line_id"] = json!(id(&form.from_line_id));
    }
    if !form.document_no.trim().is_empty() {
        body["document_no"] = json!(form.document_no.trim());
    }
    let line_chosen = id(&form.line_id).is_some();
    let req = parse_json::<AdjustmentBody>(body.to_string().as_bytes())
        .map_err(|e| {
            if line_chosen {
                e
            } else {
                AppError::field(
                    "line_id",
                    crate::domain::FieldProblem::Required {
                        english: "choose a budget line",
                    },
                )
            }
        })
        .and_then(Request::try_from);
    let result = user
        .run(&pool, move |p, actor| adjustments::request(p, actor, req))
        .await
        .map(|a| format!("预算调整申请 {} 已提交，等待财务审批。", a.id));
    let back = back_to_line(&form.year, &form.back_line);
    done(&pool, &user, result, refusal, &back).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    year: String,
}

/// `POST /adjustments/{id}/approve`.
pub async fn approve((pool, user, id, form): Posted<DecisionForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .act(&pool, id, adjustments::approve)
        .await
        .map(|a| format!("预算调整 {id} 已批准：{}。", yuan(a.amount)));
    done(&pool, &user, result, refusal, &back(&form.year)).await
}

/// `POST /adjustments/{id}/reject`.
pub async fn reject((pool, user, id, form): Posted<DecisionForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .reject(&pool, id, &form.reason, adjustments::reject)
        .await
        .map(|_| format!("预算调整 {id} 已驳回。"));
    done(&pool, &user, result, refusal, &back(&form.year)).await
}
