//! An organisation whose books are pinned to a day (the demo's calendar): that day is its today
//! for submissions, waiting days and payment windows; the API's shape is unchanged.

use chrono::NaiveDate;

use crate::helpers::{day_trip, json, spawn_app, R};
use crate::web::signed_in;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn pin(app: &crate::helpers::TestApp, to: NaiveDate) {
    let org = {
        let mut c = app.pool.get().unwrap();
        baoxiao::services::users::resolve_org(&mut c, None).unwrap()
    };
    baoxiao::services::clock::pin(&app.pool, org.id, Some(to)).unwrap();
}

#[tokio::test]
async fn a_pinned_organisation_counts_its_days_from_the_pinned_today() {
    let app = spawn_app().await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let claimant = app.user("张三", &[R::Claimant]);
    let cashier = app.user("王五", &[R::Finance]);
    pin(&app, day(2021, 6, 3));

    // Submitted on the pinned day, at the real time of day.
    let id = app.submit(&claimant, &day_trip(line)).await;
    let claim = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{id}"))
        .await;
    let submitted = claim.body["submitted_at"].as_str().unwrap().to_string();
    let local = chrono::DateTime::parse_from_rfc3339(&submitted)
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    assert_eq!(local, day(2021, 6, 3), "{submitted}");

    // Three days later in the books: the queue counts three days waited, and 待支付 offers
    // that day.
    pin(&app, day(2021, 6, 6));
    let mut finance = signed_in(&app, "李四", &[R::Finance], "lisi").await;
    let queue = finance.get("/finance").await.body;
    assert!(
        queue.contains("演示数据：本单位的日历停在 2021年6月6日，“今天”按这一天计算。"),
        "{queue}"
    );
    assert!(queue.contains("提交于 2021-06-03，已等 3 天"), "{queue}");

    let approved = app
        .post(
            &cashier,
            &format!("/api/v1/travel-claims/{id}/approve"),
            &json!({}),
        )
        .await;
    approved.assert(200, "");
    let decided = approved.body["decided_at"].as_str().unwrap().to_string();
    assert!(decided.starts_with("2021-06-0"), "{decided}");
    let queue = finance.get("/finance").await.body;
    assert!(queue.contains("value=\"2021-06-06\""), "{queue}");

    // The window is counted from the pinned today: 30 days ahead at most, not before the
    // approval (made on 2021-06-06 in the books).
    app.post(
        &cashier,
        &format!("/api/v1/travel-claims/{id}/pay"),
        &json!({"paid_on": "2021-07-07"}),
    )
    .await
    .assert(422, "invalid_request");
    app.post(
        &cashier,
        &format!("/api/v1/travel-claims/{id}/pay"),
        &json!({"paid_on": "2021-06-05"}),
    )
    .await
    .assert(422, "invalid_request");
    let paid = app
        .post(
            &cashier,
            &format!("/api/v1/travel-claims/{id}/pay"),
            &json!({"paid_on": "2021-06-08"}),
        )
        .await;
    paid.assert(200, "");
    assert_eq!(paid.body["paid_on"], "2021-06-08");
    let history = paid.body["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .all(|e| e["at"].as_str().unwrap().starts_with("2021-06-0")),
        "{history:?}"
    );
}

#[tokio::test]
async fn an_unpinned_organisation_shows_no_calendar_note() {
    let app = spawn_app().await;
    let mut finance = signed_in(&app, "李四", &[R::Finance], "lisi").await;
    let queue = finance.get("/finance").await.body;
    assert!(queue.contains("待审核"), "{queue}");
    assert!(!queue.contains("演示数据"), "{queue}");
}

#[tokio::test]
async fn the_command_line_pins_and_clears_the_calendar() {
    let app = spawn_app().await;
    let as_of = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
            .args(["orgs", "as-of"])
            .args(args)
            .env("DATABASE_URL", &app.db_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let stored = || {
        use baoxiao::db::schema::organisations;
        use diesel::prelude::*;
        let mut c = app.pool.get().unwrap();
        organisations::table
            .select(organisations::as_of)
            .first::<Option<NaiveDate>>(&mut *c)
            .unwrap()
    };
    assert_eq!(stored(), None, "a new organisation follows the real clock");
    let pinned = as_of(&["2021-12-08"]);
    assert!(pinned.status.success(), "{pinned:?}");
    assert_eq!(stored(), Some(day(2021, 12, 8)));
    assert!(!as_of(&["2021/12/08"]).status.success());
    assert!(!as_of(&[]).status.success(), "a day or --clear");
    assert_eq!(stored(), Some(day(2021, 12, 8)));
    let cleared = as_of(&["--clear"]);
    assert!(cleared.status.success(), "{cleared:?}");
    assert_eq!(stored(), None);
}
