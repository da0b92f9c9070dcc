//! R19 e-invoices through the API, on SQLite and PostgreSQL: the organisation's 统一社会信用代码,
//! reading a 数电发票 file into a claim row, every refusal, and the hostile files.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::*;

const OURS: &str = "11130532MB0000001C";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/einvoice/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

impl TestApp {
    async fn read_invoice(&self, token: &str, bytes: Vec<u8>) -> Reply {
        self.send(
            self.client
                .post(self.url("/api/v1/invoices/read"))
                .bearer_auth(token)
                .header("content-type", "application/xml")
                .body(bytes),
        )
        .await
    }

    async fn put_organisation(&self, token: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .put(self.url("/api/v1/organisation"))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// The organisation with its 统一社会信用代码 set.
    async fn with_tax_id(&self) {
        self.put_organisation(&self.admin, &json!({"tax_id": OURS}))
            .await
            .assert(200, "");
    }
}

#[tokio::test]
async fn the_admin_sets_the_tax_id_checked_by_its_check_character() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    app.put_organisation(&claimant, &json!({"tax_id": OURS}))
        .await
        .assert(403, "forbidden");
    for wrong in [
        "11130532MB0000001D",
        "911100001000000000",
        "91130500MA000000IN",
    ] {
        let r = app
            .put_organisation(&app.admin, &json!({"tax_id": wrong}))
            .await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), ["tax_id"], "{wrong}");
    }
    let r = app
        .put_organisation(&app.admin, &json!({"tax_id": " 11130532mb0000001c "}))
        .await;
    r.assert(200, "");
    assert_eq!(r.body["tax_id"], OURS);
    let r = app
        .put_organisation(&app.admin, &json!({"name": "平乡县信访局"}))
        .await;
    r.assert(200, "");
    assert_eq!(r.body["tax_id"], OURS, "a name alone leaves the code");
    app.put_organisation(&app.admin, &json!({"name": ""}))
        .await
        .assert(422, "invalid_request");
}

#[tokio::test]
async fn worked_example_the_hotel_invoice_fills_the_r8_stay() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    app.read_invoice(&claimant, fixture("hotel.xml"))
        .await
        .assert(422, "organisation_tax_id_missing");
    app.with_tax_id().await;

    let r = app.read_invoice(&claimant, fixture("hotel.xml")).await;
    r.assert(200, "");
    assert_eq!(
        r.body,
        json!({
            "invoice_no": "21132000000012345678",
            "issued_on": "2021-05-12",
            "seller_name": "石家庄示例宾馆有限公司",
            "seller_tax_id": "91130100MA0000004B",
            "buyer_name": "平乡县信访局",
            "buyer_tax_id": OURS,
            "total": "680.00",
            "items": ["*住宿服务*住宿费"],
            "kind": "stay",
            "row": {"lodging_amount": "680.00", "invoice": true,
                    "invoice_no": "21132000000012345678"}
        })
    );
    // The claimant adds the city and dates the file does not carry: the R8 stay.
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mut claim = r8_claim(line);
    let mut stay = r.body["row"].clone();
    stay["city"] = json!("石家庄");
    stay["check_in"] = json!("2021-05-10");
    stay["check_out"] = json!("2021-05-12");
    claim["stays"] = json!([stay]);
    let quote = app
        .post(&claimant, "/api/v1/travel-claims/quote", &claim)
        .await;
    quote.assert(200, "");
    assert_eq!(quote.body["reimbursable"], "1231.00");
    let id = app.submit(&claimant, &claim).await;

    // Read again, it is on a live claim.
    let r = app.read_invoice(&claimant, fixture("hotel.xml")).await;
    r.assert(409, "duplicate_invoice");
    assert_eq!(r.body["claim_id"], id);
}

#[tokio::test]
async fn transport_invoices_fill_tickets_and_multipart_is_read_too() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    app.with_tax_id().await;
    for (file, amount) in [
        ("bus.xml", "65.50"),
        ("train.xml", "65.50"),
        ("air.xml", "600.00"),
    ] {
        let r = app.read_invoice(&claimant, fixture(file)).await;
        r.assert(200, "");
        assert_eq!(r.body["kind"], "ticket", "{file}");
        assert_eq!(r.body["row"]["amount"], amount);
        assert!(r.body["row"]["description"]
            .as_str()
            .unwrap()
            .contains("运输服务"));
    }
    // A form as a page sends it: a text field, then the file.
    let mut form = b"--b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nx\r\n\
--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"train.xml\"\r\n\
Content-Type: text/xml\r\n\r\n"
        .to_vec();
    form.extend(fixture("train.xml"));
    form.extend(b"\r\n--b0undary--\r\n");
    let r = app
        .send(
            app.client
                .post(app.url("/api/v1/invoices/read"))
                .bearer_auth(&claimant)
                .header("content-type", "multipart/form-data; boundary=b0undary")
                .body(form),
        )
        .await;
    r.assert(200, "");
    assert_eq!(r.body["invoice_no"], "21132000000032345672");
}

#[tokio::test]
async fn every_refusal_has_its_status_and_code() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    app.with_tax_id().await;
    app.read_invoice(&finance, fixture("hotel.xml"))
        .await
        .assert(403, "forbidden");

    let r = app
        .read_invoice(&claimant, fixture("wrong_buyer.xml"))
        .await;
    r.assert(422, "invoice_buyer_mismatch");
    assert_eq!(r.body["buyer_tax_id"], "12130532MB00000019");
    assert_eq!(r.body["organisation_tax_id"], OURS);
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains("12130532MB00000019") && detail.contains(OURS));

    app.read_invoice(&claimant, fixture("credit_note.xml"))
        .await
        .assert(422, "invoice_is_credit_note");
    let r = app
        .read_invoice(&claimant, fixture("unsupported_item.xml"))
        .await;
    r.assert(422, "invoice_kind_unsupported");
    assert!(r.body["detail"]
        .as_str()
        .unwrap()
        .contains("*餐饮服务*餐费"));

    let r = app.read_invoice(&claimant, fixture("malformed.xml")).await;
    r.assert(422, "invalid_invoice_file");
    assert!(r.body["detail"].as_str().unwrap().contains("line 15"));
    let r = app
        .read_invoice(&claimant, b"<EInvoice><EInvoiceData/></EInvoice>".to_vec())
        .await;
    r.assert(422, "invalid_invoice_file");
    assert_eq!(r.fields(), ["TaxSupervisionInfo/InvoiceNumber"]);
    let r = app
        .read_invoice(&claimant, fixture("wrong_encoding.xml"))
        .await;
    r.assert(422, "invalid_invoice_file");
    assert!(r.body["detail"].as_str().unwrap().contains("GBK"));

    // Neither XML nor a form.
    app.post(&claimant, "/api/v1/invoices/read", &json!({}))
        .await
        .assert(422, "invalid_request");
    // Over 1 MiB: refused as it arrives.
    let mut big = fixture("hotel.xml");
    big.resize(1024 * 1024 + 1, b' ');
    app.read_invoice(&claimant, big)
        .await
        .assert(413, "payload_too_large");
}

/// Billion laughs, an external entity and deep nesting: refused, quickly, and the server goes on.
#[tokio::test]
async fn hostile_files_are_refused_quickly_and_harmlessly() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    app.with_tax_id().await;
    for file in [
        "billion_laughs.xml",
        "external_entity.xml",
        "deep_nesting.xml",
    ] {
        let started = Instant::now();
        let r = app.read_invoice(&claimant, fixture(file)).await;
        r.assert(422, "invalid_invoice_file");
        assert!(started.elapsed() < Duration::from_secs(2), "{file}");
        assert!(
            !r.body["detail"].as_str().unwrap().contains("root:"),
            "nothing of /etc/passwd comes back"
        );
    }
    app.read_invoice(&claimant, fixture("bus.xml"))
        .await
        .assert(200, "");
}

/// On submission the draft's attached invoice files are read again: a row claims at most its
/// invoice's total (a shared room may claim less), and the file's checks apply again.
#[tokio::test]
async fn a_submitted_row_claims_at_most_its_attached_invoices_total() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    app.with_tax_id().await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mut claim = r8_claim(line);
    claim["stays"][0]["lodging_amount"] = json!("700.00");
    claim["stays"][0]["invoice_no"] = json!("21132000000012345678");
    let saved = app
        .post(&claimant, "/api/v1/travel-claims/drafts", &claim)
        .await;
    saved.assert(201, "");
    let draft = saved.body["id"].as_i64().unwrap();
    let files = format!("/api/v1/travel-claims/{draft}/attachments");
    app.send(
        app.client
            .post(app.url(&files))
            .bearer_auth(&claimant)
            .header("content-type", "application/xml")
            .header("content-disposition", "attachment; filename=\"hotel.xml\"")
            .body(fixture("hotel.xml")),
    )
    .await
    .assert(201, "");
    let submit = format!("/api/v1/travel-claims/{draft}/submit");

    let r = app.post(&claimant, &submit, &json!({})).await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["stays[0].lodging_amount"]);
    assert!(r.body["detail"].as_str().unwrap().contains("680.00"));

    // The organisation's code changed since the file was read: the buyer no longer matches.
    app.put_organisation(&app.admin, &json!({"tax_id": "91130500MA0000001N"}))
        .await
        .assert(200, "");
    claim["stays"][0]["lodging_amount"] = json!("680.00");
    app.send(
        app.client
            .put(app.url(&format!("/api/v1/travel-claims/{draft}")))
            .bearer_auth(&claimant)
            .json(&claim),
    )
    .await
    .assert(200, "");
    app.post(&claimant, &submit, &json!({}))
        .await
        .assert(422, "invoice_buyer_mismatch");

    app.with_tax_id().await;
    let r = app.post(&claimant, &submit, &json!({})).await;
    r.assert(200, "");
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(r.body["breakdown"]["reimbursable"], "1231.00");
}

/// An XML file that is not an e-invoice (a trip sheet from another system) is attached as paper and
/// does not hold up the submission; one that claims to be an invoice but is broken does.
#[tokio::test]
async fn another_kind_of_xml_on_a_draft_is_paper_not_an_invoice() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    app.with_tax_id().await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let saved = app
        .post(&claimant, "/api/v1/travel-claims/drafts", &r8_claim(line))
        .await;
    saved.assert(201, "");
    let draft = saved.body["id"].as_i64().unwrap();
    let attach = |name: &'static str, body: &'static str| {
        app.client
            .post(app.url(&format!("/api/v1/travel-claims/{draft}/attachments")))
            .bearer_auth(&claimant)
            .header("content-type", "application/xml")
            .header(
                "content-disposition",
                format!("attachment; filename=\"{name}\""),
            )
            .body(body)
    };
    let broken = app
        .send(attach(
            "broken.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><EInvoice><Header/></EInvoice>",
        ))
        .await;
    broken.assert(201, "");
    let submit = format!("/api/v1/travel-claims/{draft}/submit");
    app.post(&claimant, &submit, &json!({}))
        .await
        .assert(422, "invalid_invoice_file");
    let broken_id = broken.body["id"].as_i64().unwrap();
    app.send(
        app.client
            .delete(app.url(&format!(
                "/api/v1/travel-claims/{draft}/attachments/{broken_id}"
            )))
            .bearer_auth(&claimant),
    )
    .await
    .assert(204, "");
    app.send(attach(
        "trip.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><行程单><出发>邢台</出发><到达>石家庄</到达></行程单>",
    ))
    .await
    .assert(201, "");

    let r = app.post(&claimant, &submit, &json!({})).await;
    r.assert(200, "");
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(r.body["attachment_count"], 1, "{}", r.body);
}

/// 导入电子发票 without scripts: the claim form posted with its files saves a draft, each invoice
/// fills its row and is attached, a refusal is said in Chinese, and nothing typed is lost.
#[tokio::test]
async fn the_claim_form_imports_invoices_without_scripts() {
    use crate::attachments::{form_data, multipart_type};
    let app = spawn_app().await;
    app.with_tax_id().await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mut clerk = crate::web::signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let page = clerk.get("/claims/new").await;
    assert!(page.body.contains("导入电子发票"), "{}", page.body);
    assert!(page.body.contains("formaction=\"/claims/new/import\""));
    let csrf = page.csrf();
    let line = line.to_string();
    let texts = [
        ("csrf", csrf.as_str()),
        ("draft_id", ""),
        ("budget_line_id", line.as_str()),
        ("purpose", "赴省汇报信访工作"),
        ("destination", "石家庄"),
        ("stays-rows", "1"),
        ("stays-0-city", "石家庄"),
        ("tickets-rows", "0"),
        ("meals-rows", "0"),
        ("vehicles-rows", "0"),
    ];
    let (hotel, train, wrong) = (
        fixture("hotel.xml"),
        fixture("train.xml"),
        fixture("wrong_buyer.xml"),
    );
    let body = form_data(
        &texts,
        &[
            ("hotel.xml", &hotel),
            ("train.xml", &train),
            ("wrong_buyer.xml", &wrong),
        ],
    );
    let sent = clerk
        .post_bytes("/claims/new/import", &multipart_type(), body)
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(
        sent.location.starts_with("/claims/new?draft="),
        "{}",
        sent.location
    );
    let back = clerk.get(&sent.location).await;
    assert!(back.body.contains("已填入第 1 行住宿"), "{}", back.body);
    assert!(
        back.body.contains("已填入第 1 行城市间交通"),
        "{}",
        back.body
    );
    assert!(
        back.body.contains("wrong_buyer.xml：发票抬头"),
        "{}",
        back.body
    );
    // What was typed is kept beside what the invoices filled.
    assert!(back.body.contains("value=\"赴省汇报信访工作\""));
    assert!(back.body.contains("value=\"石家庄\""));
    // The two invoices read are the draft's files; the refused one is not.
    assert!(back.body.contains("共 2 个"), "{}", back.body);
}
