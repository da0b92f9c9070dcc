//! The Idempotency-Key middleware (api.md "Idempotency"), in front of every POST under `/api/`
//! that carries the header. It authenticates the caller first (401; keys are per user), checks
//! the key (422), fingerprints method, path and body, and either replays the kept answer
//! (`Idempotent-Replayed: true`) or runs the request with the key attached to the caller. An
//! action stores its answer with the key in its own transaction (`services::answer`); any other
//! answer but a 5xx (a refusal, a read) is kept here once it is made. A 5xx keeps nothing, so a
//! retry runs again.

use std::sync::Arc;

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};

use crate::db::Pool;
use crate::error::AppError;
use crate::services::idempotency::{self, Begin, KeyScope};

use super::extract::{authenticate, read_body};

pub const HEADER: &str = "idempotency-key";

/// How long keys are kept, from the settings.
#[derive(Clone, Copy)]
pub struct Retention(pub i64);

/// 1 to 255 characters, none of them a control character (tab included), not only spaces.
fn valid_key(key: &str) -> bool {
    !key.trim().is_empty() && key.len() <= 255 && !key.chars().any(char::is_control)
}

fn replayed(status: u16, body: String) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header(("idempotent-replayed", "true"))
        .body(body)
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get(HEADER) {
        Some(value) if req.method() == Method::POST => value.to_str().map(str::to_string).ok(),
        _ => return next.call(req).await,
    };
    // Who is asking comes first (401), then whether the key is usable (422).
    let actor = match authenticate(req.request()).await {
        Ok(actor) => actor,
        Err(error) => return Ok(req.error_response(error)),
    };
    let Some(key) = key.filter(|k| valid_key(k)) else {
        let error = AppError::InvalidRequest {
            status: crate::error::Invalid::Unprocessable,
            detail: "Idempotency-Key must be 1 to 255 visible characters".into(),
            field: Some("Idempotency-Key".into()),
            problem: None,
        };
        return Ok(req.error_response(error));
    };
    let (pool, retention) = match (
        req.app_data::<web::Data<Pool>>(),
        req.app_data::<web::Data<Retention>>(),
    ) {
        (Some(pool), Some(retention)) => (pool.clone(), retention.0),
        _ => return Ok(req.error_response(AppError::Internal("idempotency not configured".into()))),
    };
    let (http, payload) = req.parts_mut();
    let body = match read_body(http, payload).await {
        Ok(body) => body,
        Err(error) => return Ok(req.error_response(error)),
    };
    let path = req
        .uri()
        .path_and_query()
        .map_or("", |p| p.as_str())
        .to_string();
    let fingerprint = idempotency::fingerprint(req.method().as_str(), &path, &body);
    let scope = Arc::new(KeyScope::new(key, fingerprint));

    let (pool2, actor2, scope2) = (pool.clone(), actor.clone(), scope.clone());
    let begun = web::block(move || idempotency::begin(&pool2, &actor2, &scope2, retention)).await;
    match begun.map_err(AppError::from).and_then(|r| r) {
        Err(error) => Ok(req.error_response(error)),
        Ok(Begin::Replay { status, body }) => Ok(req.into_response(replayed(status, body))),
        Ok(Begin::Run) => {
            req.extensions_mut().insert(scope.clone());
            req.set_payload(actix_web::dev::Payload::from(body));
            let response = next.call(req).await?;
            let status = response.status();
            // A 5xx is not an answer: nothing was stored, and a retry runs again.
            if scope.answered() || status.is_server_error() {
                return Ok(response);
            }
            let (http, response) = response.into_parts();
            let (head, body) = response.into_parts();
            let bytes = to_bytes(body).await.unwrap_or_default();
            let kept = String::from_utf8_lossy(&bytes).into_owned();
            let stored = web::block(move || {
                idempotency::keep(&pool, &actor, &scope, status.as_u16(), &kept)
            })
            .await;
            let response = match stored.map_err(AppError::from).and_then(|r| r) {
                Ok(None) => head.set_body(bytes.boxed()),
                // Another request with this key committed first: its answer is the key's answer.
                Ok(Some(Begin::Replay { status, body })) => replayed(status, body),
                Ok(Some(Begin::Run)) => head.set_body(bytes.boxed()),
                Err(error @ AppError::IdempotencyKeyReused) => {
                    actix_web::ResponseError::error_response(&error)
                }
                Err(error) => {
                    tracing::warn!(%error, "idempotency response not stored");
                    head.set_body(bytes.boxed())
                }
            };
            Ok(ServiceResponse::new(http, response))
        }
    }
}
