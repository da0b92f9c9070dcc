//! `baoxiao demo` (web.md "Demo data"): deterministic, refuses a database that is not empty, and
//! gives the year the issue describes.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
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
    for status in ["submitted", "approved", "rejected", "paid", "withdrawn"] {
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
    paper_of_the_year(&a, claims).await;
    // The ledger still balances after the demo.
    let (checked, mismatches) = baoxiao::services::budget::verify(&a.pool).unwrap();
    assert!(checked > 0 && mismatches.is_empty());
    // R20: every payment of the year has its voucher, and the vouchers agree with the ledger.
    let vouchers = a.get(&a.admin, "/api/v1/vouchers?limit=1000").await;
    let paid = claims.iter().filter(|c| c["status"] == "paid").count()
        + batches.iter().filter(|b| b["status"] == "paid").count();
    assert_eq!(vouchers.body.as_array().unwrap().len(), paid);
    let problems = baoxiao::services::budget::verify_vouchers(&a.pool).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    a_year_an_auditor_believes(&a).await;
}

/// web.md "Demo data": claims carry their paper (R17) — a scan, or the hotel's 数电发票 whose number
/// is on the stay (R19) —, a claim without an invoice has none, and drafts wait to be finished.
async fn paper_of_the_year(app: &TestApp, claims: &[Value]) {
    use baoxiao::db::schema::{claim_drafts, claim_invoices};
    use diesel::prelude::*;
    let mut c = app.pool.get().unwrap();
    let (mut scans, mut einvoices) = (0, 0);
    for claim in claims {
        let id = claim["id"].as_i64().unwrap();
        let files = app
            .get(
                &app.admin,
                &format!("/api/v1/travel-claims/{id}/attachments"),
            )
            .await;
        files.assert(200, "");
        let files = files.body.as_array().unwrap();
        assert_eq!(claim["attachment_count"], files.len(), "{claim}");
        let invoiced = claim["breakdown"]["ineligible_reason"].is_null();
        assert_eq!(files.len(), usize::from(invoiced), "{claim}");
        for f in files {
            match f["media_type"].as_str().unwrap() {
                "application/pdf" => scans += 1,
                "application/xml" => {
                    einvoices += 1;
                    let numbers: Vec<String> = claim_invoices::table
                        .filter(claim_invoices::claim_id.eq(id))
                        .select(claim_invoices::invoice_no)
                        .load(&mut *c)
                        .unwrap();
                    assert!(
                        numbers.len() == 1 && numbers[0].len() == 20,
                        "the stay names its 数电发票: {numbers:?}"
                    );
                }
                other => panic!("{other}: {f}"),
            }
        }
    }
    assert!(
        scans >= 20 && einvoices >= 8,
        "{scans} scans, {einvoices} e-invoices"
    );
    let drafts: i64 = claim_drafts::table.count().get_result(&mut *c).unwrap();
    assert_eq!(drafts, 4, "two amendments begun and two trips written down");
}

/// The local (Asia/Shanghai) day of a stored UTC moment as the API writes it.
fn local_day(at: &Value) -> NaiveDate {
    let text = at.as_str().unwrap_or_else(|| panic!("a moment: {at}"));
    let utc = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.naive_utc())
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f")
        })
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    (utc + chrono::Duration::hours(8)).date()
}

fn day(v: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(v.as_str().unwrap(), "%Y-%m-%d").unwrap()
}

/// web.md "Demo data": the year's moments lie on its working days in story order, a handful of
/// claims wait a few days each, duty lines are spent as rostered, execution is believable and
/// nothing of ¥0.00 is paid.
async fn a_year_an_auditor_believes(app: &TestApp) {
    let claims = app.get(&app.admin, "/api/v1/travel-claims?limit=200").await;
    let claims = claims.body.as_array().unwrap();
    let lines = app.get(&app.admin, "/api/v1/budget-lines?year=2021").await;
    let lines = lines.body.as_array().unwrap();
    use baoxiao::demo::{is_working_day, today};
    let today = today();
    let in_year = |d: NaiveDate| d.year() == 2021 && d < today && is_working_day(d);
    let mut per_day: HashMap<NaiveDate, usize> = HashMap::new();
    let mut waited = Vec::new();
    for c in claims {
        let submitted = local_day(&c["submitted_at"]);
        assert!(in_year(submitted), "submitted {submitted}: {c}");
        assert!(
            submitted >= day(&c["return_date"]),
            "submitted after the trip: {c}"
        );
        *per_day.entry(submitted).or_default() += 1;
        let reimbursable = c["breakdown"]["reimbursable"].as_str().unwrap();
        match c["status"].as_str().unwrap() {
            "submitted" => {
                assert!(c["decided_at"].is_null());
                waited.push((today - submitted).num_days());
            }
            // Taken back by the claimant before any decision, its amendment begun.
            "withdrawn" => {
                assert!(c["decided_at"].is_null(), "{c}");
                let path = format!("/api/v1/travel-claims/{}", c["id"]);
                let whole = app.get(&app.admin, &path).await;
                let history = whole.body["history"].as_array().unwrap();
                let actions: Vec<&str> = history
                    .iter()
                    .filter_map(|h| h["action"].as_str())
                    .collect();
                assert!(actions.ends_with(&["withdraw", "amend"]), "{actions:?}");
            }
            status => {
                let decided = local_day(&c["decided_at"]);
                assert!(
                    in_year(decided) && decided > submitted,
                    "decided {decided}: {c}"
                );
                if status == "paid" {
                    let paid = day(&c["paid_on"]);
                    assert!(in_year(paid) && paid > decided, "paid {paid}: {c}");
                    assert!((paid - decided).num_days() <= 30, "{c}");
                    assert_ne!(reimbursable, "0.00", "nothing is paid of nothing: {c}");
                }
            }
        }
        for h in c["history"].as_array().unwrap() {
            assert!(in_year(local_day(&h["at"])), "{h}");
        }
    }
    // No day of the year has more than a few submissions.
    let busiest = per_day.values().max().copied().unwrap_or_default();
    assert!(busiest <= 3, "{busiest} claims submitted on one day");
    assert!(per_day.len() >= 40, "{} submission days", per_day.len());
    // A handful wait, recently submitted, each a different number of days.
    waited.sort_unstable();
    let distinct: HashSet<_> = waited.iter().collect();
    assert!((4..=10).contains(&waited.len()), "{waited:?}");
    assert!(distinct.len() >= 4, "{waited:?}");
    assert!(waited.iter().all(|d| (1..=10).contains(d)), "{waited:?}");
    // The forfeited claims are refused, never approved for nothing.
    assert!(claims
        .iter()
        .any(|c| c["status"] == "rejected" && c["breakdown"]["reimbursable"] == "0.00"));

    // Every line the year spends on, spent as its roster and events say, and believably far.
    let line = |code: &str| {
        lines
            .iter()
            .find(|l| l["code"] == code)
            .unwrap_or_else(|| panic!("{code}"))
    };
    let fen = |v: &Value| Decimal::from_str(v.as_str().unwrap()).unwrap();
    let used = |l: &Value| (fen(&l["spent"]) + fen(&l["committed"])) / fen(&l["allocated"]);
    let mut shares = Vec::new();
    for code in [
        "dept.project.petition-work.beijing-duty",
        "dept.project.petition-work.province-duty",
        "dept.project.petition-work.sensitive-duty",
        "dept.project.petition-work.operations",
        "dept.project.petition-work.publicity",
        "dept.project.cadre-subsidy",
    ] {
        let l = line(code);
        shares.push((code, fen(&l["spent"]), used(l)));
    }
    for (code, spent, share) in &shares {
        assert!(*spent > Decimal::ZERO, "{code} spent nothing");
        assert!(
            (Decimal::new(60, 2)..=Decimal::ONE).contains(share),
            "{code}: {share}"
        );
    }
    let shares: Vec<Decimal> = shares.into_iter().map(|(_, _, s)| s).collect();
    let distinct: HashSet<_> = shares.iter().map(|s| s.round_dp(2)).collect();
    assert!(distinct.len() >= 4, "shares vary per line: {shares:?}");
    let project = used(line("dept.project"));
    assert!(
        (Decimal::new(80, 2)..=Decimal::new(99, 2)).contains(&project),
        "项目支出 executed {project}"
    );
    // One line nearly exhausted, and 信访工作经费 still shows the document's oversubscription.
    assert!(
        shares.iter().any(|s| *s >= Decimal::new(95, 2)),
        "{shares:?}"
    );
    assert_ne!(
        line("dept.project.petition-work")["oversubscribed_by"],
        "0.00"
    );

    // The ledger's and the audit log's moments lie in the year too.
    for l in lines {
        let id = l["id"].as_i64().unwrap();
        let entries = app
            .get(&app.admin, &format!("/api/v1/budget-lines/{id}/entries"))
            .await;
        for e in entries.body.as_array().unwrap() {
            assert!(local_day(&e["at"]).year() == 2021, "{e}");
        }
    }
    let events = app
        .get(
            &app.admin,
            "/api/v1/audit-events?from=2021-01-01&to=2021-12-31&limit=1000",
        )
        .await;
    let events = events.body.as_array().unwrap();
    assert!(events.len() >= claims.len() * 2, "{}", events.len());
    let late = app
        .get(
            &app.admin,
            "/api/v1/audit-events?from=2022-01-01&to=2030-12-31",
        )
        .await;
    assert_eq!(
        late.body,
        serde_json::json!([]),
        "nothing stamped after 2021"
    );

    // The six cadres can be paid: every batch has each one's details, shown masked.
    let batches = app.get(&app.admin, "/api/v1/subsidy-batches").await;
    let batches = batches.body.as_array().unwrap();
    assert!(!batches.is_empty());
    for b in batches {
        let items = b["items"].as_array().unwrap();
        assert_eq!(items.len(), 6, "{b}");
        for i in items {
            assert_eq!(i["payee_complete"], true, "{i}");
            assert_eq!(i["payee_changed"], false, "{i}");
            let id = i["id_number"].as_str().unwrap();
            assert!(id.starts_with("**************"), "{id}");
            assert!(i["bank_name"].as_str().unwrap().contains("平乡"), "{i}");
        }
    }
    let cadres = app.get(&app.admin, "/api/v1/subsidy-recipients").await;
    let first = &cadres.body[0];
    assert_eq!(
        (
            first["name"].as_str(),
            first["id_number"].as_str(),
            first["bank_name"].as_str(),
            first["bank_account"].as_str()
        ),
        (
            Some("郭长林"),
            Some("**************0319"),
            Some("中国农业银行平乡县支行"),
            Some("**** 0017")
        )
    );
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

/// The demo's moments are moved into 2021 after each step: hledger, reading the year's journal,
/// still finds every line's allocated, committed and spent to the fen.
#[tokio::test]
#[cfg_attr(
    no_hledger,
    ignore = "hledger is not installed (build.rs found none); .ci/run installs and requires it"
)]
async fn hledger_agrees_with_the_demo_year_to_the_fen() {
    let app = spawn_demo_app().await;
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
        text.contains("spent:dept:project:petition-work:beijing-duty"),
        "{text}"
    );
    assert!(
        !text.contains("\n2026-"),
        "every entry dated in the demo year"
    );
    let balances = crate::reports::hledger_balances(&text);
    let zero = "0.00".to_string();
    let lines = crate::reports::execution(&app).await;
    assert!(lines.len() > 5);
    for line in lines {
        let code = line["code"].as_str().unwrap();
        let path = code.replace('.', ":");
        for (account, ours) in [
            (format!("allocated:{code}"), &line["allocated"]),
            (format!("committed:{path}"), &line["committed"]),
            (format!("spent:{path}"), &line["spent"]),
        ] {
            let theirs = balances.get(&account).unwrap_or(&zero);
            assert_eq!(Some(theirs.as_str()), ours.as_str(), "{account}");
        }
    }
}

/// The demo's books stand on its story's today (2021-12-08): finance's queue counts the days
/// the last claims have waited to that morning, 待支付 offers that day, and a waiting claim
/// approved and paid through the pages gets 2021 dates.
#[tokio::test]
async fn the_demo_queue_counts_days_to_the_storys_today() {
    let app = spawn_demo_app().await;
    let mut finance = crate::web::Visitor::new(&app.address);
    let password = baoxiao::demo::password_for("lixiuying");
    assert_eq!(finance.sign_in("lixiuying", &password).await.status, 303);
    let queue = finance.get("/finance").await.body;
    assert!(
        queue.contains("演示数据：本单位的日历停在 2021年12月8日，“今天”按这一天计算。"),
        "{queue}"
    );
    let waited: Vec<u32> = queue
        .split("已等 ")
        .skip(1)
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect();
    assert!(!waited.is_empty(), "{queue}");
    assert!(waited.iter().all(|&days| days <= 10), "{waited:?}");

    // Approve the first waiting claim the queue offers, then pay it on the default day.
    let marker = "action=\"/finance/claims/";
    let id: i64 = queue
        .split(marker)
        .skip(1)
        .find(|rest| rest.split('"').next().unwrap_or("").ends_with("/approve"))
        .and_then(|rest| rest.split('/').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no approve form: {queue}"));
    let csrf = finance.csrf("/finance").await;
    let approved = finance
        .post(
            &format!("/finance/claims/{id}/approve"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    // R18: the demo's chain asks its leader to sign a claim of 5,000.00 or more after finance.
    let claim = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{id}"))
        .await;
    if claim.body["step"] == "leader" {
        let mut leader = crate::web::Visitor::new(&app.address);
        let password = baoxiao::demo::password_for("mawenbin");
        assert_eq!(leader.sign_in("mawenbin", &password).await.status, 303);
        let csrf = leader.csrf("/approvals").await;
        let signed = leader
            .post(
                &format!("/approvals/claims/{id}/approve"),
                &[("csrf", csrf.as_str())],
            )
            .await;
        assert_eq!(signed.status, 303, "{}", signed.body);
    }
    let queue = finance.get("/finance").await.body;
    let pay_field = format!("id=\"paid-on-{id}\" name=\"paid_on\" value=\"2021-12-08\"");
    assert!(queue.contains(&pay_field), "{queue}");
    let paid = finance
        .post(
            &format!("/finance/claims/{id}/pay"),
            &[("csrf", csrf.as_str()), ("paid_on", "2021-12-08")],
        )
        .await;
    assert_eq!(paid.status, 303, "{}", paid.body);
    let claim = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(claim.body["status"], "paid", "{}", claim.body);
    assert_eq!(claim.body["paid_on"], "2021-12-08");
    let decided = local_day(&claim.body["decided_at"]);
    assert_eq!(decided, NaiveDate::from_ymd_opt(2021, 12, 8).unwrap());
}
