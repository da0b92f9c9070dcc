//! Issue 29 in a real browser: money shown as it will move (R16 advances netted on 待支付, amounts on
//! the deciding buttons, no button a clerk may not use), forms that never lose typed work, and
//! pages that open on the year with a budget. Screenshots under `target/screenshots/`.

use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::browser::{browser, click, shoot, sign_in, text_of, type_into, wait_for_text};
use crate::helpers::{json, spawn_app, TestApp, R};
use crate::travel_requests::decisions_dated_2021_03_01;
use crate::web::web_person as person;

const OPS: &str = "dept.project.petition-work.operations";

/// A queue button's visible label (its screen-reader "#N" read apart).
async fn label_of(c: &Client, css: &str) -> String {
    let text = text_of(c, css).await;
    text.lines().next().unwrap_or_default().to_string()
}

async fn retype(c: &Client, css: &str, text: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// A one-day 邢台 trip on 2021-06-01 asked for with a 400.00 ticket estimate (estimate 580.00)
/// and `advance` wanted; approved by `holder`, its advance paid by `finance` on 2021-03-01.
/// Returns the request's id.
async fn request_with_advance(
    app: &TestApp,
    traveller: &str,
    holder: &str,
    finance: &str,
    line: i64,
    advance: &str,
) -> i64 {
    let r = app
        .post(
            traveller,
            "/api/v1/travel-requests",
            &json!({"budget_line_id": line, "purpose": "到市汇报信访工作", "destination": "邢台",
                    "departure_date": "2021-06-01", "return_date": "2021-06-01",
                    "tickets_estimate": "400.00", "advance_requested": advance}),
        )
        .await;
    r.assert(201, "");
    assert_eq!(r.body["estimate"], "580.00");
    let id = r.body["id"].as_i64().unwrap();
    app.post(
        holder,
        &format!("/api/v1/travel-requests/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    decisions_dated_2021_03_01(app);
    app.post(
        finance,
        &format!("/api/v1/travel-requests/{id}/pay-advance"),
        &json!({"amount": advance, "paid_on": "2021-03-01"}),
    )
    .await
    .assert(200, "");
    id
}

/// The same day trip claimed, naming `request`: 180.00 of allowances plus `ticket`.
async fn claim_naming(
    app: &TestApp,
    traveller: &str,
    line: i64,
    request: i64,
    ticket: &str,
) -> i64 {
    let mut body = json!({"budget_line_id": line, "travel_request_id": request,
        "purpose": "到市汇报信访工作", "destination": "邢台",
        "departure_date": "2021-06-01", "return_date": "2021-06-01"});
    if ticket != "0" {
        body["tickets"] = json!([{"description": "平乡—邢台 往返", "amount": ticket}]);
    }
    let r = app.post(traveller, "/api/v1/travel-claims", &body).await;
    r.assert(201, "");
    r.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn the_pay_queue_shows_what_will_move_after_an_advance_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (traveller, _) = person(&app, "张三", &[R::Claimant], "zhangsan");
    let (holder, _) = person(&app, "王科长", &[R::BudgetHolder], "wangkz");
    let (finance, finance_pw) = person(&app, "李会计", &[R::Finance, R::Claimant], "likj");
    let (other_finance, _) = person(&app, "赵出纳", &[R::Finance], "zhaocn");
    let line = app.line_id(OPS).await;

    // ¥580.00 claimed against a ¥300.00 advance: ¥280.00 is due.
    let request = request_with_advance(&app, &traveller, &holder, &finance, line, "300.00").await;
    let due = claim_naming(&app, &traveller, line, request, "400.00").await;
    // ¥180.00 claimed against a ¥500.00 advance: nothing is due and ¥320.00 comes back.
    let request = request_with_advance(&app, &traveller, &holder, &finance, line, "500.00").await;
    let back = claim_naming(&app, &traveller, line, request, "0").await;
    // The clerk's own claim: no deciding button for them.
    let own = app
        .post(
            &finance,
            "/api/v1/travel-claims",
            &crate::helpers::day_trip(line),
        )
        .await;
    own.assert(201, "");
    let own = own.body["id"].as_i64().unwrap();

    sign_in(&c, &base, "likj", &finance_pw).await;
    wait_for_text(&c, "待审核").await;
    // 批准 names the money it commits; the clerk's own claim offers none.
    assert_eq!(
        label_of(&c, &format!("#approve-{due}")).await,
        "批准 ¥580.00"
    );
    assert_eq!(
        label_of(&c, &format!("#approve-{back}")).await,
        "批准 ¥180.00"
    );
    assert!(
        c.find(Locator::Css(&format!("#approve-{own}")))
            .await
            .is_err(),
        "a clerk is offered the approval of their own claim"
    );
    assert_eq!(
        text_of(&c, &format!("#own-{own}")).await,
        "这是您本人提交的报销，须由其他财务人员审核。"
    );
    c.goto(&format!("{base}/claims/{own}")).await.unwrap();
    assert_eq!(
        text_of(&c, "#own-claim").await,
        "这是您本人提交的报销，须由其他财务人员审核和支付。"
    );
    assert!(c.find(Locator::Css("#approve")).await.is_err());
    c.goto(&format!("{base}/claims/{due}")).await.unwrap();
    assert_eq!(text_of(&c, "#approve").await, "批准 ¥580.00");
    c.goto(&format!("{base}/finance")).await.unwrap();
    click(&c, &format!("#approve-{due}")).await;
    wait_for_text(
        &c,
        &format!("报销单 {due} 已批准：¥580.00 已从预算中占用。"),
    )
    .await;
    app.post(
        &other_finance,
        &format!("/api/v1/travel-claims/{back}/approve"),
        &json!({}),
    )
    .await
    .assert(200, "");
    app.approvals_dated_2021_05_01();
    c.goto(&format!("{base}/finance")).await.unwrap();

    // 待支付: 可报销, 借款冲抵, 应付; the button names the net amount.
    assert_eq!(text_of(&c, &format!("#due-{due}")).await, "应付 ¥280.00");
    assert_eq!(
        text_of(&c, &format!("#netting-{due}"))
            .await
            .replace('\n', " "),
        "可报销 ¥580.00 借款冲抵 − ¥300.00 应付 ¥280.00"
    );
    assert_eq!(
        label_of(&c, &format!("#pay-{due}")).await,
        "登记支付 ¥280.00"
    );
    assert_eq!(text_of(&c, &format!("#due-{back}")).await, "应付 ¥0.00");
    assert_eq!(
        text_of(&c, &format!("#netting-{back}"))
            .await
            .replace('\n', " "),
        "可报销 ¥180.00 借款冲抵 − ¥500.00 应付 ¥0.00 应退 ¥320.00（借款多于报销，支付后待退回）"
    );
    assert_eq!(
        label_of(&c, &format!("#pay-{back}")).await,
        "登记支付 ¥0.00"
    );
    c.goto(&format!("{base}/claims/{due}")).await.unwrap();
    assert_eq!(text_of(&c, "#pay").await, "登记支付 ¥280.00");
    c.goto(&format!("{base}/finance")).await.unwrap();
    wait_for_text(&c, "待支付").await;
    shoot(&c, "issue29-pay-queue-with-advances").await;

    // The confirmation names the amount paid and how the advance was netted.
    retype(
        &c,
        &format!("#paid-on-{due}"),
        &format!("2021-06-05{}", char::from(Key::Enter)),
    )
    .await;
    wait_for_text(
        &c,
        &format!(
            "报销单 {due} 已支付，实付 ¥280.00（报销 ¥580.00，冲抵借款 ¥300.00；支付日期 2021-06-05）。"
        ),
    )
    .await;
    retype(
        &c,
        &format!("#paid-on-{back}"),
        &format!("2021-06-05{}", char::from(Key::Enter)),
    )
    .await;
    wait_for_text(
        &c,
        &format!(
            "报销单 {back} 已支付，实付 ¥0.00（报销 ¥180.00，冲抵借款 ¥500.00，应退 ¥320.00 待退回；支付日期 2021-06-05）。"
        ),
    )
    .await;
    shoot(&c, "issue29-paid-with-advance").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn my_travel_requests_show_the_advance_asked_for_before_it_is_paid_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (traveller, traveller_pw) = person(&app, "张三", &[R::Claimant], "zhangsan");
    let line = app.line_id(OPS).await;
    let r = app
        .post(
            &traveller,
            "/api/v1/travel-requests",
            &json!({"budget_line_id": line, "purpose": "到市汇报信访工作", "destination": "邢台",
                    "departure_date": "2021-06-01", "return_date": "2021-06-01",
                    "tickets_estimate": "400.00", "advance_requested": "300.00"}),
        )
        .await;
    r.assert(201, "");
    let id = r.body["id"].as_i64().unwrap();
    sign_in(&c, &base, "zhangsan", &traveller_pw).await;
    c.goto(&format!("{base}/travel-requests")).await.unwrap();
    assert_eq!(
        text_of(&c, &format!("#request-{id}-advance"))
            .await
            .replace('\n', " "),
        "¥300.00 申请中，未支付"
    );
    // On a phone the request is a card: 事由 reads on one line, not one character a line.
    c.set_window_size(375, 900).await.unwrap();
    let lines = c
        .execute(
            "const r = document.createRange(); \
             r.selectNodeContents(document.querySelector(`#request-${arguments[0]} td.purpose`)); \
             return r.getClientRects().length;",
            vec![json!(id)],
        )
        .await
        .unwrap();
    assert_eq!(lines.as_u64(), Some(1), "事由 wraps at 375 px");
    assert_eq!(
        text_of(&c, &format!("#request-{id} td.purpose")).await,
        "到市汇报信访工作"
    );
    c.set_window_size(1280, 1000).await.unwrap();
    type_into(&c, "#purpose", "").await;
    shoot(&c, "issue29-my-travel-requests").await;
    c.close().await.unwrap();
}

/// Waits until the quote panel's text satisfies `ok`, and returns it (a readiness wait: a page
/// that never shows it fails after 30 s, naming what it showed instead).
async fn quote_panel_until(c: &Client, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let shown = match c.find(Locator::Css("#quote")).await {
            Ok(panel) => panel.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if ok(&shown) {
            return shown;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the quote panel never showed {what}; it shows:\n{shown}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_live_quote_follows_what_is_typed_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (_, pw) = person(&app, "张三", &[R::Claimant], "zhangsan");
    sign_in(&c, &base, "zhangsan", &pw).await;
    c.goto(&format!("{base}/claims/new")).await.unwrap();
    click(&c, "button[value='add-meals']").await;
    c.wait()
        .for_element(Locator::Css("#meals-0-date"))
        .await
        .unwrap();
    // The R8 trip with 事由 and 科目 left empty: the browser's own check of the form fails, and
    // the quote still follows what is typed.
    type_into(&c, "#destination", "石家庄").await;
    type_into(&c, "#departure_date", "2021-05-10").await;
    type_into(&c, "#return_date", "2021-05-12").await;
    type_into(&c, "#stays-0-city", "石家庄").await;
    type_into(&c, "#stays-0-check_in", "2021-05-10").await;
    type_into(&c, "#stays-0-check_out", "2021-05-12").await;
    type_into(&c, "#stays-0-amount", "680").await;
    type_into(&c, "#tickets-0-description", "平乡—石家庄 汽车").await;
    type_into(&c, "#tickets-0-amount", "65.50").await;
    type_into(&c, "#tickets-1-description", "石家庄—平乡 汽车").await;
    type_into(&c, "#tickets-1-amount", "65.5").await;
    type_into(&c, "#meals-0-date", "2021-05-11").await;
    c.find(Locator::Css("#meals-0-lunch"))
        .await
        .unwrap()
        .send_keys(" ")
        .await
        .unwrap();
    // Without 事由 the quote says why it cannot be computed (the words of the refusal are the
    // field messages' own), and shows no totals.
    let panel = quote_panel_until(&c, "无法试算 naming 事由", |t| {
        t.starts_with("无法试算：") && t.contains("事由")
    })
    .await;
    assert!(!panel.contains('¥'), "{panel}");
    // With it, and 科目 still empty, the quote follows what is typed, the lunch deducted.
    type_into(&c, "#purpose", "赴省汇报信访工作").await;
    quote_panel_until(&c, "¥1,231.00 with the lunch deducted", |t| {
        t.contains("可报销 ¥1,231.00")
    })
    .await;

    // A ticket changed to 1000: 1,231.00 − 65.50 + 1,000.00.
    retype(&c, "#tickets-0-amount", "1000").await;
    quote_panel_until(&c, "¥2,165.50", |t| t.contains("可报销 ¥2,165.50")).await;

    // A date typed the wrong way: the panel says it cannot quote, and keeps no totals.
    retype(&c, "#return_date", "2021/05/12").await;
    let panel = quote_panel_until(&c, "无法试算 for the date", |t| {
        t.starts_with("无法试算") && t.contains("2021-05-10 的格式")
    })
    .await;
    assert!(!panel.contains('¥'), "stale totals kept: {panel}");
    shoot(&c, "issue29-quote-cannot-be-computed").await;
    retype(&c, "#return_date", "2021-05-12").await;
    quote_panel_until(&c, "¥2,165.50 again", |t| t.contains("可报销 ¥2,165.50")).await;

    // An empty return date is named.
    c.find(Locator::Css("#return_date"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    quote_panel_until(&c, "无法试算：请填写返回日期", |t| {
        t == "无法试算：请填写返回日期"
    })
    .await;
    type_into(&c, "#return_date", "2021-05-12").await;
    quote_panel_until(&c, "¥2,165.50 once more", |t| {
        t.contains("可报销 ¥2,165.50")
    })
    .await;

    // A half-typed invoice number does not stop the quote: the ticket follows.
    type_into(&c, "#stays-0-invoice_no", "1234").await;
    retype(&c, "#tickets-0-amount", "100").await;
    quote_panel_until(&c, "¥1,265.50", |t| t.contains("可报销 ¥1,265.50")).await;
    c.close().await.unwrap();
}

/// Every session as if last used nine hours ago: past the 8-hour idle timeout.
fn sessions_idle_for_nine_hours(app: &TestApp) {
    use baoxiao::db::schema::web_sessions;
    use diesel::prelude::*;
    let at = baoxiao::db::now() - chrono::Duration::hours(9);
    diesel::update(web_sessions::table)
        .set(web_sessions::last_seen_at.eq(at))
        .execute(&mut *app.pool.get().unwrap())
        .unwrap();
}

/// The value of the input `css` finds.
async fn value_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_claim_typed_while_the_session_expired_is_kept_through_sign_in_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (_, pw) = person(&app, "张三", &[R::Claimant], "zhangsan");
    let line = app.line_id(OPS).await;
    sign_in(&c, &base, "zhangsan", &pw).await;
    c.goto(&format!("{base}/claims/new")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#purpose"))
        .await
        .unwrap();
    type_into(&c, "#purpose", "赴省汇报信访工作").await;
    type_into(&c, "#destination", "石家庄").await;
    c.find(Locator::Css("#budget_line_id"))
        .await
        .unwrap()
        .select_by_value(&line.to_string())
        .await
        .unwrap();
    type_into(&c, "#departure_date", "2021-05-10").await;
    type_into(&c, "#return_date", "2021-05-12").await;
    type_into(&c, "#stays-0-city", "石家庄").await;
    type_into(&c, "#stays-0-check_in", "2021-05-10").await;
    type_into(&c, "#stays-0-check_out", "2021-05-12").await;
    type_into(&c, "#stays-0-amount", "680").await;
    type_into(&c, "#tickets-0-description", "平乡—石家庄 汽车").await;
    type_into(&c, "#tickets-0-amount", "65.50").await;
    type_into(&c, "#tickets-1-description", "石家庄—平乡 汽车").await;
    type_into(&c, "#tickets-1-amount", "65.5").await;
    quote_panel_until(&c, "¥1,271.00", |t| t.contains("可报销 ¥1,271.00")).await;

    // The clerk goes to lunch; the session ends; they come back and press 提交报销.
    sessions_idle_for_nine_hours(&app);
    click(&c, "#submit-claim").await;
    c.wait()
        .for_element(Locator::Css("#login-error"))
        .await
        .unwrap();
    assert_eq!(
        text_of(&c, "#login-error").await,
        "登录已过期，请重新登录。您填写的内容已保留，登录后会回到这张表单。"
    );
    assert_eq!(text_of(&c, "#org-name").await, "平乡县信访局");
    shoot(&c, "issue29-session-expired-form-kept").await;
    type_into(&c, "#login", "zhangsan").await;
    type_into(&c, "#password", &format!("{pw}{}", char::from(Key::Enter))).await;
    wait_for_text(&c, "登录已过期，已为您保留填写内容。请检查后再提交。").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/claims/new");
    assert_eq!(value_of(&c, "#purpose").await, "赴省汇报信访工作");
    assert_eq!(value_of(&c, "#tickets-1-amount").await, "65.5");
    assert_eq!(value_of(&c, "#stays-0-amount").await, "680");
    assert!(
        text_of(&c, "#quote").await.contains("可报销 ¥1,271.00"),
        "the kept form is quoted"
    );
    shoot(&c, "issue29-form-restored-after-sign-in").await;
    click(&c, "#submit-claim").await;
    wait_for_text(&c, "待审核").await;
    let claims = app.get(&app.admin, "/api/v1/travel-claims").await;
    assert_eq!(
        claims.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        claims.body
    );
    assert_eq!(claims.body[0]["breakdown"]["reimbursable"], "1271.00");
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_claim_posted_with_a_stale_token_is_shown_again_filled_in() {
    let app = spawn_app().await;
    let mut v = crate::web::signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let line = app.line_id(OPS).await;
    let form = crate::web::r8_form(line, "a-token-of-an-older-session", "submit");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let page = v.post("/claims/new", &pairs).await;
    assert_eq!(page.status, 403, "refused, nothing changed: {}", page.body);
    assert!(
        page.body
            .contains("这张表单已过期，没有提交。已为您保留填写内容，请检查后再提交。"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="赴省汇报信访工作""#));
    assert!(page.body.contains("¥1,231.00"), "the kept form is quoted");
    let claims = app.get(&app.admin, "/api/v1/travel-claims").await;
    assert_eq!(
        claims.body.as_array().map(Vec::len),
        Some(0),
        "nothing submitted"
    );
}

#[tokio::test]
async fn year_pages_open_on_the_latest_year_with_a_budget_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    // The only budget is 2021's; the calendar says otherwise.
    let (_, pw) = person(&app, "王科长", &[R::BudgetHolder, R::Finance], "wangkz");
    sign_in(&c, &base, "wangkz", &pw).await;
    for (path, heading) in [
        ("/budget", "预算总览 · 2021 年"),
        ("/performance", "绩效自评 · 2021 年"),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        assert_eq!(text_of(&c, "h1").await.lines().next().unwrap(), heading);
        assert!(!crate::browser::body_text(&c)
            .await
            .contains("年还没有预算科目"));
    }
    c.goto(&format!("{base}/budget")).await.unwrap();
    shoot(&c, "issue29-budget-opens-on-2021").await;
    c.goto(&format!("{base}/reports")).await.unwrap();
    assert!(text_of(&c, "h1").await.contains("2021"));
    c.goto(&format!("{base}/subsidy")).await.unwrap();
    assert_eq!(value_of(&c, "#batch-year").await, "2021");
    // A duty line's forecast is as of the last day of its year, not a day years later.
    let beijing = app.line_id("dept.project.petition-work.beijing-duty").await;
    c.goto(&format!("{base}/budget/lines/{beijing}"))
        .await
        .unwrap();
    wait_for_text(&c, "2021-12-31").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_admin_home_links_the_pages_that_exist_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (_, pw) = person(&app, "管理员", &[R::Admin], "guanli");
    sign_in(&c, &base, "guanli", &pw).await;
    c.goto(&format!("{base}/")).await.unwrap();
    let home = text_of(&c, "#admin-pages").await;
    assert!(!crate::browser::body_text(&c).await.contains("即将上线"));
    for (link, text) in [
        ("/admin/users", "用户与登录"),
        ("/admin/budget-lines", "预算科目"),
        ("/admin/policy", "差旅费标准"),
        ("/budget", "预算总览"),
    ] {
        assert!(home.contains(text), "{home}");
        assert_eq!(
            text_of(&c, &format!("#admin-pages a[href='{link}']")).await,
            text
        );
    }
    shoot(&c, "issue29-admin-home").await;
    c.close().await.unwrap();
}

/// How many pages a PDF has: its `/Type /Page` objects (not the `/Type /Pages` tree).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

#[tokio::test]
async fn a_three_week_trip_prints_on_one_a4_page_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (traveller, pw) = person(&app, "张三", &[R::Claimant], "zhangsan");
    let line = app.line_id(OPS).await;
    let claim = app
        .post(
            &traveller,
            "/api/v1/travel-claims",
            &json!({"budget_line_id": line, "purpose": "在省信访局跟班学习", "destination": "石家庄",
                    "departure_date": "2021-05-01", "return_date": "2021-05-21",
                    "stays": [{"city": "石家庄", "check_in": "2021-05-01", "check_out": "2021-05-21",
                               "lodging_amount": "5800.00", "invoice": true,
                               "invoice_no": "21132000000000012345"}],
                    "tickets": [{"description": "平乡—石家庄 汽车", "amount": "65.50",
                                 "invoice_no": "00481234", "invoice_code": "113002113001"},
                                {"description": "石家庄—平乡 汽车", "amount": "65.50",
                                 "invoice_no": "00485678", "invoice_code": "113002113001"}],
                    "meals_provided": [
                        {"date": "2021-05-10", "breakfast": false, "lunch": true, "dinner": false},
                        {"date": "2021-05-11", "breakfast": false, "lunch": true, "dinner": false}]}),
        )
        .await;
    claim.assert(201, "");
    let id = claim.body["id"].as_i64().unwrap();
    sign_in(&c, &base, "zhangsan", &pw).await;
    c.goto(&format!("{base}/claims/{id}/print")).await.unwrap();
    let rows = text_of(&c, "#print-rows").await;
    assert!(rows.contains("伙食补助费"), "{rows}");
    assert!(
        rows.contains("21 天 ×"),
        "allowances grouped by day: {rows}"
    );
    assert!(rows.contains("石家庄 20 晚"), "{rows}");
    assert!(
        !rows
            .chars()
            .zip(rows.chars().skip(1))
            .any(|(a, b)| a == 'R' && b.is_ascii_digit()),
        "no rule codes on the official form: {rows}"
    );
    assert!(rows.lines().count() <= 8, "{rows}");
    // The claim's invoices, stay first, an older invoice with its code.
    assert_eq!(
        text_of(&c, "#print-invoices").await,
        "21132000000000012345、00481234（代码 113002113001）、00485678（代码 113002113001）"
    );
    // As printed: the print stylesheet on, at A4's printable width (210 mm less two 12 mm
    // margins = 186 mm = 703 px), nothing wider than the page.
    c.execute(
        "for (const s of document.styleSheets) for (const r of s.cssRules) \
           if (r.media && r.media.mediaText === 'print') r.media.appendMedium('screen');",
        vec![],
    )
    .await
    .unwrap();
    c.set_window_size(703, 1000).await.unwrap();
    let inner = c
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    c.set_window_size(703 + 703 - u32::try_from(inner).unwrap(), 1000)
        .await
        .unwrap();
    let widths = c
        .execute(
            "const d = document.documentElement, s = document.querySelector('.sheet'); \
             return [window.innerWidth, d.scrollWidth, d.clientWidth, s.scrollWidth, s.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    let w: Vec<u64> = widths
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(w[0], 703, "{w:?}");
    // On a phone's screen too (it ran 69 px off the side at 375 px).
    c.refresh().await.unwrap();
    c.set_window_size(375, 1000).await.unwrap();
    let phone = c
        .execute(
            "const d = document.documentElement, s = document.querySelector('.sheet'); \
             return [d.scrollWidth - d.clientWidth, s.scrollWidth - s.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        phone,
        json!([0, 0]),
        "the 报销单 is wider than a 375 px screen"
    );
    c.refresh().await.unwrap();
    let pdf = c
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("issue29-print-21-days.pdf"), &pdf).unwrap();
    assert_eq!(
        pdf_pages(&pdf),
        1,
        "the 报销单 of a 21-day trip fits one A4 page"
    );
    shoot(&c, "issue29-print-21-days").await;
    c.close().await.unwrap();
}
