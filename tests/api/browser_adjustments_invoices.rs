//! Issue 13 in a real browser: a budget adjustment from a line's page to approved (four eyes), and
//! a duplicate invoice refused beside its field on the claim form. Screenshots under
//! `target/screenshots/` at 1280 and 375 px (skipped loudly without Chromium, like the other
//! browser tests).

use fantoccini::{Client, Locator};

use crate::browser::{
    body_text, browser, click, line_id, shoot, sign_in, sign_out, text_of, type_into, wait_for_text,
};
use crate::helpers::{spawn_app, R};
use crate::web::web_user;

/// The page's width as laid out against the window's: a row that does not wrap shows here.
async fn overflows(c: &Client) -> bool {
    c.execute(
        "return document.documentElement.scrollWidth > window.innerWidth;",
        vec![],
    )
    .await
    .unwrap()
    .as_bool()
    .unwrap()
}

#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn a_budget_adjustment_from_a_lines_page_to_approved_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    // The holder is also finance: the queue shows them their own request, without 批准.
    let (_, holder_pw) = web_user(&app, "赵预算", &[R::BudgetHolder, R::Finance], "zhaoys");
    let (_, finance_pw) = web_user(&app, "钱财务", &[R::Finance], "qiancw");
    let beijing = app.line_id("dept.project.petition-work.beijing-duty").await;

    sign_in(&c, &base, "zhaoys", &holder_pw).await;
    wait_for_text(&c, "预算总览").await;
    c.goto(&format!("{base}/budget/lines/{beijing}"))
        .await
        .unwrap();
    wait_for_text(&c, "年初预算数").await;
    assert_eq!(text_of(&c, "dd.allocated").await, "¥630,000.00");
    c.find(Locator::LinkText("申请调整这个科目的预算"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("#amount")).await.unwrap();
    // Opened for the line: its year and the line itself are already chosen.
    assert!(body_text(&c).await.contains("预算调整 2021"));
    let chosen = c
        .find(Locator::Css("#line_id"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(chosen.as_deref(), Some(beijing.to_string().as_str()));
    c.find(Locator::Css("#kind"))
        .await
        .unwrap()
        .select_by_value("supplement")
        .await
        .unwrap();
    type_into(&c, "#amount", "5100.00").await;
    type_into(&c, "#reason", "驻京值班增加一人").await;
    type_into(&c, "#document_no", "平财预〔2021〕12号").await;
    shoot(&c, "r14-01-adjustment-request").await;
    click(&c, "form[action='/adjustments'] button[type='submit']").await;
    wait_for_text(&c, "等待财务审批").await;
    let id: i64 = {
        let list = app
            .get(&app.admin, "/api/v1/budget-adjustments?year=2021")
            .await;
        list.body[0]["id"].as_i64().unwrap()
    };
    // Back at the line's history, the request pending there and in 我的申请.
    let pending = text_of(&c, ".line-adjustments").await;
    assert!(
        pending.contains("待审批") && pending.contains("平财预〔2021〕12号"),
        "{pending}"
    );
    assert!(pending.contains("调整后预算数 ¥630,000.00"), "{pending}");
    let mine = body_text(&c).await;
    assert!(mine.contains("我的申请"), "{mine}");
    // Four eyes: the requester's queue shows the request with no 批准.
    wait_for_text(&c, "这是您提出的申请，需由其他财务人员审批").await;
    assert!(c
        .find(Locator::Css(&format!(
            "form[action='/adjustments/{id}/approve']"
        )))
        .await
        .is_err());
    shoot(&c, "r14-02-adjustment-pending-own").await;
    sign_out(&c).await;

    // Another finance clerk approves it from the queue.
    sign_in(&c, &base, "qiancw", &finance_pw).await;
    wait_for_text(&c, "待审核").await;
    c.find(Locator::LinkText("预算调整"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "待审批的调整").await;
    c.goto(&format!("{base}/adjustments?year=2021"))
        .await
        .unwrap();
    wait_for_text(&c, &format!("#{id} 追加")).await;
    shoot(&c, "r14-03-adjustment-queue").await;
    click(
        &c,
        &format!("form[action='/adjustments/{id}/approve'] button"),
    )
    .await;
    wait_for_text(&c, &format!("预算调整 {id} 已批准")).await;
    assert!(body_text(&c).await.contains("没有等待审批的预算调整"));
    shoot(&c, "r14-04-adjustment-approved").await;
    sign_out(&c).await;

    // The line's page: the adjusted allocation and the history row with its document number.
    sign_in(&c, &base, "zhaoys", &holder_pw).await;
    wait_for_text(&c, "预算总览").await;
    c.goto(&format!("{base}/budget/lines/{beijing}"))
        .await
        .unwrap();
    wait_for_text(&c, "调整后预算数").await;
    assert_eq!(text_of(&c, "dd.allocated").await, "¥635,100.00");
    let history = text_of(&c, ".line-adjustments").await;
    for text in [
        "年初预算数 ¥630,000.00",
        "调整后预算数 ¥635,100.00",
        &format!("#{id}"),
        "追加",
        "¥5,100.00",
        "平财预〔2021〕12号",
        "驻京值班增加一人",
        "已批准",
    ] {
        assert!(history.contains(text), "{text}: {history}");
    }
    assert_eq!(app.line(beijing).await["allocated"], "635100.00");
    // The ledger names the adjustment and points at its history row.
    c.find(Locator::LinkText(&format!("预算调整 #{id}")))
        .await
        .unwrap();
    shoot(&c, "r14-05-line-adjusted").await;
    c.set_window_size(375, 900).await.unwrap();
    assert!(!overflows(&c).await, "the line page fits 375 px");
    c.close().await.unwrap();
}

#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn a_duplicate_invoice_is_refused_beside_its_field_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (_, zhang_pw) = web_user(&app, "张三", &[R::Claimant], "zhangsan");
    let line = line_id(&app);
    const INVOICE: &str = "24112000000012345678";

    sign_in(&c, &base, "zhangsan", &zhang_pw).await;
    wait_for_text(&c, "我的报销").await;
    let mut claims = Vec::new();
    for (round, purpose) in ["赴省汇报信访工作", "赴省汇报信访工作（再次）"]
        .into_iter()
        .enumerate()
    {
        c.goto(&format!("{base}/claims/new")).await.unwrap();
        c.wait()
            .for_element(Locator::Css("#purpose"))
            .await
            .unwrap();
        if round == 0 {
            click(&c, "button[value='add-meals']").await;
            c.wait()
                .for_element(Locator::Css("#meals-0-date"))
                .await
                .unwrap();
            shoot(&c, "r15-01-claim-form-invoice-fields").await;
        }
        type_into(&c, "#purpose", purpose).await;
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
        type_into(&c, "#stays-0-invoice_no", INVOICE).await;
        type_into(&c, "#tickets-0-description", "平乡—石家庄 汽车").await;
        type_into(&c, "#tickets-0-amount", "65.50").await;
        type_into(&c, "#tickets-0-invoice_no", "12345678").await;
        type_into(&c, "#tickets-0-invoice_code", "1300204130").await;
        c.wait()
            .at_most(std::time::Duration::from_secs(30))
            .for_element(Locator::Css("#quote-reimbursable"))
            .await
            .unwrap();
        click(&c, "#submit-claim").await;
        if round == 0 {
            wait_for_text(&c, "已提交").await;
            let url = c.current_url().await.unwrap();
            claims.push(
                url.path()
                    .trim_start_matches("/claims/")
                    .parse::<i64>()
                    .unwrap(),
            );
        }
    }
    let holder = claims[0];

    // The second claim comes back as typed, the refusal beside the stay's invoice number.
    let note = c
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(Locator::Css("#stays-0-invoice_no-error"))
        .await
        .unwrap();
    assert_eq!(
        note.text().await.unwrap(),
        format!("该发票已在报销单 #{holder} 中报销 查看报销单 #{holder}")
    );
    let field = c.find(Locator::Css("#stays-0-invoice_no")).await.unwrap();
    assert_eq!(field.prop("value").await.unwrap().as_deref(), Some(INVOICE));
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        c.find(Locator::Css("#purpose"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("赴省汇报信访工作（再次）")
    );
    assert!(text_of(&c, "#form-error")
        .await
        .contains("住宿第1行「发票号码」"));
    shoot(&c, "r15-02-duplicate-invoice").await;
    c.set_window_size(375, 900).await.unwrap();
    assert!(!overflows(&c).await, "the claim form's rows wrap at 375 px");
    c.set_window_size(1280, 1000).await.unwrap();

    // The link goes to the claim that holds the invoice.
    c.find(Locator::LinkText(&format!("查看报销单 #{holder}")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#claim-status"))
        .await
        .unwrap();
    assert_eq!(
        c.current_url().await.unwrap().path(),
        format!("/claims/{holder}")
    );
    assert!(body_text(&c).await.contains("赴省汇报信访工作"));
    let all = app.get(&app.admin, "/api/v1/travel-claims").await;
    assert_eq!(
        all.body.as_array().unwrap().len(),
        1,
        "the duplicate stored nothing"
    );
    c.close().await.unwrap();
}
