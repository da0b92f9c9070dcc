//! Every route × every role, and no token: 401 without a token, 403 for a role the route does not
//! admit, and for an admitted role anything but 401/403 (and never a 5xx).
use crate::helpers::*;
use serde_json::Value;

const ALL: &[&str] = &["admin", "claimant", "finance", "budget_holder"];
const READERS: &[&str] = &["admin", "finance", "budget_holder"];

#[tokio::test]
async fn every_route_for_every_role() {
    let app = spawn_app().await;
    let owner = app.user("报销人", &[R::Claimant]);
    let maker = app.user("出纳", &[R::Finance]);
    let tokens: Vec<(&str, String)> = vec![
        ("admin", app.admin.clone()),
        ("claimant", app.user("甲", &[R::Claimant])),
        ("finance", app.user("乙", &[R::Finance])),
        ("budget_holder", app.user("丙", &[R::BudgetHolder])),
    ];
    let line = app.line_id("dept.project.petition-work.operations").await;
    let subsidy = app.line_id("dept.project.cadre-subsidy").await;
    let claim = app.submit(&owner, &r8_claim(line)).await;
    let recipient = app
        .post(
            &maker,
            "/api/v1/subsidy-recipients",
            &json!({"name": "老干部", "enrolled_from": "2021-01-01"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let batch = app
        .post(
            &maker,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": subsidy, "year": 2021, "half": 1}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let stations = app.get(&app.admin, "/api/v1/duty-stations").await;
    let station = stations.body[0]["id"].as_i64().unwrap();
    let policy = {
        let mut p = app
            .get(&app.admin, "/api/v1/policy?date=2021-01-01")
            .await
            .body;
        p.as_object_mut().unwrap().remove("version");
        p["effective_from"] = json!("2030-01-01");
        p
    };

    let routes: Vec<(&str, String, Value, &[&str])> = vec![
        (
            "GET",
            "/api/v1/policy?date=2021-05-01".into(),
            json!(null),
            ALL,
        ),
        ("POST", "/api/v1/policy".into(), policy, &["admin"]),
        (
            "GET",
            "/api/v1/budget-lines?year=2021".into(),
            json!(null),
            ALL,
        ),
        (
            "GET",
            format!("/api/v1/budget-lines/{line}"),
            json!(null),
            ALL,
        ),
        (
            "GET",
            format!("/api/v1/budget-lines/{line}/entries"),
            json!(null),
            ALL,
        ),
        (
            "GET",
            format!("/api/v1/budget-lines/{line}/forecast?as_of=2021-01-01"),
            json!(null),
            READERS,
        ),
        (
            "POST",
            "/api/v1/budget-lines".into(),
            json!({"year": 2021, "code": "dept.project.m", "name": "m", "parent_code": "dept.project", "allocated": "1.00"}),
            &["admin"],
        ),
        (
            "POST",
            "/api/v1/travel-claims/quote".into(),
            r8_claim(line),
            ALL,
        ),
        (
            "POST",
            "/api/v1/travel-claims".into(),
            r8_claim(line),
            &["claimant"],
        ),
        ("GET", "/api/v1/travel-claims".into(), json!(null), ALL),
        (
            "GET",
            format!("/api/v1/travel-claims/{claim}"),
            json!(null),
            ALL,
        ),
        (
            "POST",
            format!("/api/v1/travel-claims/{claim}/approve"),
            json!({}),
            &["finance"],
        ),
        (
            "POST",
            format!("/api/v1/travel-claims/{claim}/pay"),
            json!({"paid_on": "2021-05-20"}),
            &["finance"],
        ),
        (
            "POST",
            format!("/api/v1/travel-claims/{claim}/reject"),
            json!({"reason": "x"}),
            &["finance"],
        ),
        (
            "POST",
            "/api/v1/subsidy-recipients".into(),
            json!({"name": "x", "enrolled_from": "2021-01-01"}),
            &["admin", "finance"],
        ),
        (
            "GET",
            "/api/v1/subsidy-recipients".into(),
            json!(null),
            READERS,
        ),
        (
            "PATCH",
            format!("/api/v1/subsidy-recipients/{recipient}"),
            json!({"enrolled_until": null}),
            &["admin", "finance"],
        ),
        (
            "POST",
            "/api/v1/subsidy-batches".into(),
            json!({"budget_line_id": subsidy, "year": 2021, "half": 2}),
            &["finance"],
        ),
        (
            "GET",
            "/api/v1/subsidy-batches".into(),
            json!(null),
            READERS,
        ),
        (
            "GET",
            format!("/api/v1/subsidy-batches/{batch}"),
            json!(null),
            READERS,
        ),
        (
            "POST",
            format!("/api/v1/subsidy-batches/{batch}/regenerate"),
            json!({}),
            &["finance"],
        ),
        (
            "POST",
            format!("/api/v1/subsidy-batches/{batch}/approve"),
            json!({}),
            &["finance"],
        ),
        (
            "GET",
            format!("/api/v1/subsidy-batches/{batch}/payment-file"),
            json!(null),
            &["admin", "finance"],
        ),
        (
            "POST",
            format!("/api/v1/subsidy-batches/{batch}/pay"),
            json!({"paid_on": "2021-06-05"}),
            &["finance"],
        ),
        (
            "POST",
            format!("/api/v1/subsidy-batches/{batch}/void"),
            json!({}),
            &["finance"],
        ),
        ("GET", "/api/v1/duty-stations".into(), json!(null), ALL),
        (
            "POST",
            "/api/v1/duty-stations".into(),
            json!({"name": "s", "city": "beijing", "budget_line_id": line}),
            &["admin", "budget_holder"],
        ),
        (
            "GET",
            format!("/api/v1/duty-stations/{station}/assignments"),
            json!(null),
            ALL,
        ),
        (
            "POST",
            format!("/api/v1/duty-stations/{station}/assignments"),
            json!({"person": "p", "from": "2021-01-01", "to": "2021-01-02"}),
            &["admin", "budget_holder"],
        ),
        ("GET", "/api/v1/duty-events".into(), json!(null), ALL),
        (
            "POST",
            "/api/v1/duty-events".into(),
            json!({"name": "e", "city": "beijing", "budget_line_id": line, "from": "2021-01-01", "to": "2021-01-02", "extra_staff": 1}),
            &["admin", "budget_holder"],
        ),
        (
            "GET",
            "/api/v1/reports/budget-execution?year=2021".into(),
            json!(null),
            READERS,
        ),
        (
            "GET",
            "/api/v1/reports/performance?year=2021".into(),
            json!(null),
            READERS,
        ),
        (
            "GET",
            "/api/v1/reports/performance/targets?year=2021".into(),
            json!(null),
            READERS,
        ),
        (
            "PUT",
            "/api/v1/reports/performance/targets?year=2030".into(),
            json!([]),
            &["admin"],
        ),
        (
            "GET",
            "/api/v1/reports/journal?year=2021".into(),
            json!(null),
            READERS,
        ),
    ];

    let mut failures = Vec::new();
    for (method, path, body, admitted) in &routes {
        let request = |token: Option<&str>| {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut r = app.client.request(method, app.url(path));
            if !body.is_null() {
                r = r.json(body);
            }
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            r
        };
        let anonymous = app.send(request(None)).await;
        if anonymous.status != Status::UNAUTHORIZED {
            failures.push(format!(
                "{method} {path} without a token: {}",
                anonymous.status
            ));
        }
        for (role, token) in &tokens {
            let reply = app.send(request(Some(token))).await;
            let status = reply.status.as_u16();
            let expected_forbidden = !admitted.contains(role);
            if expected_forbidden && (status != 403 || reply.code() != "forbidden") {
                failures.push(format!(
                    "{method} {path} as {role}: expected 403, got {status} {}",
                    reply.body
                ));
            }
            // The finance user who regenerated the batch just before is one of its makers: four
            // eyes, not the role, refuses its approval.
            let four_eyes = reply.code() == "self_approval_forbidden" && path.ends_with("/approve");
            if !expected_forbidden && (status == 401 || status == 403) && !four_eyes {
                failures.push(format!(
                    "{method} {path} as {role}: expected access, got {status} {}",
                    reply.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
