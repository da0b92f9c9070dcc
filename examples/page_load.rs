//! Web page load against `/healthz` of the same server, in one run. Starts its own server on a
//! fresh database (SQLite in a temporary directory, or the PostgreSQL database `DATABASE_URL`
//! names, which must be empty), signs in over HTTP, then for each page measures render latency one
//! request at a time (p50, p99) and the peak rate with 16 clients.
//!
//! - `claims` (issue 11, the default): the claim-list and new-claim pages with a year of data, a
//!   dozen claimants with 50 claims each, spread over 2021 and every status.
//! - `budget` (issue 12): 预算总览 and budget lines' pages on `baoxiao demo`'s year, signed in as
//!   its budget holder; then again after 1,000,000 more ledger entries, inserted in one statement
//!   as commit/release pairs (so every line's balances still equal the ledger's replay), most of
//!   them on the Beijing station's line and on operations.
//!
//! `cargo run --release --example page_load -- [SECONDS] [claims|budget]`

// A measuring tool: floats hold milliseconds and rates here, never money.
#![allow(clippy::unwrap_used, clippy::float_arithmetic, clippy::as_conversions)]

use std::time::{Duration, Instant};

use baoxiao::auth::Role;
use baoxiao::config::{AppSettings, DatabaseSettings, ServerSettings, Settings};
use baoxiao::domain::travel::TripInput;
use baoxiao::services::{claims, sign_in, users};
use baoxiao::startup::Application;

const CLAIMANTS: usize = 12;
const CLAIMS_EACH: u32 = 50;

fn settings(url: &str, data_dir: &std::path::Path) -> Settings {
    Settings {
        server: ServerSettings {
            bind: "127.0.0.1:0".into(),
            workers: 2,
            trusted_proxies: Vec::new(),
        },
        database: DatabaseSettings {
            url: url.into(),
            pool_size: 8,
            busy_timeout_ms: 30_000,
        },
        app: AppSettings {
            data_dir: data_dir.to_string_lossy().into_owned(),
            default_data_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/config/default-data").into(),
            idempotency_retention_hours: 48,
            log_format: "pretty".into(),
            paid_on_max_days_ahead: 30,
        },
        web: Default::default(),
    }
}

/// A trip of one to three days in one of the three cities, on day `n` of 2021.
fn trip(n: u32) -> TripInput {
    let (city, nights) =
        [("邢台", 0i64), ("石家庄", 1), ("北京", 2)][usize::try_from(n % 3).unwrap_or(0)];
    let start = chrono::NaiveDate::from_ymd_opt(2021, 1, 4).unwrap()
        + chrono::Duration::days(i64::from(n * 7 % 350));
    let end = start + chrono::Duration::days(nights);
    let body = serde_json::json!({
        "purpose": format!("下乡督办信访事项 {n}"), "destination": city,
        "departure_date": start.to_string(), "return_date": end.to_string(),
        "stays": if nights > 0 { serde_json::json!([{"city": city, "check_in": start.to_string(),
            "check_out": end.to_string(), "lodging_amount": "350.00", "invoice": true}]) } else { serde_json::json!([]) },
        "tickets": [{"description": "往返车票", "amount": "88.00"}]
    });
    let body = serde_json::from_value::<baoxiao::wire::ClaimBody>(body).unwrap();
    TripInput::try_from(body).unwrap()
}

#[derive(Clone, Copy)]
struct Measured {
    p50_ms: f64,
    p99_ms: f64,
    peak: f64,
}

fn percentile(sorted: &[Duration], p: usize) -> f64 {
    let i = (sorted.len() * p / 100).min(sorted.len().saturating_sub(1));
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

async fn measure(client: &reqwest::Client, url: &str, cookie: &str, seconds: u64) -> Measured {
    let get = |client: reqwest::Client, url: String, cookie: String| async move {
        let r = client
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        r.bytes().await.unwrap().len()
    };
    // Render latency: one request at a time.
    let mut one = Vec::new();
    let until = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < until {
        let t = Instant::now();
        get(client.clone(), url.to_string(), cookie.to_string()).await;
        one.push(t.elapsed());
    }
    one.sort();
    // Peak: 16 clients for the same time.
    let until = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let workers: Vec<_> = (0..16)
        .map(|_| {
            let (client, url, cookie) = (client.clone(), url.to_string(), cookie.to_string());
            tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < until {
                    get(client.clone(), url.clone(), cookie.clone()).await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut total = 0u64;
    for w in workers {
        total += w.await.unwrap();
    }
    Measured {
        p50_ms: percentile(&one, 50),
        p99_ms: percentile(&one, 99),
        peak: total as f64 / start.elapsed().as_secs_f64(),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let mode = std::env::args().nth(2).unwrap_or_else(|| "claims".into());
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| dir.path().join("load.db").to_string_lossy().into_owned());
    match mode.as_str() {
        "claims" => claim_pages(&url, dir.path(), seconds).await,
        "budget" => budget_pages(&url, dir.path(), seconds).await,
        other => panic!("unknown mode {other:?}: claims or budget"),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs in through the login form; the session cookie.
async fn sign_in_cookie(
    client: &reqwest::Client,
    base: &str,
    login: &str,
    password: &str,
) -> String {
    let signed = client
        .post(format!("{base}/login"))
        .form(&[("login", login), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    signed
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string()
}

/// Measures `/healthz` and then each page, one table row each.
async fn table(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    pages: &[(&str, String)],
    seconds: u64,
) {
    println!("| page | p50 render (1 client) | p99 render (1 client) | peak req/s (16 clients) | share of /healthz |");
    println!("|---|---|---|---|---|");
    let health = measure(client, &format!("{base}/healthz"), "", seconds).await;
    let row = |name: &str, m: Measured| {
        println!(
            "| {name} | {:.2} ms | {:.2} ms | {:.0} | {:.0}% |",
            m.p50_ms,
            m.p99_ms,
            m.peak,
            100.0 * m.peak / health.peak
        );
    };
    row("/healthz", health);
    for (name, path) in pages {
        row(
            name,
            measure(client, &format!("{base}{path}"), cookie, seconds).await,
        );
    }
}

async fn claim_pages(url: &str, data_dir: &std::path::Path, seconds: u64) {
    let app = Application::build(&settings(url, data_dir)).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool.clone();
    let admin_token = app.admin_token.clone().unwrap();
    tokio::spawn(app.run_until_stopped());

    // A year of data.
    let t = Instant::now();
    let org = users::resolve_org(&mut pool.get().unwrap(), None).unwrap();
    let admin = baoxiao::services::Context::from(users::authenticate(&pool, &admin_token).unwrap());
    // A line large enough for a year of approvals, so every claim reaches its status.
    let line = baoxiao::services::budget::create(
        &pool,
        &admin,
        Ok(baoxiao::services::budget::NewLineSpec {
            year: 2021,
            code: "bench".into(),
            name: "差旅费（测试）".into(),
            parent_code: None,
            allocated: baoxiao::domain::Money::yuan(9_000_000),
            function_class: None,
            economic_class: None,
        }),
    )
    .unwrap()
    .id;
    let (finance_id, _) = users::add_user(&pool, None, "财务", &[Role::Finance]).unwrap();
    let finance = baoxiao::services::Context::from(baoxiao::auth::Actor {
        org_id: org.id,
        user_id: finance_id,
        roles: vec![Role::Finance],
    });
    let paid_on = baoxiao::services::clock::today(&mut pool.get().unwrap(), org.id).unwrap();
    let mut first = None;
    for k in 0..CLAIMANTS {
        let (id, _) = users::add_user(&pool, None, &format!("职员{k}"), &[Role::Claimant]).unwrap();
        let actor = baoxiao::services::Context::from(baoxiao::auth::Actor {
            org_id: org.id,
            user_id: id,
            roles: vec![Role::Claimant],
        });
        first.get_or_insert(id);
        for n in 0..CLAIMS_EACH {
            let spec = claims::NewClaimSpec {
                budget_line_id: line,
                trip: trip(n),
                travel_request_id: None,
                invoices: Vec::new(),
            };
            // No client sent a body: the trip is made here.
            let claim = claims::submit(&pool, &actor, Ok((spec, "{}".into())), None).unwrap();
            match n % 4 {
                0 => {}
                1 => {
                    claims::approve(&pool, &finance, claim.id).unwrap();
                }
                2 => {
                    claims::approve(&pool, &finance, claim.id).unwrap();
                    claims::pay(
                        &pool,
                        &finance,
                        claim.id,
                        // A payment cannot precede its approval, which is today.
                        Ok(paid_on),
                        baoxiao::services::clock::PaymentMargin(30),
                    )
                    .unwrap();
                }
                _ => {
                    claims::reject(&pool, &finance, claim.id, Ok("票据不全".into())).unwrap();
                }
            }
        }
    }
    sign_in::add_login(
        &pool,
        org.id,
        first.unwrap(),
        "bench",
        "bench-password",
        false,
    )
    .unwrap();
    eprintln!(
        "seeded {} claims in {:.1}s",
        CLAIMANTS * usize::try_from(CLAIMS_EACH).unwrap(),
        t.elapsed().as_secs_f64()
    );

    let client = client();
    let cookie = sign_in_cookie(&client, &base, "bench", "bench-password").await;
    let pages = [
        ("我的报销 /claims", "/claims".to_string()),
        ("新建差旅报销 /claims/new", "/claims/new".to_string()),
    ];
    table(&client, &base, &cookie, &pages, seconds).await;
}

/// Ledger entries added for the second measurement.
const BENCH_ENTRIES: i64 = 1_000_000;

async fn budget_pages(url: &str, data_dir: &std::path::Path, seconds: u64) {
    use baoxiao::db::budget as lines;
    use diesel::connection::SimpleConnection;

    // `baoxiao demo`, as the command does it: migrate and load 2021, then the demo year.
    let t = Instant::now();
    let demo = {
        let pool = baoxiao::db::pool(url, 2, 30_000).unwrap();
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/config/default-data");
        baoxiao::setup::prepare(&pool, std::path::Path::new(data), false).unwrap();
        baoxiao::demo::run(&pool).unwrap()
    };
    let holder = demo
        .logins
        .iter()
        .find(|l| l.login == "wangjianguo")
        .unwrap();
    let app = Application::build(&settings(url, data_dir)).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool.clone();
    tokio::spawn(app.run_until_stopped());

    let mut c = pool.get().unwrap();
    let org = users::resolve_org(&mut c, None).unwrap().id;
    let line = |c: &mut baoxiao::db::DbConnection, code: &str| {
        lines::find_by_code(c, org, 2021, code).unwrap().unwrap().id
    };
    let beijing = line(&mut c, "dept.project.petition-work.beijing-duty");
    let operations = line(&mut c, "dept.project.petition-work.operations");
    let petition = line(&mut c, "dept.project.petition-work");
    let year = lines::by_year(&mut c, org, 2021).unwrap();
    let public = line(&mut c, "dept.basic.public");
    // The busy leaves: the project lines. 基本支出 keeps only the demo's entries, as a quiet
    // corner of the tree whose page must not walk the busy lines' entries.
    let leaves: Vec<i64> = year
        .iter()
        .filter(|l| l.code.starts_with("dept.project."))
        .filter(|l| !year.iter().any(|k| k.parent_id == Some(l.id)))
        .map(|l| l.id)
        .collect();
    let count = |c: &mut baoxiao::db::DbConnection| {
        use baoxiao::db::schema::ledger_entries;
        use diesel::prelude::*;
        ledger_entries::table.count().get_result::<i64>(c).unwrap()
    };
    eprintln!(
        "demo year loaded in {:.1}s: {} ledger entries, {} lines",
        t.elapsed().as_secs_f64(),
        count(&mut c),
        year.len()
    );

    let client = client();
    let cookie = sign_in_cookie(&client, &base, &holder.login, &holder.password).await;
    let pages = |deep: i64| {
        vec![
            (
                "预算总览 /budget?year=2021",
                "/budget?year=2021".to_string(),
            ),
            (
                "北京值守 line page (forecast chart)",
                format!("/budget/lines/{beijing}"),
            ),
            (
                "北京值守, an older page (?before=)",
                format!("/budget/lines/{beijing}?before={deep}"),
            ),
            (
                "信访工作 (parent of 5 busy lines) page",
                format!("/budget/lines/{petition}"),
            ),
            (
                "日常公用经费 (quiet parent, demo entries only) page",
                format!("/budget/lines/{public}"),
            ),
        ]
    };
    let middle = |c: &mut baoxiao::db::DbConnection| {
        use baoxiao::db::schema::ledger_entries;
        use diesel::prelude::*;
        // The median id among the Beijing line's entries: a page from the middle of its list.
        let n: i64 = ledger_entries::table
            .filter(ledger_entries::line_id.eq(beijing))
            .count()
            .get_result(c)
            .unwrap();
        ledger_entries::table
            .filter(ledger_entries::line_id.eq(beijing))
            .order(ledger_entries::id)
            .offset(n / 2)
            .select(ledger_entries::id)
            .first::<i64>(c)
            .unwrap_or(i64::MAX)
    };
    let deep = middle(&mut c);
    println!("\n### demo year ({} ledger entries)\n", count(&mut c));
    table(&client, &base, &cookie, &pages(deep), seconds).await;

    // 1,000,000 more: commit/release pairs of equal amounts, so balances stay what the ledger
    // replays to. 60% on Beijing, 25% on operations, 15% spread over every project leaf; dated
    // through 2021 in id order.
    let pairs = BENCH_ENTRIES / 2;
    let mut spread = String::from("CASE (i / 20) % ");
    spread.push_str(&format!("{}", leaves.len()));
    for (k, id) in leaves.iter().enumerate() {
        spread.push_str(&format!(" WHEN {k} THEN {id}"));
    }
    spread.push_str(" END");
    let line_of = format!(
        "CASE WHEN i % 20 < 12 THEN {beijing} WHEN i % 20 < 17 THEN {operations} ELSE {spread} END"
    );
    let t = Instant::now();
    let sql = match baoxiao::db::Backend::of_url(url) {
        baoxiao::db::Backend::Sqlite => format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {pairs})
             INSERT INTO ledger_entries (org_id, line_id, kind, amount_fen, source_type, source_id, actor_id, at)
             SELECT {org}, {line_of}, k.kind, (i % 500 + 1) * 100, 'bench', i, NULL,
                    datetime('2021-01-01 02:00:00', '+' || (i * 364 / {pairs}) || ' days')
             FROM n CROSS JOIN (SELECT 'commit' AS kind UNION ALL SELECT 'release') AS k"
        ),
        baoxiao::db::Backend::Postgres => format!(
            "INSERT INTO ledger_entries (org_id, line_id, kind, amount_fen, source_type, source_id, actor_id, at)
             SELECT {org}, {line_of}, k.kind, (i % 500 + 1) * 100, 'bench', i, NULL,
                    timestamp '2021-01-01 02:00:00' + (i::bigint * 364 / {pairs}) * interval '1 day'
             FROM generate_series(1, {pairs}) AS i CROSS JOIN (VALUES ('commit'), ('release')) AS k(kind)
             ORDER BY i, k.kind;
             ANALYZE ledger_entries"
        ),
    };
    c.batch_execute(&sql).unwrap();
    eprintln!(
        "{BENCH_ENTRIES} entries inserted in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    let deep = middle(&mut c);
    println!(
        "\n### demo year + {BENCH_ENTRIES} ledger entries ({} in all)\n",
        count(&mut c)
    );
    drop(c);
    table(&client, &base, &cookie, &pages(deep), seconds).await;
}
