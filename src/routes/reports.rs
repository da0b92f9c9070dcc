//! `/api/v1/reports/…` (R11, R12).

use actix_web::{get, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{AppError, AppResult};
use crate::export;
use crate::services::reports;
use crate::wire::{ExecutionView, IndicatorView, TargetBody, TargetRecord, YearQuery};

use super::extract::{attachment, run, Body, Caller};

#[derive(Deserialize, IntoParams)]
pub struct ReportQuery {
    /// The fiscal year, 2000–2100.
    year: i32,
    /// `json` (default), `csv` or `xlsx`.
    format: Option<String>,
}

fn year(y: i32) -> AppResult<i32> {
    if (2000..=2100).contains(&y) {
        Ok(y)
    } else {
        Err(AppError::field(
            "year",
            crate::domain::FieldProblem::OutOfRange {
                min: 2000,
                max: 2100,
                english: "a year from 2000 to 2100",
            },
        ))
    }
}

fn file(content_type: &str, name: String, bytes: Vec<u8>) -> HttpResponse {
    attachment(content_type, &name).body(bytes)
}

/// The budget execution report (预算执行情况): every line with allocated, committed, spent,
/// available and execution rate, as JSON, CSV (UTF-8 with BOM) or an Excel workbook.
#[utoipa::path(tag = "reports", params(ReportQuery),
    responses((status = 200, body = ExecutionView, description = "JSON; text/csv or an xlsx workbook with format=csv|xlsx"),
              (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/reports/budget-execution")]
pub async fn budget_execution(
    caller: Caller,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let y = year(query.year)?;
    let format = query.format.clone().unwrap_or_else(|| "json".into());
    if !["json", "csv", "xlsx"].contains(&format.as_str()) {
        return Err(AppError::field(
            "format",
            crate::domain::FieldProblem::OneOf {
                english: "json, csv or xlsx".into(),
            },
        ));
    }
    let report = run(move || reports::execution(caller.pool(), &caller, y)).await?;
    let name = format!("budget-execution-{y}.{format}");
    Ok(match format.as_str() {
        "csv" => file(
            "text/csv; charset=utf-8",
            name,
            export::execution_csv(&report).map_err(|e| AppError::Internal(format!("csv: {e}")))?,
        ),
        "xlsx" => file(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            name,
            export::execution_xlsx(&report)
                .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?,
        ),
        _ => HttpResponse::Ok().json(report),
    })
}

/// The R12 performance indicators (绩效自评) with target, actual and whether met.
#[utoipa::path(tag = "reports", params(YearQuery),
    responses((status = 200, body = Vec<IndicatorView>), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[get("/reports/performance")]
pub async fn performance(caller: Caller, query: web::Query<YearQuery>) -> AppResult<HttpResponse> {
    let y = year(query.required()?)?;
    let list = run(move || reports::performance(caller.pool(), &caller, y)).await?;
    Ok(HttpResponse::Ok().json(list))
}

fn targets_json(list: Vec<TargetRecord>) -> Vec<TargetBody> {
    list.into_iter().map(TargetBody::from).collect()
}

/// The performance targets in force for a year.
#[utoipa::path(tag = "reports", params(YearQuery),
    responses((status = 200, body = Vec<TargetBody>)), security(("bearer" = [])))]
#[get("/reports/performance/targets")]
pub async fn get_targets(caller: Caller, query: web::Query<YearQuery>) -> AppResult<HttpResponse> {
    let y = year(query.required()?)?;
    let list = run(move || reports::targets(caller.pool(), &caller, y)).await?;
    Ok(HttpResponse::Ok().json(targets_json(list)))
}

/// Replaces a year's performance targets (admin).
#[utoipa::path(tag = "reports", params(YearQuery), request_body = Vec<TargetBody>,
    responses((status = 200, body = Vec<TargetBody>), (status = 422, body = super::Problem)), security(("bearer" = [])))]
#[put("/reports/performance/targets")]
pub async fn put_targets(
    caller: Caller,
    query: web::Query<YearQuery>,
    body: Body<Vec<TargetBody>>,
) -> AppResult<HttpResponse> {
    let y = year(query.required()?)?;
    // Body has validated every target already.
    let targets = body.into_inner().and_then(reports::Targets::try_from);
    let list = run(move || reports::set_targets(caller.pool(), &caller, y, targets)).await?;
    Ok(HttpResponse::Ok().json(targets_json(list)))
}

/// The year's ledger as a plain-text accounting journal (hledger, ledger), one transaction per entry.
#[utoipa::path(tag = "reports", params(YearQuery),
    responses((status = 200, content_type = "text/plain", body = String)), security(("bearer" = [])))]
#[get("/reports/journal")]
pub async fn journal(caller: Caller, query: web::Query<YearQuery>) -> AppResult<HttpResponse> {
    let y = year(query.required()?)?;
    let text = run(move || reports::journal(caller.pool(), &caller, y)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(text))
}
