use crate::helpers::*;

#[tokio::test]
async fn r8_worked_example_quote() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let q = app
        .post(&claimant, "/api/v1/travel-claims/quote", &r8_claim(0))
        .await;
    assert_eq!(q.status, Status::OK, "{}", q.body);
    let b = &q.body;
    assert_eq!(b["days"], 3);
    assert_eq!(b["policy_version"], 1);
    assert_eq!(
        b["stays"][0],
        json!({"city": "shijiazhuang", "nights": 2, "cap_per_night": "300.00",
        "cap_total": "600.00", "lodging_claimed": "680.00", "lodging_allowed": "600.00", "self_borne": "80.00"})
    );
    assert_eq!(b["meal_allowance"], "260.00");
    assert_eq!(b["meal_deductions"], "40.00");
    assert_eq!(b["transport_allowance"], "240.00");
    assert_eq!(b["tickets"], "131.00");
    assert_eq!(b["reimbursable"], "1231.00");
    assert_eq!(b["self_borne"], "80.00");
    assert_eq!(b["ineligible_reason"], json!(null));
    let lines = b["lines"].as_array().unwrap();
    let total: i64 = lines
        .iter()
        .map(|l| {
            let s = l["amount"].as_str().unwrap();
            assert!(l["rule"].as_str().unwrap().starts_with('R'), "{l}");
            let negative = s.starts_with('-');
            let fen: i64 = s.trim_start_matches('-').replace('.', "").parse().unwrap();
            if negative {
                -fen
            } else {
                fen
            }
        })
        .sum();
    assert_eq!(
        total, 123_100,
        "the lines add up to the reimbursable amount"
    );
    assert!(lines.iter().any(|l| l["item"] == "meal_deduction"
        && l["date"] == "2021-05-11"
        && l["amount"] == "-40.00"));
    // Nothing was stored.
    assert_eq!(
        app.get(&app.admin, "/api/v1/travel-claims").await.body,
        json!([])
    );
}

#[tokio::test]
async fn submit_approve_pay_moves_the_line_and_every_ancestor() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let submitted = app
        .post(&claimant, "/api/v1/travel-claims", &r8_claim(line))
        .await;
    submitted.assert(201, "");
    assert_eq!(submitted.body["status"], "submitted");
    assert_eq!(submitted.body["budget_warning"], json!(null));
    assert_eq!(submitted.body["budget_line_id"], line);
    assert_eq!(submitted.body["breakdown"]["reimbursable"], "1231.00");
    let id = submitted.body["id"].as_i64().unwrap();

    let approved = app
        .post(
            &finance,
            &format!("/api/v1/travel-claims/{id}/approve"),
            &json!({}),
        )
        .await;
    approved.assert(200, "");
    assert_eq!(approved.body["status"], "approved");
    // The approval answers with the claim exactly as a later read shows it, history included.
    let read = app
        .get(&finance, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(approved.body, read.body);
    assert_eq!(approved.body["history"].as_array().map(Vec::len), Some(2));
    for code in [
        "dept.project.petition-work.operations",
        "dept.project.petition-work",
        "dept.project",
        "dept",
    ] {
        let l = app.line(app.line_id(code).await).await;
        assert_eq!(l["committed"], "1231.00", "{code}");
        assert_eq!(l["spent"], "0.00", "{code}");
    }
    assert_eq!(app.line(line).await["available"], "198769.00");

    app.approvals_dated_2021_05_01();
    let paid = app
        .post(
            &finance,
            &format!("/api/v1/travel-claims/{id}/pay"),
            &json!({"paid_on": "2021-05-20"}),
        )
        .await;
    paid.assert(200, "");
    assert_eq!(paid.body["status"], "paid");
    assert_eq!(paid.body["paid_on"], "2021-05-20");
    for code in ["dept.project.petition-work.operations", "dept"] {
        let l = app.line(app.line_id(code).await).await;
        assert_eq!(
            (l["committed"].as_str(), l["spent"].as_str()),
            (Some("0.00"), Some("1231.00")),
            "{code}"
        );
    }
    let history: Vec<_> = paid.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(history, ["submit", "approve", "pay"]);
    assert!(paid.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["actor_id"].is_i64() && h["at"].is_string()));
    let kinds: Vec<_> = app
        .get(&app.admin, &format!("/api/v1/budget-lines/{line}/entries"))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["allocate", "commit", "spend"]);

    // Paid is final.
    for action in ["approve", "pay"] {
        app.post(
            &finance,
            &format!("/api/v1/travel-claims/{id}/{action}"),
            &json!({"paid_on": "2021-05-21"}),
        )
        .await
        .assert(409, "invalid_transition");
    }
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/reject"),
        &json!({"reason": "x"}),
    )
    .await
    .assert(409, "invalid_transition");
    let (_, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

#[tokio::test]
async fn rejecting_an_approved_claim_releases_its_commitment() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/pay"),
        &json!({"paid_on": "2021-05-20"}),
    )
    .await
    .assert(409, "invalid_transition");
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let rejected = app
        .post(
            &finance,
            &format!("/api/v1/travel-claims/{id}/reject"),
            &json!({"reason": "票据不全"}),
        )
        .await;
    rejected.assert(200, "");
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(rejected.body["reject_reason"], "票据不全");
    assert_eq!(app.line(line).await["committed"], "0.00");
    assert_eq!(
        app.line(app.line_id("dept").await).await["committed"],
        "0.00"
    );
    let kinds: Vec<_> = app
        .get(&app.admin, &format!("/api/v1/budget-lines/{line}/entries"))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["allocate", "commit", "release"]);
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(409, "invalid_transition");
    let empty_reason = app
        .post(
            &finance,
            &format!("/api/v1/travel-claims/{id}/reject"),
            &json!({"reason": ""}),
        )
        .await;
    empty_reason.assert(422, "invalid_request");
}

#[tokio::test]
async fn insufficient_budget_names_the_binding_line_and_changes_nothing() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    // A child allocated more than its parent can cover: the parent binds.
    let parent = json!({"year": 2021, "code": "dept.project.small", "name": "小项目", "parent_code": "dept.project", "allocated": "2000.00"});
    app.post(&app.admin, "/api/v1/budget-lines", &parent)
        .await
        .assert(201, "");
    let child = json!({"year": 2021, "code": "dept.project.small.trips", "name": "差旅", "parent_code": "dept.project.small", "allocated": "5000.00"});
    let child_id = app
        .post(&app.admin, "/api/v1/budget-lines", &child)
        .await
        .body["id"]
        .as_i64()
        .unwrap();

    let submitted = app
        .post(&claimant, "/api/v1/travel-claims", &r8_claim(child_id))
        .await;
    submitted.assert(201, "");
    assert_eq!(submitted.body["budget_warning"], json!(null));
    let first = submitted.body["id"].as_i64().unwrap();
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{first}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");

    let second = app
        .post(&claimant, "/api/v1/travel-claims", &r8_claim(child_id))
        .await;
    assert!(
        second.body["budget_warning"]
            .as_str()
            .unwrap()
            .contains("dept.project.small"),
        "{}",
        second.body
    );
    let second = second.body["id"].as_i64().unwrap();
    let refused = app
        .post(
            &finance,
            &format!("/api/v1/travel-claims/{second}/approve"),
            &json!({}),
        )
        .await;
    refused.assert(409, "insufficient_budget");
    assert_eq!(refused.body["line_code"], "dept.project.small");
    assert_eq!(
        refused.body["available"], "769.00",
        "2000.00 less the first claim's 1231.00"
    );
    assert_eq!(refused.body["requested"], "1231.00");
    // Nothing changed: not the child, not the parent, and the claim is still submitted.
    assert_eq!(app.line(child_id).await["committed"], "1231.00");
    let claim = app
        .get(&finance, &format!("/api/v1/travel-claims/{second}"))
        .await;
    assert_eq!(claim.body["status"], "submitted");
}

#[tokio::test]
async fn a_missing_lodging_invoice_pays_nothing() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let mut body = r8_claim(0);
    body["stays"][0]["invoice"] = json!(false);
    let q = app
        .post(&claimant, "/api/v1/travel-claims/quote", &body)
        .await;
    assert_eq!(q.body["ineligible_reason"], "missing_lodging_invoice");
    assert_eq!(q.body["reimbursable"], "0.00");
    assert!(q.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["amount"] == "0.00"));
    // Staying with family costs nothing and needs no invoice.
    body["stays"][0]["lodging_amount"] = json!("0");
    let q = app
        .post(&claimant, "/api/v1/travel-claims/quote", &body)
        .await;
    assert_eq!(q.body["ineligible_reason"], json!(null));
    assert_eq!(q.body["reimbursable"], "631.00");
}

#[tokio::test]
async fn claimants_see_only_their_own_claims() {
    let app = spawn_app().await;
    let a = app.user("甲", &[R::Claimant]);
    let b = app.user("乙", &[R::Claimant]);
    let holder = app.user("丙", &[R::BudgetHolder]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mine = app.submit(&a, &r8_claim(line)).await;
    let theirs = app.submit(&b, &day_trip(line)).await;
    let listed: Vec<_> = app
        .get(&a, "/api/v1/travel-claims")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [mine]);
    app.get(&a, &format!("/api/v1/travel-claims/{theirs}"))
        .await
        .assert(404, "not_found");
    let all = app
        .get(&holder, "/api/v1/travel-claims?status=submitted")
        .await;
    assert_eq!(all.body.as_array().unwrap().len(), 2);
    assert_eq!(
        app.get(&holder, "/api/v1/travel-claims?status=paid")
            .await
            .body,
        json!([])
    );
    app.get(&holder, "/api/v1/travel-claims?status=lost")
        .await
        .assert(422, "invalid_request");
}

#[tokio::test]
async fn concurrent_approvals_never_overspend() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    // Room for exactly 5 day trips of 180.00.
    let body = json!({"year": 2021, "code": "dept.project.race", "name": "并发", "parent_code": "dept.project", "allocated": "900.00"});
    let line = app
        .post(&app.admin, "/api/v1/budget-lines", &body)
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(app.submit(&claimant, &day_trip(line)).await);
    }
    let empty = json!({});
    let paths: Vec<String> = ids
        .iter()
        .map(|id| format!("/api/v1/travel-claims/{id}/approve"))
        .collect();
    let results =
        futures::future::join_all(paths.iter().map(|path| app.post(&finance, path, &empty))).await;
    let approved = results.iter().filter(|r| r.status == Status::OK).count();
    let refused = results
        .iter()
        .filter(|r| r.code() == "insufficient_budget")
        .count();
    assert_eq!((approved, refused), (5, 7));
    let l = app.line(line).await;
    assert_eq!(
        (l["committed"].as_str(), l["available"].as_str()),
        (Some("900.00"), Some("0.00"))
    );
    let (_, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(mismatches.is_empty());
}
