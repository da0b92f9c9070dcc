//! The budget pages over plain HTTP (web.md "Budget holder"): 预算总览, a line's page with its R10
//! chart, rosters and events, 绩效自评 and 报表, by role, on SQLite and PostgreSQL.

use crate::helpers::{json, r8_claim, spawn_app, TestApp, R};
use crate::web::{signed_in, Visitor};

const BEIJING: &str = "dept.project.petition-work.beijing-duty";
const OPERATIONS: &str = "dept.project.petition-work.operations";

/// The text of the first element after `marker` in `html`, up to the next `<`.
fn text_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in page"))
        + marker.len();
    let rest = &html[start..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    &rest[..rest.find('<').unwrap()]
}

/// The row of 预算总览 for a line code.
fn row<'a>(html: &'a str, code: &str) -> &'a str {
    let marker = format!("data-line=\"{code}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no row for {code}"));
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

/// `¥1,231.00` for the API's `"1231.00"`.
fn yuan(api: &serde_json::Value) -> String {
    let text = api.as_str().unwrap();
    let (whole, cents) = text.split_once('.').unwrap();
    let mut out = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("¥{out}.{cents}")
}

/// The attribute `name` of the first element with class `class` in an SVG.
fn attr(svg: &str, class: &str, name: &str) -> String {
    let start = svg
        .find(&format!("class=\"{class}\""))
        .unwrap_or_else(|| panic!("no {class} in {svg}"));
    let rest = &svg[start..];
    let at = rest.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    rest[at..at + rest[at..].find('"').unwrap()].to_string()
}

/// A claim approved against a line, so the page has commitments to show.
async fn approved_claim(app: &TestApp, line: i64) -> i64 {
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李会计", &[R::Finance]);
    let id = app.submit(&claimant, &r8_claim(line)).await;
    app.post(
        &finance,
        &format!("/api/v1/travel-claims/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    id
}

#[tokio::test]
async fn the_overview_shows_what_the_api_says_for_every_line() {
    let app = spawn_app().await;
    let ops = app.line_id(OPERATIONS).await;
    approved_claim(&app, ops).await;
    let mut holder = signed_in(&app, "王主任", &[R::BudgetHolder], "wangzr").await;
    assert_eq!(holder.get("/").await.location, "/budget");
    let page = holder.get("/budget?year=2021").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for item in ["预算总览", "绩效自评", "报表"] {
        assert!(page.body.contains(item), "menu has {item}");
    }
    let lines = app.get(&app.admin, "/api/v1/budget-lines?year=2021").await;
    let lines = lines.body.as_array().unwrap();
    assert!(lines.len() > 5);
    for line in lines {
        let code = line["code"].as_str().unwrap();
        let r = row(&page.body, code);
        for field in ["allocated", "committed", "spent", "available"] {
            assert_eq!(
                text_after(r, &format!("class=\"num {field}\"")),
                yuan(&line[field]),
                "{code} {field}"
            );
        }
        // The bar's title says the numbers, and the bar's lengths follow them.
        assert!(
            r.contains(&format!("已承诺 {}", yuan(&line["committed"]))),
            "{r}"
        );
    }
    // The R8 claim's commitment: 1,211.00 of operations' allocation, drawn to scale.
    let ops_line = lines.iter().find(|l| l["code"] == OPERATIONS).unwrap();
    let fen =
        |v: &serde_json::Value| -> i64 { v.as_str().unwrap().replace('.', "").parse().unwrap() };
    let r = row(&page.body, OPERATIONS);
    let committed_px: i64 = attr(r, "committed", "width").parse().unwrap();
    let (alloc, committed) = (fen(&ops_line["allocated"]), fen(&ops_line["committed"]));
    assert!(committed > 0);
    assert_eq!(committed_px, committed * 300 / alloc);
    // Oversubscription is said in words, not only by colour.
    let petition = row(&page.body, "dept.project.petition-work");
    assert!(petition.contains("超额 ¥650,000.00"), "{petition}");

    // Another year is selectable; nothing there yet.
    let other = holder.get("/budget?year=2022").await;
    assert_eq!(other.status, 200);
    assert!(other.body.contains("2022 年还没有预算科目"));
    // A year outside 2000–2100 is refused, not drawn.
    assert_eq!(holder.get("/budget?year=1999").await.status, 422);
}

#[tokio::test]
async fn the_budget_pages_by_role() {
    let app = spawn_app().await;
    let line = app.line_id(BEIJING).await;
    let mut claimant = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    for path in [
        "/budget".to_string(),
        format!("/budget/lines/{line}"),
        "/performance".to_string(),
        "/reports".to_string(),
        "/reports/execution.csv?year=2021".to_string(),
    ] {
        assert_eq!(claimant.get(&path).await.status, 403, "{path}");
    }
    let claims = claimant.get("/claims").await;
    assert!(
        !claims.body.contains("预算总览"),
        "not in a claimant's menu"
    );

    for (name, role, login) in [
        ("李会计", R::Finance, "lihuiji"),
        ("管理员", R::Admin, "guanli"),
        ("王主任", R::BudgetHolder, "wangzr"),
    ] {
        let mut v = signed_in(&app, name, &[role], login).await;
        for path in [
            "/budget?year=2021".to_string(),
            format!("/budget/lines/{line}"),
            "/performance?year=2021".to_string(),
            "/reports?year=2021".to_string(),
        ] {
            let page = v.get(&path).await;
            assert_eq!(page.status, 200, "{login} {path}: {}", page.body);
        }
        // Finance reads the line but does not plan its roster (as the API).
        let page = v.get(&format!("/budget/lines/{line}")).await;
        assert_eq!(
            page.body.contains("添加排班"),
            role != R::Finance,
            "{login}"
        );
    }
    let mut v = signed_in(&app, "王主任2", &[R::BudgetHolder], "wangzr2").await;
    assert_eq!(v.get("/budget/lines/999999").await.status, 404);
    assert_eq!(v.get("/reports/nothing?year=2021").await.status, 404);
    let bad = v.get(&format!("/budget/lines/{line}?as_of=tomorrow")).await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn another_organisations_line_is_not_found() {
    let app = spawn_app().await;
    let line = app.line_id(BEIJING).await;
    let org = baoxiao::services::users::add_org(&app.pool, "other-bureau", "另一个局").unwrap();
    let (id, _) = baoxiao::services::users::add_user(
        &app.pool,
        Some("other-bureau"),
        "外单位",
        &[R::Admin, R::BudgetHolder],
    )
    .unwrap();
    baoxiao::services::sign_in::add_login(
        &app.pool,
        org,
        id,
        "waidanwei",
        "waidanwei-password",
        false,
    )
    .unwrap();
    let mut v = Visitor::new(&app.address);
    assert_eq!(
        v.sign_in("waidanwei", "waidanwei-password").await.status,
        303
    );
    assert_eq!(v.get(&format!("/budget/lines/{line}")).await.status, 404);
    let page = v.get("/budget?year=2021").await;
    assert!(page.body.contains("2021 年还没有预算科目"), "none of ours");
    let csrf = page.csrf();
    let post = v
        .post(
            &format!("/budget/lines/{line}/events"),
            &[
                ("csrf", csrf.as_str()),
                ("name", "两会"),
                ("city", "北京"),
                ("from", "2021-03-01"),
                ("to", "2021-03-02"),
                ("extra_staff", "1"),
            ],
        )
        .await;
    assert_eq!(post.status, 404);
    let events = app.get(&app.admin, "/api/v1/duty-events").await;
    assert_eq!(events.body, json!([]), "nothing charged to our line");
}

#[tokio::test]
async fn the_line_page_charts_the_forecast_the_api_gives() {
    let app = spawn_app().await;
    let line = app.line_id(BEIJING).await;
    let mut holder = signed_in(&app, "王主任", &[R::BudgetHolder], "wangzr").await;
    let page = holder.get(&format!("/budget/lines/{line}")).await;
    // R14: the line's original and adjusted allocation, and where to ask for a change.
    assert!(
        page.body
            .contains("年初预算数 <strong class=\"amount\">¥630,000.00</strong>"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(&format!("href=\"/adjustments?line_id={line}\"")));
    let marker = "name=\"station_id\" value=\"";
    let at = page.body.find(marker).unwrap() + marker.len();
    let station = &page.body[at..at + page.body[at..].find('"').unwrap()];

    // Four people all year (the line pays for three) and 两会 with four more: through the
    // page's forms.
    let csrf = page.csrf();
    for person in ["甲", "乙", "丙", "丁"] {
        let done = holder
            .post(
                &format!("/budget/lines/{line}/assignments"),
                &[
                    ("csrf", csrf.as_str()),
                    ("station_id", station),
                    ("person", person),
                    ("from", "2021-01-01"),
                    ("to", "2021-12-31"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
    }
    let done = holder
        .post(
            &format!("/budget/lines/{line}/events"),
            &[
                ("csrf", csrf.as_str()),
                ("name", "两会"),
                ("city", "北京"),
                ("from", "2021-03-01"),
                ("to", "2021-03-15"),
                ("extra_staff", "4"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    // Bad input is refused in place, naming the problem; nothing is added.
    let refused = holder
        .post(
            &format!("/budget/lines/{line}/events"),
            &[
                ("csrf", csrf.as_str()),
                ("name", "七一"),
                ("city", "北京"),
                ("from", "2021-07-05"),
                ("to", "2021-07-01"),
                ("extra_staff", "2"),
            ],
        )
        .await;
    assert_eq!(refused.status, 303);
    let shown = holder.get(&format!("/budget/lines/{line}")).await;
    assert!(shown.body.contains("未完成"), "{}", shown.body);
    let overlap = holder
        .post(
            &format!("/budget/lines/{line}/assignments"),
            &[
                ("csrf", csrf.as_str()),
                ("station_id", station),
                ("person", "甲"),
                ("from", "2021-06-01"),
                ("to", "2021-06-02"),
            ],
        )
        .await;
    assert_eq!(overlap.status, 303);
    let shown = holder.get(&format!("/budget/lines/{line}")).await;
    assert!(shown.body.contains("未完成"), "{}", shown.body);
    // Without the session's CSRF token nothing happens.
    let forged = holder
        .post(
            &format!("/budget/lines/{line}/events"),
            &[
                ("name", "伪造"),
                ("city", "北京"),
                ("from", "2021-05-01"),
                ("to", "2021-05-02"),
                ("extra_staff", "1"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);

    let api = app
        .get(
            &app.admin,
            &format!("/api/v1/budget-lines/{line}/forecast?as_of=2021-02-01"),
        )
        .await;
    api.assert(200, "");
    let events = app.get(&app.admin, "/api/v1/duty-events").await;
    assert_eq!(
        events.body.as_array().unwrap().len(),
        1,
        "one event: {}",
        events.body
    );
    let exhaustion = api.body["exhaustion_date"]
        .as_str()
        .expect("exhausted in 2021");

    let page = holder
        .get(&format!("/budget/lines/{line}?as_of=2021-02-01"))
        .await;
    assert_eq!(page.status, 200);
    let start = page.body.find("<svg class=\"forecast\"").unwrap();
    let svg = &page.body[start..start + page.body[start..].find("</svg>").unwrap()];
    // The marker stands on the API's date: 2 px a day from x = 8 on 1 January.
    let day = chrono::NaiveDate::parse_from_str(exhaustion, "%Y-%m-%d").unwrap()
        - chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
    assert_eq!(attr(svg, "exhaustion", "data-date"), exhaustion);
    assert_eq!(
        attr(svg, "exhaustion", "x1"),
        (8 + day.num_days() * 2).to_string()
    );
    assert_eq!(attr(svg, "today", "x1"), (8 + 31 * 2).to_string());
    assert!(svg.contains("<title>"));
    assert!(
        svg.contains(&format!("缺口 {}", yuan(&api.body["shortfall"]))),
        "{svg}"
    );
    // The numbers are on the page as text too.
    assert!(page.body.contains(&format!(">{exhaustion}<")));
    assert!(page.body.contains(&yuan(&api.body["projected_total"])));
    assert!(page.body.contains("两会") && page.body.contains("甲"));
}

#[tokio::test]
async fn a_lines_entries_come_newest_first_a_page_at_a_time_with_links() {
    let app = spawn_app().await;
    let ops = app.line_id(OPERATIONS).await;
    let claim = approved_claim(&app, ops).await;
    let root = app.line_id("dept").await;
    let mut v = signed_in(&app, "李会计", &[R::Finance], "lihuiji").await;
    let entries = app
        .get(&app.admin, &format!("/api/v1/budget-lines/{root}/entries"))
        .await;
    let mut ids: Vec<i64> = entries
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    ids.reverse();
    assert!(ids.len() > 4);
    let mut seen = Vec::new();
    let mut path = format!("/budget/lines/{root}?per_page=3");
    loop {
        let page = v.get(&path).await;
        assert_eq!(page.status, 200);
        let mut rest = page.body.as_str();
        while let Some(at) = rest.find("data-entry=\"") {
            rest = &rest[at + 12..];
            seen.push(rest[..rest.find('"').unwrap()].parse::<i64>().unwrap());
        }
        match page.body.find("rel=\"next\"") {
            Some(_) => {
                let marker = "<a href=\"";
                let end = page.body.find("\" rel=\"next\"").unwrap();
                let start = page.body[..end].rfind(marker).unwrap() + marker.len();
                path = page.body[start..end].replace("&amp;", "&");
            }
            None => break,
        }
    }
    assert_eq!(seen, ids, "every entry once, newest first");
    let page = v.get(&format!("/budget/lines/{ops}")).await;
    assert!(page.body.contains(&format!(
        "<a href=\"/claims/{claim}\">差旅报销 #{claim}</a>"
    )));
}

#[tokio::test]
async fn performance_and_reports_for_the_signed_in_user() {
    let app = spawn_app().await;
    let mut v = signed_in(&app, "王主任", &[R::BudgetHolder], "wangzr").await;
    let page = v.get("/performance?year=2021").await;
    assert_eq!(page.status, 200);
    let api = app
        .get(&app.admin, "/api/v1/reports/performance?year=2021")
        .await;
    for i in api.body.as_array().unwrap() {
        assert!(page.body.contains(i["name"].as_str().unwrap()));
    }
    assert!(page.body.contains("达成") || page.body.contains("未设目标"));

    let page = v.get("/reports?year=2021").await;
    assert!(page.body.contains("/reports/execution.xlsx?year=2021"));
    let csv = v.get("/reports/execution.csv?year=2021").await;
    assert_eq!(csv.status, 200);
    let api_csv = reqwest::Client::new()
        .get(app.url("/api/v1/reports/budget-execution?year=2021&format=csv"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.body, api_csv, "the same report as the API's");
    let journal = v.get("/reports/journal?year=2021").await;
    assert_eq!(journal.status, 200);
    assert!(journal.body.contains("allocate"));
    let xlsx = reqwest::Client::new()
        .get(app.url("/reports/execution.xlsx?year=2021"))
        .header(
            "cookie",
            format!("bx_session={}", v.cookie.clone().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
}
