//! R17 in a real browser: files attached by the claim page's file input (several at once) and by
//! dropping them on its form, listed with their sizes and an image's thumbnail, downloaded, one
//! removed, and the 报销单 counting them; screenshots under `target/screenshots/` (skipped loudly
//! without Chromium, like the other browser tests).

use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::browser::{browser, click, line_id, shoot, sign_in, text_of, wait_for_text};
use crate::helpers::{r8_claim, spawn_app, TestApp, R};

/// A claimant with a web login and an API token.
fn claimant(app: &TestApp) -> String {
    crate::web::web_person(app, "张三", &[R::Claimant], "zhangsan").0
}

/// Fetches `path` in the page's session, as its 下载 link does: status, headers, size.
async fn fetched(c: &Client, path: &str) -> Value {
    let script = r"
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async (r) => done({
            status: r.status,
            type: r.headers.get('content-type'),
            disposition: r.headers.get('content-disposition'),
            nosniff: r.headers.get('x-content-type-options'),
            size: (await r.arrayBuffer()).byteLength,
        })).catch((e) => done({error: String(e)}));
    ";
    c.execute_async(script, vec![Value::from(path)])
        .await
        .unwrap()
}

#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn files_are_attached_by_the_file_input_and_by_drop_and_downloaded() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let token = claimant(&app);
    let claim = app.submit(&token, &r8_claim(line_id(&app))).await;
    sign_in(&c, &base, "zhangsan", "zhangsan-password").await;

    // Two real files on disk: a picture (the sign-in page as the browser drew it) and a PDF.
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("火车票.png");
    std::fs::write(&picture, c.screenshot().await.unwrap()).unwrap();
    let scan = dir.path().join("住宿发票.pdf");
    std::fs::write(
        &scan,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    )
    .unwrap();

    c.goto(&format!("{base}/claims/{claim}")).await.unwrap();
    wait_for_text(&c, "还没有附件").await;
    // Both at once through the file input; before sending, the form lists each with its size.
    let input = c.find(Locator::Css("#attach-files")).await.unwrap();
    input
        .send_keys(&format!("{}\n{}", picture.display(), scan.display()))
        .await
        .unwrap();
    let chosen = text_of(&c, "#attach-chosen").await;
    assert!(
        chosen.contains("火车票.png") && chosen.contains("住宿发票.pdf"),
        "{chosen}"
    );
    assert!(chosen.contains("KB") || chosen.contains("字节"), "{chosen}");
    click(&c, "#attach-submit").await;
    wait_for_text(&c, "已添加附件").await;
    assert!(text_of(&c, "#attachment-count").await.contains("共 2 个"));
    let listed = text_of(&c, "#attachments").await;
    assert!(
        listed.contains("火车票.png") && listed.contains("PNG"),
        "{listed}"
    );
    assert!(
        listed.contains("住宿发票.pdf") && listed.contains("PDF"),
        "{listed}"
    );
    // The picture is shown small, drawn from its own download address; the PDF is not drawn.
    let thumbs = c.find_all(Locator::Css("img.thumb")).await.unwrap();
    assert_eq!(thumbs.len(), 1);
    // Asked once the picture has settled (loaded or failed), however long its download takes.
    let drawn = c
        .execute_async(
            r"
            const done = arguments[arguments.length - 1];
            const i = document.querySelector('img.thumb');
            const settled = () => done(i.naturalWidth > 0);
            if (i.complete) { settled(); }
            else { i.addEventListener('load', settled); i.addEventListener('error', settled); }
            ",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(drawn, Value::Bool(true), "the thumbnail did not load");

    // Dropped on the form, where scripts run: listed, then sent.
    c.execute(
        r"
        const data = new DataTransfer();
        data.items.add(new File(['<?xml version=\'1.0\'?><EInvoice><No>1</No></EInvoice>'],
            '电子发票.xml', {type: 'text/xml'}));
        const form = document.getElementById('attach-form');
        form.dispatchEvent(new DragEvent('dragover', {dataTransfer: data, bubbles: true}));
        form.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true}));
        ",
        vec![],
    )
    .await
    .unwrap();
    assert!(text_of(&c, "#attach-chosen").await.contains("电子发票.xml"));
    click(&c, "#attach-submit").await;
    wait_for_text(&c, "已添加附件：电子发票.xml").await;
    assert!(text_of(&c, "#attachment-count").await.contains("共 3 个"));

    // Downloaded in the session, as its link does: the bytes, as an attachment, nosniff.
    let link = c
        .find(Locator::Css("#attachments li:nth-child(2) a.download"))
        .await
        .unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    let got = fetched(&c, &href).await;
    assert_eq!(got["status"], 200, "{got}");
    assert_eq!(got["type"], "application/pdf", "{got}");
    assert_eq!(got["nosniff"], "nosniff", "{got}");
    assert!(
        got["disposition"]
            .as_str()
            .is_some_and(|d| d.starts_with("attachment;") && d.contains("filename*=UTF-8''")),
        "{got}"
    );
    assert_eq!(
        got["size"],
        std::fs::metadata(&scan).unwrap().len(),
        "{got}"
    );
    shoot(&c, "claim-attachments").await;

    // The 报销单 counts them.
    c.goto(&format!("{base}/claims/{claim}/print"))
        .await
        .unwrap();
    assert_eq!(text_of(&c, "#print-attachments").await, "共 3 张");
    shoot(&c, "claim-print-attachments").await;

    // 删除 one: gone from the page and from the count.
    c.goto(&format!("{base}/claims/{claim}")).await.unwrap();
    click(&c, "#attachments li:nth-child(3) button.danger").await;
    wait_for_text(&c, "已删除附件。").await;
    assert!(text_of(&c, "#attachment-count").await.contains("共 2 个"));
    assert!(!text_of(&c, "#attachments").await.contains("电子发票.xml"));
    c.close().await.unwrap();
}
