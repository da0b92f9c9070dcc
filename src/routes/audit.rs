//! `/api/v1/audit-events`: the audit trail for the auditor's year-end check.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Role;
use crate::db::Pool;
use crate::error::{AppError, AppResult};
use crate::services::audit::{self, Period};
use crate::wire::{iso, AuditEventView};

use super::extract::{run, Caller};

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// First day included, `YYYY-MM-DD` (UTC); the first event when absent.
    from: Option<String>,
    /// Last day included, `YYYY-MM-DD` (UTC); the last event when absent.
    to: Option<String>,
    /// At most this many events, 1–1000 (default 100).
    limit: Option<String>,
    /// The cursor: only events older than the one with this id (from the `Link` header).
    after: Option<String>,
}

/// One page of a list as api.md "Lists" describes it: `limit` (default 100, at most 1000) items
/// after the cursor `after`, and a `Link: <…>; rel="next"` header when more remain.
mod paging {
    use crate::error::{AppError, AppResult};

    pub const DEFAULT_LIMIT: u16 = 100;
    pub const MAX_LIMIT: u16 = 1000;

    pub fn limit(text: Option<&str>) -> AppResult<u16> {
        match text {
            None => Ok(DEFAULT_LIMIT),
            Some(t) => t
                .parse::<u16>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| AppError::field("limit", "a whole number from 1 to 1000")),
        }
    }

    pub fn after(text: Option<&str>) -> AppResult<Option<i64>> {
        text.map(|t| {
            t.parse::<i64>()
                .map_err(|_| AppError::field("after", "an id from an earlier page"))
        })
        .transpose()
    }

    /// `Link: <path?query&after=ID&limit=N>; rel="next"` (RFC 8288); `query` keeps the other
    /// parameters, already validated.
    pub fn next_link(path: &str, query: &[(&str, String)], last_id: i64, limit: u16) -> String {
        let mut parts: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.push(format!("after={last_id}"));
        parts.push(format!("limit={limit}"));
        format!("<{path}?{}>; rel=\"next\"", parts.join("&"))
    }
}

fn day(field: &str, text: Option<&str>) -> AppResult<Option<chrono::NaiveDate>> {
    text.map(|t| iso::parse(t).ok_or_else(|| AppError::field(field, "a date YYYY-MM-DD")))
        .transpose()
}

/// Every status change of the caller's organisation's documents (claims, subsidy batches) in
/// the period, newest first: who did it, when, from which status to which, with its note.
/// Admin and finance. Paginated: `limit`, `after`, and a `Link` header when more remain.
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEventView>,
               headers(("Link" = String, description = "`<…?after=ID&limit=N>; rel=\"next\"` when more remain"))),
              (status = 403, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/audit-events")]
pub async fn list_events(
    pool: web::Data<Pool>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    caller.require(&[Role::Admin, Role::Finance])?;
    let query = query.into_inner();
    let period = Period {
        from: day("from", query.from.as_deref())?,
        to: day("to", query.to.as_deref())?,
    };
    if let (Some(from), Some(to)) = (period.from, period.to) {
        if to < from {
            return Err(AppError::field("to", "on or after from"));
        }
    }
    let limit = paging::limit(query.limit.as_deref())?;
    let after = paging::after(query.after.as_deref())?;
    let (events, more) = run(move || audit::page(&pool, &caller, period, after, limit)).await?;
    let mut response = HttpResponse::Ok();
    if let (true, Some(last)) = (more, events.last()) {
        let kept: Vec<(&str, String)> = [("from", period.from), ("to", period.to)]
            .into_iter()
            .filter_map(|(k, d)| d.map(|d| (k, d.to_string())))
            .collect();
        response.insert_header((
            header::LINK,
            paging::next_link("/api/v1/audit-events", &kept, last.id, limit),
        ));
    }
    Ok(response.json(events))
}
