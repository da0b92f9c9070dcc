//! R14 budget adjustments through the API, on SQLite and PostgreSQL.

use futures::StreamExt;
use serde_json::Value;

use crate::helpers::*;

struct People {
    holder: String,
    finance: String,
}

fn people(app: &TestApp) -> People {
    People {
        holder: app.user("赵预算", &[R::BudgetHolder]),
        finance: app.user("钱财务", &[R::Finance]),
    }
}

async fn request(app: &TestApp, token: &str, body: &Value) -> i64 {
    let r = app.post(token, "/api/v1/budget-adjustments", body).await;
    r.assert(201, "");
    assert_eq!(r.body["status"], "requested");
    r.body["id"].as_i64().unwrap()
}

async fn decide(app: &TestApp, token: &str, id: i64, action: &str) -> Reply {
    app.post(
        token,
        &format!("/api/v1/budget-adjustments/{id}/{action}"),
        &json!({"reason": "不符合调整程序"}),
    )
    .await
}

/// (allocated, original_allocated, available) of the 2021 line with this code.
async fn figures(app: &TestApp, code: &str) -> (String, String, String) {
    let l = app.line(app.line_id(code).await).await;
    (
        l["allocated"].as_str().unwrap().to_string(),
        l["original_allocated"].as_str().unwrap().to_string(),
        l["available"].as_str().unwrap().to_string(),
    )
}

fn f(allocated: &str, original: &str, available: &str) -> (String, String, String) {
    (allocated.into(), original.into(), available.into())
}

#[tokio::test]
async fn r14_worked_example_a_transfer_within_petition_work() {
    let app = spawn_app().await;
    let p = people(&app);
    let publicity = app.line_id("dept.project.petition-work.publicity").await;
    let beijing = app.line_id("dept.project.petition-work.beijing-duty").await;
    let stations = app.get(&app.admin, "/api/v1/duty-stations").await.body;
    let station = stations[0]["id"].as_i64().unwrap();
    for person in ["值班员甲", "值班员乙", "值班员丙"] {
        app.post(
            &app.admin,
            &format!("/api/v1/duty-stations/{station}/assignments"),
            &json!({"person": person, "from": "2021-01-01", "to": "2021-12-31"}),
        )
        .await
        .assert(201, "");
    }
    let forecast = format!("/api/v1/budget-lines/{beijing}/forecast?as_of=2021-01-01");
    assert_eq!(
        app.get(&app.admin, &forecast).await.body["shortfall"],
        "5100.00"
    );
    let before = figures(&app, "dept.project.petition-work").await;

    let id = request(
        &app,
        &p.holder,
        &json!({"kind": "transfer", "from_line_id": publicity, "line_id": beijing,
                "amount": "5100.00", "reason": "驻京值班三人全年", "document_no": "平财预〔2021〕12号"}),
    )
    .await;
    let r = decide(&app, &p.finance, id, "approve").await;
    r.assert(200, "");
    assert_eq!(r.body["status"], "approved");
    assert_eq!(r.body["document_no"], "平财预〔2021〕12号");

    assert_eq!(
        figures(&app, "dept.project.petition-work.beijing-duty").await,
        f("635100.00", "630000.00", "635100.00")
    );
    assert_eq!(
        figures(&app, "dept.project.petition-work.publicity").await,
        f("194900.00", "200000.00", "194900.00")
    );
    assert_eq!(figures(&app, "dept.project.petition-work").await, before);
    assert_eq!(
        app.get(&app.admin, &forecast).await.body["shortfall"],
        "0.00"
    );
    // The ledger explains it: a signed adjust entry on each side.
    let entries = app
        .get(
            &app.admin,
            &format!("/api/v1/budget-lines/{publicity}/entries"),
        )
        .await
        .body;
    let adjust: Vec<_> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "adjust")
        .map(|e| {
            (
                e["amount"].clone(),
                e["source_type"].clone(),
                e["source_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        adjust,
        [(json!("-5100.00"), json!("budget_adjustment"), json!(id))]
    );
}

#[tokio::test]
async fn a_supplement_of_650000_ends_the_oversubscription_of_petition_work() {
    let app = spawn_app().await;
    let p = people(&app);
    let work = app.line_id("dept.project.petition-work").await;
    assert_eq!(app.line(work).await["oversubscribed_by"], "650000.00");
    let id = request(
        &app,
        &p.holder,
        &json!({"kind": "supplement", "line_id": work, "amount": "650000.00",
                "reason": "县财政追加信访工作经费"}),
    )
    .await;
    // Requested is not approved: nothing changes yet.
    assert_eq!(app.line(work).await["allocated"], "900000.00");
    decide(&app, &p.finance, id, "approve")
        .await
        .assert(200, "");
    let l = app.line(work).await;
    assert_eq!(
        (
            &l["oversubscribed_by"],
            &l["allocated"],
            &l["original_allocated"]
        ),
        (&json!("0.00"), &json!("1550000.00"), &json!("900000.00"))
    );
    // Every ancestor is raised too.
    assert_eq!(
        figures(&app, "dept.project").await,
        f("1629200.00", "979200.00", "1629200.00")
    );
    assert_eq!(
        figures(&app, "dept").await,
        f("3944800.00", "3294800.00", "3944800.00")
    );
}

#[tokio::test]
async fn a_transfer_across_subtrees_stops_at_the_common_ancestor() {
    let app = spawn_app().await;
    let p = people(&app);
    let vehicle = app.line_id("dept.basic.public.vehicle").await;
    let subsidy = app.line_id("dept.project.cadre-subsidy").await;
    let id = request(
        &app,
        &p.holder,
        &json!({"kind": "transfer", "from_line_id": vehicle, "line_id": subsidy,
                "amount": "4000.00", "reason": "公车运维结余调剂"}),
    )
    .await;
    decide(&app, &p.finance, id, "approve")
        .await
        .assert(200, "");
    for (code, allocated, original) in [
        ("dept.basic.public.vehicle", "10000.00", "14000.00"),
        ("dept.basic.public", "114600.00", "118600.00"),
        ("dept.basic", "2311600.00", "2315600.00"),
        ("dept.project.cadre-subsidy", "83200.00", "79200.00"),
        ("dept.project", "983200.00", "979200.00"),
        // The lowest common ancestor is unchanged.
        ("dept", "3294800.00", "3294800.00"),
    ] {
        assert_eq!(
            figures(&app, code).await,
            f(allocated, original, allocated),
            "{code}"
        );
    }
}

#[tokio::test]
async fn a_reduction_below_what_is_committed_is_409_and_changes_nothing() {
    let app = spawn_app().await;
    let p = people(&app);
    let claimant = app.user("张三", &[R::Claimant]);
    let ops = app.line_id("dept.project.petition-work.operations").await;
    let claim = app.submit(&claimant, &r8_claim(ops)).await;
    app.post(
        &p.finance,
        &format!("/api/v1/travel-claims/{claim}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let committed = app.line(ops).await;
    let available = committed["available"].as_str().unwrap().to_string();
    assert_eq!(committed["committed"], "1231.00");
    let before = app
        .get(&app.admin, "/api/v1/reports/budget-execution?year=2021")
        .await
        .body;
    let id = request(
        &app,
        &p.holder,
        &json!({"kind": "reduce", "line_id": ops, "amount": "199000.00", "reason": "压减一般性支出"}),
    )
    .await;
    let r = decide(&app, &p.finance, id, "approve").await;
    r.assert(409, "insufficient_budget");
    assert_eq!(
        (
            &r.body["line_code"],
            &r.body["available"],
            &r.body["requested"]
        ),
        (
            &json!("dept.project.petition-work.operations"),
            &json!(available),
            &json!("199000.00")
        )
    );
    let after = app
        .get(&app.admin, "/api/v1/reports/budget-execution?year=2021")
        .await
        .body;
    assert_eq!(before, after);
    let still = app
        .get(&p.finance, &format!("/api/v1/budget-adjustments/{id}"))
        .await;
    assert_eq!(still.body["status"], "requested");
    // Exactly what is available may go.
    let fits = request(
        &app,
        &p.holder,
        &json!({"kind": "reduce", "line_id": ops, "amount": available, "reason": "压减一般性支出"}),
    )
    .await;
    decide(&app, &p.finance, fits, "approve")
        .await
        .assert(200, "");
    assert_eq!(app.line(ops).await["available"], "0.00");
}

#[tokio::test]
async fn four_eyes_and_who_may_do_what() {
    let app = spawn_app().await;
    let p = people(&app);
    let both = app.user("孙两职", &[R::BudgetHolder, R::Finance]);
    let claimant = app.user("张三", &[R::Claimant]);
    let work = app.line_id("dept.project.petition-work").await;
    let body =
        json!({"kind": "supplement", "line_id": work, "amount": "1000.00", "reason": "追加"});
    app.post(&claimant, "/api/v1/budget-adjustments", &body)
        .await
        .assert(403, "forbidden");
    app.post(&p.finance, "/api/v1/budget-adjustments", &body)
        .await
        .assert(403, "forbidden");
    let own = request(&app, &both, &body).await;
    decide(&app, &both, own, "approve")
        .await
        .assert(403, "self_approval_forbidden");
    decide(&app, &p.holder, own, "approve")
        .await
        .assert(403, "forbidden");
    assert_eq!(app.line(work).await["allocated"], "900000.00");
    // An admin may request too; another finance user approves.
    let by_admin = request(&app, &app.admin, &body).await;
    decide(&app, &both, by_admin, "approve")
        .await
        .assert(200, "");
    decide(&app, &p.finance, own, "approve")
        .await
        .assert(200, "");
    assert_eq!(app.line(work).await["allocated"], "902000.00");
    // An adjustment that is not the organisation's is 404.
    app.get(&p.finance, "/api/v1/budget-adjustments/999999")
        .await
        .assert(404, "not_found");
}

/// Four eyes on a refusal too: the requester may not reject their own request any more than
/// approve it (issue 28, item 11); another finance user may.
#[tokio::test]
async fn the_requester_cannot_reject_their_own_adjustment_either() {
    let app = spawn_app().await;
    let p = people(&app);
    let both = app.user("孙两职", &[R::BudgetHolder, R::Finance]);
    let work = app.line_id("dept.project.petition-work").await;
    let body =
        json!({"kind": "supplement", "line_id": work, "amount": "1000.00", "reason": "追加"});
    let own = request(&app, &both, &body).await;
    decide(&app, &both, own, "reject")
        .await
        .assert(403, "self_approval_forbidden");
    decide(&app, &both, own, "approve")
        .await
        .assert(403, "self_approval_forbidden");
    let still = app
        .get(&p.finance, &format!("/api/v1/budget-adjustments/{own}"))
        .await;
    assert_eq!(still.body["status"], "requested");
    let rejected = decide(&app, &p.finance, own, "reject").await;
    rejected.assert(200, "");
    assert_eq!(rejected.body["status"], "rejected");
}

#[tokio::test]
async fn a_rejected_request_changes_nothing() {
    let app = spawn_app().await;
    let p = people(&app);
    let work = app.line_id("dept.project.petition-work").await;
    let id = request(
        &app,
        &p.holder,
        &json!({"kind": "supplement", "line_id": work, "amount": "1000.00", "reason": "追加"}),
    )
    .await;
    let before = app
        .get(&app.admin, "/api/v1/reports/budget-execution?year=2021")
        .await
        .body;
    let r = decide(&app, &p.finance, id, "reject").await;
    r.assert(200, "");
    assert_eq!(
        (&r.body["status"], &r.body["reject_reason"]),
        (&json!("rejected"), &json!("不符合调整程序"))
    );
    decide(&app, &p.finance, id, "approve")
        .await
        .assert(409, "invalid_transition");
    decide(&app, &p.finance, id, "reject")
        .await
        .assert(409, "invalid_transition");
    let after = app
        .get(&app.admin, "/api/v1/reports/budget-execution?year=2021")
        .await
        .body;
    assert_eq!(before, after);
    let entries = app
        .get(&app.admin, &format!("/api/v1/budget-lines/{work}/entries"))
        .await
        .body;
    assert!(entries
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kind"] != "adjust"));
}

#[tokio::test]
async fn bad_requests_name_their_field() {
    let app = spawn_app().await;
    let p = people(&app);
    let a = app.line_id("dept.project.petition-work.publicity").await;
    let b = app.line_id("dept.project.petition-work.operations").await;
    for (body, field) in [
        (
            json!({"kind": "gift", "line_id": a, "amount": "1.00", "reason": "x"}),
            "kind",
        ),
        (
            json!({"kind": "transfer", "line_id": a, "amount": "1.00", "reason": "x"}),
            "from_line_id",
        ),
        (
            json!({"kind": "transfer", "line_id": a, "from_line_id": a, "amount": "1.00", "reason": "x"}),
            "from_line_id",
        ),
        (
            json!({"kind": "supplement", "line_id": a, "from_line_id": b, "amount": "1.00", "reason": "x"}),
            "from_line_id",
        ),
        (
            json!({"kind": "supplement", "line_id": a, "amount": "0.00", "reason": "x"}),
            "amount",
        ),
        (
            json!({"kind": "supplement", "line_id": a, "amount": "-5.00", "reason": "x"}),
            "amount",
        ),
        (
            json!({"kind": "supplement", "line_id": a, "amount": "1.001", "reason": "x"}),
            "amount",
        ),
        (
            json!({"kind": "supplement", "line_id": 999999, "amount": "1.00", "reason": "x"}),
            "line_id",
        ),
        (
            json!({"kind": "supplement", "line_id": a, "amount": "1.00", "reason": ""}),
            "reason",
        ),
    ] {
        let r = app
            .post(&p.holder, "/api/v1/budget-adjustments", &body)
            .await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), [field], "{body}");
    }
}

#[tokio::test]
async fn the_list_is_paged_newest_first() {
    let app = spawn_app().await;
    let p = people(&app);
    let work = app.line_id("dept.project.petition-work").await;
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(
            request(
                &app,
                &p.holder,
                &json!({"kind": "supplement", "line_id": work, "amount": format!("{n}.00"), "reason": "追加"}),
            )
            .await,
        );
    }
    let first = app
        .client
        .get(app.url("/api/v1/budget-adjustments?year=2021&limit=2"))
        .bearer_auth(&p.finance)
        .send()
        .await
        .unwrap();
    let link = first.headers()["link"].to_str().unwrap().to_string();
    let page: Value = first.json().await.unwrap();
    let got: Vec<i64> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, [ids[2], ids[1]]);
    assert!(link.contains(&format!("after={}", ids[1])), "{link}");
    let rest = app
        .get(
            &p.finance,
            &format!(
                "/api/v1/budget-adjustments?year=2021&limit=2&after={}",
                ids[1]
            ),
        )
        .await;
    assert_eq!(rest.body.as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&p.finance, "/api/v1/budget-adjustments?year=2020")
            .await
            .body,
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_transfers_for_room_of_twenty_across_two_processes() {
    let app = spawn_app().await;
    let second = ServerProcess::start(&app).await;
    let p = people(&app);
    let publicity = app.line_id("dept.project.petition-work.publicity").await;
    let beijing = app.line_id("dept.project.petition-work.beijing-duty").await;
    let mut ids = Vec::new();
    for _ in 0..50 {
        ids.push(
            request(
                &app,
                &p.holder,
                &json!({"kind": "transfer", "from_line_id": publicity, "line_id": beijing,
                        "amount": "10000.00", "reason": "调剂"}),
            )
            .await,
        );
    }
    let servers = [app.address.clone(), second.address.clone()];
    let replies: Vec<(u16, String)> = futures::stream::iter(ids.iter().enumerate())
        .map(|(i, id)| {
            let url = format!("{}/api/v1/budget-adjustments/{id}/approve", servers[i % 2]);
            let (client, token) = (app.client.clone(), p.finance.clone());
            async move {
                let r = client.post(url).bearer_auth(token).send().await.unwrap();
                let status = r.status().as_u16();
                let body: Value = r.json().await.unwrap_or_default();
                (status, body["code"].as_str().unwrap_or("").to_string())
            }
        })
        .buffer_unordered(25)
        .collect()
        .await;
    let approved = replies.iter().filter(|(s, _)| *s == 200).count();
    let refused = replies
        .iter()
        .filter(|(s, c)| *s == 409 && c == "insufficient_budget")
        .count();
    assert_eq!((approved, refused), (20, 30), "{replies:?}");
    assert_eq!(
        figures(&app, "dept.project.petition-work.publicity").await,
        f("0.00", "200000.00", "0.00")
    );
    assert_eq!(
        figures(&app, "dept.project.petition-work.beijing-duty").await,
        f("830000.00", "630000.00", "830000.00")
    );
    for line in crate::reports::execution(&app).await {
        assert!(
            !line["available"].as_str().unwrap().starts_with('-'),
            "{line}"
        );
    }
    let (_, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

/// A supplement, a transfer across subtrees and a reduction, approved.
async fn adjusted_year(app: &TestApp) {
    let p = people(app);
    let work = app.line_id("dept.project.petition-work").await;
    let vehicle = app.line_id("dept.basic.public.vehicle").await;
    let subsidy = app.line_id("dept.project.cadre-subsidy").await;
    let ops = app.line_id("dept.project.petition-work.operations").await;
    for body in [
        json!({"kind": "supplement", "line_id": work, "amount": "650000.00", "reason": "追加"}),
        json!({"kind": "transfer", "from_line_id": vehicle, "line_id": subsidy, "amount": "4000.50", "reason": "调剂"}),
        json!({"kind": "reduce", "line_id": ops, "amount": "1000.25", "reason": "调减"}),
    ] {
        let id = request(app, &p.holder, &body).await;
        decide(app, &p.finance, id, "approve").await.assert(200, "");
    }
}

#[tokio::test]
#[cfg_attr(
    no_hledger,
    ignore = "hledger is not installed (build.rs found none); .ci/run installs and requires it"
)]
async fn hledger_and_verify_agree_after_adjustments() {
    let app = spawn_app().await;
    adjusted_year(&app).await;
    let text = app
        .client
        .get(app.url("/api/v1/reports/journal?year=2021"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("adjust dept.project.petition-work.operations"),
        "{text}"
    );
    let balances = crate::reports::hledger_balances(&text);
    let zero = "0.00".to_string();
    for line in crate::reports::execution(&app).await {
        let code = line["code"].as_str().unwrap();
        let theirs = balances.get(&format!("allocated:{code}")).unwrap_or(&zero);
        assert_eq!(Some(theirs.as_str()), line["allocated"].as_str(), "{code}");
    }
    assert_eq!(
        balances
            .get("allocated:dept.project.petition-work.operations")
            .map(String::as_str),
        Some("198999.75")
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
        .arg("verify")
        .env("DATABASE_URL", &app.db_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_execution_report_shows_original_and_adjusted_allocations() {
    let app = spawn_app().await;
    adjusted_year(&app).await;
    let lines = crate::reports::execution(&app).await;
    let work = lines
        .iter()
        .find(|l| l["code"] == "dept.project.petition-work")
        .unwrap();
    assert_eq!(
        (&work["original_allocated"], &work["allocated"]),
        (&json!("900000.00"), &json!("1548999.75"))
    );
    let csv = app
        .client
        .get(app.url("/api/v1/reports/budget-execution?year=2021&format=csv"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains(
            "dept.project.petition-work.operations,机关日常运行保障,3,200000.00,198999.75,"
        ),
        "{csv}"
    );
}
