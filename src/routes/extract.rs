//! Request extractors: the authenticated caller, and JSON bodies that are size-limited, name the
//! field of any error, and are validated before a handler sees them.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::auth::Actor;
use crate::db::Pool;
use crate::domain::{text, FieldError};
use crate::error::AppError;
use crate::services;
use crate::wire::flatten_validation;

/// The largest JSON body accepted: 64 KiB (413 beyond).
pub const MAX_BODY: usize = 64 * 1024;

/// The caller, from `Authorization: Bearer TOKEN`; 401 `unauthenticated` without a valid one.
pub struct Caller(pub Actor);

impl std::ops::Deref for Caller {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.0
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_string())
}

/// Authenticates once per request; the result is kept in the request's extensions.
pub async fn authenticate(req: &HttpRequest) -> Result<Actor, AppError> {
    if let Some(actor) = req.extensions().get::<Actor>() {
        return Ok(actor.clone());
    }
    let token = bearer(req).ok_or(AppError::Unauthenticated)?;
    let pool = req
        .app_data::<web::Data<Pool>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("no pool".into()))?;
    let actor = read(&pool, move |c| services::users::authenticate_on(c, &token)).await?;
    req.extensions_mut().insert(actor.clone());
    Ok(actor)
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await.map(Caller) })
    }
}

/// How long a client may take to send a body, as actix gives it for the headers: a body still
/// incomplete after this is 408 and the connection is closed.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads a body of at most [`MAX_BODY`] bytes within [`BODY_TIMEOUT`].
pub async fn read_body(req: &HttpRequest, payload: &mut Payload) -> Result<web::Bytes, AppError> {
    actix_web::rt::time::timeout(BODY_TIMEOUT, read_body_untimed(req, payload))
        .await
        .unwrap_or(Err(AppError::RequestTimeout))
}

async fn read_body_untimed(
    req: &HttpRequest,
    payload: &mut Payload,
) -> Result<web::Bytes, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(AppError::PayloadTooLarge);
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::InvalidRequest {
            status: StatusCode::BAD_REQUEST,
            detail: format!("could not read the body: {e}"),
            field: None,
        })?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses JSON, naming the field of a wrong type or missing value (422) or answering 400 for
/// JSON that does not parse at all. Every text in the body goes through
/// [`crate::domain::text::clean`] first: trimmed, and 422 naming the field for a control
/// character or a text of invisible characters only.
pub fn parse_json<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, AppError> {
    let mut document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| AppError::InvalidRequest {
            status: StatusCode::BAD_REQUEST,
            detail: format!("malformed JSON: {e}"),
            field: None,
        })?;
    let mut problems = Vec::new();
    clean_texts(&mut document, "", &mut problems);
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let value: T = serde_path_to_error::deserialize(document).map_err(|e| {
        let path = e.path().to_string();
        AppError::InvalidRequest {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: e.into_inner().to_string(),
            field: (path != ".").then_some(path),
        }
    })?;
    value
        .validate()
        .map_err(|e| AppError::Validation(flatten_validation(&e)))?;
    Ok(value)
}

/// Cleans every string (and object key) of a JSON document in place, collecting the fields it
/// refuses by their JSON path (`stays[1].city`).
fn clean_texts(value: &mut serde_json::Value, path: &str, problems: &mut Vec<FieldError>) {
    use serde_json::Value;
    fn check(text: &str, path: &str, problems: &mut Vec<FieldError>) -> Option<String> {
        match text::clean(text) {
            Ok(kept) => Some(kept.to_string()),
            Err(problem) => {
                let field = if path.is_empty() { "." } else { path };
                problems.push(FieldError::new(field, problem.message()));
                None
            }
        }
    }
    match value {
        Value::String(text) => {
            if let Some(kept) = check(text, path, problems) {
                *text = kept;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                clean_texts(item, &format!("{path}[{i}]"), problems);
            }
        }
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                let inner = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let key = check(&key, &inner, problems).unwrap_or(key);
                clean_texts(&mut item, &inner, problems);
                map.insert(key, item);
            }
        }
        _ => {}
    }
}

/// A validated JSON body. A bad body is reported only when the handler asks for it with
/// [`Body::into_inner`], after authentication (401) and the role check (403): the order of
/// refusals never depends on which extractor finished first.
pub struct Body<T> {
    parsed: Result<T, AppError>,
    /// The bytes as they arrived.
    sent: web::Bytes,
}

impl<T> Body<T> {
    /// The body, or its 400/413/422.
    pub fn into_inner(self) -> Result<T, AppError> {
        self.parsed
    }

    /// The body, and its JSON text exactly as the client sent it (for a document that keeps
    /// what was asked).
    pub fn into_inner_and_text(self) -> Result<(T, String), AppError> {
        let body = self.parsed?;
        // It parsed as JSON, so it is UTF-8.
        let text = String::from_utf8(self.sent.to_vec())
            .map_err(|e| AppError::Internal(format!("body text: {e}")))?;
        Ok((body, text))
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Body<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Body<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let (parsed, sent) = match read_body(&req, &mut payload).await {
                Ok(bytes) => (parse_json(&bytes), bytes),
                Err(error) => (Err(error), web::Bytes::new()),
            };
            Ok(Body { parsed, sent })
        })
    }
}

/// Authenticates every request of the scope it wraps before any extractor runs, so a missing
/// or bad token is always 401, whatever else is wrong with the request.
pub async fn require_authentication(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<actix_web::body::BoxBody>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    match authenticate(req.request()).await {
        Ok(_) => next.call(req).await,
        Err(error) => Ok(req.error_response(error)),
    }
}

/// Runs a read on a database connection: on SQLite, here and now when a connection is free;
/// otherwise (PostgreSQL, or every SQLite connection busy) on the blocking pool.
///
/// A SQLite read is an index walk in this process's memory that never waits for the writer (WAL
/// readers are not blocked), a few microseconds: less than the hop to a blocking thread and back,
/// which it would otherwise pay. A PostgreSQL read is a network round trip, and must not hold up
/// the worker's other connections. Only reads go here: a write may wait for the write lock.
pub async fn read<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut crate::db::DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    if let Some(mut c) = pool.idle_sqlite() {
        return f(&mut c);
    }
    let pool = pool.clone();
    web::block(move || f(&mut *services::conn(&pool)?)).await?
}

/// Runs a service call on the blocking pool.
pub async fn run<T, F>(f: F) -> Result<T, AppError>
where
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    web::block(f).await?
}
