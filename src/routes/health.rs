//! Liveness and readiness.

use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::db::Pool;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Database reachable"), (status = 503, description = "Database unreachable")))]
#[get("/readyz")]
pub async fn readyz(pool: web::Data<Pool>) -> HttpResponse {
    let ok = web::block(move || {
        pool.get()
            .ok()
            .is_some_and(|mut c| c.batch_execute("SELECT 1").is_ok())
    })
    .await;
    if ok.unwrap_or(false) {
        HttpResponse::Ok().json(json!({"status": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("application/problem+json")
            .json(json!({"type": "urn:baoxiao:problem:database_unavailable", "title": "Database unavailable",
                "status": 503, "detail": "the database does not answer", "code": "database_unavailable"}))
    }
}
