//! R19 E-invoices (数电发票): the XML file of an all-electronic invoice, read into a claim's row.
//!
//! [`read`] takes the file's bytes and gives the fields R19 names, by their paths under the root
//! `EInvoice`, or the one thing that is wrong with the file ([`FileProblem`]). The file is
//! untrusted: at most [`MAX_BYTES`], UTF-8 only, no DTD (so no entity is ever declared, expanded
//! or fetched: a billion-laughs or an external-entity file is refused before anything is
//! expanded), at most [`MAX_DEPTH`] levels and [`MAX_NODES`] nodes. Amounts go through R1
//! ([`Money::parse_input`], never a float); the number must be R15's 20 digits.
//!
//! [`check`] then applies R19's rules against the organisation's 统一社会信用代码: the buyer must
//! be the organisation, a credit note (红字发票) is refused, and the item decides the row
//! ([`Kind`]): 住宿 a stay, 运输服务 / 客运 / 铁路 / 航空 a ticket.
//!
//! Worked example: a hotel invoice numbered 21132000000012345678, buyer 平乡县信访局 with the
//! organisation's code, item `*住宿服务*住宿费`, total 680.00 gives a stay of 680.00 with that
//! invoice number.

use std::fmt;

use chrono::NaiveDate;

use super::credit_code::CreditCode;
use super::money::{Money, MoneyError};
use super::{FieldError, FieldProblem};

/// The largest file read: 1 MiB.
pub const MAX_BYTES: usize = 1024 * 1024;
/// The deepest nesting of elements read; an invoice has six levels.
pub const MAX_DEPTH: usize = 32;
/// The most nodes (elements, texts, comments) a file may have; an invoice has a few hundred.
pub const MAX_NODES: u32 = 20_000;

/// The paths R19 reads, under the root `EInvoice`.
pub mod paths {
    pub const ROOT: &str = "EInvoice";
    pub const NUMBER: &str = "TaxSupervisionInfo/InvoiceNumber";
    pub const ISSUED: &str = "TaxSupervisionInfo/IssueTime";
    pub const BUYER_ID: &str = "EInvoiceData/BuyerInformation/BuyerIdNum";
    pub const BUYER_NAME: &str = "EInvoiceData/BuyerInformation/BuyerName";
    pub const SELLER_ID: &str = "EInvoiceData/SellerInformation/SellerIdNum";
    pub const SELLER_NAME: &str = "EInvoiceData/SellerInformation/SellerName";
    pub const TOTAL: &str = "EInvoiceData/BasicInformation/TotalTax-includedAmount";
    pub const ITEMS: &str = "EInvoiceData/IssuItemInformation";
    pub const ITEM_NAME: &str = "EInvoiceData/IssuItemInformation/ItemName";
}

/// What is wrong with a file that is not a readable 数电发票 (422 `invalid_invoice_file`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileProblem {
    /// Larger than [`MAX_BYTES`].
    TooLarge { max_bytes: usize },
    /// Empty.
    Empty,
    /// Not UTF-8: `declared` is the encoding the file names (`GBK`, `UTF-16`), if it names one.
    Encoding { declared: Option<String> },
    /// A document type declaration (DTD), which could declare entities or fetch a file.
    Dtd,
    /// A reference to an entity other than XML's own five (`&amp;` …), which nothing declares.
    Entity,
    /// Not well-formed XML, at this line and column.
    Malformed { line: u32, column: u32 },
    /// Elements nested deeper than `max`.
    TooDeep { max: usize },
    /// More than `max` nodes.
    TooManyNodes { max: u32 },
    /// Well-formed XML whose root is not `EInvoice`.
    NotAnInvoice { root: String },
    /// A field R19 reads is absent or empty (`path` under `EInvoice`).
    Missing { path: &'static str },
    /// A field that is there but cannot be read as what it is (`given` as written, shortened).
    Unreadable { path: &'static str, given: String },
}

impl fmt::Display for FileProblem {
    /// The API's English.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblem::TooLarge { max_bytes } => {
                write!(f, "an invoice file is at most {max_bytes} bytes")
            }
            FileProblem::Empty => f.write_str("the invoice file is empty"),
            FileProblem::Encoding {
                declared: Some(name),
            } => write!(f, "the file is encoded as {name}; only UTF-8 is read"),
            FileProblem::Encoding { declared: None } => {
                f.write_str("the file is not UTF-8 text; only UTF-8 is read")
            }
            FileProblem::Dtd => {
                f.write_str("the file has a document type declaration (DTD), which is never read")
            }
            FileProblem::Entity => f.write_str(
                "the file refers to an entity that is not one of XML's own; entities are never read",
            ),
            FileProblem::Malformed { line, column } => {
                write!(f, "the file is not well-formed XML (line {line}, column {column})")
            }
            FileProblem::TooDeep { max } => {
                write!(f, "the file nests elements more than {max} levels deep")
            }
            FileProblem::TooManyNodes { max } => write!(f, "the file has more than {max} nodes"),
            FileProblem::NotAnInvoice { root } => {
                write!(f, "the file's root element is {root}, not EInvoice")
            }
            FileProblem::Missing { path } => write!(f, "the file has no {path}"),
            FileProblem::Unreadable { path, given } => {
                write!(f, "the file's {path} cannot be read: {given:?}")
            }
        }
    }
}

/// The fields of a 数电发票 that R19 reads. `total` is the 价税合计 as written: negative on a
/// credit note (红字发票).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EInvoice {
    pub number: String,
    pub issued_on: NaiveDate,
    pub buyer_name: String,
    pub buyer_tax_id: String,
    pub seller_name: String,
    pub seller_tax_id: String,
    pub total: Money,
    pub items: Vec<String>,
}

/// Which row of a claim an invoice fills (R19).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Stay,
    Ticket,
}

impl Kind {
    /// The API's name: `stay` or `ticket`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Stay => "stay",
            Kind::Ticket => "ticket",
        }
    }

    /// The item decides: one containing 住宿 is a stay; 运输服务, 客运, 铁路 or 航空 a ticket.
    /// The first item that names either decides.
    pub fn of_items(items: &[String]) -> Option<Kind> {
        items.iter().find_map(|item| {
            if item.contains("住宿") {
                Some(Kind::Stay)
            } else if ["运输服务", "客运", "铁路", "航空"]
                .iter()
                .any(|word| item.contains(word))
            {
                Some(Kind::Ticket)
            } else {
                None
            }
        })
    }
}

/// Why an invoice that was read cannot fill a row of this organisation's claim (R19).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The organisation has no 统一社会信用代码 to check the buyer against.
    TaxIdMissing,
    /// The buyer (发票抬头) is not the organisation.
    BuyerMismatch {
        buyer_name: String,
        buyer_tax_id: String,
        organisation_tax_id: String,
    },
    /// A negative total: a credit note.
    CreditNote { number: String, total: Money },
    /// No item is lodging or transport; `items` as the file names them.
    KindUnsupported { items: Vec<String> },
}

impl fmt::Display for Refusal {
    /// The API's English.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::TaxIdMissing => f.write_str(
                "the organisation's tax_id (统一社会信用代码) is not set; an admin sets it first",
            ),
            Refusal::BuyerMismatch {
                buyer_name,
                buyer_tax_id,
                organisation_tax_id,
            } => write!(
                f,
                "the invoice's buyer is {buyer_name} ({buyer_tax_id}), not this organisation ({organisation_tax_id})"
            ),
            Refusal::CreditNote { number, total } => write!(
                f,
                "invoice {number} is a credit note (total {total}); it fills no row"
            ),
            Refusal::KindUnsupported { items } => write!(
                f,
                "the invoice's items ({}) are neither lodging nor transport",
                items.join(", ")
            ),
        }
    }
}

/// An invoice that may fill a row: its kind, and the positive amount the row claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filled {
    pub kind: Kind,
    pub amount: Money,
    /// A ticket's description: the seller and the item (`示例铁路客运有限公司 *运输服务*客运服务费`).
    pub description: String,
}

/// Reads a 数电发票's XML file: the fields of R19, or what is wrong with the file.
pub fn read(bytes: &[u8]) -> Result<EInvoice, FileProblem> {
    let text = text_of(bytes)?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    let document = roxmltree::Document::parse_with_options(text, options).map_err(problem_of)?;
    let root = document.root_element();
    // An empty DTD (`<!DOCTYPE EInvoice>`, or one naming an outside file) parses: refused too.
    let prolog = text.get(..root.range().start).unwrap_or_default();
    if prolog.contains("<!DOCTYPE") {
        return Err(FileProblem::Dtd);
    }
    check_depth(&document)?;
    if root.tag_name().name() != paths::ROOT {
        return Err(FileProblem::NotAnInvoice {
            root: shortened(root.tag_name().name()),
        });
    }
    let number = field(root, paths::NUMBER)?;
    let numbered = super::invoice::collect([(String::new(), Some(number), None)]);
    if numbered.is_err() || number.len() != 20 {
        return Err(unreadable(paths::NUMBER, number));
    }
    let issued = field(root, paths::ISSUED)?;
    let issued_on = date_of(issued).ok_or_else(|| unreadable(paths::ISSUED, issued))?;
    let total_text = field(root, paths::TOTAL)?;
    let total = amount_of(total_text).map_err(|_| unreadable(paths::TOTAL, total_text))?;
    let items = items_of(root)?;
    Ok(EInvoice {
        number: number.to_string(),
        issued_on,
        buyer_name: field(root, paths::BUYER_NAME)?.to_string(),
        buyer_tax_id: field(root, paths::BUYER_ID)?.to_ascii_uppercase(),
        seller_name: field(root, paths::SELLER_NAME)?.to_string(),
        seller_tax_id: field(root, paths::SELLER_ID)?.to_ascii_uppercase(),
        total,
        items,
    })
}

/// R19's checks of an invoice read for `organisation` (its 统一社会信用代码, if set): the buyer,
/// the sign of the total, and the row its item gives.
pub fn check(invoice: &EInvoice, organisation: Option<&CreditCode>) -> Result<Filled, Refusal> {
    let ours = organisation.ok_or(Refusal::TaxIdMissing)?;
    if invoice.buyer_tax_id != ours.as_str() {
        return Err(Refusal::BuyerMismatch {
            buyer_name: invoice.buyer_name.clone(),
            buyer_tax_id: invoice.buyer_tax_id.clone(),
            organisation_tax_id: ours.to_string(),
        });
    }
    if invoice.total.is_negative() {
        return Err(Refusal::CreditNote {
            number: invoice.number.clone(),
            total: invoice.total,
        });
    }
    let kind = Kind::of_items(&invoice.items).ok_or_else(|| Refusal::KindUnsupported {
        items: invoice.items.clone(),
    })?;
    let item = invoice
        .items
        .iter()
        .find(|item| Kind::of_items(std::slice::from_ref(item)) == Some(kind))
        .map_or("", String::as_str);
    Ok(Filled {
        kind,
        amount: invoice.total,
        description: format!("{} {item}", invoice.seller_name),
    })
}

/// R19 at submission: a row carrying the number of an invoice read from the claim's attached
/// files may claim less than its total (a shared room) but never more. `rows` are each row's
/// amount field (`stays[0].lodging_amount`), amount and invoice number; each row above its
/// invoice's total is named.
///
/// Worked example: the 680.00 hotel invoice attached, `stays[0]` claiming 700.00 under its number
/// → `stays[0].lodging_amount` refused; claiming 340.00 is accepted.
pub fn within_totals<'a>(
    rows: impl IntoIterator<Item = (String, Money, &'a str)>,
    attached: &[EInvoice],
) -> Vec<FieldError> {
    rows.into_iter()
        .filter_map(|(field, amount, number)| {
            let invoice = attached.iter().find(|i| i.number == number)?;
            (amount > invoice.total).then(|| {
                FieldError::new(
                    field,
                    FieldProblem::AboveInvoiceTotal {
                        number: invoice.number.clone(),
                        total: invoice.total,
                    },
                )
            })
        })
        .collect()
}

/// The file as UTF-8 text: a UTF-8 byte order mark is dropped; UTF-16, or an XML declaration
/// naming another encoding, or bytes that are not UTF-8, are refused naming the encoding.
fn text_of(bytes: &[u8]) -> Result<&str, FileProblem> {
    if bytes.len() > MAX_BYTES {
        return Err(FileProblem::TooLarge {
            max_bytes: MAX_BYTES,
        });
    }
    if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE]) {
        return Err(FileProblem::Encoding {
            declared: Some("UTF-16".into()),
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let declared = declared_encoding(bytes);
    if let Some(name) = declared.filter(|n| !n.eq_ignore_ascii_case("utf-8")) {
        return Err(FileProblem::Encoding {
            declared: Some(shortened(name)),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| FileProblem::Encoding {
        declared: declared.map(shortened),
    })?;
    if text.trim().is_empty() {
        return Err(FileProblem::Empty);
    }
    Ok(text)
}

/// The `encoding` the XML declaration names, read from its bytes (before any decoding).
fn declared_encoding(bytes: &[u8]) -> Option<&str> {
    let rest = bytes.strip_prefix(b"<?xml")?;
    let end = rest.windows(2).take(200).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(rest.get(..end)?).ok()?;
    let after = declaration.split_once("encoding")?.1.trim_start();
    let after = after.strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    after.get(1..)?.split(quote).next()
}

fn problem_of(error: roxmltree::Error) -> FileProblem {
    use roxmltree::Error as E;
    match error {
        E::DtdDetected => FileProblem::Dtd,
        E::EntityReferenceLoop(_) | E::UnknownEntityReference(..) => FileProblem::Entity,
        E::NodesLimitReached => FileProblem::TooManyNodes { max: MAX_NODES },
        E::NoRootNode => FileProblem::Empty,
        other => {
            let at = other.pos();
            FileProblem::Malformed {
                line: at.row,
                column: at.col,
            }
        }
    }
}

fn check_depth(document: &roxmltree::Document<'_>) -> Result<(), FileProblem> {
    // Nodes come in document order, each after its parent: one pass, each node's depth kept by
    // its id.
    let mut depths: Vec<usize> = Vec::new();
    for node in document.descendants() {
        let above = node
            .parent()
            .and_then(|p| depths.get(p.id().get_usize()).copied())
            .unwrap_or(0);
        let depth = above + usize::from(node.is_element());
        if depth > MAX_DEPTH {
            return Err(FileProblem::TooDeep { max: MAX_DEPTH });
        }
        let id = node.id().get_usize();
        if depths.len() <= id {
            depths.resize(id + 1, 0);
        }
        if let Some(slot) = depths.get_mut(id) {
            *slot = depth;
        }
    }
    Ok(())
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The trimmed text at `path` under the root; absent or empty is [`FileProblem::Missing`].
fn field<'a>(root: roxmltree::Node<'a, '_>, path: &'static str) -> Result<&'a str, FileProblem> {
    let mut node = Some(root);
    for step in path.split('/') {
        node = node.and_then(|n| child(n, step));
    }
    node.and_then(|n| n.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(FileProblem::Missing { path })
}

/// Each item's name, in the file's order; at least one.
fn items_of(root: roxmltree::Node<'_, '_>) -> Result<Vec<String>, FileProblem> {
    let missing = FileProblem::Missing {
        path: paths::ITEM_NAME,
    };
    let data = child(root, "EInvoiceData").ok_or(missing.clone())?;
    let items: Vec<String> = data
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "IssuItemInformation")
        .filter_map(|item| child(item, "ItemName").and_then(|n| n.text()))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();
    if items.is_empty() {
        return Err(missing);
    }
    Ok(items)
}

/// `2021-05-12`, or the same followed by a time (`2021-05-12 14:20:33`, `2021-05-12T14:20:33`).
fn date_of(text: &str) -> Option<NaiveDate> {
    let day = text.get(..10)?;
    let rest = text.get(10..)?;
    if !(rest.is_empty() || rest.starts_with([' ', 'T'])) {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// A total through R1, a leading minus sign kept (a credit note).
fn amount_of(text: &str) -> Result<Money, MoneyError> {
    match text.strip_prefix('-') {
        Some(magnitude) => {
            let magnitude = Money::parse_input(magnitude)?;
            Money::ZERO
                .checked_sub(magnitude)
                .ok_or(MoneyError::Overflow)
        }
        None => Money::parse_input(text),
    }
}

fn unreadable(path: &'static str, given: &str) -> FileProblem {
    FileProblem::Unreadable {
        path,
        given: shortened(given),
    }
}

/// At most 40 characters of a text from the file, for a message.
fn shortened(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
