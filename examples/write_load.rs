//! Write-path load: each worker submits a one-day claim and has it approved, again and again;
//! every request is a durable write transaction. Optionally paced to a target rate of requests.
//!
//! `cargo run --release --example write_load -- BASE_URL CLAIMANT_TOKEN FINANCE_TOKEN LINE_ID [CONCURRENCY] [SECONDS] [RATE]`

use std::time::{Duration, Instant};

mod common;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let target = common::Target::from_args();
    let concurrency: u64 = target.number(5, 16);
    let seconds: u64 = target.number(6, 10);
    let rate: Option<u64> = Some(target.number(7, 0)).filter(|r| *r > 0);
    let (base, claimant, finance, body) = target.parts();
    let client = reqwest::Client::new();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let workers = (0..concurrency).map(|w| {
        let (client, base, claimant, finance, body) = (
            client.clone(),
            base.clone(),
            claimant.clone(),
            finance.clone(),
            body.clone(),
        );
        tokio::spawn(async move {
            let mut latencies = (Vec::new(), Vec::new());
            // Each worker's share of the target rate, in pairs of requests.
            let interval = rate.map(|r| Duration::from_micros(2_000_000 * concurrency / r));
            let mut next = Instant::now()
                + interval.map_or(Duration::ZERO, |i| {
                    i * u32::try_from(w).unwrap_or(0) / u32::try_from(concurrency).unwrap_or(1)
                });
            while Instant::now() < deadline {
                if let Some(i) = interval {
                    tokio::time::sleep_until(next.into()).await;
                    next += i;
                }
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/travel-claims"))
                    .bearer_auth(&claimant)
                    .json(&body)
                    .send()
                    .await;
                let id = match r {
                    Ok(r) if r.status().as_u16() == 201 => r
                        .json::<serde_json::Value>()
                        .await
                        .ok()
                        .and_then(|v| v["id"].as_i64()),
                    _ => None,
                };
                latencies.0.push(t.elapsed());
                let Some(id) = id else { continue };
                let t = Instant::now();
                let ok = client
                    .post(format!("{base}/api/v1/travel-claims/{id}/approve"))
                    .bearer_auth(&finance)
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                if ok {
                    latencies.1.push(t.elapsed());
                }
            }
            latencies
        })
    });
    let (mut submits, mut approves) = (Vec::new(), Vec::new());
    for w in workers {
        if let Ok((s, a)) = w.await {
            submits.extend(s);
            approves.extend(a);
        }
    }
    let elapsed = start.elapsed().as_millis().max(1);
    let pct = |v: &mut Vec<Duration>, p: usize| {
        v.sort();
        v.get((v.len() * p / 100).min(v.len().saturating_sub(1)))
            .map_or(0, |d| d.as_micros())
    };
    let ops = u128::try_from(submits.len() + approves.len()).unwrap_or(0);
    println!(
        "{{\"submits\": {}, \"approves\": {}, \"writes_per_s\": {}, \"pairs_per_s\": {}, \"submit_p50_us\": {}, \"submit_p99_us\": {}, \"approve_p50_us\": {}, \"approve_p99_us\": {}}}",
        submits.len(), approves.len(), ops * 1000 / elapsed,
        u128::try_from(approves.len()).unwrap_or(0) * 1000 / elapsed,
        pct(&mut submits, 50), pct(&mut submits, 99), pct(&mut approves, 50), pct(&mut approves, 99)
    );
}
