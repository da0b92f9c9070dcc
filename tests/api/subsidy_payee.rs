//! A recipient's identity number, bank and account (代发信息): optional on enrollment and by
//! PATCH, each refused with its field when wrong, shown masked by every view, and whole only in
//! the treasury's payment file (UTF-8 with a BOM, Chinese headers, a 合计 row), on SQLite and
//! PostgreSQL.

use crate::helpers::*;
use serde_json::Value;

const ID: &str = "11010519491231002X";
const ACCOUNT: &str = "6222020200012345";

async fn enroll(app: &TestApp, token: &str, body: Value) -> Reply {
    app.post(token, "/api/v1/subsidy-recipients", &body).await
}

async fn patch(app: &TestApp, token: &str, id: i64, body: Value) -> Reply {
    app.send(
        app.client
            .patch(app.url(&format!("/api/v1/subsidy-recipients/{id}")))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

#[tokio::test]
async fn details_are_optional_and_shown_masked() {
    let app = spawn_app().await;
    let clerk = app.user("出纳 甲", &[R::Finance]);

    // Without details, as api.md's body has always been.
    let plain = enroll(
        &app,
        &clerk,
        json!({"name": "郭老", "enrolled_from": "2021-01-01"}),
    )
    .await;
    plain.assert(201, "");
    for field in ["id_number", "bank_name", "bank_account"] {
        assert_eq!(plain.body[field], Value::Null, "{field}");
    }

    // With them, typed as a clerk would: a lower-case x, spaces between the account's groups.
    let full = enroll(
        &app,
        &clerk,
        json!({"name": "王老", "enrolled_from": "2021-01-01",
               "id_number": "11010519491231002x", "bank_name": "中国农业银行邢台分行",
               "bank_account": "6222 0202 0001 2345"}),
    )
    .await;
    full.assert(201, "");
    assert_eq!(full.body["id_number"], "**************002X");
    assert_eq!(full.body["bank_name"], "中国农业银行邢台分行");
    assert_eq!(full.body["bank_account"], "**** 2345");

    let list = app.get(&clerk, "/api/v1/subsidy-recipients").await;
    list.assert(200, "");
    assert_eq!(list.body[1]["id_number"], "**************002X");
    assert_eq!(list.body[1]["bank_account"], "**** 2345");
    let text = list.body.to_string();
    assert!(
        !text.contains(ID) && !text.contains(ACCOUNT) && !text.contains("1949"),
        "{text}"
    );

    // Added later by PATCH, then one cleared with null; the enrollment is untouched.
    let id = plain.body["id"].as_i64().unwrap();
    let added = patch(
        &app,
        &clerk,
        id,
        json!({"id_number": "440524188001010014", "bank_name": "邢台银行", "bank_account": "12345678"}),
    )
    .await;
    added.assert(200, "");
    assert_eq!(
        (
            added.body["id_number"].as_str(),
            added.body["bank_name"].as_str(),
            added.body["bank_account"].as_str(),
            added.body["enrolled_until"].as_str(),
        ),
        (
            Some("**************0014"),
            Some("邢台银行"),
            Some("**** 5678"),
            None
        )
    );
    let cleared = patch(&app, &clerk, id, json!({"bank_name": null})).await;
    cleared.assert(200, "");
    assert_eq!(cleared.body["bank_name"], Value::Null);
    assert_eq!(cleared.body["bank_account"], "**** 5678");
    // Nothing named at all is still refused, as before.
    patch(&app, &clerk, id, json!({}))
        .await
        .assert(422, "invalid_request");
    // Another organisation's finance clerk cannot change ours: it does not exist for them.
    baoxiao::services::users::add_org(&app.pool, "other-bureau", "另一个局").unwrap();
    let (_, other) = baoxiao::services::users::add_user(
        &app.pool,
        Some("other-bureau"),
        "外单位",
        &[R::Admin, R::Finance],
    )
    .unwrap();
    patch(&app, &other, id, json!({"bank_account": "87654321"}))
        .await
        .assert(404, "not_found");
    let ours = app.get(&clerk, "/api/v1/subsidy-recipients").await;
    assert_eq!(ours.body[0]["bank_account"], "**** 5678");
}

#[tokio::test]
async fn each_bad_detail_is_refused_naming_its_field() {
    let app = spawn_app().await;
    let clerk = app.user("出纳 甲", &[R::Finance]);
    let long_bank = "行".repeat(61);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "id_number",
            json!("11010519491231002"),
            "18 characters: 17 digits and a check character (a digit or X)",
        ),
        (
            "id_number",
            json!("1101051949123100XX"),
            "18 characters: 17 digits and a check character (a digit or X)",
        ),
        (
            "id_number",
            json!("110105194912310021"),
            "the check character does not match the first 17 digits (GB 11643)",
        ),
        (
            "bank_account",
            json!("1234567"),
            "8 to 32 digits (spaces are ignored)",
        ),
        (
            "bank_account",
            json!("6222-0202-0001"),
            "8 to 32 digits (spaces are ignored)",
        ),
        (
            "bank_account",
            json!("9".repeat(33)),
            "8 to 32 digits (spaces are ignored)",
        ),
        (
            "bank_name",
            json!(long_bank),
            "one line of 1 to 60 characters",
        ),
        ("bank_name", json!(""), "one line of 1 to 60 characters"),
    ];
    let someone = enroll(
        &app,
        &clerk,
        json!({"name": "郭老", "enrolled_from": "2021-01-01"}),
    )
    .await;
    let someone = someone.body["id"].as_i64().unwrap();
    for (field, value, message) in &cases {
        let mut body = json!({"name": "x", "enrolled_from": "2021-01-01"});
        body[*field] = value.clone();
        let r = enroll(&app, &clerk, body).await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), [*field], "{value}");
        assert_eq!(r.body["errors"][0]["message"], *message, "{value}");

        let r = patch(&app, &clerk, someone, json!({ *field: value })).await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), [*field], "PATCH {value}");
    }
    // Nothing was stored by the refusals.
    let list = app.get(&clerk, "/api/v1/subsidy-recipients").await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(list.body[0]["id_number"], Value::Null);
}

#[tokio::test]
async fn the_payment_file_is_the_treasurys_csv_with_every_detail_whole() {
    let app = spawn_app().await;
    let maker = app.user("出纳 甲", &[R::Finance]);
    let checker = app.user("会计 乙", &[R::Finance]);
    let line = app.line_id("dept.project.cadre-subsidy").await;
    enroll(
        &app,
        &maker,
        json!({"name": "郭老", "enrolled_from": "2021-01-01", "id_number": ID,
               "bank_name": "中国农业银行邢台分行", "bank_account": "6222 0202 0001 2345"}),
    )
    .await
    .assert(201, "");
    // No details yet, and a name a spreadsheet would run as a formula.
    enroll(
        &app,
        &maker,
        json!({"name": "=1+2", "enrolled_from": "2021-04-20", "bank_name": "@农行"}),
    )
    .await
    .assert(201, "");
    let batch = app
        .post(
            &maker,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": line, "year": 2021, "half": 1}),
        )
        .await;
    batch.assert(201, "");
    let items = batch.body["items"].as_array().unwrap();
    assert_eq!(
        items
            .iter()
            .map(|i| i["payee_complete"].as_bool())
            .collect::<Vec<_>>(),
        [Some(true), Some(false)]
    );
    let id = batch.body["id"].as_i64().unwrap();
    app.post(
        &checker,
        &format!("/api/v1/subsidy-batches/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");

    let file = app
        .client
        .get(app.url(&format!("/api/v1/subsidy-batches/{id}/payment-file")))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status().as_u16(), 200);
    assert_eq!(
        file.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let bytes = file.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a byte-order mark first");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows,
        [
            "序号,姓名,身份证号,开户行,账号,金额,月份",
            "1,郭老,11010519491231002X,中国农业银行邢台分行,6222020200012345,6600.00,2021-01至2021-06",
            "2,'=1+2,,'@农行,,2603.33,2021-04至2021-06",
            "合计,2 人,,,,9203.33,",
        ]
    );
    // The admin's API door still gives it (api.md); the budget holder's does not.
    let admin = app.user("管理员 丙", &[R::Admin]);
    let holder = app.user("负责人 丁", &[R::BudgetHolder]);
    let path = format!("/api/v1/subsidy-batches/{id}/payment-file");
    let r = app
        .client
        .get(app.url(&path))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    app.get(&holder, &path).await.assert(403, "forbidden");
    // The batch's own view masks as the recipients' does.
    let view = app
        .get(&maker, &format!("/api/v1/subsidy-batches/{id}"))
        .await;
    assert!(!view.body.to_string().contains(ACCOUNT));
}

/// Makes and approves the first half of 2021 for one recipient with details, by two clerks.
async fn approved_batch(app: &TestApp, maker: &str, checker: &str) -> (i64, i64) {
    let line = app.line_id("dept.project.cadre-subsidy").await;
    let who = enroll(
        app,
        maker,
        json!({"name": "郭老", "enrolled_from": "2021-01-01", "id_number": ID,
               "bank_name": "中国农业银行邢台分行", "bank_account": ACCOUNT}),
    )
    .await;
    who.assert(201, "");
    let batch = app
        .post(
            maker,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": line, "year": 2021, "half": 1}),
        )
        .await;
    batch.assert(201, "");
    let id = batch.body["id"].as_i64().unwrap();
    app.post(
        checker,
        &format!("/api/v1/subsidy-batches/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    (who.body["id"].as_i64().unwrap(), id)
}

/// The payment file's one payee row.
async fn paid_row(app: &TestApp, token: &str, batch: i64) -> String {
    let file = app
        .client
        .get(app.url(&format!("/api/v1/subsidy-batches/{batch}/payment-file")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status().as_u16(), 200);
    let bytes = file.bytes().await.unwrap();
    let text = std::str::from_utf8(&bytes[3..]).unwrap().to_string();
    text.lines().nth(1).unwrap().to_string()
}

#[tokio::test]
async fn a_batch_pays_the_details_it_was_approved_with_and_says_when_they_changed() {
    let app = spawn_app().await;
    let maker = app.user("出纳 甲", &[R::Finance]);
    let checker = app.user("会计 乙", &[R::Finance]);
    let (recipient, batch) = approved_batch(&app, &maker, &checker).await;

    // After approval someone swaps the account and the bank.
    patch(
        &app,
        &maker,
        recipient,
        json!({"bank_name": "邢台银行", "bank_account": "6228 4800 9999 6789"}),
    )
    .await
    .assert(200, "");

    // The file still pays what was approved.
    assert_eq!(
        paid_row(&app, &maker, batch).await,
        "1,郭老,11010519491231002X,中国农业银行邢台分行,6222020200012345,6600.00,2021-01至2021-06"
    );
    // The batch shows its own copy, masked, and that the recipient's details have changed.
    let view = app
        .get(&maker, &format!("/api/v1/subsidy-batches/{batch}"))
        .await;
    let item = &view.body["items"][0];
    assert_eq!(
        (
            item["id_number"].as_str(),
            item["bank_name"].as_str(),
            item["bank_account"].as_str(),
            item["payee_changed"].as_bool(),
            item["payee_complete"].as_bool(),
        ),
        (
            Some("**************002X"),
            Some("中国农业银行邢台分行"),
            Some("**** 2345"),
            Some(true),
            Some(true)
        )
    );
    let mut page_reader = crate::web::signed_in(&app, "会计 丙", &[R::Finance], "kuaiji").await;
    let page = page_reader.get(&format!("/subsidy/batches/{batch}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(
            "<p>郭老的代发信息在本批次制作后有改动；如需按新信息发放，请作废本批次后重新制作。</p>"
        ),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("<span class=\"masked\">**** 2345</span>"));
    assert!(!page.body.contains(ACCOUNT) && !page.body.contains("6789"));

    // Changed back, the batch no longer warns.
    patch(
        &app,
        &maker,
        recipient,
        json!({"bank_name": "中国农业银行邢台分行", "bank_account": ACCOUNT}),
    )
    .await
    .assert(200, "");
    let view = app
        .get(&maker, &format!("/api/v1/subsidy-batches/{batch}"))
        .await;
    assert_eq!(view.body["items"][0]["payee_changed"], false);
    let page = page_reader.get(&format!("/subsidy/batches/{batch}")).await;
    assert!(!page.body.contains("payee-changed"), "{}", page.body);
}

#[tokio::test]
async fn every_change_of_details_is_audited_masked() {
    let app = spawn_app().await;
    let clerk = app.user("出纳 甲", &[R::Finance]);
    let who = enroll(
        &app,
        &clerk,
        json!({"name": "郭老", "enrolled_from": "2021-01-01", "id_number": ID,
               "bank_name": "中国农业银行邢台分行", "bank_account": ACCOUNT}),
    )
    .await;
    let id = who.body["id"].as_i64().unwrap();
    patch(
        &app,
        &clerk,
        id,
        json!({"id_number": "440524188001010014", "bank_account": "6228480099996789",
               "bank_name": "中国农业银行邢台分行"}),
    )
    .await
    .assert(200, "");
    patch(&app, &clerk, id, json!({"enrolled_until": "2021-06-30"}))
        .await
        .assert(200, "");
    // Nothing changed: nothing to record.
    patch(
        &app,
        &clerk,
        id,
        json!({"bank_name": "中国农业银行邢台分行"}),
    )
    .await
    .assert(200, "");

    let events = app.get(&app.admin, "/api/v1/audit-events").await;
    events.assert(200, "");
    let ours: Vec<(&str, i64, &str, i64, &str)> = events
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_type"] == "subsidy_recipient")
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["entity_id"].as_i64().unwrap(),
                e["to_status"].as_str().unwrap(),
                e["actor_id"].as_i64().unwrap(),
                e["note"].as_str().unwrap(),
            )
        })
        .collect();
    let clerk_id = baoxiao::services::users::authenticate(&app.pool, &clerk)
        .unwrap()
        .user_id;
    assert_eq!(
        ours,
        // Newest first, as the export lists them.
        [
            (
                "change",
                id,
                "changed",
                clerk_id,
                "enrolled_until: - → 2021-06-30"
            ),
            (
                "change",
                id,
                "changed",
                clerk_id,
                "id_number: **************002X → **************0014; \
                 bank_account: **** 2345 → **** 6789"
            ),
        ]
    );
    let text = events.body.to_string();
    for whole in [ID, ACCOUNT, "440524188001010014", "6228480099996789"] {
        assert!(!text.contains(whole), "{whole} in {text}");
    }
}

#[tokio::test]
async fn a_batch_made_before_batches_kept_details_pays_the_current_ones() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let maker = app.user("出纳 甲", &[R::Finance]);
    let checker = app.user("会计 乙", &[R::Finance]);
    let (recipient, batch) = approved_batch(&app, &maker, &checker).await;
    // As the rows of a batch made before the copy was kept.
    let mut c = app.pool.get().unwrap();
    diesel::sql_query(
        "UPDATE subsidy_items SET payee_copied = FALSE, id_number = NULL, bank_name = NULL, \
         bank_account = NULL",
    )
    .execute(&mut *c)
    .unwrap();
    drop(c);
    patch(
        &app,
        &maker,
        recipient,
        json!({"bank_account": "6228480099996789"}),
    )
    .await
    .assert(200, "");
    assert_eq!(
        paid_row(&app, &maker, batch).await,
        "1,郭老,11010519491231002X,中国农业银行邢台分行,6228480099996789,6600.00,2021-01至2021-06"
    );
    let view = app
        .get(&maker, &format!("/api/v1/subsidy-batches/{batch}"))
        .await;
    let item = &view.body["items"][0];
    assert_eq!(item["bank_account"], "**** 6789");
    assert_eq!(item["payee_changed"], false);
    assert_eq!(item["payee_complete"], true);
}
