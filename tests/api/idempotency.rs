use crate::helpers::*;

async fn approve_with_key(app: &TestApp, token: &str, id: i64, key: &str) -> Reply {
    app.send(
        app.client
            .post(app.url(&format!("/api/v1/travel-claims/{id}/approve")))
            .bearer_auth(token)
            .header("Idempotency-Key", key),
    )
    .await
}

#[tokio::test]
async fn a_retry_returns_the_first_response_without_acting_again() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    let first = approve_with_key(&app, &finance, id, "approve-1").await;
    first.assert(200, "");
    let again = approve_with_key(&app, &finance, id, "approve-1").await;
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    // The answer made inside the transaction, to be kept with the key, is the claim as a later
    // read shows it.
    let read = app
        .get(&finance, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(first.body, read.body);
    let commits = app
        .get(&app.admin, &format!("/api/v1/budget-lines/{line}/entries"))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "commit")
        .count();
    assert_eq!(commits, 1);
    // Without the key, a second approval is a conflict, not a replay.
    approve_with_key(&app, &finance, id, "approve-2")
        .await
        .assert(409, "invalid_transition");
    // Errors are replayed too.
    approve_with_key(&app, &finance, id, "approve-2")
        .await
        .assert(409, "invalid_transition");
}

#[tokio::test]
async fn a_key_reused_with_another_body_is_422() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let post = |body: serde_json::Value| {
        app.client
            .post(app.url("/api/v1/travel-claims"))
            .bearer_auth(&claimant)
            .header("Idempotency-Key", "trip-7")
            .json(&body)
    };
    let first = app.send(post(r8_claim(line))).await;
    first.assert(201, "");
    let replay = app.send(post(r8_claim(line))).await;
    assert_eq!(replay.body["id"], first.body["id"]);
    app.send(post(day_trip(line)))
        .await
        .assert(422, "idempotency_key_reused");
    assert_eq!(
        app.get(&claimant, "/api/v1/travel-claims")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Keys are per user: another claimant may use the same key.
    let other = app.user("王五", &[R::Claimant]);
    let theirs = app
        .send(
            app.client
                .post(app.url("/api/v1/travel-claims"))
                .bearer_auth(&other)
                .header("Idempotency-Key", "trip-7")
                .json(&day_trip(line)),
        )
        .await;
    theirs.assert(201, "");
    let long = "k".repeat(256);
    app.send(
        app.client
            .post(app.url("/api/v1/travel-claims"))
            .bearer_auth(&claimant)
            .header("Idempotency-Key", long)
            .json(&day_trip(line)),
    )
    .await
    .assert(422, "invalid_request");
}

#[tokio::test]
async fn the_same_json_with_other_spacing_or_key_order_is_the_same_request() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let post = |body: String| {
        app.client
            .post(app.url("/api/v1/travel-claims"))
            .bearer_auth(&claimant)
            .header("Idempotency-Key", "spaced")
            .header("content-type", "application/json")
            .body(body)
    };
    let compact = day_trip(line).to_string();
    let first = app.send(post(compact)).await;
    first.assert(201, "");
    let spaced = serde_json::to_string_pretty(&day_trip(line)).unwrap();
    let again = app.send(post(format!("\n  {spaced}\n"))).await;
    again.assert(201, "");
    assert_eq!(again.body["id"], first.body["id"]);
}

#[tokio::test]
async fn a_key_with_a_tab_or_a_control_character_is_422() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    for key in ["with\ttab", "\t"] {
        app.send(
            app.client
                .post(app.url("/api/v1/travel-claims"))
                .bearer_auth(&claimant)
                .header("Idempotency-Key", key)
                .json(&day_trip(line)),
        )
        .await
        .assert(422, "invalid_request");
    }
    // A bogus token is 401 before the key is looked at.
    app.send(
        app.client
            .post(app.url("/api/v1/travel-claims"))
            .bearer_auth("bx_bogus")
            .header("Idempotency-Key", "with\ttab")
            .json(&day_trip(line)),
    )
    .await
    .assert(401, "unauthenticated");
}

#[tokio::test]
async fn concurrent_identical_approvals_commit_once() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    let replies =
        futures::future::join_all((0..16).map(|_| approve_with_key(&app, &finance, id, "same")))
            .await;
    assert!(replies
        .iter()
        .all(|r| r.status == Status::OK || r.code() == "idempotency_key_in_flight"));
    assert!(replies.iter().any(|r| r.status == Status::OK));
    let commits = app
        .get(&app.admin, &format!("/api/v1/budget-lines/{line}/entries"))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "commit")
        .count();
    assert_eq!(commits, 1);
}
