//! R19 in a real browser: 数电发票 imported into a new claim's form by its file input (the
//! hotel's and a train's, at once), each filling its row; a wrong buyer's refused in place, in
//! Chinese; with screenshots under `target/screenshots/` at 1280 and 375 px.

use fantoccini::{Client, Locator};

use crate::browser::{
    body_text, browser, click, line_id, shoot, sign_in, text_of, type_into, wait_for_text,
};
use crate::helpers::{spawn_app, R};
use crate::web::web_user;

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/einvoice/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

async fn value_of(c: &Client, css: &str) -> String {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.prop("value").await.unwrap().unwrap_or_default()
}

async fn import(c: &Client, files: &[&str]) {
    let paths: Vec<String> = files.iter().map(|f| fixture(f)).collect();
    let input = c.find(Locator::Css("#invoice-files")).await.unwrap();
    input.send_keys(&paths.join("\n")).await.unwrap();
    click(c, "#import-submit").await;
}

#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn invoices_fill_the_claim_form_and_a_refusal_is_said_in_place() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let set = app
        .send(
            app.client
                .put(app.url("/api/v1/organisation"))
                .bearer_auth(&app.admin)
                .json(&serde_json::json!({"tax_id": "11130532MB0000001C"})),
        )
        .await;
    set.assert(200, "");
    let base = app.address.clone();
    let (_, password) = web_user(&app, "张三", &[R::Claimant], "zhangsan");
    sign_in(&c, &base, "zhangsan", &password).await;

    c.goto(&format!("{base}/claims/new")).await.unwrap();
    type_into(&c, "#purpose", "赴省汇报信访工作").await;
    type_into(&c, "#destination", "石家庄").await;
    import(&c, &["hotel.xml", "train.xml"]).await;
    wait_for_text(&c, "已填入第 1 行住宿").await;
    wait_for_text(&c, "已填入第 1 行城市间交通").await;
    // Typed work is kept, the invoices' rows are filled, and both files are the draft's.
    assert_eq!(value_of(&c, "#purpose").await, "赴省汇报信访工作");
    assert!(!value_of(&c, "#stays-0-amount").await.is_empty());
    assert!(!value_of(&c, "#stays-0-invoice_no").await.is_empty());
    assert!(!value_of(&c, "#tickets-0-amount").await.is_empty());
    assert!(!value_of(&c, "#tickets-0-description").await.is_empty());
    wait_for_text(&c, "共 2 个").await;
    shoot(&c, "r19-01-claim-form-after-import").await;

    import(&c, &["wrong_buyer.xml"]).await;
    wait_for_text(&c, "发票抬头").await;
    assert_eq!(value_of(&c, "#destination").await, "石家庄");
    wait_for_text(&c, "共 2 个").await;
    shoot(&c, "r19-02-claim-form-after-a-refusal").await;

    // Dropped on the box where scripts run: imported at once, into the next ticket row.
    let bus = std::fs::read_to_string(fixture("bus.xml")).unwrap();
    c.execute(
        r"
        const data = new DataTransfer();
        data.items.add(new File([arguments[0]], 'bus.xml', {type: 'text/xml'}));
        const zone = document.getElementById('import-invoices');
        zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: data, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
        ",
        vec![serde_json::Value::String(bus)],
    )
    .await
    .unwrap();
    wait_for_text(&c, "已填入第 2 行城市间交通").await;
    wait_for_text(&c, "共 3 个").await;

    // The rest typed by hand, then submitted: the claim carries the invoices and their files.
    c.find(Locator::Css("#budget_line_id"))
        .await
        .unwrap()
        .select_by_value(&line_id(&app).to_string())
        .await
        .unwrap();
    type_into(&c, "#departure_date", "2021-05-10").await;
    type_into(&c, "#return_date", "2021-05-12").await;
    type_into(&c, "#stays-0-city", "石家庄").await;
    type_into(&c, "#stays-0-check_in", "2021-05-10").await;
    type_into(&c, "#stays-0-check_out", "2021-05-12").await;
    click(&c, "#submit-claim").await;
    wait_for_text(&c, "已提交").await;
    assert_eq!(text_of(&c, "#claim-status").await, "待审核");
    let page = body_text(&c).await;
    assert!(
        page.contains("21132000000012345678") && page.contains("共 3 个"),
        "{page}"
    );
    shoot(&c, "r19-03-claim-submitted-from-invoices").await;
}
