//! The web pages over plain HTTP (no browser): each page's status by role, and the session, CSRF
//! and throttling rules of web.md "Signing in", on SQLite and PostgreSQL.

use crate::helpers::{client_builder, json, r8_claim, spawn_app, ServerProcess, TestApp, R};

/// A browser without a browser: keeps the session cookie, does not follow redirects.
pub struct Visitor {
    client: reqwest::Client,
    base: String,
    pub cookie: Option<String>,
}

pub struct Page {
    pub status: u16,
    pub location: String,
    pub body: String,
    pub set_cookie: String,
}

impl Page {
    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with a CSRF token") + marker.len();
        self.body[start..start + 64].to_string()
    }
}

impl Visitor {
    pub fn new(base: &str) -> Visitor {
        Visitor {
            client: client_builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
            cookie: None,
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = match &self.cookie {
            Some(c) => request.header("cookie", format!("bx_session={c}")),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let location = header("location");
        let set_cookie = header("set-cookie");
        if let Some(value) = set_cookie
            .strip_prefix("bx_session=")
            .and_then(|rest| rest.split(';').next())
        {
            self.cookie = (!value.is_empty()).then(|| value.to_string());
        }
        let body = response.text().await.unwrap();
        assert!(status < 500, "server error {status}: {body}");
        Page {
            status,
            location,
            body,
            set_cookie,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.client.post(format!("{}{path}", self.base)).form(form);
        self.send(request).await
    }

    /// Posts a body of its own type (a multipart form of files, say).
    pub async fn post_bytes(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        self.send(request).await
    }

    /// Posts the password form: the current password, the new one and its repetition.
    pub async fn change_password(
        &mut self,
        csrf: &str,
        current: &str,
        new: &str,
        repeat: &str,
    ) -> Page {
        let form = [
            ("csrf", csrf),
            ("current", current),
            ("password", new),
            ("repeat", repeat),
        ];
        self.post("/password", &form).await
    }

    pub async fn sign_in(&mut self, login: &str, password: &str) -> Page {
        self.post(
            "/login",
            &[("login", login), ("password", password), ("next", "/")],
        )
        .await
    }

    /// The CSRF token of this session (from the page at `/`'s target).
    pub async fn csrf(&mut self, path: &str) -> String {
        self.get(path).await.csrf()
    }
}

/// Gives user `id` the web login `login` with the password `{login}-password`; returns it.
pub fn add_login(app: &TestApp, id: i64, login: &str) -> String {
    let password = format!("{login}-password");
    let org = {
        let mut c = app.pool.get().unwrap();
        baoxiao::services::users::resolve_org(&mut c, None).unwrap()
    };
    baoxiao::services::sign_in::add_login(&app.pool, org.id, id, login, &password, false).unwrap();
    password
}

/// A user with these roles and a web login (its password `{login}-password`): (id, password).
pub fn web_user(app: &TestApp, name: &str, roles: &[R], login: &str) -> (i64, String) {
    let (id, _) = baoxiao::services::users::add_user(&app.pool, None, name, roles).unwrap();
    (id, add_login(app, id, login))
}

/// A user with these roles, an API token and a web login: (token, password).
pub fn web_person(app: &TestApp, name: &str, roles: &[R], login: &str) -> (String, String) {
    let (id, token) = baoxiao::services::users::add_user(&app.pool, None, name, roles).unwrap();
    (token, add_login(app, id, login))
}

pub async fn signed_in(app: &TestApp, name: &str, roles: &[R], login: &str) -> Visitor {
    let (_, password) = web_user(app, name, roles, login);
    let mut v = Visitor::new(&app.address);
    let page = v.sign_in(login, &password).await;
    assert_eq!(page.status, 303, "{}", page.body);
    v
}

/// The R8 trip as the form posts it.
pub fn r8_form(line: i64, csrf: &str, action: &str) -> Vec<(String, String)> {
    let line = line.to_string();
    [
        ("csrf", csrf),
        ("action", action),
        ("budget_line_id", &line),
        ("purpose", "赴省汇报信访工作"),
        ("destination", "石家庄"),
        ("departure_date", "2021-05-10"),
        ("return_date", "2021-05-12"),
        ("stays-rows", "1"),
        ("stays-0-city", "石家庄"),
        ("stays-0-check_in", "2021-05-10"),
        ("stays-0-check_out", "2021-05-12"),
        ("stays-0-amount", "680.00"),
        ("stays-0-invoice", "yes"),
        ("tickets-rows", "2"),
        ("tickets-0-description", "平乡—石家庄 汽车"),
        ("tickets-0-amount", "65.50"),
        ("tickets-1-description", "石家庄—平乡 汽车"),
        ("tickets-1-amount", "65.50"),
        ("meals-rows", "1"),
        ("meals-0-date", "2021-05-11"),
        ("meals-0-lunch", "on"),
        ("vehicles-rows", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

const OPERATIONS: &str = "dept.project.petition-work.operations";

#[tokio::test]
async fn pages_need_a_session_and_the_cookie_is_hardened() {
    let app = spawn_app().await;
    let mut v = Visitor::new(&app.address);
    let page = v.get("/claims").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location, "/login?next=/claims");
    let login = v.get("/login?next=/claims").await;
    assert_eq!(login.status, 200);
    assert!(login.body.contains("<label for=\"password\">密码</label>"));

    let (_, password) = web_user(&app, "张三", &[R::Claimant], "zhangsan");
    let wrong = v.sign_in("zhangsan", "not-the-password").await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.body.contains("登录名或密码不正确"));
    assert!(v.cookie.is_none());

    let page = v.sign_in("ZhangSan ", &password).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location, "/");
    let cookie = page.set_cookie.to_lowercase();
    assert!(cookie.contains("httponly"), "{cookie}");
    assert!(cookie.contains("samesite=lax"), "{cookie}");
    assert!(cookie.contains("path=/"), "{cookie}");
    assert!(
        !cookie.contains("secure"),
        "an http:// public URL: {cookie}"
    );
    let id = v.cookie.clone().unwrap();
    assert_eq!(id.len(), 64, "256 random bits, hex");

    // Stored hashed: the cookie's value is nowhere in the database.
    let sessions = baoxiao::db::web::find_session(&mut app.pool.get().unwrap(), &id).unwrap();
    assert!(sessions.is_none());

    assert_eq!(v.get("/").await.location, "/claims");
    let list = v.get("/claims").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("我的报销"));
    let raw = reqwest::Client::new()
        .get(format!("{}/claims", app.address))
        .header("cookie", format!("bx_session={id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["x-frame-options"], "DENY");
    assert_eq!(raw.headers()["cache-control"], "no-store");
    // An open redirect is refused: only paths of this site.
    let mut other = Visitor::new(&app.address);
    let p = other
        .post(
            "/login",
            &[
                ("login", "zhangsan"),
                ("password", &password),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(p.location, "/");
}

#[tokio::test]
async fn each_page_answers_by_role() {
    let app = spawn_app().await;
    let mut claimant = signed_in(&app, "报销人", &[R::Claimant], "claimant").await;
    let mut finance = signed_in(&app, "财务", &[R::Finance], "finance").await;
    let mut holder = signed_in(&app, "预算负责人", &[R::BudgetHolder], "holder").await;
    let mut admin = signed_in(&app, "管理员", &[R::Admin], "admin2").await;
    let line = app.line_id(OPERATIONS).await;
    let token = app.user("报销人二", &[R::Claimant]);
    let claim = app.submit(&token, &r8_claim(line)).await;
    let claim_page = format!("/claims/{claim}");
    let print = format!("/claims/{claim}/print");

    for (path, c, f, h, a) in [
        ("/claims", 200, 403, 403, 403),
        ("/claims/new", 200, 403, 403, 403),
        ("/finance", 403, 200, 403, 403),
        (claim_page.as_str(), 404, 200, 200, 200),
        (print.as_str(), 404, 200, 200, 200),
        ("/password", 200, 200, 200, 200),
    ] {
        for (who, v, want) in [
            ("claimant", &mut claimant, c),
            ("finance", &mut finance, f),
            ("holder", &mut holder, h),
            ("admin", &mut admin, a),
        ] {
            let page = v.get(path).await;
            assert_eq!(page.status, want, "{who} GET {path}: {}", page.body);
            if want == 403 {
                assert!(page.body.contains("无权访问"), "{who} {path}");
            }
        }
    }
    assert_eq!(finance.get("/").await.location, "/finance");
    assert_eq!(holder.get("/").await.location, "/budget");
    let home = holder.get("/budget").await;
    assert_eq!(home.status, 200);
    // The menu shows only what the roles allow.
    assert!(!home.body.contains("href=\"/finance\""));
    let menu = claimant.get("/claims").await.body;
    assert!(menu.contains("href=\"/claims/new\"") && !menu.contains("href=\"/finance\""));
    assert_eq!(claimant.get("/assets/htmx.min.js").await.status, 200);
    assert_eq!(claimant.get("/assets/app.css").await.status, 200);
    assert_eq!(claimant.get("/assets/nothing.js").await.status, 404);
}

#[tokio::test]
async fn a_claim_goes_from_the_form_to_paid() {
    let app = spawn_app().await;
    let line = app.line_id(OPERATIONS).await;
    let mut claimant = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let csrf = claimant.csrf("/claims/new").await;

    let quote = claimant
        .post("/claims/quote", &pairs(&r8_form(line, &csrf, "")))
        .await;
    assert_eq!(quote.status, 200);
    assert!(quote.body.contains("¥1,231.00"), "{}", quote.body);
    assert!(quote.body.contains("¥80.00"));
    assert!(quote.body.contains("R4"));
    assert!(
        quote.body.contains("<td data-label=\"城市\">石家庄</td>"),
        "the stay's city by name"
    );
    assert!(!quote.body.contains("<html"), "a fragment, not a page");
    // A stay without an invoice: explained, and its lodging is not paid.
    let mut no_invoice = r8_form(line, &csrf, "");
    for (k, v) in no_invoice.iter_mut() {
        if k == "stays-0-invoice" {
            *v = "no".into();
        }
    }
    let q = claimant
        .post("/claims/quote", &pairs(&no_invoice))
        .await
        .body;
    assert!(q.contains("缺少住宿发票"), "{q}");
    // Too early to quote: a hint, not an error.
    let q = claimant
        .post(
            "/claims/quote",
            &[("csrf", csrf.as_str()), ("purpose", "x")],
        )
        .await
        .body;
    assert!(q.contains("填写出发日期和返回日期后"), "{q}");
    // The same quote without scripts (the 试算 button) renders the whole form.
    let page = claimant
        .post("/claims/new", &pairs(&r8_form(line, &csrf, "quote")))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("¥1,231.00") && page.body.contains("<html"));

    let submitted = claimant
        .post("/claims/new", &pairs(&r8_form(line, &csrf, "submit")))
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    let id: i64 = submitted
        .location
        .trim_start_matches("/claims/")
        .parse()
        .unwrap();
    let shown = claimant.get(&submitted.location).await.body;
    assert!(shown.contains("已提交"), "the flash message");
    assert!(shown.contains("待审核"));
    // Shown once.
    assert!(!claimant
        .get(&submitted.location)
        .await
        .body
        .contains("已提交"));

    let mut finance = signed_in(&app, "李四", &[R::Finance], "lisi").await;
    let queue = finance.get("/finance").await;
    assert!(queue.body.contains(&format!("#{id} 赴省汇报信访工作")));
    assert!(queue.body.contains("可用 ¥200,000.00"), "{}", queue.body);
    let csrf = queue.csrf();
    let approved = finance
        .post(&format!("/finance/claims/{id}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        (approved.status, approved.location.as_str()),
        (303, "/finance")
    );
    assert!(finance.get("/finance").await.body.contains("已批准"));
    app.approvals_dated_2021_05_01();
    let paid = finance
        .post(
            &format!("/finance/claims/{id}/pay"),
            &[
                ("csrf", &csrf),
                ("paid_on", "2021-05-20"),
                ("back", "claim"),
            ],
        )
        .await;
    assert_eq!(paid.location, format!("/claims/{id}"));

    let page = claimant.get(&format!("/claims/{id}")).await.body;
    assert!(page.contains("已支付"));
    assert!(page.contains("2021-05-20"));
    let print = claimant.get(&format!("/claims/{id}/print")).await.body;
    assert!(print.contains("人民币壹仟贰佰叁拾壹元整"));
    assert!(print.contains("¥1,231.00"));
    for label in [
        "单位",
        "报销人",
        "事由",
        "起止日期",
        "附件",
        "审核",
        "审批",
        "平乡县信访局",
    ] {
        assert!(print.contains(label), "print view lacks {label}");
    }
    // The API sees the same claim, paid.
    let api = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(api.body["status"], "paid");
}

#[tokio::test]
async fn refusals_are_shown_in_place_in_chinese() {
    let app = spawn_app().await;
    let small = json!({"year": 2021, "code": "dept.project.petition-work.small", "name": "小额科目",
                       "parent_code": "dept.project.petition-work", "allocated": "100.00"});
    app.post(&app.admin, "/api/v1/budget-lines", &small)
        .await
        .assert(201, "");
    let small = app.line_id("dept.project.petition-work.small").await;
    let mut both = signed_in(&app, "王五", &[R::Claimant, R::Finance], "wangwu").await;
    let mut finance = signed_in(&app, "李四", &[R::Finance], "lisi").await;
    let csrf = both.csrf("/claims/new").await;
    let own = both
        .post("/claims/new", &pairs(&r8_form(small, &csrf, "submit")))
        .await;
    assert_eq!(own.status, 303);
    let id: i64 = own.location.trim_start_matches("/claims/").parse().unwrap();
    let shown = both.get(&own.location).await.body;
    assert!(
        shown.contains("可用额不足"),
        "the budget warning is shown: {shown}"
    );

    // Self-approval.
    let r = both
        .post(&format!("/finance/claims/{id}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.location, "/finance");
    let page = both.get("/finance").await.body;
    assert!(page.contains("不能审批自己提交的报销"), "{page}");

    // Insufficient budget, naming the line and both amounts.
    let fcsrf = finance.csrf("/finance").await;
    finance
        .post(
            &format!("/finance/claims/{id}/approve"),
            &[("csrf", &fcsrf)],
        )
        .await;
    let page = finance.get("/finance").await.body;
    assert!(
        page.contains("预算不足：小额科目 可用 ¥100.00，本次需要 ¥1,231.00"),
        "{page}"
    );

    // An invalid transition: paying a claim that is not approved.
    finance
        .post(
            &format!("/finance/claims/{id}/pay"),
            &[("csrf", &fcsrf), ("paid_on", "2021-05-20")],
        )
        .await;
    assert!(finance
        .get("/finance")
        .await
        .body
        .contains("无法支付：这笔报销当前是「待审核」"));

    // A reason is required to reject.
    finance
        .post(
            &format!("/finance/claims/{id}/reject"),
            &[("csrf", &fcsrf), ("reason", " ")],
        )
        .await;
    assert!(finance
        .get("/finance")
        .await
        .body
        .contains("「理由」：必填，最多 500 个字"));
    finance
        .post(
            &format!("/finance/claims/{id}/reject"),
            &[("csrf", &fcsrf), ("reason", "发票不全")],
        )
        .await;
    let claim = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(claim.body["status"], "rejected");
    assert_eq!(claim.body["reject_reason"], "发票不全");

    // A bad form stays on the page with its fields named in Chinese, and nothing is stored.
    let mut bad = r8_form(small, &csrf, "submit");
    bad.retain(|(k, _)| k != "return_date");
    bad.push(("return_date".into(), "2021-5-12".into()));
    let page = both.post("/claims/new", &pairs(&bad)).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("「返回日期」"), "{}", page.body);
    assert!(
        page.body.contains("value=\"赴省汇报信访工作\""),
        "the form keeps what was typed"
    );
    let list = app.get(&app.admin, "/api/v1/travel-claims").await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let line = app.line_id(OPERATIONS).await;
    let token = app.user("报销人", &[R::Claimant]);
    let id = app.submit(&token, &r8_claim(line)).await;
    let mut finance = signed_in(&app, "李四", &[R::Finance], "lisi").await;
    let mut other = signed_in(&app, "赵六", &[R::Finance], "zhaoliu").await;
    let others_token = other.csrf("/finance").await;
    let approve = format!("/finance/claims/{id}/approve");
    for form in [
        vec![],
        vec![("csrf", "")],
        vec![("csrf", others_token.as_str())],
    ] {
        let page = finance.post(&approve, &form).await;
        assert_eq!(page.status, 403, "{form:?}");
        assert!(page.body.contains("没有做任何更改"));
    }
    let mut claimant = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let page = claimant
        .post("/claims/new", &pairs(&r8_form(line, "", "submit")))
        .await;
    assert_eq!(page.status, 403);
    let page = claimant.post("/logout", &[]).await;
    assert_eq!(page.status, 403);
    assert_eq!(claimant.get("/claims").await.status, 200, "still signed in");

    let claim = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(claim.body["status"], "submitted");
    let list = app.get(&app.admin, "/api/v1/travel-claims").await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    let entries = app
        .get(&app.admin, &format!("/api/v1/budget-lines/{line}/entries"))
        .await;
    assert!(entries
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kind"] != "commit"));
}

#[tokio::test]
async fn sign_out_and_revocation_end_sessions_everywhere() {
    let app = spawn_app().await;
    let mut v = signed_in(&app, "张三", &[R::Claimant], "zhangsan").await;
    let old = v.cookie.clone();
    let csrf = v.csrf("/claims").await;
    let out = v.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.location, "/login");
    assert!(out.set_cookie.contains("Max-Age=0"), "{}", out.set_cookie);
    v.cookie = old;
    assert_eq!(v.get("/claims").await.status, 303, "the old cookie is dead");
    // The live quote of a form left open after its session ended says so in its panel and leaves
    // the browser on the form, whose typed work a submission keeps through the sign-in.
    let quote = reqwest::Client::new()
        .post(format!("{}/claims/quote", app.address))
        .header(
            "cookie",
            format!("bx_session={}", v.cookie.clone().unwrap()),
        )
        .header("hx-request", "true")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(quote.status(), 200);
    assert!(quote.headers().get("hx-redirect").is_none());
    assert!(quote
        .text()
        .await
        .unwrap()
        .contains("登录已过期，暂时无法试算。提交时会请您重新登录，填写的内容会保留。"));

    // A session opened on a second server process, revoked by the command line: over at once on
    // both processes.
    let second = ServerProcess::start(&app).await;
    let (id, password) = web_user(&app, "李四", &[R::Claimant], "lisi");
    let mut there = Visitor::new(&second.address);
    assert_eq!(there.sign_in("lisi", &password).await.status, 303);
    assert_eq!(there.get("/claims").await.status, 200);
    let mut here = Visitor::new(&app.address);
    here.cookie = there.cookie.clone();
    assert_eq!(here.get("/claims").await.status, 200, "sessions are shared");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
        .args(["users", "revoke", "--id", &id.to_string()])
        .env("DATABASE_URL", &app.db_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(there.get("/claims").await.location, "/login?next=/claims");
    assert_eq!(here.get("/claims").await.location, "/login?next=/claims");
    assert_eq!(
        there.sign_in("lisi", &password).await.status,
        200,
        "a revoked user cannot sign in"
    );
}

#[tokio::test]
async fn five_failures_lock_a_login_without_saying_whether_it_exists() {
    let app = spawn_app().await;
    let (_, password) = web_user(&app, "张三", &[R::Claimant], "zhangsan");
    let mut v = Visitor::new(&app.address);
    for _ in 0..5 {
        let page = v.sign_in("zhangsan", "wrong-password").await;
        assert!(page.body.contains("登录名或密码不正确"));
    }
    let sixth = v.sign_in("zhangsan", &password).await;
    assert_eq!(sixth.status, 200, "even the right password is refused now");
    assert!(sixth.body.contains("请在 15 分钟后重试"), "{}", sixth.body);
    assert!(v.cookie.is_none());
    // A login that does not exist is refused the same way.
    for _ in 0..5 {
        v.sign_in("nobody", "wrong-password").await;
    }
    let page = v.sign_in("nobody", "wrong-password").await;
    assert!(page.body.contains("请在 15 分钟后重试"));
    // Other logins from this address still work (5 + 5 + 1 failures < 20).
    let (_, p2) = web_user(&app, "李四", &[R::Claimant], "lisi");
    assert_eq!(v.sign_in("lisi", &p2).await.status, 303);
}

#[tokio::test]
async fn twenty_failures_from_one_address_lock_it() {
    let app = spawn_app().await;
    let (_, password) = web_user(&app, "张三", &[R::Claimant], "zhangsan");
    let mut v = Visitor::new(&app.address);
    for i in 0..20 {
        v.sign_in(&format!("guess{i}"), "wrong-password").await;
    }
    let page = v.sign_in("zhangsan", &password).await;
    assert!(page.body.contains("分钟后重试"), "{}", page.body);
}

#[tokio::test]
async fn another_organisations_claim_is_not_found() {
    let app = spawn_app().await;
    let line = app.line_id(OPERATIONS).await;
    let token = app.user("报销人", &[R::Claimant]);
    let id = app.submit(&token, &r8_claim(line)).await;
    let org = baoxiao::services::users::add_org(&app.pool, "other", "另一个单位").unwrap();
    let (user, _) = baoxiao::services::users::add_user(
        &app.pool,
        Some("other"),
        "外单位财务",
        &[R::Finance, R::Claimant],
    )
    .unwrap();
    baoxiao::services::sign_in::add_login(&app.pool, org, user, "outsider", "outsider-pw", false)
        .unwrap();
    let mut v = Visitor::new(&app.address);
    assert_eq!(v.sign_in("outsider", "outsider-pw").await.status, 303);
    for path in [format!("/claims/{id}"), format!("/claims/{id}/print")] {
        let page = v.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(page.body.contains("没有找到"));
    }
    let csrf = v.csrf("/finance").await;
    let r = v
        .post(&format!("/finance/claims/{id}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("没有找到"));
    let claim = app
        .get(&app.admin, &format!("/api/v1/travel-claims/{id}"))
        .await;
    assert_eq!(claim.body["status"], "submitted");
}

#[tokio::test]
async fn the_first_admin_must_change_the_printed_password() {
    let app = spawn_app().await;
    let password = app
        .admin_password
        .clone()
        .expect("printed once on a fresh database");
    let mut v = Visitor::new(&app.address);
    assert_eq!(v.sign_in("admin", &password).await.status, 303);
    assert_eq!(v.get("/").await.location, "/password");
    assert_eq!(v.get("/claims").await.location, "/password");
    let page = v.get("/password").await;
    assert!(page.body.contains("初始密码"));
    let csrf = page.csrf();
    let mismatch = v
        .change_password(&csrf, &password, "new-secret-1", "new-secret-2")
        .await;
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.body.contains("两次输入的新密码不一致"));
    let short = v.change_password(&csrf, &password, "short", "short").await;
    assert!(short.body.contains("8 到 128 个字符"), "{}", short.body);
    let wrong = v
        .change_password(&csrf, "wrong", "new-secret-1", "new-secret-1")
        .await;
    assert!(wrong.body.contains("当前密码不正确"));
    let done = v
        .change_password(&csrf, &password, "new-secret-1", "new-secret-1")
        .await;
    assert_eq!(done.location, "/");
    let home = v.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("<strong>✓ 成功：</strong>密码已更改"),
        "{}",
        home.body
    );
    let mut again = Visitor::new(&app.address);
    assert_eq!(
        again.sign_in("admin", &password).await.status,
        200,
        "the old password is gone"
    );
    assert_eq!(again.sign_in("admin", "new-secret-1").await.status, 303);
}

#[tokio::test]
async fn a_claimant_who_changes_their_password_is_told_so_on_their_first_page() {
    let app = spawn_app().await;
    let (_, password) = web_user(&app, "张三", &[R::Claimant], "zhangsan");
    let mut v = Visitor::new(&app.address);
    assert_eq!(v.sign_in("zhangsan", &password).await.status, 303);
    let csrf = v.csrf("/password").await;
    let done = v
        .change_password(&csrf, &password, "new-secret-1", "new-secret-1")
        .await;
    assert_eq!(
        done.location, "/claims",
        "no stop at / to use up the message"
    );
    let claims = v.get("/claims").await;
    assert!(
        claims.body.contains("<strong>✓ 成功：</strong>密码已更改"),
        "{}",
        claims.body
    );
    assert!(
        !v.get("/claims").await.body.contains("密码已更改"),
        "shown once"
    );
}

#[tokio::test]
async fn users_get_logins_and_new_passwords_from_the_command_line() {
    use std::io::Write;
    let app = spawn_app().await;
    let cli = |args: &[&str], stdin: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
            .args(args)
            .env("DATABASE_URL", &app.db_url)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = cli(
        &[
            "users", "add", "--name", "张三", "--role", "claimant", "--login", "zhangsan",
        ],
        "first-secret\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.lines().last().unwrap().starts_with("bx_"),
        "the token is still the last line"
    );
    let mut v = Visitor::new(&app.address);
    assert_eq!(v.sign_in("zhangsan", "first-secret").await.status, 303);
    assert_eq!(
        v.get("/claims").await.status,
        200,
        "not asked to change a password they chose"
    );

    // Taken login, short password: refused, and no user is created.
    let out = cli(
        &[
            "users",
            "add",
            "--name",
            "另一个",
            "--role",
            "claimant",
            "--login",
            "zhangsan",
        ],
        "another-secret\n",
    );
    assert!(!out.status.success());
    let out = cli(
        &[
            "users",
            "add",
            "--name",
            "另一个",
            "--role",
            "claimant",
            "--login",
            "other",
        ],
        "short\n",
    );
    assert!(!out.status.success());
    assert_eq!(baoxiao::services::users::count(&app.pool).unwrap(), 2);

    let out = cli(
        &["users", "set-password", "--login", "zhangsan"],
        "second-secret\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        v.get("/claims").await.status,
        303,
        "a new password ends the sessions"
    );
    assert_eq!(v.sign_in("zhangsan", "first-secret").await.status, 200);
    assert_eq!(v.sign_in("zhangsan", "second-secret").await.status, 303);
    let out = cli(
        &["users", "set-password", "--login", "nobody"],
        "second-secret\n",
    );
    assert!(!out.status.success());
    let out = cli(
        &[
            "users",
            "set-password",
            "--login",
            "zhangsan",
            "--org",
            "nope",
        ],
        "third-secret\n",
    );
    assert!(!out.status.success());
}

#[tokio::test]
async fn my_claims_come_a_page_at_a_time() {
    let app = spawn_app().await;
    let line = app.line_id(OPERATIONS).await;
    let (id, token) =
        baoxiao::services::users::add_user(&app.pool, None, "张三", &[R::Claimant]).unwrap();
    let org = baoxiao::services::users::resolve_org(&mut app.pool.get().unwrap(), None).unwrap();
    baoxiao::services::sign_in::add_login(&app.pool, org.id, id, "zhangsan", "zhangsan-pw", false)
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..21 {
        ids.push(app.submit(&token, &crate::helpers::day_trip(line)).await);
    }
    let other = app.user("李四", &[R::Claimant]);
    let not_mine = app.submit(&other, &crate::helpers::day_trip(line)).await;
    let mut v = Visitor::new(&app.address);
    v.sign_in("zhangsan", "zhangsan-pw").await;
    let first = v.get("/claims").await.body;
    let shown = |body: &str, id: i64| body.contains(&format!("href=\"/claims/{id}\">#{id}<"));
    assert!(
        shown(&first, ids[20]) && shown(&first, ids[1]),
        "newest first, twenty a page"
    );
    assert!(!shown(&first, ids[0]));
    assert!(!shown(&first, not_mine), "only one's own claims");
    assert!(first.contains("¥180.00") && first.contains("待审核"));
    let next = format!("/claims?before={}", ids[1]);
    assert!(first.contains(&next), "a link to the next page");
    let second = v.get(&next).await.body;
    assert!(shown(&second, ids[0]) && !shown(&second, ids[1]));
    assert!(!second.contains("rel=\"next\""), "the last page");
}

#[tokio::test]
async fn sessions_end_after_8_hours_idle_or_7_days() {
    use baoxiao::db::web::{find_session, insert_session, SessionRow};
    use baoxiao::services::sign_in::{self, Lifetimes};
    use chrono::Duration;
    let app = spawn_app().await;
    let (user, _) = web_user(&app, "张三", &[R::Claimant], "zhangsan");
    let org = baoxiao::services::users::resolve_org(&mut app.pool.get().unwrap(), None).unwrap();
    let now = baoxiao::db::now();
    let minute = Duration::minutes(1);
    for (id, started, seen, live) in [
        (
            "fresh",
            now - Duration::days(6),
            now - Duration::hours(7),
            true,
        ),
        (
            "idle",
            now - Duration::hours(9),
            now - Duration::hours(8) - minute,
            false,
        ),
        ("old", now - Duration::days(7) - minute, now - minute, false),
    ] {
        let id = format!("{id:0>64}");
        let row = SessionRow {
            id_hash: baoxiao::auth::token_hash(&id),
            org_id: org.id,
            user_id: user,
            csrf_token: "t".repeat(64),
            created_at: started,
            last_seen_at: seen,
            flash: None,
        };
        insert_session(&mut app.pool.get().unwrap(), &row).unwrap();
        let mut v = Visitor::new(&app.address);
        v.cookie = Some(id.clone());
        let status = v.get("/claims").await.status;
        assert_eq!(status, if live { 200 } else { 303 }, "{id}");
        let kept = find_session(&mut app.pool.get().unwrap(), &row.id_hash).unwrap();
        assert_eq!(
            kept.is_some(),
            live,
            "a dead session is deleted on sight: {id}"
        );
    }
    // The hourly purge removes dead sessions nobody presents again.
    let idle = SessionRow {
        id_hash: "f".repeat(64),
        org_id: org.id,
        user_id: user,
        csrf_token: "t".repeat(64),
        created_at: now - Duration::hours(10),
        last_seen_at: now - Duration::hours(9),
        flash: None,
    };
    insert_session(&mut app.pool.get().unwrap(), &idle).unwrap();
    assert_eq!(sign_in::purge(&app.pool, Lifetimes::default()).unwrap(), 1);
    assert!(find_session(&mut app.pool.get().unwrap(), &idle.id_hash)
        .unwrap()
        .is_none());
}

/// A public URL written `HTTPS://` (any case, as people type it) is served over TLS by the proxy in
/// front: the session cookie is `Secure` so a browser never sends it over plain HTTP (issue 28,
/// item 15). A plain `http://` one leaves it without.
#[tokio::test]
async fn an_https_public_url_in_any_case_makes_the_session_cookie_secure() {
    for (public_url, secure) in [
        ("HTTPS://Baoxiao.Example.Test", true),
        ("Https://baoxiao.example.test/", true),
        ("http://baoxiao.example.test", false),
    ] {
        let app = crate::helpers::spawn_app_with(|s| s.web.public_url = public_url.into()).await;
        let password = app.admin_password.clone().expect("printed once");
        let mut v = Visitor::new(&app.address);
        let signed_in = v.sign_in("admin", &password).await;
        assert_eq!(signed_in.status, 303, "{public_url}: {}", signed_in.body);
        let cookie = signed_in.set_cookie.to_ascii_lowercase();
        assert!(cookie.starts_with("bx_session="), "{public_url}: {cookie}");
        assert_eq!(
            cookie.split(';').any(|a| a.trim() == "secure"),
            secure,
            "{public_url}: {cookie}"
        );
    }
}
