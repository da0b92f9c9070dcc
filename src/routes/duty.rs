//! `/api/v1/duty-stations`, `/api/v1/duty-events` and `/api/v1/budget-lines/{id}/forecast` (R10).

use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Role;
use crate::db::Pool;
use crate::error::{AppError, AppResult};
use crate::services::duty::{self, NewDutyEvent, NewStation};
use crate::wire::{
    AssignmentBody, AssignmentView, EventBody, EventView, ForecastView, StationBody, StationView,
};

use super::extract::{run, Body, Caller};

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

#[derive(Deserialize, IntoParams)]
pub struct OnQuery {
    /// The day whose policy prices `daily_cost`; today when absent.
    #[serde(default, deserialize_with = "crate::wire::iso::opt_date")]
    date: Option<NaiveDate>,
}

/// Duty stations with the cost of one person-day.
#[utoipa::path(get, path = "/api/v1/duty-stations", tag = "station duty", params(OnQuery),
    responses((status = 200, body = Vec<StationView>)), security(("bearer" = [])))]
#[get("/duty-stations")]
pub async fn list_stations(
    pool: web::Data<Pool>,
    caller: Caller,
    query: web::Query<OnQuery>,
) -> AppResult<HttpResponse> {
    let on = query.date.unwrap_or_else(today);
    let list = run(move || duty::list_stations(&pool, &caller, on)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Creates a duty station (admin, budget holder).
#[utoipa::path(post, path = "/api/v1/duty-stations", tag = "station duty", request_body = StationBody,
    responses((status = 201, body = StationView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/duty-stations")]
pub async fn create_station(
    pool: web::Data<Pool>,
    caller: Caller,
    body: Body<StationBody>,
) -> AppResult<HttpResponse> {
    caller.require(&[Role::Admin, Role::BudgetHolder])?;
    let b = body.into_inner()?;
    let daily_cost_override = match &b.daily_cost_override {
        Some(amount) => Some(
            amount
                .parse("daily_cost_override")
                .map_err(|e| AppError::Validation(vec![e]))?,
        ),
        None => None,
    };
    let spec = NewStation {
        name: b.name,
        city: b.city,
        budget_line_id: b.budget_line_id,
        daily_cost_override,
    };
    let view = run(move || duty::create_station(&pool, &caller, spec, today())).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Puts a person on the station's roster (admin, budget holder).
#[utoipa::path(post, path = "/api/v1/duty-stations/{id}/assignments", tag = "station duty", request_body = AssignmentBody,
    params(("id" = i64, Path)),
    responses((status = 201, body = AssignmentView), (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/duty-stations/{id}/assignments")]
pub async fn add_assignment(
    pool: web::Data<Pool>,
    caller: Caller,
    id: web::Path<i64>,
    body: Body<AssignmentBody>,
) -> AppResult<HttpResponse> {
    caller.require(&[Role::Admin, Role::BudgetHolder])?;
    let (id, b) = (id.into_inner(), body.into_inner()?);
    let view =
        run(move || duty::add_assignment(&pool, &caller, id, &b.person, b.from, b.to)).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The station's roster.
#[utoipa::path(get, path = "/api/v1/duty-stations/{id}/assignments", tag = "station duty", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AssignmentView>), (status = 404, body = super::Problem)), security(("bearer" = [])))]
#[get("/duty-stations/{id}/assignments")]
pub async fn list_assignments(
    pool: web::Data<Pool>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let list = run(move || duty::list_assignments(&pool, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Adds extra staff for a sensitive period (admin, budget holder).
#[utoipa::path(post, path = "/api/v1/duty-events", tag = "station duty", request_body = EventBody,
    responses((status = 201, body = EventView), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[post("/duty-events")]
pub async fn create_event(
    pool: web::Data<Pool>,
    caller: Caller,
    body: Body<EventBody>,
) -> AppResult<HttpResponse> {
    caller.require(&[Role::Admin, Role::BudgetHolder])?;
    let b = body.into_inner()?;
    let spec = NewDutyEvent {
        name: b.name,
        city: b.city,
        budget_line_id: b.budget_line_id,
        from: b.from,
        to: b.to,
        extra_staff: b.extra_staff,
    };
    let view = run(move || duty::create_event(&pool, &caller, spec)).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Every duty event, by start date.
#[utoipa::path(get, path = "/api/v1/duty-events", tag = "station duty",
    responses((status = 200, body = Vec<EventView>)), security(("bearer" = [])))]
#[get("/duty-events")]
pub async fn list_events(pool: web::Data<Pool>, caller: Caller) -> AppResult<HttpResponse> {
    let list = run(move || duty::list_events(&pool, &caller)).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Deserialize, IntoParams)]
pub struct ForecastQuery {
    /// The forecast's date (`YYYY-MM-DD`); today when absent.
    #[serde(default, deserialize_with = "crate::wire::iso::opt_date")]
    as_of: Option<NaiveDate>,
}

/// When the line runs out at the rostered and planned duty (R10).
#[utoipa::path(get, path = "/api/v1/budget-lines/{id}/forecast", tag = "budget lines", params(("id" = i64, Path), ForecastQuery),
    responses((status = 200, body = ForecastView), (status = 404, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/budget-lines/{id}/forecast")]
pub async fn forecast(
    pool: web::Data<Pool>,
    caller: Caller,
    id: web::Path<i64>,
    query: web::Query<ForecastQuery>,
) -> AppResult<HttpResponse> {
    caller.require(&[Role::Admin, Role::Finance, Role::BudgetHolder])?;
    let (id, as_of) = (id.into_inner(), query.as_of.unwrap_or_else(today));
    let view = run(move || duty::forecast(&pool, &caller, id, as_of)).await?;
    Ok(HttpResponse::Ok().json(view))
}
