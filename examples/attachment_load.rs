//! R17 files, measured (issue 31, "Speed and size"): upload and download throughput of a 10 MiB
//! file beside a plain `cp` of the same file, and how much a 10 MiB upload grows the server's
//! resident memory.
//!
//! Prepares a fresh database in-process (SQLite in a temporary directory, or the empty
//! PostgreSQL database `DATABASE_URL` names), then serves it from the `baoxiao` binary of the
//! same build in a process of its own, so that its memory is the server's alone: VmRSS before
//! the first large upload, VmHWM (the peak) after it. Each upload sends other bytes (the same
//! bytes twice would be stored once), on a claim of its own; each download reads one back.
//!
//! `cargo build --example attachment_load --bin baoxiao && target/debug/examples/attachment_load [RUNS]`
//! (or `--release` for both, and `target/release/…`).

// A measuring tool: floats hold milliseconds and rates here, never money.
#![allow(clippy::unwrap_used, clippy::float_arithmetic, clippy::as_conversions)]

use std::time::{Duration, Instant};

use baoxiao::auth::Role;

const MIB: usize = 1024 * 1024;

/// `VmRSS` or `VmHWM` of a process, in KiB.
fn memory(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn rate(took: Duration) -> String {
    format!(
        "{:.1} ms, {:.0} MiB/s",
        took.as_secs_f64() * 1000.0,
        10.0 / took.as_secs_f64()
    )
}

/// A 10 MiB PDF-typed file whose bytes differ by `n`.
fn scan(n: usize) -> Vec<u8> {
    let mut bytes = format!("%PDF-1.7\n% scan {n}\n").into_bytes();
    let mut x: u32 = 2_463_534_242 ^ u32::try_from(n).unwrap();
    while bytes.len() < 10 * MIB {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(10 * MIB);
    bytes
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| dir.path().join("files.db").to_string_lossy().into_owned());
    let default_data = concat!(env!("CARGO_MANIFEST_DIR"), "/config/default-data");

    // The database, its line and its claimant, made here; then served by another process.
    let (token, line) = {
        let pool = baoxiao::db::pool(&url, 2, 30_000).unwrap();
        baoxiao::setup::prepare(&pool, std::path::Path::new(default_data), false).unwrap();
        let (_, token) =
            baoxiao::services::users::add_user(&pool, None, "张三", &[Role::Claimant]).unwrap();
        let mut c = pool.get().unwrap();
        let org = baoxiao::services::users::resolve_org(&mut c, None).unwrap();
        let line = baoxiao::db::budget::find_by_code(
            &mut c,
            org.id,
            2021,
            "dept.project.petition-work.operations",
        )
        .unwrap()
        .unwrap()
        .id;
        (token, line)
    };
    let binary = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|examples| examples.parent())
        .unwrap()
        .join("baoxiao");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut server = std::process::Command::new(&binary)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &url)
        .env("BAOXIAO__APP__DATA_DIR", dir.path())
        .env("BAOXIAO__SERVER__WORKERS", "2")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let claim = |n: usize| {
        serde_json::json!({"budget_line_id": line, "purpose": format!("下乡 {n}"), "destination": "邢台",
            "departure_date": "2021-06-01", "return_date": "2021-06-01"})
    };
    let mut claims = Vec::new();
    for n in 0..=runs {
        let made: serde_json::Value = client
            .post(format!("{base}/api/v1/travel-claims"))
            .bearer_auth(&token)
            .json(&claim(n))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        claims.push(made["id"].as_i64().unwrap());
    }
    let upload = |claim: i64, bytes: Vec<u8>| {
        client
            .post(format!("{base}/api/v1/travel-claims/{claim}/attachments"))
            .bearer_auth(&token)
            .header("content-disposition", "attachment; filename=\"scan.pdf\"")
            .body(bytes)
            .send()
    };
    // Warm: a small file up and down, so that pools and caches exist before measuring.
    let small = upload(claims[0], b"%PDF-1.7\n%%EOF\n".to_vec())
        .await
        .unwrap();
    assert_eq!(small.status().as_u16(), 201);

    let pid = server.id();
    let before = memory(pid, "VmRSS:");
    let files: Vec<Vec<u8>> = (0..runs).map(scan).collect();
    let mut up = Vec::new();
    let mut ids = Vec::new();
    let mut first_peak = 0;
    for (n, bytes) in files.iter().enumerate() {
        let started = Instant::now();
        let answer = upload(claims[n + 1], bytes.clone()).await.unwrap();
        up.push(started.elapsed());
        assert_eq!(answer.status().as_u16(), 201);
        let stored: serde_json::Value = answer.json().await.unwrap();
        ids.push((claims[n + 1], stored["id"].as_i64().unwrap()));
        if n == 0 {
            first_peak = memory(pid, "VmHWM:");
        }
    }
    let mut down = Vec::new();
    for (claim, id) in &ids {
        let started = Instant::now();
        let got = client
            .get(format!(
                "{base}/api/v1/travel-claims/{claim}/attachments/{id}"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        down.push(started.elapsed());
        assert_eq!(got.len(), 10 * MIB);
    }
    let peak = memory(pid, "VmHWM:");
    let _ = server.kill();
    let _ = server.wait();

    // `cp` of the same 10 MiB file, to and from the same disk.
    let source = dir.path().join("scan.pdf");
    std::fs::write(&source, &files[0]).unwrap();
    let mut copies = Vec::new();
    for n in 0..runs {
        let target = dir.path().join(format!("copy-{n}.pdf"));
        let started = Instant::now();
        let status = std::process::Command::new("cp")
            .arg(&source)
            .arg(&target)
            .status()
            .unwrap();
        copies.push(started.elapsed());
        assert!(status.success());
    }

    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("| {backend}, 10 MiB, median of {runs} | time, throughput |");
    println!("|---|---|");
    println!("| upload (`POST …/attachments`) | {} |", rate(median(up)));
    println!(
        "| download (`GET …/attachments/{{aid}}`) | {} |",
        rate(median(down))
    );
    println!("| `cp` of the same file | {} |", rate(median(copies)));
    let grown = first_peak.saturating_sub(before);
    println!(
        "| server RSS before → peak after the first upload | {} → {} MiB: +{:.1} MiB ({:.2}× the file) |",
        before / 1024,
        first_peak / 1024,
        grown as f64 / 1024.0,
        grown as f64 / 10240.0
    );
    println!(
        "| server peak RSS after all uploads and downloads | {} MiB |",
        peak / 1024
    );
}
