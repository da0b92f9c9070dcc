//! The web pages in a real browser: headless Chromium from Debian (`chromium`, `chromium-driver`)
//! driven over WebDriver (fantoccini). Without them on `PATH` the browser tests are built
//! ignored, with the reason (`build.rs`, cfg `no_browser`); with `BAOXIAO_REQUIRE_BROWSER=1` (as
//! `.ci/run` sets) their absence fails the build.
//!
//! Each page is also saved as a screenshot at 1280 and 375 px wide under `target/screenshots/`.
//! chromedriver runs in a process group of its own with the Chromium it starts; the group is
//! ended when the [`Driver`] is dropped, so no browser outlives its test, passed or failed.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{spawn_app, spawn_demo_app, ServerProcess, TestApp, R};
use crate::web::web_user;

/// The program `env` names, or `name` found on `PATH`, as `build.rs` looks for it.
fn tool(env: &str, name: &str) -> Option<String> {
    if let Some(path) = std::env::var_os(env).filter(|v| !v.is_empty()) {
        return Some(path.to_string_lossy().into_owned());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
}

/// chromedriver on a free port, leading a process group of its own (its Chromium and the
/// renderers that one starts are in it): dropping it, at the end of a test or while a failed one
/// unwinds, ends the whole group, and with it any session left open.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver, its Chromium and the renderers, whether or not the
        // test closed its session (one that failed mid-page did not).
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser; only called by tests built where `build.rs` found one.
pub async fn browser() -> Option<(Driver, Client)> {
    let (Some(chromium), Some(chromedriver)) = (
        tool("BAOXIAO_CHROMIUM", "chromium"),
        tool("BAOXIAO_CHROMEDRIVER", "chromedriver"),
    ) else {
        panic!("chromium or chromedriver is no longer on PATH: rebuild the tests");
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    #[allow(clippy::zombie_processes)] // waited for in Driver's Drop
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver { child, port };
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--lang=zh-CN", "--hide-scrollbars",
                     "--disable-breakpad", "--disable-crash-reporter"]
        }),
    );
    // Readiness, not timing: chromedriver usually listens within milliseconds; a loaded machine
    // gets up to a minute before this counts as a failure to start.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
        {
            Ok(client) => return Some((driver, client)),
            Err(e) if std::time::Instant::now() > deadline => panic!("chromedriver: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Saves the page at 1280 and at 375 px wide, each as tall as its content.
pub async fn shoot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for width in [1280u32, 375] {
        c.set_window_size(width, 900).await.unwrap();
        let height = c
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(900);
        c.set_window_size(width, u32::try_from(height.clamp(600, 4000)).unwrap() + 140)
            .await
            .unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    }
    c.set_window_size(1280, 1000).await.unwrap();
}

/// Clicks the element `css` finds, naming the selector if there is none.
pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// The text of the element `css` finds.
/// The text of the element `css` finds. A part of the page htmx swaps in again while it is read
/// (a live quote answering a later keystroke) is read again from the element shown now.
pub async fn text_of(c: &Client, css: &str) -> String {
    use fantoccini::error::{CmdError, ErrorStatus};
    for _ in 0..10 {
        let found = c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        match found.text().await {
            Ok(text) => return text,
            Err(CmdError::Standard(e)) if e.error == ErrorStatus::StaleElementReference => {}
            Err(e) => panic!("{css}: {e}"),
        }
    }
    panic!("{css} kept being replaced while read")
}

pub async fn type_into(c: &Client, css: &str, text: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.click().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Signs in, and returns once the page the sign-in led to has replaced the form (the user's
/// first page, or the form again with its refusal): a step that navigates at once would
/// otherwise race the sign-in's own answer and its session cookie.
pub async fn sign_in(c: &Client, base: &str, login: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    type_into(c, "#login", login).await;
    let form = c.find(Locator::Css("#password")).await.unwrap();
    type_into(
        c,
        "#password",
        &format!("{password}{}", char::from(Key::Enter)),
    )
    .await;
    // The field of the page typed into goes stale once the next page has loaded.
    let replaced = async {
        while form.is_displayed().await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), replaced)
        .await
        .unwrap_or_else(|_| panic!("signing in as {login}: the page never changed"));
}

pub async fn sign_out(c: &Client) {
    c.find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("#login")).await.unwrap();
}

pub async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits until the page's text contains `text` (or fails after fantoccini's default wait).
pub async fn wait_for_text(c: &Client, text: &str) {
    let xpath = format!("//*[contains(normalize-space(.), '{text}')]");
    if let Err(e) = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::XPath(&xpath))
        .await
    {
        // What the page showed instead, to tell a refusal from a page that never came.
        let url = c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let shown = match c.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        panic!("page never showed {text:?}: {e}\nat {url}:\n{shown}");
    }
}

pub fn line_id(app: &TestApp) -> i64 {
    let mut c = app.pool.get().unwrap();
    let org = baoxiao::services::users::resolve_org(&mut c, None).unwrap();
    baoxiao::db::budget::find_by_code(
        &mut c,
        org.id,
        2021,
        "dept.project.petition-work.operations",
    )
    .unwrap()
    .unwrap()
    .id
}

#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn a_claim_from_the_keyboard_to_paid_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (_, claimant_pw) = web_user(&app, "张三", &[R::Claimant], "zhangsan");
    let (_, finance_pw) = web_user(&app, "李四", &[R::Finance], "lisi");
    let line = line_id(&app);

    c.goto(&format!("{base}/login")).await.unwrap();
    shoot(&c, "01-login").await;
    sign_in(&c, &base, "zhangsan", &claimant_pw).await;
    wait_for_text(&c, "您还没有提交过报销").await;
    shoot(&c, "02-my-claims-empty").await;

    // 新建差旅报销, the R8 trip typed with the keyboard.
    c.find(Locator::LinkText("新建差旅报销"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#purpose"))
        .await
        .unwrap();
    shoot(&c, "03-new-claim-empty").await;
    c.find(Locator::Css("button[value='add-meals']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#meals-0-date"))
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
    type_into(&c, "#meals-0-date", "2021-05-11").await;
    // Space ticks the focused checkbox (sending keys focuses it; a click would tick it too).
    c.find(Locator::Css("#meals-0-lunch"))
        .await
        .unwrap()
        .send_keys(" ")
        .await
        .unwrap();
    // The live quote, before anything is submitted.
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::XPath(
            "//strong[@id='quote-reimbursable' and text()='¥1,231.00']",
        ))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "no live quote of ¥1,231.00: {e}\n{}",
                "see target/screenshots/04-new-claim-quoted-*.png"
            )
        });
    let quote = c
        .find(Locator::Css("#quote"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        quote.contains("1,231.00") && quote.contains("¥80.00"),
        "{quote}"
    );
    assert!(
        quote.contains("R4") && quote.contains("R6"),
        "each line with its rule: {quote}"
    );
    shoot(&c, "04-new-claim-quoted").await;

    c.find(Locator::Css("#submit-claim"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "已提交").await;
    let url = c.current_url().await.unwrap();
    let id: i64 = url.path().trim_start_matches("/claims/").parse().unwrap();
    assert!(body_text(&c).await.contains("待审核"));
    shoot(&c, "05-claim-submitted").await;
    c.goto(&format!("{base}/claims")).await.unwrap();
    wait_for_text(&c, "赴省汇报信访工作").await;
    shoot(&c, "06-my-claims").await;
    sign_out(&c).await;
    // Signed out: the pages send you back to the sign-in page.
    c.goto(&format!("{base}/claims")).await.unwrap();
    c.wait().for_element(Locator::Css("#login")).await.unwrap();

    // Finance approves and pays.
    sign_in(&c, &base, "lisi", &finance_pw).await;
    wait_for_text(&c, &format!("#{id} 赴省汇报信访工作")).await;
    shoot(&c, "07-finance-queue").await;
    c.find(Locator::Css(&format!(
        "form[action='/finance/claims/{id}/approve'] button"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    // The approval's own message: the queue before it already says 已批准 (没有已批准待支付的报销).
    wait_for_text(&c, &format!("报销单 {id} 已批准")).await;
    shoot(&c, "08-finance-approved").await;
    // The trip is of 2021; so is its approval, as a payment cannot precede it.
    app.approvals_dated_2021_05_01();
    let paid_on = c
        .find(Locator::Css(&format!("#paid-on-{id}")))
        .await
        .unwrap();
    paid_on.clear().await.unwrap();
    paid_on
        .send_keys(&format!("2021-05-20{}", char::from(Key::Enter)))
        .await
        .unwrap();
    wait_for_text(&c, "已支付，实付 ¥1,231.00").await;
    c.goto(&format!("{base}/claims/{id}")).await.unwrap();
    shoot(&c, "09-claim-paid-finance").await;
    sign_out(&c).await;

    // The claimant sees 已支付 and prints the form.
    sign_in(&c, &base, "zhangsan", &claimant_pw).await;
    wait_for_text(&c, "已支付").await;
    c.goto(&format!("{base}/claims/{id}")).await.unwrap();
    assert_eq!(
        c.find(Locator::Css("#claim-status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "已支付"
    );
    c.find(Locator::LinkText("打印报销单"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let capitals = c
        .wait()
        .for_element(Locator::Css("#print-capitals"))
        .await
        .unwrap();
    assert_eq!(capitals.text().await.unwrap(), "人民币壹仟贰佰叁拾壹元整");
    assert_eq!(
        c.find(Locator::Css("#print-total"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "¥1,231.00"
    );
    shoot(&c, "10-print").await;
    c.close().await.unwrap();
}

#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn sessions_csrf_organisations_and_throttling_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let line = line_id(&app);
    let token = app.user("报销人", &[R::Claimant]);
    let id = app.submit(&token, &crate::helpers::r8_claim(line)).await;
    let (_, finance_pw) = web_user(&app, "李四", &[R::Finance], "lisi");

    // The first admin signs in with the printed password and must set a new one first.
    let printed = app.admin_password.clone().unwrap();
    sign_in(&c, &base, "admin", &printed).await;
    wait_for_text(&c, "初始密码").await;
    shoot(&c, "14-first-password").await;
    type_into(&c, "#current", &printed).await;
    type_into(&c, "#password", "a-new-secret").await;
    type_into(
        &c,
        "#repeat",
        &format!("a-new-secret{}", char::from(Key::Enter)),
    )
    .await;
    wait_for_text(&c, "密码已更改").await;
    shoot(&c, "15-admin-home").await;
    sign_out(&c).await;

    // A form posted without its CSRF token: 403, nothing changes.
    sign_in(&c, &base, "lisi", &finance_pw).await;
    wait_for_text(&c, "待审核").await;
    c.execute(
        "const f = document.querySelector(arguments[0]); f.querySelector('input[name=csrf]').remove(); f.submit();",
        vec![serde_json::json!(format!("form[action='/finance/claims/{id}/approve']"))],
    )
    .await
    .unwrap();
    wait_for_text(&c, "没有做任何更改").await;
    shoot(&c, "11-csrf-refused").await;
    let claim = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(claim.body["status"], "submitted");
    c.goto(&format!("{base}/finance")).await.unwrap();

    // `users revoke` run as another process ends a session held on another server process.
    let second = ServerProcess::start(&app).await;
    let (user, pw) = web_user(&app, "王五", &[R::Claimant], "wangwu");
    sign_out(&c).await;
    sign_in(&c, &second.address, "wangwu", &pw).await;
    wait_for_text(&c, "我的报销").await;
    let out = Command::new(env!("CARGO_BIN_EXE_baoxiao"))
        .args(["users", "revoke", "--id", &user.to_string()])
        .env("DATABASE_URL", &app.db_url)
        .output()
        .unwrap();
    assert!(out.status.success());
    c.goto(&format!("{}/claims", second.address)).await.unwrap();
    c.wait().for_element(Locator::Css("#login")).await.unwrap();

    // Another organisation's claim is 404.
    let org = baoxiao::services::users::add_org(&app.pool, "other", "另一个单位").unwrap();
    let (outsider, _) =
        baoxiao::services::users::add_user(&app.pool, Some("other"), "外单位", &[R::Finance])
            .unwrap();
    baoxiao::services::sign_in::add_login(
        &app.pool,
        org,
        outsider,
        "outsider",
        "outsider-pw",
        false,
    )
    .unwrap();
    sign_in(&c, &base, "outsider", "outsider-pw").await;
    wait_for_text(&c, "待审核").await;
    c.goto(&format!("{base}/claims/{id}")).await.unwrap();
    wait_for_text(&c, "没有找到").await;
    shoot(&c, "12-not-found").await;
    c.goto(&format!("{base}/")).await.unwrap();
    sign_out(&c).await;

    // Six wrong passwords: the sixth attempt is refused with when to retry.
    for _ in 0..5 {
        sign_in(&c, &base, "lisi", "wrong-password").await;
        wait_for_text(&c, "登录名或密码不正确").await;
    }
    sign_in(&c, &base, "lisi", &finance_pw).await;
    wait_for_text(&c, "分钟后重试").await;
    shoot(&c, "13-login-locked").await;
    c.close().await.unwrap();
}

/// The text of every element matching `css`, in order.
async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in c.find_all(Locator::Css(css)).await.unwrap() {
        out.push(e.text().await.unwrap().trim().to_string());
    }
    out
}

/// The budget holder's morning in the demo year: 预算总览 says what the API says, line by line,
/// and the Beijing line's chart marks the exhaustion date the API gives.
#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn a_budget_holder_reads_the_demo_year_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_demo_app().await;
    let base = app.address.clone();
    let password = baoxiao::demo::password_for("wangjianguo");
    sign_in(&c, &base, "wangjianguo", &password).await;
    wait_for_text(&c, "预算总览").await;
    c.goto(&format!("{base}/budget?year=2021")).await.unwrap();
    // The county's 追加 of ¥400,000.00 leaves the document's oversubscription partly visible.
    wait_for_text(&c, "超额 ¥250,000.00").await;
    shoot(&c, "20-budget-overview").await;

    let lines = app.get(&app.admin, "/api/v1/budget-lines?year=2021").await;
    let lines = lines.body.as_array().unwrap().clone();
    let yuan = |v: &serde_json::Value| {
        let text = v.as_str().unwrap();
        let (whole, cents) = text.split_once('.').unwrap();
        let mut out = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        format!("¥{out}.{cents}")
    };
    for field in ["allocated", "committed", "spent", "available"] {
        let shown = texts(&c, &format!("table.budget-tree td.{field}")).await;
        let api: Vec<String> = lines.iter().map(|l| yuan(&l[field])).collect();
        assert_eq!(shown, api, "{field}, line by line in tree order");
    }
    assert!(lines.iter().any(|l| l["spent"] != "0.00"), "a living year");

    let beijing = lines
        .iter()
        .find(|l| l["code"] == "dept.project.petition-work.beijing-duty")
        .unwrap();
    let id = beijing["id"].as_i64().unwrap();
    c.find(Locator::LinkText(beijing["name"].as_str().unwrap()))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "值守费用预测").await;
    // Forecast as of 1 March 2021, typed into the page's own form.
    let field = c.find(Locator::Css("#as-of")).await.unwrap();
    field.clear().await.unwrap();
    field
        .send_keys(&format!("2021-03-01{}", char::from(Key::Enter)))
        .await
        .unwrap();
    wait_for_text(&c, "截至 2021-03-01").await;
    let api = app
        .get(
            &app.admin,
            &format!("/api/v1/budget-lines/{id}/forecast?as_of=2021-03-01"),
        )
        .await;
    let exhaustion = api.body["exhaustion_date"].as_str().unwrap().to_string();
    let marker = c
        .find(Locator::Css("svg.forecast line.exhaustion"))
        .await
        .unwrap();
    assert_eq!(
        marker.attr("data-date").await.unwrap().as_deref(),
        Some(exhaustion.as_str())
    );
    let day = chrono::NaiveDate::parse_from_str(&exhaustion, "%Y-%m-%d").unwrap()
        - chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
    assert_eq!(
        marker.attr("x1").await.unwrap(),
        Some((8 + 2 * day.num_days()).to_string())
    );
    assert!(body_text(&c)
        .await
        .contains(&format!("预计 {exhaustion} 用完预算")));
    // The chart's labels as the browser draws them: none overlaps another, none lies on the plot.
    let overlaps = c
        .execute(
            "const plot = document.querySelector('svg.forecast rect.plot').getBoundingClientRect(); \
             const boxes = [...document.querySelectorAll('svg.forecast text.label')] \
               .map(t => [t.textContent, t.getBoundingClientRect()]); \
             const meet = (a, b) => a.left < b.right && b.left < a.right \
               && a.top < b.bottom && b.top < a.bottom; \
             const found = []; \
             boxes.forEach(([n, a], i) => { \
               if (meet(a, plot)) found.push(n + ' on the plot'); \
               boxes.slice(i + 1).forEach(([m, b]) => { if (meet(a, b)) found.push(n + ' on ' + m); }); \
             }); \
             return [boxes.length, found];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overlaps[1], serde_json::json!([]), "{overlaps}");
    assert!(overlaps[0].as_u64().unwrap() >= 3, "{overlaps}");
    shoot(&c, "21-budget-line-beijing").await;

    c.goto(&format!("{base}/performance?year=2021"))
        .await
        .unwrap();
    wait_for_text(&c, "绩效自评").await;
    shoot(&c, "22-performance").await;
    c.goto(&format!("{base}/reports?year=2021")).await.unwrap();
    wait_for_text(&c, "预算执行情况表").await;
    shoot(&c, "23-reports").await;
    sign_out(&c).await;

    // Finance's queue: the claims of the year's last days, each as long as it has waited.
    let password = baoxiao::demo::password_for("lixiuying");
    sign_in(&c, &base, "lixiuying", &password).await;
    c.goto(&format!("{base}/finance")).await.unwrap();
    wait_for_text(&c, "待审核").await;
    let claims = app
        .get(
            &app.admin,
            "/api/v1/travel-claims?status=submitted&limit=200",
        )
        .await;
    // R18: the demo's chain sends its departments' claims to their heads first; finance's
    // queue holds those waiting at finance's step.
    let waiting: Vec<_> = claims
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "submitted" && c["step"] == "finance")
        .collect();
    let cards: Vec<String> = texts(&c, "ul.queue li.card")
        .await
        .into_iter()
        .filter(|t| t.contains("提交于 2021-12-"))
        .collect();
    assert_eq!(cards.len(), waiting.len(), "{cards:?}");
    assert!(
        cards
            .iter()
            .any(|t| t.contains("#") && t.contains("驻京值班（10—11 月）")),
        "{cards:?}"
    );
    // The books stand on the story's today: a quiet note says so, and the waits are short.
    let note = c
        .find(Locator::Css("main p.pinned"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        note,
        "演示数据：本单位的日历停在 2021年12月8日，“今天”按这一天计算。"
    );
    assert!(
        cards.iter().all(|t| t
            .split("已等 ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next()?.parse::<u32>().ok())
            .is_some_and(|days| days <= 10)),
        "{cards:?}"
    );
    shoot(&c, "24-demo-finance-queue").await;
    c.close().await.unwrap();
}
