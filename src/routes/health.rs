//! Liveness and readiness.

use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpResponse};
use serde_json::json;

use crate::db::Pool;
use crate::error::Problem;
use crate::routes::extract::read;

/// Liveness: the process answers.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// How long readiness may take: a database that does not answer within it is unavailable.
const READINESS_LIMIT: Duration = Duration::from_millis(900);

/// Readiness: the database answers, within [`READINESS_LIMIT`] (503 otherwise, at once).
#[utoipa::path(tag = "operations",
    responses((status = 200, description = "Database reachable"), (status = 503, description = "Database unreachable", body = Problem)))]
#[get("/readyz")]
pub async fn readyz(pool: web::Data<Pool>) -> HttpResponse {
    // It waits its turn for a connection as every read does ([`read`]): racing the requests for
    // one instead, it could be passed over past its limit under load while the database answered
    // every one of them (seen with 16 clients on PostgreSQL), and a busy instance would be taken
    // out of service.
    let check = read(&pool, |c| Ok(crate::db::ping(c)?));
    let ok = matches!(
        actix_web::rt::time::timeout(READINESS_LIMIT, check).await,
        Ok(Ok(()))
    );
    if ok {
        HttpResponse::Ok().json(json!({"status": "ok"}))
    } else {
        crate::db::connection_lost();
        let problem = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "Database unavailable",
            "the database does not answer",
        );
        problem
            .response()
            .insert_header((header::RETRY_AFTER, "2"))
            .json(problem)
    }
}
