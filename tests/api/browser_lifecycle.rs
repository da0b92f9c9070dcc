//! R17 in a real browser: a claim saved half-typed as a draft, continued and submitted; withdrawn,
//! amended and submitted again; copied and deleted; with screenshots of 我的报销 with drafts
//! under `target/screenshots/` at 1280 and 375 px (skipped loudly without Chromium, like the
//! other browser tests).

use fantoccini::{Client, Locator};

use crate::browser::{browser, click, line_id, shoot, sign_in, text_of, type_into, wait_for_text};
use crate::helpers::{spawn_app, R};
use crate::web::web_user;

/// The draft id the form's address names (`/claims/new?draft=N`).
async fn draft_in_address(c: &Client) -> i64 {
    let url = c.current_url().await.unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "draft")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or_else(|| panic!("no draft in {url}"))
}

/// The claim id the claim page's address names (`/claims/N`).
async fn claim_in_address(c: &Client) -> i64 {
    let url = c.current_url().await.unwrap();
    url.path()
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no claim in {url}"))
}

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
async fn a_claim_through_its_life_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (_, password) = web_user(&app, "张三", &[R::Claimant], "zhangsan");
    let finance = app.user("王会计", &[R::Finance]);
    let line = line_id(&app);
    sign_in(&c, &base, "zhangsan", &password).await;

    // Half a claim, saved: the form opens again as the draft, as typed.
    c.goto(&format!("{base}/claims/new")).await.unwrap();
    type_into(&c, "#purpose", "赴省汇报信访工作").await;
    type_into(&c, "#destination", "石家庄").await;
    type_into(&c, "#departure_date", "2021-05-10").await;
    click(&c, "#save-draft").await;
    wait_for_text(&c, "已保存").await;
    let draft = draft_in_address(&c).await;
    shoot(&c, "r17-00-claim-form-of-a-draft").await;
    assert!(text_of(&c, "h1")
        .await
        .contains(&format!("继续填写草稿 #{draft}")));
    let purpose = c.find(Locator::Css("#purpose")).await.unwrap();
    assert_eq!(
        purpose.prop("value").await.unwrap().as_deref(),
        Some("赴省汇报信访工作")
    );

    // A second draft, copied later: 我的报销 lists both first.
    c.goto(&format!("{base}/claims")).await.unwrap();
    wait_for_text(&c, "草稿").await;
    let drafts = text_of(&c, "#drafts").await;
    assert!(drafts.contains(&format!("#{draft}")) && drafts.contains("赴省汇报信访工作"));

    // 继续填写, completed and submitted: the claim keeps the draft's number.
    click(&c, &format!("#continue-{draft}")).await;
    c.wait()
        .for_element(Locator::Css("#return_date"))
        .await
        .unwrap();
    c.find(Locator::Css("#budget_line_id"))
        .await
        .unwrap()
        .select_by_value(&line.to_string())
        .await
        .unwrap();
    type_into(&c, "#return_date", "2021-05-12").await;
    type_into(&c, "#stays-0-city", "石家庄").await;
    type_into(&c, "#stays-0-check_in", "2021-05-10").await;
    type_into(&c, "#stays-0-check_out", "2021-05-12").await;
    type_into(&c, "#stays-0-amount", "680.00").await;
    type_into(&c, "#tickets-0-description", "平乡—石家庄 汽车").await;
    type_into(&c, "#tickets-0-amount", "65.50").await;
    click(&c, "#submit-claim").await;
    wait_for_text(&c, "已提交").await;
    assert_eq!(claim_in_address(&c).await, draft);
    assert_eq!(text_of(&c, "#claim-status").await, "待审核");

    // 撤回 before any decision; then 修改后重新提交 opens a prefilled draft, submitted again.
    click(&c, "#withdraw").await;
    wait_for_text(&c, "已撤回").await;
    assert_eq!(text_of(&c, "#claim-status").await, "已撤回");
    click(&c, "#amend").await;
    wait_for_text(&c, "已生成草稿").await;
    let amendment = draft_in_address(&c).await;
    assert_ne!(amendment, draft);
    let city = c.find(Locator::Css("#stays-0-city")).await.unwrap();
    assert_eq!(city.prop("value").await.unwrap().as_deref(), Some("石家庄"));
    click(&c, "#submit-claim").await;
    wait_for_text(&c, "已提交").await;
    assert_eq!(claim_in_address(&c).await, amendment);
    let history = text_of(&c, ".history").await;
    assert!(
        history.contains("修改后重新提交") && history.contains("提交"),
        "{history}"
    );
    let api = app
        .get(&finance, &format!("/api/v1/travel-claims/{amendment}"))
        .await;
    assert_eq!(api.body["amends"], draft);
    assert_eq!(api.body["status"], "submitted");

    // 复制 from 我的报销: a new draft of the same trip; and a half-typed one beside it.
    c.goto(&format!("{base}/claims")).await.unwrap();
    click(&c, &format!("#copy-{amendment}")).await;
    wait_for_text(&c, "已生成草稿").await;
    let copy = draft_in_address(&c).await;
    let copied = c.find(Locator::Css("#purpose")).await.unwrap();
    assert_eq!(
        copied.prop("value").await.unwrap().as_deref(),
        Some("赴省汇报信访工作")
    );
    c.goto(&format!("{base}/claims/new")).await.unwrap();
    type_into(&c, "#purpose", "到市汇报").await;
    click(&c, "#save-draft").await;
    wait_for_text(&c, "已保存").await;
    let half = draft_in_address(&c).await;
    c.goto(&format!("{base}/claims")).await.unwrap();
    wait_for_text(&c, "到市汇报").await;
    let drafts = text_of(&c, "#drafts").await;
    assert!(drafts.contains(&format!("#{copy}")) && drafts.contains(&format!("#{half}")));
    assert!(drafts.contains("未填写"), "{drafts}");
    // Withdrawn and submitted claims below, with their buttons.
    let claims = text_of(&c, "table.list:not(#drafts)").await;
    assert!(
        claims.contains("已撤回") && claims.contains("待审核"),
        "{claims}"
    );
    shoot(&c, "r17-01-my-claims-with-drafts").await;
    c.set_window_size(375, 900).await.unwrap();
    assert!(!overflows(&c).await, "我的报销 fits 375 px");
    c.set_window_size(1280, 1000).await.unwrap();

    // 删除 asks once more, then the draft is gone.
    click(&c, &format!("#delete-{half}")).await;
    click(&c, &format!("#confirm-delete-{half}")).await;
    wait_for_text(&c, "已删除").await;
    assert!(c
        .find(Locator::Css(&format!("#draft-{half}")))
        .await
        .is_err());
    shoot(&c, "r17-02-my-claims-after-delete").await;
}
