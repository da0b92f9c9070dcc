//! 导入电子发票 on the claim form (R19), without scripts: the form is posted with its 数电发票
//! files. What was typed is saved as the caller's draft first (so each file has a claim to be
//! attached to, and nothing typed is lost); each file is read, fills a stay or ticket row and is
//! attached, or its refusal is said; the draft's form opens again, filled.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest};

use crate::db::Pool;
use crate::routes::attachments::{is_multipart, next_part, store, Part};
use crate::services::einvoices;
use crate::services::views::{InvoiceReadView, InvoiceRow};

use super::format;
use super::forms::{ClaimForm, StayRow, TicketRow};
use super::session::{flash, SignedIn};
use super::{see_other, Flash, PageError, PageResult};

/// `POST /claims/new/import`: the claim form, as typed, with its invoice files last.
pub async fn import(
    pool: web::Data<Pool>,
    user: SignedIn,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    if !is_multipart(&req) {
        return Err(PageError::Csrf);
    }
    let mut parts = Multipart::new(req.headers(), payload);
    let (mut typed, mut files, mut checked) = (Vec::new(), Vec::new(), false);
    while let Some(part) = next_part(&mut parts).await? {
        match part {
            Part::Text { name, value } if name == "csrf" => {
                user.check_csrf(&value)?;
                checked = true;
            }
            Part::Text { name, value } => typed.push((name, value)),
            // A file input left empty is sent as a part with no name and no bytes.
            Part::File { name, bytes } if name.is_empty() && bytes.is_empty() => {}
            Part::File { name, bytes } => {
                if !checked {
                    return Err(PageError::Csrf);
                }
                files.push((name, bytes));
            }
        }
    }
    if !checked {
        return Err(PageError::Csrf);
    }
    let mut form = ClaimForm::from_pairs(&typed);
    let id = super::claims::save_typed(&pool, &user, &form).await?;
    if files.is_empty() {
        flash(
            &pool,
            &user,
            Flash::Refused("请先选择要导入的电子发票文件。".into()),
        )
        .await?;
        return Ok(see_other(&format!("/claims/new?draft={id}")));
    }
    let (mut said, mut refused) = (Vec::new(), false);
    for (name, bytes) in files {
        let sent = bytes.to_vec();
        let read = user
            .run(&pool, move |p, actor| einvoices::read(p, actor, Ok(sent)))
            .await;
        let read = match read {
            Ok(read) => read,
            Err(PageError::Failed(e)) => {
                refused = true;
                said.push(format!("{name}：{}", format::refusal(&e)));
                continue;
            }
            Err(other) => return Err(other),
        };
        if let Err(e) = store(&pool, &user.actor(), id, name.clone(), bytes).await {
            refused = true;
            said.push(format!("{name}：{}", format::refusal(&e)));
            continue;
        }
        said.push(fill(&mut form, &read));
    }
    form.draft_id = id.to_string();
    super::claims::save_typed(&pool, &user, &form).await?;
    let text = said.join("；");
    let note = if refused {
        Flash::Refused(text)
    } else {
        Flash::Done(text)
    };
    flash(&pool, &user, note).await?;
    Ok(see_other(&format!("/claims/new?draft={id}")))
}

/// The first empty row of the invoice's kind (or a new one) filled; what the page says of it.
fn fill(form: &mut ClaimForm, read: &InvoiceReadView) -> String {
    match &read.row {
        InvoiceRow::Stay {
            lodging_amount,
            invoice,
            invoice_no,
        } => {
            let at = first_empty(&form.stays, |s| {
                s.amount.is_empty() && s.invoice_no.is_empty()
            });
            if at == form.stays.len() {
                form.stays.push(StayRow::default());
            }
            if let Some(row) = form.stays.get_mut(at) {
                row.amount = lodging_amount.to_string();
                row.invoice = *invoice;
                row.invoice_no = invoice_no.clone();
            }
            format!("住宿发票 {invoice_no} 已填入第 {} 行住宿", at + 1)
        }
        InvoiceRow::Ticket {
            description,
            amount,
            invoice_no,
        } => {
            let at = first_empty(&form.tickets, |t| {
                t.amount.is_empty() && t.invoice_no.is_empty() && t.description.is_empty()
            });
            if at == form.tickets.len() {
                form.tickets.push(TicketRow::default());
            }
            if let Some(row) = form.tickets.get_mut(at) {
                row.description = description.clone();
                row.amount = amount.to_string();
                row.invoice_no = invoice_no.clone();
            }
            format!("票据发票 {invoice_no} 已填入第 {} 行城市间交通", at + 1)
        }
    }
}

fn first_empty<T>(rows: &[T], empty: impl Fn(&T) -> bool) -> usize {
    rows.iter().position(empty).unwrap_or(rows.len())
}
