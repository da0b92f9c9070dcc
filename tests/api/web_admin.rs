//! The admin's pages over plain HTTP: users (add with roles and a login, reset a password,
//! revoke), budget lines (add) and policy versions (read, publish with the API's checks), with
//! refusals in Chinese in place, roles and organisations, on SQLite and PostgreSQL.

use crate::helpers::{spawn_app, R};
use crate::web::{signed_in, Visitor};

/// The one-time message the next page shows.
async fn flash_after(v: &mut Visitor, path: &str) -> String {
    let page = v.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    let start = page.body.find("class=\"flash").expect("a message");
    let end = page.body[start..].find("</p>").unwrap() + start;
    page.body[start..end].to_string()
}

#[tokio::test]
async fn an_admin_adds_a_user_who_signs_in_then_resets_and_revokes() {
    let app = spawn_app().await;
    let mut admin = signed_in(&app, "管理员", &[R::Admin], "boss").await;
    let page = admin.get("/admin/users").await;
    assert_eq!(page.status, 200);
    for link in ["/admin/users", "/admin/budget-lines", "/admin/policy"] {
        assert!(
            page.body.contains(&format!("href=\"{link}\"")),
            "{link} in the menu"
        );
    }
    let csrf = page.csrf();
    let form = |login: &'static str, password: &'static str, roles: &[&'static str]| {
        let mut f = vec![
            ("csrf".to_string(), csrf.clone()),
            ("name".to_string(), "新会计".to_string()),
            ("login".to_string(), login.to_string()),
            ("password".to_string(), password.to_string()),
        ];
        f.extend(roles.iter().map(|r| ("roles".to_string(), r.to_string())));
        f
    };
    // Refusals: no role, a short password, a login with a space; nothing is created.
    for (f, says) in [
        (form("kuaiji", "secret-123", &[]), "至少选择一个角色"),
        (form("kuaiji", "short", &["finance"]), "8 到 128 个字符"),
        (form("kuai ji", "secret-123", &["finance"]), "「登录名」"),
        (form("boss", "secret-123", &["finance"]), "该登录名已被使用"),
    ] {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = admin.post("/admin/users", &pairs).await;
        assert_eq!(r.status, 303);
        let flash = flash_after(&mut admin, "/admin/users").await;
        assert!(flash.contains(says), "{says}: {flash}");
    }
    assert!(!admin.get("/admin/users").await.body.contains("新会计"));

    let f = form("kuaiji", "secret-123", &["finance", "claimant"]);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    admin.post("/admin/users", &pairs).await;
    let flash = flash_after(&mut admin, "/admin/users").await;
    assert!(flash.contains("已添加 新会计，登录名 kuaiji"), "{flash}");
    let list = admin.get("/admin/users").await;
    assert!(list.body.contains("报销人、财务"));

    // The new user signs in, must choose their own password, then sees finance's pages.
    let mut clerk = Visitor::new(&app.address);
    assert_eq!(clerk.sign_in("kuaiji", "secret-123").await.status, 303);
    assert_eq!(clerk.get("/finance").await.location, "/password");

    // Reset: their sessions end and the new password works.
    let id = {
        let start =
            list.body.rfind("action=\"/admin/users/").unwrap() + "action=\"/admin/users/".len();
        list.body[start..].split('/').next().unwrap().to_string()
    };
    let short = admin
        .post(
            &format!("/admin/users/{id}/password"),
            &[("csrf", &csrf), ("password", "short")],
        )
        .await;
    assert_eq!(short.status, 303);
    assert!(flash_after(&mut admin, "/admin/users")
        .await
        .contains("8 到 128 个字符"));
    admin
        .post(
            &format!("/admin/users/{id}/password"),
            &[("csrf", &csrf), ("password", "another-456")],
        )
        .await;
    assert!(flash_after(&mut admin, "/admin/users")
        .await
        .contains("密码已重设"));
    assert_eq!(clerk.get("/finance").await.status, 303);
    assert!(clerk.get("/finance").await.location.starts_with("/login"));
    let mut again = Visitor::new(&app.address);
    assert_ne!(again.sign_in("kuaiji", "secret-123").await.status, 303);
    assert_eq!(again.sign_in("kuaiji", "another-456").await.status, 303);

    // Revoke: their session ends at once and they cannot sign in again.
    let r = admin
        .post(&format!("/admin/users/{id}/revoke"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303);
    assert!(flash_after(&mut admin, "/admin/users")
        .await
        .contains("已撤销"));
    assert!(again.get("/password").await.location.starts_with("/login"));
    assert_ne!(
        Visitor::new(&app.address)
            .sign_in("kuaiji", "another-456")
            .await
            .status,
        303
    );
    // Without the CSRF token nothing happens.
    let r = admin
        .post(
            "/admin/users",
            &[
                ("name", "x"),
                ("login", "x"),
                ("password", "secret-123"),
                ("roles", "admin"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn admin_pages_are_the_admins_and_users_stay_in_their_organisation() {
    let app = spawn_app().await;
    let mut finance = signed_in(&app, "财务", &[R::Finance], "cashier").await;
    let home = finance.get("/finance").await;
    assert!(!home.body.contains("/admin/users"));
    for path in ["/admin/users", "/admin/budget-lines", "/admin/policy"] {
        assert_eq!(finance.get(path).await.status, 403, "{path}");
    }
    let csrf = finance.csrf("/finance").await;
    let r = finance
        .post(
            "/admin/budget-lines",
            &[
                ("csrf", &csrf),
                ("year", "2021"),
                ("code", "x.y"),
                ("name", "x"),
                ("allocated", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);

    let (cashier, _) = crate::web::web_user(&app, "出纳", &[R::Finance], "cashier2");
    let org = baoxiao::services::users::add_org(&app.pool, "other", "另一个单位").unwrap();
    let (user, _) =
        baoxiao::services::users::add_user(&app.pool, Some("other"), "外单位管理员", &[R::Admin])
            .unwrap();
    baoxiao::services::sign_in::add_login(&app.pool, org, user, "outsider", "outsider-pw", false)
        .unwrap();
    let mut outsider = Visitor::new(&app.address);
    assert_eq!(
        outsider.sign_in("outsider", "outsider-pw").await.status,
        303
    );
    let list = outsider.get("/admin/users").await;
    assert!(
        !list.body.contains("cashier"),
        "another organisation's users"
    );
    let csrf = list.csrf();
    for action in ["password", "revoke"] {
        let r = outsider
            .post(
                &format!("/admin/users/{cashier}/{action}"),
                &[("csrf", &csrf), ("password", "hijacked-1")],
            )
            .await;
        assert_eq!(r.status, 404, "{action}");
    }
    let mut v = Visitor::new(&app.address);
    assert_eq!(v.sign_in("cashier2", "cashier2-password").await.status, 303);
}

#[tokio::test]
async fn budget_lines_and_policy_versions_with_the_apis_checks() {
    let app = spawn_app().await;
    let mut admin = signed_in(&app, "管理员", &[R::Admin], "boss").await;
    let page = admin.get("/admin/budget-lines?year=2021").await;
    assert!(page.body.contains("dept.project.cadre-subsidy"));
    let csrf = page.csrf();
    let back = "/admin/budget-lines?year=2021";
    let add = |code: &'static str, parent: &'static str, amount: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("year", "2021".to_string()),
            ("code", code.to_string()),
            ("name", "培训费".to_string()),
            ("parent_code", parent.to_string()),
            ("allocated", amount.to_string()),
        ]
    };
    for (form, says) in [
        (add("Dept Training", "", "1000"), "「科目代码」"),
        (add("dept.training", "", "12.345"), "「预算金额」"),
        (
            add("dept.training", "no.such", "1000"),
            "这一年没有这个上级科目",
        ),
        (add("dept.project.cadre-subsidy", "", "1000"), "已经有了"),
    ] {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(admin.post("/admin/budget-lines", &pairs).await.status, 303);
        let flash = flash_after(&mut admin, back).await;
        assert!(flash.contains(says), "{says}: {flash}");
    }
    let form = add("dept.project.training", "dept.project", "20000");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    admin.post("/admin/budget-lines", &pairs).await;
    assert!(flash_after(&mut admin, back).await.contains("¥20,000.00"));
    let id = app.line_id("dept.project.training").await;
    assert_eq!(app.line(id).await["allocated"], "20000.00");

    // Policy: the latest version is shown and its JSON offered as the next one's start.
    let page = admin.get("/admin/policy").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("第 1 版"));
    // Amounts as every page writes them, with the thousands separator.
    assert!(
        page.body.contains("老干部补助每月 ¥1,100.00"),
        "{}",
        page.body
    );
    assert!(page.body.contains("¥400.00"));
    let draft = {
        let start = page.body.find("<textarea").unwrap();
        let open = page.body[start..].find('>').unwrap() + start + 1;
        let close = page.body[open..].find("</textarea>").unwrap() + open;
        page.body[open..close]
            .replace("&quot;", "\"")
            .replace("&#x22;", "\"")
            .replace("&#34;", "\"")
            .replace("&amp;", "&")
    };
    assert!(draft.contains("subsidy_monthly_amount"), "{draft}");
    let csrf = page.csrf();
    let publish = |from: &'static str, policy: String| {
        vec![
            ("csrf", csrf.clone()),
            ("effective_from", from.to_string()),
            ("policy", policy),
        ]
    };
    let earlier = publish("2020-01-01", draft.clone());
    let pairs: Vec<(&str, &str)> = earlier.iter().map(|(k, v)| (*k, v.as_str())).collect();
    admin.post("/admin/policy", &pairs).await;
    let flash = flash_after(&mut admin, "/admin/policy").await;
    assert!(flash.contains("必须晚于所有已有版本"), "{flash}");
    let broken = publish("2022-01-01", "{not json".to_string());
    let pairs: Vec<(&str, &str)> = broken.iter().map(|(k, v)| (*k, v.as_str())).collect();
    admin.post("/admin/policy", &pairs).await;
    assert!(flash_after(&mut admin, "/admin/policy")
        .await
        .contains("不是有效的 JSON"));
    let raised = publish("2022-01-01", draft.replace("\"1100.00\"", "\"1200.00\""));
    let pairs: Vec<(&str, &str)> = raised.iter().map(|(k, v)| (*k, v.as_str())).collect();
    admin.post("/admin/policy", &pairs).await;
    let flash = flash_after(&mut admin, "/admin/policy").await;
    assert!(
        flash.contains("已发布第 2 版") && flash.contains("2022-01-01"),
        "{flash}"
    );
    let api = app.get(&app.admin, "/api/v1/policy?date=2022-03-01").await;
    assert_eq!(api.body["version"], 2);
    assert_eq!(api.body["subsidy_monthly_amount"], "1200.00");
    let first = admin.get("/admin/policy?version=1").await;
    assert!(first.body.contains("第 1 版（自"));
    assert_eq!(admin.get("/admin/policy?version=9").await.status, 404);
}

/// R19: the users page asks for the organisation's 统一社会信用代码 while it is unset, refuses a
/// wrong check character in place, and shows the code once set.
#[tokio::test]
async fn the_admin_page_asks_for_the_tax_id_until_it_is_set() {
    let app = spawn_app().await;
    let mut admin = signed_in(&app, "管理员", &[R::Admin], "boss").await;
    let page = admin.get("/admin/users").await;
    assert!(page.body.contains("还没有登记本单位的统一社会信用代码"));
    let csrf = page.csrf();
    admin
        .post(
            "/admin/organisation",
            &[("csrf", csrf.as_str()), ("tax_id", "11130532MB0000001D")],
        )
        .await;
    let flash = flash_after(&mut admin, "/admin/users").await;
    assert!(flash.contains("校验位"), "{flash}");
    admin
        .post(
            "/admin/organisation",
            &[("csrf", csrf.as_str()), ("tax_id", "11130532MB0000001C")],
        )
        .await;
    let flash = flash_after(&mut admin, "/admin/users").await;
    assert!(
        flash.contains("已登记本单位的统一社会信用代码 11130532MB0000001C"),
        "{flash}"
    );
    let page = admin.get("/admin/users").await;
    assert!(!page.body.contains("还没有登记"));
    assert!(page.body.contains("11130532MB0000001C"));
}

/// R18 on the admin's pages: the chain and its threshold, departments and their people, with
/// refusals in place; a department head's and the leader's home page is their queue.
#[tokio::test]
async fn an_admin_sets_the_approval_chain_and_departments_on_a_page() {
    let app = spawn_app().await;
    let mut admin = signed_in(&app, "管理员", &[R::Admin], "boss").await;
    let page = admin.get("/admin/approval").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("财务审核"), "{}", page.body);
    let csrf = page.csrf();
    let r = admin
        .post(
            "/admin/approval",
            &[
                ("csrf", csrf.as_str()),
                ("department_head", "1"),
                ("leader", "1"),
                ("threshold", "5000.00"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let flash = flash_after(&mut admin, "/admin/approval").await;
    assert!(flash.contains("已保存审批流程"), "{flash}");
    let chain = app.get(&app.admin, "/api/v1/approval-chain").await.body;
    assert_eq!(
        chain,
        serde_json::json!({"steps": ["department_head", "finance", "leader"], "leader_threshold": "5000.00"})
    );
    // A threshold that is no amount is refused in place, and the chain stays.
    admin
        .post(
            "/admin/approval",
            &[("csrf", csrf.as_str()), ("threshold", "五千")],
        )
        .await;
    let flash = flash_after(&mut admin, "/admin/approval").await;
    assert!(flash.contains("「单位负责人审批金额」"), "{flash}");
    assert_eq!(
        app.get(&app.admin, "/api/v1/approval-chain").await.body,
        chain
    );

    for _ in 0..2 {
        admin
            .post(
                "/admin/departments",
                &[("csrf", csrf.as_str()), ("name", "办公室")],
            )
            .await;
    }
    let flash = flash_after(&mut admin, "/admin/approval").await;
    assert!(flash.contains("已经有这个名称的科室了"), "{flash}");
    // With the department's step in the chain, a department without a head is a warning: its
    // members' claims would wait at a step nobody can decide.
    let page = admin.get("/admin/approval").await.body;
    assert!(
        page.contains(
            "<td>办公室</td><td>（尚无负责人：本科室人员的报销单会停在部门审核，请先指定）</td>"
        ),
        "{page}"
    );
    let (head_id, _) =
        baoxiao::services::users::add_user(&app.pool, None, "李主任", &[R::DepartmentHead])
            .unwrap();
    let (second_id, _) =
        baoxiao::services::users::add_user(&app.pool, None, "刘主任", &[R::DepartmentHead])
            .unwrap();
    let office = app.get(&app.admin, "/api/v1/departments").await.body[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    for (user, says) in [
        (head_id, "已调整人员所在科室"),
        (second_id, "一个科室只能有一位负责人"),
    ] {
        let user = user.to_string();
        admin
            .post(
                "/admin/departments/members",
                &[
                    ("csrf", csrf.as_str()),
                    ("user", user.as_str()),
                    ("department", office.as_str()),
                ],
            )
            .await;
        let flash = flash_after(&mut admin, "/admin/approval").await;
        assert!(flash.contains(says), "{says}: {flash}");
    }
    let page = admin.get("/admin/approval").await.body;
    assert!(page.contains("<td>办公室</td><td>李主任</td>"), "{page}");

    // The department head's first page is 待我审批.
    let mut head = signed_in(&app, "王主任", &[R::DepartmentHead], "wangzhuren").await;
    let home = head.get("/").await;
    assert_eq!(home.status, 303);
    let queue = head.get("/approvals").await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains("部门审核"), "{}", queue.body);
    // Finance has no such page.
    let mut finance = signed_in(&app, "王会计", &[R::Finance], "wangkuaiji").await;
    assert_eq!(finance.get("/approvals").await.status, 403);
}
