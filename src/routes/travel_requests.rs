//! `/api/v1/travel-requests` and advances (R16).

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::status::RequestStatus;
use crate::error::AppResult;
use crate::services::clock::PaymentMargin;
use crate::services::{claims, lifecycle, travel_requests};
use crate::wire::travel_requests::{
    AdvanceBody, OutstandingView, RequestBody, RequestView, ReturnedBody,
};
use crate::wire::{ClaimView, DraftView, RejectBody};

use super::extract::{create, run, Body, Caller};
use super::list::{status_filter, ListQuery, Listing};

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
    list: Listing,
) -> AppResult<HttpResponse> {
    let page = list.page;
    let status = status_filter::<RequestStatus>(query.status.as_deref())?;
    let items = run(move || travel_requests::list(caller.pool(), &caller, status, page)).await?;
    Ok(list.respond(items, |v| v.id))
}

on_one! { "travel requests";
    /// One request with its history.
    get "/travel-requests/{id}" get_request -> 200 RequestView [404] = |p, c, id| travel_requests::get(p, c, id);
    /// Approves a request (budget holder or finance, not the requester): commits its estimate.
    post "/travel-requests/{id}/approve" approve_request -> 200 RequestView [403, 409] = travel_requests::approve;
    /// Rejects a request (budget holder or finance, not the requester).
    post "/travel-requests/{id}/reject" reject_request(RejectBody: |b| b.reason) -> 200 RequestView [409] = travel_requests::reject;
    /// Cancels a request (the requester, before a claim names it): releases its commitment.
    post "/travel-requests/{id}/cancel" cancel_request -> 200 RequestView [409] = travel_requests::cancel;
    /// A claim draft prefilled from an approved request (its requester, R17): line, purpose,
    /// destination, dates, and the request named.
    post "/travel-requests/{id}/draft-claim" draft_claim -> 201 DraftView [404, 409] = lifecycle::from_request;
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

on_one! { "travel claims";
    /// Records that the traveller returned what the paid claim left them owing (finance).
    post "/travel-claims/{id}/advance-returned" advance_returned(ReturnedBody: |b| b.returned_on) -> 200 ClaimView [409] = claims::advance_returned;
}
