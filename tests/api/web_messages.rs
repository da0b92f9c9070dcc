//! web.md "Messages a person can act on": every refusal of a form says, in Chinese, what is
//! wrong with the values that make it right (the trip's dates, the estimate, the approval date),
//! over plain HTTP on SQLite and PostgreSQL.

use crate::helpers::*;
use crate::web::{r8_form, signed_in};

const OPERATIONS: &str = "dept.project.petition-work.operations";

/// The R8 form with some fields replaced (and rows added by their own keys).
fn changed(base: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = base
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    form.extend(changes.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    form
}

fn borrowed(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Each refusal of the claim form reads as itself, beside its field and at the top: none is
/// taken for a date typed in the wrong format.
#[tokio::test]
async fn each_claim_form_refusal_says_what_is_wrong() {
    let app = spawn_app().await;
    let line = app.line_id(OPERATIONS).await;
    let mut claimant = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let csrf = claimant.csrf("/claims/new").await;
    let base = r8_form(line, &csrf, "submit");
    let trip = "出差期间是 2021-05-10 至 2021-05-12";
    let cases: Vec<(Vec<(&str, &str)>, String)> = vec![
        (
            vec![("return_date", "2021-05-09")],
            "「返回日期」：不能早于出发日期（2021-05-10）".into(),
        ),
        (
            vec![("meals-0-date", "2021-05-20")],
            format!("对方提供餐食第1行「日期」：这一天不在出差期间内，{trip}"),
        ),
        (
            vec![("vehicles-rows", "1"), ("vehicles-0-date", "2021-05-13")],
            format!("对方派车第1行：这一天不在出差期间内，{trip}"),
        ),
        (
            vec![("departure_date", "1999-05-10")],
            "「出发日期」：日期应在 2000-01-01 到 2099-12-31 之间（年份 2000 到 2099）".into(),
        ),
        (
            vec![("stays-0-check_in", "2021-05-09")],
            format!("住宿第1行「入住日期」：住宿不在出差期间内：入住早于出发，{trip}"),
        ),
        (
            vec![("stays-0-check_out", "2021-05-13")],
            format!("住宿第1行「退房日期」：住宿不在出差期间内：退房晚于返回，{trip}"),
        ),
        (
            vec![
                ("stays-rows", "2"),
                ("stays-0-check_out", "2021-05-12"),
                ("stays-1-city", "石家庄"),
                ("stays-1-check_in", "2021-05-11"),
                ("stays-1-check_out", "2021-05-12"),
                ("stays-1-amount", "100"),
                ("stays-1-invoice", "yes"),
            ],
            "住宿第2行「入住日期」：与另一行住宿的日期重叠".into(),
        ),
        (
            vec![("stays-0-check_out", "2021-05-10")],
            "住宿第1行「退房日期」：应晚于入住日期（2021-05-10）".into(),
        ),
        (
            vec![("destination", "上海")],
            "「目的地」：不认识的城市「上海」。可填写：邢台、石家庄、北京".into(),
        ),
        (
            vec![("destination", "")],
            "「目的地」：必填，可填写：邢台、石家庄、北京".into(),
        ),
        (
            vec![("departure_date", "2021/05/10")],
            "「出发日期」：请按 2021-05-10 的格式填写日期".into(),
        ),
    ];
    for (change, expected) in cases {
        let form = changed(&base, &change);
        let page = claimant.post("/claims/new", &borrowed(&form)).await;
        assert_eq!(page.status, 422, "{change:?}");
        assert!(
            page.body.contains(&format!("未能提交：{expected}")),
            "{change:?} should read {expected}: {}",
            page.body
        );
        if !expected.contains("格式") {
            assert!(
                !page.body.contains("请按 2021-05-10 的格式填写日期"),
                "{change:?} is not a format error"
            );
        }
    }
    assert_eq!(
        app.get(&app.admin, "/api/v1/travel-claims").await.body,
        json!([])
    );
}

/// Finance's payment dates, a request's advance, and an advance paid above the estimate: each
/// refusal names its field in Chinese and gives the date or amount that bounds it.
#[tokio::test]
async fn payment_and_advance_refusals_give_their_bounds() {
    let app = spawn_app().await;
    let line = app.line_id(OPERATIONS).await;
    let mut claimant = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let mut finance = signed_in(&app, "李四", &[R::Finance], "lisi").await;
    let mut holder = signed_in(&app, "王科长", &[R::BudgetHolder], "wangkz").await;

    // A claim approved today; paying it before its approval, or 30+ days ahead, is refused.
    let csrf = claimant.csrf("/claims/new").await;
    let own = claimant
        .post("/claims/new", &borrowed(&r8_form(line, &csrf, "submit")))
        .await;
    assert_eq!(own.status, 303, "{}", own.body);
    let id: i64 = own.location.trim_start_matches("/claims/").parse().unwrap();
    let fcsrf = finance.csrf("/finance").await;
    finance
        .post(
            &format!("/finance/claims/{id}/approve"),
            &[("csrf", &fcsrf)],
        )
        .await;
    for (paid_on, expected) in [
        ("2021-05-01", "「支付日期」：不能早于批准日期 "),
        ("2099-01-01", "「支付日期」：最晚只能是 "),
        (
            "1999-05-01",
            "「支付日期」：日期应在 2000-01-01 到 2099-12-31 之间（年份 2000 到 2099）",
        ),
        ("2021/05/01", "「支付日期」：请按 2021-05-10 的格式填写日期"),
    ] {
        let r = finance
            .post(
                &format!("/finance/claims/{id}/pay"),
                &[("csrf", &fcsrf), ("paid_on", paid_on)],
            )
            .await;
        assert_eq!(r.status, 303);
        let page = finance.get(&r.location).await.body;
        assert!(
            page.contains(&format!("报销单 {id}：{expected}")),
            "{paid_on}: {page}"
        );
    }

    // A request whose advance is above its estimate.
    let rcsrf = claimant.csrf("/travel-requests").await;
    let line_text = line.to_string();
    let request = |advance: &'static str| {
        vec![
            ("csrf", rcsrf.clone()),
            ("action", "submit".to_string()),
            ("budget_line_id", line_text.clone()),
            ("purpose", "赴京参加信访业务培训".to_string()),
            ("destination", "北京".to_string()),
            ("departure_date", "2021-03-02".to_string()),
            ("return_date", "2021-03-05".to_string()),
            ("travellers", "2".to_string()),
            ("tickets_estimate", "600".to_string()),
            ("advance_requested", advance.to_string()),
        ]
    };
    let too_much = request("5000");
    let form: Vec<(&str, &str)> = too_much.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = claimant.post("/travel-requests", &form).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("「借款金额」：借款不能超过预估费用 ¥4,440.00（R16）"),
        "{}",
        page.body
    );

    // An advance paid above the estimate, on the 借款 page.
    let fine = request("3000");
    let form: Vec<(&str, &str)> = fine.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(claimant.post("/travel-requests", &form).await.status, 303);
    let listed = app.get(&app.admin, "/api/v1/travel-requests").await;
    let request_id = listed.body[0]["id"].as_i64().unwrap();
    let hcsrf = holder.csrf("/travel-requests/queue").await;
    let approved = holder
        .post(
            &format!("/travel-requests/{request_id}/approve"),
            &[("csrf", &hcsrf)],
        )
        .await;
    assert_eq!(approved.status, 303);
    let r = finance
        .post(
            &format!("/advances/requests/{request_id}/pay"),
            &[
                ("csrf", &fcsrf),
                ("amount", "9000"),
                ("paid_on", "2021-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = finance.get("/advances").await.body;
    assert!(
        page.contains(&format!(
            "出差申请 {request_id}：借款不能超过预估费用 ¥4,440.00（R16）。"
        )),
        "{page}"
    );
    assert!(!page.contains("未知"), "{page}");
}

/// A claim with a stay and no lodging invoice pays nothing (R4): the banner says the whole
/// claim, and every line says why it is 0.00, in Chinese, without a reason that is not true.
#[tokio::test]
async fn a_forfeited_claim_explains_every_line_truly() {
    let app = spawn_app().await;
    let line = app.line_id(OPERATIONS).await;
    let mut claimant = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let csrf = claimant.csrf("/claims/new").await;
    let form = changed(&r8_form(line, &csrf, "quote"), &[("stays-0-invoice", "no")]);
    let page = claimant.post("/claims/new", &borrowed(&form)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    assert!(
        body.contains("整张报销单不予报销：</strong>缺少住宿发票：按 R4，有住宿没有发票的报销单整张不予报销，可报销 ¥0.00；补齐发票后重新提交。"),
        "{body}"
    );
    assert!(
        body.contains("R4 有住宿没有发票，整张报销单不予报销，本项为 ¥0.00"),
        "{body}"
    );
    for untrue in ["对方派车，当天不发", "lodging without", "不超过每晚 的限额"] {
        assert!(!body.contains(untrue), "{untrue}: {body}");
    }

    // Submitted and read back from the database, the claim's page says the same.
    let form = changed(
        &r8_form(line, &csrf, "submit"),
        &[("stays-0-invoice", "no")],
    );
    let submitted = claimant.post("/claims/new", &borrowed(&form)).await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    let shown = claimant.get(&submitted.location).await.body;
    assert!(
        shown.contains("R4 有住宿没有发票，整张报销单不予报销，本项为 ¥0.00"),
        "{shown}"
    );
    for untrue in ["对方派车，当天不发", "lodging without", "不超过每晚 的限额"] {
        assert!(!shown.contains(untrue), "{untrue}: {shown}");
    }

    // An eligible claim's lines say their rates and cities in Chinese.
    let form = r8_form(line, &csrf, "quote");
    let body = claimant.post("/claims/new", &borrowed(&form)).await.body;
    for shown in [
        "R4 住宿费按发票实报，石家庄不超过每晚 ¥300.00 的限额（2 晚）",
        "R6 市内交通费，石家庄每天 ¥80.00",
    ] {
        assert!(body.contains(shown), "{shown}: {body}");
    }
}
