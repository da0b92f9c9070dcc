//! The 预算调整 pages (R14): a budget holder requests, finance approves or rejects from the
//! queue, refusals in Chinese in place, and a line's history with its document numbers.

use crate::helpers::*;
use crate::web::signed_in;

#[tokio::test]
async fn a_budget_holder_requests_and_finance_decides_on_the_adjustments_page() {
    let app = spawn_app().await;
    let mut holder = signed_in(&app, "赵预算", &[R::BudgetHolder], "zhao").await;
    let mut finance = signed_in(&app, "钱财务", &[R::Finance], "qian").await;
    let mut both = signed_in(&app, "孙两职", &[R::BudgetHolder, R::Finance], "sun").await;
    let mut claimant = signed_in(&app, "张三", &[R::Claimant], "zhang").await;
    assert_eq!(claimant.get("/adjustments?year=2021").await.status, 403);
    let publicity = app.line_id("dept.project.petition-work.publicity").await;
    let beijing = app.line_id("dept.project.petition-work.beijing-duty").await;

    let page = holder.get("/adjustments?year=2021").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("申请预算调整"), "{}", page.body);
    let csrf = page.csrf();
    let (p, b) = (publicity.to_string(), beijing.to_string());
    let r = holder
        .post(
            "/adjustments",
            &[
                ("csrf", &csrf),
                ("year", "2021"),
                ("kind", "transfer"),
                ("line_id", &b),
                ("from_line_id", &p),
                ("amount", "5100.00"),
                ("reason", "驻京值班三人全年"),
                ("document_no", "平财预〔2021〕12号"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, "/adjustments?year=2021")
    );
    let mine = holder.get("/adjustments?year=2021").await.body;
    assert!(mine.contains("已提交，等待财务审批"), "{mine}");
    assert!(
        mine.contains("待审批") && mine.contains("平财预〔2021〕12号"),
        "{mine}"
    );
    // A bad amount is refused in place, in Chinese, naming the field.
    holder
        .post(
            "/adjustments",
            &[
                ("csrf", &csrf),
                ("year", "2021"),
                ("kind", "supplement"),
                ("line_id", &b),
                ("amount", "abc"),
                ("reason", "追加"),
            ],
        )
        .await;
    let refused = holder.get("/adjustments?year=2021").await.body;
    assert!(
        refused.contains("金额") || refused.contains("amount"),
        "{refused}"
    );

    // The one who asked cannot approve.
    let own_csrf = both.csrf("/adjustments?year=2021").await;
    both.post(
        "/adjustments",
        &[
            ("csrf", &own_csrf),
            ("year", "2021"),
            ("kind", "reduce"),
            ("line_id", &p),
            ("amount", "999999.00"),
            ("reason", "调减"),
        ],
    )
    .await;
    let list = app
        .get(&app.admin, "/api/v1/budget-adjustments?year=2021")
        .await
        .body;
    let (first, second) = (
        list[1]["id"].as_i64().unwrap(),
        list[0]["id"].as_i64().unwrap(),
    );
    both.post(
        &format!("/adjustments/{second}/approve"),
        &[("csrf", &own_csrf), ("year", "2021")],
    )
    .await;
    let page = both.get("/adjustments?year=2021").await.body;
    assert!(page.contains("不能审批自己提出的预算调整"), "{page}");
    // Nor is it offered to them: their own request has no 批准 in their queue.
    assert!(
        page.contains("这是您提出的申请，需由其他财务人员审批"),
        "{page}"
    );
    assert!(
        !page.contains(&format!("/adjustments/{second}/approve")),
        "{page}"
    );
    assert!(
        page.contains(&format!("/adjustments/{first}/approve")),
        "{page}"
    );

    // Finance sees both in the queue, approves the transfer; the reduction is refused in place.
    let queue = finance.get("/adjustments?year=2021").await;
    assert!(queue.body.contains("待审批的调整"), "{}", queue.body);
    assert!(
        !queue.body.contains("申请预算调整"),
        "finance does not request"
    );
    let fcsrf = queue.csrf();
    let r = finance
        .post(
            &format!("/adjustments/{first}/approve"),
            &[("csrf", &fcsrf), ("year", "2021")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(finance
        .get("/adjustments?year=2021")
        .await
        .body
        .contains("已批准"));
    finance
        .post(
            &format!("/adjustments/{second}/approve"),
            &[("csrf", &fcsrf), ("year", "2021")],
        )
        .await;
    let page = finance.get("/adjustments?year=2021").await.body;
    assert!(page.contains("预算不足"), "{page}");
    finance
        .post(
            &format!("/adjustments/{second}/reject"),
            &[("csrf", &fcsrf), ("year", "2021"), ("reason", "超出可用额")],
        )
        .await;
    assert!(finance
        .get("/adjustments?year=2021")
        .await
        .body
        .contains("已驳回"));
    assert_eq!(app.line(beijing).await["allocated"], "635100.00");

    // The line's history: original and adjusted allocation, the document number.
    let history = holder
        .get(&format!("/adjustments?line_id={beijing}&year=2021"))
        .await
        .body;
    for text in [
        "年初预算数",
        "630,000.00",
        "调整后预算数",
        "635,100.00",
        "平财预〔2021〕12号",
        "调剂",
        "已批准",
    ] {
        assert!(history.contains(text), "{text}: {history}");
    }
}
