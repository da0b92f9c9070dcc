//! R15 invoice numbers and duplicate claims through the API, on SQLite and PostgreSQL.

use serde_json::Value;

use crate::helpers::*;

const E_INVOICE: &str = "24112000000012345678";

/// The R8 claim with invoices on its stay and first ticket.
fn with_invoices(line: i64, stay: &str, ticket: &str) -> Value {
    let mut body = r8_claim(line);
    body["stays"][0]["invoice_no"] = json!(stay);
    body["tickets"][0]["invoice_no"] = json!(ticket);
    body["tickets"][0]["invoice_code"] = json!("1300204130");
    body
}

#[tokio::test]
async fn a_live_claims_invoice_cannot_be_claimed_again_until_it_is_rejected() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let other = app.user("李五", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let first = app
        .submit(&claimant, &with_invoices(line, E_INVOICE, "12345678"))
        .await;

    // The same e-invoice on another claimant's stay.
    let mut again = day_trip(line);
    again["tickets"] = json!([{"description": "车票", "amount": "10.00", "invoice_no": E_INVOICE}]);
    let r = app.post(&other, "/api/v1/travel-claims", &again).await;
    r.assert(409, "duplicate_invoice");
    assert_eq!(r.body["claim_id"], first);
    assert_eq!(r.fields(), ["tickets[0].invoice_no"]);
    // An old-style invoice is its code and number together.
    let mut old = day_trip(line);
    old["tickets"] = json!([{"description": "车票", "amount": "10.00",
                             "invoice_no": "12345678", "invoice_code": "1300204130"}]);
    app.post(&other, "/api/v1/travel-claims", &old)
        .await
        .assert(409, "duplicate_invoice");
    old["tickets"][0]["invoice_code"] = json!("1300204131");
    app.post(&other, "/api/v1/travel-claims", &old)
        .await
        .assert(201, "");
    // Approval keeps the invoice held; rejection frees it.
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{first}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    app.post(&other, "/api/v1/travel-claims", &again)
        .await
        .assert(409, "duplicate_invoice");
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{first}/reject"),
        &json!({"reason": "重复报销"}),
    )
    .await
    .assert(200, "");
    app.post(&other, "/api/v1/travel-claims", &again)
        .await
        .assert(201, "");
}

#[tokio::test]
async fn bad_and_repeated_invoices_in_one_claim_name_their_field() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mut twice = r8_claim(line);
    twice["tickets"][0]["invoice_no"] = json!(E_INVOICE);
    twice["tickets"][1]["invoice_no"] = json!(E_INVOICE);
    let r = app.post(&claimant, "/api/v1/travel-claims", &twice).await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["tickets[1].invoice_no"]);
    let mut stay_and_ticket = r8_claim(line);
    stay_and_ticket["stays"][0]["invoice_no"] = json!(E_INVOICE);
    stay_and_ticket["tickets"][1]["invoice_no"] = json!(E_INVOICE);
    let r = app
        .post(&claimant, "/api/v1/travel-claims", &stay_and_ticket)
        .await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["tickets[1].invoice_no"]);
    for (no, code, field) in [
        ("1234567", None, "stays[0].invoice_no"),
        ("123456789012345678901", None, "stays[0].invoice_no"),
        ("1234567X", None, "stays[0].invoice_no"),
        ("12345678", Some("123456789"), "stays[0].invoice_code"),
        ("12345678", Some("12345678901"), "stays[0].invoice_code"),
    ] {
        let mut body = r8_claim(line);
        body["stays"][0]["invoice_no"] = json!(no);
        if let Some(code) = code {
            body["stays"][0]["invoice_code"] = json!(code);
        }
        let r = app.post(&claimant, "/api/v1/travel-claims", &body).await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), [field], "{no} {code:?}");
    }
    // Nothing was stored by any of them.
    let list = app.get(&claimant, "/api/v1/travel-claims").await;
    assert_eq!(list.body, json!([]));
}

/// Issue 28 item 6: each way of naming a held invoice a second time is refused before it reaches
/// the database, so the key on (code, number) sees one spelling of each invoice.
#[tokio::test]
async fn r15_bypasses_of_a_held_invoice_are_refused() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let other = app.user("李五", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let ticket = |no: &str, code: Option<&str>| {
        let mut body = day_trip(line);
        body["tickets"] = json!([{"description": "车票", "amount": "10.00", "invoice_no": no}]);
        if let Some(code) = code {
            body["tickets"][0]["invoice_code"] = json!(code);
        }
        body
    };
    app.submit(&claimant, &ticket("12345678", Some("011002100111")))
        .await;
    app.submit(&claimant, &ticket(E_INVOICE, None)).await;

    for (no, code, field) in [
        // The older invoice's number without its code.
        ("12345678", None, "tickets[0].invoice_code"),
        // The same number zero-padded, with and without the code.
        ("012345678", Some("011002100111"), "tickets[0].invoice_no"),
        ("0012345678", None, "tickets[0].invoice_no"),
        // The e-invoice's number with any code.
        (E_INVOICE, Some("011002100111"), "tickets[0].invoice_code"),
        (E_INVOICE, Some("1100204130"), "tickets[0].invoice_code"),
        ("024112000000012345678", None, "tickets[0].invoice_no"),
    ] {
        let r = app
            .post(&other, "/api/v1/travel-claims", &ticket(no, code))
            .await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), [field], "{no} {code:?}");
    }
    // Written the one way, each is still the held invoice.
    app.post(
        &other,
        "/api/v1/travel-claims",
        &ticket("12345678", Some("011002100111")),
    )
    .await
    .assert(409, "duplicate_invoice");
    app.post(&other, "/api/v1/travel-claims", &ticket(E_INVOICE, None))
        .await
        .assert(409, "duplicate_invoice");
    let list = app.get(&other, "/api/v1/travel-claims").await;
    assert_eq!(list.body, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_four_concurrent_submissions_of_one_invoice_make_one_claim() {
    let app = spawn_app().await;
    let second = ServerProcess::start(&app).await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mut body = day_trip(line);
    body["tickets"] = json!([{"description": "车票", "amount": "10.00", "invoice_no": E_INVOICE}]);
    let servers = [app.address.clone(), second.address.clone()];
    let replies: Vec<(u16, Value)> = futures::future::join_all((0..24).map(|i| {
        let url = format!("{}/api/v1/travel-claims", servers[i % 2]);
        let (client, token, body) = (app.client.clone(), claimant.clone(), body.clone());
        async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json().await.unwrap_or_default())
        }
    }))
    .await;
    let created: Vec<_> = replies.iter().filter(|(s, _)| *s == 201).collect();
    assert_eq!(created.len(), 1, "{replies:?}");
    let winner = created[0].1["id"].as_i64().unwrap();
    for (status, body) in replies.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(
            (*status, body["code"].as_str(), body["claim_id"].as_i64()),
            (409, Some("duplicate_invoice"), Some(winner)),
            "{body}"
        );
    }
    let list = app.get(&claimant, "/api/v1/travel-claims").await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
}
