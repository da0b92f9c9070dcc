//! `/api/v1/budget-adjustments` (R14).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::adjustments::Filter;
use crate::domain::status::AdjustmentStatus;
use crate::error::AppResult;
use crate::services::adjustments;
use crate::wire::{AdjustmentBody, AdjustmentView, RejectBody};

use super::extract::{act, act_with, create, run, Body, Caller};
use super::list::{respond, status_filter, ListQuery};

#[derive(Deserialize, IntoParams)]
pub struct AdjustmentQuery {
    /// The fiscal year.
    year: Option<i32>,
    /// `requested`, `approved` or `rejected`.
    status: Option<String>,
    /// Only those changing this line.
    line_id: Option<i64>,
}

/// Requests an adjustment (budget holder, admin); nothing changes until finance approves it.
#[utoipa::path(tag = "budget adjustments", request_body = AdjustmentBody,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = AdjustmentView), (status = 403, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/budget-adjustments")]
pub async fn request(caller: Caller, body: Body<AdjustmentBody>) -> AppResult<HttpResponse> {
    create(caller, body, adjustments::request).await
}

/// Adjustments, newest first, paged (api.md "Lists").
#[utoipa::path(operation_id = "list_adjustments", tag = "budget adjustments", params(AdjustmentQuery, ListQuery),
    responses((status = 200, body = Vec<AdjustmentView>, headers(("Link" = String, description = "rel=\"next\" when more remain"))),
        (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/budget-adjustments")]
pub async fn list(
    caller: Caller,
    query: web::Query<AdjustmentQuery>,
    list: web::Query<ListQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let page = list.page()?;
    let query = query.into_inner();
    let status = status_filter::<AdjustmentStatus>(query.status.as_deref())?;
    let items = run(move || {
        let filter = Filter {
            year: query.year,
            status,
            line_id: query.line_id,
            requested_by: None,
        };
        adjustments::list(caller.pool(), &caller, filter, page)
    })
    .await?;
    Ok(respond(&req, page, items, |a| a.id))
}

/// One adjustment.
#[utoipa::path(tag = "budget adjustments", params(("id" = i64, Path)),
    responses((status = 200, body = AdjustmentView), (status = 404, body = super::Problem)), security(("bearer" = [])))]
#[get("/budget-adjustments/{id}")]
pub async fn get_adjustment(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    act(caller, id, |p, c, id| adjustments::get(p, c, id)).await
}

/// Approves an adjustment (finance, not the requester): every affected line changes, or none.
#[utoipa::path(operation_id = "approve_adjustment", tag = "budget adjustments",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = AdjustmentView), (status = 403, body = super::Problem), (status = 409, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/budget-adjustments/{id}/approve")]
pub async fn approve(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    act(caller, id, adjustments::approve).await
}

/// Rejects an adjustment (finance): nothing changes.
#[utoipa::path(operation_id = "reject_adjustment", tag = "budget adjustments", request_body = RejectBody,
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = AdjustmentView), (status = 409, body = super::Problem)), security(("bearer" = [])))]
#[post("/budget-adjustments/{id}/reject")]
pub async fn reject(
    caller: Caller,
    id: web::Path<i64>,
    body: Body<RejectBody>,
) -> AppResult<HttpResponse> {
    let reason = body.into_inner().map(|b| b.reason);
    act_with(caller, id, reason, adjustments::reject).await
}
