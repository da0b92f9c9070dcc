//! E-invoices (R19): a 数电发票's XML file read and checked against the organisation, filling a
//! claim's stay or ticket. Reading stores nothing.

use crate::auth::Actor;
use crate::db::{
    attachments as attachment_rows, invoices as invoice_rows, orgs, DbConnection, Pool,
};
use crate::domain::attachment::MediaType;
use crate::domain::credit_code::CreditCode;
use crate::domain::einvoice::{self, EInvoice, FileProblem, Filled};
use crate::domain::invoice::Invoice;
use crate::domain::travel::TripInput;
use crate::error::{AppError, AppResult};

use super::conn;
use super::permissions::{self, UseCase};
use super::views::InvoiceReadView;

/// The field a refusal of the file as a whole names.
pub const FILE_FIELD: &str = "file";

/// `POST /api/v1/invoices/read` (claimant): the file's fields and the row they fill, or why it
/// cannot fill one: the file (422 `invalid_invoice_file`), R19's checks, and R15's duplicate
/// check against the organisation's live claims (409 `duplicate_invoice`). `file` is the bytes
/// sent, or why they could not be taken: reported after the role check.
pub fn read(pool: &Pool, actor: &Actor, file: AppResult<Vec<u8>>) -> AppResult<InvoiceReadView> {
    permissions::check(actor, UseCase::ReadInvoice)?;
    let file = file?;
    let invoice = einvoice::read(&file).map_err(AppError::InvalidInvoiceFile)?;
    let mut c = conn(pool)?;
    let filled = check(&mut c, actor.org_id, &invoice)?;
    if let Some(holder) = invoice_rows::holder(&mut c, actor.org_id, "", &invoice.number)? {
        return Err(AppError::DuplicateInvoice {
            claim_id: Some(holder),
            field: "invoice_no".into(),
        });
    }
    Ok(InvoiceReadView::new(invoice, filled))
}

/// R19's checks of an invoice read for the organisation: its buyer, its sign, its item. A
/// building block for the caller's connection or transaction.
pub fn check(c: &mut DbConnection, org_id: i64, invoice: &EInvoice) -> AppResult<Filled> {
    // A code is checked when it is set, so a stored one always parses.
    let ours = orgs::tax_id(c, org_id)?.and_then(|code| CreditCode::parse(&code).ok());
    einvoice::check(invoice, ours.as_ref()).map_err(AppError::InvoiceRefused)
}

/// R19 at submission, a building block for the caller's connection: every invoice XML attached to
/// the claim `claim_id` is read again and checked again ([`check`]), and each row carrying one's
/// number claims at most its total (422 naming the row's amount field). A row whose invoice file
/// is not attached is checked by R15 alone.
pub fn recheck(
    c: &mut DbConnection,
    org_id: i64,
    claim_id: i64,
    trip: &TripInput,
    invoices: &[Invoice],
) -> AppResult<()> {
    let mut attached = Vec::new();
    for file in attachment_rows::of_claim(c, org_id, claim_id)? {
        if file.media_type != MediaType::Xml.as_str() {
            continue;
        }
        let bytes = attachment_rows::whole(c, org_id, file.id)?;
        let invoice = match einvoice::read(&bytes) {
            // Another kind of XML document is paper like any other, not an invoice to check.
            Err(FileProblem::NotAnInvoice { .. }) => continue,
            read => read.map_err(AppError::InvalidInvoiceFile)?,
        };
        check(c, org_id, &invoice)?;
        attached.push(invoice);
    }
    if attached.is_empty() {
        return Ok(());
    }
    let errors = einvoice::within_totals(amount_rows(trip, invoices), &attached);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Each invoice's row: its amount field, amount and number (`stays[0]` → `stays[0].lodging_amount`).
fn amount_rows<'a>(
    trip: &TripInput,
    invoices: &'a [Invoice],
) -> Vec<(String, crate::domain::Money, &'a str)> {
    invoices
        .iter()
        .filter_map(|invoice| {
            let row = invoice.field.strip_suffix(".invoice_no")?;
            let index = |prefix: &str| -> Option<usize> {
                row.strip_prefix(prefix)?.strip_suffix(']')?.parse().ok()
            };
            let (field, amount) = if let Some(i) = index("stays[") {
                ("lodging_amount", trip.stays.get(i)?.lodging_amount)
            } else {
                ("amount", trip.tickets.get(index("tickets[")?)?.amount)
            };
            Some((format!("{row}.{field}"), amount, invoice.number.as_str()))
        })
        .collect()
}
