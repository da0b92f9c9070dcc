//! R18 on the admin's pages: `/admin/approval` sets the chain and the leader's threshold, adds
//! departments (科室) and puts people in them. The same services as the API's.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use crate::db::Pool;
use crate::domain::approval::Step;
use crate::domain::Money;
use crate::error::AppError;
use crate::services::{admin, approval};

use super::format::{self, yuan};
use super::session::SignedIn;
use super::{done, html, run, Nav, PageResult, Sent};

const BACK: &str = "/admin/approval";

/// A department without a head while the chain has the department's step: nobody can decide
/// that step, so its members' claims wait there until the admin names one.
const HEADLESS_WAITS: &str = "（尚无负责人：本科室人员的报销单会停在部门审核，请先指定）";

/// One department as the page lists it.
struct DepartmentLine {
    id: i64,
    name: String,
    head: String,
    members: String,
}

#[derive(Template)]
#[template(path = "admin_approval.html")]
struct ApprovalPage {
    nav: Nav,
    department_head: bool,
    leader: bool,
    /// The threshold as typed on the form: `5000.00`.
    threshold: String,
    /// The chain in words: 部门审核 → 财务审核 → 单位负责人审批（¥5,000.00 及以上）.
    chain_text: String,
    departments: Vec<DepartmentLine>,
    people: Vec<(i64, String)>,
}

/// `/admin/approval`.
pub async fn page(pool: web::Data<Pool>, user: SignedIn) -> PageResult {
    let actor = user.actor();
    let (chain, departments, people) = run(move || {
        let people = admin::people(&pool, &actor)?;
        Ok((
            approval::chain(&pool, &actor)?,
            approval::departments(&pool, &actor)?,
            people,
        ))
    })
    .await?;
    let has = |step: Step| chain.steps.contains(&step.as_str());
    let names: std::collections::HashMap<i64, String> =
        people.iter().map(|p| (p.id, p.name.clone())).collect();
    let chain_text = chain
        .steps
        .iter()
        .filter_map(|s| Step::parse(s))
        .map(|s| match s {
            Step::Leader => format!("{}（{} 及以上）", s.chinese(), yuan(chain.leader_threshold)),
            _ => s.chinese().to_string(),
        })
        .collect::<Vec<_>>()
        .join(" → ");
    html(
        StatusCode::OK,
        &ApprovalPage {
            nav: Nav::new(&user, BACK),
            department_head: has(Step::DepartmentHead),
            leader: has(Step::Leader),
            threshold: chain.leader_threshold.to_string(),
            chain_text,
            departments: departments
                .into_iter()
                .map(|d| DepartmentLine {
                    id: d.id,
                    head: d.head_name.unwrap_or_else(|| {
                        if has(Step::DepartmentHead) {
                            HEADLESS_WAITS.into()
                        } else {
                            "（尚无）".into()
                        }
                    }),
                    members: d
                        .members
                        .iter()
                        .filter_map(|m| names.get(m).cloned())
                        .collect::<Vec<_>>()
                        .join("、"),
                    name: d.name,
                })
                .collect(),
            people: people
                .into_iter()
                .filter(|p| !p.revoked)
                .map(|p| (p.id, p.name))
                .collect(),
        },
    )
}

/// A refusal of these forms in Chinese.
fn refusal(error: &AppError) -> String {
    match error {
        AppError::DuplicateName(what) if what.starts_with("department") => {
            "已经有这个名称的科室了。".into()
        }
        AppError::DuplicateName(_) => "这个科室已经有负责人了：一个科室只能有一位负责人。".into(),
        AppError::NotFound(_) => "没有找到这个科室或人员。".into(),
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| {
                let name = match e.field.as_str() {
                    "steps" => "「审批步骤」",
                    "leader_threshold" => "「单位负责人审批金额」",
                    "name" => "「科室名称」",
                    _ => "",
                };
                format!("{name}{}", format::problem(&e.problem))
            })
            .collect::<Vec<_>>()
            .join("；"),
        other => format::refusal(other),
    }
}

#[derive(Deserialize)]
pub struct ChainForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    department_head: Option<String>,
    #[serde(default)]
    leader: Option<String>,
    #[serde(default)]
    threshold: String,
}

/// Sets the chain: finance always, the department head's and the leader's steps as ticked.
pub async fn set_chain((pool, user, form): Sent<ChainForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let mut steps = Vec::new();
    if form.department_head.is_some() {
        steps.push(Step::DepartmentHead.as_str().to_string());
    }
    steps.push(Step::Finance.as_str().to_string());
    if form.leader.is_some() {
        steps.push(Step::Leader.as_str().to_string());
    }
    let typed = form.threshold.trim();
    let threshold = if typed.is_empty() {
        Ok(Money::ZERO)
    } else {
        Money::parse_input(typed).map_err(|e| {
            AppError::Validation(vec![crate::domain::FieldError::new("leader_threshold", e)])
        })
    };
    let asked = threshold.map(|t| (steps, t));
    let result = user
        .run(&pool, move |p, actor| approval::set_chain(p, actor, asked))
        .await
        .map(|_| {
            "已保存审批流程：此后提交的报销单按新流程办理，之前提交的仍按原流程。".to_string()
        });
    done(&pool, &user, result, refusal, BACK).await
}

#[derive(Deserialize)]
pub struct DepartmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

/// Adds a department.
pub async fn add_department((pool, user, form): Sent<DepartmentForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let name = form.name.clone();
    let result = user
        .run(&pool, move |p, actor| {
            approval::add_department(p, actor, Ok(name))
        })
        .await
        .map(|d| format!("已添加科室「{}」。", d.name));
    done(&pool, &user, result, refusal, BACK).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    /// A department's id, or empty for none.
    #[serde(default)]
    department: String,
}

/// Puts a person in a department, or in none.
pub async fn put_member((pool, user, form): Sent<MemberForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let person: i64 = form.user.trim().parse().unwrap_or_default();
    let department = match form.department.trim() {
        "" => Ok(None),
        text => text
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::NotFound("department")),
    };
    let result = user
        .run(&pool, move |p, actor| {
            approval::put_in_department(p, actor, person, department)
        })
        .await
        .map(|_| "已调整人员所在科室。".to_string());
    done(&pool, &user, result, refusal, BACK).await
}
