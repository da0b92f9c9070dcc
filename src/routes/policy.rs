//! `/api/v1/policy` (R2).

use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::services::policy;
use crate::wire::{PolicyBody, PolicyView};

use super::extract::{create, run, Body, Caller};

#[derive(Deserialize, IntoParams)]
pub struct PolicyQuery {
    /// The date the policy must be in force on; the organisation's today when absent.
    #[serde(default, deserialize_with = "crate::wire::iso::opt_date")]
    date: Option<NaiveDate>,
}

/// The policy version in force on a date.
#[utoipa::path(tag = "policy", params(PolicyQuery),
    responses((status = 200, body = PolicyView), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/policy")]
pub async fn get_policy(caller: Caller, query: web::Query<PolicyQuery>) -> AppResult<HttpResponse> {
    let date = query.date;
    let view = run(move || policy::get(caller.pool(), &caller, date)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Publishes a new policy version (admin); it must take effect after every existing one.
#[utoipa::path(tag = "policy", request_body = PolicyBody,
    responses((status = 201, body = PolicyView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/policy")]
pub async fn publish_policy(caller: Caller, body: Body<PolicyBody>) -> AppResult<HttpResponse> {
    create(caller, body, policy::publish).await
}
