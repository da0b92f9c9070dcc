//! Every bad input api.md and the foundation issue name: exact status and code, the field named,
//! and never a 500 (the helpers fail any 5xx).
use crate::helpers::*;
use serde_json::Value;

async fn refused(app: &TestApp, token: &str, body: &Value, status: u16, code: &str, field: &str) {
    let r = app.post(token, "/api/v1/travel-claims", body).await;
    r.assert(status, code);
    assert!(
        r.fields().iter().any(|f| f == field),
        "{field} not named: {}",
        r.body
    );
}

#[tokio::test]
async fn claim_rules_are_422_naming_the_field() {
    let app = spawn_app().await;
    let t = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let base = r8_claim(line);
    let with = |path: &[&str], value: Value| {
        let mut b = base.clone();
        let mut at = &mut b;
        for (i, key) in path.iter().enumerate() {
            if i + 1 == path.len() {
                if let Ok(n) = key.parse::<usize>() {
                    at[n] = value.clone()
                } else {
                    at[*key] = value.clone()
                }
                break;
            }
            at = if let Ok(n) = key.parse::<usize>() {
                &mut at[n]
            } else {
                &mut at[*key]
            };
        }
        b
    };
    refused(
        &app,
        &t,
        &with(&["return_date"], json!("2021-05-09")),
        422,
        "invalid_request",
        "return_date",
    )
    .await;
    refused(
        &app,
        &t,
        &with(&["return_date"], json!("2022-05-11")),
        422,
        "invalid_request",
        "return_date",
    )
    .await;
    refused(
        &app,
        &t,
        &with(&["stays", "0", "check_in"], json!("2021-05-09")),
        422,
        "invalid_request",
        "stays[0].check_in",
    )
    .await;
    refused(
        &app,
        &t,
        &with(&["stays", "0", "check_out"], json!("2021-05-13")),
        422,
        "invalid_request",
        "stays[0].check_out",
    )
    .await;
    refused(
        &app,
        &t,
        &with(&["stays", "0", "check_out"], json!("2021-05-10")),
        422,
        "invalid_request",
        "stays[0].check_out",
    )
    .await;
    let two = with(
        &["stays"],
        json!([
        {"city": "石家庄", "check_in": "2021-05-10", "check_out": "2021-05-12", "lodging_amount": "1", "invoice": true},
        {"city": "石家庄", "check_in": "2021-05-11", "check_out": "2021-05-12", "lodging_amount": "1", "invoice": true}]),
    );
    refused(&app, &t, &two, 422, "invalid_request", "stays[1].check_in").await;
    let r = app
        .post(
            &t,
            "/api/v1/travel-claims",
            &with(&["stays", "0", "city"], json!("上海")),
        )
        .await;
    r.assert(422, "unknown_city");
    assert_eq!(r.fields(), ["stays[0].city"]);
    assert_eq!(
        r.body["known_cities"],
        json!(["xingtai", "shijiazhuang", "beijing"])
    );
    refused(
        &app,
        &t,
        &with(&["destination"], json!("Shanghai")),
        422,
        "unknown_city",
        "destination",
    )
    .await;
    for amount in [
        json!("680.001"),
        json!(680.001),
        json!("-1.00"),
        json!(-1),
        json!("100000000.00"),
        json!("abc"),
        json!("1e3"),
    ] {
        refused(
            &app,
            &t,
            &with(&["stays", "0", "lodging_amount"], amount),
            422,
            "invalid_request",
            "stays[0].lodging_amount",
        )
        .await;
    }
    refused(
        &app,
        &t,
        &with(&["tickets", "1", "amount"], json!("0.00")),
        422,
        "invalid_request",
        "tickets[1].amount",
    )
    .await;
    refused(
        &app,
        &t,
        &with(&["tickets", "1", "description"], json!("")),
        422,
        "invalid_request",
        "tickets[1].description",
    )
    .await;
    refused(
        &app,
        &t,
        &with(&["purpose"], json!("   ")),
        422,
        "invalid_request",
        "purpose",
    )
    .await;
    refused(
        &app,
        &t,
        &with(&["purpose"], json!("长".repeat(501))),
        422,
        "invalid_request",
        "purpose",
    )
    .await;
    let many: Vec<Value> = (0..101)
        .map(|_| json!({"description": "t", "amount": "1.00"}))
        .collect();
    refused(
        &app,
        &t,
        &with(&["tickets"], json!(many)),
        422,
        "invalid_request",
        "tickets",
    )
    .await;
    refused(
        &app,
        &t,
        &with(&["budget_line_id"], json!(987654)),
        404,
        "not_found",
        "budget_line_id",
    )
    .await;
    refused(
        &app,
        &t,
        &with(&["meals_provided", "0", "date"], json!("2021-06-01")),
        422,
        "invalid_request",
        "meals_provided[0].date",
    )
    .await;
    // The same rules answer a quote.
    let q = app
        .post(
            &t,
            "/api/v1/travel-claims/quote",
            &with(&["return_date"], json!("2021-05-09")),
        )
        .await;
    q.assert(422, "invalid_request");
}

#[tokio::test]
async fn malformed_bodies_are_invalid_requests() {
    let app = spawn_app().await;
    let t = app.user("张三", &[R::Claimant]);
    let post_raw = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/travel-claims"))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body(body)
    };
    app.send(post_raw("{not json"))
        .await
        .assert(400, "invalid_request");
    app.send(post_raw("")).await.assert(400, "invalid_request");
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mut wrong_type = r8_claim(line);
    wrong_type["departure_date"] = json!(20210510);
    let r = app.post(&t, "/api/v1/travel-claims", &wrong_type).await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["departure_date"]);
    for odd in ["-1-1-1", "2021-5-10", "+12021-05-10"] {
        let mut odd_date = r8_claim(line);
        odd_date["departure_date"] = json!(odd);
        let r = app.post(&t, "/api/v1/travel-claims", &odd_date).await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), ["departure_date"], "{odd}");
    }
    let mut bad_date = r8_claim(line);
    bad_date["stays"][0]["check_in"] = json!("2021-02-30");
    let r = app.post(&t, "/api/v1/travel-claims", &bad_date).await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["stays[0].check_in"]);
    let mut missing = r8_claim(line);
    missing.as_object_mut().unwrap().remove("purpose");
    let r = app.post(&t, "/api/v1/travel-claims", &missing).await;
    r.assert(422, "invalid_request");
    assert!(
        r.body["detail"].as_str().unwrap().contains("purpose"),
        "{}",
        r.body
    );
    let mut no_line = r8_claim(line);
    no_line.as_object_mut().unwrap().remove("budget_line_id");
    let r = app.post(&t, "/api/v1/travel-claims", &no_line).await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["budget_line_id"]);
    app.send(post_raw("[1,2,3]"))
        .await
        .assert(422, "invalid_request");
    app.send(post_raw("null"))
        .await
        .assert(422, "invalid_request");
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let app = spawn_app().await;
    let t = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mut big = r8_claim(line);
    big["padding"] = json!("x".repeat(70 * 1024));
    app.post(&t, "/api/v1/travel-claims", &big)
        .await
        .assert(413, "payload_too_large");
    let r = app
        .send(
            app.client
                .post(app.url("/api/v1/travel-claims"))
                .bearer_auth(&t)
                .header("idempotency-key", "big")
                .json(&big),
        )
        .await;
    r.assert(413, "payload_too_large");
}

#[tokio::test]
async fn bad_query_parameters_are_422() {
    let app = spawn_app().await;
    app.get(&app.admin, "/api/v1/budget-lines?year=abc")
        .await
        .assert(422, "invalid_request");
    app.get(&app.admin, "/api/v1/budget-lines")
        .await
        .assert(422, "invalid_request");
}
