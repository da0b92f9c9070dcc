//! R16 in a real browser: request → approval → advance → claim → payment → advance returned,
//! with screenshots under `target/screenshots/` (skipped loudly without Chromium, like the
//! other browser tests).

use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::browser::{
    browser, click, line_id, shoot, sign_in, sign_out, text_of, type_into, wait_for_text,
};
use crate::helpers::{spawn_app, R};
use crate::travel_requests::decisions_dated_2021_03_01;
use crate::web::web_user;

async fn retype(c: &Client, css: &str, text: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The R16 worked example's estimate as every page shows it: item, basis, amount.
const ESTIMATE_ROWS: [[&str; 3]; 4] = [
    [
        "住宿费",
        "R4 住宿费：北京每晚不超过 ¥400.00 × 3 晚 × 2 人",
        "¥2,400.00",
    ],
    [
        "伙食补助费",
        "R5 伙食补助费：北京每天 ¥100.00 × 4 天 × 2 人",
        "¥800.00",
    ],
    [
        "市内交通费",
        "R6 市内交通费：北京每天 ¥80.00 × 4 天 × 2 人",
        "¥640.00",
    ],
    [
        "城市间交通费",
        "R7 城市间交通费：车船机票预估，按票据实报",
        "¥600.00",
    ],
];

/// The cells of each row `css` finds, as shown. The live estimate may be swapped in again while
/// it is read (the answer to a later keystroke, with the same figures): rows gone stale are read
/// again from the panel shown now.
async fn rows_of(c: &Client, css: &str) -> Vec<[String; 3]> {
    use fantoccini::error::{CmdError, ErrorStatus};
    for _ in 0..10 {
        match read_rows(c, css).await {
            Ok(rows) => return rows,
            Err(CmdError::Standard(e)) if e.error == ErrorStatus::StaleElementReference => {}
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the rows of {css} kept being replaced while read")
}

async fn read_rows(c: &Client, css: &str) -> Result<Vec<[String; 3]>, fantoccini::error::CmdError> {
    let mut rows = Vec::new();
    for row in c.find_all(Locator::Css(css)).await? {
        let mut cells = Vec::new();
        for cell in row.find_all(Locator::Css("td")).await? {
            cells.push(cell.text().await?);
        }
        rows.push(<[String; 3]>::try_from(cells).unwrap_or_else(|c| panic!("{c:?}")));
    }
    Ok(rows)
}

/// No Latin word (a rule's single R aside) and no city code in text a person reads.
fn assert_no_latin(text: &str) {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() > 1)
        .collect();
    assert!(words.is_empty(), "Latin {words:?} in {text}");
}

#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn a_trip_from_request_to_advance_returned_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (_, traveller_pw) = web_user(&app, "张三", &[R::Claimant], "zhangsan");
    let (_, holder_pw) = web_user(&app, "王科长", &[R::BudgetHolder], "wangkz");
    let (_, finance_pw) = web_user(&app, "李会计", &[R::Finance], "likj");
    let line = line_id(&app);

    // 出差申请 with the live estimate: the R16 worked example.
    sign_in(&c, &base, "zhangsan", &traveller_pw).await;
    wait_for_text(&c, "我的报销").await;
    c.find(Locator::LinkText("出差申请"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#purpose"))
        .await
        .unwrap();
    type_into(&c, "#purpose", "赴京参加信访业务培训").await;
    type_into(&c, "#destination", "北京").await;
    c.find(Locator::Css("#budget_line_id"))
        .await
        .unwrap()
        .select_by_value(&line.to_string())
        .await
        .unwrap();
    type_into(&c, "#departure_date", "2021-03-02").await;
    type_into(&c, "#return_date", "2021-03-05").await;
    retype(&c, "#travellers", "2").await;
    type_into(&c, "#tickets_estimate", "600").await;
    type_into(&c, "#advance_requested", "3000").await;
    c.wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(Locator::XPath(
            "//strong[@id='estimate-total' and text()='¥4,440.00']",
        ))
        .await
        .expect("no live estimate of ¥4,440.00");
    // The estimate's lines in Chinese, the city by its name, as the claim page words its lines.
    assert_eq!(rows_of(&c, "#estimate tbody tr").await, ESTIMATE_ROWS);
    assert_no_latin(&text_of(&c, "#estimate").await);
    shoot(&c, "r16-01-request-estimated").await;
    click(&c, "#submit-request").await;
    wait_for_text(&c, "等待审批").await;
    let request: i64 = {
        let requests = app.get(&app.admin, "/api/v1/travel-requests").await;
        requests.body[0]["id"].as_i64().unwrap()
    };
    // 我的出差申请 keeps the same lines under 明细; the API keeps its English rule for clients.
    click(&c, &format!("#request-{request} details summary")).await;
    let mine = text_of(&c, &format!("#request-{request}-lines")).await;
    assert_eq!(
        mine.lines().collect::<Vec<_>>(),
        ESTIMATE_ROWS
            .iter()
            .map(|r| format!("{}：{}", r[1], r[2]))
            .collect::<Vec<_>>()
    );
    assert_no_latin(&text_of(&c, "#my-requests").await);
    shoot(&c, "r16-02-request-submitted").await;
    let api = app
        .get(&app.admin, &format!("/api/v1/travel-requests/{request}"))
        .await;
    assert_eq!(
        api.body["estimate_lines"][0]["rule"],
        "R4 住宿费: min(claimed, 3 nights × 400.00/night cap, beijing) × 2 travellers"
    );
    assert!(api.body["estimate_lines"][0].get("basis").is_none());
    sign_out(&c).await;

    // The budget holder approves: the estimate is committed.
    sign_in(&c, &base, "wangkz", &holder_pw).await;
    c.goto(&format!("{base}/travel-requests/queue"))
        .await
        .unwrap();
    wait_for_text(&c, &format!("#{request} 赴京参加信访业务培训")).await;
    click(&c, &format!("#request-{request} details summary")).await;
    assert_eq!(
        rows_of(&c, &format!("#request-{request}-lines tr")).await,
        ESTIMATE_ROWS
    );
    assert_no_latin(&text_of(&c, &format!("#request-{request}")).await);
    shoot(&c, "r16-03-approver-queue").await;
    // The button that commits the money says how much, as the claims' queue does.
    let button = c
        .find(Locator::Css(&format!("#approve-{request}")))
        .await
        .unwrap();
    // (The request's number after it is for screen readers.)
    assert_eq!(
        button.text().await.unwrap(),
        format!("批准 ¥4,440.00\n#{request}")
    );
    button.click().await.unwrap();
    wait_for_text(&c, "已从预算中占用").await;
    assert_eq!(app.line(line).await["committed"], "4440.00");
    sign_out(&c).await;

    // Finance pays the advance and sees it owed.
    decisions_dated_2021_03_01(&app);
    sign_in(&c, &base, "likj", &finance_pw).await;
    wait_for_text(&c, "待审核").await;
    c.find(Locator::LinkText("借款"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "待支付借款").await;
    retype(
        &c,
        &format!("#paid-on-{request}"),
        &format!("2021-03-01{}", char::from(Key::Enter)),
    )
    .await;
    wait_for_text(&c, "已支付。").await;
    let owed = text_of(&c, "#outstanding").await;
    assert!(
        owed.contains("张三") && owed.contains("¥3,000.00"),
        "{owed}"
    );
    shoot(&c, "r16-04-advances-outstanding").await;
    sign_out(&c).await;

    // The claim names the request.
    sign_in(&c, &base, "zhangsan", &traveller_pw).await;
    wait_for_text(&c, "我的报销").await;
    c.goto(&format!("{base}/claims/new")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#travel_request_id"))
        .await
        .unwrap()
        .select_by_value(&request.to_string())
        .await
        .unwrap();
    type_into(&c, "#purpose", "赴京参加信访业务培训").await;
    type_into(&c, "#destination", "北京").await;
    c.find(Locator::Css("#budget_line_id"))
        .await
        .unwrap()
        .select_by_value(&line.to_string())
        .await
        .unwrap();
    type_into(&c, "#departure_date", "2021-03-02").await;
    type_into(&c, "#return_date", "2021-03-05").await;
    type_into(&c, "#stays-0-city", "北京").await;
    type_into(&c, "#stays-0-check_in", "2021-03-02").await;
    type_into(&c, "#stays-0-check_out", "2021-03-05").await;
    type_into(&c, "#stays-0-amount", "1200").await;
    type_into(&c, "#tickets-0-description", "邢台—北京 往返").await;
    type_into(&c, "#tickets-0-amount", "580").await;
    shoot(&c, "r16-05-claim-naming-request").await;
    click(&c, "#submit-claim").await;
    wait_for_text(&c, "已提交").await;
    let url = c.current_url().await.unwrap();
    let claim: i64 = url.path().trim_start_matches("/claims/").parse().unwrap();
    sign_out(&c).await;

    // Finance approves and pays; the claim settles the advance: 500.00 to return.
    sign_in(&c, &base, "likj", &finance_pw).await;
    wait_for_text(&c, &format!("#{claim} 赴京参加信访业务培训")).await;
    click(
        &c,
        &format!("form[action='/finance/claims/{claim}/approve'] button"),
    )
    .await;
    // The approval's own message: the queue before it already says 已批准 (没有已批准待支付的报销).
    wait_for_text(&c, &format!("报销单 {claim} 已批准")).await;
    app.approvals_dated_2021_05_01();
    retype(
        &c,
        &format!("#paid-on-{claim}"),
        &format!("2021-05-20{}", char::from(Key::Enter)),
    )
    .await;
    wait_for_text(
        &c,
        "已支付，实付 ¥0.00（报销 ¥2,500.00，冲抵借款 ¥3,000.00，应退 ¥500.00 待退回",
    )
    .await;
    c.goto(&format!("{base}/claims/{claim}")).await.unwrap();
    wait_for_text(&c, "借款结算").await;
    assert_eq!(text_of(&c, "#settlement-advance").await, "¥3,000.00");
    assert_eq!(text_of(&c, "#settlement-net").await, "¥0.00");
    assert_eq!(text_of(&c, "#settlement-return").await, "¥500.00");
    shoot(&c, "r16-06-claim-settled").await;
    retype(&c, "#returned_on", "2021-05-21").await;
    click(&c, "#record-return").await;
    wait_for_text(&c, "已登记退还").await;
    assert_eq!(text_of(&c, "#settlement-returned").await, "2021-05-21");
    assert!(
        c.find(Locator::Css("#record-return")).await.is_err(),
        "nothing left to record"
    );
    shoot(&c, "r16-07-advance-returned").await;
    c.goto(&format!("{base}/claims/{claim}/print"))
        .await
        .unwrap();
    assert_eq!(text_of(&c, "#print-advance").await, "¥3,000.00");
    assert_eq!(text_of(&c, "#print-net").await, "¥0.00");
    assert_eq!(text_of(&c, "#print-return").await, "¥500.00");
    shoot(&c, "r16-08-print").await;
    c.goto(&format!("{base}/advances")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#no-outstanding"))
        .await
        .unwrap();
    let api = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{claim}"))
        .await;
    assert_eq!(api.body["settlement"]["to_return"], "500.00");
    assert!(api.body["settlement"]["advance_returned_on"].is_string());
    c.close().await.unwrap();
}
