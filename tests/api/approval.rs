//! R18 approval steps through the API: the worked example, skipped steps, each refusal, a chain
//! changed mid-year, the queues, and decisions racing across two server processes.

use serde_json::Value;

use crate::helpers::{json, r8_claim, spawn_app, Reply, ServerProcess, TestApp, R};

const OPS: &str = "dept.project.petition-work.operations";

fn at(id: i64, what: &str) -> String {
    format!("/api/v1/travel-claims/{id}{what}")
}

async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> Reply {
    app.send(app.client.put(app.url(path)).bearer_auth(token).json(body))
        .await
}

/// A new user: id and token.
fn person(app: &TestApp, name: &str, roles: &[R]) -> (i64, String) {
    baoxiao::services::users::add_user(&app.pool, None, name, roles).unwrap()
}

/// A department of that name; its id.
async fn department(app: &TestApp, name: &str) -> i64 {
    let reply = app
        .post(&app.admin, "/api/v1/departments", &json!({"name": name}))
        .await;
    reply.assert(201, "");
    reply.body["id"].as_i64().unwrap()
}

async fn put_in(app: &TestApp, user: i64, department: i64) {
    put(
        app,
        &app.admin,
        &format!("/api/v1/users/{user}/department"),
        &json!({"department_id": department}),
    )
    .await
    .assert(200, "");
}

async fn set_chain(app: &TestApp, steps: &[&str], threshold: &str) {
    put(
        app,
        &app.admin,
        "/api/v1/approval-chain",
        &json!({"steps": steps, "leader_threshold": threshold}),
    )
    .await
    .assert(200, "");
}

/// A one-day Xingtai trip with a ticket: 180.00 of allowances plus the ticket.
fn trip_of(line: i64, ticket: &str) -> Value {
    json!({
        "budget_line_id": line, "purpose": "赴京汇报", "destination": "邢台",
        "departure_date": "2021-06-01", "return_date": "2021-06-01",
        "tickets": [{"description": "往返交通", "amount": ticket}]
    })
}

/// 6,000.00: above the worked example's threshold.
fn large(line: i64) -> Value {
    trip_of(line, "5820.00")
}

/// The worked example's organisation: chain department_head → finance → leader, threshold
/// 5,000.00; 办公室 with its head and a member.
struct Office {
    line: i64,
    member: String,
    head: String,
    finance: String,
    finance_2: String,
    leader: String,
}

async fn office(app: &TestApp) -> Office {
    set_chain(app, &["department_head", "finance", "leader"], "5000.00").await;
    let office = department(app, "办公室").await;
    let (member_id, member) = person(app, "张三", &[R::Claimant]);
    let (head_id, head) = person(app, "李主任", &[R::DepartmentHead]);
    put_in(app, member_id, office).await;
    put_in(app, head_id, office).await;
    Office {
        line: app.line_id(OPS).await,
        member,
        head,
        finance: person(app, "王会计", &[R::Finance]).1,
        finance_2: person(app, "钱会计", &[R::Finance]).1,
        leader: person(app, "赵局长", &[R::Leader]).1,
    }
}

fn steps(claim: &Value) -> Vec<(String, String, Option<String>)> {
    claim["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["step"].as_str().unwrap().to_string(),
                a["decision"].as_str().unwrap().to_string(),
                a["note"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn step(s: &str, d: &str, note: Option<&str>) -> (String, String, Option<String>) {
    (s.into(), d.into(), note.map(str::to_string))
}

async fn money(app: &TestApp, line: i64) -> (String, String) {
    let line = app.line(line).await;
    (
        line["committed"].as_str().unwrap().to_string(),
        line["available"].as_str().unwrap().to_string(),
    )
}

fn assert_verified(app: &TestApp) {
    let (_, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

/// R18's worked example: 1,231.00 needs the 办公室 head, then finance (committed), and is then
/// approved; 6,000.00 waits for the leader after finance, whose rejection releases it.
#[tokio::test]
async fn the_worked_example_signs_in_order_and_only_finance_moves_money() {
    let app = spawn_app().await;
    let o = office(&app).await;
    let (committed_before, available_before) = money(&app, o.line).await;

    let small = app.submit(&o.member, &r8_claim(o.line)).await;
    let claim = app.get(&o.member, &at(small, "")).await.body;
    assert_eq!(claim["status"], "submitted");
    assert_eq!(claim["step"], "department_head");
    assert!(steps(&claim).is_empty());
    // Finance and the leader do not hold the head's step.
    for token in [&o.finance, &o.leader] {
        app.post(token, &at(small, "/approve"), &json!({}))
            .await
            .assert(403, "forbidden");
    }
    let after_head = app.post(&o.head, &at(small, "/approve"), &json!({})).await;
    after_head.assert(200, "");
    assert_eq!(after_head.body["status"], "submitted");
    assert_eq!(after_head.body["step"], "finance");
    assert_eq!(
        money(&app, o.line).await.0,
        committed_before,
        "no money yet"
    );
    let done = app
        .post(&o.finance, &at(small, "/approve"), &json!({}))
        .await;
    done.assert(200, "");
    assert_eq!(done.body["status"], "approved");
    assert_eq!(done.body["step"], Value::Null);
    assert_eq!(
        steps(&done.body),
        vec![
            step("department_head", "approved", None),
            step("finance", "approved", None),
            step("leader", "skipped", Some("below_leader_threshold")),
        ]
    );
    assert!(done.body["approvals"][1]["by"].is_i64());
    assert!(done.body["approvals"][1]["at"].is_string());
    // The answer is what a later read shows.
    let read = app.get(&o.finance, &at(small, "")).await.body;
    assert_eq!(read["approvals"], done.body["approvals"]);
    let (committed, _) = money(&app, o.line).await;
    assert_ne!(committed, committed_before);

    // 6,000.00 waits for the leader once finance has committed it.
    let (_, available_small) = money(&app, o.line).await;
    let big = app.submit(&o.member, &large(o.line)).await;
    app.post(&o.head, &at(big, "/approve"), &json!({}))
        .await
        .assert(200, "");
    let waiting = app.post(&o.finance, &at(big, "/approve"), &json!({})).await;
    waiting.assert(200, "");
    assert_eq!(waiting.body["status"], "submitted");
    assert_eq!(waiting.body["step"], "leader");
    assert_ne!(money(&app, o.line).await.1, available_small, "committed");
    // Not payable yet.
    app.post(
        &o.finance,
        &at(big, "/pay"),
        &json!({"paid_on": "2021-06-05"}),
    )
    .await
    .assert(409, "invalid_transition");
    let rejected = app
        .post(
            &o.leader,
            &at(big, "/reject"),
            &json!({"reason": "超出标准"}),
        )
        .await;
    rejected.assert(200, "");
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(
        steps(&rejected.body)[2],
        step("leader", "rejected", Some("超出标准"))
    );
    assert_eq!(money(&app, o.line).await.1, available_small, "released");
    assert_ne!(available_small, available_before);
    assert_verified(&app);

    // The leader approving instead makes it approved.
    let big = app.submit(&o.member, &large(o.line)).await;
    for token in [&o.head, &o.finance, &o.leader] {
        app.post(token, &at(big, "/approve"), &json!({}))
            .await
            .assert(200, "");
    }
    let claim = app.get(&o.member, &at(big, "")).await.body;
    assert_eq!(claim["status"], "approved");
    assert_eq!(
        steps(&claim),
        vec![
            step("department_head", "approved", None),
            step("finance", "approved", None),
            step("leader", "approved", None),
        ]
    );
    assert_verified(&app);

    // The audit trail names each step of each decision.
    let today = chrono::Utc::now().date_naive();
    let (from, to) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let events = app
        .get(
            &app.admin,
            &format!("/api/v1/audit-events?from={from}&to={to}&limit=1000"),
        )
        .await;
    events.assert(200, "");
    let notes: Vec<&str> = events
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_id"] == big && e["entity_type"] == "travel_claim")
        .filter_map(|e| e["note"].as_str())
        .collect();
    assert_eq!(
        notes.iter().filter(|n| n.starts_with("部门审核")).count(),
        1,
        "{notes:?}"
    );
    assert!(notes.contains(&"财务审核"), "{notes:?}");
    assert!(notes.contains(&"单位负责人审批"), "{notes:?}");
}

/// The department head's step is skipped, with the reason, for a claimant in no department and
/// for a department's own head.
#[tokio::test]
async fn the_department_step_is_skipped_with_its_reason() {
    let app = spawn_app().await;
    let o = office(&app).await;
    let (_, loner) = person(&app, "孙七", &[R::Claimant]);
    let id = app.submit(&loner, &r8_claim(o.line)).await;
    let claim = app.get(&loner, &at(id, "")).await.body;
    assert_eq!(claim["step"], "finance");
    assert_eq!(
        steps(&claim),
        vec![step("department_head", "skipped", Some("no_department"))]
    );
    assert_eq!(claim["approvals"][0]["by"], Value::Null);

    let archive = department(&app, "档案室").await;
    let (boss_id, boss) = person(&app, "周主任", &[R::Claimant, R::DepartmentHead]);
    put_in(&app, boss_id, archive).await;
    let id = app.submit(&boss, &r8_claim(o.line)).await;
    let claim = app.get(&boss, &at(id, "")).await.body;
    assert_eq!(claim["step"], "finance");
    assert_eq!(
        steps(&claim),
        vec![step(
            "department_head",
            "skipped",
            Some("claimant_heads_department")
        )]
    );
    // The 办公室 head does not head 档案室: a claim of 档案室 is not theirs to decide.
    let (clerk_id, clerk) = person(&app, "吴八", &[R::Claimant]);
    put_in(&app, clerk_id, archive).await;
    let id = app.submit(&clerk, &r8_claim(o.line)).await;
    app.post(&o.head, &at(id, "/approve"), &json!({}))
        .await
        .assert(403, "forbidden");
    app.post(
        &o.head,
        &at(id, "/reject"),
        &json!({"reason": "不是本科室"}),
    )
    .await
    .assert(403, "forbidden");
    app.post(&boss, &at(id, "/approve"), &json!({}))
        .await
        .assert(200, "");
}

/// Four eyes across the chain, and decisions with no step waiting.
#[tokio::test]
async fn each_refusal_has_its_status_and_code() {
    let app = spawn_app().await;
    let o = office(&app).await;
    let office_id = app.get(&app.admin, "/api/v1/departments").await.body[0]["id"]
        .as_i64()
        .unwrap();
    // A head who is also finance decides the head's step, and may not decide finance's.
    let (both_id, both) = person(&app, "郑科长", &[R::Finance, R::DepartmentHead]);
    let archive = department(&app, "档案室").await;
    put_in(&app, both_id, archive).await;
    let (clerk_id, clerk) = person(&app, "吴八", &[R::Claimant]);
    put_in(&app, clerk_id, archive).await;
    let id = app.submit(&clerk, &r8_claim(o.line)).await;
    app.post(&both, &at(id, "/approve"), &json!({}))
        .await
        .assert(200, "");
    app.post(&both, &at(id, "/approve"), &json!({}))
        .await
        .assert(403, "step_already_decided_by_you");
    app.post(&both, &at(id, "/reject"), &json!({"reason": "再看看"}))
        .await
        .assert(403, "step_already_decided_by_you");
    // Nobody decides their own claim, at any step.
    let (self_id, selfish) = person(&app, "冯会计", &[R::Claimant, R::Finance]);
    put_in(&app, self_id, office_id).await;
    let own = app.submit(&selfish, &r8_claim(o.line)).await;
    app.post(&o.head, &at(own, "/approve"), &json!({}))
        .await
        .assert(200, "");
    app.post(&selfish, &at(own, "/approve"), &json!({}))
        .await
        .assert(403, "self_approval_forbidden");
    // No step waiting: approving or rejecting an approved claim's chain again is 409.
    app.post(&o.finance, &at(own, "/approve"), &json!({}))
        .await
        .assert(200, "");
    app.post(&o.finance_2, &at(own, "/approve"), &json!({}))
        .await
        .assert(409, "invalid_transition");
    app.post(&o.leader, &at(own, "/approve"), &json!({}))
        .await
        .assert(409, "invalid_transition");
    // A claimant may not approve.
    app.post(&o.member, &at(id, "/approve"), &json!({}))
        .await
        .assert(403, "forbidden");
    // Once a step has decided, the claimant cannot withdraw.
    let decided = app.submit(&o.member, &r8_claim(o.line)).await;
    app.post(&o.head, &at(decided, "/approve"), &json!({}))
        .await
        .assert(200, "");
    app.post(&o.member, &at(decided, "/withdraw"), &json!({}))
        .await
        .assert(409, "invalid_transition");
    // A rejected claim has no step waiting.
    app.post(
        &o.finance,
        &at(decided, "/reject"),
        &json!({"reason": "缺票"}),
    )
    .await
    .assert(200, "");
    app.post(&o.finance_2, &at(decided, "/approve"), &json!({}))
        .await
        .assert(409, "invalid_transition");
    assert_verified(&app);
}

/// The chain: read by anyone, set by an admin, refused naming `steps` when invalid; departments
/// and their heads.
#[tokio::test]
async fn the_chain_and_departments_are_checked() {
    let app = spawn_app().await;
    let (_, clerk) = person(&app, "张三", &[R::Claimant]);
    let chain = app.get(&clerk, "/api/v1/approval-chain").await;
    chain.assert(200, "");
    assert_eq!(
        chain.body,
        json!({"steps": ["finance"], "leader_threshold": "0.00"})
    );
    put(
        &app,
        &clerk,
        "/api/v1/approval-chain",
        &json!({"steps": ["finance"]}),
    )
    .await
    .assert(403, "forbidden");
    for bad in [
        json!(["department_head", "leader"]),
        json!(["finance", "department_head"]),
        json!(["finance", "boss"]),
        json!(["finance", "finance"]),
        json!([]),
    ] {
        let reply = put(
            &app,
            &app.admin,
            "/api/v1/approval-chain",
            &json!({"steps": bad, "leader_threshold": "5000.00"}),
        )
        .await;
        reply.assert(422, "invalid_request");
        assert_eq!(reply.fields(), vec!["steps"], "{bad}");
    }
    let reply = put(
        &app,
        &app.admin,
        "/api/v1/approval-chain",
        &json!({"steps": ["finance", "leader"], "leader_threshold": "-1.00"}),
    )
    .await;
    reply.assert(422, "invalid_request");
    assert_eq!(reply.fields(), vec!["leader_threshold"]);
    set_chain(&app, &["finance", "leader"], "5000.00").await;
    assert_eq!(
        app.get(&clerk, "/api/v1/approval-chain").await.body,
        json!({"steps": ["finance", "leader"], "leader_threshold": "5000.00"})
    );

    let office = department(&app, "办公室").await;
    app.post(
        &app.admin,
        "/api/v1/departments",
        &json!({"name": "办公室"}),
    )
    .await
    .assert(409, "duplicate_code");
    app.post(&clerk, "/api/v1/departments", &json!({"name": "财务室"}))
        .await
        .assert(403, "forbidden");
    let (head_id, _) = person(&app, "李主任", &[R::DepartmentHead]);
    let (second_id, _) = person(&app, "刘主任", &[R::DepartmentHead]);
    put_in(&app, head_id, office).await;
    put(
        &app,
        &app.admin,
        &format!("/api/v1/users/{second_id}/department"),
        &json!({"department_id": office}),
    )
    .await
    .assert(409, "duplicate_code");
    put(
        &app,
        &app.admin,
        &format!("/api/v1/users/{second_id}/department"),
        &json!({"department_id": 999_999}),
    )
    .await
    .assert(404, "not_found");
    let listed = app.get(&clerk, "/api/v1/departments").await.body;
    assert_eq!(listed[0]["name"], "办公室");
    assert_eq!(listed[0]["head_id"], head_id);
}

/// A chain changed mid-year applies to claims submitted afterwards; earlier claims keep theirs.
#[tokio::test]
async fn a_claim_keeps_the_chain_it_was_submitted_under() {
    let app = spawn_app().await;
    let line = app.line_id(OPS).await;
    let office = department(&app, "办公室").await;
    let (member_id, member) = person(&app, "张三", &[R::Claimant]);
    put_in(&app, member_id, office).await;
    let (head_id, head) = person(&app, "李主任", &[R::DepartmentHead]);
    put_in(&app, head_id, office).await;
    let (_, finance) = person(&app, "王会计", &[R::Finance]);
    let (_, leader) = person(&app, "赵局长", &[R::Leader]);

    let before = app.submit(&member, &large(line)).await;
    set_chain(&app, &["department_head", "finance", "leader"], "0.00").await;
    let after = app.submit(&member, &large(line)).await;
    assert_eq!(
        app.get(&member, &at(before, "")).await.body["step"],
        "finance"
    );
    assert_eq!(
        app.get(&member, &at(after, "")).await.body["step"],
        "department_head"
    );
    // The earlier claim: finance alone, done.
    let done = app
        .post(&finance, &at(before, "/approve"), &json!({}))
        .await;
    done.assert(200, "");
    assert_eq!(done.body["status"], "approved");
    // The later one: all three, the leader even for a small amount (threshold 0.00)… and
    // changing the chain back does not change it.
    set_chain(&app, &["finance"], "0.00").await;
    for token in [&head, &finance] {
        app.post(token, &at(after, "/approve"), &json!({}))
            .await
            .assert(200, "");
    }
    assert_eq!(
        app.get(&member, &at(after, "")).await.body["step"],
        "leader"
    );
    app.post(&leader, &at(after, "/approve"), &json!({}))
        .await
        .assert(200, "");
    assert_eq!(
        app.get(&member, &at(after, "")).await.body["status"],
        "approved"
    );
}

/// `?awaiting=me`: each approver's queue, oldest first, a department head's of their department
/// only.
#[tokio::test]
async fn each_approver_sees_what_waits_for_them() {
    let app = spawn_app().await;
    let o = office(&app).await;
    let archive = department(&app, "档案室").await;
    let (clerk_id, clerk) = person(&app, "吴八", &[R::Claimant]);
    put_in(&app, clerk_id, archive).await;
    let first = app.submit(&o.member, &r8_claim(o.line)).await;
    let second = app.submit(&o.member, &large(o.line)).await;
    let elsewhere = app.submit(&clerk, &r8_claim(o.line)).await;
    let ids = |reply: Reply| -> Vec<i64> {
        reply.assert(200, "");
        reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    let queue = "/api/v1/travel-claims?awaiting=me";
    assert_eq!(ids(app.get(&o.head, queue).await), vec![first, second]);
    assert!(ids(app.get(&o.finance, queue).await).is_empty());
    app.post(&o.head, &at(second, "/approve"), &json!({}))
        .await
        .assert(200, "");
    assert_eq!(ids(app.get(&o.head, queue).await), vec![first]);
    assert_eq!(ids(app.get(&o.finance, queue).await), vec![second]);
    app.post(&o.finance, &at(second, "/approve"), &json!({}))
        .await
        .assert(200, "");
    assert_eq!(ids(app.get(&o.leader, queue).await), vec![second]);
    assert!(ids(app.get(&o.finance, queue).await).is_empty());
    // Paged in its order.
    let page = app.get(&o.head, &format!("{queue}&limit=1")).await;
    assert_eq!(ids(page), vec![first]);
    // 档案室 has no head: its claim waits in nobody's queue but is still listed for admins.
    assert!(!ids(app.get(&o.head, queue).await).contains(&elsewhere));
    app.get(&o.head, "/api/v1/travel-claims?awaiting=you")
        .await
        .assert(422, "invalid_request");
}

/// POSTs `path` to the server at `base`: the status and the body.
async fn send(app: &TestApp, base: String, token: String, path: String) -> (u16, Value) {
    let body = if path.ends_with("/reject") {
        json!({"reason": "不符合规定"})
    } else {
        json!({})
    };
    let reply = app
        .client
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

/// The department head and finance deciding one claim at once, from two processes: the head's
/// step always goes through; finance either found it still at the head's step (403) or
/// decided after it (200, the claim approved and committed). Money follows exactly.
#[tokio::test]
async fn the_head_and_finance_at_once_across_two_processes() {
    let app = spawn_app().await;
    let o = office(&app).await;
    let other = ServerProcess::start(&app).await;
    let mut claims = Vec::new();
    for _ in 0..6 {
        claims.push(app.submit(&o.member, &r8_claim(o.line)).await);
    }
    let races = claims.iter().enumerate().map(|(i, id)| {
        let (a, b) = if i % 2 == 0 {
            (app.address.clone(), other.address.clone())
        } else {
            (other.address.clone(), app.address.clone())
        };
        futures::future::join(
            send(&app, a, o.head.clone(), at(*id, "/approve")),
            send(&app, b, o.finance.clone(), at(*id, "/approve")),
        )
    });
    let outcomes = futures::future::join_all(races).await;
    let mut approved = 0i64;
    for (id, ((head, head_body), (finance, finance_body))) in claims.iter().zip(outcomes) {
        assert_eq!(head, 200, "claim {id}: {head_body}");
        let claim = app.get(&o.finance, &at(*id, "")).await.body;
        if finance == 200 {
            approved += 1;
            assert_eq!(claim["status"], "approved");
        } else {
            assert_eq!(
                (finance, finance_body["code"].as_str()),
                (403, Some("forbidden"))
            );
            assert_eq!(claim["step"], "finance");
        }
    }
    let committed = money(&app, o.line).await.0;
    assert_eq!(committed, format!("{}.00", 1231 * approved));
    assert_verified(&app);
}

/// Two finance clerks approving one claim at once, from two processes: exactly one commits;
/// the other finds it decided (409) or waiting at the leader's step, which is not theirs (403).
#[tokio::test]
async fn finance_twice_at_once_commits_once() {
    let app = spawn_app().await;
    let o = office(&app).await;
    let other = ServerProcess::start(&app).await;
    let mut claims = Vec::new();
    for _ in 0..6 {
        let id = app.submit(&o.member, &large(o.line)).await;
        app.post(&o.head, &at(id, "/approve"), &json!({}))
            .await
            .assert(200, "");
        claims.push(id);
    }
    let races = claims.iter().enumerate().map(|(i, id)| {
        let (a, b) = if i % 2 == 0 {
            (app.address.clone(), other.address.clone())
        } else {
            (other.address.clone(), app.address.clone())
        };
        // One approves, the other approves or rejects.
        let second = if i % 3 == 0 { "/reject" } else { "/approve" };
        futures::future::join(
            send(&app, a, o.finance.clone(), at(*id, "/approve")),
            send(&app, b, o.finance_2.clone(), at(*id, second)),
        )
    });
    let outcomes = futures::future::join_all(races).await;
    let mut committed_claims = 0i64;
    for (id, ((one, one_body), (two, two_body))) in claims.iter().zip(outcomes) {
        let claim = app.get(&o.finance, &at(*id, "")).await.body;
        let wins = [one, two].iter().filter(|s| **s == 200).count();
        assert_eq!(wins, 1, "claim {id}: {one_body} {two_body}");
        let loser = if one == 200 { &two_body } else { &one_body };
        assert!(
            ["invalid_transition", "forbidden"].contains(&loser["code"].as_str().unwrap_or("")),
            "{loser}"
        );
        if claim["status"] == "submitted" {
            assert_eq!(claim["step"], "leader");
            committed_claims += 1;
        } else {
            assert_eq!(claim["status"], "rejected");
        }
        let finance_steps = steps(&claim)
            .into_iter()
            .filter(|(s, _, _)| s == "finance")
            .count();
        assert_eq!(finance_steps, 1);
    }
    let committed = money(&app, o.line).await.0;
    assert_eq!(committed, format!("{}.00", 6000 * committed_claims));
    assert_verified(&app);
}

/// The claimant withdrawing while the first step decides, and the leader deciding while the
/// claimant tries to withdraw, from two processes: one outcome each, nothing left committed by a
/// rejection, and `verify` clean.
#[tokio::test]
async fn a_withdrawal_racing_the_steps_has_one_outcome() {
    let app = spawn_app().await;
    let o = office(&app).await;
    let other = ServerProcess::start(&app).await;
    // Against the department head's step: exactly one of the two.
    let mut first = Vec::new();
    for _ in 0..6 {
        first.push(app.submit(&o.member, &r8_claim(o.line)).await);
    }
    let races = first.iter().enumerate().map(|(i, id)| {
        let (a, b) = if i % 2 == 0 {
            (app.address.clone(), other.address.clone())
        } else {
            (other.address.clone(), app.address.clone())
        };
        futures::future::join(
            send(&app, a, o.head.clone(), at(*id, "/approve")),
            send(&app, b, o.member.clone(), at(*id, "/withdraw")),
        )
    });
    for (id, ((head, _), (withdraw, withdraw_body))) in
        first.iter().zip(futures::future::join_all(races).await)
    {
        let claim = app.get(&o.member, &at(*id, "")).await.body;
        match (head, withdraw) {
            (200, 409) => {
                assert_eq!(withdraw_body["code"], "invalid_transition");
                assert_eq!(claim["step"], "finance");
            }
            (409, 200) => assert_eq!(claim["status"], "withdrawn"),
            pair => panic!("claim {id}: {pair:?}"),
        }
    }
    // Against the leader's step (money committed): the leader's rejection always wins, and
    // releases.
    let available = money(&app, o.line).await.1;
    let mut last = Vec::new();
    for _ in 0..4 {
        let id = app.submit(&o.member, &large(o.line)).await;
        for token in [&o.head, &o.finance] {
            app.post(token, &at(id, "/approve"), &json!({}))
                .await
                .assert(200, "");
        }
        last.push(id);
    }
    let races = last.iter().enumerate().map(|(i, id)| {
        let (a, b) = if i % 2 == 0 {
            (app.address.clone(), other.address.clone())
        } else {
            (other.address.clone(), app.address.clone())
        };
        futures::future::join(
            send(&app, a, o.leader.clone(), at(*id, "/reject")),
            send(&app, b, o.member.clone(), at(*id, "/withdraw")),
        )
    });
    for (id, ((leader, _), (withdraw, _))) in
        last.iter().zip(futures::future::join_all(races).await)
    {
        assert_eq!((leader, withdraw), (200, 409), "claim {id}");
        assert_eq!(
            app.get(&o.member, &at(*id, "")).await.body["status"],
            "rejected"
        );
    }
    assert_eq!(money(&app, o.line).await.1, available);
    assert_verified(&app);
}

/// `baoxiao orgs set-approval`, `orgs add-department` and `users add --department`.
#[tokio::test]
async fn the_command_line_sets_the_chain_and_puts_people_in_departments() {
    let app = spawn_app().await;
    let baoxiao = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
            .args(args)
            .env("DATABASE_URL", &app.db_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let set = baoxiao(&[
        "orgs",
        "set-approval",
        "--steps",
        "department_head,finance,leader",
        "--leader-threshold",
        "5000.00",
    ]);
    assert!(set.status.success(), "{set:?}");
    assert_eq!(
        app.get(&app.admin, "/api/v1/approval-chain").await.body,
        json!({"steps": ["department_head", "finance", "leader"], "leader_threshold": "5000.00"})
    );
    for bad in [
        &["orgs", "set-approval", "--steps", "leader"][..],
        &["orgs", "set-approval", "--steps", "finance,department_head"][..],
        &[
            "orgs",
            "set-approval",
            "--steps",
            "finance",
            "--leader-threshold",
            "1.005",
        ][..],
    ] {
        assert!(!baoxiao(bad).status.success(), "{bad:?}");
    }
    let added = baoxiao(&["orgs", "add-department", "--name", "办公室"]);
    assert!(added.status.success(), "{added:?}");
    let head = baoxiao(&[
        "users",
        "add",
        "--name",
        "李主任",
        "--role",
        "department_head",
        "--department",
        "办公室",
    ]);
    assert!(head.status.success(), "{head:?}");
    let token = String::from_utf8(head.stdout).unwrap();
    let token = token.lines().last().unwrap().to_string();
    let me = app.get(&token, "/api/v1/departments").await.body;
    assert_eq!(me[0]["head_name"], "李主任");
    // A second head, or a department that does not exist: refused, nobody added.
    let second = baoxiao(&[
        "users",
        "add",
        "--name",
        "刘主任",
        "--role",
        "department_head",
        "--department",
        "办公室",
    ]);
    assert!(!second.status.success(), "{second:?}");
    let nowhere = baoxiao(&[
        "users",
        "add",
        "--name",
        "陈八",
        "--role",
        "claimant",
        "--department",
        "不存在的科室",
    ]);
    assert!(!nowhere.status.success(), "{nowhere:?}");
    let listed = app.get(&app.admin, "/api/v1/departments").await.body;
    assert_eq!(listed[0]["members"].as_array().unwrap().len(), 1);
    // A member of 办公室 from the command line waits for its head.
    let member = baoxiao(&[
        "users",
        "add",
        "--name",
        "张三",
        "--role",
        "claimant",
        "--department",
        "办公室",
    ]);
    let member = String::from_utf8(member.stdout).unwrap();
    let member = member.lines().last().unwrap().to_string();
    let line = app.line_id(OPS).await;
    let id = app.submit(&member, &r8_claim(line)).await;
    assert_eq!(
        app.get(&member, &at(id, "")).await.body["step"],
        "department_head"
    );
    app.post(&token, &at(id, "/approve"), &json!({}))
        .await
        .assert(200, "");
}

/// The head of another department (接待室, 周主任): id and token.
async fn reception_head(app: &TestApp) -> (i64, String) {
    let reception = department(app, "接待室").await;
    let (id, token) = person(app, "周主任", &[R::DepartmentHead]);
    put_in(app, id, reception).await;
    (id, token)
}

/// R18: a department head reads their department's claims, with their paper, to decide them
/// and after; the head of another department sees neither the claim nor its files (404, as for
/// any claim one may not see, and no line in their list), while the leader, whose step may come
/// to any claim, reads all.
#[tokio::test]
async fn a_department_head_reads_their_departments_claims_and_their_paper_only() {
    let app = spawn_app().await;
    let o = office(&app).await;
    let (_, other_head) = reception_head(&app).await;
    let id = app.submit(&o.member, &r8_claim(o.line)).await;
    let file = crate::attachments::upload(
        &app,
        &o.member,
        id,
        "住宿发票.pdf",
        "application/pdf",
        crate::attachments::pdf(1),
    )
    .await;
    file.assert(201, "");
    let file = format!(
        "/api/v1/travel-claims/{id}/attachments/{}",
        file.body["id"].as_i64().unwrap()
    );
    let listed = |reply: Reply| {
        reply.assert(200, "");
        reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"].as_i64() == Some(id))
    };

    for (who, token) in [("the head", &o.head), ("the leader", &o.leader)] {
        app.get(token, &at(id, "")).await.assert(200, "");
        app.get(token, &file).await.assert(200, "");
        assert!(
            listed(app.get(token, "/api/v1/travel-claims").await),
            "{who}"
        );
    }
    app.post(&o.head, &at(id, "/approve"), &json!({}))
        .await
        .assert(200, "");
    // Decided, the claim is still the head's to read.
    app.get(&o.head, &at(id, "")).await.assert(200, "");

    app.get(&other_head, &at(id, ""))
        .await
        .assert(404, "not_found");
    app.get(&other_head, &at(id, "/attachments"))
        .await
        .assert(404, "not_found");
    app.get(&other_head, &file).await.assert(404, "not_found");
    assert!(!listed(app.get(&other_head, "/api/v1/travel-claims").await));
    // The head may read the claim but it is not theirs to withdraw: 403, not 404.
    app.post(&o.head, &at(id, "/withdraw"), &json!({}))
        .await
        .assert(403, "forbidden");
}

/// A signed-in visitor of `id`'s pages, with a login made for them.
async fn visitor(app: &TestApp, id: i64, login: &str) -> crate::web::Visitor {
    let password = crate::web::add_login(app, id, login);
    let mut v = crate::web::Visitor::new(&app.address);
    assert_eq!(v.sign_in(login, &password).await.status, 303);
    v
}

/// web.md: a button the user may not use is not offered. On a claim waiting for the 办公室 head,
/// only that head sees 同意 (no amount: the step moves no money) and 驳回; the head of another
/// department and finance, whose step has not come, see neither. Once the head has agreed,
/// finance sees 批准 with the amount and the head sees no button again.
#[tokio::test]
async fn the_claim_page_offers_a_step_only_to_whoever_may_decide_it() {
    let app = spawn_app().await;
    let o = office(&app).await;
    let (other_head_id, _) = reception_head(&app).await;
    let id = app.submit(&o.member, &r8_claim(o.line)).await;
    let page = format!("/claims/{id}");
    let user_id = |token: &str| {
        baoxiao::services::users::authenticate(&app.pool, token)
            .unwrap()
            .user_id
    };

    let mut head = visitor(&app, user_id(&o.head), "lizhuren").await;
    let mut other = visitor(&app, other_head_id, "zhouzhuren").await;
    let mut finance = visitor(&app, user_id(&o.finance), "wangkuaiji").await;
    let shown = head.get(&page).await.body;
    assert!(shown.contains(">同意</button>"), "{shown}");
    assert!(shown.contains("驳回"), "{shown}");
    for (who, v) in [("another head", &mut other), ("finance", &mut finance)] {
        let shown = v.get(&page).await.body;
        assert!(!shown.contains("id=\"approve\""), "{who}: {shown}");
        assert!(!shown.contains("驳回理由"), "{who}: {shown}");
    }

    app.post(&o.head, &at(id, "/approve"), &json!({}))
        .await
        .assert(200, "");
    let shown = finance.get(&page).await.body;
    assert!(shown.contains(">批准 ¥1,231.00</button>"), "{shown}");
    let shown = head.get(&page).await.body;
    assert!(!shown.contains("id=\"approve\""), "{shown}");
}
