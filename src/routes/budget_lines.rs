//! `/api/v1/budget-lines` (R11).

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use crate::db::Pool;
use crate::error::AppResult;
use crate::services::budget;
use crate::wire::{EntryView, LineBody, LineDetailView, LineView, YearQuery};

use super::extract::{read, run, Body, Caller};
use super::list::{respond, ListQuery};

/// The year's budget tree, parents first, paged (api.md "Lists").
#[utoipa::path(tag = "budget lines", params(YearQuery, ListQuery),
    responses((status = 200, body = Vec<LineView>, headers(("Link" = String, description = "rel=\"next\" when more remain"))),
        (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/budget-lines")]
pub async fn list_lines(
    pool: web::Data<Pool>,
    caller: Caller,
    query: web::Query<YearQuery>,
    list: web::Query<ListQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let page = list.page()?;
    let year = query.required()?;
    let lines = run(move || budget::list(&pool, &caller, year)).await?;
    Ok(respond(&req, page, page.cut(lines, |l| l.id)?, |l| l.id))
}

/// One line with its children.
#[utoipa::path(tag = "budget lines", params(("id" = i64, Path)),
    responses((status = 200, body = LineDetailView), (status = 404, body = super::Problem)), security(("bearer" = [])))]
#[get("/budget-lines/{id}")]
pub async fn get_line(
    pool: web::Data<Pool>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
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
    pool: web::Data<Pool>,
    caller: Caller,
    id: web::Path<i64>,
    list: web::Query<ListQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let page = list.page()?;
    let id = id.into_inner();
    let entries = run(move || budget::entries(&pool, &caller, id)).await?;
    Ok(respond(&req, page, page.cut(entries, |e| e.id)?, |e| e.id))
}

/// Creates and allocates a line (admin).
#[utoipa::path(tag = "budget lines", request_body = LineBody,
    responses((status = 201, body = LineView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/budget-lines")]
pub async fn create_line(
    pool: web::Data<Pool>,
    caller: Caller,
    body: Body<LineBody>,
) -> AppResult<HttpResponse> {
    let spec = body.into_inner().and_then(TryInto::try_into);
    let line = run(move || budget::create(&pool, &caller, spec)).await?;
    Ok(HttpResponse::Created().json(line))
}
