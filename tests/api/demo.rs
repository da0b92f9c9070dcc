//! `baoxiao demo` (web.md "Demo data"): deterministic, refuses a database that is not empty, and
//! gives the year the issue describes.

use serde_json::Value;

use crate::helpers::{spawn_app, spawn_demo_app, TestApp};

/// Timestamps of the moment the demo ran (ledger entries, histories) are the only things that
/// may differ between two runs.
fn without_clock(v: &Value) -> Value {
    match v {
        Value::String(s)
            if s.len() >= 20 && s.as_bytes()[10] == b'T' && s.as_bytes()[4] == b'-' =>
        {
            Value::String("<time>".into())
        }
        Value::Array(a) => Value::Array(a.iter().map(without_clock).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), without_clock(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

async fn answers(app: &TestApp) -> Vec<(String, Value)> {
    let beijing = app.line_id("dept.project.petition-work.beijing-duty").await;
    let mut out = Vec::new();
    for path in [
        "/api/v1/budget-lines?year=2021".to_string(),
        "/api/v1/travel-claims?limit=200".to_string(),
        "/api/v1/subsidy-batches".to_string(),
        "/api/v1/subsidy-recipients".to_string(),
        "/api/v1/duty-stations?date=2021-07-01".to_string(),
        "/api/v1/duty-events".to_string(),
        format!("/api/v1/budget-lines/{beijing}/forecast?as_of=2021-03-01"),
        "/api/v1/reports/performance?year=2021".to_string(),
        "/api/v1/reports/budget-execution?year=2021".to_string(),
    ] {
        let r = app.get(&app.admin, &path).await;
        r.assert(200, "");
        out.push((path, without_clock(&r.body)));
    }
    out
}

#[tokio::test]
async fn the_demo_year_is_the_same_on_two_empty_databases() {
    let (a, b) = (spawn_demo_app().await, spawn_demo_app().await);
    let (first, second) = (answers(&a).await, answers(&b).await);
    for ((path, x), (_, y)) in first.iter().zip(&second) {
        assert_eq!(x, y, "{path}");
    }
    // What the issue asks of the year.
    let claims = first[1].1.as_array().unwrap();
    assert!((60..=70).contains(&claims.len()), "{}", claims.len());
    for status in ["submitted", "approved", "rejected", "paid"] {
        assert!(
            claims.iter().any(|c| c["status"] == status),
            "a claim {status}"
        );
    }
    let lines: std::collections::HashSet<_> =
        claims.iter().map(|c| c["budget_line_id"].clone()).collect();
    assert!(lines.len() >= 3, "several lines");
    let batches = first[2].1.as_array().unwrap();
    let half = |h: i64| batches.iter().find(|x| x["half"] == h).unwrap();
    assert_eq!(half(1)["status"], "paid");
    assert_eq!(half(1)["on_time"], true);
    assert_eq!(half(2)["status"], "approved");
    assert_eq!(first[3].1.as_array().unwrap().len(), 6, "six cadres");
    let events: Vec<_> = first[5]
        .1
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(events, ["两会", "七一", "八一", "十一"]);
    let forecast = &first[6].1;
    assert!(forecast["exhaustion_date"].is_string(), "{forecast}");
    // The ledger still balances after the demo.
    let (checked, mismatches) = baoxiao::services::budget::verify(&a.pool).unwrap();
    assert!(checked > 0 && mismatches.is_empty());
}

#[tokio::test]
async fn the_demo_refuses_a_database_that_is_not_empty() {
    let app = spawn_app().await;
    assert!(baoxiao::demo::run(&app.pool).is_err());
    let claims = app.get(&app.admin, "/api/v1/travel-claims").await;
    assert_eq!(claims.body, serde_json::json!([]), "nothing added");
    let stations = app.get(&app.admin, "/api/v1/duty-events").await;
    assert_eq!(stations.body, serde_json::json!([]));
}
