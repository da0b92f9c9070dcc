use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/einvoice/",
            $name
        ))
        .as_slice()
    };
}

fn ours() -> CreditCode {
    CreditCode::parse("11130532MB0000001C").unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn worked_example_the_hotel_invoice_fills_a_stay() {
    let invoice = read(fixture!("hotel.xml")).unwrap();
    assert_eq!(invoice.number, "21132000000012345678");
    assert_eq!(invoice.issued_on, date(2021, 5, 12));
    assert_eq!(invoice.buyer_name, "平乡县信访局");
    assert_eq!(invoice.buyer_tax_id, "11130532MB0000001C");
    assert_eq!(invoice.seller_name, "石家庄示例宾馆有限公司");
    assert_eq!(invoice.total, Money::from_fen(68_000));
    assert_eq!(invoice.items, ["*住宿服务*住宿费"]);
    let filled = check(&invoice, Some(&ours())).unwrap();
    assert_eq!(filled.kind, Kind::Stay);
    assert_eq!(filled.amount.to_string(), "680.00");
}

#[test]
fn transport_invoices_fill_tickets() {
    for (file, total, item) in [
        (fixture!("bus.xml"), 6550, "*运输服务*客运服务费"),
        (fixture!("train.xml"), 6550, "*运输服务*铁路旅客运输服务"),
        (
            fixture!("air.xml"),
            60_000,
            "*运输服务*国内航空旅客运输服务",
        ),
    ] {
        let invoice = read(file).unwrap();
        let filled = check(&invoice, Some(&ours())).unwrap();
        assert_eq!(filled.kind, Kind::Ticket, "{item}");
        assert_eq!(filled.amount, Money::from_fen(total));
        assert_eq!(
            filled.description,
            format!("{} {item}", invoice.seller_name)
        );
    }
}

#[test]
fn the_rules_refuse_what_a_clerk_would() {
    let hotel = read(fixture!("hotel.xml")).unwrap();
    assert_eq!(check(&hotel, None), Err(Refusal::TaxIdMissing));
    let other = read(fixture!("wrong_buyer.xml")).unwrap();
    assert_eq!(
        check(&other, Some(&ours())),
        Err(Refusal::BuyerMismatch {
            buyer_name: "平乡县示例局".into(),
            buyer_tax_id: "12130532MB00000019".into(),
            organisation_tax_id: "11130532MB0000001C".into(),
        })
    );
    let credit = read(fixture!("credit_note.xml")).unwrap();
    assert_eq!(
        check(&credit, Some(&ours())),
        Err(Refusal::CreditNote {
            number: "21132000000062345675".into(),
            total: Money::ZERO.checked_sub(Money::from_fen(68_000)).unwrap(),
        })
    );
    let meal = read(fixture!("unsupported_item.xml")).unwrap();
    assert_eq!(
        check(&meal, Some(&ours())),
        Err(Refusal::KindUnsupported {
            items: vec!["*餐饮服务*餐费".into()]
        })
    );
}

#[test]
fn worked_example_a_row_claims_at_most_its_invoices_total() {
    let hotel = read(fixture!("hotel.xml")).unwrap();
    let number = hotel.number.as_str();
    let field = || "stays[0].lodging_amount".to_string();
    let refused = within_totals(
        [(field(), Money::from_fen(70_000), number)],
        std::slice::from_ref(&hotel),
    );
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].field, "stays[0].lodging_amount");
    for fen in [68_000, 34_000] {
        assert!(within_totals(
            [(field(), Money::from_fen(fen), number)],
            std::slice::from_ref(&hotel)
        )
        .is_empty());
    }
    // A row whose invoice file is not attached is R15's alone.
    assert!(within_totals(
        [(field(), Money::from_fen(70_000), "21132000000099999999")],
        &[hotel]
    )
    .is_empty());
}

#[test]
fn the_item_decides_the_row() {
    let kind =
        |items: &[&str]| Kind::of_items(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(kind(&["*住宿服务*住宿费"]), Some(Kind::Stay));
    assert_eq!(kind(&["*运输服务*客运服务费"]), Some(Kind::Ticket));
    assert_eq!(kind(&["*客运*长途"]), Some(Kind::Ticket));
    assert_eq!(kind(&["铁路客票"]), Some(Kind::Ticket));
    assert_eq!(kind(&["*航空*机票"]), Some(Kind::Ticket));
    assert_eq!(
        kind(&["*餐饮服务*餐费", "*住宿服务*住宿费"]),
        Some(Kind::Stay)
    );
    assert_eq!(kind(&["*餐饮服务*餐费"]), None);
    assert_eq!(kind(&[]), None);
}

/// Hostile files are refused before anything is expanded or opened, in well under a second.
#[test]
fn hostile_files_are_refused_quickly_and_harmlessly() {
    for (file, expected) in [
        (fixture!("billion_laughs.xml"), FileProblem::Dtd),
        (fixture!("external_entity.xml"), FileProblem::Dtd),
        (
            fixture!("deep_nesting.xml"),
            FileProblem::TooDeep { max: MAX_DEPTH },
        ),
        (
            fixture!("wrong_encoding.xml"),
            FileProblem::Encoding {
                declared: Some("GBK".into()),
            },
        ),
    ] {
        let started = Instant::now();
        assert_eq!(read(file), Err(expected));
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    assert_eq!(
        read(fixture!("malformed.xml")),
        Err(FileProblem::Malformed {
            line: 15,
            column: 5
        })
    );
}

fn hotel_with(from: &str, to: &str) -> Vec<u8> {
    let text = std::str::from_utf8(fixture!("hotel.xml")).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn each_bad_file_names_what_is_wrong() {
    let cases: Vec<(Vec<u8>, FileProblem)> = vec![
        (Vec::new(), FileProblem::Empty),
        (b"  \n".to_vec(), FileProblem::Empty),
        (
            vec![b' '; MAX_BYTES + 1],
            FileProblem::TooLarge {
                max_bytes: MAX_BYTES,
            },
        ),
        (
            b"\xFF\xFE<\x00".to_vec(),
            FileProblem::Encoding {
                declared: Some("UTF-16".into()),
            },
        ),
        (
            b"<EInvoice>\xB0\xA1</EInvoice>".to_vec(),
            FileProblem::Encoding { declared: None },
        ),
        (
            b"<!DOCTYPE EInvoice SYSTEM \"http://example.invalid/x.dtd\"><EInvoice/>".to_vec(),
            FileProblem::Dtd,
        ),
        (b"<EInvoice>&xxe;</EInvoice>".to_vec(), FileProblem::Entity),
        (
            b"<Invoice/>".to_vec(),
            FileProblem::NotAnInvoice {
                root: "Invoice".into(),
            },
        ),
        (
            hotel_with("<InvoiceNumber>21132000000012345678</InvoiceNumber>", ""),
            FileProblem::Missing {
                path: paths::NUMBER,
            },
        ),
        (
            hotel_with("21132000000012345678", "2113200000001234567"),
            FileProblem::Unreadable {
                path: paths::NUMBER,
                given: "2113200000001234567".into(),
            },
        ),
        (
            hotel_with(
                "<BuyerIdNum>11130532MB0000001C</BuyerIdNum>",
                "<BuyerIdNum> </BuyerIdNum>",
            ),
            FileProblem::Missing {
                path: paths::BUYER_ID,
            },
        ),
        (
            hotel_with(
                "<TotalTax-includedAmount>680.00",
                "<TotalTax-includedAmount>680.005",
            ),
            FileProblem::Unreadable {
                path: paths::TOTAL,
                given: "680.005".into(),
            },
        ),
        (
            hotel_with(
                "<TotalTax-includedAmount>680.00",
                "<TotalTax-includedAmount>6.8e2",
            ),
            FileProblem::Unreadable {
                path: paths::TOTAL,
                given: "6.8e2".into(),
            },
        ),
        (
            hotel_with("2021-05-12 10:31:05", "2021年5月12日"),
            FileProblem::Unreadable {
                path: paths::ISSUED,
                given: "2021年5月12日".into(),
            },
        ),
        (
            hotel_with("<ItemName>*住宿服务*住宿费</ItemName>", ""),
            FileProblem::Missing {
                path: paths::ITEM_NAME,
            },
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(read(&bytes), Err(expected.clone()), "{expected}");
    }
    // Too many nodes, each shallow.
    let many = format!("<EInvoice>{}</EInvoice>", "<a/>".repeat(30_000));
    assert_eq!(
        read(many.as_bytes()),
        Err(FileProblem::TooManyNodes { max: MAX_NODES })
    );
}

#[test]
fn what_a_file_may_carry_besides() {
    // A byte order mark, a date with a T, XML's own entities and CDATA in a name.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(hotel_with("2021-05-12 10:31:05", "2021-05-12T10:31:05"));
    assert_eq!(read(&bytes).unwrap().issued_on, date(2021, 5, 12));
    let named = hotel_with(
        "<SellerName>石家庄示例宾馆有限公司</SellerName>",
        "<SellerName>示例 &amp; <![CDATA[宾馆]]></SellerName>",
    );
    assert_eq!(read(&named).unwrap().seller_name, "示例 & 宾馆");
    // A declaration naming UTF-8 in any case is read.
    let declared = hotel_with("encoding=\"UTF-8\"", "encoding='utf-8'");
    assert!(read(&declared).is_ok());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read(&bytes);
    }

    #[test]
    fn arbitrary_edits_of_an_invoice_never_panic(at in 0usize..6000, insert in ".{0,12}") {
        let text = std::str::from_utf8(fixture!("hotel.xml")).unwrap();
        let mut cut = at.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let edited = format!("{}{insert}{}", &text[..cut], &text[cut..]);
        if let Ok(invoice) = read(edited.as_bytes()) {
            let _ = check(&invoice, Some(&ours()));
        }
    }
}
