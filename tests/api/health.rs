use crate::helpers::*;

#[tokio::test]
async fn healthz_and_readyz_answer() {
    let app = spawn_app().await;
    let health = app.send(app.client.get(app.url("/healthz"))).await;
    assert_eq!(health.status, Status::OK);
    assert_eq!(health.body, json!({"status": "ok"}));
    let ready = app.send(app.client.get(app.url("/readyz"))).await;
    assert_eq!(ready.status, Status::OK);
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let app = spawn_app().await;
    let doc = app.send(app.client.get(app.url("/openapi.json"))).await;
    assert_eq!(doc.status, Status::OK);
    assert!(doc.body["openapi"].as_str().unwrap_or("").starts_with("3."));
    for path in [
        "/healthz",
        "/readyz",
        "/api/v1/policy",
        "/api/v1/budget-lines",
        "/api/v1/budget-lines/{id}",
        "/api/v1/budget-lines/{id}/entries",
        "/api/v1/travel-claims",
        "/api/v1/travel-claims/quote",
        "/api/v1/travel-claims/{id}",
        "/api/v1/travel-claims/{id}/approve",
        "/api/v1/travel-claims/{id}/reject",
        "/api/v1/travel-claims/{id}/pay",
        "/api/v1/subsidy-recipients",
        "/api/v1/subsidy-recipients/{id}",
        "/api/v1/subsidy-batches",
        "/api/v1/subsidy-batches/{id}",
        "/api/v1/subsidy-batches/{id}/approve",
        "/api/v1/subsidy-batches/{id}/pay",
        "/api/v1/subsidy-batches/{id}/void",
        "/api/v1/subsidy-batches/{id}/regenerate",
        "/api/v1/subsidy-batches/{id}/payment-file",
        "/api/v1/duty-stations",
        "/api/v1/duty-stations/{id}/assignments",
        "/api/v1/duty-events",
        "/api/v1/budget-lines/{id}/forecast",
        "/api/v1/reports/budget-execution",
        "/api/v1/reports/performance",
        "/api/v1/reports/performance/targets",
        "/api/v1/reports/journal",
    ] {
        assert!(
            doc.body["paths"].get(path).is_some(),
            "{path} missing from /openapi.json"
        );
    }
}

#[tokio::test]
async fn docs_are_served_without_a_cdn() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), Status::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("https://"),
        "docs must load nothing from the internet: {html}"
    );
    let script = app
        .client
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), Status::OK);
    let init = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap();
    assert!(init.text().await.unwrap().contains("/openapi.json"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_approvals() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    let approve = format!("/api/v1/travel-claims/{id}/approve");
    app.post(&finance, &approve, &json!({}))
        .await
        .assert(200, "");
    app.post(&finance, &approve, &json!({}))
        .await
        .assert(409, "invalid_transition");
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("baoxiao_http_requests_total"), "{text}");
    assert!(
        text.contains("/api/v1/travel-claims/{id}/approve"),
        "routes are labelled by pattern: {text}"
    );
    // The counters are per process, and this process serves every test at once; a server process
    // of its own, on the same database, sees only this test's requests, so the change is exact.
    let other = ServerProcess::start(&app).await;
    let counter = |text: &str, series: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let metrics = || async {
        app.client
            .get(format!("{}/metrics", other.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let approvals = "baoxiao_approvals_total{kind=\"travel_claim\"}";
    let refusals = "baoxiao_refusals_total{code=\"invalid_transition\"}";
    let before = metrics().await;
    let second = app.submit(&claimant, &r8_claim(line)).await;
    let approve = format!("{}/api/v1/travel-claims/{second}/approve", other.address);
    for expected in [200, 409] {
        let r = app
            .client
            .post(&approve)
            .bearer_auth(&finance)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), expected);
    }
    let after = metrics().await;
    assert_eq!(
        counter(&after, approvals),
        counter(&before, approvals) + 1,
        "one approval: {after}"
    );
    assert_eq!(
        counter(&after, refusals),
        counter(&before, refusals) + 1,
        "one refusal: {after}"
    );
    assert!(
        text.contains("baoxiao_refusals_total{code=\"invalid_transition\"}"),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    app.send(app.client.get(app.url("/nowhere")))
        .await
        .assert(404, "not_found");
    app.get(&app.admin, "/api/v1/budget-lines/not-a-number")
        .await
        .assert(404, "not_found");
}

#[tokio::test]
async fn first_start_writes_the_admin_token_privately() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    // The server wrote it on its first start; the test only reads what it finds.
    let path = app.data_dir.path().join("admin.token");
    let mode = std::fs::metadata(&path)
        .unwrap_or_else(|e| panic!("the server wrote no {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), app.admin);
    let me = app.get(&app.admin, "/api/v1/budget-lines?year=2021").await;
    assert_eq!(me.status, Status::OK);
}
