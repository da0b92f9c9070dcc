//! PostgreSQL going away under the server: a TCP proxy owned by the test stands between the
//! server and PostgreSQL, and is closed (connections cut, new ones refused) and reopened. The
//! real cluster is never touched.
use crate::helpers::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

struct Proxy {
    port: u16,
    upstream: String,
    accepting: Option<JoinHandle<()>>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
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
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let (upstream, links) = (self.upstream.clone(), self.links.clone());
        self.accepting = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
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
        .unwrap_or_else(|e| panic!("no answer while the database is away: {e}"));
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
async fn postgres_away_is_a_fast_503_and_the_service_recovers_by_itself() {
    let server_url = match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!("SKIPPED: the outage test runs on PostgreSQL only (set {POSTGRES_ENV})");
            return;
        }
    };
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
