//! The Idempotency-Key middleware for every money-changing POST under `/api/` (api.md
//! "Idempotency"). It authenticates the caller (keys are per user), fingerprints the request,
//! and either runs it and keeps its response, or answers from the kept response.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use crate::db::Pool;
use crate::error::AppError;
use crate::services::idempotency::{self, Begin};

use super::extract::{authenticate, read_body};

pub const HEADER: &str = "idempotency-key";

/// How long keys are kept, from the settings.
#[derive(Clone, Copy)]
pub struct Retention(pub i64);

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get(HEADER) {
        Some(value) if req.method() == Method::POST => value.to_str().map(str::to_string).ok(),
        _ => return next.call(req).await,
    };
    let key = match key.filter(|k| !k.trim().is_empty() && k.len() <= 255) {
        Some(key) => key,
        None => {
            let error = AppError::InvalidRequest {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                detail: "Idempotency-Key must be 1 to 255 visible characters".into(),
                field: Some("Idempotency-Key".into()),
            };
            return Ok(req.error_response(error));
        }
    };
    let actor = match authenticate(req.request()).await {
        Ok(actor) => actor,
        Err(error) => return Ok(req.error_response(error)),
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

    let (pool2, actor2, key2) = (pool.clone(), actor.clone(), key.clone());
    let begun =
        web::block(move || idempotency::begin(&pool2, &actor2, &key2, &fingerprint, retention))
            .await;
    match begun.map_err(AppError::from).and_then(|r| r) {
        Err(error) => Ok(req.error_response(error)),
        Ok(Begin::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() {
                "application/json"
            } else {
                "application/problem+json"
            };
            let response = HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, content_type))
                .insert_header(("idempotent-replayed", "true"))
                .body(body);
            Ok(req.into_response(response))
        }
        Ok(Begin::Run) => {
            req.set_payload(actix_web::dev::Payload::from(body));
            let response = next.call(req).await?;
            let status = response.status();
            if status.is_server_error() {
                let _ = web::block(move || idempotency::abandon(&pool, &actor, &key)).await;
                return Ok(response);
            }
            let (http, response) = response.into_parts();
            let (head, body) = response.into_parts();
            let bytes = to_bytes(body).await.unwrap_or_default();
            let kept = String::from_utf8_lossy(&bytes).into_owned();
            let stored = web::block(move || {
                idempotency::finish(&pool, &actor, &key, status.as_u16(), &kept)
            })
            .await;
            if let Err(error) = stored.map_err(AppError::from).and_then(|r| r) {
                tracing::error!(%error, "idempotency response not stored");
            }
            let response = head.set_body(bytes.boxed());
            Ok(ServiceResponse::new(http, response))
        }
    }
}
