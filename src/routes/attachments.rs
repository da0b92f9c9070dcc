//! `/api/v1/travel-claims/{id}/attachments` (R17): a claim's files.
//!
//! An upload is the file as the body (its name from `Content-Disposition: attachment;
//! filename="…"`), or `multipart/form-data` with one or more files. Either way each file's bytes
//! are counted as they arrive and the upload is refused (413 `attachment_too_large`, the
//! connection closed) at the first chunk past 10 MiB: no more than one file's limit is ever held.
//!
//! Answers: a file as its body is 201 with the stored file, or 200 with the file the claim
//! already held with the same bytes (stored once). A multipart upload stores its files one by
//! one as they arrive and answers the list of them in the order sent, 201 when any is new, 200
//! when every one was there already; a refusal of one file (415, 413, 409) is the answer, and the
//! files before it stay stored (the list, `GET`, tells which). Uploads take no Idempotency-Key:
//! sending the same file again is already harmless.

use actix_multipart::Multipart;
use actix_web::body::{BodySize, BoxBody, MessageBody, SizedStream};
use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse, ResponseError};
use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

use crate::db::Pool;
use crate::domain::attachment::MAX_BYTES;
use crate::error::{AppError, AppResult, Invalid};
use crate::services::attachments::{self, Added, Download};
use crate::services::Context;
use crate::wire::AttachmentView;

use super::extract::{run, Caller};

/// How long an upload may take to arrive: 10 MiB at about 1 Mbit/s, a county office's uplink on
/// a bad day. A body still incomplete then is 408 and the connection is closed.
pub const UPLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The largest text field of a multipart form (the pages' CSRF token).
const MAX_TEXT_FIELD: usize = 1024;

pub fn unreadable(e: impl std::fmt::Display) -> AppError {
    AppError::InvalidRequest {
        status: Invalid::Unreadable,
        detail: format!("could not read the body: {e}"),
        field: None,
        problem: None,
    }
}

/// Reads a stream of chunks of at most `limit` bytes, refusing with `too_large` at the first
/// chunk past it (the rest is never read). `declared` is what the sender announced, if anything:
/// above the limit it is refused before a byte is read, and at or below it sizes the buffer once.
pub async fn read_limited<S, E>(
    stream: &mut S,
    declared: Option<usize>,
    limit: usize,
    too_large: fn() -> AppError,
) -> Result<Bytes, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = BytesMut::with_capacity(declared.unwrap_or(64 * 1024).min(limit));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(unreadable)?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// One file's bytes, read as [`read_limited`] does within [`UPLOAD_TIMEOUT`].
pub async fn read_file<S, E>(stream: &mut S, declared: Option<usize>) -> Result<Bytes, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let read = read_limited(stream, declared, MAX_BYTES, || AppError::AttachmentTooLarge);
    actix_web::rt::time::timeout(UPLOAD_TIMEOUT, read)
        .await
        .unwrap_or(Err(AppError::RequestTimeout))
}

/// One part of a multipart form, read whole (a file up to 10 MiB, a text up to 1 KiB).
pub enum Part {
    Text { name: String, value: String },
    File { name: String, bytes: Bytes },
}

/// The form's next part, or `None` after the last.
pub async fn next_part(form: &mut Multipart) -> Result<Option<Part>, AppError> {
    let Some(field) = form.next().await else {
        return Ok(None);
    };
    let mut field = field.map_err(unreadable)?;
    let disposition = field.content_disposition().cloned();
    let file_name = disposition
        .as_ref()
        .and_then(|d| d.get_filename().map(str::to_string));
    if let Some(name) = file_name {
        let bytes = read_file(&mut field, None).await?;
        return Ok(Some(Part::File { name, bytes }));
    }
    let name = disposition
        .as_ref()
        .and_then(|d| d.get_name().map(str::to_string))
        .unwrap_or_default();
    let bytes = read_limited(&mut field, None, MAX_TEXT_FIELD, || {
        AppError::PayloadTooLarge
    })
    .await?;
    let value = String::from_utf8(bytes.to_vec()).map_err(unreadable)?;
    Ok(Some(Part::Text { name, value }))
}

/// Whether the body is a multipart form.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The name a body sent whole gives its file (`Content-Disposition: attachment; filename="…"`,
/// or `filename*=UTF-8''…`); empty when it gives none.
fn sent_name(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| header::ContentDisposition::from_raw(v).ok())
        .and_then(|d| {
            d.get_filename().map(str::to_string).or_else(|| {
                d.get_filename_ext()
                    .map(|e| String::from_utf8_lossy(&e.value).into_owned())
            })
        })
        .unwrap_or_default()
}

fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Stores one file on the blocking pool.
pub async fn store(
    pool: &web::Data<Pool>,
    actor: &Context,
    claim_id: i64,
    name: String,
    bytes: Bytes,
) -> AppResult<Added> {
    let (pool, actor) = (pool.clone(), actor.clone());
    run(move || attachments::add(&pool, &actor, claim_id, &name, &bytes)).await
}

/// A download: the bytes with their stored media type (read from them when they were added),
/// always as an attachment, and `nosniff` so that no browser takes them for anything else. The
/// bytes are sent as they are read, one piece (at most 1 MiB) at a time on the blocking pool,
/// under the exact `Content-Length` of the stored size.
pub fn download_response(sent: Download) -> HttpResponse {
    let size = u64::try_from(sent.file.size).unwrap_or_default();
    let pieces = futures_util::stream::try_unfold(sent.pieces, |mut pieces| async move {
        let (piece, pieces) = run(move || Ok((pieces.next_piece()?, pieces))).await?;
        Ok::<_, AppError>(piece.map(|p| (Bytes::from(p), pieces)))
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, sent.kind.as_str()))
        .insert_header((header::CONTENT_DISPOSITION, disposition(&sent.file.name)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(SizedStream::new(size, Box::pin(pieces)))
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): the name percent-encoded in
/// UTF-8, and an ASCII stand-in for clients that read only `filename`.
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Adds files to a claim (its claimant, before the first decision).
#[utoipa::path(operation_id = "upload_attachments", tag = "travel claims", params(("id" = i64, Path)),
    request_body(content = String, content_type = "application/octet-stream",
        description = "The file itself (name in `Content-Disposition: attachment; filename=\"…\"`), or `multipart/form-data` with one or more files"),
    responses((status = 201, body = AttachmentView, description = "Stored; a multipart upload answers a list"),
        (status = 200, body = AttachmentView, description = "The claim already held these bytes"),
        (status = 403, body = super::Problem), (status = 404, body = super::Problem),
        (status = 409, body = super::Problem, description = "`invalid_transition` after a decision, `too_many_attachments` at 30"),
        (status = 413, body = super::Problem), (status = 415, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/travel-claims/{id}/attachments")]
pub async fn upload(
    pool: web::Data<Pool>,
    caller: Caller,
    id: web::Path<i64>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let actor = Context::clone(&caller);
    // Refused before a byte of the file is read.
    {
        let (pool, actor) = (pool.clone(), actor.actor.clone());
        run(move || attachments::may_add(&pool, &actor, id)).await?;
    }
    if !is_multipart(&req) {
        let bytes = match read_file(&mut payload, declared_length(&req)).await {
            Ok(bytes) => bytes,
            Err(refused) => return Ok(unread(&refused, payload)),
        };
        let added = store(&pool, &actor, id, sent_name(&req), bytes).await?;
        return Ok(answered(added.created).json(added.file));
    }
    let mut form = Multipart::new(req.headers(), payload);
    let (mut files, mut created) = (Vec::new(), false);
    loop {
        let part = match next_part(&mut form).await {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(refused) => return Ok(unread(&refused, form)),
        };
        if let Part::File { name, bytes } = part {
            let added = store(&pool, &actor, id, name, bytes).await?;
            created |= added.created;
            files.push(added.file);
        }
    }
    if files.is_empty() {
        return Err(AppError::InvalidRequest {
            status: Invalid::Unprocessable,
            detail: "the form carries no file".into(),
            field: Some("file".into()),
            problem: None,
        });
    }
    Ok(answered(created).json(files))
}

/// The refusal of an upload whose body was not read to its end. The body stays held until the
/// refusal is sent: the server then closes the connection instead of reading the rest to discard
/// it (what it does for a chunked body given up), so a refused upload stops where it was refused.
fn unread<B: 'static>(refused: &AppError, body: B) -> HttpResponse {
    refused.error_response().map_body(|_, answer| {
        BoxBody::new(Holding {
            answer,
            _held: Box::new(body),
        })
    })
}

/// A response body that keeps something alive (a request's unread body) until it is sent.
struct Holding {
    answer: BoxBody,
    _held: Box<dyn std::any::Any>,
}

impl MessageBody for Holding {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.answer.size()
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Bytes, Self::Error>>> {
        std::pin::Pin::new(&mut self.get_mut().answer).poll_next(cx)
    }
}

fn answered(created: bool) -> actix_web::HttpResponseBuilder {
    if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
}

/// A claim's files, oldest first, without their bytes (whoever may read the claim).
#[utoipa::path(operation_id = "list_attachments", tag = "travel claims", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AttachmentView>), (status = 404, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/travel-claims/{id}/attachments")]
pub async fn list(
    pool: web::Data<Pool>,
    caller: Caller,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let files = run(move || attachments::list(&pool, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(files))
}

/// Downloads a file: its stored media type, `Content-Disposition: attachment`, `nosniff`.
#[utoipa::path(operation_id = "download_attachment", tag = "travel claims", params(("id" = i64, Path), ("aid" = i64, Path)),
    responses((status = 200, description = "The file's bytes, with the media type read from them when added"),
        (status = 404, body = super::Problem)),
    security(("bearer" = [])))]
#[get("/travel-claims/{id}/attachments/{aid}")]
pub async fn download(
    pool: web::Data<Pool>,
    caller: Caller,
    ids: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, aid) = ids.into_inner();
    let file = run(move || attachments::download(&pool, &caller, id, aid)).await?;
    Ok(download_response(file))
}

/// Removes a file (its claimant, before the first decision).
#[utoipa::path(operation_id = "remove_attachment", tag = "travel claims", params(("id" = i64, Path), ("aid" = i64, Path)),
    responses((status = 204), (status = 403, body = super::Problem), (status = 404, body = super::Problem),
        (status = 409, body = super::Problem)),
    security(("bearer" = [])))]
#[delete("/travel-claims/{id}/attachments/{aid}")]
pub async fn remove(
    pool: web::Data<Pool>,
    caller: Caller,
    ids: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, aid) = ids.into_inner();
    run(move || attachments::remove(&pool, &caller, id, aid)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_names_its_file_in_utf8_and_in_ascii() {
        assert_eq!(
            disposition("住宿发票 1.pdf"),
            "attachment; filename=\"____ 1.pdf\"; filename*=UTF-8''%E4%BD%8F%E5%AE%BF%E5%8F%91%E7%A5%A8%201.pdf"
        );
        assert_eq!(
            disposition("a\"b;c.png"),
            "attachment; filename=\"a_b_c.png\"; filename*=UTF-8''a%22b%3Bc.png"
        );
    }
}
