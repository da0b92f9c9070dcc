//! Finance's pages: 待审核 and 待支付, and the approve, reject and pay buttons. A refusal is shown
//! in place, in Chinese, after the redirect.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use crate::db::Pool;
use crate::domain::status::ClaimStatus;
use crate::error::AppError;
use crate::services::{claims, pages, Context};

use super::claims::{claim_line, ClaimLine};
use super::format::{self, yuan};
use super::session::SignedIn;
use super::{done, html, Nav, PageError, PageResult, Posted};

/// How many claims each queue shows (finance's and each approver's step).
pub(super) const QUEUE_SIZE: i64 = 200;

#[derive(Clone, Debug)]
pub struct QueueLine {
    pub claim: ClaimLine,
    pub claimant: String,
    pub waited: String,
    pub overdue: bool,
    pub available: String,
    pub covers: bool,
    /// The signed-in clerk submitted it: no deciding button is offered (R11 refuses it anyway).
    pub own: bool,
    /// What 登记支付 moves: the reimbursable less any advance (R16).
    pub pay: String,
    pub settlement: Option<Netting>,
}

/// R16 on the pay queue: 可报销, 借款冲抵, and 应付 or 应退.
#[derive(Clone, Debug)]
pub struct Netting {
    pub advance: String,
    pub to_return: Option<String>,
}

pub fn queue_line(item: &pages::QueueItem, user_id: i64) -> QueueLine {
    let w = item.waiting;
    let waited = if w.overdue() {
        format!("已等 {} 天，超过 {} 天期限", w.days, item.deadline_days)
    } else if w.days_left == 0 {
        format!("已等 {} 天，今天到期", w.days)
    } else {
        format!("已等 {} 天，还剩 {} 天", w.days, w.days_left)
    };
    QueueLine {
        claim: claim_line(&item.claim),
        claimant: item.claimant_name.clone(),
        waited,
        overdue: w.overdue(),
        available: yuan(item.line_available),
        covers: item.line_covers,
        own: item.claimant_id == user_id,
        pay: yuan(
            item.settlement
                .map_or(item.claim.reimbursable, |s| s.net_payable),
        ),
        settlement: item.settlement.map(|s| Netting {
            advance: yuan(s.advance),
            to_return: (!s.to_return.is_zero()).then(|| yuan(s.to_return)),
        }),
    }
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    nav: Nav,
    waiting: Vec<QueueLine>,
    to_pay: Vec<QueueLine>,
    today: String,
}

/// 待审核 (oldest first, with the R12 deadline) and 待支付.
pub async fn queue(pool: web::Data<Pool>, user: SignedIn) -> PageResult {
    let ((waiting, to_pay), today) = with_today(&pool, &user, |p, actor| {
        Ok((
            pages::queue(p, actor, ClaimStatus::Submitted, QUEUE_SIZE)?,
            pages::queue(p, actor, ClaimStatus::Approved, QUEUE_SIZE)?,
        ))
    })
    .await?;
    let me = user.actor.user_id;
    html(
        StatusCode::OK,
        &QueuePage {
            nav: Nav::new(&user, "/finance"),
            waiting: waiting.iter().map(|q| queue_line(q, me)).collect(),
            to_pay: to_pay.iter().map(|q| queue_line(q, me)).collect(),
            today,
        },
    )
}

/// What a queue page lists (`read` as the signed-in user, on the blocking pool), with the
/// organisation's today that its waits are counted to.
pub async fn with_today<T, F>(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    read: F,
) -> Result<(T, String), PageError>
where
    F: FnOnce(&Pool, &Context) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    user.run(pool, move |p, actor| {
        Ok((read(p, actor)?, format::date(pages::today(p, actor)?)))
    })
    .await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub back: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    paid_on: String,
}

impl DecisionForm {
    /// Where to go after a decision on claim `id`: the page the button was on, the claim's or
    /// the `queue`.
    pub fn back_to(&self, id: i64, queue: &str) -> String {
        if self.back == "claim" {
            format!("/claims/{id}")
        } else {
            queue.to_string()
        }
    }
}

/// Says how a decision on claim `id` went on the next page, and goes to `back`.
pub async fn decided(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    id: i64,
    result: Result<String, PageError>,
    back: String,
) -> PageResult {
    let refusal = |e: &AppError| format!("报销单 {id}：{}", format::refusal(e));
    done(pool, user, result, refusal, &back).await
}

pub async fn approve((pool, user, id, form): Posted<DecisionForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user.act(&pool, id, claims::approve).await.map(|c| {
        format!(
            "报销单 {id} 已批准：{} 已从预算中占用。",
            yuan(c.breakdown.reimbursable)
        )
    });
    decided(&pool, &user, id, result, form.back_to(id, "/finance")).await
}

pub async fn reject(posted: Posted<DecisionForm>) -> PageResult {
    reject_from("/finance", posted).await
}

/// Rejects a claim for the reason typed, from finance's queue or an approver's (`queue`, where
/// the decision goes back to unless it was taken on the claim's page).
pub async fn reject_from(queue: &str, (pool, user, id, form): Posted<DecisionForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .reject(&pool, id, &form.reason, claims::reject)
        .await
        .map(|_| format!("报销单 {id} 已驳回。"));
    decided(&pool, &user, id, result, form.back_to(id, queue)).await
}

pub async fn pay(
    (pool, user, id, form): Posted<DecisionForm>,
    margin: web::Data<crate::services::clock::PaymentMargin>,
) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .pay(&pool, id, &form.paid_on, **margin, claims::pay)
        .await
        .map(|c| paid_message(&c));
    decided(&pool, &user, id, result, form.back_to(id, "/finance")).await
}

/// The confirmation after 登记支付: the amount that actually moved, and how an advance was netted
/// (web.md "Money shown as it will move").
fn paid_message(c: &crate::wire::ClaimView) -> String {
    let (id, reimbursable) = (c.id, c.breakdown.reimbursable);
    let on = c.paid_on.map(format::date).unwrap_or_default();
    match &c.settlement {
        Some(s) if !s.advance.is_zero() => {
            let back = if s.to_return.is_zero() {
                String::new()
            } else {
                format!("，应退 {} 待退回", yuan(s.to_return))
            };
            format!(
                "报销单 {id} 已支付，实付 {}（报销 {}，冲抵借款 {}{back}；支付日期 {on}）。",
                yuan(s.net_payable),
                yuan(reimbursable),
                yuan(s.advance),
            )
        }
        _ => format!(
            "报销单 {id} 已支付，实付 {}（支付日期 {on}）。",
            yuan(reimbursable)
        ),
    }
}
