//! R18: the approvers' pages around finance's: 部门审核 (a department head's queue, their
//! department's claims only) and 单位负责人审批 (the leader's), each oldest first with how long it
//! has waited, and their approve and reject buttons. A refusal is shown in place.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

use crate::db::Pool;
use crate::services::{claims, pages};

use super::finance::{queue_line, DecisionForm, QueueLine};
use super::format;
use super::session::SignedIn;
use super::{done, html, run, Nav, PageResult, Posted};

/// How many claims each queue shows.
const QUEUE_SIZE: i64 = 200;

/// One step's queue.
struct StepQueue {
    /// 部门审核 or 单位负责人审批.
    title: &'static str,
    id: &'static str,
    lines: Vec<QueueLine>,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    nav: Nav,
    queues: Vec<StepQueue>,
    today: String,
}

/// Each approver's queues.
pub async fn queue(pool: web::Data<Pool>, user: SignedIn) -> PageResult {
    let actor = user.actor();
    let me = actor.user_id;
    let (queues, today) = run(move || {
        Ok((
            pages::step_queues(&pool, &actor, QUEUE_SIZE)?,
            pages::today(&pool, &actor)?,
        ))
    })
    .await?;
    html(
        StatusCode::OK,
        &ApprovalsPage {
            nav: Nav::new(&user, "/approvals"),
            queues: queues
                .into_iter()
                .map(|(step, items)| StepQueue {
                    title: step.chinese(),
                    id: step.as_str(),
                    lines: items.iter().map(|q| queue_line(q, me)).collect(),
                })
                .collect(),
            today: format::date(today),
        },
    )
}

/// Where to go after a decision: the claim's page, or the queue.
fn back_to(form: &DecisionForm, id: i64) -> String {
    if form.back == "claim" {
        format!("/claims/{id}")
    } else {
        "/approvals".to_string()
    }
}

pub async fn approve((pool, user, id, form): Posted<DecisionForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .act(&pool, id, claims::approve)
        .await
        .map(|c| match c.step {
            Some(_) => format!("报销单 {id} 已审核通过，转下一步办理。"),
            None => format!("报销单 {id} 已批准。"),
        });
    let refusal = |e: &crate::error::AppError| format!("报销单 {id}：{}", format::refusal(e));
    done(&pool, &user, result, refusal, &back_to(&form, id)).await
}

pub async fn reject((pool, user, id, form): Posted<DecisionForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .reject(&pool, id, &form.reason, claims::reject)
        .await
        .map(|_| format!("报销单 {id} 已驳回。"));
    let refusal = |e: &crate::error::AppError| format!("报销单 {id}：{}", format::refusal(e));
    done(&pool, &user, result, refusal, &back_to(&form, id)).await
}
