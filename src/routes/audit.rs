//! `/api/v1/audit-events`: the audit trail for the auditor's year-end check.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{AppError, AppResult};
use crate::services::audit::{self, Period};
use crate::wire::{iso, AuditEventView};

use super::extract::{run, Caller};
use super::list::{respond, ListQuery};

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// First day included, `YYYY-MM-DD` (UTC); the first event when absent.
    from: Option<String>,
    /// Last day included, `YYYY-MM-DD` (UTC); the last event when absent.
    to: Option<String>,
}

fn day(field: &str, text: Option<&str>) -> AppResult<Option<chrono::NaiveDate>> {
    text.map(|t| iso::parse(t).ok_or_else(|| AppError::field(field, iso::problem(t))))
        .transpose()
}

/// Every status change of the caller's organisation's documents (claims, subsidy batches) in
/// the period, newest first: who did it, when, from which status to which, with its note.
/// Admin and finance. Paginated: `limit`, `after`, and a `Link` header when more remain.
#[utoipa::path(operation_id = "list_audit_events", tag = "audit", params(AuditQuery, ListQuery),
    responses((status = 200, body = Vec<AuditEventView>,
               headers(("Link" = String, description = "`<…?after=ID&limit=N>; rel=\"next\"` when more remain"))),
              (status = 403, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/audit-events")]
pub async fn list_events(
    caller: Caller,
    query: web::Query<AuditQuery>,
    list: web::Query<ListQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let period = Period {
        from: day("from", query.from.as_deref())?,
        to: day("to", query.to.as_deref())?,
    };
    if let (Some(from), Some(to)) = (period.from, period.to) {
        if to < from {
            return Err(AppError::field(
                "to",
                crate::domain::FieldProblem::Before {
                    field: "to",
                    other: "from",
                    other_on: from,
                },
            ));
        }
    }
    let page = list.page()?;
    let list = run(move || audit::page(caller.pool(), &caller, period, page)).await?;
    Ok(respond(&req, page, list, |e| e.id))
}
