//! `/api/v1/subsidy-recipients` and `/api/v1/subsidy-batches` (R9).

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::services::clock::PaymentMargin;
use crate::services::subsidy;
use crate::wire::{BatchBody, BatchView, PayBody, RecipientBody, RecipientPatch, RecipientView};

use super::extract::{act_with, attachment, create, run, Body, Caller};
use super::list::{ListQuery, Listing};

/// Enrolls a retired cadre.
#[utoipa::path(tag = "subsidy", request_body = RecipientBody,
    responses((status = 201, body = RecipientView), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[post("/subsidy-recipients")]
pub async fn create_recipient(
    caller: Caller,
    body: Body<RecipientBody>,
) -> AppResult<HttpResponse> {
    create(caller, body, subsidy::create_recipient).await
}

/// Every recipient, oldest first, paged (api.md "Lists").
#[utoipa::path(tag = "subsidy", params(ListQuery),
    responses((status = 200, body = Vec<RecipientView>, headers(("Link" = String, description = "rel=\"next\" when more remain"))),
        (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/subsidy-recipients")]
pub async fn list_recipients(caller: Caller, list: Listing) -> AppResult<HttpResponse> {
    let items = run(move || subsidy::list_recipients(caller.pool(), &caller)).await?;
    list.cut(items, |r| r.id)
}

/// Ends an enrollment (`enrolled_until`), or reopens it with null; sets or clears the identity
/// number, bank and account.
#[utoipa::path(tag = "subsidy", request_body = RecipientPatch,
    params(("id" = i64, Path)),
    responses((status = 200, body = RecipientView), (status = 404, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[patch("/subsidy-recipients/{id}")]
pub async fn patch_recipient(
    caller: Caller,
    id: web::Path<i64>,
    body: Body<RecipientPatch>,
) -> AppResult<HttpResponse> {
    let change = body.into_inner().and_then(TryInto::try_into);
    act_with(caller, id, change, subsidy::change_recipient).await
}

/// Drafts the batch of a half-year (or a supplementary batch of what is missing).
#[utoipa::path(tag = "subsidy", request_body = BatchBody,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = BatchView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/subsidy-batches")]
pub async fn create_batch(caller: Caller, body: Body<BatchBody>) -> AppResult<HttpResponse> {
    create(caller, body, subsidy::create_batch).await
}

#[derive(Deserialize, IntoParams)]
pub struct BatchQuery {
    year: Option<i32>,
}

/// Batches, oldest first, optionally of one year, paged (api.md "Lists").
#[utoipa::path(tag = "subsidy", params(BatchQuery, ListQuery),
    responses((status = 200, body = Vec<BatchView>, headers(("Link" = String, description = "rel=\"next\" when more remain"))),
        (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/subsidy-batches")]
pub async fn list_batches(
    caller: Caller,
    query: web::Query<BatchQuery>,
    list: Listing,
) -> AppResult<HttpResponse> {
    let page = list.page;
    let year = query.year;
    let items = run(move || subsidy::list(caller.pool(), &caller, year, page)).await?;
    Ok(list.respond(items, |b| b.id))
}

on_one! { "subsidy";
    /// One batch with its items.
    get "/subsidy-batches/{id}" get_batch -> 200 BatchView [404] = |p, c, id| subsidy::get(p, c, id);
    /// Approves a batch (finance, not its creator): commits its total.
    post "/subsidy-batches/{id}/approve" approve_batch -> 200 BatchView [403, 409] = subsidy::approve;
    /// Voids a draft or approved batch, releasing any commitment.
    post "/subsidy-batches/{id}/void" void_batch -> 200 BatchView [403, 409] = subsidy::void;
    /// Makes a draft again from today's recipients.
    post "/subsidy-batches/{id}/regenerate" regenerate_batch -> 200 BatchView [403, 409] = subsidy::regenerate;
}

/// Records payment: the commitment becomes spend; `on_time` against the payout window.
#[utoipa::path(tag = "subsidy", request_body = PayBody,
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = BatchView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[post("/subsidy-batches/{id}/pay")]
pub async fn pay_batch(
    caller: Caller,
    id: web::Path<i64>,
    body: Body<PayBody>,
    margin: web::Data<PaymentMargin>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let paid_on = body.into_inner().map(|b| b.paid_on);
    let view = run(move || subsidy::pay(caller.pool(), &caller, id, paid_on, **margin)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The treasury's disbursement file (代发): UTF-8 CSV with a byte-order mark, headers
/// `序号,姓名,身份证号,开户行,账号,金额,月份`, one row per recipient and a 合计 row.
#[utoipa::path(tag = "subsidy", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 409, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/subsidy-batches/{id}/payment-file")]
pub async fn payment_file(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (name, bytes) = run(move || subsidy::payment_file(caller.pool(), &caller, id)).await?;
    Ok(attachment("text/csv; charset=utf-8", &name).body(bytes))
}
