use crate::helpers::*;

/// A line under 驻省值班 with the allocation of rules.md's R10 example.
async fn r10_line(app: &TestApp) -> i64 {
    let body = json!({"year": 2021, "code": "dept.project.petition-work.province-duty.r10", "name": "驻省值班（示例）",
                      "parent_code": "dept.project.petition-work.province-duty", "allocated": "150000.00"});
    let r = app.post(&app.admin, "/api/v1/budget-lines", &body).await;
    r.assert(201, "");
    r.body["id"].as_i64().unwrap()
}

async fn station(app: &TestApp, name: &str, city: &str, line: i64) -> i64 {
    let r = app
        .post(
            &app.admin,
            "/api/v1/duty-stations",
            &json!({"name": name, "city": city, "budget_line_id": line}),
        )
        .await;
    r.assert(201, "");
    r.body["id"].as_i64().unwrap()
}

async fn assign(app: &TestApp, station: i64, person: &str, from: &str, to: &str) -> Reply {
    app.post(
        &app.admin,
        &format!("/api/v1/duty-stations/{station}/assignments"),
        &json!({"person": person, "from": from, "to": to}),
    )
    .await
}

async fn forecast(app: &TestApp, line: i64, as_of: &str) -> serde_json::Value {
    let r = app
        .get(
            &app.admin,
            &format!("/api/v1/budget-lines/{line}/forecast?as_of={as_of}"),
        )
        .await;
    r.assert(200, "");
    r.body
}

#[tokio::test]
async fn the_seeded_stations_cost_cap_plus_allowances() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let list = app.get(&claimant, "/api/v1/duty-stations").await.body;
    let costs: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].clone(),
                s["city"].clone(),
                s["daily_cost"].clone(),
            )
        })
        .collect();
    assert_eq!(
        costs,
        [
            (json!("beijing"), json!("beijing"), json!("580.00")),
            (
                json!("shijiazhuang"),
                json!("shijiazhuang"),
                json!("480.00")
            ),
        ]
    );
    let beijing_line = app.line_id("dept.project.petition-work.beijing-duty").await;
    assert_eq!(list[0]["budget_line_id"], beijing_line);
}

#[tokio::test]
async fn r10_worked_example() {
    let app = spawn_app().await;
    let line = r10_line(&app).await;
    let s = station(&app, "石家庄驻点", "石家庄", line).await;
    let a = assign(&app, s, "值班员甲", "2021-01-01", "2021-12-31").await;
    a.assert(201, "");
    assert_eq!(
        (
            a.body["person_days"].as_i64(),
            a.body["estimated_cost"].as_str()
        ),
        (Some(365), Some("175200.00"))
    );
    let f = forecast(&app, line, "2021-01-01").await;
    assert_eq!(f["allocated"], "150000.00");
    assert_eq!(f["committed"], "0.00");
    assert_eq!(f["spent"], "0.00");
    assert_eq!(f["projected_remaining"], "175200.00");
    assert_eq!(f["projected_total"], "175200.00");
    assert_eq!(f["shortfall"], "25200.00");
    assert_eq!(f["exhaustion_date"], "2021-11-09");
    assert_eq!(
        f["sources"],
        json!([{"type": "station", "id": s, "name": "石家庄驻点", "city": "shijiazhuang",
        "budget_line_id": line, "person_days": 365, "cost": "175200.00"}])
    );
    // Later in the year, only the days left count.
    let june = forecast(&app, line, "2021-07-01").await;
    assert_eq!(june["projected_remaining"], "88320.00"); // 184 days × 480
    assert_eq!(june["exhaustion_date"], json!(null));
    assert_eq!(june["shortfall"], "0.00");
    // The parent line sees its children's duty too.
    let parent = app
        .line_id("dept.project.petition-work.province-duty")
        .await;
    assert_eq!(
        forecast(&app, parent, "2021-01-01").await["projected_remaining"],
        "175200.00"
    );
}

#[tokio::test]
async fn a_sensitive_period_event() {
    let app = spawn_app().await;
    let line = app
        .line_id("dept.project.petition-work.sensitive-duty")
        .await;
    let body = json!({"name": "七一 进京值守", "city": "北京", "budget_line_id": line, "from": "2021-06-28", "to": "2021-07-02", "extra_staff": 5});
    let e = app.post(&app.admin, "/api/v1/duty-events", &body).await;
    e.assert(201, "");
    assert_eq!(e.body["estimated_cost"], "14500.00"); // 5 staff × 5 days × 580.00
    assert_eq!(e.body["person_days"], 25);
    let summer = json!({"name": "暑期北戴河值班", "city": "beijing", "budget_line_id": line, "from": "2021-07-15", "to": "2021-08-31", "extra_staff": 2});
    app.post(&app.admin, "/api/v1/duty-events", &summer)
        .await
        .assert(201, "");
    let f = forecast(&app, line, "2021-06-01").await;
    assert_eq!(f["projected_remaining"], "70180.00"); // 14,500 + 2 staff × 48 days × 580
    assert_eq!(f["shortfall"], "0.00");
    assert_eq!(f["sources"].as_array().unwrap().len(), 2);
    let listed = app.get(&app.admin, "/api/v1/duty-events").await;
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_forecast_moves_when_a_duty_claim_is_approved() {
    let app = spawn_app().await;
    let line = r10_line(&app).await;
    let s = station(&app, "石家庄驻点", "shijiazhuang", line).await;
    assign(&app, s, "值班员甲", "2021-01-01", "2021-12-31")
        .await
        .assert(201, "");
    let before = forecast(&app, line, "2021-05-01").await;
    let claimant = app.user("值班员甲", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let id = app.submit(&claimant, &r8_claim(line)).await;
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let after = forecast(&app, line, "2021-05-01").await;
    assert_eq!(after["committed"], "1231.00");
    assert_eq!(before["projected_total"], "117600.00"); // 245 days × 480
    assert_eq!(after["projected_total"], "118831.00");
    app.approvals_dated_2021_05_01();
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/pay"),
        &json!({"paid_on": "2021-05-20"}),
    )
    .await
    .assert(200, "");
    let paid = forecast(&app, line, "2021-05-01").await;
    assert_eq!(
        (paid["committed"].as_str(), paid["spent"].as_str()),
        (Some("0.00"), Some("1231.00"))
    );
    assert_eq!(paid["projected_total"], "118831.00");
}

#[tokio::test]
async fn a_mid_year_policy_prices_the_later_days() {
    let app = spawn_app().await;
    let line = r10_line(&app).await;
    let s = station(&app, "石家庄驻点", "shijiazhuang", line).await;
    assign(&app, s, "值班员甲", "2021-01-01", "2021-12-31")
        .await
        .assert(201, "");
    let mut policy = app
        .get(&app.admin, "/api/v1/policy?date=2021-01-01")
        .await
        .body;
    policy.as_object_mut().unwrap().remove("version");
    policy["effective_from"] = json!("2021-07-01");
    policy["cities"][1]["lodging_cap_per_night"] = json!("400.00");
    app.post(&app.admin, "/api/v1/policy", &policy)
        .await
        .assert(201, "");
    let f = forecast(&app, line, "2021-01-01").await;
    // 181 days × 480 + 184 days × 580.
    assert_eq!(f["projected_total"], "193600.00");
    let stations = app
        .get(&app.admin, "/api/v1/duty-stations?date=2021-08-01")
        .await
        .body;
    assert_eq!(stations[1]["daily_cost"], "580.00");
    let stations = app
        .get(&app.admin, "/api/v1/duty-stations?date=2021-06-30")
        .await
        .body;
    assert_eq!(stations[1]["daily_cost"], "480.00");
}

#[tokio::test]
async fn a_line_with_nothing_charged_projects_what_it_has_used() {
    let app = spawn_app().await;
    let line = app.line_id("dept.project.petition-work.publicity").await;
    let f = forecast(&app, line, "2021-03-01").await;
    assert_eq!(
        (f["projected_total"].as_str(), f["shortfall"].as_str()),
        (Some("0.00"), Some("0.00"))
    );
    assert_eq!(f["exhaustion_date"], json!(null));
    assert_eq!(f["sources"], json!([]));
}

#[tokio::test]
async fn an_override_replaces_the_city_rates() {
    let app = spawn_app().await;
    let line = r10_line(&app).await;
    let r = app.post(&app.admin, "/api/v1/duty-stations", &json!({"name": "秦皇岛", "city": "beijing", "budget_line_id": line, "daily_cost_override": "600"})).await;
    r.assert(201, "");
    assert_eq!(
        (
            r.body["daily_cost"].as_str(),
            r.body["daily_cost_override"].as_str()
        ),
        (Some("600.00"), Some("600.00"))
    );
}

#[tokio::test]
async fn bad_input_has_stable_codes() {
    let app = spawn_app().await;
    let line = r10_line(&app).await;
    let r = app
        .post(
            &app.admin,
            "/api/v1/duty-stations",
            &json!({"name": "沪", "city": "上海", "budget_line_id": line}),
        )
        .await;
    r.assert(422, "unknown_city");
    assert_eq!(r.fields(), ["city"]);
    app.post(
        &app.admin,
        "/api/v1/duty-stations",
        &json!({"name": "x", "city": "beijing", "budget_line_id": 98765}),
    )
    .await
    .assert(404, "not_found");
    app.post(
        &app.admin,
        "/api/v1/duty-stations",
        &json!({"name": "beijing", "city": "beijing", "budget_line_id": line}),
    )
    .await
    .assert(409, "duplicate_code");
    let s = station(&app, "石家庄驻点", "shijiazhuang", line).await;
    let r = assign(&app, s, "甲", "2021-03-01", "2021-02-28").await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["to"]);
    assign(&app, s, "甲", "2021-03-01", "2021-03-31")
        .await
        .assert(201, "");
    assign(&app, s, "甲", "2021-03-31", "2021-04-30")
        .await
        .assert(409, "overlapping_assignment");
    assign(&app, s, "甲", "2021-04-01", "2021-04-30")
        .await
        .assert(201, "");
    assign(&app, s, "乙", "2021-03-15", "2021-04-15")
        .await
        .assert(201, "");
    assert_eq!(
        app.get(
            &app.admin,
            &format!("/api/v1/duty-stations/{s}/assignments")
        )
        .await
        .body
        .as_array()
        .unwrap()
        .len(),
        3
    );
    assign(&app, 55555, "甲", "2021-03-01", "2021-03-31")
        .await
        .assert(404, "not_found");

    let event = |patch: serde_json::Value| {
        let mut body = json!({"name": "两会", "city": "beijing", "budget_line_id": line, "from": "2021-03-01", "to": "2021-03-12", "extra_staff": 3});
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (patch, field) in [
        (json!({"extra_staff": 0}), "extra_staff"),
        (json!({"extra_staff": 1001}), "extra_staff"),
        (json!({"to": "2021-02-01"}), "to"),
    ] {
        let r = app
            .post(&app.admin, "/api/v1/duty-events", &event(patch))
            .await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), [field]);
    }
    app.post(
        &app.admin,
        "/api/v1/duty-events",
        &event(json!({"city": "Paris"})),
    )
    .await
    .assert(422, "unknown_city");
    app.post(
        &app.admin,
        "/api/v1/duty-events",
        &event(json!({"budget_line_id": 4444})),
    )
    .await
    .assert(404, "not_found");
    app.get(
        &app.admin,
        &format!("/api/v1/budget-lines/{line}/forecast?as_of=2021-13-01"),
    )
    .await
    .assert(422, "invalid_request");
    app.get(
        &app.admin,
        "/api/v1/budget-lines/31337/forecast?as_of=2021-01-01",
    )
    .await
    .assert(404, "not_found");

    let claimant = app.user("张三", &[R::Claimant]);
    app.post(&claimant, "/api/v1/duty-events", &event(json!({})))
        .await
        .assert(403, "forbidden");
    app.get(&claimant, &format!("/api/v1/budget-lines/{line}/forecast"))
        .await
        .assert(403, "forbidden");
    let holder = app.user("预算负责人", &[R::BudgetHolder]);
    app.post(&holder, "/api/v1/duty-events", &event(json!({})))
        .await
        .assert(201, "");
}
