#!/usr/bin/env bash
# Load benchmarks (issue 6), each ratio taken within one run so machine noise cancels.
#
#   benches/load.sh sqlite      # or: benches/load.sh postgres
#
# Needs oha (`cargo install oha`), python3 (to read oha's JSON), and for the scale step hledger.
# Prints a Markdown table for BENCHMARKS.md. DUR sets seconds per measurement (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${1:-sqlite}
DUR=${DUR:-10}
PORT=18090
URL=http://127.0.0.1:$PORT
cargo build --release --quiet --bin baoxiao --examples
BIN=$PWD/target/release/baoxiao
EX=$PWD/target/release/examples
WORK=$(mktemp -d)
cd "$WORK"
if [ "$BACKEND" = postgres ]; then
  PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS baoxiao_load" -c "CREATE DATABASE baoxiao_load"
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS baoxiao_raw" -c "CREATE DATABASE baoxiao_raw"
  export DATABASE_URL=$PGURL/baoxiao_load
  RAW_URL=$PGURL/baoxiao_raw
else
  export DATABASE_URL=$WORK/load.db
  RAW_URL=$WORK/raw.db
fi

"$BIN" serve --bind 127.0.0.1:$PORT >server.out 2>server.err &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf $URL/healthz >/dev/null && break; sleep 0.1; done
ADMIN=$(tail -n1 server.out)
CLAIMANT=$("$BIN" users add --name load-claimant --role claimant 2>/dev/null | tail -n1)
FINANCE=$("$BIN" users add --name load-finance --role finance 2>/dev/null | tail -n1)
LINE=$(curl -s -H "Authorization: Bearer $ADMIN" $URL/api/v1/budget-lines \
  -d '{"year": 2021, "code": "load", "name": "load test", "allocated": "99999999.99"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
READ=$URL/api/v1/budget-lines/$LINE

oha_json() { oha --no-tui --output-format json "$@" 2>/dev/null; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
peak() { oha_json -z ${DUR}s -c 32 "$@" | field 'round(d["summary"]["requestsPerSec"])'; }
at_rate() { oha_json -z ${DUR}s -c 32 -q "$1" "${@:2}" | field '"%.2f / %.2f ms" % (d["latencyPercentiles"]["p50"]*1000, d["latencyPercentiles"]["p99"]*1000)'; }

echo "measuring $BACKEND for ${DUR}s per step…" >&2
HEALTH=$(peak $URL/healthz)
READS=$(peak -H "Authorization: Bearer $ADMIN" "$READ")
HEALTH_LAT=$(at_rate $((HEALTH / 2)) $URL/healthz)
READ_LAT=$(at_rate $((READS / 2)) -H "Authorization: Bearer $ADMIN" "$READ")
WRITE_JSON=$("$EX/write_load" $URL "$CLAIMANT" "$FINANCE" "$LINE" 16 "$DUR")
WRITES=$(echo "$WRITE_JSON" | field 'd["writes_per_s"]')
WRITE_HALF=$("$EX/write_load" $URL "$CLAIMANT" "$FINANCE" "$LINE" 16 "$DUR" $((WRITES / 2)))
SUBMIT_LAT=$(echo "$WRITE_HALF" | field '"%.2f / %.2f ms" % (d["submit_p50_us"]/1000, d["submit_p99_us"]/1000)')
APPROVE_LAT=$(echo "$WRITE_HALF" | field '"%.2f / %.2f ms" % (d["approve_p50_us"]/1000, d["approve_p99_us"]/1000)')
APPROVE_P50_SMALL=$(echo "$WRITE_HALF" | field 'd["approve_p50_us"]')
READ_P50_SMALL=$(oha_json -z ${DUR}s -c 8 -q $((READS / 4)) -H "Authorization: Bearer $ADMIN" "$READ" | field 'd["latencyPercentiles"]["p50"]*1e6')
RAW=$("$EX/raw_commit" "$RAW_URL" 16 "$DUR" | field 'd["commits_per_s"]')
RSS=$(awk '/VmHWM/ {print $2}' /proc/$SERVER/status)

# Scale: one million ledger entries (commit/release pairs: balances stay equal to the replay).
ENTRIES_BEFORE=$(curl -s -H "Authorization: Bearer $ADMIN" "$URL/api/v1/budget-lines/$LINE/entries" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
INSERT="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500000)
INSERT INTO ledger_entries (org_id, line_id, kind, amount_fen, source_type, source_id, actor_id, at)
SELECT 1, 12, k.kind, 18000, 'load', i, NULL, '2021-06-01 00:00:00' FROM n CROSS JOIN (SELECT 'commit' AS kind UNION ALL SELECT 'release') AS k"
if [ "$BACKEND" = postgres ]; then psql "$DATABASE_URL" -qc "$INSERT"; else python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" "$DATABASE_URL" "$INSERT"; fi
READ_P50_BIG=$(oha_json -z ${DUR}s -c 8 -q $((READS / 4)) -H "Authorization: Bearer $ADMIN" "$READ" | field 'd["latencyPercentiles"]["p50"]*1e6')
APPROVE_P50_BIG=$("$EX/write_load" $URL "$CLAIMANT" "$FINANCE" "$LINE" 16 "$DUR" $((WRITES / 2)) | field 'd["approve_p50_us"]')
t0=$(date +%s%N); "$BIN" report budget-execution --year 2021 --format json -o report.json 2>/dev/null; t1=$(date +%s%N)
REPORT_MS=$(( (t1 - t0) / 1000000 ))
"$BIN" report journal --year 2021 -o ledger.journal 2>/dev/null
JOURNAL_TX=$(grep -c '^2021' ledger.journal || true)
if command -v hledger >/dev/null; then
  t0=$(date +%s%N); timeout 900 hledger -f ledger.journal bal --tree --no-elide -E >/dev/null 2>&1 && t1=$(date +%s%N) || t1=0
  HLEDGER_MS=$([ "$t1" -gt 0 ] && echo $(( (t1 - t0) / 1000000 )) || echo "timeout")
else
  HLEDGER_MS="not installed"
fi

ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
cat <<TABLE
| $BACKEND ($(date -u +%F), ${DUR}s per step) | figure | goal | measured |
|---|---|---|---|
| \`/healthz\` peak | $HEALTH req/s | | |
| \`GET /api/v1/budget-lines/{id}\` peak | $READS req/s | ≥ 50% of healthz | $(ratio "$READS * 100" "$HEALTH")% |
| write path (submit, approve; each a durable transaction) peak | $WRITES writes/s ($(echo "$WRITE_JSON" | field 'd["pairs_per_s"]') claims/s) | ≥ 50% of raw commits | $(ratio "$WRITES * 100" "$RAW")% |
| raw durable single-row commits, same settings (\`examples/raw_commit\`, 16 threads) | $RAW commits/s | | |
| p50 / p99 at half peak: healthz | $HEALTH_LAT | | |
| p50 / p99 at half peak: read | $READ_LAT | | |
| p50 / p99 at half peak: submit | $SUBMIT_LAT | | |
| p50 / p99 at half peak: approve | $APPROVE_LAT | | |
| server peak RSS (VmHWM) | $((RSS / 1024)) MiB | | |
| read p50, ~$ENTRIES_BEFORE → 1,000,000+ ledger entries | $(printf %.0f "$READ_P50_SMALL") → $(printf %.0f "$READ_P50_BIG") µs | ≤ 1.5× | $(ratio "$READ_P50_BIG" "$READ_P50_SMALL")× |
| approve p50, ~$ENTRIES_BEFORE → 1,000,000+ ledger entries | $APPROVE_P50_SMALL → $APPROVE_P50_BIG µs | ≤ 1.5× | $(ratio "$APPROVE_P50_BIG" "$APPROVE_P50_SMALL")× |
| execution report (CLI, whole process) vs \`hledger bal\` on the exported journal ($JOURNAL_TX transactions) | $REPORT_MS ms vs $HLEDGER_MS ms | ≥ 100× faster | $( [ "$HLEDGER_MS" -eq "$HLEDGER_MS" ] 2>/dev/null && ratio "$HLEDGER_MS" "$REPORT_MS" || echo n/a)× |
TABLE
