#!/usr/bin/env bash
# Load benchmarks (issues 6 and 16): each path's rate and latency beside its ceiling, in one run,
# so the machine's noise cancels in the ratio.
#
#   benches/load.sh sqlite      # or: benches/load.sh postgres
#
# Ceilings: `/healthz` of the same server for the reads and the quote, and the database's raw
# durable single-row commits (`examples/raw_commit`, 16 threads, the service's own settings) for
# approvals. Reads and quotes are driven by wrk (apt install wrk), 1 thread, 16 connections;
# approvals by `examples/approve_load` (16 in flight, COUNT claims submitted first, not timed).
# DUR sets seconds per wrk step (default 10), COUNT the approvals (default 20000). SCALE=1 adds
# issue 6's scale step (1,000,000 ledger entries, and hledger on the exported journal).
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${1:-sqlite}
DUR=${DUR:-10}
COUNT=${COUNT:-20000}
PORT=18090
URL=http://127.0.0.1:$PORT
command -v wrk >/dev/null || { echo "wrk is not installed (apt install wrk)" >&2; exit 1; }
cargo build --release --quiet --bin baoxiao --examples
# BIN=path/to/an/older/baoxiao measures that binary instead, with the same script (before/after).
BIN=${BIN:-$PWD/target/release/baoxiao}
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
ADMIN=$(cat data/admin.token)
CLAIMANT=$("$BIN" users add --name load-claimant --role claimant 2>/dev/null | tail -n1)
FINANCE=$("$BIN" users add --name load-finance --role finance 2>/dev/null | tail -n1)
# Approvals are charged to a leaf under a root of its own (large enough for any run): each one
# commits along a two-line path, as a claim on a real leaf commits along its ancestors.
new_line() {
  curl -sf -H "Authorization: Bearer $ADMIN" $URL/api/v1/budget-lines -d "$1" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
new_line '{"year": 2021, "code": "load", "name": "load test", "allocated": "99999999.99"}' >/dev/null
LINE=$(new_line '{"year": 2021, "code": "load.claims", "name": "load test claims", "parent_code": "load", "allocated": "99999999.99"}')
# The line read is a parent with children (the 2021 tree's 信访工作经费), as a budget holder reads it.
READ_LINE=$(curl -s -H "Authorization: Bearer $ADMIN" "$URL/api/v1/budget-lines?year=2021" | python3 -c '
import json,sys
lines = json.load(sys.stdin)
parents = {l["parent_id"] for l in lines}
print(next(l["id"] for l in lines if l["id"] in parents and l["parent_id"] is not None))')
cat >quote.lua <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $CLAIMANT"
wrk.body = '{"purpose": "赴省汇报", "destination": "石家庄", "departure_date": "2021-05-10", "return_date": "2021-05-12", "stays": [{"city": "石家庄", "check_in": "2021-05-10", "check_out": "2021-05-12", "lodging_amount": "680.00", "invoice": true}], "tickets": [{"description": "平乡—石家庄 汽车", "amount": "65.50"}], "meals_provided": [{"date": "2021-05-11", "breakfast": false, "lunch": true, "dinner": false}]}'
LUA
curl -sf -X POST -H "Authorization: Bearer $CLAIMANT" -H 'Content-Type: application/json' \
  -d "$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" quote.lua)" $URL/api/v1/travel-claims/quote >/dev/null \
  || { echo "the quote body is refused" >&2; exit 1; }

# wrk's figures as "rate p50_ms p99_ms".
measure() {
  wrk -t1 -c16 -d"${DUR}s" --latency "$@" | python3 -c '
import re, sys
text = sys.stdin.read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if bad: sys.exit("%s answers were not 2xx" % bad.group(1))
p = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
print("%.0f %.2f %.2f" % (rate, ms(p["50"]), ms(p["99"])))'
}

echo "measuring $BACKEND: ${DUR}s per wrk step, $COUNT approvals…" >&2
read -r H_RATE H_P50 H_P99 < <(measure $URL/healthz)
# /readyz asks the database one `SELECT 1` through the pool and the blocking pool: what a request
# that needs the database at all cannot beat in this service.
read -r Y_RATE Y_P50 Y_P99 < <(measure $URL/readyz)
read -r R_RATE R_P50 R_P99 < <(measure -H "Authorization: Bearer $ADMIN" "$URL/api/v1/budget-lines/$READ_LINE")
read -r Q_RATE Q_P50 Q_P99 < <(measure -s quote.lua $URL/api/v1/travel-claims/quote)
APPROVE=$("$EX/approve_load" $URL "$CLAIMANT" "$FINANCE" "$LINE" 16 "$COUNT")
read -r A_RATE A_P50 A_P99 < <(echo "$APPROVE" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["approves_per_s"], "%.2f" % (d["p50_us"]/1000), "%.2f" % (d["p99_us"]/1000))')
RAW=$("$EX/raw_commit" "$RAW_URL" 16 "$DUR" | python3 -c 'import json,sys; print(json.load(sys.stdin)["commits_per_s"])')
# PostgreSQL's own rate for one indexed read per transaction (pgbench -S, prepared, 16 clients,
# no application at all, libpq's default sslmode as the server's): what a request that must
# make even one query cannot beat here, beside /healthz.
PG_READ=""
if [ "$BACKEND" = postgres ] && command -v pgbench >/dev/null; then
  pgbench -q -i -s 1 "$RAW_URL" >/dev/null 2>&1
  PG_READ=$(pgbench -S -M prepared -c16 -j1 -T"$DUR" "$RAW_URL" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
fi
RSS=$(awk '/VmHWM/ {print $2}' /proc/$SERVER/status)
"$BIN" verify >/dev/null 2>&1 || { echo "verify: the ledger does not replay to the balances" >&2; exit 1; }

ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
cat <<TABLE
| $BACKEND ($(date -u +%F), wrk ${DUR}s, $COUNT approvals) | req/s | p50 | p99 | ceiling | ratio | goal |
|---|---|---|---|---|---|---|
| \`GET /healthz\` | $H_RATE | $H_P50 ms | $H_P99 ms | | | |
| \`GET /readyz\` (one \`SELECT 1\`) | $Y_RATE | $Y_P50 ms | $Y_P99 ms | $H_RATE (healthz) | $(ratio "$Y_RATE" "$H_RATE") | |
| \`GET /api/v1/budget-lines/{id}\` | $R_RATE | $R_P50 ms | $R_P99 ms | $H_RATE (healthz) | $(ratio "$R_RATE" "$H_RATE") | ≥ 0.5 |
| \`POST /api/v1/travel-claims/quote\` | $Q_RATE | $Q_P50 ms | $Q_P99 ms | $H_RATE (healthz) | $(ratio "$Q_RATE" "$H_RATE") | ≥ 0.5 |
| \`POST /api/v1/travel-claims/{id}/approve\` | $A_RATE | $A_P50 ms | $A_P99 ms | $RAW (raw commits) | $(ratio "$A_RATE" "$RAW") | ≥ $([ "$BACKEND" = postgres ] && echo 0.5 || echo 1.0) |

Server peak RSS (VmHWM): $((RSS / 1024)) MiB.
TABLE
[ -z "$PG_READ" ] || echo "PostgreSQL alone, one indexed read per transaction (pgbench -S): $PG_READ/s, $(ratio "$PG_READ" "$H_RATE") of /healthz."

[ "${SCALE:-0}" = 1 ] || exit 0
# Scale (issue 6): one million ledger entries (commit/release pairs: balances stay equal to the
# replay); read and approve latency before and after, and the execution report against hledger.
p50_us() { measure "$@" | awk '{printf "%.0f", $2 * 1000}'; }
READ_P50_SMALL=$(p50_us -H "Authorization: Bearer $ADMIN" "$URL/api/v1/budget-lines/$LINE")
APPROVE_P50_SMALL=$("$EX/approve_load" $URL "$CLAIMANT" "$FINANCE" "$LINE" 16 2000 | python3 -c 'import json,sys; print(json.load(sys.stdin)["p50_us"])')
INSERT="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500000)
INSERT INTO ledger_entries (org_id, line_id, kind, amount_fen, source_type, source_id, actor_id, at)
SELECT 1, $LINE, k.kind, 18000, 'load', i, NULL, '2021-06-01 00:00:00' FROM n CROSS JOIN (SELECT 'commit' AS kind UNION ALL SELECT 'release') AS k"
if [ "$BACKEND" = postgres ]; then psql "$DATABASE_URL" -qc "$INSERT" -c "ANALYZE ledger_entries"; else python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" "$DATABASE_URL" "$INSERT"; fi
READ_P50_BIG=$(p50_us -H "Authorization: Bearer $ADMIN" "$URL/api/v1/budget-lines/$LINE")
APPROVE_P50_BIG=$("$EX/approve_load" $URL "$CLAIMANT" "$FINANCE" "$LINE" 16 2000 | python3 -c 'import json,sys; print(json.load(sys.stdin)["p50_us"])')
t0=$(date +%s%N); "$BIN" report budget-execution --year 2021 --format json -o report.json 2>/dev/null; t1=$(date +%s%N)
REPORT_MS=$(( (t1 - t0) / 1000000 ))
"$BIN" report journal --year 2021 -o ledger.journal 2>/dev/null
JOURNAL_TX=$(grep -c '^2021' ledger.journal || true)
t0=$(date +%s%N); timeout 900 hledger -f ledger.journal bal --tree --no-elide -E >/dev/null 2>&1; t1=$(date +%s%N)
HLEDGER_MS=$(( (t1 - t0) / 1000000 ))
cat <<TABLE

| $BACKEND scale | before | after 1,000,000 entries | ratio | goal |
|---|---|---|---|---|
| read p50 | $READ_P50_SMALL µs | $READ_P50_BIG µs | $(ratio "$READ_P50_BIG" "$READ_P50_SMALL")× | ≤ 1.5× |
| approve p50 | $APPROVE_P50_SMALL µs | $APPROVE_P50_BIG µs | $(ratio "$APPROVE_P50_BIG" "$APPROVE_P50_SMALL")× | ≤ 1.5× |
| execution report (CLI) vs \`hledger bal\` ($JOURNAL_TX transactions) | $REPORT_MS ms | $HLEDGER_MS ms | $(ratio "$HLEDGER_MS" "$REPORT_MS")× faster | ≥ 100× |
TABLE
