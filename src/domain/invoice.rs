//! R15 Invoice numbers (发票号码) and duplicate claims (发票查重).
//!
//! A stay or ticket may carry `invoice_no`: the 20-digit number of an all-electronic invoice
//! (全电发票), unique by itself and so never with a code, or the 8-digit number of an older one,
//! always with its `invoice_code` (10 or 12 digits). Digits only, compared as written: a number of
//! any other length (a zero-padded one included) is refused, so one invoice has exactly one
//! spelling. An invoice is the pair (code, number), the code empty for an all-electronic one;
//! within an organisation it belongs to at most one live claim, which the database enforces.

use super::{FieldError, FieldProblem};

/// One invoice named on a claim: `code` is empty for an all-electronic invoice.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Invoice {
    pub code: String,
    pub number: String,
    /// Where the claim names it, e.g. `stays[0].invoice_no`.
    pub field: String,
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// R15: the invoices named by a claim's items, given as (path, number, code) — `stays[0]`,
/// `tickets[1]` — with every bad number or code named by its field, and an invoice named twice
/// refused at its second field.
///
/// Worked example: `tickets[0]` and `tickets[1]` both naming 24112000000012345678 → 422 naming
/// `tickets[1].invoice_no`.
pub fn collect<'a>(
    items: impl IntoIterator<Item = (String, Option<&'a str>, Option<&'a str>)>,
) -> Result<Vec<Invoice>, Vec<FieldError>> {
    let mut found: Vec<Invoice> = Vec::new();
    let mut errors = Vec::new();
    for (path, number, code) in items {
        let number = number.map(str::trim).filter(|n| !n.is_empty());
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let Some(number) = number else {
            if code.is_some() {
                errors.push(FieldError::new(
                    format!("{path}.invoice_no"),
                    FieldProblem::CodeWithoutNumber,
                ));
            }
            continue;
        };
        let field = format!("{path}.invoice_no");
        let code_field = format!("{path}.invoice_code");
        if !(digits(number) && (number.len() == 8 || number.len() == 20)) {
            errors.push(FieldError::new(&field, FieldProblem::InvoiceNumber));
            continue;
        }
        match code {
            Some(_) if number.len() == 20 => {
                errors.push(FieldError::new(
                    code_field,
                    FieldProblem::ElectronicInvoiceHasNoCode,
                ));
                continue;
            }
            None if number.len() == 8 => {
                errors.push(FieldError::new(
                    code_field,
                    FieldProblem::InvoiceCodeRequired,
                ));
                continue;
            }
            Some(code) if !(digits(code) && (code.len() == 10 || code.len() == 12)) => {
                errors.push(FieldError::new(code_field, FieldProblem::InvoiceCode));
                continue;
            }
            _ => {}
        }
        let invoice = Invoice {
            code: code.unwrap_or_default().to_string(),
            number: number.to_string(),
            field,
        };
        if let Some(first) = found
            .iter()
            .find(|i| i.code == invoice.code && i.number == invoice.number)
        {
            errors.push(FieldError::new(
                &invoice.field,
                FieldProblem::SameInvoiceAs {
                    field: first.field.clone(),
                },
            ));
            continue;
        }
        found.push(invoice);
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(number: &str, code: Option<&str>) -> Result<Vec<Invoice>, Vec<FieldError>> {
        collect([("stays[0]".to_string(), Some(number), code)])
    }

    #[test]
    fn numbers_and_codes() {
        assert!(one("24112000000012345678", None).is_ok());
        assert!(one("12345678", Some("1100204130")).is_ok());
        assert!(one("12345678", Some("011002100111")).is_ok());
        for bad in [
            "1234567",
            "123456789",
            "012345678",
            "0024112000000012345678",
            "123456789012345678901",
            "1234567a",
            "１２３４５６７８",
        ] {
            assert_eq!(
                one(bad, None).unwrap_err()[0].field,
                "stays[0].invoice_no",
                "{bad}"
            );
        }
        for (number, code) in [
            ("12345678", Some("12345678901")),
            // An older invoice needs its code; an all-electronic one has none.
            ("12345678", None),
            ("24112000000012345678", Some("1100204130")),
            ("24112000000012345678", Some("011002100111")),
        ] {
            assert_eq!(
                one(number, code).unwrap_err()[0].field,
                "stays[0].invoice_code",
                "{number} {code:?}"
            );
        }
    }

    #[test]
    fn worked_example_the_second_field_is_named() {
        let n = Some("24112000000012345678");
        let err = collect([
            ("tickets[0]".to_string(), n, None),
            ("tickets[1]".to_string(), n, None),
        ])
        .unwrap_err();
        assert_eq!(err[0].field, "tickets[1].invoice_no");
        // The same number under another code is another invoice.
        assert!(collect([
            (
                "tickets[0]".to_string(),
                Some("12345678"),
                Some("1100204130")
            ),
            (
                "tickets[1]".to_string(),
                Some("12345678"),
                Some("1100204131")
            ),
        ])
        .is_ok());
    }

    proptest! {
        #[test]
        fn only_8_or_20_digits_make_a_number(n in "[0-9]{1,30}", code in "[0-9]{10}") {
            let with_code = one(&n, Some(&code));
            let without = one(&n, None);
            prop_assert_eq!(with_code.is_ok(), n.len() == 8);
            prop_assert_eq!(without.is_ok(), n.len() == 20);
        }

        #[test]
        fn a_repeated_invoice_is_always_refused(n in "[0-9]{20}", k in 2usize..6) {
            let items: Vec<_> = (0..k).map(|i| (format!("stays[{i}]"), Some(n.as_str()), None)).collect();
            let err = collect(items).unwrap_err();
            prop_assert_eq!(err.len(), k - 1);
            prop_assert_eq!(&err[0].field, "stays[1].invoice_no");
        }
    }
}
