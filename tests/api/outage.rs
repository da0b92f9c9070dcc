//! PostgreSQL going away under the server: a TCP proxy owned by the test stands between the
//! server and PostgreSQL, and is closed (connections cut, new ones refused) and reopened. The
//! real cluster is never touched.
use crate::helpers::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

struct Proxy {
    port: u16,
    upstream: String,
    accepting: Option<JoinHandle<()>>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// Frozen: connections stay open and new ones are accepted, but nothing more is passed on
    /// either way, as from a database host that hangs without closing anything.
    frozen: Arc<AtomicBool>,
}

/// Passes what `from` sends to `to` until either closes; once `frozen`, swallows it instead.
async fn forward(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, frozen: Arc<AtomicBool>) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if frozen.load(Ordering::SeqCst) {
            continue;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut proxy = Proxy {
            port,
            upstream,
            accepting: None,
            links: Arc::default(),
            frozen: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let (upstream, links) = (self.upstream.clone(), self.links.clone());
        let frozen = self.frozen.clone();
        self.accepting = Some(tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let (upstream, frozen) = (upstream.clone(), frozen.clone());
                let link = tokio::spawn(async move {
                    if frozen.load(Ordering::SeqCst) {
                        // Accepted, and never answered.
                        let _held = &inbound;
                        std::future::pending::<()>().await;
                    }
                    if let Ok(outbound) = TcpStream::connect(&upstream).await {
                        let (from_client, to_client) = inbound.into_split();
                        let (from_server, to_server) = outbound.into_split();
                        tokio::join!(
                            forward(from_client, to_server, frozen.clone()),
                            forward(from_server, to_client, frozen)
                        );
                    }
                });
                links.lock().unwrap().push(link);
            }
        }));
    }

    /// Cuts every connection and stops listening: new connections are refused.
    fn down(&mut self) {
        if let Some(task) = self.accepting.take() {
            task.abort();
        }
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    /// Stops passing anything on, without closing or refusing a connection.
    fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    async fn up(&mut self) {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket
            .bind(format!("127.0.0.1:{}", self.port).parse().unwrap())
            .unwrap();
        self.serve(socket.listen(64).unwrap());
    }
}

/// `host:port` of a `postgres://user@host:port/db?…` URL.
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:5432")
    }
}

/// Status, problem code and Retry-After; a request that hangs for 10 s fails the test.
async fn status_of(request: reqwest::RequestBuilder) -> (u16, String, Option<String>) {
    let response = request
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("no answer while the database is away");
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (
        status,
        body["code"].as_str().unwrap_or("").to_string(),
        retry_after,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_postgres,
    ignore = "PostgreSQL only (set BAOXIAO_TEST_DATABASE_URL)"
)]
async fn postgres_away_is_a_fast_503_and_the_service_recovers_by_itself() {
    let server_url = postgres_only();
    let (db, url) = TestDb::new();
    let upstream = host_port(&server_url);
    let mut proxy = Proxy::start(upstream.clone()).await;
    let proxied = url.replacen(&upstream, &format!("127.0.0.1:{}", proxy.port), 1);
    let data_dir = tempfile::tempdir().unwrap();
    let app = baoxiao::startup::Application::build(&settings(&proxied, data_dir.path())).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let admin = app.admin_token.clone().unwrap();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let ready = || client.get(format!("{address}/readyz"));
    let read = || {
        client
            .get(format!("{address}/api/v1/budget-lines?year=2021"))
            .bearer_auth(&admin)
    };
    assert_eq!(status_of(ready()).await.0, 200);
    assert_eq!(status_of(read()).await.0, 200);

    proxy.down();
    // Readiness says so at once (the server bounds its check to 0.9 s).
    let started = std::time::Instant::now();
    let (status, _, retry) = status_of(ready()).await;
    eprintln!("readyz while away: {status} in {:?}", started.elapsed());
    assert_eq!(status, 503);
    assert!(retry.is_some(), "readyz 503 without Retry-After");
    // Under load, every API call answers 503 service_unavailable with Retry-After; none hangs
    // for the outage or answers 500.
    let calls = futures::future::join_all((0..16).map(|_| status_of(read()))).await;
    for (status, code, retry) in &calls {
        assert_eq!((*status, code.as_str()), (503, "service_unavailable"));
        assert!(retry.is_some(), "503 without Retry-After");
    }

    // Back: readiness and the API recover without a restart.
    proxy.up().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut recovered = false;
    while std::time::Instant::now() < deadline {
        if status_of(ready()).await.0 == 200 && status_of(read()).await.0 == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "the service did not recover after the database returned"
    );
    // Once recovered, it stays so: no dead connection is handed out again.
    for _ in 0..20 {
        assert_eq!(status_of(read()).await.0, 200);
    }
    proxy.down();
    drop(db);
}

/// A database host that hangs without closing anything (issue 28, item 7): the connections the
/// pool holds get no answer and new ones no greeting. Every request, reads, writes and pages
/// alike, is answered 503 within the service's own limits instead of hanging for the outage.
/// Bounded by a generous overall limit, not timed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_postgres,
    ignore = "PostgreSQL only (set BAOXIAO_TEST_DATABASE_URL)"
)]
async fn a_frozen_postgres_is_a_503_not_a_hang() {
    let server_url = postgres_only();
    let (db, url) = TestDb::new();
    let upstream = host_port(&server_url);
    let mut proxy = Proxy::start(upstream.clone()).await;
    let proxied = url.replacen(&upstream, &format!("127.0.0.1:{}", proxy.port), 1);
    let data_dir = tempfile::tempdir().unwrap();
    let app = baoxiao::startup::Application::build(&settings(&proxied, data_dir.path())).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let admin = app.admin_token.clone().unwrap();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let read = || {
        client
            .get(format!("{address}/api/v1/budget-lines?year=2021"))
            .bearer_auth(&admin)
    };
    let write = || {
        client
            .post(format!("{address}/api/v1/subsidy-recipients"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({"name": "王五", "enrolled_from": "2021-01-01"}))
    };
    // Warm: the pool holds open connections through the proxy.
    let warm = futures::future::join_all((0..8).map(|_| read().send())).await;
    for response in warm {
        assert_eq!(response.unwrap().status().as_u16(), 200);
    }

    proxy.freeze();
    let answers = async {
        let (reads, writes) = futures::join!(
            futures::future::join_all((0..12).map(|_| read().send())),
            futures::future::join_all((0..4).map(|_| write().send())),
        );
        let page = client.get(format!("{address}/login")).send().await;
        let ready = client.get(format!("{address}/readyz")).send().await;
        (reads, writes, page, ready)
    };
    let (reads, writes, page, ready) = tokio::time::timeout(Duration::from_secs(120), answers)
        .await
        .expect("requests hung while the database was frozen");
    for response in reads.into_iter().chain(writes) {
        let response = response.expect("no answer while the database was frozen");
        assert_eq!(response.status().as_u16(), 503);
        assert!(response.headers().contains_key("retry-after"));
        let problem: serde_json::Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "service_unavailable", "{problem}");
    }
    assert_eq!(ready.unwrap().status().as_u16(), 503);
    // A page is answered too, whether or not it needed the database.
    let page = page.expect("no page while the database was frozen");
    assert!([200, 503].contains(&page.status().as_u16()), "{page:?}");
    proxy.down();
    drop(db);
}
