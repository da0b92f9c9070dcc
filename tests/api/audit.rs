//! The audit export: every status change of the organisation, paginated, and nothing of another.

use std::collections::BTreeSet;

use crate::helpers::*;
use serde_json::Value;

type Transition = (String, i64, String, Option<String>, String);

fn transition(e: &Value) -> Transition {
    (
        e["entity_type"].as_str().unwrap().to_string(),
        e["entity_id"].as_i64().unwrap(),
        e["action"].as_str().unwrap().to_string(),
        e["from_status"].as_str().map(str::to_string),
        e["to_status"].as_str().unwrap().to_string(),
    )
}

fn expect(entity: &str, id: i64, steps: &[(&str, Option<&str>, &str)]) -> Vec<Transition> {
    steps
        .iter()
        .map(|(action, from, to)| {
            (
                entity.to_string(),
                id,
                action.to_string(),
                from.map(str::to_string),
                to.to_string(),
            )
        })
        .collect()
}

/// Every page from `first`, following `Link: <…>; rel="next"`; returns the events and the pages.
async fn all_pages(app: &TestApp, token: &str, first: &str) -> (Vec<Value>, usize) {
    let mut next = Some(first.to_string());
    let (mut events, mut pages) = (Vec::new(), 0);
    while let Some(path) = next.take() {
        let response = app
            .client
            .get(app.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        next = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string())
            .map(|link| {
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                link[1..link.find('>').unwrap()].to_string()
            });
        let page: Vec<Value> = response.json().await.unwrap();
        assert!(
            !page.is_empty(),
            "a Link header never points at an empty page"
        );
        events.extend(page);
        pages += 1;
        assert!(pages < 100, "the pages never end");
    }
    (events, pages)
}

#[tokio::test]
async fn a_scripted_year_is_listed_transition_by_transition_and_nothing_of_another_org() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let checker = app.user("王五", &[R::Finance]);
    let ops = app.line_id("dept.project.petition-work.operations").await;
    let subsidy = app.line_id("dept.project.cadre-subsidy").await;

    // Another bureau's own status change, made first so it sits among ours by id.
    baoxiao::services::users::add_org(&app.pool, "other-bureau", "另一个局").unwrap();
    let (other_id, other) = baoxiao::services::users::add_user(
        &app.pool,
        Some("other-bureau"),
        "外单位",
        &[R::Admin, R::Finance],
    )
    .unwrap();
    let other_org = baoxiao::services::users::authenticate(&app.pool, &other)
        .unwrap()
        .org_id;
    {
        let mut c = app.pool.get().unwrap();
        let actor = baoxiao::auth::Actor {
            org_id: other_org,
            user_id: other_id,
            roles: vec![R::Admin],
        };
        baoxiao::services::audit::status(
            &mut c,
            &actor,
            ("travel_claim", 1),
            "submit",
            None,
            "submitted",
            Some("外单位的报销"),
        )
        .unwrap();
    }

    // The year: a claim paid, one rejected, one approved; a half-year batch paid, another voided.
    let mut expected = Vec::new();
    let paid = app.submit(&claimant, &r8_claim(ops)).await;
    let rejected = app.submit(&claimant, &day_trip(ops)).await;
    let approved = app.submit(&claimant, &day_trip(ops)).await;
    for (id, action) in [
        (paid, "approve"),
        (approved, "approve"),
        (paid, "pay"),
        (rejected, "reject"),
    ] {
        if action == "pay" {
            app.approvals_dated_2021_05_01();
        }
        let body = match action {
            "pay" => json!({"paid_on": "2021-05-20"}),
            "reject" => json!({"reason": "无审批单"}),
            _ => json!({}),
        };
        app.post(
            &finance,
            &format!("/api/v1/travel-claims/{id}/{action}"),
            &body,
        )
        .await
        .assert(200, "");
    }
    expected.extend(expect(
        "travel_claim",
        paid,
        &[
            ("submit", None, "submitted"),
            ("approve", Some("submitted"), "approved"),
            ("pay", Some("approved"), "paid"),
        ],
    ));
    expected.extend(expect(
        "travel_claim",
        rejected,
        &[
            ("submit", None, "submitted"),
            ("reject", Some("submitted"), "rejected"),
        ],
    ));
    expected.extend(expect(
        "travel_claim",
        approved,
        &[
            ("submit", None, "submitted"),
            ("approve", Some("submitted"), "approved"),
        ],
    ));
    for n in ["一", "二"] {
        app.post(
            &finance,
            "/api/v1/subsidy-recipients",
            &json!({"name": format!("老干部{n}"), "enrolled_from": "2021-01-01"}),
        )
        .await
        .assert(201, "");
    }
    let mut batches = Vec::new();
    for half in [1, 2] {
        let r = app
            .post(
                &finance,
                "/api/v1/subsidy-batches",
                &json!({"budget_line_id": subsidy, "year": 2021, "half": half}),
            )
            .await;
        r.assert(201, "");
        let id = r.body["id"].as_i64().unwrap();
        app.post(
            &checker,
            &format!("/api/v1/subsidy-batches/{id}/approve"),
            &json!({}),
        )
        .await
        .assert(200, "");
        batches.push(id);
    }
    app.approvals_dated_2021_05_01();
    app.post(
        &finance,
        &format!("/api/v1/subsidy-batches/{}/pay", batches[0]),
        &json!({"paid_on": "2021-06-05"}),
    )
    .await
    .assert(200, "");
    app.post(
        &finance,
        &format!("/api/v1/subsidy-batches/{}/void", batches[1]),
        &json!({}),
    )
    .await
    .assert(200, "");
    expected.extend(expect(
        "subsidy_batch",
        batches[0],
        &[
            ("create", None, "draft"),
            ("approve", Some("draft"), "approved"),
            ("pay", Some("approved"), "paid"),
        ],
    ));
    expected.extend(expect(
        "subsidy_batch",
        batches[1],
        &[
            ("create", None, "draft"),
            ("approve", Some("draft"), "approved"),
            ("void", Some("approved"), "void"),
        ],
    ));

    // Days around today, so a run across midnight UTC still sees every event.
    let today = chrono::Utc::now().date_naive();
    let (from, to) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let period = format!("from={from}&to={to}");

    // Three at a time: every transition exactly once, newest first, across linked pages.
    let (events, pages) = all_pages(
        &app,
        &finance,
        &format!("/api/v1/audit-events?{period}&limit=3"),
    )
    .await;
    assert_eq!(events.len(), expected.len(), "{events:#?}");
    assert_eq!(pages, expected.len().div_ceil(3));
    let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let listed: BTreeSet<Transition> = events.iter().map(transition).collect();
    assert_eq!(listed, expected.iter().cloned().collect::<BTreeSet<_>>());
    // Each with who did it, when, and the note.
    let staff: BTreeSet<i64> = [&claimant, &finance, &checker]
        .iter()
        .map(|t| {
            baoxiao::services::users::authenticate(&app.pool, t)
                .unwrap()
                .user_id
        })
        .collect();
    for e in &events {
        assert!(staff.contains(&e["actor_id"].as_i64().unwrap()), "{e}");
        let at = chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap();
        assert!((from..=to).contains(&at.date_naive()), "{e}");
        if e["action"] == "reject" {
            assert_eq!(e["note"], "无审批单");
        }
        assert_ne!(e["note"], "外单位的报销");
    }
    // Whatever the page size, the same list; the default page holds them all, with no Link.
    let (one_by_one, pages) = all_pages(
        &app,
        &app.admin,
        &format!("/api/v1/audit-events?{period}&limit=1"),
    )
    .await;
    assert_eq!(
        (one_by_one.clone(), pages),
        (events.clone(), expected.len())
    );
    let whole = app
        .get(&app.admin, &format!("/api/v1/audit-events?{period}"))
        .await;
    assert_eq!(whole.body, Value::Array(events.clone()));

    // A period with nothing in it; the other bureau sees its one event only.
    let empty = app
        .get(
            &finance,
            "/api/v1/audit-events?from=2000-01-01&to=2000-12-31",
        )
        .await;
    assert_eq!(empty.body, json!([]));
    let theirs = app
        .get(&other, &format!("/api/v1/audit-events?{period}"))
        .await;
    let theirs = theirs.body.as_array().unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["note"], "外单位的报销");

    // The command line gives the same events, oldest first, as JSON and as CSV.
    let cli = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
            .args([
                "report",
                "audit",
                "--from",
                &from.to_string(),
                "--to",
                &to.to_string(),
            ])
            .args(["--format", format, "--org", "pingxiang-xinfang"])
            .env("DATABASE_URL", &app.db_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let mut oldest_first = events.clone();
    oldest_first.reverse();
    let json_out: Value = serde_json::from_str(&cli("json")).unwrap();
    assert_eq!(json_out, Value::Array(oldest_first));
    let csv_out = cli("csv");
    let rows: Vec<&str> = csv_out.lines().collect();
    assert_eq!(rows.len(), expected.len() + 1);
    assert!(rows[0]
        .trim_start_matches('\u{feff}')
        .starts_with("id,at,entity_type"));
    assert!(csv_out.contains("无审批单") && !csv_out.contains("外单位"));
}

#[tokio::test]
async fn the_audit_export_refuses_bad_parameters_and_other_roles() {
    let app = spawn_app().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("after=x", "after"),
        ("from=2021-13-01", "from"),
        ("to=2021-1-1", "to"),
        ("from=2021-02-01&to=2021-01-31", "to"),
    ] {
        let r = app
            .get(&app.admin, &format!("/api/v1/audit-events?{query}"))
            .await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), vec![field.to_string()], "{query}");
    }
    for role in [R::Claimant, R::BudgetHolder] {
        let token = app.user("无权者", &[role]);
        app.get(&token, "/api/v1/audit-events")
            .await
            .assert(403, "forbidden");
    }
    app.get("nope", "/api/v1/audit-events")
        .await
        .assert(401, "unauthenticated");
    let max = app.get(&app.admin, "/api/v1/audit-events?limit=1000").await;
    max.assert(200, "");
}

#[tokio::test]
async fn the_audit_export_is_in_the_openapi_document_with_its_link_header() {
    let app = spawn_app().await;
    let doc = app.send(app.client.get(app.url("/openapi.json"))).await;
    let get = &doc.body["paths"]["/api/v1/audit-events"]["get"];
    let params: Vec<&str> = get["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["from", "to", "limit", "after"]);
    assert!(
        get["responses"]["200"]["headers"]["Link"].is_object(),
        "{get}"
    );
}
