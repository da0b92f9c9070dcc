//! E-invoices (R19): what reading a 数电发票 file gives, the row it fills, and the organisation
//! whose 统一社会信用代码 the buyer must be.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::einvoice::{EInvoice, Filled, Kind};
use crate::domain::Money;

/// `POST /api/v1/invoices/read`: the fields read, and the claim row they fill.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InvoiceReadView {
    pub invoice_no: String,
    #[schema(value_type = String, example = "2021-05-12")]
    pub issued_on: NaiveDate,
    pub seller_name: String,
    pub seller_tax_id: String,
    pub buyer_name: String,
    pub buyer_tax_id: String,
    /// 价税合计.
    #[schema(value_type = String, example = "680.00")]
    pub total: Money,
    pub items: Vec<String>,
    /// `stay` or `ticket`.
    pub kind: &'static str,
    pub row: InvoiceRow,
}

/// A stay (`lodging_amount`, `invoice`, `invoice_no`; its city and dates are the claimant's to
/// fill) or a ticket (`description`, `amount`, `invoice_no`), as the claim body takes them.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum InvoiceRow {
    Stay {
        #[schema(value_type = String, example = "680.00")]
        lodging_amount: Money,
        invoice: bool,
        invoice_no: String,
    },
    Ticket {
        description: String,
        #[schema(value_type = String, example = "65.50")]
        amount: Money,
        invoice_no: String,
    },
}

impl InvoiceReadView {
    pub fn new(invoice: EInvoice, filled: Filled) -> InvoiceReadView {
        let invoice_no = invoice.number.clone();
        let row = match filled.kind {
            Kind::Stay => InvoiceRow::Stay {
                lodging_amount: filled.amount,
                invoice: true,
                invoice_no: invoice_no.clone(),
            },
            Kind::Ticket => InvoiceRow::Ticket {
                description: filled.description,
                amount: filled.amount,
                invoice_no: invoice_no.clone(),
            },
        };
        InvoiceReadView {
            invoice_no,
            issued_on: invoice.issued_on,
            seller_name: invoice.seller_name,
            seller_tax_id: invoice.seller_tax_id,
            buyer_name: invoice.buyer_name,
            buyer_tax_id: invoice.buyer_tax_id,
            total: invoice.total,
            items: invoice.items,
            kind: filled.kind.as_str(),
            row,
        }
    }
}

/// The organisation as its admin sees and sets it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub code: String,
    pub name: String,
    /// The 统一社会信用代码, null until set.
    pub tax_id: Option<String>,
}
