//! R20 vouchers (记账凭证) over HTTP: written by the payments themselves, numbered without gaps,
//! booked to the organisation's accounts, exported, and checked by `verify`.

use crate::helpers::*;
use serde_json::Value;

const OPS: &str = "dept.project.petition-work.operations";
const SUBSIDY: &str = "dept.project.cadre-subsidy";

pub(crate) struct People {
    pub(crate) traveller: String,
    pub(crate) holder: String,
    pub(crate) finance: String,
}

fn people(app: &TestApp) -> People {
    People {
        traveller: app.user("张三", &[R::Claimant]),
        holder: app.user("王科长", &[R::BudgetHolder]),
        finance: app.user("李会计", &[R::Finance]),
    }
}

/// Every decision so far as if made on 2021-04-30 (Asia/Shanghai), so that payments dated in
/// May 2021 are not before them.
pub(crate) fn decisions_dated_before_may(app: &TestApp) {
    use baoxiao::db::schema::travel_requests;
    use diesel::prelude::*;
    app.approvals_dated_2021_05_01();
    let at = chrono::NaiveDate::from_ymd_opt(2021, 4, 30)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap();
    diesel::update(travel_requests::table.filter(travel_requests::decided_at.is_not_null()))
        .set(travel_requests::decided_at.eq(Some(at)))
        .execute(&mut *app.pool.get().unwrap())
        .unwrap();
}

/// `(ledger, code, debit, credit)` of each line of a voucher.
fn lines(v: &Value) -> Vec<(String, String, String, String)> {
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["ledger"].as_str().unwrap().to_string(),
                l["account_code"].as_str().unwrap().to_string(),
                l["debit"].as_str().unwrap().to_string(),
                l["credit"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn row(ledger: &str, code: &str, debit: &str, credit: &str) -> (String, String, String, String) {
    (ledger.into(), code.into(), debit.into(), credit.into())
}

async fn vouchers(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app.get(token, &format!("/api/v1/vouchers{query}")).await;
    r.assert(200, "");
    r.body.as_array().unwrap().clone()
}

/// Runs the `baoxiao` command on the app's database: whether it succeeded, and what it printed.
pub fn baoxiao(app: &TestApp, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
        .args(args)
        .env("DATABASE_URL", &app.db_url)
        .env("BAOXIAO__APP__DATA_DIR", app.data_dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        text += &String::from_utf8_lossy(&out.stderr);
    }
    (out.status.success(), text)
}

/// `finance` approves `claim`; the decision is dated before May, as in R20's worked example.
pub(crate) async fn approve(app: &TestApp, finance: &str, claim: i64) {
    app.post(
        finance,
        &format!("/api/v1/travel-claims/{claim}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    decisions_dated_before_may(app);
}

/// `finance` pays the approved `claim` on `on`: the answer.
pub(crate) async fn pay(app: &TestApp, finance: &str, claim: i64, on: &str) -> Reply {
    app.post(
        finance,
        &format!("/api/v1/travel-claims/{claim}/pay"),
        &json!({ "paid_on": on }),
    )
    .await
}

/// The first part of R20's worked example: the R16 request approved and its advance of 1,250.00
/// paid on 2021-05-08; the line and the request.
async fn advance_paid(app: &TestApp, p: &People) -> (i64, i64) {
    let line = app.line_id(OPS).await;
    let request = app
        .post(
            &p.traveller,
            "/api/v1/travel-requests",
            &json!({"budget_line_id": line, "purpose": "赴省汇报信访工作", "destination": "石家庄",
                    "departure_date": "2021-05-10", "return_date": "2021-05-12", "travellers": 1,
                    "tickets_estimate": "131.00", "advance_requested": "1250.00"}),
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
    decisions_dated_before_may(app);
    app.post(
        &p.finance,
        &format!("/api/v1/travel-requests/{request}/pay-advance"),
        &json!({"amount": "1250.00", "paid_on": "2021-05-08"}),
    )
    .await
    .assert(200, "");
    (line, request)
}

/// R20's worked example: the R16 request's advance of 1,250.00 paid on 2021-05-08, its claim of
/// 1,231.00 (R8's) paid on 2021-05-20, and the 19.00 returned on 2021-05-21; the claim's id.
pub(crate) async fn worked_example(app: &TestApp, p: &People) -> i64 {
    let (line, request) = advance_paid(app, p).await;
    let mut body = r8_claim(line);
    body["travel_request_id"] = json!(request);
    let claim = app.submit(&p.traveller, &body).await;
    approve(app, &p.finance, claim).await;
    let paid = pay(app, &p.finance, claim, "2021-05-20").await;
    paid.assert(200, "");
    assert_eq!(paid.body["settlement"]["to_return"], "19.00");
    app.post(
        &p.finance,
        &format!("/api/v1/travel-claims/{claim}/advance-returned"),
        &json!({"returned_on": "2021-05-21"}),
    )
    .await
    .assert(200, "");
    claim
}

#[tokio::test]
async fn the_worked_example_gives_three_vouchers_numbered_0001_to_0003_in_may_2021() {
    let app = spawn_app().await;
    let p = people(&app);
    let claim = worked_example(&app, &p).await;

    let list = vouchers(&app, &p.finance, "?from=2021-05-01&to=2021-05-31").await;
    let numbers: Vec<&str> = list.iter().map(|v| v["number"].as_str().unwrap()).collect();
    assert_eq!(
        numbers,
        ["记-2021-05-0001", "记-2021-05-0002", "记-2021-05-0003"]
    );
    let dates: Vec<&str> = list.iter().map(|v| v["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2021-05-08", "2021-05-20", "2021-05-21"]);
    assert_eq!(
        lines(&list[0]),
        [
            row("financial", "1218", "1250.00", "0.00"),
            row("financial", "1011", "0.00", "1250.00"),
        ]
    );
    assert_eq!(
        lines(&list[1]),
        [
            row("financial", "5001", "1231.00", "0.00"),
            row("financial", "1218", "0.00", "1231.00"),
            row("budgetary", "7201", "1231.00", "0.00"),
            row("budgetary", "8001", "0.00", "1231.00"),
        ]
    );
    assert_eq!(
        lines(&list[2]),
        [
            row("financial", "1011", "19.00", "0.00"),
            row("financial", "1218", "0.00", "19.00"),
        ]
    );
    assert_eq!(list[1]["summary"], "张三 赴省汇报信访工作 差旅费");
    assert_eq!(
        list[1]["source"],
        json!({"type": "travel_claim", "id": claim})
    );
    assert_eq!(list[0]["source"]["type"], "travel_request");
    assert_eq!(list[1]["lines"][0]["account_name"], "业务活动费用");
    // The expense lines carry the budget line as 项目 and 差旅费's 经济分类; the others do not.
    assert_eq!(list[1]["lines"][0]["project"], OPS);
    assert_eq!(list[1]["lines"][0]["economic_class"], "30211");
    assert_eq!(list[1]["lines"][2]["project"], OPS);
    assert!(list[1]["lines"][1].get("project").is_none());

    // One voucher by its id; the period outside May has none of them.
    let id = list[1]["id"].as_i64().unwrap();
    let one = app.get(&p.holder, &format!("/api/v1/vouchers/{id}")).await;
    one.assert(200, "");
    assert_eq!(one.body["number"], "记-2021-05-0002");
    assert!(vouchers(&app, &app.admin, "?from=2021-06-01&to=2021-06-30")
        .await
        .is_empty());

    // Every invariant holds: balanced, 行政支出 = spent, 其他应收款 = advances owed (none now).
    let (ok, out) = baoxiao(&app, &["verify"]);
    assert!(ok, "{out}");
    assert!(out.contains("vouchers checked, 0 problems"), "{out}");
}

#[tokio::test]
async fn who_may_read_vouchers_and_bad_queries() {
    let app = spawn_app().await;
    let p = people(&app);
    worked_example(&app, &p).await;
    app.get(&p.traveller, "/api/v1/vouchers")
        .await
        .assert(403, "forbidden");
    app.get(&p.traveller, "/api/v1/account-map")
        .await
        .assert(403, "forbidden");
    let bad = app
        .get(&p.finance, "/api/v1/vouchers?from=2021-13-01")
        .await;
    bad.assert(422, "invalid_request");
    assert_eq!(bad.fields(), ["from"]);
    let bad = app
        .get(&p.finance, "/api/v1/vouchers?from=2021-05-02&to=2021-05-01")
        .await;
    bad.assert(422, "invalid_request");
    assert_eq!(bad.fields(), ["to"]);
    let bad = app.get(&p.finance, "/api/v1/vouchers?format=pdf").await;
    bad.assert(422, "invalid_request");
    assert_eq!(bad.fields(), ["format"]);
    // Paged: one at a time, with a next link.
    let first = app.get(&p.finance, "/api/v1/vouchers?limit=1").await;
    first.assert(200, "");
    assert_eq!(first.body.as_array().unwrap().len(), 1);

    // Another organisation's voucher is 404.
    let id = vouchers(&app, &p.finance, "").await[0]["id"]
        .as_i64()
        .unwrap();
    baoxiao::services::users::add_org(&app.pool, "other-bureau", "另一个局").unwrap();
    let (_, other) = baoxiao::services::users::add_user(
        &app.pool,
        Some("other-bureau"),
        "外单位",
        &[R::Admin, R::Finance],
    )
    .unwrap();
    app.get(&other, &format!("/api/v1/vouchers/{id}"))
        .await
        .assert(404, "not_found");
    assert!(vouchers(&app, &other, "").await.is_empty());
}

#[tokio::test]
async fn a_subsidy_batch_paid_gives_its_voucher_of_39600() {
    let app = spawn_app().await;
    let maker = app.user("出纳 甲", &[R::Finance]);
    let checker = app.user("会计 乙", &[R::Finance]);
    let line = app.line_id(SUBSIDY).await;
    for n in 1..=6 {
        app.post(
            &maker,
            "/api/v1/subsidy-recipients",
            &json!({"name": format!("老干部{n}"), "enrolled_from": "2015-03-01"}),
        )
        .await
        .assert(201, "");
    }
    let batch = app
        .post(
            &maker,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": line, "year": 2021, "half": 1, "supplementary": false}),
        )
        .await;
    assert_eq!(batch.body["total"], "39600.00");
    let batch = batch.body["id"].as_i64().unwrap();
    app.post(
        &checker,
        &format!("/api/v1/subsidy-batches/{batch}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    // Approved is not paid: no voucher yet.
    assert!(vouchers(&app, &maker, "").await.is_empty());
    app.approvals_dated_2021_05_01();
    app.post(
        &maker,
        &format!("/api/v1/subsidy-batches/{batch}/pay"),
        &json!({"paid_on": "2021-06-05"}),
    )
    .await
    .assert(200, "");
    let list = vouchers(&app, &maker, "?from=2021-06-01&to=2021-06-30").await;
    assert_eq!(list.len(), 1);
    let v = &list[0];
    assert_eq!(v["number"], "记-2021-06-0001");
    assert_eq!(v["summary"], "2021年上半年老干部下乡补助");
    assert_eq!(v["source"], json!({"type": "subsidy_batch", "id": batch}));
    assert_eq!(
        lines(v),
        [
            row("financial", "5001", "39600.00", "0.00"),
            row("financial", "1011", "0.00", "39600.00"),
            row("budgetary", "7201", "39600.00", "0.00"),
            row("budgetary", "8001", "0.00", "39600.00"),
        ]
    );
    assert_eq!(v["lines"][2]["project"], SUBSIDY);
    assert_eq!(v["lines"][2]["economic_class"], "30305");
    // A paid batch cannot be voided (api.md): its voucher stands, and nothing is reversed. Only
    // an unpaid batch is voided, and it never had a voucher.
    app.post(
        &checker,
        &format!("/api/v1/subsidy-batches/{batch}/void"),
        &json!({}),
    )
    .await
    .assert(409, "invalid_transition");
    assert_eq!(vouchers(&app, &maker, "").await.len(), 1);

    // The period's CSV: a BOM, Chinese headers, one row per line.
    let csv = app
        .client
        .get(app.url("/api/v1/vouchers?from=2021-06-01&to=2021-06-30&format=csv"))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), Status::OK);
    let bytes = csv.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 5, "{text}");
    assert!(rows[0].starts_with("凭证号,日期,摘要"), "{text}");
    assert!(
        rows[1].contains("记-2021-06-0001,2021-06-05")
            && rows[1].contains("财务会计,5001,业务活动费用,39600.00,0.00"),
        "{text}"
    );
    // And the workbook.
    let xlsx = app
        .client
        .get(app.url("/api/v1/vouchers?from=2021-06-01&to=2021-06-30&format=xlsx"))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), Status::OK);
    let bytes = xlsx.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("记账凭证").unwrap();
    assert_eq!(sheet.height(), 5);
    assert_eq!(
        sheet.get_value((1, 10)),
        Some(&calamine::Data::Float(39600.0))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn numbers_have_no_gap_when_two_server_processes_pay_at_once() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let second = ServerProcess::start(&app).await;
    let mut claims = Vec::new();
    for _ in 0..24 {
        claims.push(app.submit(&p.traveller, &day_trip(line)).await);
    }
    for id in &claims {
        app.post(
            &p.finance,
            &format!("/api/v1/travel-claims/{id}/approve"),
            &json!({}),
        )
        .await
        .assert(200, "");
    }
    decisions_dated_before_may(&app);
    let servers = [app.address.clone(), second.address.clone()];
    let pays = claims.iter().enumerate().map(|(i, id)| {
        let url = format!("{}/api/v1/travel-claims/{id}/pay", servers[i % 2]);
        let (client, token) = (app.client.clone(), p.finance.clone());
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"paid_on": "2021-06-03"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures::future::join_all(pays).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let list = vouchers(&app, &p.finance, "?from=2021-06-01&to=2021-06-30").await;
    let mut numbers: Vec<String> = list
        .iter()
        .map(|v| v["number"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=24).map(|n| format!("记-2021-06-{n:04}")).collect();
    assert_eq!(numbers, expected);
    let mut sources: Vec<i64> = list
        .iter()
        .map(|v| v["source"]["id"].as_i64().unwrap())
        .collect();
    sources.sort();
    assert_eq!(sources, claims, "one voucher per payment");
    let problems = baoxiao::services::budget::verify_vouchers(&app.pool).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn an_account_map_set_to_direct_treasury_payment_books_4001_and_6001() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let map = app.get(&app.admin, "/api/v1/account-map").await;
    map.assert(200, "");
    let find = |map: &Value, event: &str, role: &str| -> String {
        map.as_array()
            .unwrap()
            .iter()
            .find(|a| a["event"] == event && a["role"] == role)
            .map(|a| a["code"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(find(&map.body, "claim_paid", "payment"), "1011");
    assert_eq!(find(&map.body, "claim_paid", "budget_payment"), "8001");

    // Bad entries: each named, nothing set.
    let put = |token: &str, body: Value| {
        app.send(
            app.client
                .put(app.url("/api/v1/account-map"))
                .bearer_auth(token.to_string())
                .json(&body),
        )
    };
    let bad = put(
        &app.admin,
        json!([
            {"event": "claim_refunded", "role": "payment", "code": "4001", "name": "财政拨款收入"},
            {"event": "claim_paid", "role": "payment", "code": "4001", "name": "财政拨款收入"},
            {"event": "advance_paid", "role": "expense", "code": "5001", "name": "业务活动费用"},
        ]),
    )
    .await;
    bad.assert(422, "invalid_request");
    assert_eq!(bad.fields(), ["[0].event", "[2].role"]);
    for empty in ["", " "] {
        let bad = put(
            &app.admin,
            json!([{"event": "claim_paid", "role": "payment", "code": empty, "name": "财政拨款收入"}]),
        )
        .await;
        bad.assert(422, "invalid_request");
        assert_eq!(bad.fields(), ["[0].code"], "{empty:?}");
    }
    let unchanged = app.get(&app.admin, "/api/v1/account-map").await;
    assert_eq!(find(&unchanged.body, "claim_paid", "payment"), "1011");
    let finance_put = app
        .send(
            app.client
                .put(app.url("/api/v1/account-map"))
                .bearer_auth(&p.finance)
                .json(&json!([])),
        )
        .await;
    finance_put.assert(403, "forbidden");

    let direct = json!([
        {"event": "claim_paid", "role": "payment", "code": "4001", "name": "财政拨款收入"},
        {"event": "claim_paid", "role": "budget_payment", "code": "6001", "name": "财政拨款预算收入"},
    ]);
    let set = app
        .send(
            app.client
                .put(app.url("/api/v1/account-map"))
                .bearer_auth(&app.admin)
                .json(&direct),
        )
        .await;
    set.assert(200, "");
    assert_eq!(find(&set.body, "claim_paid", "payment"), "4001");
    assert_eq!(find(&set.body, "claim_paid", "budget_payment"), "6001");
    assert_eq!(find(&set.body, "subsidy_paid", "payment"), "1011");

    let claim = app.submit(&p.traveller, &r8_claim(line)).await;
    approve(&app, &p.finance, claim).await;
    pay(&app, &p.finance, claim, "2021-05-20")
        .await
        .assert(200, "");
    let list = vouchers(&app, &p.finance, "").await;
    assert_eq!(
        lines(&list[0]),
        [
            row("financial", "5001", "1231.00", "0.00"),
            row("financial", "4001", "0.00", "1231.00"),
            row("budgetary", "7201", "1231.00", "0.00"),
            row("budgetary", "6001", "0.00", "1231.00"),
        ]
    );
    assert_eq!(list[0]["lines"][3]["account_name"], "财政拨款预算收入");
    let (ok, out) = baoxiao(&app, &["verify"]);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn verify_fails_on_a_tampered_voucher_line() {
    let app = spawn_app().await;
    let p = people(&app);
    worked_example(&app, &p).await;
    let (ok, out) = baoxiao(&app, &["verify"]);
    assert!(ok, "{out}");
    {
        use baoxiao::db::schema::voucher_lines;
        use diesel::prelude::*;
        diesel::update(
            voucher_lines::table
                .filter(voucher_lines::role.eq("budget_expense"))
                .filter(voucher_lines::debit_fen.eq(123_100)),
        )
        .set(voucher_lines::debit_fen.eq(123_000))
        .execute(&mut *app.pool.get().unwrap())
        .unwrap();
    }
    let (ok, out) = baoxiao(&app, &["verify"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(
            "voucher 记-2021-05-0002 unbalanced in budgetary: debit 1230.00, credit 1231.00"
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "line {OPS}: budget_expense booked 1230.00, spent 1231.00"
        )),
        "{out}"
    );
}

/// A backup's check reads the vouchers as `verify` does: the copy of clean books says so, and
/// the copy of books whose voucher was tampered with fails, naming it. (On PostgreSQL pg_dump
/// makes the copy; the backup test of files checks that the command says so.)
#[tokio::test]
async fn a_backups_check_reads_its_vouchers() {
    let app = spawn_app().await;
    if app.db_url.starts_with("postgres") {
        return;
    }
    let p = people(&app);
    worked_example(&app, &p).await;
    let dir = tempfile::tempdir().unwrap();
    let copy = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (ok, out) = baoxiao(&app, &["backup", "--to", &copy("clean.db")]);
    assert!(ok, "{out}");
    assert!(out.contains("vouchers checked, 0 problems"), "{out}");
    {
        use baoxiao::db::schema::voucher_lines;
        use diesel::prelude::*;
        diesel::update(voucher_lines::table.filter(voucher_lines::debit_fen.eq(123_100)))
            .set(voucher_lines::debit_fen.eq(123_000))
            .execute(&mut *app.pool.get().unwrap())
            .unwrap();
    }
    let (ok, out) = baoxiao(&app, &["backup", "--to", &copy("tampered.db")]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("VOUCHER MISMATCH") && out.contains("voucher 记-2021-05-0002 unbalanced"),
        "{out}"
    );
}

#[tokio::test]
#[cfg_attr(
    no_hledger,
    ignore = "hledger is not installed (build.rs found none); .ci/run installs and requires it"
)]
async fn the_exported_journal_passes_hledger_check_and_each_ledger_balances_to_zero() {
    let app = spawn_app().await;
    let p = people(&app);
    worked_example(&app, &p).await;
    let (ok, journal) = baoxiao(
        &app,
        &[
            "report",
            "vouchers",
            "--from",
            "2021-05-01",
            "--to",
            "2021-05-31",
            "--format",
            "journal",
        ],
    );
    assert!(ok, "{journal}");
    assert!(
        journal.contains("2021-05-20 * (记-2021-05-0002) 张三 赴省汇报信访工作 差旅费"),
        "{journal}"
    );
    let hledger = |args: &[&str]| -> String {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("hledger")
            .args(["-f", "-"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(journal.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "hledger {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    hledger(&["check", "--strict"]);
    for ledger in ["financial", "budgetary"] {
        let total = hledger(&["bal", ledger, "-O", "csv", "--layout", "bare"]);
        let last = total.lines().last().unwrap_or_default().to_string();
        assert!(last.contains("\"0\""), "{ledger}: {total}");
    }
    // What is left in 1218 and 7201: the advance settled (0), and the claim's expense.
    let flat = hledger(&["bal", "-O", "csv", "--layout", "bare", "-E"]);
    assert!(
        flat.contains("\"budgetary:7201 行政支出\",\"CNY\",\"1231.00\""),
        "{flat}"
    );
    assert!(
        flat.contains("\"financial:1218 其他应收款\",\"CNY\",\"0\""),
        "{flat}"
    );
}

/// A reversing voucher (红字冲销) as a correction writes it, inside its transaction: the same
/// accounts and amounts on the other side, numbered next in its month, linked by `reverses`, and
/// at most once. (No API call reverses a payment yet: a paid batch cannot be voided.)
#[tokio::test]
async fn a_reversing_voucher_swaps_every_line_and_is_written_once() {
    let app = spawn_app().await;
    let p = people(&app);
    let claim = worked_example(&app, &p).await;
    let list = vouchers(&app, &p.finance, "").await;
    let paid = list
        .iter()
        .find(|v| v["event"] == "claim_paid")
        .unwrap()
        .clone();
    let paid_id = paid["id"].as_i64().unwrap();
    let org = {
        let mut c = app.pool.get().unwrap();
        baoxiao::services::users::resolve_org(&mut c, None).unwrap()
    };
    let actor = baoxiao::auth::Actor {
        org_id: org.id,
        user_id: 0,
        roles: vec![R::Finance],
    };
    let on = chrono::NaiveDate::from_ymd_opt(2021, 5, 25).unwrap();
    let reverse = || {
        let mut c = app.pool.get().unwrap();
        baoxiao::db::write_tx(&mut c, |c| {
            baoxiao::services::vouchers::reverse(c, &actor, paid_id, on)
        })
    };
    let id = reverse().unwrap();
    let back = app.get(&p.finance, &format!("/api/v1/vouchers/{id}")).await;
    back.assert(200, "");
    assert_eq!(back.body["number"], "记-2021-05-0004");
    assert_eq!(back.body["event"], "reversal");
    assert_eq!(back.body["reverses"], paid_id);
    assert_eq!(
        back.body["source"],
        json!({"type": "travel_claim", "id": claim})
    );
    assert_eq!(
        back.body["summary"],
        "冲销记-2021-05-0002 张三 赴省汇报信访工作 差旅费"
    );
    assert_eq!(
        lines(&back.body),
        [
            row("financial", "5001", "0.00", "1231.00"),
            row("financial", "1218", "1231.00", "0.00"),
            row("budgetary", "7201", "0.00", "1231.00"),
            row("budgetary", "8001", "1231.00", "0.00"),
        ]
    );
    // A voucher is reversed once; the refused second leaves no number taken.
    assert!(reverse().is_err());
    let next: i32 = {
        use baoxiao::db::schema::voucher_counters as vc;
        use diesel::prelude::*;
        vc::table
            .filter(vc::year.eq(2021).and(vc::month.eq(5)))
            .select(vc::next)
            .first(&mut *app.pool.get().unwrap())
            .unwrap()
    };
    assert_eq!(next, 5, "the next number of May is still 0005");
    let problems = baoxiao::services::budget::verify_vouchers(&app.pool).unwrap();
    assert!(
        !problems.iter().any(|m| matches!(
            m.problem,
            baoxiao::services::vouchers::VoucherProblem::Unbalanced { .. }
                | baoxiao::services::vouchers::VoucherProblem::Gap { .. }
        )),
        "{problems:?}"
    );
}

/// A payment is booked once, by the database itself: a second voucher for the same claim's
/// payment is refused whoever writes it, while its reversing voucher (which names what it
/// reverses) goes through.
#[tokio::test]
async fn the_database_books_a_payment_once() {
    use baoxiao::db::schema::vouchers as v;
    use diesel::prelude::*;
    let app = spawn_app().await;
    let p = people(&app);
    let claim = worked_example(&app, &p).await;
    let paid = vouchers(&app, &p.finance, "")
        .await
        .into_iter()
        .find(|v| v["event"] == "claim_paid")
        .unwrap();
    let org: i64 = v::table
        .filter(v::id.eq(paid["id"].as_i64().unwrap()))
        .select(v::org_id)
        .first(&mut *app.pool.get().unwrap())
        .unwrap();
    let on = chrono::NaiveDate::from_ymd_opt(2021, 5, 25).unwrap();
    let again = |seq: i32, reverses: Option<i64>| {
        diesel::insert_into(v::table)
            .values((
                v::org_id.eq(org),
                v::year.eq(2021),
                v::month.eq(5),
                v::seq.eq(seq),
                v::date.eq(on),
                v::event.eq("claim_paid"),
                v::summary.eq("again"),
                v::attachments.eq(0),
                v::source_type.eq("travel_claim"),
                v::source_id.eq(claim),
                v::reverses.eq(reverses),
                v::made_at.eq(on.and_hms_opt(9, 0, 0).unwrap()),
            ))
            .execute(&mut *app.pool.get().unwrap())
    };
    let refused = again(90, None).unwrap_err();
    assert!(
        matches!(
            refused,
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            )
        ),
        "{refused:?}"
    );
    // A row naming the voucher it reverses is not a second booking.
    again(91, paid["id"].as_i64()).unwrap();
}

/// A paid advance still owed links, on finance's 借款 page and on the traveller's own requests
/// page when they read vouchers, to its 记账凭证, which lists the advance's voucher; a traveller
/// who does not read vouchers is offered no such link.
#[tokio::test]
async fn a_paid_advance_links_to_its_voucher() {
    let app = spawn_app().await;
    let p = people(&app);
    let (_, request) = advance_paid(&app, &p).await;
    let link = format!("/vouchers?source=travel_request&amp;of={request}");

    let mut finance = crate::web::signed_in(&app, "周会计", &[R::Finance], "zhoukuaiji").await;
    let shown = finance.get("/advances").await.body;
    assert!(shown.contains(&link), "{shown}");
    let vouchers = finance.get(&link.replace("&amp;", "&")).await.body;
    assert!(vouchers.contains("记-2021-05-0001"), "{vouchers}");
    assert!(vouchers.contains("出差申请 #"), "{vouchers}");

    let traveller = baoxiao::services::users::authenticate(&app.pool, &p.traveller)
        .unwrap()
        .user_id;
    let password = crate::web::add_login(&app, traveller, "zhangsan");
    let mut claimant = crate::web::Visitor::new(&app.address);
    assert_eq!(claimant.sign_in("zhangsan", &password).await.status, 303);
    let shown = claimant.get("/travel-requests").await.body;
    assert!(
        shown.contains(&format!("id=\"request-{request}-advance\"")),
        "{shown}"
    );
    assert!(!shown.contains("source=travel_request"), "{shown}");
}

/// The admin's 会计科目 page over plain HTTP: shown with the defaults, an empty code refused in
/// place with what was typed kept, the 财政直接支付 accounts saved; 记账凭证 is finance's, not a
/// claimant's, and another organisation's voucher is not found.
#[tokio::test]
async fn the_account_map_page_keeps_what_was_typed_and_saves_it() {
    use crate::web::signed_in;
    let app = spawn_app().await;
    let mut admin = signed_in(&app, "管理员", &[R::Admin], "boss").await;
    let page = admin.get("/admin/account-map").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("href=\"/admin/account-map\""),
        "in the menu"
    );
    assert!(page.body.contains("value=\"零余额账户用款额度\""));
    let csrf = page.csrf();
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf.clone())];
    for event in [
        "claim_paid",
        "advance_paid",
        "advance_returned",
        "subsidy_paid",
    ] {
        let roles: &[&str] = match event {
            "claim_paid" => &[
                "expense",
                "payment",
                "advance",
                "budget_expense",
                "budget_payment",
            ],
            "subsidy_paid" => &["expense", "payment", "budget_expense", "budget_payment"],
            _ => &["advance", "payment"],
        };
        for role in roles {
            let (code, name) = match (*role, event) {
                ("payment", "claim_paid" | "subsidy_paid") => ("4001", "财政拨款收入"),
                ("payment", _) => ("1011", "零余额账户用款额度"),
                ("budget_payment", _) => ("6001", "财政拨款预算收入"),
                ("expense", _) => ("5001", "业务活动费用"),
                ("advance", _) => ("121801", "其他应收款-个人借款"),
                _ => ("7201", "行政支出"),
            };
            form.push((format!("code.{event}.{role}"), code.into()));
            form.push((format!("name.{event}.{role}"), name.into()));
        }
    }
    let mut blank = form.clone();
    for (k, v) in blank.iter_mut() {
        if k == "code.subsidy_paid.expense" {
            v.clear();
        }
    }
    let pairs: Vec<(&str, &str)> = blank
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = admin.post("/admin/account-map", &pairs).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("id=\"map-problem\""),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"121801\""),
        "what was typed is kept"
    );
    let map = app.get(&app.admin, "/api/v1/account-map").await;
    assert!(!map.body.to_string().contains("121801"), "nothing saved");

    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = admin.post("/admin/account-map", &pairs).await;
    assert_eq!(saved.status, 303);
    let map = app.get(&app.admin, "/api/v1/account-map").await;
    let text = map.body.to_string();
    assert!(
        text.contains("121801") && text.contains("财政拨款预算收入"),
        "{text}"
    );

    let mut finance = signed_in(&app, "李会计", &[R::Finance], "likuaiji").await;
    let list = finance.get("/vouchers?month=2021-05").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("没有符合条件的记账凭证"));
    assert_eq!(finance.get("/admin/account-map").await.status, 403);
    let mut claimant = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    assert_eq!(claimant.get("/vouchers").await.status, 403);
    assert_eq!(finance.get("/vouchers/999999").await.status, 404);
}

/// A budget line's 功能分类 and 经济分类, set when it is created, are what its vouchers' expense
/// lines carry; a code that is not 3 to 12 digits is refused naming it.
#[tokio::test]
async fn a_lines_classification_is_carried_by_its_vouchers() {
    let app = spawn_app().await;
    let p = people(&app);
    let bad = app
        .post(
            &app.admin,
            "/api/v1/budget-lines",
            &json!({"year": 2021, "code": "dept.project.petition-work.training",
                    "name": "业务培训", "parent_code": "dept.project.petition-work",
                    "allocated": "10000.00", "economic_class": "302a1", "function_class": "20"}),
        )
        .await;
    bad.assert(422, "invalid_request");
    assert_eq!(bad.fields(), ["function_class", "economic_class"]);
    let made = app
        .post(
            &app.admin,
            "/api/v1/budget-lines",
            &json!({"year": 2021, "code": "dept.project.petition-work.training",
                    "name": "业务培训", "parent_code": "dept.project.petition-work",
                    "allocated": "10000.00", "economic_class": "30216", "function_class": "2010301"}),
        )
        .await;
    made.assert(201, "");
    let line = made.body["id"].as_i64().unwrap();
    let claim = app.submit(&p.traveller, &day_trip(line)).await;
    approve(&app, &p.finance, claim).await;
    pay(&app, &p.finance, claim, "2021-06-02")
        .await
        .assert(200, "");
    let v = &vouchers(&app, &p.finance, "").await[0];
    let expense = &v["lines"][0];
    assert_eq!(expense["account_code"], "5001");
    assert_eq!(expense["project"], "dept.project.petition-work.training");
    assert_eq!(expense["project_name"], "业务培训");
    assert_eq!(expense["function_class"], "2010301");
    assert_eq!(expense["economic_class"], "30216");
    assert_eq!(v["lines"][2]["economic_class"], "30216");
    assert!(v["lines"][1].get("economic_class").is_none());
}

/// A payment whose voucher cannot be written is not made: the month's numbers are used up
/// (9999), the payment fails, and the claim, the line and the vouchers stay as they were.
#[tokio::test]
async fn a_payment_whose_voucher_fails_leaves_neither() {
    let app = spawn_app().await;
    let p = people(&app);
    let line = app.line_id(OPS).await;
    let claim = app.submit(&p.traveller, &day_trip(line)).await;
    approve(&app, &p.finance, claim).await;
    {
        use baoxiao::db::schema::voucher_counters as vc;
        use diesel::prelude::*;
        let mut c = app.pool.get().unwrap();
        let org = baoxiao::services::users::resolve_org(&mut c, None).unwrap();
        diesel::insert_into(vc::table)
            .values((
                vc::org_id.eq(org.id),
                vc::year.eq(2021),
                vc::month.eq(6),
                vc::next.eq(10_000),
            ))
            .execute(&mut *c)
            .unwrap();
    }
    let before = app.line(line).await;
    // Sent without the helper, which fails a test on any 5xx.
    let refused = app
        .client
        .post(app.url(&format!("/api/v1/travel-claims/{claim}/pay")))
        .bearer_auth(&p.finance)
        .json(&json!({"paid_on": "2021-06-03"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), Status::INTERNAL_SERVER_ERROR);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("internal_error") && !body.contains("voucher"),
        "{body}"
    );
    let after = app.line(line).await;
    assert_eq!(after["spent"], before["spent"]);
    assert_eq!(after["committed"], before["committed"]);
    let claim = app
        .get(&p.finance, &format!("/api/v1/travel-claims/{claim}"))
        .await;
    assert_eq!(claim.body["status"], "approved");
    assert!(vouchers(&app, &p.finance, "").await.is_empty());
}
