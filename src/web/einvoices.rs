//! 导入电子发票 on the claim form (R19), without scripts: the form is posted with its 数电发票
//! files. What was typed is saved as the caller's draft first (so each file has a claim to be
//! attached to, and nothing typed is lost); each file is read, fills a stay or ticket row and is
//! attached, or its refusal is said; the draft's form opens again, filled.

use actix_web::{web, HttpRequest};

use crate::db::Pool;
use crate::routes::attachments::store;
use crate::services::einvoices;
use crate::services::views::{InvoiceReadView, InvoiceRow};

use super::attachments::SignedParts;
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
    let mut parts = SignedParts::new(&user, &req, payload)?;
    let mut files = Vec::new();
    while let Some(file) = parts.next_file().await? {
        files.push(file);
    }
    let typed = parts.typed;
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
