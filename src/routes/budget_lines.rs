//! `/api/v1/budget-lines` (R11).

use actix_web::{get, post, web, HttpResponse};

use crate::error::AppResult;
use crate::services::budget;
use crate::wire::{EntryView, LineBody, LineDetailView, LineView, YearQuery};

use super::extract::{create, read, run, Body, Caller};
use super::list::{ListQuery, Listing};

/// The year's budget tree, parents first, paged (api.md "Lists").
#[utoipa::path(tag = "budget lines", params(YearQuery, ListQuery),
    responses((status = 200, body = Vec<LineView>, headers(("Link" = String, description = "rel=\"next\" when more remain"))),
        (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/budget-lines")]
pub async fn list_lines(
    caller: Caller,
    query: web::Query<YearQuery>,
    list: Listing,
) -> AppResult<HttpResponse> {
    let year = query.required()?;
    let items = run(move || budget::list(caller.pool(), &caller, year)).await?;
    list.cut(items, |l| l.id)
}

/// One line with its children.
#[utoipa::path(tag = "budget lines", params(("id" = i64, Path)),
    responses((status = 200, body = LineDetailView), (status = 404, body = super::Problem)), security(("bearer" = [])))]
#[get("/budget-lines/{id}")]
pub async fn get_line(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let pool = caller.pool().clone();
    let line = read(&pool, move |c| budget::get_on(c, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(line))
}

/// The ledger entries of the line and its descendants, oldest first (a ledger reads forward),
/// paged (api.md "Lists").
#[utoipa::path(tag = "budget lines", params(("id" = i64, Path), ListQuery),
    responses((status = 200, body = Vec<EntryView>, headers(("Link" = String, description = "rel=\"next\" when more remain"))),
        (status = 404, body = super::Problem), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/budget-lines/{id}/entries")]
pub async fn line_entries(
    caller: Caller,
    id: web::Path<i64>,
    list: Listing,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let items = run(move || budget::entries(caller.pool(), &caller, id)).await?;
    list.cut(items, |e| e.id)
}

/// Creates and allocates a line (admin).
#[utoipa::path(tag = "budget lines", request_body = LineBody,
    responses((status = 201, body = LineView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/budget-lines")]
pub async fn create_line(caller: Caller, body: Body<LineBody>) -> AppResult<HttpResponse> {
    create(caller, body, budget::create).await
}
