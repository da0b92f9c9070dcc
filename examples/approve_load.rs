//! Approval load: submits COUNT one-day claims (not timed), then has finance approve all of them,
//! CONCURRENCY requests in flight, and prints the approvals' rate and latency as JSON. Every
//! approval is a durable write: it commits against the line and its ancestors (R11).
//!
//! `cargo run --release --example approve_load -- BASE_URL CLAIMANT_TOKEN FINANCE_TOKEN LINE_ID [CONCURRENCY] [COUNT]`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let target = common::Target::from_args();
    let concurrency: usize = target.number(5, 16);
    let count: usize = target.number(6, 20_000);
    let (base, claimant, finance, body) = target.parts();
    let client = reqwest::Client::new();

    // The claims to approve.
    let submit = |_| {
        let (client, base, claimant, body) =
            (client.clone(), base.clone(), claimant.clone(), body.clone());
        async move {
            let r = client
                .post(format!("{base}/api/v1/travel-claims"))
                .bearer_auth(&claimant)
                .json(&body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("submit: {e}"));
            assert_eq!(r.status().as_u16(), 201, "submit");
            let v: serde_json::Value = r.json().await.unwrap_or_else(|e| panic!("{e}"));
            v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
        }
    };
    let ids = Arc::new(in_flight(concurrency, count, submit).await);

    // The measured part: every claim approved once, `concurrency` at a time.
    eprintln!("approving {count} claims");
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, base, finance, ids, next) = (
                client.clone(),
                base.clone(),
                finance.clone(),
                ids.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while let Some(id) = ids.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let t = Instant::now();
                    let r = client
                        .post(format!("{base}/api/v1/travel-claims/{id}/approve"))
                        .bearer_auth(&finance)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("approve: {e}"));
                    assert_eq!(r.status().as_u16(), 200, "approve {id}");
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = Vec::new();
    for w in workers {
        latencies.extend(w.await.unwrap_or_else(|e| panic!("{e}")));
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let pct = |p: usize| {
        latencies
            .get((latencies.len() * p / 100).min(latencies.len().saturating_sub(1)))
            .map_or(0, Duration::as_micros)
    };
    let micros = elapsed.as_micros().max(1);
    let done = u128::try_from(latencies.len()).unwrap_or(0);
    println!(
        "{{\"approves\": {done}, \"elapsed_ms\": {}, \"approves_per_s\": {}, \"p50_us\": {}, \"p99_us\": {}}}",
        micros / 1000,
        done * 1_000_000 / micros,
        pct(50),
        pct(99)
    );
}

/// Runs `job(0..count)` with at most `concurrency` in flight, results in order.
async fn in_flight<F, Fut>(concurrency: usize, count: usize, job: F) -> Vec<i64>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = i64>,
{
    use futures_util::StreamExt;
    futures_util::stream::iter((0..count).map(job))
        .buffered(concurrency)
        .collect()
        .await
}
