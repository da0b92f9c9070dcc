//! R18: the approvers' pages around finance's: 部门审核 (a department head's queue, their
//! department's claims only) and 单位负责人审批 (the leader's), each oldest first with how long it
//! has waited, and their approve and reject buttons. A refusal is shown in place.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

use crate::db::Pool;
use crate::services::{claims, pages};

use super::finance::QUEUE_SIZE;
use super::finance::{decided, queue_line, reject_from, with_today, DecisionForm, QueueLine};
use super::session::SignedIn;
use super::{html, Nav, PageResult, Posted};

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
    let (queues, today) = with_today(&pool, &user, |p, actor| {
        pages::step_queues(p, actor, QUEUE_SIZE)
    })
    .await?;
    let me = user.actor.user_id;
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
            today,
        },
    )
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
    decided(&pool, &user, id, result, form.back_to(id, "/approvals")).await
}

pub async fn reject(posted: Posted<DecisionForm>) -> PageResult {
    reject_from("/approvals", posted).await
}
