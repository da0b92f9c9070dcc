//! R20 on a database used before vouchers were written: its payments get their vouchers when the
//! upgraded server starts (or by `baoxiao vouchers backfill`), numbered in the order the money
//! moved, the same vouchers the payments write today, and only once.

use std::collections::BTreeMap;

use crate::helpers::*;
use crate::vouchers::baoxiao;
use crate::vouchers::{worked_example, People};
use serde_json::Value;

const SUBSIDY: &str = "dept.project.cadre-subsidy";

/// The vouchers as a server at `address` lists them, in number order.
async fn listed(app: &TestApp, address: &str, token: &str) -> Vec<Value> {
    let r = app
        .client
        .get(format!("{address}/api/v1/vouchers"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

/// What a voucher books, as it reads without its id and number: `(source type, source id,
/// event)` → `(date, summary, attachments, lines)`.
type Booked = BTreeMap<(String, i64, String), (Value, Value, Value, Value)>;

fn booked(list: &[Value]) -> Booked {
    list.iter()
        .map(|v| {
            (
                (
                    v["source"]["type"].as_str().unwrap().to_string(),
                    v["source"]["id"].as_i64().unwrap(),
                    v["event"].as_str().unwrap().to_string(),
                ),
                (
                    v["date"].clone(),
                    v["summary"].clone(),
                    v["attachments"].clone(),
                    v["lines"].clone(),
                ),
            )
        })
        .collect()
}

/// Who made each voucher, by what it books.
fn makers(app: &TestApp) -> BTreeMap<(String, i64, String), Option<i64>> {
    use baoxiao::db::schema::vouchers as v;
    use diesel::prelude::*;
    let rows: Vec<(String, i64, String, Option<i64>)> = v::table
        .select((v::source_type, v::source_id, v::event, v::made_by))
        .load(&mut *app.pool.get().unwrap())
        .unwrap();
    rows.into_iter()
        .map(|(t, id, e, by)| ((t, id, e), by))
        .collect()
}

/// The database as it was before vouchers were written: none, and no numbers taken.
fn forget_vouchers(app: &TestApp) {
    use baoxiao::db::schema::{voucher_counters, voucher_lines, vouchers};
    use diesel::prelude::*;
    let mut c = app.pool.get().unwrap();
    diesel::delete(voucher_lines::table)
        .execute(&mut *c)
        .unwrap();
    diesel::delete(vouchers::table).execute(&mut *c).unwrap();
    diesel::delete(voucher_counters::table)
        .execute(&mut *c)
        .unwrap();
}

/// R16's worked example (advance paid 05-08, claim paid 05-20, 19.00 returned 05-21), then a
/// subsidy batch paid on 05-15, recorded last: four payments whose order by day differs from
/// the order they were recorded in.
async fn four_payments(app: &TestApp, finance: &str, cashier: &str) {
    let p = People {
        traveller: app.user("张三", &[R::Claimant]),
        holder: app.user("王科长", &[R::BudgetHolder]),
        finance: finance.to_string(),
    };
    worked_example(app, &p).await;

    let subsidy = app.line_id(SUBSIDY).await;
    for n in 1..=2 {
        app.post(
            cashier,
            "/api/v1/subsidy-recipients",
            &json!({"name": format!("老干部{n}"), "enrolled_from": "2015-03-01"}),
        )
        .await
        .assert(201, "");
    }
    let batch = app
        .post(
            cashier,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": subsidy, "year": 2021, "half": 1, "supplementary": false}),
        )
        .await;
    batch.assert(201, "");
    let batch = batch.body["id"].as_i64().unwrap();
    app.post(
        finance,
        &format!("/api/v1/subsidy-batches/{batch}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    app.approvals_dated_2021_05_01();
    app.post(
        cashier,
        &format!("/api/v1/subsidy-batches/{batch}/pay"),
        &json!({"paid_on": "2021-05-15"}),
    )
    .await
    .assert(200, "");
}

#[tokio::test]
async fn payments_made_before_vouchers_get_them_at_start_up_in_payment_order_and_once() {
    let app = spawn_app().await;
    let finance = app.user("李会计", &[R::Finance]);
    let cashier = app.user("出纳 甲", &[R::Finance]);
    four_payments(&app, &finance, &cashier).await;

    // As the payments wrote them: numbered in the order they were recorded.
    let before = listed(&app, &app.address, &finance).await;
    let events: Vec<&str> = before
        .iter()
        .map(|v| v["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "advance_paid",
            "claim_paid",
            "advance_returned",
            "subsidy_paid"
        ]
    );
    let made_before = makers(&app);
    assert_eq!(made_before.len(), 4);
    assert!(made_before.values().all(Option::is_some));

    forget_vouchers(&app);
    assert!(listed(&app, &app.address, &finance).await.is_empty());
    let (ok, out) = baoxiao(&app, &["verify"]);
    assert!(!ok, "verify finds the vouchers missing: {out}");

    // The upgraded server starts on the same database.
    let restarted =
        baoxiao::startup::Application::build(&settings(&app.db_url, app.data_dir.path()))
            .expect("restart");
    let address = format!("http://127.0.0.1:{}", restarted.port());
    tokio::spawn(restarted.run_until_stopped());

    let after = listed(&app, &address, &finance).await;
    // The same vouchers, made by the same people...
    assert_eq!(booked(&after), booked(&before));
    assert_eq!(makers(&app), made_before);
    // ... numbered without gaps in the order the money moved.
    let numbered: Vec<(&str, &str, &str)> = after
        .iter()
        .map(|v| {
            (
                v["number"].as_str().unwrap(),
                v["date"].as_str().unwrap(),
                v["event"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        numbered,
        [
            ("记-2021-05-0001", "2021-05-08", "advance_paid"),
            ("记-2021-05-0002", "2021-05-15", "subsidy_paid"),
            ("记-2021-05-0003", "2021-05-20", "claim_paid"),
            ("记-2021-05-0004", "2021-05-21", "advance_returned"),
        ]
    );
    let (ok, out) = baoxiao(&app, &["verify"]);
    assert!(ok, "{out}");
    assert!(out.contains("vouchers checked, 0 problems"), "{out}");

    // A second start, and the command, write nothing more; a later payment is numbered next.
    let again = baoxiao::startup::Application::build(&settings(&app.db_url, app.data_dir.path()))
        .expect("second restart");
    tokio::spawn(again.run_until_stopped());
    let (ok, out) = baoxiao(&app, &["vouchers", "backfill"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("0 vouchers written for earlier payments"),
        "{out}"
    );
    assert_eq!(baoxiao::services::vouchers::backfill(&app.pool).unwrap(), 0);
    let still = listed(&app, &app.address, &finance).await;
    assert_eq!(still.len(), 4);
    assert_eq!(booked(&still), booked(&before));
}

#[tokio::test]
async fn the_command_books_what_start_up_would_and_says_how_many() {
    let app = spawn_app().await;
    let finance = app.user("李会计", &[R::Finance]);
    let cashier = app.user("出纳 甲", &[R::Finance]);
    four_payments(&app, &finance, &cashier).await;
    let before = listed(&app, &app.address, &finance).await;
    forget_vouchers(&app);

    let (ok, out) = baoxiao(&app, &["vouchers", "backfill"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("4 vouchers written for earlier payments"),
        "{out}"
    );
    let after = listed(&app, &app.address, &finance).await;
    assert_eq!(booked(&after), booked(&before));
    let (ok, out) = baoxiao(&app, &["verify"]);
    assert!(ok, "{out}");
}
