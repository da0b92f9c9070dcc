//! `/api/v1/budget-adjustments` (R14).

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::adjustments::Filter;
use crate::domain::status::AdjustmentStatus;
use crate::error::AppResult;
use crate::services::adjustments;
use crate::wire::{AdjustmentBody, AdjustmentView, RejectBody};

use super::extract::{create, run, Body, Caller};
use super::list::{status_filter, ListQuery, Listing};

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
    list: Listing,
) -> AppResult<HttpResponse> {
    let page = list.page;
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
    Ok(list.respond(items, |a| a.id))
}

on_one! { "budget adjustments";
    /// One adjustment.
    get "/budget-adjustments/{id}" get_adjustment -> 200 AdjustmentView [404] = |p, c, id| adjustments::get(p, c, id);
    /// Approves an adjustment (finance, not the requester): every affected line changes, or none.
    post "/budget-adjustments/{id}/approve" approve_adjustment -> 200 AdjustmentView [403, 409] = adjustments::approve;
    /// Rejects an adjustment (finance): nothing changes.
    post "/budget-adjustments/{id}/reject" reject_adjustment(RejectBody: |b| b.reason) -> 200 AdjustmentView [409] = adjustments::reject;
}
