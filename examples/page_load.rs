//! Web page load (issue 11): the claim-list and new-claim pages against `/healthz`, in one run,
//! with a year of data: a dozen claimants with 50 claims each, spread over 2021 and every status.
//! Starts its own server on a fresh database (SQLite in a temporary directory, or the PostgreSQL
//! database `DATABASE_URL` names, which must be empty), signs in over HTTP, then for each page
//! measures render latency one request at a time (p50, p99) and the peak rate with 16 clients.
//!
//! `cargo run --release --example page_load -- [SECONDS]`

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
    serde_json::from_value::<baoxiao::wire::ClaimBody>(body)
        .unwrap()
        .to_trip_input()
        .unwrap()
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
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| dir.path().join("load.db").to_string_lossy().into_owned());
    let app = Application::build(&settings(&url, dir.path())).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool.clone();
    let admin_token = app.admin_token.clone().unwrap();
    tokio::spawn(app.run_until_stopped());

    // A year of data.
    let t = Instant::now();
    let org = users::resolve_org(&mut pool.get().unwrap(), None).unwrap();
    let admin = users::authenticate(&pool, &admin_token).unwrap();
    // A line large enough for a year of approvals, so every claim reaches its status.
    let line = baoxiao::services::budget::create(
        &pool,
        &admin,
        baoxiao::services::budget::NewLineSpec {
            year: 2021,
            code: "bench",
            name: "差旅费（测试）",
            parent_code: None,
            allocated: baoxiao::domain::Money::yuan(9_000_000),
        },
    )
    .unwrap()
    .id;
    let (finance_id, _) = users::add_user(&pool, None, "财务", &[Role::Finance]).unwrap();
    let finance = baoxiao::auth::Actor {
        org_id: org.id,
        user_id: finance_id,
        roles: vec![Role::Finance],
        key: None,
    };
    let paid_on = baoxiao::services::clock::today(&mut pool.get().unwrap(), org.id).unwrap();
    let mut first = None;
    for k in 0..CLAIMANTS {
        let (id, _) = users::add_user(&pool, None, &format!("职员{k}"), &[Role::Claimant]).unwrap();
        let actor = baoxiao::auth::Actor {
            org_id: org.id,
            user_id: id,
            roles: vec![Role::Claimant],
            key: None,
        };
        first.get_or_insert(id);
        for n in 0..CLAIMS_EACH {
            // No client sent a body: the trip is made here.
            let claim = claims::submit(&pool, &actor, line, trip(n), None, "{}").unwrap();
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
                        paid_on,
                        baoxiao::services::clock::PaymentMargin(30),
                    )
                    .unwrap();
                }
                _ => {
                    claims::reject(&pool, &finance, claim.id, "票据不全").unwrap();
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

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed = client
        .post(format!("{base}/login"))
        .form(&[
            ("login", "bench"),
            ("password", "bench-password"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = signed
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();

    println!("| page | p50 render (1 client) | p99 render (1 client) | peak req/s (16 clients) | share of /healthz |");
    println!("|---|---|---|---|---|");
    let health = measure(&client, &format!("{base}/healthz"), "", seconds).await;
    for (name, path) in [
        ("/healthz", "/healthz"),
        ("我的报销 /claims", "/claims"),
        ("新建差旅报销 /claims/new", "/claims/new"),
    ] {
        let m = if path == "/healthz" {
            health
        } else {
            measure(&client, &format!("{base}{path}"), &cookie, seconds).await
        };
        println!(
            "| {name} | {:.2} ms | {:.2} ms | {:.0} | {:.0}% |",
            m.p50_ms,
            m.p99_ms,
            m.peak,
            100.0 * m.peak / health.peak
        );
    }
}
