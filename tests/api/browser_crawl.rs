//! web.md "Messages a person can act on": every page each role can reach from its menu, on the
//! demo year, and the claim form with each refusal provoked, in a real browser: no Latin word
//! outside a short allow-list, and no budget-line or city code, anywhere in the visible text.
//! The claim form with each refusal is saved under `target/screenshots/` at 1280 and 375 px.

use std::collections::{BTreeSet, VecDeque};

use fantoccini::Client;

use crate::browser::{browser, shoot, sign_in, sign_out, wait_for_text};
use crate::helpers::spawn_demo_app;

/// Latin words a page may show: file formats and standards named as such (PDF, CSV, Excel,
/// xlsx, XML, JSON, OFD, JPEG, PNG, API), a file's size in KB or MB, and the key Ctrl as printed
/// on keyboards (打印: Ctrl+P), and the extension that ends an attached file's name as its owner
/// named it (住宿费发票.pdf).
const ALLOWED: [&str; 19] = [
    "PDF", "CSV", "Excel", "xlsx", "XML", "JSON", "OFD", "JPEG", "PNG", "API", "KB", "MB", "Ctrl",
    "pdf", "ofd", "xml", "jpg", "jpeg", "png",
];

/// The demo's logins (src/services/demo.rs): a login is a name as its owner types it, shown as
/// it is in the admin's user list.
const LOGINS: [&str; 16] = [
    "admin",
    "wangjianguo",
    "lixiuying",
    "zhaolihua",
    "zhangwei",
    "liuyang",
    "chenjing",
    "yanglei",
    "huangmin",
    "zhouqiang",
    "wuxia",
    "sunzhigang",
    "zhenghaitao",
    "wangfang",
    "lijun",
    "mawenbin",
];

/// The demo's city codes (config/default-data/policy-2021.toml).
const CITY_CODES: [&str; 3] = ["xingtai", "shijiazhuang", "beijing"];

/// What is wrong with a page's visible text: Latin words not allowed, line and city codes.
fn faults(text: &str, logins: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for word in text.split(|c: char| !c.is_ascii_alphabetic()) {
        let allowed = ALLOWED.contains(&word) || logins.iter().any(|l| l == word);
        // A single letter is a rule's R (R4) or a unit, not a word.
        if word.len() > 1 && !allowed {
            found.push(format!("Latin word {word:?}"));
        }
    }
    let lower = text.to_lowercase();
    if lower.contains("dept.") {
        found.push("a budget-line code (dept.…)".into());
    }
    for code in CITY_CODES {
        if lower.contains(code) {
            found.push(format!("the city code {code}"));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The visible text of the page (what `innerText` renders: no hidden element, no markup), less
/// what is shown exactly as a person types it: command lines (`pre`), the policy document an
/// admin edits (`textarea`) and budget-line codes on the admin's line page (`code.typed`).
async fn visible(c: &Client) -> String {
    c.execute(
        "const typed = Array.from(document.querySelectorAll('pre, textarea, code.typed'));\
         const before = typed.map(e => e.style.display);\
         typed.forEach(e => { e.style.display = 'none'; });\
         const text = document.body.innerText;\
         typed.forEach((e, i) => { e.style.display = before[i]; });\
         return text;",
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// The same-origin pages a page links to: menu items and links in the page, not downloads,
/// assets or the sign-out.
async fn links(c: &Client) -> Vec<String> {
    let hrefs = c
        .execute(
            "return Array.from(document.querySelectorAll('a[href^=\"/\"]'))\
             .map(a => a.getAttribute('href'));",
            vec![],
        )
        .await
        .unwrap();
    hrefs
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str())
        .filter(|h| {
            !h.starts_with("/assets/") && !h.starts_with("/reports/") && !h.starts_with("/api/")
        })
        .filter(|h| !h.contains("/pay-file") && !h.contains("download") && !h.ends_with(".csv"))
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .collect()
}

/// A page's kind: its path with every number as N, so one claim stands for all claims.
fn kind(path: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let shape: String = path
        .split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()) {
                "N"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let names: Vec<&str> = query
        .split('&')
        .filter_map(|p| p.split_once('=').map(|(k, _)| k))
        .collect();
    format!("{shape}?{}", names.join("&"))
}

/// Visits every page a signed-in user reaches from the menu, one page of each kind, and returns
/// the faults found, page by page.
async fn crawl(c: &Client, base: &str, logins: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = VecDeque::from(["/".to_string()]);
    let mut faults_found = Vec::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(kind(&path)) || seen.len() > 60 {
            continue;
        }
        c.goto(&format!("{base}{path}")).await.unwrap();
        let text = visible(c).await;
        for fault in faults(&text, logins) {
            faults_found.push(format!("{path}: {fault}"));
        }
        queue.extend(links(c).await);
    }
    assert!(seen.len() > 3, "the crawl reached only {seen:?}");
    faults_found
}

/// Posts the claim form as a person would after typing into it: the page's own CSRF token and
/// these fields, by a form the page submits.
async fn post_claim(c: &Client, fields: &[(&str, &str)]) {
    let pairs: Vec<serde_json::Value> = fields
        .iter()
        .map(|(k, v)| serde_json::json!([k, v]))
        .collect();
    c.execute(
        "const pairs = arguments[0];\
         const f = document.createElement('form');\
         f.method = 'post'; f.action = '/claims/new';\
         const token = document.querySelector('input[name=csrf]').value;\
         pairs.push(['csrf', token]);\
         for (const [k, v] of pairs) {\
           const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v;\
           f.appendChild(i);\
         }\
         document.body.appendChild(f); f.submit();",
        vec![serde_json::json!(pairs)],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn every_page_of_every_role_speaks_chinese_without_codes() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = spawn_demo_app().await;
    let base = app.address.clone();
    let logins: Vec<String> = LOGINS.iter().map(|l| l.to_string()).collect();
    let mut all = Vec::new();
    // One of each role, and a claimant who also holds a budget and heads a department (R18).
    for login in [
        "admin",
        "wangjianguo",
        "lixiuying",
        "zhangwei",
        "sunzhigang",
    ] {
        let password = baoxiao::demo::password_for(login);
        sign_in(&c, &base, login, &password).await;
        for fault in crawl(&c, &base, &logins).await {
            all.push(format!("{login} {fault}"));
        }
        // The last page may be one without the menu (the print view).
        c.goto(&format!("{base}/")).await.unwrap();
        sign_out(&c).await;
    }

    // The claim form with each refusal provoked.
    let login = "zhangwei";
    sign_in(&c, &base, login, &baoxiao::demo::password_for(login)).await;
    // The R8 trip as the form posts it; the browser's own form carries the session's token.
    let line = app.line_id("dept.project.petition-work.operations").await;
    let r8 = crate::web::r8_form(line, "", "submit");
    // (screenshot name, the fields changed from the valid form, the refusal shown)
    type Refusal<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let refusals: Vec<Refusal> = vec![
        (
            "return-before-departure",
            vec![("return_date", "2021-05-09")],
            "不能早于出发日期（2021-05-10）",
        ),
        (
            "meal-outside-trip",
            vec![("meals-0-date", "2021-05-20")],
            "这一天不在出差期间内",
        ),
        (
            "vehicle-outside-trip",
            vec![("vehicles-rows", "1"), ("vehicles-0-date", "2021-05-13")],
            "对方派车第1行：这一天不在出差期间内",
        ),
        (
            "year-1999",
            vec![("departure_date", "1999-05-10")],
            "日期应在 2000-01-01 到 2099-12-31 之间",
        ),
        (
            "stay-before-trip",
            vec![("stays-0-check_in", "2021-05-09")],
            "入住早于出发",
        ),
        (
            "stay-after-trip",
            vec![("stays-0-check_out", "2021-05-13")],
            "退房晚于返回",
        ),
        (
            "unknown-city",
            vec![("destination", "上海")],
            "不认识的城市「上海」。可填写：邢台、石家庄、北京",
        ),
        (
            "empty-destination",
            vec![("destination", "")],
            "「目的地」：必填",
        ),
        (
            "unreadable-date",
            vec![("departure_date", "2021/05/10")],
            "请按 2021-05-10 的格式填写日期",
        ),
    ];
    for (name, change, expected) in refusals {
        c.goto(&format!("{base}/claims/new")).await.unwrap();
        let mut fields: Vec<(&str, &str)> = r8
            .iter()
            .filter(|(k, _)| k != "csrf" && !change.iter().any(|(c, _)| c == k))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        fields.extend(change.iter().copied());
        post_claim(&c, &fields).await;
        wait_for_text(&c, expected).await;
        let text = visible(&c).await;
        for fault in faults(&text, &logins) {
            all.push(format!("{login} claim form ({name}): {fault}"));
        }
        shoot(&c, &format!("30-claim-refusal-{name}")).await;
    }
    assert!(all.is_empty(), "{} faults:\n{}", all.len(), all.join("\n"));
}
