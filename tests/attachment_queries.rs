//! Issue 31, "Speed and size": a claim page with thirty files reads their metadata only, never
//! their bytes. Every statement the server runs while it renders the page is recorded (diesel's
//! instrumentation, set for the whole process: this test has a binary of its own, so nothing
//! else runs beside it) and read for its shape, not timed.
//!
//! SQLite by default; the PostgreSQL server `BAOXIAO_TEST_DATABASE_URL` names when it is set (a
//! database of its own is made there and dropped afterwards).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use baoxiao::auth::Role;
use baoxiao::config::{AppSettings, DatabaseSettings, ServerSettings, Settings};
use diesel::connection::{Instrumentation, InstrumentationEvent};

static RECORDING: AtomicBool = AtomicBool::new(false);
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Recorder;

impl Instrumentation for Recorder {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            if RECORDING.load(Ordering::SeqCst) {
                SEEN.lock().unwrap().push(query.to_string());
            }
        }
    }
}

fn settings(url: &str, data_dir: &std::path::Path) -> Settings {
    Settings {
        server: ServerSettings {
            bind: "127.0.0.1:0".into(),
            workers: 2,
            trusted_proxies: Vec::new(),
        },
        database: DatabaseSettings {
            url: url.into(),
            pool_size: 4,
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

/// A PostgreSQL database of the test's own, dropped when this is.
struct Scratch {
    server: String,
    name: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut c) = baoxiao::db::connect_postgres(&self.server) {
            use diesel::connection::SimpleConnection;
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_page_with_thirty_files_reads_no_file() {
    diesel::connection::set_default_instrumentation(|| Some(Box::new(Recorder))).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (url, _scratch) = match std::env::var("BAOXIAO_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => {
            use diesel::connection::SimpleConnection;
            let name = format!("baoxiao_queries_{}", std::process::id());
            let mut c = baoxiao::db::connect_postgres(&server).unwrap();
            c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
            let url = match server.rsplit_once('/') {
                Some((base, _)) => format!("{base}/{name}"),
                None => panic!("{server}: no database name"),
            };
            (url, Some(Scratch { server, name }))
        }
        _ => (
            dir.path().join("queries.db").to_string_lossy().into_owned(),
            None,
        ),
    };
    let app = baoxiao::startup::Application::build(&settings(&url, dir.path())).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool.clone();
    tokio::spawn(app.run_until_stopped());

    let (id, token) =
        baoxiao::services::users::add_user(&pool, None, "张三", &[Role::Claimant]).unwrap();
    let (org, line) = {
        let mut c = pool.get().unwrap();
        let org = baoxiao::services::users::resolve_org(&mut c, None).unwrap();
        let line = baoxiao::db::budget::find_by_code(
            &mut c,
            org.id,
            2021,
            "dept.project.petition-work.operations",
        )
        .unwrap()
        .unwrap();
        (org.id, line.id)
    };
    baoxiao::services::sign_in::add_login(&pool, org, id, "zhangsan", "zhangsan-password", false)
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let claim: serde_json::Value = client
        .post(format!("{base}/api/v1/travel-claims"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"budget_line_id": line, "purpose": "赴省汇报", "destination": "邢台",
            "departure_date": "2021-06-01", "return_date": "2021-06-01"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claim = claim["id"].as_i64().unwrap();
    for n in 0..30_u32 {
        let mut picture = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        picture.extend(n.to_le_bytes());
        picture.resize(64 * 1024, 0);
        let stored = client
            .post(format!("{base}/api/v1/travel-claims/{claim}/attachments"))
            .bearer_auth(&token)
            .header(
                "content-disposition",
                format!("attachment; filename=\"票{n}.png\""),
            )
            .body(picture)
            .send()
            .await
            .unwrap();
        assert_eq!(stored.status().as_u16(), 201);
    }
    let signed = client
        .post(format!("{base}/login"))
        .form(&[
            ("login", "zhangsan"),
            ("password", "zhangsan-password"),
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

    RECORDING.store(true, Ordering::SeqCst);
    let page = client
        .get(format!("{base}/claims/{claim}"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let status = page.status().as_u16();
    let html = page.text().await.unwrap();
    RECORDING.store(false, Ordering::SeqCst);

    assert_eq!(status, 200, "{html}");
    assert_eq!(html.matches("class=\"attachment\"").count(), 30);
    let seen = SEEN.lock().unwrap().clone();
    let of_files: Vec<&String> = seen
        .iter()
        .filter(|q| q.contains("claim_attachments"))
        .collect();
    assert!(
        !of_files.is_empty(),
        "the page read no file list: {seen:#?}"
    );
    for query in &of_files {
        assert!(
            !query.contains("content"),
            "the page read the files' bytes: {query}"
        );
    }
    // The page's cost does not grow with its files: one statement lists them, one counts them.
    assert!(of_files.len() <= 2, "{of_files:#?}");
}
