//! R17 claims through their life over HTTP: drafts (saved, edited, deleted, submitted, seen by
//! their claimant alone), withdrawal (and its race with an approval from another process),
//! amendment, copies, and a draft from a travel request.

use crate::helpers::*;
use serde_json::Value;

const OPS: &str = "dept.project.petition-work.operations";

struct People {
    claimant: String,
    other: String,
    finance: String,
    holder: String,
}

fn people(app: &TestApp) -> People {
    People {
        claimant: app.user("张三", &[R::Claimant]),
        other: app.user("李四", &[R::Claimant]),
        finance: app.user("王会计", &[R::Finance]),
        holder: app.user("赵科长", &[R::BudgetHolder]),
    }
}

fn at(id: i64, what: &str) -> String {
    format!("/api/v1/travel-claims/{id}{what}")
}

async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> Reply {
    app.send(app.client.put(app.url(path)).bearer_auth(token).json(body))
        .await
}

async fn delete(app: &TestApp, token: &str, path: &str) -> Reply {
    app.send(app.client.delete(app.url(path)).bearer_auth(token))
        .await
}

/// Saves `body` as a draft of `token`'s and answers its id.
async fn draft(app: &TestApp, token: &str, body: &Value) -> i64 {
    let saved = app.post(token, "/api/v1/travel-claims/drafts", body).await;
    saved.assert(201, "");
    assert_eq!(saved.body["status"], "draft", "{}", saved.body);
    saved.body["id"].as_i64().unwrap()
}

/// The actions of a claim's history, in order.
fn actions(view: &Value) -> Vec<String> {
    view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_string())
        .collect()
}

/// The R8 claim with one stay invoice (R15): an invoice a live claim holds is refused to another.
fn with_invoice(line: i64) -> Value {
    let mut body = r8_claim(line);
    body["stays"][0]["invoice_no"] = json!("24112000000012345678");
    body
}

#[tokio::test]
async fn a_draft_saves_anything_and_only_its_claimant_sees_it() {
    let app = spawn_app().await;
    let p = people(&app);
    // Any part of a claim, wrong or missing fields and all: nothing is checked.
    let partial = json!({"purpose": "赴省汇报", "departure_date": "2021-13-45",
                         "stays": [{"city": "石家庄", "lodging_amount": "abc"}]});
    let id = draft(&app, &p.claimant, &partial).await;
    let read = app.get(&p.claimant, &at(id, "")).await;
    read.assert(200, "");
    assert_eq!(read.body["status"], "draft");
    assert_eq!(read.body["purpose"], "赴省汇报");
    assert_eq!(read.body["departure_date"], "2021-13-45");
    assert_eq!(read.body["stays"][0]["lodging_amount"], "abc");
    assert_eq!(read.body["amends"], Value::Null);
    assert_eq!(actions(&read.body), ["save_draft"]);
    // Not JSON, or not an object: 400 / 422, nothing saved.
    let garbage = app
        .send(
            app.client
                .post(app.url("/api/v1/travel-claims/drafts"))
                .bearer_auth(&p.claimant)
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    garbage.assert(400, "invalid_request");
    app.post(&p.claimant, "/api/v1/travel-claims/drafts", &json!([1, 2]))
        .await
        .assert(422, "invalid_request");

    // Invisible to everyone else: another claimant, finance, an admin; in reads and lists.
    for token in [&p.other, &p.finance, &app.admin] {
        app.get(token, &at(id, "")).await.assert(404, "not_found");
        let listed = app.get(token, "/api/v1/travel-claims?status=draft").await;
        assert_eq!(listed.body, json!([]));
        let all = app.get(token, "/api/v1/travel-claims").await;
        assert!(all.body.as_array().unwrap().iter().all(|c| c["id"] != id));
    }
    put(&app, &p.other, &at(id, ""), &json!({"purpose": "x"}))
        .await
        .assert(404, "not_found");
    delete(&app, &p.other, &at(id, ""))
        .await
        .assert(404, "not_found");
    app.post(&p.other, &at(id, "/submit"), &json!({}))
        .await
        .assert(404, "not_found");
    app.post(&p.other, &at(id, "/copy"), &json!({}))
        .await
        .assert(404, "not_found");
    // Finance and admins hold no claimant role: refused before anything is looked up.
    delete(&app, &p.finance, &at(id, ""))
        .await
        .assert(403, "forbidden");

    // Another organisation: 404 even to a claimant there.
    baoxiao::services::users::add_org(&app.pool, "other-bureau", "另一个局").unwrap();
    let (_, outsider) = baoxiao::services::users::add_user(
        &app.pool,
        Some("other-bureau"),
        "外单位",
        &[R::Admin, R::Finance, R::Claimant],
    )
    .unwrap();
    app.get(&outsider, &at(id, ""))
        .await
        .assert(404, "not_found");
    delete(&app, &outsider, &at(id, ""))
        .await
        .assert(404, "not_found");

    // Its claimant lists it, edits it and deletes it.
    let mine = app
        .get(&p.claimant, "/api/v1/travel-claims?status=draft")
        .await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    assert_eq!(mine.body[0]["id"], id);
    let edited = put(
        &app,
        &p.claimant,
        &at(id, ""),
        &json!({"purpose": "赴市汇报", "destination": "邢台"}),
    )
    .await;
    edited.assert(200, "");
    assert_eq!(edited.body["purpose"], "赴市汇报");
    assert!(
        edited.body.get("stays").is_none(),
        "the body is replaced whole"
    );
    assert_eq!(actions(&edited.body), ["save_draft", "save_draft"]);
    delete(&app, &p.claimant, &at(id, "")).await.assert(204, "");
    app.get(&p.claimant, &at(id, ""))
        .await
        .assert(404, "not_found");
    // The audit log keeps what happened to it, with who.
    let events = app.get(&app.admin, "/api/v1/audit-events").await;
    let of_draft: Vec<&Value> = events
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_type"] == "travel_claim" && e["entity_id"] == id)
        .collect();
    let mut recorded: Vec<&str> = of_draft
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    recorded.sort_unstable();
    assert_eq!(recorded, ["delete", "save_draft", "save_draft"]);
    assert!(of_draft
        .iter()
        .all(|e| e["actor_id"].is_i64() && e["at"].is_string()));
}

#[tokio::test]
async fn submitting_a_draft_is_a_submission_with_its_checks_and_keeps_the_id() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    // Refused as a direct submission would be, naming the same fields; it stays a draft.
    let mut bad = r8_claim(line);
    bad["stays"][0]["check_out"] = json!("2021-05-09");
    let direct = app.post(&p.claimant, "/api/v1/travel-claims", &bad).await;
    direct.assert(422, "invalid_request");
    let id = draft(&app, &p.claimant, &bad).await;
    let refused = app.post(&p.claimant, &at(id, "/submit"), &json!({})).await;
    refused.assert(422, "invalid_request");
    assert_eq!(refused.fields(), direct.fields());
    let mut lineless = day_trip(line);
    lineless.as_object_mut().unwrap().remove("budget_line_id");
    let no_line = draft(&app, &p.claimant, &lineless).await;
    let missing = app
        .post(&p.claimant, &at(no_line, "/submit"), &json!({}))
        .await;
    missing.assert(422, "invalid_request");
    assert_eq!(missing.fields(), ["budget_line_id"]);
    assert_eq!(
        app.get(&p.claimant, &at(id, "")).await.body["status"],
        "draft"
    );
    assert_eq!(app.line(line).await["committed"], "0.00");

    // Put right, it is submitted: the claim of the same id, its history from the draft on.
    put(&app, &p.claimant, &at(id, ""), &with_invoice(line))
        .await
        .assert(200, "");
    let submitted = app.post(&p.claimant, &at(id, "/submit"), &json!({})).await;
    submitted.assert(200, "");
    assert_eq!(submitted.body["id"], id);
    assert_eq!(submitted.body["status"], "submitted");
    assert_eq!(submitted.body["breakdown"]["reimbursable"], "1231.00");
    assert_eq!(
        actions(&submitted.body),
        ["save_draft", "save_draft", "submit"]
    );
    assert_eq!(submitted.body["history"][2]["from_status"], "draft");
    let read = app.get(&p.finance, &at(id, "")).await;
    read.assert(200, "");
    assert_eq!(read.body["status"], "submitted");
    let drafts = app
        .get(&p.claimant, "/api/v1/travel-claims?status=draft")
        .await;
    assert!(drafts
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["id"] != id));

    // Now a claim: no longer edited, deleted or submitted again.
    put(&app, &p.claimant, &at(id, ""), &json!({}))
        .await
        .assert(409, "invalid_transition");
    delete(&app, &p.claimant, &at(id, ""))
        .await
        .assert(409, "invalid_transition");
    app.post(&p.claimant, &at(id, "/submit"), &json!({}))
        .await
        .assert(409, "invalid_transition");

    // R15: its invoice is held; a draft naming it is saved, and refused on submission.
    let twin = draft(&app, &p.claimant, &with_invoice(line)).await;
    let duplicate = app
        .post(&p.claimant, &at(twin, "/submit"), &json!({}))
        .await;
    duplicate.assert(409, "duplicate_invoice");
    assert_eq!(duplicate.body["claim_id"], id);
    assert_eq!(
        app.get(&p.claimant, &at(twin, "")).await.body["status"],
        "draft"
    );
}

/// A draft's id comes from the claims' sequence: claims submitted directly afterwards never take
/// it, and the draft's claim is found under it.
#[tokio::test]
async fn draft_ids_are_claim_ids_never_given_twice() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    // A draft before any claim exists (a fresh sequence), then claims and drafts mixed.
    let first = draft(&app, &p.claimant, &r8_claim(line)).await;
    let direct = app.submit(&p.claimant, &day_trip(line)).await;
    assert!(direct > first, "{direct} after draft {first}");
    let second = draft(&app, &p.claimant, &day_trip(line)).await;
    assert!(second > direct);
    let later = app.submit(&p.claimant, &day_trip(line)).await;
    assert!(later > second);
    // The drafts become claims under their own ids, between the others.
    for id in [first, second] {
        app.post(&p.claimant, &at(id, "/submit"), &json!({}))
            .await
            .assert(200, "");
    }
    let after = app.submit(&p.claimant, &day_trip(line)).await;
    assert!(after > later);
    let mut ids: Vec<i64> = app
        .get(&p.claimant, "/api/v1/travel-claims")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, [first, direct, second, later, after]);
}

#[tokio::test]
async fn withdrawing_frees_invoices_and_the_request_and_moves_no_money() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let id = app.submit(&p.claimant, &with_invoice(line)).await;
    // Only its claimant: finance may see it but not withdraw it; another claimant cannot see it.
    app.post(&p.finance, &at(id, "/withdraw"), &json!({}))
        .await
        .assert(403, "forbidden");
    app.post(&p.other, &at(id, "/withdraw"), &json!({}))
        .await
        .assert(404, "not_found");
    let withdrawn = app
        .post(&p.claimant, &at(id, "/withdraw"), &json!({}))
        .await;
    withdrawn.assert(200, "");
    assert_eq!(withdrawn.body["status"], "withdrawn");
    assert_eq!(actions(&withdrawn.body), ["submit", "withdraw"]);
    assert_eq!(withdrawn.body["decided_by"], Value::Null);
    let line_now = app.line(line).await;
    assert_eq!(
        (line_now["committed"].as_str(), line_now["spent"].as_str()),
        (Some("0.00"), Some("0.00"))
    );
    // Twice, or once decided: 409.
    app.post(&p.claimant, &at(id, "/withdraw"), &json!({}))
        .await
        .assert(409, "invalid_transition");
    app.post(&p.finance, &at(id, "/approve"), &json!({}))
        .await
        .assert(409, "invalid_transition");
    // Its invoice is free for another claim (R15).
    let again = app.submit(&p.claimant, &with_invoice(line)).await;
    app.post(&p.finance, &at(again, "/approve"), &json!({}))
        .await
        .assert(200, "");
    app.post(&p.claimant, &at(again, "/withdraw"), &json!({}))
        .await
        .assert(409, "invalid_transition");
    // Lists filter by the new status.
    let listed = app
        .get(&p.finance, "/api/v1/travel-claims?status=withdrawn")
        .await;
    let ids: Vec<&Value> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&json!(id)]);

    // R16: a withdrawn claim frees its travel request for another claim.
    let request = app
        .post(
            &p.claimant,
            "/api/v1/travel-requests",
            &json!({"budget_line_id": line, "purpose": "赴省汇报", "destination": "石家庄",
                    "departure_date": "2021-05-10", "return_date": "2021-05-12",
                    "tickets_estimate": "131.00"}),
        )
        .await;
    request.assert(201, "");
    let request = request.body["id"].as_i64().unwrap();
    app.post(
        &p.holder,
        &format!("/api/v1/travel-requests/{request}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let mut naming = r8_claim(line);
    naming["travel_request_id"] = json!(request);
    let first = app.submit(&p.claimant, &naming).await;
    app.post(&p.claimant, "/api/v1/travel-claims", &naming)
        .await
        .assert(409, "invalid_transition");
    app.post(&p.claimant, &at(first, "/withdraw"), &json!({}))
        .await
        .assert(200, "");
    app.submit(&p.claimant, &naming).await;
}

/// Withdrawal against approval, each sent to a different server process on the one database:
/// for every claim exactly one wins, and the ledger commits exactly the approved claims.
#[tokio::test]
async fn a_withdrawal_racing_an_approval_across_two_processes_has_one_winner() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let other = ServerProcess::start(&app).await;
    let mut claims = Vec::new();
    for _ in 0..8 {
        claims.push(app.submit(&p.claimant, &r8_claim(line)).await);
    }
    let send = |base: String, token: String, path: String| {
        let client = app.client.clone();
        async move {
            let reply = client
                .post(format!("{base}{path}"))
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = reply.status().as_u16();
            let body: Value = reply.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let races = claims.iter().enumerate().map(|(i, id)| {
        // Each side alternates between the two processes.
        let (a, b) = if i % 2 == 0 {
            (app.address.clone(), other.address.clone())
        } else {
            (other.address.clone(), app.address.clone())
        };
        let approve = send(a, p.finance.clone(), at(*id, "/approve"));
        let withdraw = send(b, p.claimant.clone(), at(*id, "/withdraw"));
        futures::future::join(approve, withdraw)
    });
    let outcomes = futures::future::join_all(races).await;
    let mut approved = 0i64;
    for (id, ((approve, approve_body), (withdraw, withdraw_body))) in claims.iter().zip(outcomes) {
        let pair = (approve, withdraw);
        assert!(
            pair == (200, 409) || pair == (409, 200),
            "claim {id}: {pair:?} {approve_body} {withdraw_body}"
        );
        let loser = if approve == 409 {
            &approve_body
        } else {
            &withdraw_body
        };
        assert_eq!(loser["code"], "invalid_transition");
        let status = app.get(&p.finance, &at(*id, "")).await.body["status"].clone();
        if approve == 200 {
            approved += 1;
            assert_eq!(status, "approved");
        } else {
            assert_eq!(status, "withdrawn");
        }
    }
    let committed = app.line(line).await["committed"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(committed, format!("{}.00", 1231 * approved));
}

#[tokio::test]
async fn an_amendment_is_a_prefilled_draft_linked_both_ways_once() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let id = app.submit(&p.claimant, &with_invoice(line)).await;
    // Only a rejected or withdrawn claim.
    app.post(&p.claimant, &at(id, "/amend"), &json!({}))
        .await
        .assert(409, "invalid_transition");
    app.post(
        &p.finance,
        &at(id, "/reject"),
        &json!({"reason": "补齐发票后重新提交"}),
    )
    .await
    .assert(200, "");
    app.post(&p.finance, &at(id, "/amend"), &json!({}))
        .await
        .assert(403, "forbidden");
    app.post(&p.other, &at(id, "/amend"), &json!({}))
        .await
        .assert(404, "not_found");
    let amended = app.post(&p.claimant, &at(id, "/amend"), &json!({})).await;
    amended.assert(201, "");
    let new = amended.body["id"].as_i64().unwrap();
    assert_eq!(amended.body["status"], "draft");
    assert_eq!(amended.body["amends"], id);
    // Prefilled from the claim as it was sent.
    assert_eq!(amended.body["purpose"], "赴省汇报信访工作");
    assert_eq!(amended.body["budget_line_id"], line);
    assert_eq!(
        amended.body["stays"][0]["invoice_no"],
        "24112000000012345678"
    );
    assert_eq!(actions(&amended.body), ["amend"]);
    // The old claim stays rejected and names its amendment (to its claimant; the draft is
    // theirs alone).
    let old = app.get(&p.claimant, &at(id, "")).await;
    assert_eq!(old.body["status"], "rejected");
    assert_eq!(old.body["amended_by"], new);
    assert_eq!(actions(&old.body), ["submit", "reject", "amend"]);
    assert!(app
        .get(&p.finance, &at(id, ""))
        .await
        .body
        .get("amended_by")
        .is_none());
    // A second amendment is refused while the first lives: one chain, no forks.
    app.post(&p.claimant, &at(id, "/amend"), &json!({}))
        .await
        .assert(409, "invalid_transition");
    // Submitted, the amendment is a claim naming the old one, and finance sees the link.
    let submitted = app.post(&p.claimant, &at(new, "/submit"), &json!({})).await;
    submitted.assert(200, "");
    assert_eq!(submitted.body["amends"], id);
    assert_eq!(actions(&submitted.body), ["amend", "submit"]);
    assert_eq!(
        app.get(&p.finance, &at(id, "")).await.body["amended_by"],
        new
    );
    app.post(&p.claimant, &at(id, "/amend"), &json!({}))
        .await
        .assert(409, "invalid_transition");
    // A withdrawn claim is amended too, and a deleted amendment frees its claim again.
    app.post(&p.claimant, &at(new, "/withdraw"), &json!({}))
        .await
        .assert(200, "");
    let next = app.post(&p.claimant, &at(new, "/amend"), &json!({})).await;
    next.assert(201, "");
    assert_eq!(next.body["amends"], new);
    let next = next.body["id"].as_i64().unwrap();
    delete(&app, &p.claimant, &at(next, ""))
        .await
        .assert(204, "");
    app.post(&p.claimant, &at(new, "/amend"), &json!({}))
        .await
        .assert(201, "");
    // A draft is not amended.
    let a_draft = draft(&app, &p.claimant, &json!({})).await;
    app.post(&p.claimant, &at(a_draft, "/amend"), &json!({}))
        .await
        .assert(409, "invalid_transition");
}

#[tokio::test]
async fn copies_of_own_claims_and_drafts_are_new_drafts() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let id = app.submit(&p.claimant, &r8_claim(line)).await;
    let copied = app.post(&p.claimant, &at(id, "/copy"), &json!({})).await;
    copied.assert(201, "");
    assert_eq!(copied.body["status"], "draft");
    assert_eq!(copied.body["copied_from"], id);
    assert_eq!(copied.body["amends"], Value::Null);
    assert_eq!(copied.body["destination"], "石家庄");
    assert_eq!(copied.body["tickets"][1]["amount"], 65.5);
    assert_eq!(actions(&copied.body), ["copy"]);
    assert_eq!(copied.body["history"][0]["note"], format!("#{id}"));
    let copy = copied.body["id"].as_i64().unwrap();
    // The original is untouched; a copy of the copy (a draft) is a draft too.
    assert_eq!(
        app.get(&p.claimant, &at(id, "")).await.body["status"],
        "submitted"
    );
    let again = app.post(&p.claimant, &at(copy, "/copy"), &json!({})).await;
    again.assert(201, "");
    assert_eq!(again.body["copied_from"], copy);
    // The copy submits as a claim of its own.
    let submitted = app
        .post(&p.claimant, &at(copy, "/submit"), &json!({}))
        .await;
    submitted.assert(200, "");
    assert_eq!(submitted.body["breakdown"]["reimbursable"], "1231.00");
    assert_eq!(app.line(line).await["committed"], "0.00");
    // Only one's own.
    app.post(&p.other, &at(id, "/copy"), &json!({}))
        .await
        .assert(404, "not_found");
    app.post(&p.finance, &at(id, "/copy"), &json!({}))
        .await
        .assert(403, "forbidden");
    app.post(&p.claimant, &at(999_999, "/copy"), &json!({}))
        .await
        .assert(404, "not_found");
}

#[tokio::test]
async fn a_travel_request_prefills_a_draft_naming_it() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let request = app
        .post(
            &p.claimant,
            "/api/v1/travel-requests",
            &json!({"budget_line_id": line, "purpose": "赴京参加信访业务培训", "destination": "北京",
                    "departure_date": "2021-03-02", "return_date": "2021-03-05",
                    "tickets_estimate": "600.00"}),
        )
        .await;
    request.assert(201, "");
    let request = request.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/travel-requests/{request}/draft-claim");
    // Not yet approved: 409.
    app.post(&p.claimant, &path, &json!({}))
        .await
        .assert(409, "invalid_transition");
    app.post(
        &p.holder,
        &format!("/api/v1/travel-requests/{request}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    // Only its requester.
    app.post(&p.other, &path, &json!({}))
        .await
        .assert(404, "not_found");
    app.post(&p.finance, &path, &json!({}))
        .await
        .assert(403, "forbidden");
    let drafted = app.post(&p.claimant, &path, &json!({})).await;
    drafted.assert(201, "");
    let body = &drafted.body;
    assert_eq!(body["status"], "draft");
    assert_eq!(body["travel_request_id"], request);
    assert_eq!(body["budget_line_id"], line);
    assert_eq!(body["purpose"], "赴京参加信访业务培训");
    assert_eq!(body["destination"], "北京");
    assert_eq!(body["departure_date"], "2021-03-02");
    assert_eq!(body["return_date"], "2021-03-05");
    assert_eq!(actions(body), ["draft_from_request"]);
    // Filled in and submitted, the claim names the request, which no other claim may then.
    let id = body["id"].as_i64().unwrap();
    let mut filled = body.clone();
    filled["stays"] = json!([{"city": "北京", "check_in": "2021-03-02", "check_out": "2021-03-05",
                              "lodging_amount": "1200.00", "invoice": true}]);
    put(&app, &p.claimant, &at(id, ""), &filled)
        .await
        .assert(200, "");
    let submitted = app.post(&p.claimant, &at(id, "/submit"), &json!({})).await;
    submitted.assert(200, "");
    assert_eq!(submitted.body["travel_request_id"], request);
    app.post(&p.claimant, &path, &json!({}))
        .await
        .assert(409, "invalid_transition");
}

/// Drafts are never counted: not in finance's lists or queue, not in the line's figures.
#[tokio::test]
async fn drafts_count_nowhere() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    draft(&app, &p.claimant, &r8_claim(line)).await;
    let listed = app.get(&p.finance, "/api/v1/travel-claims").await;
    assert_eq!(listed.body, json!([]));
    let submitted = app
        .get(&p.finance, "/api/v1/travel-claims?status=submitted")
        .await;
    assert_eq!(submitted.body, json!([]));
    let l = app.line(line).await;
    assert_eq!(
        (l["committed"].as_str(), l["spent"].as_str()),
        (Some("0.00"), Some("0.00"))
    );
    let report = app
        .get(&app.admin, "/api/v1/reports/budget-execution?year=2021")
        .await;
    report.assert(200, "");
    assert!(
        !report.body.to_string().contains("1231.00"),
        "{}",
        report.body
    );
}

/// The pages of R17 over plain HTTP, without scripts: 保存草稿 keeps anything typed, 我的报销
/// lists drafts first, 继续填写 opens the form filled in, and 撤回, 修改后重新提交 and 复制 are
/// plain forms; a refusal is said in Chinese; a draft is nobody else's page.
#[tokio::test]
async fn the_pages_save_continue_withdraw_amend_and_copy_without_scripts() {
    use crate::web::{r8_form, signed_in};
    let app = spawn_app().await;
    let line = app.line_id(OPS).await;
    let mut clerk = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let mut other = signed_in(&app, "李四", &[R::Claimant], "lisi").await;
    let csrf = clerk.csrf("/claims/new").await;

    // 保存草稿 refuses nothing: a date that is no date is kept as typed.
    let mut typed = r8_form(line, &csrf, "save_draft");
    for (k, v) in typed.iter_mut() {
        if k == "return_date" {
            *v = "2021-05-1x".into();
        }
    }
    let form: Vec<(&str, &str)> = typed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = clerk.post("/claims/new", &form).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id: i64 = saved
        .location
        .strip_prefix("/claims/new?draft=")
        .unwrap()
        .parse()
        .unwrap();
    let opened = clerk.get(&saved.location).await;
    assert_eq!(opened.status, 200);
    assert!(opened.body.contains(&format!("继续填写草稿 #{id}")));
    assert!(opened.body.contains("value=\"2021-05-1x\""));
    assert!(opened.body.contains(&format!("草稿 #{id} 已保存")));
    // The claim page's address of a draft opens its form.
    assert_eq!(
        clerk.get(&format!("/claims/{id}")).await.location,
        saved.location
    );
    // Drafts first on 我的报销, with 继续填写 and 删除.
    let list = clerk.get("/claims").await;
    let drafts_at = list.body.find("id=\"drafts\"").unwrap();
    assert!(list.body[drafts_at..].contains(&format!("href=\"/claims/new?draft={id}\"")));
    assert!(list.body.contains(&format!("确定删除草稿 #{id}")));
    // Nobody else's.
    assert_eq!(
        other.get(&format!("/claims/new?draft={id}")).await.status,
        404
    );
    assert_eq!(other.get(&format!("/claims/{id}")).await.status, 404);
    assert!(!other.get("/claims").await.body.contains("id=\"drafts\""));

    // 提交 from the draft's form: refused in Chinese in place, the typing kept in the draft.
    let mut submit = typed.clone();
    for (k, v) in submit.iter_mut() {
        if k == "action" {
            *v = "submit".into();
        }
    }
    submit.push(("draft_id".into(), id.to_string()));
    let form: Vec<(&str, &str)> = submit
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = clerk.post("/claims/new", &form).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("未能提交"), "{}", refused.body);
    assert!(refused.body.contains("value=\"2021-05-1x\""));
    // Put right, it becomes claim #id.
    for (k, v) in submit.iter_mut() {
        if k == "return_date" {
            *v = "2021-05-12".into();
        }
    }
    let form: Vec<(&str, &str)> = submit
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let done = clerk.post("/claims/new", &form).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location, format!("/claims/{id}"));
    let page = clerk.get(&done.location).await;
    assert!(page.body.contains("待审核"));
    assert!(page.body.contains("id=\"withdraw\""));

    // 撤回, then again: the refusal in Chinese.
    let withdrawn = clerk
        .post(&format!("/claims/{id}/withdraw"), &[("csrf", &csrf)])
        .await;
    assert_eq!(withdrawn.status, 303);
    let page = clerk.get(&format!("/claims/{id}")).await;
    assert!(page.body.contains("已撤回"), "{}", page.body);
    assert!(page.body.contains("id=\"amend\""));
    clerk
        .post(&format!("/claims/{id}/withdraw"), &[("csrf", &csrf)])
        .await;
    let page = clerk.get(&format!("/claims/{id}")).await;
    assert!(page.body.contains("无法撤回"), "{}", page.body);
    // Another person's claim is no page of theirs to act on.
    let other_csrf = other.csrf("/claims").await;
    for action in ["copy", "withdraw", "amend"] {
        let theirs = other
            .post(&format!("/claims/{id}/{action}"), &[("csrf", &other_csrf)])
            .await;
        assert_eq!(theirs.status, 404, "{action}");
    }

    // 修改后重新提交 opens a prefilled draft amending it; 复制 likewise.
    let amended = clerk
        .post(&format!("/claims/{id}/amend"), &[("csrf", &csrf)])
        .await;
    assert_eq!(amended.status, 303);
    assert!(amended.location.starts_with("/claims/new?draft="));
    let form = clerk.get(&amended.location).await;
    assert!(form.body.contains("value=\"赴省汇报信访工作\""));
    // The claim page links both ways.
    let amendment = &amended.location["/claims/new?draft=".len()..];
    let old = clerk.get(&format!("/claims/{id}")).await;
    assert!(old
        .body
        .contains(&format!("href=\"/claims/{amendment}\" id=\"amended-by\"")));
    let copied = clerk
        .post(&format!("/claims/{id}/copy"), &[("csrf", &csrf)])
        .await;
    assert!(copied.location.starts_with("/claims/new?draft="));
    // 删除 a draft.
    let copy: i64 = copied.location["/claims/new?draft=".len()..]
        .parse()
        .unwrap();
    let deleted = clerk
        .post(&format!("/claims/{copy}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.status, 303);
    let list = clerk.get("/claims").await;
    assert!(list.body.contains(&format!("草稿 #{copy} 已删除")));
    assert!(!list.body.contains(&format!("id=\"draft-{copy}\"")));

    // 据此填写报销 on an approved travel request of one's own.
    let holder = app.user("赵科长", &[R::BudgetHolder]);
    let request = app
        .post(
            &app.user("王五", &[R::Claimant]),
            "/api/v1/travel-requests",
            &json!({"budget_line_id": line, "purpose": "赴京参加培训", "destination": "北京",
                    "departure_date": "2021-03-02", "return_date": "2021-03-05",
                    "tickets_estimate": "600.00"}),
        )
        .await;
    request.assert(201, "");
    let theirs = request.body["id"].as_i64().unwrap();
    let mine = clerk
        .post(
            "/travel-requests",
            &[
                ("csrf", csrf.as_str()),
                ("action", "submit"),
                ("budget_line_id", &line.to_string()),
                ("purpose", "赴京参加培训"),
                ("destination", "北京"),
                ("departure_date", "2021-03-02"),
                ("return_date", "2021-03-05"),
                ("travellers", "1"),
                ("tickets_estimate", "600"),
            ],
        )
        .await;
    assert_eq!(mine.status, 303, "{}", mine.body);
    let listed = app
        .get(&holder, "/api/v1/travel-requests?status=requested")
        .await;
    for r in listed.body.as_array().unwrap() {
        let id = r["id"].as_i64().unwrap();
        app.post(
            &holder,
            &format!("/api/v1/travel-requests/{id}/approve"),
            &json!({}),
        )
        .await
        .assert(200, "");
    }
    let page = clerk.get("/travel-requests").await;
    let button = page
        .body
        .find("id=\"draft-claim-")
        .expect("据此填写报销 on the approved request");
    let rest = &page.body[button + "id=\"draft-claim-".len()..];
    let request: i64 = rest[..rest.find('"').unwrap()].parse().unwrap();
    assert_ne!(request, theirs, "only one's own requests");
    assert!(page.body.contains("据此填写报销"));
    let drafted = clerk
        .post(
            &format!("/travel-requests/{request}/draft-claim"),
            &[("csrf", &csrf)],
        )
        .await;
    assert!(
        drafted.location.starts_with("/claims/new?draft="),
        "{}",
        drafted.body
    );
    let form = clerk.get(&drafted.location).await;
    assert!(form.body.contains("value=\"赴京参加培训\""));
    assert!(form.body.contains("value=\"2021-03-05\""));
    // Another person's request is no page of theirs.
    let refused = clerk
        .post(
            &format!("/travel-requests/{theirs}/draft-claim"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 404);
}
