//! `spawn_app`: the real server on port 0 with a fresh database — a SQLite file in a temporary
//! directory, or, when `BAOXIAO_TEST_DATABASE_URL` names a PostgreSQL server, a new database on it
//! that is dropped afterwards. A PostgreSQL server that cannot be reached fails the test.

use baoxiao::auth::Role;
use baoxiao::config::{AppSettings, DatabaseSettings, ServerSettings, Settings};
use baoxiao::db::Pool;
use baoxiao::startup::Application;
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::Value;

pub const POSTGRES_ENV: &str = "BAOXIAO_TEST_DATABASE_URL";

/// The first step of a test built for PostgreSQL only (cfg `no_postgres` ignores it where the
/// build had no `BAOXIAO_TEST_DATABASE_URL`): run without one after all, it fails rather than
/// pass on SQLite.
pub fn postgres_only() -> String {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!("a PostgreSQL-only test, built with {POSTGRES_ENV} but run without it"),
    }
}

/// A fresh database, removed when dropped.
pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { server_url: String, name: String },
}

impl TestDb {
    pub fn new() -> (TestDb, String) {
        match std::env::var(POSTGRES_ENV) {
            Ok(server_url) if !server_url.is_empty() => {
                let name = format!("baoxiao_test_{}", uuid_like());
                let mut admin = baoxiao::db::connect_postgres(&server_url).unwrap_or_else(|e| {
                    panic!("{POSTGRES_ENV}={server_url} is set but unreachable: {e}")
                });
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("cannot create test database");
                let url = database_url(&server_url, &name);
                (TestDb::Postgres { server_url, name }, url)
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("baoxiao.db").to_string_lossy().into_owned();
                (TestDb::Sqlite(dir), url)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { server_url, name } = self {
            if let Ok(mut admin) = baoxiao::db::connect_postgres(server_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The server URL with its database path replaced.
fn database_url(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (server_url, String::new()),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

pub struct TestApp {
    pub address: String,
    /// The test database, for running the CLI against it.
    pub db_url: String,
    pub client: reqwest::Client,
    pub admin: String,
    /// The first admin's web password (login `admin`).
    pub admin_password: Option<String>,
    pub pool: Pool,
    pub data_dir: tempfile::TempDir,
    _db: TestDb,
}

pub fn settings(url: &str, data_dir: &std::path::Path) -> Settings {
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

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with settings of the test's own (`adjust` changes the defaults).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let (db, url) = TestDb::new();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = settings(&url, data_dir.path());
    adjust(&mut settings);
    let app = Application::build(&settings).expect("start");
    let address = format!("http://127.0.0.1:{}", app.port());
    let admin = app
        .admin_token
        .clone()
        .expect("no admin token on a fresh database");
    let pool = app.pool.clone();
    let admin_password = app.admin_password.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db_url: url,
        client: client(),
        admin,
        admin_password,
        pool,
        data_dir,
        _db: db,
    }
}

/// A server over a fresh database filled by `baoxiao demo` (the demo year 2021), with an admin
/// token (a user `接口` added after the demo) for the API.
pub async fn spawn_demo_app() -> TestApp {
    let (db, url) = TestDb::new();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let s = settings(&url, data_dir.path());
    let pool = baoxiao::db::pool(&url, 2, 30_000).expect("pool");
    baoxiao::db::stamped_at(baoxiao::demo::first_morning(), || {
        baoxiao::setup::prepare(&pool, std::path::Path::new(&s.app.default_data_dir), false)
    })
    .expect("prepare");
    baoxiao::demo::run(&pool).expect("demo");
    let (_, admin) =
        baoxiao::services::users::add_user(&pool, None, "接口", &[Role::Admin]).expect("admin");
    drop(pool);
    let app = Application::build(&s).expect("start");
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db_url: url,
        client: client(),
        admin,
        admin_password: None,
        pool,
        data_dir,
        _db: db,
    }
}

/// A status and a parsed JSON body (Null when the body is not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub content_type: String,
}

impl Reply {
    /// The problem code; empty for a success.
    pub fn code(&self) -> &str {
        if self.status.as_u16() < 400 {
            return "";
        }
        self.body["code"].as_str().unwrap_or("")
    }

    /// The fields named in a problem's `errors`.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[track_caller]
    pub fn assert(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.code(), code, "body: {}", self.body);
        if status >= 400 {
            assert_eq!(
                self.content_type, "application/problem+json",
                "body: {}",
                self.body
            );
        }
        self
    }
}

impl TestApp {
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request failed");
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = response.text().await.unwrap_or_default();
        assert!(status.as_u16() < 500, "server error {status}: {text}");
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            content_type,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, token: &str, path: &str) -> Reply {
        self.send(self.client.get(self.url(path)).bearer_auth(token))
            .await
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// Every approval so far as if made on 2021-05-01 (Asia/Shanghai), so the suite's 2021
    /// payment dates are not before them: a `paid_on` before its approval's date is refused.
    pub fn approvals_dated_2021_05_01(&self) {
        use baoxiao::db::schema::{subsidy_batches, travel_claims};
        use diesel::prelude::*;
        let at = chrono::NaiveDate::from_ymd_opt(2021, 4, 30)
            .and_then(|d| d.and_hms_opt(16, 0, 0))
            .unwrap();
        let mut c = self.pool.get().unwrap();
        diesel::update(travel_claims::table.filter(travel_claims::decided_at.is_not_null()))
            .set(travel_claims::decided_at.eq(Some(at)))
            .execute(&mut *c)
            .unwrap();
        diesel::update(subsidy_batches::table.filter(subsidy_batches::approved_at.is_not_null()))
            .set(subsidy_batches::approved_at.eq(Some(at)))
            .execute(&mut *c)
            .unwrap();
    }

    /// A new user with these roles; returns the token.
    pub fn user(&self, name: &str, roles: &[Role]) -> String {
        baoxiao::services::users::add_user(&self.pool, None, name, roles)
            .expect("add user")
            .1
    }

    /// The id of the 2021 line with this code.
    pub async fn line_id(&self, code: &str) -> i64 {
        let lines = self
            .get(&self.admin, "/api/v1/budget-lines?year=2021")
            .await;
        lines
            .body
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["code"] == code)
            .and_then(|l| l["id"].as_i64())
            .unwrap_or_else(|| panic!("no line {code}"))
    }

    pub async fn line(&self, id: i64) -> Value {
        self.get(&self.admin, &format!("/api/v1/budget-lines/{id}"))
            .await
            .body
    }

    /// Submits a claim and returns its id.
    pub async fn submit(&self, claimant: &str, body: &Value) -> i64 {
        let reply = self.post(claimant, "/api/v1/travel-claims", body).await;
        reply.assert(201, "");
        reply.body["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id: {}", reply.body))
    }
}

/// The R8 worked example, charged to `line`.
pub fn r8_claim(line: i64) -> Value {
    serde_json::json!({
        "budget_line_id": line,
        "purpose": "赴省汇报信访工作",
        "destination": "石家庄",
        "departure_date": "2021-05-10",
        "return_date": "2021-05-12",
        "stays": [{"city": "石家庄", "check_in": "2021-05-10", "check_out": "2021-05-12",
                   "lodging_amount": "680.00", "invoice": true}],
        "tickets": [{"description": "平乡—石家庄 汽车", "amount": "65.50"},
                    {"description": "石家庄—平乡 汽车", "amount": 65.50}],
        "meals_provided": [{"date": "2021-05-11", "breakfast": false, "lunch": true, "dinner": false}],
        "vehicle_provided_dates": []
    })
}

/// A one-day Xingtai trip with no stay: 100 meals + 80 transport = 180.00.
pub fn day_trip(line: i64) -> Value {
    serde_json::json!({
        "budget_line_id": line, "purpose": "到市汇报", "destination": "邢台",
        "departure_date": "2021-06-01", "return_date": "2021-06-01"
    })
}

pub use baoxiao::auth::Role as R;
pub use reqwest::StatusCode as Status;
pub use serde_json::json;

/// The `baoxiao` binary serving the same database in a separate process: a second instance for
/// the race test, or a process to SIGKILL in the crash test.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub address: String,
}

impl ServerProcess {
    // The child is waited for in `kill`, which `Drop` calls.
    #[allow(clippy::zombie_processes)]
    pub async fn start(app: &TestApp) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &app.db_url)
            .env("BAOXIAO__APP__DATA_DIR", app.data_dir.path())
            .env("BAOXIAO__SERVER__WORKERS", "2")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn baoxiao");
        let address = format!("http://127.0.0.1:{port}");
        // Wait until it answers (readiness, not timing: it usually takes milliseconds, and a busy
        // CI machine gets up to 60 s before this counts as a failure to start).
        let client = reqwest::Client::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            if client
                .get(format!("{address}/healthz"))
                .send()
                .await
                .is_ok()
            {
                return ServerProcess { child, address };
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the second server did not start");
    }

    /// SIGKILL: no graceful shutdown, no chance to finish anything in flight.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A client that drops a pooled connection after a second idle, well inside the server's 5 s
/// keep-alive: a test that pauses longer (argon2 under load, say) then never sends a request on
/// a connection the server is closing, which reqwest reports as `IncompleteMessage`.
pub fn client() -> reqwest::Client {
    client_builder().build().unwrap()
}

/// [`client`]'s settings, for tests that add their own (redirects, cookies).
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(1))
}
