use crate::helpers::*;
use serde_json::Value;

struct Clerks {
    maker: String,
    checker: String,
    line: i64,
}

async fn clerks(app: &TestApp) -> Clerks {
    Clerks {
        maker: app.user("出纳 甲", &[R::Finance]),
        checker: app.user("会计 乙", &[R::Finance]),
        line: app.line_id("dept.project.cadre-subsidy").await,
    }
}

async fn enroll(app: &TestApp, token: &str, name: &str, from: &str) -> i64 {
    let r = app
        .post(
            token,
            "/api/v1/subsidy-recipients",
            &json!({"name": name, "enrolled_from": from}),
        )
        .await;
    r.assert(201, "");
    r.body["id"].as_i64().unwrap()
}

async fn batch(app: &TestApp, token: &str, line: i64, half: i32, supplementary: bool) -> Reply {
    app.post(token, "/api/v1/subsidy-batches", &json!({"budget_line_id": line, "year": 2021, "half": half, "supplementary": supplementary})).await
}

fn id(reply: &Reply) -> i64 {
    reply.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id: {}", reply.body))
}

#[tokio::test]
async fn r9_worked_example() {
    let app = spawn_app().await;
    let c = clerks(&app).await;
    let recipient = enroll(&app, &c.maker, "郭老", "2021-04-20").await;
    let draft = batch(&app, &c.maker, c.line, 1, false).await;
    draft.assert(201, "");
    assert_eq!(draft.body["status"], "draft");
    assert_eq!(
        draft.body["payout_window"],
        json!({"from": "2021-06-01", "to": "2021-06-10"})
    );
    assert_eq!(draft.body["total"], "2603.33");
    let item = &draft.body["items"][0];
    assert_eq!(item["recipient_id"], recipient);
    assert_eq!(item["name"], "郭老");
    assert_eq!(item["amount"], "2603.33");
    assert_eq!(
        item["months"],
        json!([
            {"month": "2021-04", "days_enrolled": 11, "days_in_month": 30, "amount": "403.33"},
            {"month": "2021-05", "days_enrolled": 31, "days_in_month": 31, "amount": "1100.00"},
            {"month": "2021-06", "days_enrolled": 30, "days_in_month": 30, "amount": "1100.00"},
        ])
    );
    let recipients = app.get(&c.maker, "/api/v1/subsidy-recipients").await;
    assert_eq!(
        recipients.body[0]["monthly_amount"], "1100.00",
        "the policy's amount by default"
    );
}

#[tokio::test]
async fn six_recipients_exhaust_the_line_in_two_batches() {
    let app = spawn_app().await;
    let c = clerks(&app).await;
    for n in 1..=6 {
        enroll(&app, &c.maker, &format!("老干部{n}"), "2021-01-01").await;
    }
    let h1 = batch(&app, &c.maker, c.line, 1, false).await;
    assert_eq!(h1.body["total"], "39600.00");
    let h1 = id(&h1);
    app.post(
        &c.maker,
        &format!("/api/v1/subsidy-batches/{h1}/approve"),
        &json!({}),
    )
    .await
    .assert(403, "self_approval_forbidden");
    let approved = app
        .post(
            &c.checker,
            &format!("/api/v1/subsidy-batches/{h1}/approve"),
            &json!({}),
        )
        .await;
    approved.assert(200, "");
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(app.line(c.line).await["committed"], "39600.00");
    app.approvals_dated_2021_05_01();
    let paid = app
        .post(
            &c.maker,
            &format!("/api/v1/subsidy-batches/{h1}/pay"),
            &json!({"paid_on": "2021-06-05"}),
        )
        .await;
    paid.assert(200, "");
    assert_eq!(
        (paid.body["status"].as_str(), paid.body["on_time"].as_bool()),
        (Some("paid"), Some(true))
    );
    app.post(
        &c.maker,
        &format!("/api/v1/subsidy-batches/{h1}/pay"),
        &json!({"paid_on": "2021-06-06"}),
    )
    .await
    .assert(409, "invalid_transition");
    app.post(
        &c.maker,
        &format!("/api/v1/subsidy-batches/{h1}/void"),
        &json!({}),
    )
    .await
    .assert(409, "invalid_transition");

    let h2 = id(&batch(&app, &c.maker, c.line, 2, false).await);
    app.post(
        &c.checker,
        &format!("/api/v1/subsidy-batches/{h2}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    app.approvals_dated_2021_05_01();
    let late = app
        .post(
            &c.checker,
            &format!("/api/v1/subsidy-batches/{h2}/pay"),
            &json!({"paid_on": "2021-12-15"}),
        )
        .await;
    assert_eq!(late.body["on_time"], false);
    let line = app.line(c.line).await;
    assert_eq!(
        (line["spent"].as_str(), line["available"].as_str()),
        (Some("79200.00"), Some("0.00"))
    );

    batch(&app, &c.maker, c.line, 1, false)
        .await
        .assert(409, "batch_exists");
    batch(&app, &c.maker, c.line, 2, true)
        .await
        .assert(422, "empty_batch");

    let file = app
        .client
        .get(app.url(&format!("/api/v1/subsidy-batches/{h1}/payment-file")))
        .bearer_auth(&c.maker)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), Status::OK);
    assert!(file.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = file.text().await.unwrap();
    let rows: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(rows.len(), 8, "{text}");
    assert_eq!(rows[0], "序号,姓名,身份证号,开户行,账号,金额,月份");
    assert_eq!(rows[1], "1,老干部1,,,,6600.00,2021-01至2021-06");
    assert_eq!(rows[7], "合计,6 人,,,,39600.00,");
    let (_, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(mismatches.is_empty());
}

#[tokio::test]
async fn a_supplementary_batch_takes_only_what_is_missing() {
    let app = spawn_app().await;
    let c = clerks(&app).await;
    for n in 1..=5 {
        enroll(&app, &c.maker, &format!("老干部{n}"), "2021-01-01").await;
    }
    let h1 = id(&batch(&app, &c.maker, c.line, 1, false).await);
    app.post(
        &c.checker,
        &format!("/api/v1/subsidy-batches/{h1}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let late = enroll(&app, &c.maker, "郝老", "2021-03-01").await;
    batch(&app, &c.maker, c.line, 1, false)
        .await
        .assert(409, "batch_exists");
    let extra = batch(&app, &c.maker, c.line, 1, true).await;
    extra.assert(201, "");
    assert_eq!(extra.body["supplementary"], true);
    assert_eq!(extra.body["total"], "4400.00");
    let items = extra.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["recipient_id"], late);
    let extra = id(&extra);
    app.post(
        &c.checker,
        &format!("/api/v1/subsidy-batches/{extra}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    batch(&app, &c.maker, c.line, 1, true)
        .await
        .assert(422, "empty_batch");
    assert_eq!(app.line(c.line).await["committed"], "37400.00");
}

#[tokio::test]
async fn a_draft_made_before_a_change_must_be_regenerated() {
    let app = spawn_app().await;
    let c = clerks(&app).await;
    let first = enroll(&app, &c.maker, "甲老", "2021-01-01").await;
    let draft = id(&batch(&app, &c.maker, c.line, 1, false).await);
    let ended = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/subsidy-recipients/{first}")))
                .bearer_auth(&c.maker)
                .json(&json!({"enrolled_until": "2021-03-31"})),
        )
        .await;
    ended.assert(200, "");
    assert_eq!(ended.body["enrolled_until"], "2021-03-31");
    app.post(
        &c.checker,
        &format!("/api/v1/subsidy-batches/{draft}/approve"),
        &json!({}),
    )
    .await
    .assert(409, "batch_outdated");
    let again = app
        .post(
            &c.maker,
            &format!("/api/v1/subsidy-batches/{draft}/regenerate"),
            &json!({}),
        )
        .await;
    again.assert(200, "");
    assert_eq!(again.body["total"], "3300.00");
    app.post(
        &c.checker,
        &format!("/api/v1/subsidy-batches/{draft}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
}

#[tokio::test]
async fn voiding_gives_back_the_money_and_the_months() {
    let app = spawn_app().await;
    let c = clerks(&app).await;
    enroll(&app, &c.maker, "甲老", "2021-01-01").await;
    let first = id(&batch(&app, &c.maker, c.line, 1, false).await);
    app.post(
        &c.checker,
        &format!("/api/v1/subsidy-batches/{first}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let void = app
        .post(
            &c.maker,
            &format!("/api/v1/subsidy-batches/{first}/void"),
            &json!({}),
        )
        .await;
    void.assert(200, "");
    assert_eq!(void.body["status"], "void");
    assert_eq!(app.line(c.line).await["committed"], "0.00");
    app.post(
        &c.checker,
        &format!("/api/v1/subsidy-batches/{first}/approve"),
        &json!({}),
    )
    .await
    .assert(409, "invalid_transition");
    app.post(
        &c.checker,
        &format!("/api/v1/subsidy-batches/{first}/void"),
        &json!({}),
    )
    .await
    .assert(409, "invalid_transition");
    let second = batch(&app, &c.maker, c.line, 1, false).await;
    second.assert(201, "");
    assert_eq!(second.body["total"], "6600.00");
    let history: Vec<_> = void.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(history, ["create", "approve", "void"]);
}

#[tokio::test]
async fn concurrent_approvals_beyond_the_line_let_exactly_one_through() {
    let app = spawn_app().await;
    let c = clerks(&app).await;
    let small = json!({"year": 2021, "code": "dept.project.cadre-2", "name": "补助（测试）", "parent_code": "dept.project", "allocated": "50000.00"});
    let line = app
        .post(&app.admin, "/api/v1/budget-lines", &small)
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    for n in 1..=6 {
        enroll(&app, &c.maker, &format!("老干部{n}"), "2021-01-01").await;
    }
    let h1 = id(&batch(&app, &c.maker, line, 1, false).await);
    let h2 = id(&batch(&app, &c.maker, line, 2, false).await);
    let (p1, p2) = (
        format!("/api/v1/subsidy-batches/{h1}/approve"),
        format!("/api/v1/subsidy-batches/{h2}/approve"),
    );
    let empty = json!({});
    let (a, b) = tokio::join!(
        app.post(&c.checker, &p1, &empty),
        app.post(&c.checker, &p2, &empty)
    );
    let ok = [&a, &b].iter().filter(|r| r.status == Status::OK).count();
    let refused = [&a, &b]
        .iter()
        .filter(|r| r.code() == "insufficient_budget")
        .count();
    assert_eq!((ok, refused), (1, 1), "{} / {}", a.body, b.body);
    assert_eq!(app.line(line).await["committed"], "39600.00");
}

#[tokio::test]
async fn bad_input_has_stable_codes() {
    let app = spawn_app().await;
    let c = clerks(&app).await;
    let post = |body: Value| {
        let app = &app;
        let token = c.maker.clone();
        async move { app.post(&token, "/api/v1/subsidy-recipients", &body).await }
    };
    let r =
        post(json!({"name": "x", "enrolled_from": "2021-05-01", "enrolled_until": "2021-04-30"}))
            .await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["enrolled_until"]);
    for amount in [
        json!("0"),
        json!("-1.00"),
        json!("100000000.00"),
        json!("1.001"),
    ] {
        let r = post(json!({"name": "x", "enrolled_from": "2021-05-01", "monthly_amount": amount}))
            .await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), ["monthly_amount"]);
    }
    post(json!({"name": "", "enrolled_from": "2021-05-01"}))
        .await
        .assert(422, "invalid_request");
    let custom =
        post(json!({"name": "特殊", "enrolled_from": "2021-05-01", "monthly_amount": "1200"}))
            .await;
    assert_eq!(custom.body["monthly_amount"], "1200.00");
    let rid = custom.body["id"].as_i64().unwrap();
    let patch = |body: Value| {
        app.send(
            app.client
                .patch(app.url(&format!("/api/v1/subsidy-recipients/{rid}")))
                .bearer_auth(&c.maker)
                .json(&body),
        )
    };
    patch(json!({})).await.assert(422, "invalid_request");
    patch(json!({"enrolled_until": "2021-01-01"}))
        .await
        .assert(422, "invalid_request");
    patch(json!({"enrolled_until": null})).await.assert(200, "");
    app.send(
        app.client
            .patch(app.url("/api/v1/subsidy-recipients/99999"))
            .bearer_auth(&c.maker)
            .json(&json!({"enrolled_until": null})),
    )
    .await
    .assert(404, "not_found");

    for (body, field) in [
        (
            json!({"budget_line_id": c.line, "year": 2021, "half": 3}),
            "half",
        ),
        (
            json!({"budget_line_id": c.line, "year": 2021, "half": 0}),
            "half",
        ),
        (
            json!({"budget_line_id": c.line, "year": 1999, "half": 1}),
            "year",
        ),
        (
            json!({"budget_line_id": c.line, "year": 2101, "half": 1}),
            "year",
        ),
    ] {
        let r = app.post(&c.maker, "/api/v1/subsidy-batches", &body).await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), [field]);
    }
    batch(&app, &c.maker, 424242, 1, false)
        .await
        .assert(404, "not_found");
    let claimant = app.user("张三", &[R::Claimant]);
    batch(&app, &claimant, c.line, 1, false)
        .await
        .assert(403, "forbidden");
    app.get(&claimant, "/api/v1/subsidy-recipients")
        .await
        .assert(403, "forbidden");
    // A draft has no payment file yet.
    let draft = id(&batch(&app, &c.maker, c.line, 2, false).await);
    app.get(
        &c.maker,
        &format!("/api/v1/subsidy-batches/{draft}/payment-file"),
    )
    .await
    .assert(409, "invalid_transition");
    app.get(&c.maker, "/api/v1/subsidy-batches/777777")
        .await
        .assert(404, "not_found");
}

#[tokio::test]
async fn review_findings_stay_fixed() {
    let app = spawn_app().await;
    let c = clerks(&app).await;
    // A month whose share rounds to 0.00 is no item, not a 500.
    let tiny = json!({"name": "tiny", "monthly_amount": "0.01", "enrolled_from": "2022-01-31", "enrolled_until": "2022-01-31"});
    app.post(&c.maker, "/api/v1/subsidy-recipients", &tiny)
        .await
        .assert(201, "");
    let b = app
        .post(
            &c.maker,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": c.line, "year": 2022, "half": 1}),
        )
        .await;
    b.assert(422, "empty_batch");
    // No policy before 2021: the enrollment is accepted (R9); only a batch paying a month with no
    // policy is refused, naming the month (rule_fixes::r9_* covers it).
    app.post(
        &c.maker,
        "/api/v1/subsidy-recipients",
        &json!({"name": "早", "enrolled_from": "2020-06-01"}),
    )
    .await
    .assert(201, "");
    // Three decimals as written are refused, even when the last is 0 (R1).
    let r = app
        .post(
            &c.maker,
            "/api/v1/subsidy-recipients",
            &json!({"name": "x", "enrolled_from": "2021-01-01", "monthly_amount": "1100.000"}),
        )
        .await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["monthly_amount"]);
    // A name that a spreadsheet would run as a formula is neutralised in the treasury's file.
    app.post(
        &c.maker,
        "/api/v1/subsidy-recipients",
        &json!({"name": "=HYPERLINK(\"http://x\",\"y\")", "enrolled_from": "2021-01-01"}),
    )
    .await
    .assert(201, "");
    let id = app
        .post(
            &c.maker,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": c.line, "year": 2021, "half": 1}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    app.post(
        &c.checker,
        &format!("/api/v1/subsidy-batches/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let file = app
        .client
        .get(app.url(&format!("/api/v1/subsidy-batches/{id}/payment-file")))
        .bearer_auth(&c.maker)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        file.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","),
        "{file}"
    );
}
