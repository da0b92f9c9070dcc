//! R16 travel requests and advances, end to end over HTTP.

use crate::helpers::*;
use serde_json::Value;

const OPS: &str = "dept.project.petition-work.operations";

/// The R16 worked example: two travellers to Beijing, 2021-03-02 → 2021-03-05, tickets 600.00,
/// advance 3,000.00 wanted.
fn r16_request(line: i64) -> Value {
    json!({"budget_line_id": line, "purpose": "赴京参加信访业务培训", "destination": "北京",
           "departure_date": "2021-03-02", "return_date": "2021-03-05", "travellers": 2,
           "tickets_estimate": "600.00", "advance_requested": "3000.00"})
}

/// A Beijing claim over the same dates naming `request`: 3 nights at the 400.00 cap, meals and
/// transport 720.00, and tickets, so reimbursable = 1920.00 + tickets.
fn beijing_claim(line: i64, request: i64, tickets: &str) -> Value {
    json!({"budget_line_id": line, "travel_request_id": request, "purpose": "赴京参加信访业务培训",
           "destination": "北京", "departure_date": "2021-03-02", "return_date": "2021-03-05",
           "stays": [{"city": "北京", "check_in": "2021-03-02", "check_out": "2021-03-05",
                      "lodging_amount": "1200.00", "invoice": true}],
           "tickets": [{"description": "邢台—北京 往返", "amount": tickets}]})
}

/// Every decision so far as if made on 2021-03-01 (Asia/Shanghai), so 2021 payment dates are
/// not before them.
pub fn decisions_dated_2021_03_01(app: &TestApp) {
    use baoxiao::db::schema::{travel_claims, travel_requests};
    use diesel::prelude::*;
    let at = chrono::NaiveDate::from_ymd_opt(2021, 2, 28)
        .and_then(|d| d.and_hms_opt(16, 0, 0))
        .unwrap();
    let mut c = app.pool.get().unwrap();
    diesel::update(travel_requests::table.filter(travel_requests::decided_at.is_not_null()))
        .set(travel_requests::decided_at.eq(Some(at)))
        .execute(&mut *c)
        .unwrap();
    diesel::update(travel_claims::table.filter(travel_claims::decided_at.is_not_null()))
        .set(travel_claims::decided_at.eq(Some(at)))
        .execute(&mut *c)
        .unwrap();
}

struct People {
    traveller: String,
    holder: String,
    finance: String,
}

fn people(app: &TestApp) -> People {
    People {
        traveller: app.user("张三", &[R::Claimant]),
        holder: app.user("王科长", &[R::BudgetHolder]),
        finance: app.user("李会计", &[R::Finance]),
    }
}

async fn committed(app: &TestApp, line: i64) -> (String, String) {
    let l = app.line(line).await;
    (
        l["committed"].as_str().unwrap().to_string(),
        l["spent"].as_str().unwrap().to_string(),
    )
}

async fn approved_request(app: &TestApp, p: &People, line: i64) -> i64 {
    let r = app
        .post(&p.traveller, "/api/v1/travel-requests", &r16_request(line))
        .await;
    r.assert(201, "");
    let id = r.body["id"].as_i64().unwrap();
    app.post(
        &p.holder,
        &format!("/api/v1/travel-requests/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    id
}

async fn settle_example(tickets: &str, net_payable: &str, to_return: &str) {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let before = committed(&app, line).await;

    let created = app
        .post(&p.traveller, "/api/v1/travel-requests", &r16_request(line))
        .await;
    created.assert(201, "");
    let b = &created.body;
    assert_eq!(b["status"], "requested");
    assert_eq!(b["estimate"], "4440.00");
    assert_eq!(b["travellers"], 2);
    let lines: Vec<(&str, &str)> = b["estimate_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["item"].as_str().unwrap(), l["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            ("lodging", "2400.00"),
            ("meal_allowance", "800.00"),
            ("transport_allowance", "640.00"),
            ("ticket", "600.00")
        ]
    );
    assert!(b["estimate_lines"][0]["rule"]
        .as_str()
        .unwrap()
        .starts_with("R4 住宿费: min(claimed, 3 nights × 400.00/night cap, beijing)"));
    let id = b["id"].as_i64().unwrap();
    assert_eq!(committed(&app, line).await, before, "nothing committed yet");

    let approved = app
        .post(
            &p.holder,
            &format!("/api/v1/travel-requests/{id}/approve"),
            &json!({}),
        )
        .await;
    approved.assert(200, "");
    assert_eq!(approved.body["status"], "approved");
    let l = app.line(line).await;
    assert_eq!(l["committed"], "4440.00", "{l}");

    decisions_dated_2021_03_01(&app);
    let advanced = app
        .post(
            &p.finance,
            &format!("/api/v1/travel-requests/{id}/pay-advance"),
            &json!({"amount": "3000.00", "paid_on": "2021-03-01"}),
        )
        .await;
    advanced.assert(200, "");
    assert_eq!(advanced.body["advance"], "3000.00");
    let l = app.line(line).await;
    assert_eq!(
        (&l["committed"], &l["spent"]),
        (&json!("4440.00"), &json!("0.00")),
        "an advance is not spending of the line"
    );
    let report = app
        .get(&p.finance, "/api/v1/reports/budget-execution?year=2021")
        .await;
    let row = report.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == line)
        .cloned()
        .unwrap();
    assert_eq!(
        (&row["committed"], &row["spent"]),
        (&json!("4440.00"), &json!("0.00")),
        "the execution report shows the promise, not the advance"
    );
    let owed = app.get(&p.finance, "/api/v1/advances/outstanding").await;
    owed.assert(200, "");
    assert_eq!(owed.body[0]["name"], "张三");
    assert_eq!(owed.body[0]["outstanding"], "3000.00");

    let claim = app
        .submit(&p.traveller, &beijing_claim(line, id, tickets))
        .await;
    let approved = app
        .post(
            &p.finance,
            &format!("/api/v1/travel-claims/{claim}/approve"),
            &json!({}),
        )
        .await;
    approved.assert(200, "");
    // The answer is the claim as a later read shows it, its settlement of the advance included.
    let read = app
        .get(&p.finance, &format!("/api/v1/travel-claims/{claim}"))
        .await;
    assert_eq!(approved.body, read.body);
    assert_eq!(approved.body["settlement"]["advance"], "3000.00");
    let reimbursable = approved.body["breakdown"]["reimbursable"]
        .as_str()
        .unwrap()
        .to_string();
    let l = app.line(line).await;
    assert_eq!(
        l["committed"],
        json!(reimbursable),
        "the claim replaced the request"
    );
    let entries = app
        .get(&p.finance, &format!("/api/v1/budget-lines/{line}/entries"))
        .await;
    let kinds: Vec<String> = entries
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] != "allocate")
        .map(|e| {
            format!(
                "{} {}",
                e["kind"].as_str().unwrap(),
                e["amount"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "commit 4440.00".to_string(),
            "release 4440.00".to_string(),
            format!("commit {reimbursable}")
        ]
    );

    decisions_dated_2021_03_01(&app);
    let paid = app
        .post(
            &p.finance,
            &format!("/api/v1/travel-claims/{claim}/pay"),
            &json!({"paid_on": "2021-03-08"}),
        )
        .await;
    paid.assert(200, "");
    assert_eq!(
        paid.body["settlement"],
        json!({"advance": "3000.00", "net_payable": net_payable, "to_return": to_return,
               "advance_returned_on": null})
    );
    let l = app.line(line).await;
    assert_eq!(
        (&l["committed"], &l["spent"]),
        (&json!("0.00"), &json!(reimbursable))
    );

    let owed = app.get(&p.finance, "/api/v1/advances/outstanding").await;
    let returned = app
        .post(
            &p.finance,
            &format!("/api/v1/travel-claims/{claim}/advance-returned"),
            &json!({"returned_on": "2021-03-09"}),
        )
        .await;
    if to_return == "0.00" {
        assert_eq!(owed.body, json!([]), "the claim settled the advance");
        returned.assert(409, "invalid_transition");
    } else {
        assert_eq!(owed.body[0]["outstanding"], to_return);
        returned.assert(200, "");
        assert_eq!(
            returned.body["settlement"]["advance_returned_on"],
            "2021-03-09"
        );
        let owed = app.get(&p.finance, "/api/v1/advances/outstanding").await;
        assert_eq!(owed.body, json!([]));
        app.post(
            &p.finance,
            &format!("/api/v1/travel-claims/{claim}/advance-returned"),
            &json!({"returned_on": "2021-03-09"}),
        )
        .await
        .assert(409, "invalid_transition");
    }

    // The ledger still replays to the stored balances, and the journal names the request.
    let (checked, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(checked > 0 && mismatches.is_empty(), "{mismatches:?}");
    let text = app
        .client
        .get(app.url("/api/v1/reports/journal?year=2021"))
        .bearer_auth(&p.finance)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains(&format!("travel_request {id}")), "{text}");
}

#[tokio::test]
async fn r16_worked_example_claim_above_the_advance() {
    settle_example("1200.00", "120.00", "0.00").await;
}

#[tokio::test]
async fn r16_worked_example_claim_below_the_advance() {
    settle_example("580.00", "0.00", "500.00").await;
}

#[tokio::test]
async fn four_eyes_and_roles() {
    let app = spawn_app().await;
    let p = people(&app);
    let both = app.user("赵四", &[R::Claimant, R::BudgetHolder, R::Finance]);
    let line = app.line_id(OPS).await;
    let own = app
        .post(&both, "/api/v1/travel-requests", &r16_request(line))
        .await;
    own.assert(201, "");
    let id = own.body["id"].as_i64().unwrap();
    for action in ["approve", "reject"] {
        app.post(
            &both,
            &format!("/api/v1/travel-requests/{id}/{action}"),
            &json!({"reason": "自己"}),
        )
        .await
        .assert(403, "self_approval_forbidden");
    }
    // A claimant alone may not approve; a finance user may not request.
    app.post(
        &p.traveller,
        &format!("/api/v1/travel-requests/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(403, "forbidden");
    app.post(&p.finance, "/api/v1/travel-requests", &r16_request(line))
        .await
        .assert(403, "forbidden");
    // Finance approves it; the requester may not pay their own advance.
    app.post(
        &p.finance,
        &format!("/api/v1/travel-requests/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    decisions_dated_2021_03_01(&app);
    app.post(
        &both,
        &format!("/api/v1/travel-requests/{id}/pay-advance"),
        &json!({"amount": "100.00", "paid_on": "2021-03-01"}),
    )
    .await
    .assert(403, "self_approval_forbidden");
    // A second decision is a transition that does not exist.
    app.post(
        &p.holder,
        &format!("/api/v1/travel-requests/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(409, "invalid_transition");
    // Others' requests are invisible to a claimant; another organisation's are 404 to all.
    let other = app.user("钱五", &[R::Claimant]);
    app.get(&other, &format!("/api/v1/travel-requests/{id}"))
        .await
        .assert(404, "not_found");
    let listed = app.get(&other, "/api/v1/travel-requests").await;
    assert_eq!(listed.body, json!([]));
    let all = app
        .get(&p.holder, "/api/v1/travel-requests?status=approved&limit=1")
        .await;
    assert_eq!(all.body.as_array().unwrap().len(), 1);
    app.get(&p.holder, "/api/v1/travel-requests?status=paid")
        .await
        .assert(422, "invalid_request");
}

#[tokio::test]
async fn advances_are_paid_once_and_within_the_estimate() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let requested = app
        .post(&p.traveller, "/api/v1/travel-requests", &r16_request(line))
        .await;
    let pending = requested.body["id"].as_i64().unwrap();
    let advance = |id: i64, amount: &'static str| {
        let (app, finance) = (&app, p.finance.clone());
        async move {
            app.post(
                &finance,
                &format!("/api/v1/travel-requests/{id}/pay-advance"),
                &json!({"amount": amount, "paid_on": "2021-03-01"}),
            )
            .await
        }
    };
    advance(pending, "100.00")
        .await
        .assert(409, "invalid_transition");
    let id = approved_request(&app, &p, line).await;
    decisions_dated_2021_03_01(&app);
    advance(id, "4440.01")
        .await
        .assert(409, "invalid_transition");
    let bad = advance(id, "12.345").await;
    bad.assert(422, "invalid_request");
    assert_eq!(bad.fields(), ["amount"]);
    advance(id, "4440.00").await.assert(200, "");
    advance(id, "1.00").await.assert(409, "invalid_transition");
    // An advance is never cancelled away.
    app.post(
        &p.traveller,
        &format!("/api/v1/travel-requests/{id}/cancel"),
        &json!({}),
    )
    .await
    .assert(409, "invalid_transition");
    // Bad requests name their field.
    for (field, value) in [
        ("travellers", json!(0)),
        ("tickets_estimate", json!("-1")),
        ("advance_requested", json!("99999.00")),
        ("return_date", json!("2021-03-01")),
    ] {
        let mut body = r16_request(line);
        body[field] = value;
        let r = app
            .post(&p.traveller, "/api/v1/travel-requests", &body)
            .await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), [field], "{}", r.body);
    }
    let mut body = r16_request(line);
    body["destination"] = json!("火星");
    app.post(&p.traveller, "/api/v1/travel-requests", &body)
        .await
        .assert(422, "unknown_city");
}

#[tokio::test]
async fn cancel_and_reject_release() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let before = committed(&app, line).await;
    let id = approved_request(&app, &p, line).await;
    assert_eq!(app.line(line).await["committed"], "4440.00");
    // Only the requester cancels.
    app.post(
        &p.holder,
        &format!("/api/v1/travel-requests/{id}/cancel"),
        &json!({}),
    )
    .await
    .assert(404, "not_found");
    let cancelled = app
        .post(
            &p.traveller,
            &format!("/api/v1/travel-requests/{id}/cancel"),
            &json!({}),
        )
        .await;
    cancelled.assert(200, "");
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(committed(&app, line).await, before);
    app.post(
        &p.traveller,
        &format!("/api/v1/travel-requests/{id}/cancel"),
        &json!({}),
    )
    .await
    .assert(409, "invalid_transition");

    // A rejected request committed nothing; a named one cannot be cancelled.
    let r = app
        .post(&p.traveller, "/api/v1/travel-requests", &r16_request(line))
        .await;
    let rejected = r.body["id"].as_i64().unwrap();
    let reply = app
        .post(
            &p.holder,
            &format!("/api/v1/travel-requests/{rejected}/reject"),
            &json!({"reason": "本月不安排"}),
        )
        .await;
    reply.assert(200, "");
    assert_eq!(reply.body["reject_reason"], "本月不安排");
    assert_eq!(committed(&app, line).await, before);
    let named = approved_request(&app, &p, line).await;
    app.submit(&p.traveller, &beijing_claim(line, named, "1200.00"))
        .await;
    app.post(
        &p.traveller,
        &format!("/api/v1/travel-requests/{named}/cancel"),
        &json!({}),
    )
    .await
    .assert(409, "invalid_transition");
    let (checked, mismatches) = baoxiao::services::budget::verify(&app.pool).unwrap();
    assert!(checked > 0 && mismatches.is_empty(), "{mismatches:?}");
}

#[tokio::test]
async fn a_claim_names_only_its_own_free_approved_request() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let other = app.user("钱五", &[R::Claimant]);
    let theirs = approved_request(&app, &p, line).await;
    let claim = |token: String, request: i64| {
        let app = &app;
        async move {
            app.post(
                &token,
                "/api/v1/travel-claims",
                &beijing_claim(line, request, "1200.00"),
            )
            .await
        }
    };
    // Another person's request.
    claim(other.clone(), theirs)
        .await
        .assert(409, "invalid_transition");
    // An unapproved one.
    let r = app
        .post(&p.traveller, "/api/v1/travel-requests", &r16_request(line))
        .await;
    let pending = r.body["id"].as_i64().unwrap();
    claim(p.traveller.clone(), pending)
        .await
        .assert(409, "invalid_transition");
    // One that does not exist.
    claim(p.traveller.clone(), 999_999)
        .await
        .assert(404, "not_found");
    // One already named by a live claim; a rejected claim frees it.
    let first = claim(p.traveller.clone(), theirs).await;
    first.assert(201, "");
    assert_eq!(first.body["travel_request_id"], theirs);
    assert_eq!(first.body["settlement"]["advance"], "0.00");
    claim(p.traveller.clone(), theirs)
        .await
        .assert(409, "invalid_transition");
    let first = first.body["id"].as_i64().unwrap();
    app.post(
        &p.finance,
        &format!("/api/v1/travel-claims/{first}/reject"),
        &json!({"reason": "重填"}),
    )
    .await
    .assert(200, "");
    claim(p.traveller.clone(), theirs).await.assert(201, "");
}

#[tokio::test]
async fn the_released_room_is_usable_on_a_full_line() {
    let app = spawn_app().await;
    let p = people(&app);
    let created = app
        .post(
            &app.admin,
            "/api/v1/budget-lines",
            &json!({"year": 2021, "code": "dept.project.petition-work.beijing", "name": "赴京",
                    "parent_code": "dept.project.petition-work", "allocated": "4440.00"}),
        )
        .await;
    created.assert(201, "");
    let line = created.body["id"].as_i64().unwrap();
    let id = approved_request(&app, &p, line).await;
    assert_eq!(app.line(line).await["available"], "0.00");
    // 1920.00 + 2520.00 tickets = 4440.00, exactly the room the request frees.
    let claim = app
        .submit(&p.traveller, &beijing_claim(line, id, "2520.00"))
        .await;
    app.post(
        &p.finance,
        &format!("/api/v1/travel-claims/{claim}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let l = app.line(line).await;
    assert_eq!(
        (&l["committed"], &l["available"]),
        (&json!("4440.00"), &json!("0.00"))
    );
}

#[tokio::test]
async fn ten_concurrent_claims_naming_one_request_make_one() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let id = approved_request(&app, &p, line).await;
    let body = beijing_claim(line, id, "1200.00");
    let replies = futures::future::join_all(
        (0..10).map(|_| app.post(&p.traveller, "/api/v1/travel-claims", &body)),
    )
    .await;
    let created = replies
        .iter()
        .filter(|r| r.status == Status::CREATED)
        .count();
    let refused = replies
        .iter()
        .filter(|r| r.status == Status::CONFLICT && r.code() == "invalid_transition")
        .count();
    assert_eq!(
        (created, refused),
        (1, 9),
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let claims = app.get(&p.finance, "/api/v1/travel-claims").await;
    assert_eq!(claims.body.as_array().unwrap().len(), 1);
}

/// Once a claim names the request, its advance is settled by that claim: none is paid after it
/// (an approval's answer reads the settlement before it writes, and relies on this).
#[tokio::test]
async fn no_advance_is_paid_on_a_request_a_live_claim_names() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let id = approved_request(&app, &p, line).await;
    decisions_dated_2021_03_01(&app);
    let claim = app
        .submit(&p.traveller, &beijing_claim(line, id, "600.00"))
        .await;
    app.post(
        &p.finance,
        &format!("/api/v1/travel-requests/{id}/pay-advance"),
        &json!({"amount": "1000.00", "paid_on": "2021-03-01"}),
    )
    .await
    .assert(409, "invalid_transition");
    let approved = app
        .post(
            &p.finance,
            &format!("/api/v1/travel-claims/{claim}/approve"),
            &json!({}),
        )
        .await;
    approved.assert(200, "");
    assert_eq!(approved.body["settlement"]["advance"], "0.00");
    let read = app
        .get(&p.finance, &format!("/api/v1/travel-claims/{claim}"))
        .await;
    assert_eq!(approved.body, read.body);
}
