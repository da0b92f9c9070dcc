//! `/api/v1/duty-stations`, `/api/v1/duty-events` and `/api/v1/budget-lines/{id}/forecast` (R10).

use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::services::duty;
use crate::wire::{
    AssignmentBody, AssignmentView, EventBody, EventView, ForecastView, StationBody, StationView,
};

use super::extract::{create, run, Body, Caller};
use super::list::{ListQuery, Listing};

#[derive(Deserialize, IntoParams)]
pub struct OnQuery {
    /// The day whose policy prices `daily_cost`; the organisation's today when absent.
    #[serde(default, deserialize_with = "crate::wire::iso::opt_date")]
    date: Option<NaiveDate>,
}

/// Duty stations with the cost of one person-day.
/// Oldest first, paged (api.md "Lists").
#[utoipa::path(tag = "station duty", params(OnQuery, ListQuery),
    responses((status = 200, body = Vec<StationView>, headers(("Link" = String, description = "rel=\"next\" when more remain"))),
        (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/duty-stations")]
pub async fn list_stations(
    caller: Caller,
    query: web::Query<OnQuery>,
    list: Listing,
) -> AppResult<HttpResponse> {
    let on = query.date;
    let items = run(move || duty::list_stations(caller.pool(), &caller, on)).await?;
    list.cut(items, |s| s.id)
}

/// Creates a duty station (admin, budget holder).
#[utoipa::path(tag = "station duty", request_body = StationBody,
    responses((status = 201, body = StationView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/duty-stations")]
pub async fn create_station(caller: Caller, body: Body<StationBody>) -> AppResult<HttpResponse> {
    create(caller, body, duty::create_station).await
}

/// Puts a person on the station's roster (admin, budget holder).
#[utoipa::path(tag = "station duty", request_body = AssignmentBody,
    params(("id" = i64, Path)),
    responses((status = 201, body = AssignmentView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/duty-stations/{id}/assignments")]
pub async fn add_assignment(
    caller: Caller,
    id: web::Path<i64>,
    body: Body<AssignmentBody>,
) -> AppResult<HttpResponse> {
    let (id, assignment) = (
        id.into_inner(),
        body.into_inner().and_then(TryInto::try_into),
    );
    let view = run(move || duty::add_assignment(caller.pool(), &caller, id, assignment)).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The station's roster, paged (api.md "Lists").
#[utoipa::path(tag = "station duty", params(("id" = i64, Path), ListQuery),
    responses((status = 200, body = Vec<AssignmentView>, headers(("Link" = String, description = "rel=\"next\" when more remain"))),
        (status = 404, body = super::Problem), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/duty-stations/{id}/assignments")]
pub async fn list_assignments(
    caller: Caller,
    id: web::Path<i64>,
    list: Listing,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let items = run(move || duty::list_assignments(caller.pool(), &caller, id)).await?;
    list.cut(items, |a| a.id)
}

/// Adds extra staff for a sensitive period (admin, budget holder).
#[utoipa::path(tag = "station duty", request_body = EventBody,
    responses((status = 201, body = EventView), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[post("/duty-events")]
pub async fn create_event(caller: Caller, body: Body<EventBody>) -> AppResult<HttpResponse> {
    create(caller, body, duty::create_event).await
}

/// Every duty event, by start date, paged (api.md "Lists").
#[utoipa::path(operation_id = "list_duty_events", tag = "station duty", params(ListQuery),
    responses((status = 200, body = Vec<EventView>, headers(("Link" = String, description = "rel=\"next\" when more remain"))),
        (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/duty-events")]
pub async fn list_events(caller: Caller, list: Listing) -> AppResult<HttpResponse> {
    let items = run(move || duty::list_events(caller.pool(), &caller)).await?;
    list.cut(items, |e| e.id)
}

#[derive(Deserialize, IntoParams)]
pub struct ForecastQuery {
    /// The forecast's date (`YYYY-MM-DD`); the organisation's today when absent.
    #[serde(default, deserialize_with = "crate::wire::iso::opt_date")]
    as_of: Option<NaiveDate>,
}

/// When the line runs out at the rostered and planned duty (R10).
#[utoipa::path(tag = "budget lines", params(("id" = i64, Path), ForecastQuery),
    responses((status = 200, body = ForecastView), (status = 404, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/budget-lines/{id}/forecast")]
pub async fn forecast(
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<ForecastQuery>,
) -> AppResult<HttpResponse> {
    let (id, as_of) = (id.into_inner(), query.as_of);
    let view = run(move || duty::forecast(caller.pool(), &caller, id, as_of)).await?;
    Ok(HttpResponse::Ok().json(view))
}
