//! 老干部补助 and the admin's pages in a real browser (see `browser.rs` for the harness): a
//! finance clerk makes the H2 batch, a second approves it and downloads the payment file; an
//! admin adds a user who can then sign in. Each page is saved at 1280 and 375 px.

use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::browser::{body_text, browser, shoot, sign_in, sign_out, type_into, wait_for_text};
use crate::helpers::{spawn_app, R};
use crate::web::web_user;

async fn click(c: &Client, locator: Locator<'_>) {
    c.find(locator).await.unwrap().click().await.unwrap();
}

async fn replace(c: &Client, css: &str, text: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn two_clerks_make_approve_and_download_the_h2_subsidy_batch_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (_, maker_pw) = web_user(&app, "出纳 甲", &[R::Finance], "jia");
    let (_, checker_pw) = web_user(&app, "会计 乙", &[R::Finance], "yi");

    sign_in(&c, &base, "jia", &maker_pw).await;
    wait_for_text(&c, "待审核").await;
    click(&c, Locator::LinkText("老干部补助")).await;
    c.wait().for_element(Locator::Css("#r-name")).await.unwrap();
    // 制作批次: each label stands right above its control, at 1280 and at 375 px.
    for width in [1280u32, 375] {
        c.set_window_size(width, 900).await.unwrap();
        for id in ["batch-line", "batch-year", "batch-half"] {
            let gap = c
                .execute(
                    "const l = document.querySelector(`label[for='${arguments[0]}']`)\
                       .getBoundingClientRect(); \
                     const f = document.getElementById(arguments[0]).getBoundingClientRect(); \
                     return [Math.round(f.left - l.left), Math.round(f.top - l.bottom)];",
                    vec![serde_json::json!(id)],
                )
                .await
                .unwrap();
            let gap: Vec<i64> = gap
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            assert!(
                gap[0] == 0 && (0..=6).contains(&gap[1]),
                "at {width} px the label of #{id} is not above it: {gap:?}"
            );
        }
    }
    shoot(&c, "subsidy-0-empty").await;
    for (name, from) in [("郭老", "2021-01-01"), ("王老", "2021-09-16")] {
        type_into(&c, "#r-name", name).await;
        type_into(&c, "#r-from", from).await;
        // Enter in the last field submits the form, as a keyboard user would.
        type_into(&c, "#r-monthly", &char::from(Key::Enter).to_string()).await;
        wait_for_text(&c, &format!("已添加 {name}")).await;
    }
    replace(&c, "#batch-year", "2021").await;
    c.find(Locator::Css("#batch-half"))
        .await
        .unwrap()
        .select_by_value("2")
        .await
        .unwrap();
    click(&c, Locator::Css("form[action='/subsidy/batches'] button")).await;
    let made = c
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(Locator::Css("#why-no-approve"))
        .await;
    let text = body_text(&c).await;
    assert!(made.is_ok(), "{text}");
    assert!(text.contains("已制作 2021 年下半年批次"), "{text}");
    assert!(text.contains("人民币壹万零肆佰伍拾元整"), "{text}");
    assert!(text.contains("另一位财务人员核对后批准"));
    assert!(c
        .find(Locator::Css("form[action$='/approve']"))
        .await
        .is_err());
    let batch_url = c.current_url().await.unwrap().to_string();
    shoot(&c, "subsidy-1-batch-maker").await;
    c.goto(&format!("{base}/subsidy")).await.unwrap();
    shoot(&c, "subsidy-2-list").await;
    sign_out(&c).await;

    sign_in(&c, &base, "yi", &checker_pw).await;
    wait_for_text(&c, "待审核").await;
    c.goto(&batch_url).await.unwrap();
    click(&c, Locator::Css("form[action$='/approve'] button")).await;
    wait_for_text(&c, "批次已批准").await;
    shoot(&c, "subsidy-3-batch-approved").await;
    let link = c
        .find(Locator::LinkText("下载代发文件（CSV）"))
        .await
        .unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    // The file as the browser downloads it, with this session's cookie.
    let got = c
        .execute(
            "var x = new XMLHttpRequest(); x.open('GET', arguments[0], false); x.send(); \
             return [x.status, x.getResponseHeader('content-disposition'), x.responseText];",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(got[0], 200, "{got}");
    assert!(got[1].as_str().unwrap().contains("subsidy-2021-H2-batch-"));
    let csv = got[2].as_str().unwrap();
    assert!(csv.contains("郭老") && csv.contains("6600.00"), "{csv}");
    assert!(csv.contains("王老") && csv.contains("3850.00"), "{csv}");
    let api = app
        .get(
            &app.admin,
            &format!(
                "/api/v1/subsidy-batches/{}",
                batch_url.rsplit('/').next().unwrap()
            ),
        )
        .await;
    assert_eq!(api.body["status"], "approved");
}

#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn an_admin_adds_a_user_who_then_signs_in_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (_, admin_pw) = web_user(&app, "管理员 丙", &[R::Admin], "bing");

    sign_in(&c, &base, "bing", &admin_pw).await;
    click(&c, Locator::LinkText("用户")).await;
    c.wait().for_element(Locator::Css("#u-name")).await.unwrap();
    shoot(&c, "admin-0-users").await;
    type_into(&c, "#u-name", "新会计 丁").await;
    click(&c, Locator::Css("input[name='roles'][value='finance']")).await;
    click(&c, Locator::Css("input[name='roles'][value='claimant']")).await;
    type_into(&c, "#u-login", "ding").await;
    type_into(
        &c,
        "#u-password",
        &format!("first-pass-1{}", char::from(Key::Enter)),
    )
    .await;
    wait_for_text(&c, "已添加 新会计 丁，登录名 ding").await;
    shoot(&c, "admin-1-user-added").await;
    click(&c, Locator::LinkText("预算科目")).await;
    c.wait().for_element(Locator::Css("#l-code")).await.unwrap();
    replace(&c, "#year", "2021").await;
    click(
        &c,
        Locator::Css("form[action='/admin/budget-lines'][method='get'] button"),
    )
    .await;
    wait_for_text(&c, "预算科目（2021 年）").await;
    shoot(&c, "admin-2-budget-lines").await;
    click(&c, Locator::LinkText("差旅费标准")).await;
    c.wait()
        .for_element(Locator::Css("#p-policy"))
        .await
        .unwrap();
    shoot(&c, "admin-3-policy").await;
    sign_out(&c).await;

    sign_in(&c, &base, "ding", "first-pass-1").await;
    c.wait().for_element(Locator::Css("#repeat")).await.unwrap();
    type_into(&c, "#current", "first-pass-1").await;
    type_into(&c, "#password", "my-own-pass-2").await;
    type_into(
        &c,
        "#repeat",
        &format!("my-own-pass-2{}", char::from(Key::Enter)),
    )
    .await;
    // The finance queue itself: the password page's menu already says 待审核.
    wait_for_text(&c, "按提交先后排列").await;
    shoot(&c, "admin-4-own-password-changed").await;
    let text = body_text(&c).await;
    assert!(
        text.contains("待审核") && text.contains("新会计 丁"),
        "{text}"
    );
    assert!(
        text.contains("密码已更改"),
        "told on the page landed on: {text}"
    );
    assert!(text.contains("老干部补助") && !text.contains("差旅费标准"));
}

/// 代发信息 in a real browser: a clerk adds a recipient with identity number, bank and account
/// and sees them masked; the batch page warns of the recipient without them; finance is offered
/// the file, the admin and the budget holder are not.
#[tokio::test]
#[cfg_attr(no_browser, ignore = "needs chromium and chromedriver on PATH")]
async fn payment_details_are_added_masked_and_the_file_offered_to_finance_only_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let (_, maker_pw) = web_user(&app, "出纳 甲", &[R::Finance], "jia");
    let (_, checker_pw) = web_user(&app, "会计 乙", &[R::Finance], "yi");
    let (_, admin_pw) = web_user(&app, "管理员 丙", &[R::Admin], "bing");
    let (_, holder_pw) = web_user(&app, "负责人 丁", &[R::BudgetHolder], "ding");

    sign_in(&c, &base, "jia", &maker_pw).await;
    click(&c, Locator::LinkText("老干部补助")).await;
    c.wait().for_element(Locator::Css("#r-id")).await.unwrap();
    type_into(&c, "#r-name", "郭老").await;
    type_into(&c, "#r-from", "2021-01-01").await;
    // A mistyped identity number first: refused beside the field, the rest kept.
    type_into(&c, "#r-id", "110105194912310021").await;
    type_into(&c, "#r-bank", "中国农业银行邢台分行").await;
    type_into(&c, "#r-account", "6222 0202 0001 2345").await;
    click(
        &c,
        Locator::Css("#add-recipient-form button[type='submit']"),
    )
    .await;
    wait_for_text(&c, "身份证号的校验位与前 17 位不符，请逐位核对").await;
    let kept = c
        .find(Locator::Css("#r-account"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("6222 0202 0001 2345"));
    shoot(&c, "subsidy-payee-0-refused").await;
    replace(&c, "#r-id", "11010519491231002x").await;
    click(
        &c,
        Locator::Css("#add-recipient-form button[type='submit']"),
    )
    .await;
    wait_for_text(&c, "已添加 郭老").await;
    type_into(&c, "#r-name", "王老").await;
    type_into(&c, "#r-from", "2021-09-16").await;
    click(
        &c,
        Locator::Css("#add-recipient-form button[type='submit']"),
    )
    .await;
    wait_for_text(&c, "已添加 王老").await;
    let text = body_text(&c).await;
    assert!(
        text.contains("身份证号 **************002X") && text.contains("账号 **** 2345"),
        "{text}"
    );
    assert!(!text.contains("11010519491231002X") && !text.contains("6222020200012345"));
    assert!(text.contains("补填代发信息"), "{text}");
    shoot(&c, "subsidy-payee-1-recipients").await;

    replace(&c, "#batch-year", "2021").await;
    c.find(Locator::Css("#batch-half"))
        .await
        .unwrap()
        .select_by_value("2")
        .await
        .unwrap();
    click(&c, Locator::Css("form[action='/subsidy/batches'] button")).await;
    wait_for_text(&c, "已制作 2021 年下半年批次").await;
    assert_eq!(
        c.find(Locator::Css("#missing-payee"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "1 人缺少身份证号或银行账号：请在老干部名单中补齐，再按现在的名单重新生成本批次。 去老干部名单"
    );
    let batch_url = c.current_url().await.unwrap().to_string();
    sign_out(&c).await;

    sign_in(&c, &base, "yi", &checker_pw).await;
    c.goto(&batch_url).await.unwrap();
    click(&c, Locator::Css("form[action$='/approve'] button")).await;
    wait_for_text(&c, "批次已批准").await;
    let link = c
        .find(Locator::LinkText("下载代发文件（CSV）"))
        .await
        .unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    let got = c
        .execute(
            "var x = new XMLHttpRequest(); x.open('GET', arguments[0], false); x.send(); \
             return [x.status, x.responseText];",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(got[0], 200, "{got}");
    let csv = got[1].as_str().unwrap().trim_start_matches('\u{feff}');
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "序号,姓名,身份证号,开户行,账号,金额,月份");
    assert_eq!(
        rows[1],
        "1,郭老,11010519491231002X,中国农业银行邢台分行,6222020200012345,6600.00,2021-07至2021-12"
    );
    assert_eq!(rows[3], "合计,2 人,,,,10450.00,");
    shoot(&c, "subsidy-payee-2-batch-finance").await;
    sign_out(&c).await;

    for (login, password) in [("bing", &admin_pw), ("ding", &holder_pw)] {
        sign_in(&c, &base, login, password).await;
        c.goto(&batch_url).await.unwrap();
        wait_for_text(&c, "1 人缺少身份证号或银行账号").await;
        let text = body_text(&c).await;
        assert!(!text.contains("下载代发文件"), "{login}: {text}");
        assert!(c
            .find(Locator::Css("a[href$='/payment-file']"))
            .await
            .is_err());
        sign_out(&c).await;
    }
}
