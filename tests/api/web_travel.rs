//! R16 pages over HTTP: the request form works without scripts, the queues follow the roles.

use crate::helpers::*;
use crate::web::signed_in;

#[tokio::test]
async fn the_request_form_estimates_without_scripts_and_the_queues_follow_roles() {
    let app = spawn_app().await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let mut traveller = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let csrf = traveller.csrf("/travel-requests").await;
    let line = line.to_string();
    let form = |action: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("action", action.to_string()),
            ("budget_line_id", line.clone()),
            ("purpose", "赴京参加信访业务培训".to_string()),
            ("destination", "北京".to_string()),
            ("departure_date", "2021-03-02".to_string()),
            ("return_date", "2021-03-05".to_string()),
            ("travellers", "2".to_string()),
            ("tickets_estimate", "600".to_string()),
            ("advance_requested", "3000".to_string()),
        ]
    };
    let pairs = |f: &[(&'static str, String)]| -> Vec<(&'static str, String)> { f.to_vec() };
    let estimate = form("estimate");
    let borrowed: Vec<(&str, &str)> = estimate.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = traveller.post("/travel-requests", &borrowed).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("¥4,440.00"), "{}", page.body);
    // Worded in Chinese with the city by name; the API's English formula stays off the page.
    assert!(
        page.body
            .contains("R4 住宿费：北京每晚不超过 ¥400.00 × 3 晚 × 2 人"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("min(claimed") && !page.body.contains("× 2 travellers"));
    // Nothing was stored by 估算.
    assert_eq!(
        app.get(&app.admin, "/api/v1/travel-requests").await.body,
        json!([])
    );

    // A bad field is shown in place, in Chinese, and nothing is stored.
    let mut bad = pairs(&form("submit"));
    bad[7].1 = "0".to_string();
    let borrowed: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = traveller.post("/travel-requests", &borrowed).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("form-error"));

    let submit = form("submit");
    let borrowed: Vec<(&str, &str)> = submit.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = traveller.post("/travel-requests", &borrowed).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let listed = app.get(&app.admin, "/api/v1/travel-requests").await;
    assert_eq!(listed.body[0]["estimate"], "4440.00");

    // A claimant has no approver's queue or 借款 page; a budget holder sees the queue.
    assert_eq!(traveller.get("/travel-requests/queue").await.status, 403);
    assert_eq!(traveller.get("/advances").await.status, 403);
    let mut holder = signed_in(&app, "王科长", &[R::BudgetHolder], "wangkz").await;
    let queue = holder.get("/travel-requests/queue").await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains("赴京参加信访业务培训"));
    // Without the CSRF token nothing is approved.
    let id = listed.body[0]["id"].as_i64().unwrap();
    let refused = holder
        .post(&format!("/travel-requests/{id}/approve"), &[])
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        app.get(&app.admin, &format!("/api/v1/travel-requests/{id}"))
            .await
            .body["status"],
        "requested"
    );
}

/// The service refuses anyone's decision on their own request (R16), so the queue offers no
/// deciding button on it; another's request offers 批准 with the amount it commits.
#[tokio::test]
async fn the_queue_offers_no_decision_on_ones_own_request() {
    let app = spawn_app().await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let line = line.to_string();
    let mut boss = signed_in(&app, "王科长", &[R::Claimant, R::BudgetHolder], "wangkz").await;
    let mut traveller = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    for (who, purpose) in [
        (&mut boss, "科长本人赴京汇报"),
        (&mut traveller, "赴京参加信访业务培训"),
    ] {
        let csrf = who.csrf("/travel-requests").await;
        let fields = [
            ("csrf", csrf.as_str()),
            ("action", "submit"),
            ("budget_line_id", line.as_str()),
            ("purpose", purpose),
            ("destination", "北京"),
            ("departure_date", "2021-03-02"),
            ("return_date", "2021-03-05"),
            ("travellers", "2"),
            ("tickets_estimate", "600"),
            ("advance_requested", ""),
        ];
        let page = who.post("/travel-requests", &fields).await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    let listed = app.get(&app.admin, "/api/v1/travel-requests").await;
    let id_of = |purpose: &str| {
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["purpose"] == purpose)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (own, other) = (id_of("科长本人赴京汇报"), id_of("赴京参加信访业务培训"));

    let queue = boss.get("/travel-requests/queue").await;
    assert_eq!(queue.status, 200);
    assert!(
        queue.body.contains(&format!(
            "<p class=\"muted\" id=\"own-{own}\">这是您本人的出差申请，须由他人审批。</p>"
        )),
        "{}",
        queue.body
    );
    for action in ["approve", "reject"] {
        assert!(!queue
            .body
            .contains(&format!("/travel-requests/{own}/{action}")));
        assert!(queue
            .body
            .contains(&format!("/travel-requests/{other}/{action}")));
    }
    assert!(
        queue.body.contains(&format!(
            "id=\"approve-{other}\">批准 ¥4,440.00<span class=\"sr-only\"> #{other}</span>"
        )),
        "{}",
        queue.body
    );
}
