//! The execution report answers from maintained balances: its cost must not grow with the
//! ledger. Measures `reports::execution` on a SQLite database with 1,000 and with 1,000,000
//! ledger entries (commit/release pairs, so the balances stay true to the ledger).
//!
//! `cargo bench --bench report_scale`

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use diesel::connection::SimpleConnection;

use baoxiao::auth::{Actor, Role};
use baoxiao::services::reports;
use baoxiao::setup;

fn database(entries: u64) -> (tempfile::TempDir, baoxiao::db::Pool) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = dir.path().join("bench.db").to_string_lossy().into_owned();
    let pool = baoxiao::db::pool(&url, 2, 30_000).unwrap_or_else(|e| panic!("{e}"));
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/config/default-data");
    setup::prepare(&pool, std::path::Path::new(data), false).unwrap_or_else(|e| panic!("{e}"));
    let pairs = entries / 2;
    let mut c = pool.get().unwrap_or_else(|e| panic!("{e}"));
    c.batch_execute(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {pairs})
         INSERT INTO ledger_entries (org_id, line_id, kind, amount_fen, source_type, source_id, actor_id, at)
         SELECT 1, 12, k.kind, 123100, 'bench', i, NULL, '2021-05-10 00:00:00'
         FROM n CROSS JOIN (SELECT 'commit' AS kind UNION ALL SELECT 'release') AS k"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    (dir, pool)
}

fn bench(c: &mut Criterion) {
    let actor = Actor {
        org_id: 1,
        user_id: 0,
        roles: vec![Role::Admin],
    };
    let mut group = c.benchmark_group("budget-execution report");
    group.measurement_time(Duration::from_secs(5));
    for entries in [1_000u64, 1_000_000] {
        let (_dir, pool) = database(entries);
        group.bench_function(format!("{entries} ledger entries"), |b| {
            b.iter(|| reports::execution(&pool, &actor, 2021).unwrap_or_else(|e| panic!("{e}")))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
