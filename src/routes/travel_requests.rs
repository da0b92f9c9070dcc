//! `/api/v1/travel-requests` and advances (R16).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::status::RequestStatus;
use crate::error::AppResult;
use crate::services::clock::PaymentMargin;
use crate::services::{claims, travel_requests};
use crate::wire::travel_requests::{
    AdvanceBody, OutstandingView, RequestBody, RequestView, ReturnedBody,
};
use crate::wire::{ClaimView, RejectBody};

use super::extract::{act, act_with, create, run, Body, Caller};
use super::list::{respond, status_filter, ListQuery};

/// Requests a trip (claimant): stores it with its R16 estimate.
#[utoipa::path(tag = "travel requests", request_body = RequestBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key, at most 255 characters")),
    responses((status = 201, body = RequestView), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[post("/travel-requests")]
pub async fn create_request(caller: Caller, body: Body<RequestBody>) -> AppResult<HttpResponse> {
    create(caller, body, travel_requests::create).await
}

#[derive(Deserialize, IntoParams)]
pub struct StatusQuery {
    /// `requested`, `approved`, `rejected` or `cancelled`.
    status: Option<String>,
}

/// Lists requests, newest first: a claimant's own, or all for finance, budget holders and
/// admins; paged (api.md "Lists").
#[utoipa::path(tag = "travel requests", params(StatusQuery, ListQuery),
    responses((status = 200, body = Vec<RequestView>), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/travel-requests")]
pub async fn list_requests(
    caller: Caller,
    query: web::Query<StatusQuery>,
    list: web::Query<ListQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let page = list.page()?;
    let status = status_filter::<RequestStatus>(query.status.as_deref())?;
    let list = run(move || travel_requests::list(caller.pool(), &caller, status, page)).await?;
    Ok(respond(&req, page, list, |v| v.id))
}

/// One request with its history.
#[utoipa::path(tag = "travel requests", params(("id" = i64, Path)),
    responses((status = 200, body = RequestView), (status = 404, body = super::Problem)), security(("bearer" = [])))]
#[get("/travel-requests/{id}")]
pub async fn get_request(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    act(caller, id, |p, c, id| travel_requests::get(p, c, id)).await
}

/// Approves a request (budget holder or finance, not the requester): commits its estimate.
#[utoipa::path(tag = "travel requests",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = RequestView), (status = 403, body = super::Problem), (status = 409, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/travel-requests/{id}/approve")]
pub async fn approve_request(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    act(caller, id, travel_requests::approve).await
}

/// Rejects a request (budget holder or finance, not the requester).
#[utoipa::path(tag = "travel requests", request_body = RejectBody,
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = RequestView), (status = 409, body = super::Problem)), security(("bearer" = [])))]
#[post("/travel-requests/{id}/reject")]
pub async fn reject_request(
    caller: Caller,
    id: web::Path<i64>,
    body: Body<RejectBody>,
) -> AppResult<HttpResponse> {
    let reason = body.into_inner().map(|b| b.reason);
    act_with(caller, id, reason, travel_requests::reject).await
}

/// Cancels a request (the requester, before a claim names it): releases its commitment.
#[utoipa::path(tag = "travel requests",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = RequestView), (status = 409, body = super::Problem)), security(("bearer" = [])))]
#[post("/travel-requests/{id}/cancel")]
pub async fn cancel_request(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    act(caller, id, travel_requests::cancel).await
}

/// A claim draft prefilled from an approved request (its requester, R17): line, purpose,
/// destination, dates, and the request named.
#[utoipa::path(tag = "travel requests",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = crate::wire::DraftView), (status = 404, body = super::Problem), (status = 409, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/travel-requests/{id}/draft-claim")]
pub async fn draft_claim(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let draft =
        run(move || crate::services::lifecycle::from_request(caller.pool(), &caller, id)).await?;
    Ok(HttpResponse::Created().json(draft))
}

/// Pays an approved request's advance (finance): once, at most the estimate.
#[utoipa::path(tag = "travel requests", request_body = AdvanceBody,
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = RequestView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/travel-requests/{id}/pay-advance")]
pub async fn pay_advance(
    caller: Caller,
    id: web::Path<i64>,
    body: Body<AdvanceBody>,
    margin: web::Data<PaymentMargin>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let advance = body.into_inner().and_then(TryInto::try_into);
    let margin = **margin;
    let view =
        run(move || travel_requests::pay_advance(caller.pool(), &caller, id, advance, margin))
            .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Advances not yet settled, per person (finance).
#[utoipa::path(tag = "travel requests",
    responses((status = 200, body = Vec<OutstandingView>)), security(("bearer" = [])))]
#[get("/advances/outstanding")]
pub async fn outstanding(caller: Caller) -> AppResult<HttpResponse> {
    let views = run(move || travel_requests::outstanding(caller.pool(), &caller)).await?;
    Ok(HttpResponse::Ok().json(views))
}

/// Records that the traveller returned what the paid claim left them owing (finance).
#[utoipa::path(tag = "travel claims", request_body = ReturnedBody,
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ClaimView), (status = 409, body = super::Problem)), security(("bearer" = [])))]
#[post("/travel-claims/{id}/advance-returned")]
pub async fn advance_returned(
    caller: Caller,
    id: web::Path<i64>,
    body: Body<ReturnedBody>,
) -> AppResult<HttpResponse> {
    let returned_on = body.into_inner().map(|b| b.returned_on);
    act_with(caller, id, returned_on, claims::advance_returned).await
}
