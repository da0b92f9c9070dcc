use crate::helpers::*;

#[tokio::test]
async fn another_organisation_sees_nothing_of_ours() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let claim = app.submit(&claimant, &r8_claim(line)).await;

    baoxiao::services::users::add_org(&app.pool, "other-bureau", "另一个局").unwrap();
    let (_, other) = baoxiao::services::users::add_user(
        &app.pool,
        Some("other-bureau"),
        "外单位",
        &[R::Admin, R::Finance, R::BudgetHolder, R::Claimant],
    )
    .unwrap();
    app.get(&other, &format!("/api/v1/budget-lines/{line}"))
        .await
        .assert(404, "not_found");
    app.get(&other, &format!("/api/v1/travel-claims/{claim}"))
        .await
        .assert(404, "not_found");
    app.post(
        &other,
        &format!("/api/v1/travel-claims/{claim}/approve"),
        &json!({}),
    )
    .await
    .assert(404, "not_found");
    let lines = app.get(&other, "/api/v1/budget-lines?year=2021").await;
    assert_eq!(lines.body, json!([]));
    let listed = app.get(&other, "/api/v1/travel-claims").await;
    assert_eq!(listed.body, json!([]));
    // Its own claim cannot be charged to our line.
    app.post(&other, "/api/v1/travel-claims", &r8_claim(line))
        .await
        .assert(404, "not_found");
    // Codes are unique per organisation: the other bureau may use ours.
    let body =
        json!({"year": 2021, "code": "dept", "name": "另一个局 2021", "allocated": "1000.00"});
    app.post(&other, "/api/v1/budget-lines", &body)
        .await
        .assert(201, "");
    // The new organisation has no policy until its admin publishes one.
    app.get(&other, "/api/v1/policy?date=2021-05-01")
        .await
        .assert(422, "invalid_request");
}

#[tokio::test]
async fn an_organisation_code_is_taken_once() {
    let app = spawn_app().await;
    baoxiao::services::users::add_org(&app.pool, "other-bureau", "另一个局").unwrap();
    let again = baoxiao::services::users::add_org(&app.pool, "other-bureau", "又一个局")
        .expect_err("the code is taken");
    assert_eq!(
        again.to_string(),
        "organisation other-bureau already exists"
    );
}
