//! `/api/v1/vouchers` and `/api/v1/account-map` (R20).

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::FieldProblem;
use crate::error::{AppError, AppResult};
use crate::export;
use crate::services::vouchers;
use crate::wire::{self, iso, AccountBody, AccountMapEntry, VoucherView};

use super::extract::{attachment, run, Body, Caller};
use super::list::{respond, ListQuery};

#[derive(Deserialize, IntoParams)]
pub struct VoucherQuery {
    /// First day included, `YYYY-MM-DD`; the first voucher when absent.
    from: Option<String>,
    /// Last day included, `YYYY-MM-DD`; the last voucher when absent.
    to: Option<String>,
    /// `json` (default, paged), `csv` or `xlsx` (the whole period, one row per line).
    format: Option<String>,
}

fn day(field: &str, text: Option<&str>) -> AppResult<Option<chrono::NaiveDate>> {
    text.map(|t| iso::parse(t).ok_or_else(|| AppError::field(field, iso::problem(t))))
        .transpose()
}

/// The vouchers dated in the period, in number order (记-YYYY-MM-NNNN), each with its lines in
/// both ledgers; paged as JSON, whole as CSV (UTF-8 with BOM) or xlsx. Finance, budget holders
/// and admins.
#[utoipa::path(tag = "vouchers", params(VoucherQuery, ListQuery),
    responses((status = 200, body = Vec<VoucherView>,
               headers(("Link" = String, description = "rel=\"next\" when more remain"))),
              (status = 403, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/vouchers")]
pub async fn list_vouchers(
    caller: Caller,
    query: web::Query<VoucherQuery>,
    list: web::Query<ListQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let (from, to) = (
        day("from", query.from.as_deref())?,
        day("to", query.to.as_deref())?,
    );
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            return Err(AppError::field(
                "to",
                FieldProblem::Before {
                    field: "to",
                    other: "from",
                    other_on: from,
                },
            ));
        }
    }
    let format = query.format.unwrap_or_else(|| "json".into());
    let period = |ext: &str| {
        let end = |d: Option<chrono::NaiveDate>| d.map_or_else(|| "all".into(), |d| d.to_string());
        format!("vouchers-{}-{}.{ext}", end(from), end(to))
    };
    match format.as_str() {
        "csv" | "xlsx" => {
            let list = run(move || vouchers::list(caller.pool(), &caller, from, to, None)).await?;
            let bytes = if format == "csv" {
                export::vouchers_csv(&list).map_err(|e| AppError::Internal(format!("csv: {e}")))?
            } else {
                export::vouchers_xlsx(&list)
                    .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?
            };
            let kind = if format == "csv" {
                "text/csv; charset=utf-8"
            } else {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            };
            Ok(attachment(kind, &period(&format)).body(bytes))
        }
        "json" => {
            let page = list.page()?;
            let list =
                run(move || vouchers::list(caller.pool(), &caller, from, to, Some(page))).await?;
            Ok(respond(&req, page, list, |v| v.id))
        }
        _ => Err(AppError::field(
            "format",
            FieldProblem::OneOf {
                english: "json, csv or xlsx".into(),
            },
        )),
    }
}

/// One voucher with its lines.
#[utoipa::path(tag = "vouchers", params(("id" = i64, Path)),
    responses((status = 200, body = VoucherView), (status = 404, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/vouchers/{id}")]
pub async fn get_voucher(caller: Caller, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let v = run(move || vouchers::get(caller.pool(), &caller, id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The accounts each event is booked to: the organisation's own over R20's defaults.
#[utoipa::path(tag = "vouchers",
    responses((status = 200, body = Vec<AccountMapEntry>), (status = 403, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/account-map")]
pub async fn get_account_map(caller: Caller) -> AppResult<HttpResponse> {
    let map = run(move || vouchers::account_map(caller.pool(), &caller)).await?;
    Ok(HttpResponse::Ok().json(map))
}

/// Sets accounts of the map (admin); those not given stay as they are. An unknown event or
/// role, or an empty code, is 422 naming it.
#[utoipa::path(tag = "vouchers", request_body = Vec<AccountBody>,
    responses((status = 200, body = Vec<AccountMapEntry>), (status = 403, body = super::Problem),
              (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[put("/account-map")]
pub async fn put_account_map(
    caller: Caller,
    body: Body<Vec<AccountBody>>,
) -> AppResult<HttpResponse> {
    let accounts = body.into_inner().and_then(wire::accounts);
    let map = run(move || vouchers::set_account_map(caller.pool(), &caller, accounts)).await?;
    Ok(HttpResponse::Ok().json(map))
}
