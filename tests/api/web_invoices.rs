//! R15 on the claim form (no browser): a duplicate invoice is refused beside the field that names
//! it, linking to the holding claim only for someone who may open it, and the same invoice twice
//! in one form is refused beside the second field; the form comes back as typed.

use crate::helpers::{spawn_app, R};
use crate::web::{r8_form, signed_in, Page, Visitor};

const E_INVOICE: &str = "24112000000012345678";
const OPERATIONS: &str = "dept.project.petition-work.operations";

/// The R8 form with these fields set (added, or replacing the form's own).
fn form_with(line: i64, csrf: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form = r8_form(line, csrf, "submit");
    for (key, value) in changes {
        match form.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value.to_string(),
            None => form.push((key.to_string(), value.to_string())),
        }
    }
    form
}

async fn post_form(v: &mut Visitor, form: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    v.post("/claims/new", &pairs).await
}

/// The note shown beside the input with this id, as HTML.
fn note(page: &Page, input: &str) -> String {
    let start = format!("<p class=\"field-error\" id=\"{input}-error\">");
    let at = page
        .body
        .find(&start)
        .unwrap_or_else(|| panic!("no note beside {input}: {}", page.body));
    let rest = &page.body[at + start.len()..];
    rest[..rest.find("</p>").unwrap()].to_string()
}

async fn claims_count(app: &crate::helpers::TestApp) -> usize {
    let list = app.get(&app.admin, "/api/v1/travel-claims").await;
    list.body.as_array().unwrap().len()
}

#[tokio::test]
async fn a_duplicate_invoice_is_shown_beside_its_field_with_a_link_only_for_those_who_may_see() {
    let app = spawn_app().await;
    let line = app.line_id(OPERATIONS).await;
    let mut zhang = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let mut li = signed_in(&app, "李五", &[R::Claimant], "liwu").await;
    let mut both = signed_in(&app, "王会计", &[R::Claimant, R::Finance], "wangkj").await;

    // The first claim holds the e-invoice on its stay.
    let csrf = zhang.csrf("/claims/new").await;
    let first = post_form(
        &mut zhang,
        &form_with(line, &csrf, &[("stays-0-invoice_no", E_INVOICE)]),
    )
    .await;
    assert_eq!(first.status, 303, "{}", first.body);
    let holder: i64 = first
        .location
        .trim_start_matches("/claims/")
        .parse()
        .unwrap();
    let claim = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{holder}"))
        .await;
    assert_eq!(claim.body["status"], "submitted");

    // Its owner tries it again: refused beside the stay's invoice number, with the link.
    let again = post_form(
        &mut zhang,
        &form_with(
            line,
            &csrf,
            &[("purpose", "再次报销"), ("stays-0-invoice_no", E_INVOICE)],
        ),
    )
    .await;
    assert_eq!(again.status, 422);
    let shown = note(&again, "stays-0-invoice_no");
    assert!(
        shown.contains(&format!("该发票已在报销单 #{holder} 中报销"))
            && shown.contains(&format!("<a href=\"/claims/{holder}\">")),
        "{shown}"
    );
    assert!(again
        .body
        .contains("aria-invalid=\"true\" aria-describedby=\"stays-0-invoice_no-error\""));
    // The form as typed.
    assert!(again.body.contains(&format!("value=\"{E_INVOICE}\"")));
    assert!(again.body.contains("value=\"再次报销\""));
    assert!(again.body.contains("未能提交：住宿第1行「发票号码」"));

    // Another claimant, the invoice on the second ticket row after a blank first one: the note
    // sits beside that row, names the holding claim's number, and links nowhere nor says more.
    let csrf = li.csrf("/claims/new").await;
    let form = form_with(
        line,
        &csrf,
        &[
            ("purpose", "李五的差旅"),
            ("tickets-rows", "3"),
            ("tickets-0-description", ""),
            ("tickets-0-amount", ""),
            ("tickets-2-description", "石家庄—平乡 汽车"),
            ("tickets-2-amount", "65.50"),
            ("tickets-2-invoice_no", E_INVOICE),
        ],
    );
    let other = post_form(&mut li, &form).await;
    assert_eq!(other.status, 422);
    assert_eq!(
        note(&other, "tickets-2-invoice_no"),
        format!("该发票已在报销单 #{holder} 中报销")
    );
    assert!(!other.body.contains(&format!("/claims/{holder}")));
    assert!(
        !other.body.contains("张三"),
        "nothing of the holder's claim"
    );
    assert!(other.body.contains("未能提交：城市间交通第3行「发票号码」"));

    // Finance may open any claim: the link is there for a claimant who is also finance.
    let csrf = both.csrf("/claims/new").await;
    let seen = post_form(
        &mut both,
        &form_with(line, &csrf, &[("tickets-0-invoice_no", E_INVOICE)]),
    )
    .await;
    assert_eq!(seen.status, 422);
    assert!(note(&seen, "tickets-0-invoice_no").contains(&format!("href=\"/claims/{holder}\"")));
    assert_eq!(
        claims_count(&app).await,
        1,
        "nothing stored by the refused forms"
    );
}

#[tokio::test]
async fn the_same_invoice_twice_in_one_form_is_refused_beside_the_second_field() {
    let app = spawn_app().await;
    let line = app.line_id(OPERATIONS).await;
    let mut zhang = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let csrf = zhang.csrf("/claims/new").await;

    let twice = post_form(
        &mut zhang,
        &form_with(
            line,
            &csrf,
            &[
                ("stays-0-invoice_no", E_INVOICE),
                ("tickets-1-invoice_no", E_INVOICE),
            ],
        ),
    )
    .await;
    assert_eq!(twice.status, 422);
    assert_eq!(
        note(&twice, "tickets-1-invoice_no"),
        "与住宿第1行「发票号码」是同一张发票"
    );
    assert!(!twice.body.contains("id=\"stays-0-invoice_no-error\""));
    assert_eq!(
        twice
            .body
            .matches(&format!("value=\"{E_INVOICE}\""))
            .count(),
        2
    );

    // An old-style invoice is its code and number: the same number under another code is fine,
    // a malformed number or code is named beside its own input.
    let bad = post_form(
        &mut zhang,
        &form_with(
            line,
            &csrf,
            &[
                ("stays-0-invoice_no", "1234567"),
                ("tickets-0-invoice_no", "12345678"),
                ("tickets-0-invoice_code", "12345678901"),
            ],
        ),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        note(&bad, "stays-0-invoice_no"),
        "发票号码应为 8 位或 20 位数字"
    );
    assert_eq!(
        note(&bad, "tickets-0-invoice_code"),
        "发票代码应为 10 位或 12 位数字"
    );
    assert!(bad.body.contains("value=\"12345678901\""));
    assert_eq!(claims_count(&app).await, 0);

    let fine = post_form(
        &mut zhang,
        &form_with(
            line,
            &csrf,
            &[
                ("tickets-0-invoice_no", "12345678"),
                ("tickets-0-invoice_code", "1300204130"),
                ("tickets-1-invoice_no", "12345678"),
                ("tickets-1-invoice_code", "1300204131"),
            ],
        ),
    )
    .await;
    assert_eq!(fine.status, 303, "{}", fine.body);
    // The API holds what the form sent, exactly.
    let again = app
        .post(
            &app.user("李五", &[R::Claimant]),
            "/api/v1/travel-claims",
            &{
                let mut body = crate::helpers::day_trip(line);
                body["tickets"] = serde_json::json!([{"description": "车票", "amount": "10.00",
                    "invoice_no": "12345678", "invoice_code": "1300204131"}]);
                body
            },
        )
        .await;
    again.assert(409, "duplicate_invoice");
    assert_eq!(again.fields(), ["tickets[0].invoice_no"]);
}
