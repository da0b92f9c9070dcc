//! Finance's pages: 待审核 and 待支付, and the approve, reject and pay buttons. A refusal is shown
//! in place, in Chinese, after the redirect.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Role;
use crate::db::Pool;
use crate::domain::status::ClaimStatus;
use crate::routes::extract::parse_json;
use crate::services::{claims, pages};
use crate::wire::PayBody;

use super::claims::{claim_line, ClaimLine};
use super::format::{self, yuan};
use super::session::{flash, SignedIn};
use super::{html, run, see_other, Nav, PageError, PageResult};

/// How many claims each queue shows.
const QUEUE_SIZE: i64 = 200;

#[derive(Clone, Debug)]
pub struct QueueLine {
    pub claim: ClaimLine,
    pub claimant: String,
    pub waited: String,
    pub overdue: bool,
    pub available: String,
    pub covers: bool,
}

fn queue_line(item: &pages::QueueItem) -> QueueLine {
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
    user.require(&[Role::Finance])?;
    let actor = user.actor();
    let (waiting, to_pay, today) = run(move || {
        Ok((
            pages::queue(&pool, &actor, ClaimStatus::Submitted, QUEUE_SIZE)?,
            pages::queue(&pool, &actor, ClaimStatus::Approved, QUEUE_SIZE)?,
            pages::today(&pool, &actor)?,
        ))
    })
    .await?;
    html(
        StatusCode::OK,
        &QueuePage {
            nav: Nav::new(&user, "/finance"),
            waiting: waiting.iter().map(queue_line).collect(),
            to_pay: to_pay.iter().map(queue_line).collect(),
            today: format::date(today),
        },
    )
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    back: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    paid_on: String,
}

/// Where to go after a decision: the page the button was on.
fn back_to(form: &DecisionForm, id: i64) -> String {
    if form.back == "claim" {
        format!("/claims/{id}")
    } else {
        "/finance".to_string()
    }
}

/// Says how a decision went on the next page, and goes there.
async fn decided(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    id: i64,
    result: Result<String, PageError>,
    back: String,
) -> PageResult {
    let message = match result {
        Ok(done) => format!("ok:{done}"),
        Err(PageError::Failed(e)) => format!("err:报销单 {id}：{}", format::refusal(&e)),
        Err(other) => return Err(other),
    };
    flash(pool, user, message).await?;
    Ok(see_other(&back))
}

pub async fn approve(
    pool: web::Data<Pool>,
    user: SignedIn,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    user.require(&[Role::Finance])?;
    let (id, actor, p) = (id.into_inner(), user.actor(), pool.clone());
    let result = run(move || claims::approve(&p, &actor, id)).await.map(|c| {
        format!(
            "报销单 {id} 已批准：{} 已从预算中占用。",
            yuan(c.breakdown.reimbursable)
        )
    });
    decided(&pool, &user, id, result, back_to(&form, id)).await
}

pub async fn reject(
    pool: web::Data<Pool>,
    user: SignedIn,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    user.require(&[Role::Finance])?;
    let id = id.into_inner();
    let result = match super::forms::reject_reason(&form.reason) {
        Ok(reason) => {
            let (actor, p) = (user.actor(), pool.clone());
            run(move || claims::reject(&p, &actor, id, &reason))
                .await
                .map(|_| format!("报销单 {id} 已驳回。"))
        }
        Err(e) => Err(PageError::Failed(e)),
    };
    decided(&pool, &user, id, result, back_to(&form, id)).await
}

pub async fn pay(
    pool: web::Data<Pool>,
    margin: web::Data<crate::services::clock::PaymentMargin>,
    user: SignedIn,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    user.require(&[Role::Finance])?;
    let id = id.into_inner();
    let body = parse_json::<PayBody>(
        json!({"paid_on": form.paid_on.trim()})
            .to_string()
            .as_bytes(),
    );
    let result = match body {
        Ok(body) => {
            let (actor, p) = (user.actor(), pool.clone());
            let paid_on = body.paid_on;
            run(move || claims::pay(&p, &actor, id, paid_on, **margin))
                .await
                .map(|c| {
                    format!(
                        "报销单 {id} 已支付 {}（支付日期 {}）。",
                        yuan(c.breakdown.reimbursable),
                        format::date(paid_on)
                    )
                })
        }
        Err(e) => Err(PageError::Failed(e)),
    };
    decided(&pool, &user, id, result, back_to(&form, id)).await
}
