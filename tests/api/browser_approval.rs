//! Issue 32 in a real browser: each approver's queue (部门审核 of the head's own department,
//! finance's 待审核, 单位负责人审批), the chain on the claim page, and the printed 报销单 with
//! three names and dates in its 审核 and 审批 boxes, on one A4 page. Screenshots under
//! `target/screenshots/`.

use crate::browser::{browser, click, shoot, sign_in, sign_out, text_of, wait_for_text};
use crate::helpers::{json, spawn_app, TestApp, R};

const OPS: &str = "dept.project.petition-work.operations";

/// A user with a web login in department `department` (if any): (token, password).
fn person(
    app: &TestApp,
    name: &str,
    roles: &[R],
    login: &str,
    department: Option<&str>,
) -> (String, String) {
    let (id, token) =
        baoxiao::services::users::add_user_in(&app.pool, None, name, roles, department).unwrap();
    (token, crate::web::add_login(app, id, login))
}

/// The last word of `text` as a date, `YYYY-MM-DD`.
fn ends_with_a_date(text: &str) -> bool {
    text.split_whitespace()
        .last()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .is_some()
}

#[tokio::test]
async fn each_approver_signs_from_their_queue_and_the_form_prints_three_names_in_a_real_browser() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let base = app.address.clone();
    let put = |path: &str, body: serde_json::Value| {
        app.client
            .put(app.url(path))
            .bearer_auth(&app.admin)
            .json(&body)
            .send()
    };
    let chain = put(
        "/api/v1/approval-chain",
        json!({"steps": ["department_head", "finance", "leader"], "leader_threshold": "5000.00"}),
    )
    .await
    .unwrap();
    assert_eq!(chain.status(), 200);
    for name in ["办公室", "档案室"] {
        app.post(&app.admin, "/api/v1/departments", &json!({"name": name}))
            .await
            .assert(201, "");
    }
    let (member_token, _) = person(&app, "张三", &[R::Claimant], "zhangsan", Some("办公室"));
    let (_, head_pw) = person(
        &app,
        "李主任",
        &[R::DepartmentHead],
        "lizhuren",
        Some("办公室"),
    );
    let (archive_token, _) = person(&app, "吴八", &[R::Claimant], "wuba", Some("档案室"));
    let (_, finance_pw) = person(&app, "王会计", &[R::Finance], "wangkuaiji", None);
    let (_, leader_pw) = person(&app, "赵局长", &[R::Leader], "zhaojuzhang", None);
    let line = app.line_id(OPS).await;
    let big = app
        .submit(
            &member_token,
            &json!({"budget_line_id": line, "purpose": "赴京汇报信访工作", "destination": "北京",
                    "departure_date": "2021-06-01", "return_date": "2021-06-03",
                    "stays": [{"city": "北京", "check_in": "2021-06-01", "check_out": "2021-06-03",
                               "lodging_amount": "1000.00", "invoice": true}],
                    "tickets": [{"description": "往返机票", "amount": "4700.00"}]}),
        )
        .await;
    let elsewhere = app
        .submit(
            &archive_token,
            &json!({"budget_line_id": line, "purpose": "到市送档案", "destination": "邢台",
                    "departure_date": "2021-06-01", "return_date": "2021-06-01"}),
        )
        .await;
    let amount = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{big}"))
        .await
        .body["breakdown"]["reimbursable"]
        .as_str()
        .unwrap()
        .to_string();
    let threshold = rust_decimal::Decimal::new(500_000, 2);
    assert!(
        amount.parse::<rust_decimal::Decimal>().unwrap() >= threshold,
        "{amount}"
    );

    // The department head's home page is their queue: their department's claim only.
    sign_in(&c, &base, "lizhuren", &head_pw).await;
    wait_for_text(&c, "待我审批").await;
    let queue = text_of(&c, "#queue-department_head").await;
    assert_eq!(queue, "部门审核");
    let listed = text_of(&c, "#list-department_head").await;
    assert!(listed.contains(&format!("#{big}")), "{listed}");
    assert!(listed.contains("已等"), "{listed}");
    assert!(!listed.contains(&format!("#{elsewhere} ")), "{listed}");
    shoot(&c, "issue32-department-head-queue").await;
    // The head's step moves no money: its button names no amount (web.md).
    let agree = text_of(&c, &format!("#approve-{big}")).await;
    assert!(agree.starts_with("同意") && !agree.contains('¥'), "{agree}");
    click(&c, &format!("#approve-{big}")).await;
    wait_for_text(&c, "已审核通过").await;
    sign_out(&c).await;

    // Finance's 待审核 now holds it; the other department's claim still waits for its head.
    sign_in(&c, &base, "wangkuaiji", &finance_pw).await;
    c.goto(&format!("{base}/finance")).await.unwrap();
    let approve = text_of(&c, &format!("#approve-{big}")).await;
    assert!(approve.starts_with("批准 ¥"), "{approve}");
    assert!(
        c.find(fantoccini::Locator::Css(&format!("#approve-{elsewhere}")))
            .await
            .is_err(),
        "a claim waiting for its department head is not finance's yet"
    );
    shoot(&c, "issue32-finance-queue").await;
    click(&c, &format!("#approve-{big}")).await;
    wait_for_text(&c, "已从预算中占用").await;
    sign_out(&c).await;

    // The leader's queue: 单位负责人审批.
    sign_in(&c, &base, "zhaojuzhang", &leader_pw).await;
    wait_for_text(&c, "单位负责人审批").await;
    let listed = text_of(&c, "#list-leader").await;
    assert!(listed.contains(&format!("#{big}")), "{listed}");
    shoot(&c, "issue32-leader-queue").await;
    click(&c, &format!("#approve-{big}")).await;
    wait_for_text(&c, "已批准").await;

    // The claim page shows the chain: each step, who, when.
    c.goto(&format!("{base}/claims/{big}")).await.unwrap();
    let chain = text_of(&c, "#chain").await;
    for part in [
        "部门审核：已同意 · 李主任",
        "财务审核：已同意 · 王会计",
        "单位负责人审批：已同意 · 赵局长",
    ] {
        assert!(chain.contains(part), "{chain}");
    }
    shoot(&c, "issue32-claim-chain").await;

    // The printed 报销单: 审核 names the head and finance, 审批 the leader, each with a date.
    c.goto(&format!("{base}/claims/{big}/print")).await.unwrap();
    let review = text_of(&c, "#print-review").await;
    let lines: Vec<&str> = review.lines().collect();
    assert_eq!(lines.len(), 2, "{review}");
    assert!(lines[0].starts_with("部门审核 李主任 "), "{review}");
    assert!(lines[1].starts_with("财务审核 王会计 "), "{review}");
    assert!(lines.iter().all(|l| ends_with_a_date(l)), "{review}");
    let sign_off = text_of(&c, "#print-sign-off").await;
    assert!(sign_off.starts_with("单位负责人审批 赵局长 "), "{sign_off}");
    assert!(ends_with_a_date(&sign_off), "{sign_off}");
    shoot(&c, "issue32-print").await;
    c.set_window_size(1280, 1000).await.unwrap();
    c.refresh().await.unwrap();
    let pdf = c
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("issue32-print.pdf"), &pdf).unwrap();
    assert_eq!(
        crate::browser_pages::pdf_pages(&pdf),
        1,
        "the 报销单 with its three signatures fits one A4 page"
    );
    c.close().await.unwrap();
}
