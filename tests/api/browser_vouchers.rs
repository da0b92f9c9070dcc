//! R20 in a real browser: finance's 记账凭证 for May 2021 after R20's worked example, a voucher's
//! print view in the accountants' shape, and that view printed on one page. Screenshots under
//! `target/screenshots/`.

use fantoccini::Locator;

use crate::browser::{browser, shoot, sign_in, text_of};
use crate::helpers::{spawn_app, TestApp, R};
use crate::web::web_person as person;

const OPS: &str = "dept.project.petition-work.operations";

/// How many pages a PDF has: its `/Type /Page` objects (not the `/Type /Pages` tree).
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

/// R8's claim of 1,231.00 paid on 2021-05-20 by `finance`, after a first claim paid the same day:
/// two vouchers in May. Returns the claim's id.
async fn two_paid_claims(app: &TestApp, traveller: &str, finance: &str) -> i64 {
    let line = app.line_id(OPS).await;
    let mut last = 0;
    for _ in 0..2 {
        let claim = app.submit(traveller, &crate::helpers::r8_claim(line)).await;
        crate::vouchers::approve(app, finance, claim).await;
        crate::vouchers::pay(app, finance, claim, "2021-05-20")
            .await
            .assert(200, "");
        last = claim;
    }
    last
}

#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn the_voucher_list_and_its_print_view_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let traveller = app.user("张三", &[R::Claimant]);
    let (finance, pw) = person(&app, "李会计", &[R::Finance], "likuaiji");
    let claim = two_paid_claims(&app, &traveller, &finance).await;
    sign_in(&c, &base, "likuaiji", &pw).await;

    // The claim's page links to its vouchers.
    c.goto(&format!("{base}/claims/{claim}")).await.unwrap();
    c.find(Locator::Css("#claim-vouchers"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let listed = text_of(&c, "#vouchers").await;
    assert!(listed.contains("记-2021-05-0002"), "{listed}");
    assert!(!listed.contains("记-2021-05-0001"), "{listed}");

    // The month, filtered by amount.
    c.goto(&format!("{base}/vouchers?month=2021-05"))
        .await
        .unwrap();
    let listed = text_of(&c, "#vouchers").await;
    assert!(
        listed.contains("记-2021-05-0001") && listed.contains("记-2021-05-0002"),
        "{listed}"
    );
    assert!(listed.contains("张三 赴省汇报信访工作 差旅费"), "{listed}");
    assert_eq!(text_of(&c, "#vouchers-total").await, "¥2,462.00");
    shoot(&c, "issue34-vouchers-2021-05").await;
    c.goto(&format!("{base}/vouchers?month=2021-05&amount=9.99"))
        .await
        .unwrap();
    assert!(text_of(&c, "#no-vouchers").await.contains("没有符合条件"));
    c.goto(&format!("{base}/vouchers?month=2021-5x"))
        .await
        .unwrap();
    assert!(text_of(&c, "#filter-problem").await.contains("2021-5x"));

    // The print view: both ledgers, totals in capitals, the boxes to sign.
    c.goto(&format!("{base}/vouchers?month=2021-05&number=0002"))
        .await
        .unwrap();
    c.find(Locator::Css("#vouchers a[href$='/print']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        text_of(&c, "#print-number").await,
        "凭证号：记-2021-05-0002"
    );
    let financial = text_of(&c, "#print-financial").await;
    assert!(
        financial.contains("5001 业务活动费用") && financial.contains("1011 零余额账户用款额度"),
        "{financial}"
    );
    assert!(
        financial.contains("合计：人民币壹仟贰佰叁拾壹元整"),
        "{financial}"
    );
    let budgetary = text_of(&c, "#print-budgetary").await;
    assert!(
        budgetary.contains("7201 行政支出") && budgetary.contains("机关日常运行保障"),
        "{budgetary}"
    );
    let sheet = text_of(&c, ".sheet").await;
    for word in ["附单据", "制单", "审核", "记账", "李会计"] {
        assert!(sheet.contains(word), "{word}: {sheet}");
    }
    c.set_window_size(1280, 1000).await.unwrap();
    let pdf = c
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("issue34-voucher-print.pdf"), &pdf).unwrap();
    assert_eq!(pdf_pages(&pdf), 1, "a voucher prints on one page");
    shoot(&c, "issue34-voucher-print").await;
    c.close().await.unwrap();
}
