//! The rule edge cases of rules.md R8–R13 and api.md "Lists" / "Amounts in words", through HTTP.

use crate::helpers::*;
use serde_json::Value;

/// A one-day Beijing trip with every meal and the vehicle provided, so it earns nothing but its
/// tickets: the reimbursable amount is exactly the tickets' sum.
fn tickets_only(line: i64, tickets: &[&str]) -> Value {
    json!({
        "budget_line_id": line, "purpose": "送件", "destination": "北京",
        "departure_date": "2021-06-01", "return_date": "2021-06-01",
        "meals_provided": [{"date": "2021-06-01", "breakfast": true, "lunch": true, "dinner": true}],
        "vehicle_provided_dates": ["2021-06-01"],
        "tickets": tickets.iter().map(|a| json!({"description": "车票", "amount": a})).collect::<Vec<_>>()
    })
}

#[tokio::test]
async fn r13_claims_carry_the_reimbursable_amount_in_capitals() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let examples = [
        (vec!["1680.32"], "1680.32", "壹仟陆佰捌拾元零叁角贰分"),
        (vec!["325.04"], "325.04", "叁佰贰拾伍元零肆分"),
        (
            vec!["100000.00", "7000.53"],
            "107000.53",
            "壹拾万柒仟元零伍角叁分",
        ),
        (vec!["1409.50"], "1409.50", "壹仟肆佰零玖元伍角"),
        (vec!["6007.14"], "6007.14", "陆仟零柒元壹角肆分"),
        (vec!["0.32"], "0.32", "叁角贰分"),
        (vec![], "0.00", "零元整"),
    ];
    for (tickets, figures, words) in examples {
        let id = app.submit(&claimant, &tickets_only(line, &tickets)).await;
        let claim = app
            .get(&claimant, &format!("/api/v1/travel-claims/{id}"))
            .await;
        claim.assert(200, "");
        assert_eq!(claim.body["breakdown"]["reimbursable"], figures);
        assert_eq!(claim.body["reimbursable_in_words"], words, "{figures}");
    }
    // The R8 example, in the list too.
    app.submit(&claimant, &r8_claim(line)).await;
    let list = app.get(&claimant, "/api/v1/travel-claims").await;
    assert_eq!(list.body[0]["reimbursable_in_words"], "壹仟贰佰叁拾壹元整");
}

#[tokio::test]
async fn r13_batches_carry_the_total_in_capitals() {
    let app = spawn_app().await;
    let maker = app.user("出纳 甲", &[R::Finance]);
    let line = app.line_id("dept.project.cadre-subsidy").await;
    app.post(
        &maker,
        "/api/v1/subsidy-recipients",
        &json!({"name": "郭老", "enrolled_from": "2021-04-20"}),
    )
    .await
    .assert(201, "");
    let draft = app
        .post(
            &maker,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": line, "year": 2021, "half": 1}),
        )
        .await;
    draft.assert(201, "");
    assert_eq!(draft.body["total"], "2603.33");
    assert_eq!(draft.body["total_in_words"], "贰仟陆佰零叁元叁角叁分");
}

#[tokio::test]
async fn r8_a_missing_invoice_is_forfeited_not_self_borne() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    // Beijing, 3 days, 2 nights: 700.00 lodging under the 2 × 400.00 cap, no invoice.
    let body = json!({
        "budget_line_id": line, "purpose": "进京", "destination": "北京",
        "departure_date": "2021-05-10", "return_date": "2021-05-12",
        "stays": [{"city": "北京", "check_in": "2021-05-10", "check_out": "2021-05-12",
                   "lodging_amount": "700.00", "invoice": false}]
    });
    let q = app
        .post(&claimant, "/api/v1/travel-claims/quote", &body)
        .await;
    q.assert(200, "");
    assert_eq!(q.body["ineligible_reason"], "missing_lodging_invoice");
    assert_eq!(q.body["reimbursable"], "0.00");
    assert_eq!(q.body["self_borne"], "0.00");
    assert_eq!(q.body["stays"][0]["self_borne"], "0.00");
    // 700 lodging + 3 × 100 meals + 3 × 80 transport.
    assert_eq!(q.body["forfeited"], "1240.00");
    let id = app.submit(&claimant, &body).await;
    let claim = app
        .get(&claimant, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(claim.body["breakdown"]["self_borne"], "0.00");
    assert_eq!(claim.body["breakdown"]["forfeited"], "1240.00");
    // Above the cap and without an invoice: the excess is still self-borne.
    let mut over = body.clone();
    over["stays"][0]["lodging_amount"] = json!("900.00");
    let q = app
        .post(&claimant, "/api/v1/travel-claims/quote", &over)
        .await;
    assert_eq!(q.body["self_borne"], "100.00");
    assert_eq!(q.body["forfeited"], "1340.00");
    // An eligible claim forfeits nothing.
    let q = app
        .post(&claimant, "/api/v1/travel-claims/quote", &r8_claim(line))
        .await;
    assert_eq!(q.body["forfeited"], "0.00");
    assert_eq!(q.body["self_borne"], "80.00");
}

#[tokio::test]
async fn r8_sums_beyond_the_limit_are_422_and_store_nothing() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let max = "99999999.99";
    let mut stays_body = tickets_only(line, &[]);
    stays_body["departure_date"] = json!("2021-06-01");
    stays_body["return_date"] = json!("2021-06-03");
    stays_body["stays"] = json!([
        {"city": "北京", "check_in": "2021-06-01", "check_out": "2021-06-02", "lodging_amount": max, "invoice": true},
        {"city": "北京", "check_in": "2021-06-02", "check_out": "2021-06-03", "lodging_amount": max, "invoice": true}
    ]);
    let mut one_ticket_and_allowances = tickets_only(line, &[max]);
    one_ticket_and_allowances["meals_provided"] = json!([]);
    for (body, field) in [
        (tickets_only(line, &[max, max]), "tickets"),
        (one_ticket_and_allowances, "tickets"),
        (stays_body, "stays"),
    ] {
        for path in ["/api/v1/travel-claims/quote", "/api/v1/travel-claims"] {
            let r = app.post(&claimant, path, &body).await;
            r.assert(422, "invalid_request");
            assert_eq!(r.fields(), vec![field.to_string()], "{path}: {}", r.body);
        }
    }
    assert_eq!(
        app.get(&app.admin, "/api/v1/travel-claims").await.body,
        json!([]),
        "nothing was stored"
    );
    // Exactly the limit is a claim like any other, readable alone and in the list.
    let id = app.submit(&claimant, &tickets_only(line, &[max])).await;
    let claim = app
        .get(&claimant, &format!("/api/v1/travel-claims/{id}"))
        .await;
    claim.assert(200, "");
    assert_eq!(claim.body["breakdown"]["reimbursable"], max);
    assert_eq!(
        claim.body["reimbursable_in_words"],
        "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"
    );
    let list = app.get(&app.admin, "/api/v1/travel-claims").await;
    list.assert(200, "");
    assert_eq!(list.body[0]["breakdown"]["reimbursable"], max);
}

/// Creates the 2021 lines `(code, parent's code, allocated)`, in order.
async fn add_lines(app: &TestApp, lines: &[(&str, &str, &str)]) {
    for (code, parent, allocated) in lines {
        app.post(
            &app.admin,
            "/api/v1/budget-lines",
            &json!({"year": 2021, "code": code, "name": "小项目", "parent_code": parent, "allocated": allocated}),
        )
        .await
        .assert(201, "");
    }
}

#[tokio::test]
async fn r11_the_409_names_the_line_with_the_least_available() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    // The leaf (150.00) fails first on the way up, but its parent (100.00) binds.
    add_lines(
        &app,
        &[
            ("dept.project.tiny", "dept.project", "100.00"),
            ("dept.project.tiny.trips", "dept.project.tiny", "150.00"),
        ],
    )
    .await;
    let leaf = app.line_id("dept.project.tiny.trips").await;
    let submitted = app
        .post(&claimant, "/api/v1/travel-claims", &day_trip(leaf))
        .await;
    submitted.assert(201, "");
    assert!(
        submitted.body["budget_warning"]
            .as_str()
            .unwrap()
            .starts_with("line dept.project.tiny has 100.00"),
        "{}",
        submitted.body
    );
    let id = submitted.body["id"].as_i64().unwrap();
    let refused = app
        .post(
            &finance,
            &format!("/api/v1/travel-claims/{id}/approve"),
            &json!({}),
        )
        .await;
    refused.assert(409, "insufficient_budget");
    assert_eq!(refused.body["line_code"], "dept.project.tiny");
    assert_eq!(refused.body["available"], "100.00");
    assert_eq!(refused.body["requested"], "180.00");
    assert_eq!(app.line(leaf).await["committed"], "0.00");
}

/// A refused commitment changes no line of its path, so the 409 reads the balances as they
/// were: the parent here could cover the claim (200.00 against 180.00), and must not appear
/// to have only 20.00 left because its share was moved before the leaf refused.
#[tokio::test]
async fn r11_a_refusal_below_a_line_that_covers_names_the_refusing_line() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    add_lines(
        &app,
        &[
            ("dept.project.narrow", "dept.project", "200.00"),
            ("dept.project.narrow.trips", "dept.project.narrow", "150.00"),
        ],
    )
    .await;
    let leaf = app.line_id("dept.project.narrow.trips").await;
    let parent = app.line_id("dept.project.narrow").await;
    let submitted = app
        .post(&claimant, "/api/v1/travel-claims", &day_trip(leaf))
        .await;
    submitted.assert(201, "");
    let id = submitted.body["id"].as_i64().expect("no id");
    let refused = app
        .post(
            &finance,
            &format!("/api/v1/travel-claims/{id}/approve"),
            &json!({}),
        )
        .await;
    refused.assert(409, "insufficient_budget");
    assert_eq!(refused.body["line_code"], "dept.project.narrow.trips");
    assert_eq!(refused.body["available"], "150.00");
    assert_eq!(refused.body["requested"], "180.00");
    assert_eq!(app.line(leaf).await["committed"], "0.00");
    assert_eq!(app.line(parent).await["committed"], "0.00");
    // The refused approval recorded nothing either: its audit event went with it.
    let claim = app
        .get(&finance, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(claim.body["status"], "submitted");
    let actions: Vec<_> = claim.body["history"]
        .as_array()
        .unwrap_or_else(|| panic!("no history in {}", claim.body))
        .iter()
        .map(|h| h["action"].clone())
        .collect();
    assert_eq!(actions, [json!("submit")]);
}

async fn recipient(app: &TestApp, token: &str, body: Value) -> i64 {
    let r = app.post(token, "/api/v1/subsidy-recipients", &body).await;
    r.assert(201, "");
    r.body["id"].as_i64().unwrap()
}

async fn subsidy_batch(app: &TestApp, token: &str, line: i64, year: i32, half: i32) -> Reply {
    app.post(
        token,
        "/api/v1/subsidy-batches",
        &json!({"budget_line_id": line, "year": year, "half": half}),
    )
    .await
}

#[tokio::test]
async fn r9_a_cadre_enrolled_in_2015_is_paid_by_the_policy_of_each_month() {
    let app = spawn_app().await;
    let maker = app.user("出纳 甲", &[R::Finance]);
    let checker = app.user("会计 乙", &[R::Finance]);
    let line = app.line_id("dept.project.cadre-subsidy").await;
    let id = recipient(
        &app,
        &maker,
        json!({"name": "老干部甲", "enrolled_from": "2015-03-01"}),
    )
    .await;
    let list = app.get(&maker, "/api/v1/subsidy-recipients").await;
    assert_eq!(list.body[0]["enrolled_from"], "2015-03-01");
    assert_eq!(list.body[0]["monthly_amount_from_policy"], true);
    // Own amount: every month earns it.
    recipient(
        &app,
        &maker,
        json!({"name": "老干部乙", "enrolled_from": "2015-03-01", "monthly_amount": "1000.00"}),
    )
    .await;
    let h1 = subsidy_batch(&app, &maker, line, 2021, 1).await;
    h1.assert(201, "");
    let item = h1.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["recipient_id"] == id)
        .unwrap();
    assert_eq!(item["amount"], "6600.00", "R9: enrolled from 2015, H1 2021");
    assert_eq!(h1.body["total"], "12600.00");
    app.post(
        &checker,
        &format!("/api/v1/subsidy-batches/{}/approve", h1.body["id"]),
        &json!({}),
    )
    .await
    .assert(200, "");

    // A policy change from 2021-08-01 (published before H2 is drawn up) reaches the recipient
    // without an amount of their own from August on, and not the one with their own.
    let mut policy = app
        .get(&app.admin, "/api/v1/policy?date=2021-06-01")
        .await
        .body;
    let obj = policy.as_object_mut().unwrap();
    obj.remove("version");
    obj.insert("effective_from".into(), json!("2021-08-01"));
    obj.insert("subsidy_monthly_amount".into(), json!("1200.00"));
    app.post(&app.admin, "/api/v1/policy", &policy)
        .await
        .assert(201, "");
    let h2 = subsidy_batch(&app, &maker, line, 2021, 2).await;
    h2.assert(201, "");
    let item = h2.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["recipient_id"] == id)
        .unwrap();
    assert_eq!(
        item["months"][0]["amount"], "1100.00",
        "July: 2021-01-01 policy"
    );
    assert_eq!(
        item["months"][1]["amount"], "1200.00",
        "August: the new policy"
    );
    assert_eq!(item["amount"], "7100.00", "1100 + 5 × 1200");
    assert_eq!(h2.body["total"], "13100.00", "7100 + 6 × 1000");

    // A batch for a year with no policy is 422 naming the month.
    let none = subsidy_batch(&app, &maker, line, 2020, 2).await;
    none.assert(422, "invalid_request");
    assert_eq!(none.fields(), ["half"]);
    assert!(
        none.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("2020-07"),
        "{}",
        none.body
    );
}

#[tokio::test]
async fn r9_ending_an_enrollment_before_paid_months_is_409() {
    let app = spawn_app().await;
    let maker = app.user("出纳 甲", &[R::Finance]);
    let checker = app.user("会计 乙", &[R::Finance]);
    let line = app.line_id("dept.project.cadre-subsidy").await;
    let id = recipient(
        &app,
        &maker,
        json!({"name": "郭老", "enrolled_from": "2021-01-01"}),
    )
    .await;
    let h1 = subsidy_batch(&app, &maker, line, 2021, 1).await;
    h1.assert(201, "");
    assert_eq!(h1.body["total"], "6600.00");
    app.post(
        &checker,
        &format!("/api/v1/subsidy-batches/{}/approve", h1.body["id"]),
        &json!({}),
    )
    .await
    .assert(200, "");
    let patch = |until: Value| {
        app.send(
            app.client
                .patch(app.url(&format!("/api/v1/subsidy-recipients/{id}")))
                .bearer_auth(&maker)
                .json(&json!({"enrolled_until": until})),
        )
    };
    let refused = patch(json!("2021-03-31")).await;
    refused.assert(409, "months_already_paid");
    assert_eq!(
        refused.body["months"],
        json!(["2021-04", "2021-05", "2021-06"])
    );
    // Mid-month: June was paid whole.
    patch(json!("2021-06-15"))
        .await
        .assert(409, "months_already_paid");
    // Nothing changed.
    let list = app.get(&maker, "/api/v1/subsidy-recipients").await;
    assert_eq!(list.body[0]["enrolled_until"], json!(null));
    // After the last paid month it is fine.
    let ok = patch(json!("2021-06-30")).await;
    ok.assert(200, "");
    assert_eq!(ok.body["enrolled_until"], "2021-06-30");
}

#[tokio::test]
async fn r10_a_forecast_counts_only_the_lines_fiscal_year() {
    let app = spawn_app().await;
    let line = app
        .line_id("dept.project.petition-work.province-duty")
        .await;
    let r = app
        .post(
            &app.admin,
            "/api/v1/duty-stations",
            &json!({"name": "石家庄驻点", "city": "石家庄", "budget_line_id": line}),
        )
        .await;
    r.assert(201, "");
    let station = r.body["id"].as_i64().unwrap();
    app.post(
        &app.admin,
        &format!("/api/v1/duty-stations/{station}/assignments"),
        &json!({"person": "值班员甲", "from": "2021-07-01", "to": "2022-06-30"}),
    )
    .await
    .assert(201, "");
    let f = app
        .get(
            &app.admin,
            &format!("/api/v1/budget-lines/{line}/forecast?as_of=2021-01-01"),
        )
        .await;
    f.assert(200, "");
    // 184 days of 2021 at 480.00, not 365; the 2022 half is not charged to the 2021 line.
    assert_eq!(f.body["projected_remaining"], "88320.00");
    let source = f.body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == station)
        .unwrap();
    assert_eq!(source["person_days"], 184);
    assert_eq!(source["cost"], "88320.00");
    assert_eq!(f.body["shortfall"], "0.00", "320,000.00 allocated");
    assert_eq!(f.body["exhaustion_date"], json!(null));
    // As of a day in 2022, nothing is left to charge to the 2021 line.
    let late = app
        .get(
            &app.admin,
            &format!("/api/v1/budget-lines/{line}/forecast?as_of=2022-01-01"),
        )
        .await;
    assert_eq!(late.body["projected_remaining"], "0.00");
}

/// The organisation's today in its default zone, Asia/Shanghai (UTC+8, no daylight saving).
fn shanghai_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

async fn pay(app: &TestApp, token: &str, path: &str, paid_on: String) -> Reply {
    app.post(token, path, &json!({ "paid_on": paid_on })).await
}

#[tokio::test]
async fn paid_on_is_not_before_the_approval_nor_past_today_plus_the_margin() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let checker = app.user("王五", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let today = shanghai_today();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let claim_path = format!("/api/v1/travel-claims/{id}/pay");
    let pay_claim = |paid_on: String| pay(&app, &finance, &claim_path, paid_on);
    for bad in [
        "0000-01-01".to_string(),
        "2021-05-20".to_string(),
        day(-1),
        day(31),
    ] {
        let r = pay_claim(bad.clone()).await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), ["paid_on"], "{bad}");
    }
    let claim = app
        .get(&finance, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(claim.body["status"], "approved", "nothing was paid");
    let paid = pay_claim(day(30)).await;
    paid.assert(200, "");
    assert_eq!(paid.body["paid_on"], day(30));

    // A subsidy batch likewise.
    let subsidy = app.line_id("dept.project.cadre-subsidy").await;
    recipient(
        &app,
        &finance,
        json!({"name": "郭老", "enrolled_from": "2021-01-01"}),
    )
    .await;
    let batch = subsidy_batch(&app, &finance, subsidy, 2021, 1).await;
    let batch = batch.body["id"].as_i64().unwrap();
    app.post(
        &checker,
        &format!("/api/v1/subsidy-batches/{batch}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    let batch_path = format!("/api/v1/subsidy-batches/{batch}/pay");
    let pay_batch = |paid_on: String| pay(&app, &finance, &batch_path, paid_on);
    for bad in ["0000-01-01".to_string(), day(-1), day(31)] {
        let r = pay_batch(bad.clone()).await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), ["paid_on"], "{bad}");
    }
    let paid = pay_batch(today.to_string()).await;
    paid.assert(200, "");
    assert_eq!(paid.body["on_time"], false, "H1 2021 paid years later");
}

#[tokio::test]
async fn r12_the_decision_deadline_counts_the_organisations_calendar_days() {
    use baoxiao::db::schema::travel_claims;
    use diesel::prelude::*;
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    // Submitted 2021-05-01 16:30 UTC = 2021-05-02 00:30 in Shanghai; decided 2021-05-07 15:00
    // UTC = 23:00 in Shanghai: local day S + 5, on time. By UTC dates it would be S + 6, late.
    let at = |text: &str| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    {
        let mut c = app.pool.get().unwrap();
        diesel::update(travel_claims::table.filter(travel_claims::id.eq(id)))
            .set((
                travel_claims::submitted_at.eq(at("2021-05-01 16:30")),
                travel_claims::decided_at.eq(Some(at("2021-05-07 15:00"))),
            ))
            .execute(&mut *c)
            .unwrap();
    }
    let decided_on_time = || async {
        let r = app
            .get(&app.admin, "/api/v1/reports/performance?year=2021")
            .await;
        r.assert(200, "");
        r.body
            .as_array()
            .unwrap()
            .iter()
            .find(|i| {
                i["line_code"] == "dept.project.petition-work"
                    && i["indicator"] == "decided_on_time"
            })
            .unwrap()["actual"]
            .clone()
    };
    assert_eq!(decided_on_time().await, "100.00");
    // The same facts for an organisation keeping UTC: late.
    {
        let mut c = app.pool.get().unwrap();
        for org in baoxiao::db::orgs::all(&mut c).unwrap() {
            baoxiao::db::orgs::set_time_zone(&mut c, org.id, "UTC").unwrap();
        }
    }
    assert_eq!(decided_on_time().await, "0.00");
}

#[tokio::test]
async fn r12_an_overdue_batch_is_late_not_met() {
    let app = spawn_app().await;
    let maker = app.user("出纳 甲", &[R::Finance]);
    let checker = app.user("会计 乙", &[R::Finance]);
    let line = app.line_id("dept.project.cadre-subsidy").await;
    for n in 1..=6 {
        recipient(
            &app,
            &maker,
            json!({"name": format!("老干部{n}"), "enrolled_from": "2021-01-01"}),
        )
        .await;
    }
    let mut batches = Vec::new();
    for half in [1, 2] {
        let b = subsidy_batch(&app, &maker, line, 2021, half).await;
        b.assert(201, "");
        let id = b.body["id"].as_i64().unwrap();
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
    // H1 paid inside its window; the approved December batch is never paid.
    let paid = app
        .post(
            &maker,
            &format!("/api/v1/subsidy-batches/{}/pay", batches[0]),
            &json!({"paid_on": "2021-06-03"}),
        )
        .await;
    paid.assert(200, "");
    assert_eq!(paid.body["on_time"], true);
    let r = app
        .get(&app.admin, "/api/v1/reports/performance?year=2021")
        .await;
    r.assert(200, "");
    let indicator = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["line_code"] == "dept.project.cadre-subsidy" && i["indicator"] == "paid_on_time"
        })
        .unwrap()
        .clone();
    // 36 of 72 recipient-months paid in their window; the 36 of H2 are overdue.
    assert_eq!(indicator["actual"], "50.00", "{indicator}");
    assert_eq!(indicator["met"], false);
}

/// GET with the raw response: (status, body, the Link header).
async fn get_page(app: &TestApp, token: &str, path: &str) -> (u16, Value, Option<String>) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let link = response
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, link)
}

/// The URL of a `Link: <URL>; rel="next"` header.
fn next_url(link: &str) -> String {
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    link.trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn lists_are_paged_with_a_link_to_the_next_page() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.submit(&claimant, &day_trip(line)).await);
    }
    ids.reverse(); // newest first
    let (status, first, link) = get_page(
        &app,
        &claimant,
        "/api/v1/travel-claims?status=submitted&limit=2",
    )
    .await;
    assert_eq!(status, 200);
    let got: Vec<i64> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[..2]);
    let next = next_url(&link.unwrap());
    assert_eq!(
        next,
        format!(
            "/api/v1/travel-claims?status=submitted&after={}&limit=2",
            ids[1]
        )
    );
    let (_, second, link) = get_page(&app, &claimant, &next).await;
    let got: Vec<i64> = second
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[2..4]);
    let (_, third, link) = get_page(&app, &claimant, &next_url(&link.unwrap())).await;
    let got: Vec<i64> = third
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[4..]);
    assert_eq!(link, None, "nothing remains");
    // Exactly a page: no Link.
    let (_, all, link) = get_page(&app, &claimant, "/api/v1/travel-claims?limit=5").await;
    assert_eq!(all.as_array().unwrap().len(), 5);
    assert_eq!(link, None);

    for bad in ["limit=0", "limit=1001", "limit=-1"] {
        let r = app
            .get(&claimant, &format!("/api/v1/travel-claims?{bad}"))
            .await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), ["limit"], "{bad}");
    }
    let r = app
        .get(&app.admin, "/api/v1/budget-lines?year=2021&after=999999")
        .await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["after"]);
}

#[tokio::test]
async fn every_list_defaults_to_100_and_says_when_more_remain() {
    let app = spawn_app().await;
    let finance = app.user("出纳", &[R::Finance]);
    for n in 0..101 {
        recipient(
            &app,
            &finance,
            json!({"name": format!("老干部{n}"), "enrolled_from": "2021-01-01"}),
        )
        .await;
    }
    let (status, page, link) = get_page(&app, &finance, "/api/v1/subsidy-recipients").await;
    assert_eq!(status, 200);
    assert_eq!(page.as_array().unwrap().len(), 100);
    let next = next_url(&link.unwrap());
    let (_, rest, link) = get_page(&app, &finance, &next).await;
    assert_eq!(rest.as_array().unwrap().len(), 1);
    assert_eq!(rest[0]["name"], "老干部100");
    assert_eq!(link, None);
    // The other lists take the same parameters.
    let line = app.line_id("dept.project.petition-work").await;
    for path in [
        "/api/v1/budget-lines?year=2021&limit=1".to_string(),
        format!("/api/v1/budget-lines/{line}/entries?limit=1"),
        "/api/v1/duty-stations?limit=1".to_string(),
    ] {
        let (status, page, link) = get_page(&app, &app.admin, &path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(page.as_array().unwrap().len(), 1, "{path}");
        assert!(link.is_some(), "{path}: more remain");
    }
}

#[tokio::test]
async fn an_organisation_keeps_its_own_time_zone() {
    let app = spawn_app().await;
    let orgs = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
            .arg("orgs")
            .arg("add")
            .args(args)
            .env("DATABASE_URL", &app.db_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let zone_of = |code: &str| {
        use baoxiao::db::schema::organisations;
        use diesel::prelude::*;
        let mut c = app.pool.get().unwrap();
        organisations::table
            .filter(organisations::code.eq(code))
            .select(organisations::time_zone)
            .first::<String>(&mut *c)
            .optional()
            .unwrap()
    };
    assert_eq!(
        zone_of("pingxiang-xinfang").as_deref(),
        Some("Asia/Shanghai")
    );
    let bad = orgs(&[
        "--code",
        "nowhere",
        "--name",
        "某局",
        "--time-zone",
        "Mars/Olympus",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--time-zone"));
    assert_eq!(zone_of("nowhere"), None, "nothing was created");
    let ok = orgs(&[
        "--code",
        "urumqi",
        "--name",
        "某局",
        "--time-zone",
        "Asia/Urumqi",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(zone_of("urumqi").as_deref(), Some("Asia/Urumqi"));
    let default = orgs(&["--code", "xingtai", "--name", "某局"]);
    assert!(default.status.success());
    assert_eq!(zone_of("xingtai").as_deref(), Some("Asia/Shanghai"));
}

/// An approval and the end of an enrollment racing for the same months: one of them wins, never
/// both (else paid months would be orphaned).
#[tokio::test]
async fn r9_approval_and_ending_an_enrollment_never_both_succeed() {
    let app = spawn_app().await;
    let maker = app.user("出纳 甲", &[R::Finance]);
    let checker = app.user("会计 乙", &[R::Finance]);
    let line = app.line_id("dept.project.cadre-subsidy").await;
    for year in 2021..2027 {
        let id = recipient(
            &app,
            &maker,
            json!({"name": format!("郭老{year}"), "enrolled_from": format!("{year}-01-01"),
                   "monthly_amount": "10.00"}),
        )
        .await;
        let batch = subsidy_batch(&app, &maker, line, year, 1).await;
        batch.assert(201, "");
        let batch = batch.body["id"].as_i64().unwrap();
        let (approve_path, empty) = (
            format!("/api/v1/subsidy-batches/{batch}/approve"),
            json!({}),
        );
        let approve = app.post(&checker, &approve_path, &empty);
        let end = app.send(
            app.client
                .patch(app.url(&format!("/api/v1/subsidy-recipients/{id}")))
                .bearer_auth(&maker)
                .json(&json!({"enrolled_until": format!("{year}-03-31")})),
        );
        let (approve, end) = tokio::join!(approve, end);
        match (approve.status.as_u16(), end.status.as_u16()) {
            (200, 409) => assert_eq!(end.code(), "months_already_paid"),
            (409, 200) => assert_eq!(approve.code(), "batch_outdated"),
            other => panic!("{year}: {other:?} {} {}", approve.body, end.body),
        }
    }
}
