//! `/api/v1/invoices/read` and `/api/v1/organisation` (R19): an e-invoice's XML file read into a
//! claim row, and the organisation's 统一社会信用代码 it is checked against.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{post, put, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::domain::einvoice::{FileProblem, MAX_BYTES};
use crate::error::{AppError, AppResult, Invalid};
use crate::services::{einvoices, organisation};
use crate::wire::{InvoiceReadView, OrganisationBody, OrganisationView};

use super::attachments::{read_limited, unreadable};
use super::extract::{ok, read_body_within, Body, Caller, BODY_TIMEOUT};

fn too_large() -> AppError {
    AppError::InvalidInvoiceFile(FileProblem::TooLarge {
        max_bytes: MAX_BYTES,
    })
}

/// The file sent: the body itself (`application/xml`, `text/xml`) or the first file of a
/// `multipart/form-data` form; refused at the first byte past 1 MiB.
pub async fn invoice_file(req: &HttpRequest, payload: Payload) -> AppResult<Vec<u8>> {
    actix_web::rt::time::timeout(BODY_TIMEOUT, invoice_file_untimed(req, payload))
        .await
        .unwrap_or(Err(AppError::RequestTimeout))
}

async fn invoice_file_untimed(req: &HttpRequest, mut payload: Payload) -> AppResult<Vec<u8>> {
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match kind.as_str() {
        "application/xml" | "text/xml" => {
            let bytes = read_body_within(req, &mut payload, MAX_BYTES, too_large).await?;
            Ok(bytes.to_vec())
        }
        "multipart/form-data" => {
            let mut form = actix_multipart::Multipart::new(req.headers(), payload);
            while let Some(field) = form.next().await {
                let mut field = field.map_err(unreadable)?;
                let is_file = field
                    .content_disposition()
                    .is_some_and(|d| d.get_filename().is_some());
                // A text field (a page's CSRF token) is read past, within the same limit.
                let bytes = read_limited(&mut field, None, MAX_BYTES, too_large).await?;
                if is_file {
                    return Ok(bytes.to_vec());
                }
            }
            Err(AppError::InvalidInvoiceFile(FileProblem::Empty))
        }
        _ => Err(AppError::InvalidRequest {
            status: Invalid::Unprocessable,
            detail: "send the invoice file as application/xml, text/xml or multipart/form-data"
                .into(),
            field: Some(einvoices::FILE_FIELD.into()),
            problem: None,
        }),
    }
}

/// Reads a 数电发票's XML file (claimant): its fields and the stay or ticket row it fills.
/// Nothing is stored.
#[utoipa::path(tag = "e-invoices",
    request_body(content = String, content_type = "application/xml",
        description = "The invoice's XML file (at most 1 MiB), or `multipart/form-data` with it as a file"),
    responses((status = 200, body = InvoiceReadView), (status = 409, body = super::Problem),
        (status = 413, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/invoices/read")]
pub async fn read_invoice(
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let file = invoice_file(&req, payload.into_inner()).await;
    ok(move || einvoices::read(caller.pool(), &caller, file)).await
}

/// Sets the organisation's name or 统一社会信用代码 (admin).
#[utoipa::path(tag = "organisation", request_body = OrganisationBody,
    responses((status = 200, body = OrganisationView), (status = 403, body = super::Problem),
        (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[put("/organisation")]
pub async fn put_organisation(
    caller: Caller,
    body: Body<OrganisationBody>,
) -> AppResult<HttpResponse> {
    let changes = body.into_inner().map(Into::into);
    ok(move || organisation::change(caller.pool(), &caller, changes)).await
}
