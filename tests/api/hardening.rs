//! Inputs from an attack on the running service that once answered 500, sometimes after storing
//! a row: each is now a 422 naming its field, and leaves nothing behind.
use crate::helpers::*;
use serde_json::Value;

fn field_named(r: &Reply, field: &str) {
    assert!(
        r.fields().iter().any(|f| f == field),
        "{field} not named: {}",
        r.body
    );
}

async fn count(app: &TestApp, path: &str) -> usize {
    app.get(&app.admin, path)
        .await
        .body
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn control_characters_in_any_text_field_are_422_and_store_nothing() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    for (field, bad) in [
        ("purpose", "赴省\u{0}汇报"),
        ("destination", "石家庄\n"),
        ("purpose", "a\tb"),
    ] {
        let mut body = r8_claim(line);
        body[field] = json!(bad);
        let r = app.post(&claimant, "/api/v1/travel-claims", &body).await;
        r.assert(422, "invalid_request");
        field_named(&r, field);
    }
    let mut nested = r8_claim(line);
    nested["stays"][0]["city"] = json!("石家\u{0}庄");
    let r = app.post(&claimant, "/api/v1/travel-claims", &nested).await;
    r.assert(422, "invalid_request");
    field_named(&r, "stays[0].city");
    assert_eq!(count(&app, "/api/v1/travel-claims").await, 0);

    for name in ["王\u{0}五", "王五\n李六", "王五\r\n"] {
        let body = json!({"name": name, "enrolled_from": "2021-01-01"});
        let r = app
            .post(&app.admin, "/api/v1/subsidy-recipients", &body)
            .await;
        r.assert(422, "invalid_request");
        field_named(&r, "name");
    }
    assert_eq!(count(&app, "/api/v1/subsidy-recipients").await, 0);

    let stations = count(&app, "/api/v1/duty-stations").await;
    let station = json!({"name": "驻京\u{0}点", "city": "beijing", "budget_line_id": line});
    let r = app
        .post(&app.admin, "/api/v1/duty-stations", &station)
        .await;
    r.assert(422, "invalid_request");
    field_named(&r, "name");
    assert_eq!(count(&app, "/api/v1/duty-stations").await, stations);

    let id = app.submit(&claimant, &r8_claim(line)).await;
    let reject = format!("/api/v1/travel-claims/{id}/reject");
    let r = app
        .post(&finance, &reject, &json!({"reason": "超\u{0}标"}))
        .await;
    r.assert(422, "invalid_request");
    field_named(&r, "reason");
    let claim = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(claim.body["status"], "submitted");
}

#[tokio::test]
async fn names_are_trimmed_bounded_visible_and_one_line() {
    let app = spawn_app().await;
    let recipient = |name: Value| json!({"name": name, "enrolled_from": "2021-01-01"});
    for name in [json!("   "), json!("\u{200B}"), json!("\u{3000}\u{FEFF}")] {
        let r = app
            .post(&app.admin, "/api/v1/subsidy-recipients", &recipient(name))
            .await;
        r.assert(422, "invalid_request");
        field_named(&r, "name");
    }
    let r = app
        .post(
            &app.admin,
            "/api/v1/subsidy-recipients",
            &recipient(json!("长".repeat(10_000))),
        )
        .await;
    r.assert(422, "invalid_request");
    assert_eq!(
        r.body["errors"][0]["message"], "1 to 200 characters required",
        "{}",
        r.body
    );
    let r = app
        .post(
            &app.admin,
            "/api/v1/subsidy-recipients",
            &recipient(json!("  王五\u{200B} ")),
        )
        .await;
    r.assert(201, "");
    assert_eq!(r.body["name"], "王五");

    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mut body = r8_claim(line);
    body["purpose"] = json!("\u{200B}");
    let r = app.post(&claimant, "/api/v1/travel-claims", &body).await;
    r.assert(422, "invalid_request");
    field_named(&r, "purpose");
}

/// A name is visible when it holds a letter, a digit or a CJK character: the braille blank and
/// a lone combining mark are refused wherever a name is given (issue 28, item 14).
#[tokio::test]
async fn invisible_names_are_refused_wherever_a_name_is_given() {
    let app = spawn_app().await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let invisible = [
        "\u{2800}",
        "\u{0301}",
        " \u{0301}\u{0308} ",
        "\u{2800}\u{200B}\u{2800}",
    ];
    for name in invisible {
        let r = app
            .post(
                &app.admin,
                "/api/v1/subsidy-recipients",
                &json!({"name": name, "enrolled_from": "2021-01-01"}),
            )
            .await;
        r.assert(422, "invalid_request");
        field_named(&r, "name");
        let r = app
            .post(
                &app.admin,
                "/api/v1/duty-stations",
                &json!({"name": name, "city": "beijing", "budget_line_id": line}),
            )
            .await;
        r.assert(422, "invalid_request");
        field_named(&r, "name");
        let r = app
            .post(
                &app.admin,
                "/api/v1/budget-lines",
                &json!({"year": 2021, "code": "dept.project.petition-work.blank",
                        "name": name, "parent_code": "dept.project.petition-work",
                        "allocated": "0.00"}),
            )
            .await;
        r.assert(422, "invalid_request");
        field_named(&r, "name");
        for refused in [
            baoxiao::services::users::add_user(&app.pool, None, name, &[R::Claimant]).map(|_| ()),
            baoxiao::services::users::add_org(&app.pool, "blank-bureau", name).map(|_| ()),
        ] {
            let e = refused.unwrap_err();
            assert_eq!(e.code(), "invalid_request", "{name:?}");
            assert!(e.to_string().contains("visible"), "{name:?}: {e}");
        }
    }
    assert_eq!(count(&app, "/api/v1/subsidy-recipients").await, 0);
    // Visible text around the blank is kept, the blank trimmed.
    let r = app
        .post(
            &app.admin,
            "/api/v1/subsidy-recipients",
            &json!({"name": "\u{2800}王五\u{2800}", "enrolled_from": "2021-01-01"}),
        )
        .await;
    r.assert(201, "");
    assert_eq!(r.body["name"], "王五");
}

#[tokio::test]
async fn the_cli_refuses_control_characters_in_names() {
    let app = spawn_app().await;
    let refused = baoxiao::services::users::add_user(&app.pool, None, "王\u{0}五", &[R::Claimant]);
    assert!(
        matches!(&refused, Err(e) if e.to_string().contains("name")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_budget_tree_has_at_most_sixteen_levels() {
    let app = spawn_app().await;
    let mut parent: Option<String> = None;
    let mut last = 0;
    for level in 1..=16 {
        let code = format!("deep{level}");
        let mut body = json!({"year": 2021, "code": code, "name": code, "allocated": "1000.00"});
        if let Some(p) = &parent {
            body["parent_code"] = json!(p);
        }
        let r = app.post(&app.admin, "/api/v1/budget-lines", &body).await;
        r.assert(201, "");
        last = r.body["id"].as_i64().unwrap();
        parent = Some(code);
    }
    let too_deep = json!({"year": 2021, "code": "deep17", "name": "deep17", "allocated": "1.00", "parent_code": "deep16"});
    let r = app
        .post(&app.admin, "/api/v1/budget-lines", &too_deep)
        .await;
    r.assert(422, "invalid_request");
    field_named(&r, "parent_code");
    // The deepest allowed line works end to end.
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let id = app.submit(&claimant, &day_trip(last)).await;
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
}

#[tokio::test]
async fn dates_outside_2000_to_2099_are_422_naming_the_field() {
    let app = spawn_app().await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let station = json!({"name": "驻京点", "city": "beijing", "budget_line_id": line});
    let r = app
        .post(&app.admin, "/api/v1/duty-stations", &station)
        .await;
    r.assert(201, "");
    let assignments = format!("/api/v1/duty-stations/{}/assignments", r.body["id"]);
    for (from, to, field) in [
        ("0001-01-01", "2021-01-01", "from"),
        ("2021-01-01", "9999-12-31", "to"),
        ("1999-12-31", "2021-01-01", "from"),
        ("2021-01-01", "2100-01-01", "to"),
    ] {
        let body = json!({"person": "王五", "from": from, "to": to});
        let r = app.post(&app.admin, &assignments, &body).await;
        r.assert(422, "invalid_request");
        field_named(&r, field);
    }
    assert_eq!(count(&app, &assignments).await, 0);
    let claimant = app.user("张三", &[R::Claimant]);
    let mut claim = day_trip(line);
    claim["departure_date"] = json!("0000-01-01");
    let r = app.post(&claimant, "/api/v1/travel-claims", &claim).await;
    r.assert(422, "invalid_request");
    field_named(&r, "departure_date");
    app.get(
        &app.admin,
        &format!("/api/v1/budget-lines/{line}/forecast?as_of=2100-01-01"),
    )
    .await
    .assert(422, "invalid_request");
}

#[tokio::test]
async fn the_largest_roster_the_limits_allow_forecasts_without_a_500() {
    let app = spawn_app().await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let station = json!({"name": "驻京点", "city": "beijing", "budget_line_id": line,
                         "daily_cost_override": "99999999.99"});
    let r = app
        .post(&app.admin, "/api/v1/duty-stations", &station)
        .await;
    r.assert(201, "");
    let assignments = format!("/api/v1/duty-stations/{}/assignments", r.body["id"]);
    for i in 0..260 {
        let body = json!({"person": format!("人员{i}"), "from": "2000-01-01", "to": "2099-12-31"});
        let r = app.post(&app.admin, &assignments, &body).await;
        r.assert(201, "");
    }
    // The helpers fail on any 5xx: each answer is a forecast or a 422, never an overflow.
    let f = app
        .get(
            &app.admin,
            &format!("/api/v1/budget-lines/{line}/forecast?as_of=2000-01-01"),
        )
        .await;
    assert!(
        f.status == Status::OK || f.code() == "invalid_request",
        "{}",
        f.body
    );
    app.get(&app.admin, &assignments).await.assert(200, "");
}

#[tokio::test]
async fn refusals_come_in_order_401_then_403_then_the_body() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    let raw = |token: &str, path: &str, body: &'static str| {
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
    };
    // Repeated: the order must not depend on which extractor happens to finish first.
    for _ in 0..10 {
        for body in ["{}", "{not json", "{\"purpose\": \"\\u0000\"}"] {
            app.send(raw("bx_bogus", "/api/v1/travel-claims", body))
                .await
                .assert(401, "unauthenticated");
            app.send(raw(&app.admin, "/api/v1/travel-claims", body))
                .await
                .assert(403, "forbidden");
        }
        let reject = format!("/api/v1/travel-claims/{id}/reject");
        app.send(raw(&claimant, &reject, "{}"))
            .await
            .assert(403, "forbidden");
        app.send(raw(&finance, &reject, "{}"))
            .await
            .assert(422, "invalid_request");
        app.send(raw(&claimant, "/api/v1/travel-claims", "{not json"))
            .await
            .assert(400, "invalid_request");
        app.send(raw("bx_bogus", "/api/v1/travel-claims", "{}").header("Idempotency-Key", "\t"))
            .await
            .assert(401, "unauthenticated");
    }
}

#[tokio::test]
async fn nobody_decides_on_their_own_claim_or_approves_a_batch_they_made() {
    let app = spawn_app().await;
    let both = app.user("赵六", &[R::Claimant, R::Finance]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&both, &r8_claim(line)).await;
    let reject = format!("/api/v1/travel-claims/{id}/reject");
    app.post(&both, &reject, &json!({"reason": "不去了"}))
        .await
        .assert(403, "self_approval_forbidden");
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    app.post(
        &both,
        &format!("/api/v1/travel-claims/{id}/pay"),
        &json!({"paid_on": "2021-05-20"}),
    )
    .await
    .assert(403, "self_approval_forbidden");

    // Regenerating a batch makes you one of its makers.
    let (maker, regenerator, checker) = (
        app.user("出纳 甲", &[R::Finance]),
        app.user("出纳 丙", &[R::Finance]),
        app.user("会计 乙", &[R::Finance]),
    );
    let subsidy = app.line_id("dept.project.cadre-subsidy").await;
    let r = app
        .post(
            &maker,
            "/api/v1/subsidy-recipients",
            &json!({"name": "老王", "enrolled_from": "2021-01-01"}),
        )
        .await;
    r.assert(201, "");
    let b = app
        .post(
            &maker,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": subsidy, "year": 2021, "half": 1}),
        )
        .await;
    b.assert(201, "");
    let batch = b.body["id"].as_i64().unwrap();
    app.post(
        &regenerator,
        &format!("/api/v1/subsidy-batches/{batch}/regenerate"),
        &json!({}),
    )
    .await
    .assert(200, "");
    for token in [&maker, &regenerator] {
        app.post(
            token,
            &format!("/api/v1/subsidy-batches/{batch}/approve"),
            &json!({}),
        )
        .await
        .assert(403, "self_approval_forbidden");
    }
    app.post(
        &checker,
        &format!("/api/v1/subsidy-batches/{batch}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_unknown_paths_leave_the_metrics_small() {
    use futures::StreamExt;
    let app = spawn_app().await;
    let before = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .len();
    let statuses: Vec<u16> = futures::stream::iter(0..20_000)
        .map(|i| {
            let url = match i % 3 {
                0 => app.url(&format!("/nope-{i}")),
                1 => app.url(&format!("/api/v1/nope-{i}")),
                _ => app.url(&format!("/api/v1/travel-claims/{i}/nope")),
            };
            let request = if i % 100 == 0 {
                let method = reqwest::Method::from_bytes(format!("M{i}").as_bytes()).unwrap();
                app.client.request(method, url)
            } else {
                app.client.get(url)
            };
            async move { request.send().await.map_or(0, |r| r.status().as_u16()) }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| [401, 404, 405].contains(s)),
        "{:?}",
        &statuses[..10]
    );
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains("nope"), "an unknown path became a label");
    assert!(
        !metrics.contains("M100"),
        "an unknown method became a label"
    );
    assert!(
        metrics.len() < before + 16 * 1024,
        "/metrics grew from {before} to {} bytes",
        metrics.len()
    );
}

#[tokio::test]
async fn another_method_on_a_known_path_is_405_with_allow() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.client
                .patch(app.url("/api/v1/travel-claims/1"))
                .bearer_auth(&app.admin),
        )
        .await;
    r.assert(405, "method_not_allowed");
    let response = app
        .client
        .delete(app.url("/api/v1/budget-lines"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "GET, POST");
    app.get(&app.admin, "/api/v1/no-such-thing")
        .await
        .assert(404, "not_found");
}

/// `/metrics` is served for GET only: another method is 405 with `Allow`, as problem+json like
/// the API's; a page's path with another method is 405 with `Allow` too, said in Chinese
/// (issue 28, item 15).
#[tokio::test]
async fn another_method_on_metrics_or_a_page_is_405_with_allow() {
    let app = spawn_app().await;
    for method in [reqwest::Method::POST, reqwest::Method::DELETE] {
        let response = app
            .client
            .request(method.clone(), app.url("/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "GET", "{method}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{method}"
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "method_not_allowed");
    }
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status().as_u16(), 200);

    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/login", "GET, POST"),
        (reqwest::Method::GET, "/logout", "POST"),
        (reqwest::Method::PUT, "/claims/7", "GET"),
        (reqwest::Method::POST, "/reports", "GET"),
        (reqwest::Method::PATCH, "/admin/users/3/revoke", "POST"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        let body = response.text().await.unwrap();
        assert!(body.contains("此页面不支持该请求方式。"), "{body}");
    }
    let nowhere = app
        .client
        .delete(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status().as_u16(), 404);
}

/// Sends `head` and then nothing more, and reads what the server answers until it closes the
/// connection (a server that never answers fails the test after 60 s).
async fn stalled(app: &TestApp, head: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("a stalled request was never answered")
    .ok();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_and_headers_get_408() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let half_body = |keyed: bool| {
        let key = if keyed {
            "Idempotency-Key: slow-1\r\n"
        } else {
            ""
        };
        format!(
            "POST /api/v1/travel-claims HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {claimant}\r\n\
             Content-Type: application/json\r\n{key}Content-Length: 1000\r\n\r\n{{\"purpose\": \"赴省"
        )
    };
    let half_headers =
        "GET /api/v1/travel-claims HTTP/1.1\r\nHost: test\r\nAuthorization: Bea".to_string();
    let (answers, header_answer) = futures::join!(
        futures::future::join_all((0..20).map(|i| stalled(&app, half_body(i % 2 == 0)))),
        stalled(&app, half_headers)
    );
    for answer in &answers {
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    }
    assert!(header_answer.starts_with("HTTP/1.1 408"), "{header_answer}");
    // A head that never completes is answered like every other error (issue 28, item 10).
    assert!(
        header_answer.contains("content-type: application/problem+json"),
        "{header_answer}"
    );
    let body = header_answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let problem: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(problem["code"], "request_timeout", "{header_answer}");
    assert_eq!(problem["status"], 408, "{header_answer}");
    // Nothing was stored.
    app.get(&claimant, "/api/v1/travel-claims")
        .await
        .assert(200, "");
    assert_eq!(
        app.get(&claimant, "/api/v1/travel-claims").await.body,
        json!([])
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_data_directory_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let db = dir.join("baoxiao.db");
    let app = baoxiao::startup::Application::build(&settings(
        &db.to_string_lossy(),
        &root.path().join("state"),
    ))
    .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let admin = app.admin_token.clone().unwrap();
    tokio::spawn(app.run_until_stopped());
    let r = reqwest::Client::new()
        .get(format!("{address}/api/v1/budget-lines?year=2021"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "data directory");
    assert_eq!(mode(&db), 0o600, "database");
    let wal = dir.join("baoxiao.db-wal");
    assert!(wal.exists());
    assert_eq!(mode(&wal), 0o600, "write-ahead log");
}

#[tokio::test]
async fn users_add_without_org_names_the_organisations() {
    let app = spawn_app().await;
    baoxiao::services::users::add_org(&app.pool, "second-bureau", "第二局").unwrap();
    let refused = baoxiao::services::users::add_user(&app.pool, None, "王五", &[R::Claimant]);
    let message = refused.map(|_| ()).unwrap_err().to_string();
    assert!(message.contains("second-bureau"), "{message}");
    assert!(message.contains("--org"), "{message}");
}

/// Writes `request` on a fresh connection and reads everything the server sends until it closes
/// it (write or read errors after a refusal end the exchange, keeping what was read).
async fn exchange(app: &TestApp, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.ok();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the server never closed the connection")
    .ok();
    String::from_utf8_lossy(&answer).into_owned()
}

/// The last response of `answer`, which must be a complete problem+json of `status` and `code`
/// that closes the connection.
fn assert_last_problem(answer: &str, status: u16, code: &str) {
    let start = answer.rfind("HTTP/1.1 ").expect("no response");
    let (head, body) = answer[start..]
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head: {answer}"));
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with(&format!("http/1.1 {status} ")), "{head}");
    assert!(
        head.contains("\r\ncontent-type: application/problem+json"),
        "{head}"
    );
    assert!(head.contains("\r\nconnection: close"), "{head}");
    assert!(
        head.contains(&format!("\r\ncontent-length: {}", body.len())),
        "{head} / {body}"
    );
    let problem: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(problem["status"], status, "{problem}");
    assert_eq!(problem["code"], code, "{problem}");
    assert_eq!(
        problem["type"],
        format!("urn:baoxiao:problem:{code}"),
        "{problem}"
    );
    assert!(problem["title"].is_string() && problem["detail"].is_string());
}

#[tokio::test]
async fn a_malformed_request_head_is_400_problem_json() {
    let app = spawn_app().await;
    for head in [
        "GET /he llo HTTP/1.1\r\nHost: test\r\n\r\n",
        "GET /healthz HTTP/9.9\r\nHost: test\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost test\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: test\r\nX-Bad: a\u{1}b\r\n\r\n",
        "POST /healthz HTTP/1.1\r\nHost: test\r\nContent-Length: ten\r\n\r\n",
    ] {
        let answer = exchange(&app, head.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 400 "), "{head:?}: {answer}");
        assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{answer}");
        assert_last_problem(&answer, 400, "invalid_request");
    }
    app.get(&app.admin, "/healthz").await.assert(200, "");
}

#[tokio::test]
async fn every_request_of_a_connection_is_checked_and_answered_in_order() {
    let app = spawn_app().await;
    // A GET, a POST whose body looks like a request, a chunked POST, then a malformed head: the
    // service's three answers in order, then the 400; nothing after the malformed head is read.
    let admin = &app.admin;
    let body = "GET /x HTTP/1.1\r\n\r\n";
    let requests = format!(
        "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n\
         POST /api/v1/subsidy-recipients HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}\
         POST /api/v1/subsidy-recipients HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n\
         POST /healthz HTTP/1.1\r\nHost: test\r\nContent-Length: ten\r\n\r\n\
         GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n",
        body.len()
    );
    let answer = exchange(&app, requests.as_bytes()).await;
    let statuses: Vec<&str> = answer
        .match_indices("HTTP/1.1 ")
        .map(|(i, _)| &answer[i + 9..i + 12])
        .collect();
    assert_eq!(statuses, ["200", "400", "422", "400"], "{answer}");
    assert_last_problem(&answer, 400, "invalid_request");
}

#[tokio::test]
async fn a_request_head_too_large_is_431_problem_json() {
    let app = spawn_app().await;
    let big_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: test\r\nX-Big: {}\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let many_headers = format!(
        "GET /healthz HTTP/1.1\r\nHost: test\r\n{}\r\n",
        (0..100)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    for head in [big_header, many_headers] {
        let answer = exchange(&app, head.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
        assert_last_problem(&answer, 431, "request_header_fields_too_large");
    }
    // Still within the limits: served as usual.
    let fine = format!(
        "GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{}\r\n",
        (0..90)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    let answer = exchange(&app, fine.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("baoxiao_refusals_total{code=\"request_header_fields_too_large\"} 2"),
        "{metrics}"
    );
}
