//! The raw durable commit rate of a database with the service's own settings: one single-row
//! INSERT per write transaction (SQLite: WAL, synchronous=FULL, BEGIN IMMEDIATE), from N threads,
//! for S seconds. The write-path benchmark is compared against this figure.
//!
//! `cargo run --release --example raw_commit -- DATABASE_URL [THREADS] [SECONDS]`

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "raw-commit.db".into());
    let threads: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let seconds: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(10);
    let pool = baoxiao::db::pool(&url, u32::try_from(threads).unwrap_or(8), 30_000)
        .unwrap_or_else(|e| panic!("{e}"));
    let ddl = match baoxiao::db::Backend::of_url(&url) {
        baoxiao::db::Backend::Postgres => "CREATE TABLE IF NOT EXISTS raw_commits (id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL)",
        baoxiao::db::Backend::Sqlite => "CREATE TABLE IF NOT EXISTS raw_commits (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL)",
    };
    pool.get()
        .unwrap_or_else(|e| panic!("{e}"))
        .batch_execute(ddl)
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let counts: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = pool.get().unwrap_or_else(|e| panic!("{e}"));
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        baoxiao::db::write_tx(&mut conn, |c| {
                            diesel::sql_query("INSERT INTO raw_commits (at) VALUES ('x')")
                                .execute(c)
                                .map(|_| ())
                        })
                        .unwrap_or_else(|e: diesel::result::Error| panic!("{e}"));
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    let total: u64 = counts.iter().sum();
    let elapsed = start.elapsed().as_millis().max(1);
    println!(
        "{{\"commits\": {total}, \"millis\": {elapsed}, \"commits_per_s\": {}}}",
        u128::from(total) * 1000 / elapsed
    );
}
