//! What a finance service must never do — overspend, lose an acknowledged approval, pay twice,
//! edit its ledger, let the wrong role in — each proved by a test that could fail.
use crate::helpers::*;
use diesel::prelude::*;
use futures::StreamExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A fresh line under 项目支出 with room for exactly `trips` one-day Xingtai trips (180.00 each).
async fn line_for(app: &TestApp, code: &str, trips: u32) -> i64 {
    let allocated = format!("{}.00", 180 * trips);
    let body = json!({"year": 2021, "code": format!("dept.project.{code}"), "name": code, "parent_code": "dept.project", "allocated": allocated});
    let r = app.post(&app.admin, "/api/v1/budget-lines", &body).await;
    r.assert(201, "");
    r.body["id"].as_i64().unwrap()
}

async fn submit_many(app: &TestApp, claimant: &str, line: i64, n: usize) -> Vec<i64> {
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        ids.push(app.submit(claimant, &day_trip(line)).await);
    }
    ids
}

/// Approves every claim of `ids` at once, 32 in flight, alternately through the test's server
/// and `second`: each reply's status and body.
async fn approve_across(
    app: &TestApp,
    second: &ServerProcess,
    finance: &str,
    ids: &[i64],
) -> Vec<(u16, serde_json::Value)> {
    let servers = [app.address.clone(), second.address.clone()];
    futures::stream::iter(ids.iter().enumerate())
        .map(|(i, id)| {
            let url = format!("{}/api/v1/travel-claims/{id}/approve", servers[i % 2]);
            let (client, token) = (app.client.clone(), finance.to_string());
            async move {
                let r = client.post(url).bearer_auth(token).send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json().await.unwrap_or_default())
            }
        })
        .buffer_unordered(32)
        .collect()
        .await
}

/// The same race where the parent binds: two leaves with room for 60 trips each under a parent
/// with room for 37, approvals of both leaves' claims across two server processes at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_race_of_two_leaves_for_their_parents_room_of_37_across_two_server_processes() {
    let app = spawn_app().await;
    let second = ServerProcess::start(&app).await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let parent = line_for(&app, "shared", 37).await;
    let mut ids = Vec::new();
    for leaf in ["a", "b"] {
        let body = json!({"year": 2021, "code": format!("dept.project.shared.{leaf}"), "name": leaf,
            "parent_code": "dept.project.shared", "allocated": format!("{}.00", 180 * 60)});
        let r = app.post(&app.admin, "/api/v1/budget-lines", &body).await;
        r.assert(201, "");
        let line = r.body["id"].as_i64().expect("no id");
        ids.extend(submit_many(&app, &claimant, line, 60).await);
    }
    // Alternate the leaves, so that both are approved at once throughout.
    let (a, b) = ids.split_at(60);
    let ids: Vec<i64> = a.iter().zip(b).flat_map(|(x, y)| [*x, *y]).collect();
    let replies: Vec<(u16, String)> = approve_across(&app, &second, &finance, &ids)
        .await
        .into_iter()
        .map(|(status, body)| (status, body["line_code"].as_str().unwrap_or("").to_string()))
        .collect();
    let approved = replies.iter().filter(|(s, _)| *s == 200).count();
    let refused_by_parent = replies
        .iter()
        .filter(|(s, line)| *s == 409 && line == "dept.project.shared")
        .count();
    assert_eq!((approved, refused_by_parent), (37, 83), "{replies:?}");
    let p = app.line(parent).await;
    assert_eq!(
        (p["available"].as_str(), p["committed"].as_str()),
        (Some("0.00"), Some("6660.00"))
    );
    let (_, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_race_of_120_approvals_for_room_of_37_across_two_server_processes() {
    let app = spawn_app().await;
    let second = ServerProcess::start(&app).await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = line_for(&app, "race", 37).await;
    let ids = submit_many(&app, &claimant, line, 120).await;

    // Watch the line from a third client while the race runs: available never goes negative.
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (done, client, url, token) = (
            done.clone(),
            app.client.clone(),
            app.url(&format!("/api/v1/budget-lines/{line}")),
            app.admin.clone(),
        );
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let body: serde_json::Value = client
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                seen.push(body["available"].as_str().unwrap().to_string());
            }
            seen
        })
    };
    let replies: Vec<(u16, String)> = approve_across(&app, &second, &finance, &ids)
        .await
        .into_iter()
        .map(|(status, body)| (status, body["code"].as_str().unwrap_or("").to_string()))
        .collect();
    done.store(true, Ordering::Relaxed);
    let seen = watcher.await.unwrap();

    assert!(
        replies.iter().all(|(s, _)| *s < 500),
        "no 5xx, not even from a busy database: {replies:?}"
    );
    let approved = replies.iter().filter(|(s, _)| *s == 200).count();
    let refused = replies
        .iter()
        .filter(|(s, c)| *s == 409 && c == "insufficient_budget")
        .count();
    assert_eq!((approved, refused), (37, 83));
    let l = app.line(line).await;
    assert_eq!(
        (l["available"].as_str(), l["committed"].as_str()),
        (Some("0.00"), Some("6660.00"))
    );
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|a| !a.starts_with('-')),
        "available went negative: {seen:?}"
    );
    let (_, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_identical_approvals_with_one_key_commit_once() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    let url = app.url(&format!("/api/v1/travel-claims/{id}/approve"));
    let replies = futures::future::join_all((0..40).map(|_| {
        app.send(
            app.client
                .post(&url)
                .bearer_auth(&finance)
                .header("Idempotency-Key", "approve-once"),
        )
    }))
    .await;
    for r in &replies {
        assert!(
            r.status == Status::OK || r.code() == "idempotency_key_in_flight",
            "{}",
            r.body
        );
    }
    let entries = app
        .get(&app.admin, &format!("/api/v1/budget-lines/{line}/entries"))
        .await;
    let commits = entries
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "commit")
        .count();
    assert_eq!(commits, 1);
    // Once finished, every retry gets the same answer.
    let again = app
        .send(
            app.client
                .post(&url)
                .bearer_auth(&finance)
                .header("Idempotency-Key", "approve-once"),
        )
        .await;
    again.assert(200, "");
    let other = app
        .send(
            app.client
                .post(app.url("/api/v1/travel-claims/quote"))
                .bearer_auth(&finance)
                .header("Idempotency-Key", "approve-once")
                .json(&r8_claim(line)),
        )
        .await;
    other.assert(422, "idempotency_key_reused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_loses_no_acknowledged_approval() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = line_for(&app, "crash", 200).await;
    let ids = submit_many(&app, &claimant, line, 60).await;
    let mut victim = ServerProcess::start(&app).await;

    // Approve through the victim, 8 at a time, and SIGKILL it once 15 approvals were acknowledged.
    let address = victim.address.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stream = {
        let (client, token) = (app.client.clone(), finance.clone());
        let ids = ids.clone();
        tokio::spawn(async move {
            futures::stream::iter(ids)
                .for_each_concurrent(8, |id| {
                    let (client, token, tx) = (client.clone(), token.clone(), tx.clone());
                    let url = format!("{address}/api/v1/travel-claims/{id}/approve");
                    async move {
                        if let Ok(r) = client.post(url).bearer_auth(token).send().await {
                            if r.status().is_success() && r.bytes().await.is_ok() {
                                let _ = tx.send(id);
                            }
                        }
                    }
                })
                .await
        })
    };
    let mut acknowledged = Vec::new();
    while let Some(id) = rx.recv().await {
        acknowledged.push(id);
        if acknowledged.len() == 15 {
            victim.kill();
            break;
        }
    }
    stream.await.unwrap();
    while let Ok(id) = rx.try_recv() {
        acknowledged.push(id);
    }
    assert!(acknowledged.len() >= 15);

    // Restart on the same database: every acknowledged approval is there, exactly once.
    let _restarted = ServerProcess::start(&app).await;
    let mut c = app.pool.get().unwrap();
    use baoxiao::db::schema::ledger_entries::dsl as le;
    for id in &ids {
        let commits: i64 = le::ledger_entries
            .filter(
                le::source_type
                    .eq("travel_claim")
                    .and(le::source_id.eq(*id))
                    .and(le::kind.eq("commit")),
            )
            .count()
            .get_result(&mut *c)
            .unwrap();
        let status = app
            .get(&app.admin, &format!("/api/v1/travel-claims/{id}"))
            .await
            .body["status"]
            .as_str()
            .unwrap()
            .to_string();
        if acknowledged.contains(id) {
            assert_eq!((status.as_str(), commits), ("approved", 1), "claim {id}");
        } else {
            assert_eq!(
                commits,
                i64::from(status == "approved"),
                "claim {id}: a commitment exactly when approved"
            );
        }
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
        .arg("verify")
        .env("DATABASE_URL", &app.db_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "verify: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_crash_during_keyed_approvals_every_key_replays_or_runs_once() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = line_for(&app, "keyed-crash", 200).await;
    let ids = submit_many(&app, &claimant, line, 80).await;
    let mut victim = ServerProcess::start(&app).await;
    let keyed = |address: &str, id: i64| {
        app.client
            .post(format!("{address}/api/v1/travel-claims/{id}/approve"))
            .bearer_auth(&finance)
            .header("Idempotency-Key", format!("approve-{id}"))
    };

    // Keyed approvals through the victim, 8 at a time; SIGKILL once 20 were acknowledged.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stream = {
        let requests: Vec<_> = ids
            .iter()
            .map(|id| (*id, keyed(&victim.address, *id)))
            .collect();
        tokio::spawn(async move {
            futures::stream::iter(requests)
                .for_each_concurrent(8, |(id, request)| {
                    let tx = tx.clone();
                    async move {
                        if let Ok(r) = request.send().await {
                            if r.status().is_success() && r.bytes().await.is_ok() {
                                let _ = tx.send(id);
                            }
                        }
                    }
                })
                .await
        })
    };
    let mut acknowledged = Vec::new();
    while let Some(id) = rx.recv().await {
        acknowledged.push(id);
        if acknowledged.len() == 20 {
            victim.kill();
            break;
        }
    }
    stream.await.unwrap();
    while let Ok(id) = rx.try_recv() {
        acknowledged.push(id);
    }

    // Restart and retry every key: each answers 200 with the claim approved (a replay of the
    // committed answer, or the approval run now), none is left in flight, and each claim holds
    // exactly one commitment.
    let restarted = ServerProcess::start(&app).await;
    let mut replays = 0;
    for id in &ids {
        let response = keyed(&restarted.address, *id).send().await.unwrap();
        let replayed = response.headers().contains_key("idempotent-replayed");
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(status, Status::OK, "claim {id}: {body}");
        assert_eq!(body["status"], "approved", "claim {id}: {body}");
        assert_eq!(body["id"], *id);
        if acknowledged.contains(id) {
            assert!(
                replayed,
                "claim {id} was acknowledged, so its answer is kept"
            );
        }
        replays += usize::from(replayed);
    }
    assert!(replays >= acknowledged.len());
    let mut c = app.pool.get().unwrap();
    use baoxiao::db::schema::ledger_entries::dsl as le;
    for id in &ids {
        let commits: i64 = le::ledger_entries
            .filter(
                le::source_type
                    .eq("travel_claim")
                    .and(le::source_id.eq(*id))
                    .and(le::kind.eq("commit")),
            )
            .count()
            .get_result(&mut *c)
            .unwrap();
        assert_eq!(commits, 1, "claim {id}");
    }
}

#[tokio::test]
async fn the_database_refuses_to_edit_the_ledger() {
    let app = spawn_app().await;
    let mut c = app.pool.get().unwrap();
    for statement in [
        "UPDATE ledger_entries SET amount_fen = 1",
        "DELETE FROM ledger_entries",
    ] {
        let error = diesel::sql_query(statement)
            .execute(&mut *c)
            .expect_err(statement);
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let count: i64 = baoxiao::db::schema::ledger_entries::table
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(count, 13, "the 13 allocations are all still there");
    // Nor can any balance be pushed past its allocation, whatever the SQL.
    let error = diesel::sql_query(
        "UPDATE budget_lines SET committed_fen = allocated_fen + 1 WHERE code = 'dept'",
    )
    .execute(&mut *c)
    .expect_err("CHECK");
    assert!(
        error.to_string().to_lowercase().contains("check"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_batches_made_and_approved_at_once_never_pay_a_month_twice() {
    let app = spawn_app().await;
    let maker = app.user("出纳", &[R::Finance]);
    let checker = app.user("会计", &[R::Finance]);
    let line = app.line_id("dept.project.cadre-subsidy").await;
    for n in 1..=6 {
        app.post(
            &maker,
            "/api/v1/subsidy-recipients",
            &json!({"name": format!("老干部{n}"), "enrolled_from": "2021-01-01"}),
        )
        .await
        .assert(201, "");
    }
    let bodies: Vec<_> = [false, false, true, true, true]
        .iter()
        .map(|s| json!({"budget_line_id": line, "year": 2021, "half": 1, "supplementary": s}))
        .collect();
    let made = futures::future::join_all(
        bodies
            .iter()
            .map(|b| app.post(&maker, "/api/v1/subsidy-batches", b)),
    )
    .await;
    let regular_made = made
        .iter()
        .zip([false, false, true, true, true])
        .filter(|(r, s)| !s && r.status == Status::CREATED)
        .count();
    assert_eq!(
        regular_made, 1,
        "one regular batch; the other is batch_exists"
    );
    let batch_ids: Vec<i64> = made.iter().filter_map(|r| r.body["id"].as_i64()).collect();
    let paths: Vec<String> = batch_ids
        .iter()
        .map(|id| format!("/api/v1/subsidy-batches/{id}/approve"))
        .collect();
    let empty = json!({});
    let approved =
        futures::future::join_all(paths.iter().map(|p| app.post(&checker, p, &empty))).await;
    assert_eq!(
        approved.iter().filter(|r| r.status == Status::OK).count(),
        1
    );
    assert!(approved
        .iter()
        .all(|r| r.status == Status::OK || r.code() == "batch_outdated"));
    let mut c = app.pool.get().unwrap();
    use baoxiao::db::schema::subsidy_items::dsl as si;
    let live: Vec<(i64, i32)> = si::subsidy_items
        .filter(si::live.eq(true))
        .select((si::recipient_id, si::month))
        .load(&mut *c)
        .unwrap();
    let distinct: std::collections::HashSet<_> = live.iter().collect();
    assert_eq!((live.len(), distinct.len()), (36, 36));
    assert_eq!(app.line(line).await["committed"], "39600.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paying_and_rejecting_at_once_is_one_success_and_one_409() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let (a, b) = (
        app.user("李四", &[R::Finance]),
        app.user("王五", &[R::Finance]),
    );
    let line = app.line_id("dept.project.petition-work.operations").await;
    for _ in 0..5 {
        let id = app.submit(&claimant, &r8_claim(line)).await;
        app.post(
            &a,
            &format!("/api/v1/travel-claims/{id}/approve"),
            &json!({}),
        )
        .await
        .assert(200, "");
        app.approvals_dated_2021_05_01();
        let (pay_body, reject_body) = (json!({"paid_on": "2021-05-20"}), json!({"reason": "重复"}));
        let (pay_path, reject_path) = (
            format!("/api/v1/travel-claims/{id}/pay"),
            format!("/api/v1/travel-claims/{id}/reject"),
        );
        let (paid, rejected) = tokio::join!(
            app.post(&a, &pay_path, &pay_body),
            app.post(&b, &reject_path, &reject_body)
        );
        let statuses = [paid.status.as_u16(), rejected.status.as_u16()];
        assert!(
            statuses.contains(&200) && statuses.contains(&409),
            "{statuses:?}: {} / {}",
            paid.body,
            rejected.body
        );
    }
    let (_, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
    let l = app.line(line).await;
    assert_eq!(l["committed"], "0.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paying_and_voiding_a_batch_at_once_is_one_success_and_one_409() {
    let app = spawn_app().await;
    let (maker, checker) = (
        app.user("出纳", &[R::Finance]),
        app.user("会计", &[R::Finance]),
    );
    let line = app.line_id("dept.project.cadre-subsidy").await;
    app.post(
        &maker,
        "/api/v1/subsidy-recipients",
        &json!({"name": "老干部", "enrolled_from": "2021-01-01"}),
    )
    .await
    .assert(201, "");
    let batch = app
        .post(
            &maker,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": line, "year": 2021, "half": 1}),
        )
        .await;
    let id = batch.body["id"].as_i64().unwrap();
    app.post(
        &checker,
        &format!("/api/v1/subsidy-batches/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    app.approvals_dated_2021_05_01();
    let (pay_body, empty) = (json!({"paid_on": "2021-06-05"}), json!({}));
    let (pay_path, void_path) = (
        format!("/api/v1/subsidy-batches/{id}/pay"),
        format!("/api/v1/subsidy-batches/{id}/void"),
    );
    let (paid, voided) = tokio::join!(
        app.post(&maker, &pay_path, &pay_body),
        app.post(&checker, &void_path, &empty)
    );
    let statuses = [paid.status.as_u16(), voided.status.as_u16()];
    assert!(
        statuses.contains(&200) && statuses.contains(&409),
        "{statuses:?}"
    );
    let (_, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}
