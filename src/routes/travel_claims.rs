//! `/api/v1/travel-claims` (R3–R8, R17).

use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::status::ClaimStatus;
use crate::error::AppResult;
use crate::services::claims::{self, NewClaimSpec};
use crate::services::clock::PaymentMargin;
use crate::services::lifecycle;
use crate::wire::{
    BreakdownView, ClaimBody, ClaimOrDraft, ClaimView, DraftBody, DraftView, PayBody, RejectBody,
};

use super::extract::{act_with, parse_json, read, run, Body, Caller};
use super::list::{status_filter, ListQuery, Listing};

/// Computes a claim's breakdown without storing anything.
#[utoipa::path(tag = "travel claims", request_body = ClaimBody,
    responses((status = 200, body = BreakdownView), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[post("/travel-claims/quote")]
pub async fn quote(caller: Caller, body: Body<ClaimBody>) -> AppResult<HttpResponse> {
    let input = body.into_inner()?.try_into()?;
    // Most quotes need no database: this process read the policy in force a moment ago.
    let breakdown = match claims::quote_recent(caller.pool(), &caller, &input) {
        Some(breakdown) => breakdown?,
        None => {
            let pool = caller.pool().clone();
            read(&pool, move |c| {
                claims::quote_on(caller.pool(), c, &caller, input)
            })
            .await?
        }
    };
    Ok(HttpResponse::Ok().json(breakdown))
}

/// Submits a claim (claimant).
#[utoipa::path(tag = "travel claims", request_body = ClaimBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key, at most 255 characters")),
    responses((status = 201, body = ClaimView), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[post("/travel-claims")]
pub async fn submit(caller: Caller, body: Body<ClaimBody>) -> AppResult<HttpResponse> {
    let asked = body
        .into_inner_and_text()
        .and_then(|(body, sent)| Ok((body.try_into()?, sent)));
    let claim = run(move || claims::submit(caller.pool(), &caller, asked, None)).await?;
    Ok(HttpResponse::Created().json(claim))
}

#[derive(Deserialize, IntoParams)]
pub struct StatusQuery {
    /// `draft` (the caller's own drafts), `submitted`, `approved`, `rejected`, `paid` or
    /// `withdrawn`.
    status: Option<String>,
    /// `me`: the claims waiting at a step the caller holds (R18), oldest first.
    awaiting: Option<String>,
}

/// Lists claims, newest first: a claimant's own, or all for finance, budget holders and admins;
/// paged (api.md "Lists"). `status=draft` lists the caller's own drafts (R17), which no other
/// list shows.
#[utoipa::path(tag = "travel claims", params(StatusQuery, ListQuery),
    responses((status = 200, body = Vec<ClaimOrDraft>, headers(("Link" = String, description = "rel=\"next\" when more remain"))),
        (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/travel-claims")]
pub async fn list(
    caller: Caller,
    query: web::Query<StatusQuery>,
    list: Listing,
) -> AppResult<HttpResponse> {
    let page = list.page;
    match query.awaiting.as_deref() {
        None => {}
        Some("me") => {
            let items = run(move || claims::awaiting(caller.pool(), &caller, page)).await?;
            return Ok(list.respond(items, |c| c.id));
        }
        Some(_) => return Err(awaiting_error()),
    }
    let status = status_filter::<ClaimStatus>(query.status.as_deref())?;
    if status == Some(ClaimStatus::Draft) {
        let drafts = run(move || lifecycle::drafts(caller.pool(), &caller, page)).await?;
        return Ok(list.respond(drafts, |d| d.id));
    }
    let items = run(move || claims::list(caller.pool(), &caller, status, page)).await?;
    Ok(list.respond(items, |c| c.id))
}

/// `awaiting` other than `me`: 422 naming it.
fn awaiting_error() -> crate::error::AppError {
    crate::error::AppError::field(
        "awaiting",
        crate::domain::FieldProblem::OneOf {
            english: "awaiting takes only \"me\"".into(),
        },
    )
}

/// Saves any part of a claim body as a draft (claimant, R17): nothing is checked until it is
/// submitted.
#[utoipa::path(tag = "travel claims", request_body = DraftBody,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = DraftView), (status = 400, body = super::Problem)), security(("bearer" = [])))]
#[post("/travel-claims/drafts")]
pub async fn save_draft(caller: Caller, body: Body<DraftBody>) -> AppResult<HttpResponse> {
    let sent = body.into_inner_and_text().map(|(_, text)| text);
    let draft = run(move || lifecycle::save(caller.pool(), &caller, sent)).await?;
    Ok(HttpResponse::Created().json(draft))
}

/// Replaces a draft's body (its claimant); a claim is 409.
#[utoipa::path(tag = "travel claims", request_body = DraftBody,
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = DraftView), (status = 404, body = super::Problem), (status = 409, body = super::Problem)),
    security(("bearer" = [])))]
#[put("/travel-claims/{id}")]
pub async fn replace_draft(
    caller: Caller,
    id: web::Path<i64>,
    body: Body<DraftBody>,
) -> AppResult<HttpResponse> {
    let sent = body.into_inner_and_text().map(|(_, text)| text);
    act_with(caller, id, sent, lifecycle::replace).await
}

/// Deletes a draft (its claimant); a claim is 409.
#[utoipa::path(tag = "travel claims",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 204), (status = 404, body = super::Problem), (status = 409, body = super::Problem)),
    security(("bearer" = [])))]
#[delete("/travel-claims/{id}")]
pub async fn delete_draft(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    run(move || lifecycle::delete(caller.pool(), &caller, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Submits a draft (its claimant): every check of a direct submission; the claim keeps its id.
#[utoipa::path(tag = "travel claims",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ClaimView), (status = 404, body = super::Problem), (status = 409, body = super::Problem),
        (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[post("/travel-claims/{id}/submit")]
pub async fn submit_draft(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let parse = |text: &str| NewClaimSpec::try_from(parse_json::<ClaimBody>(text.as_bytes())?);
    let claim = run(move || lifecycle::submit(caller.pool(), &caller, id, parse)).await?;
    Ok(HttpResponse::Ok().json(claim))
}

on_one! { "travel claims";
    /// One claim with its history, or (to its claimant only) a draft.
    get "/travel-claims/{id}" get_claim -> 200 ClaimOrDraft [404] = |p, c, id| lifecycle::get(p, c, id);
    /// Withdraws a submitted claim before any decision (its claimant): no money moves.
    post "/travel-claims/{id}/withdraw" withdraw -> 200 ClaimView [403, 409] = claims::withdraw;
    /// Amends a rejected or withdrawn claim (its claimant) into a new draft naming it.
    post "/travel-claims/{id}/amend" amend -> 201 DraftView [403, 409] = lifecycle::amend;
    /// Copies one's own claim or draft into a new draft.
    post "/travel-claims/{id}/copy" copy -> 201 DraftView [403, 404] = lifecycle::copy;
    /// Approves a claim (finance, not the claimant): commits its reimbursable amount.
    post "/travel-claims/{id}/approve" approve -> 200 ClaimView [403, 409] = claims::approve;
    /// Rejects a claim (finance), releasing any commitment.
    post "/travel-claims/{id}/reject" reject(RejectBody: |b| b.reason) -> 200 ClaimView [409] = claims::reject;
}

/// Records payment (finance): the commitment becomes spend.
#[utoipa::path(tag = "travel claims", request_body = PayBody,
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ClaimView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[post("/travel-claims/{id}/pay")]
pub async fn pay(
    caller: Caller,
    id: web::Path<i64>,
    body: Body<PayBody>,
    margin: web::Data<PaymentMargin>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let paid_on = body.into_inner().map(|b| b.paid_on);
    let claim = run(move || claims::pay(caller.pool(), &caller, id, paid_on, **margin)).await?;
    Ok(HttpResponse::Ok().json(claim))
}
