#!/usr/bin/env bash
# Smoke run of every script in bench/ at a tiny size, so none stops working unnoticed (scripts/test.sh runs it).
# It checks that each script runs to the end and that its results are right (every row imported and verified, the
# same totals from cached balances and the ledger, nothing new on a second cycle the same day, every e-mail sent,
# every bank-file payment applied or queued as expected and nothing applied twice);
# it times nothing and asserts no speed.
#   bash scripts/bench-smoke.sh            SQLite only
#   bash scripts/bench-smoke.sh PG_URL     SQLite and the PostgreSQL server of PG_URL: with PG_URL's database <db>,
#                                          it drops and creates <db>_bench_template, <db>_bench_aging, ... (never
#                                          <db> itself, nor pytest's test_<db>) and drops them again at the end
# The migrations run once per engine into a template that each script's fresh database copies (see bench/_common.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL=${1:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/recaudo-bench-smoke.XXXXXX")
export RECAUDO_HOME="$tmp/home"
mkdir -p "$RECAUDO_HOME"
unset DATABASE_URL

pg_sql() {  # run SQL statements on PG_URL's server, autocommit
  "$PY" - "$PG_URL" "$@" <<'EOF'
import sys

import psycopg

server = sys.argv[1].replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0]
with psycopg.connect(server + "/postgres", autocommit=True, connect_timeout=5) as conn:
    for sql in sys.argv[2:]:
        conn.execute(sql)
EOF
}

if [ -n "$PG_URL" ]; then
  base=${PG_URL%/*}
  db=${PG_URL##*/}
  db=${db%%\?*}
  names=(template import aging cycle web outbox bank analytics risk portal)
  cleanup() {
    local drops=()
    for n in "${names[@]}"; do drops+=("DROP DATABASE IF EXISTS \"${db}_bench_$n\""); done
    pg_sql "${drops[@]}" || true
    rm -rf "$tmp"
  }
  trap cleanup EXIT
else
  trap 'rm -rf "$tmp"' EXIT
fi

started=$SECONDS
step() {  # step NAME COMMAND...: run quietly, show the output only when it fails
  local name=$1 t0=$SECONDS
  shift
  if "$@" >"$tmp/$name.log" 2>&1; then
    echo "bench smoke: $name ok ($((SECONDS - t0)) s)"
  else
    tail -40 "$tmp/$name.log"
    echo "bench smoke: $name FAILED: $*"
    return 1
  fi
}

lane() {  # lane sqlite|postgresql: every script on one engine (the two lanes run side by side, one per core)
  local engine=$1 label=$2
  shift 2
  local opts=(--only "$engine")
  if [ "$engine" = sqlite ]; then
    step "migrate ($label template)" env DATABASE_URL="sqlite:///$tmp/template.sqlite3" .venv/bin/recaudo migrate -v0
    export RECAUDO_BENCH_SQLITE_TEMPLATE="$tmp/template.sqlite3"
  else
    pg_sql "DROP DATABASE IF EXISTS \"${db}_bench_template\"" "CREATE DATABASE \"${db}_bench_template\""
    step "migrate ($label template)" env DATABASE_URL="$base/${db}_bench_template" .venv/bin/recaudo migrate -v0
    export RECAUDO_BENCH_PG_TEMPLATE="${db}_bench_template"
  fi
  pg() { [ "$engine" = sqlite ] || echo "--pg-url=$base/${db}_bench_$1"; }
  # shellcheck disable=SC2046  # pg prints one word or none
  step "bench_import ($label)" "$PY" bench/bench_import.py --obligations 400 "${opts[@]}" $(pg import) &&
  step "bench_aging ($label)" "$PY" bench/bench_aging.py -n 400 --chunk 60 "${opts[@]}" $(pg aging) &&
  step "bench_cycle ($label)" "$PY" bench/bench_cycle.py -n 400 --chunk 60 "${opts[@]}" $(pg cycle) &&
  step "bench_web ($label)" "$PY" bench/bench_web.py -n 400 "${opts[@]}" $(pg web) &&
  step "bench_outbox ($label)" "$PY" bench/bench_outbox.py -n 20 --batch 8 --smoke "${opts[@]}" $(pg outbox) &&
  step "bench_bank ($label)" "$PY" bench/bench_bank.py --size tiny "${opts[@]}" $(pg bank) &&
  step "bench_analytics ($label)" "$PY" bench/bench_analytics.py -n 400 "${opts[@]}" $(pg analytics) &&
  step "bench_risk ($label)" "$PY" bench/bench_risk.py --size tiny "${opts[@]}" $(pg risk) &&
  step "bench_portal ($label)" "$PY" bench/bench_portal.py -n 400 --debtors 5 --rounds 1 --workers 2 --think 0 "${opts[@]}" \
    $(pg portal) &&
  step "bench_api ($label)" "$PY" bench/bench_api.py -n 400 --batch 50 --batches 2 --clients 3 --seconds 2 \
    "${opts[@]}" $(pg api)
}

step generate "$PY" bench/generate.py --debtors 20 --obligations 80 --out "$tmp/generated" --seed 1 --today 2026-03-02
lane sqlite SQLite &
sqlite_lane=$!
status=0
if [ -n "$PG_URL" ]; then
  lane postgresql PostgreSQL || status=1
fi
wait "$sqlite_lane" || status=1
if [ "$status" != 0 ]; then
  echo "bench smoke: FAILED"
  exit 1
fi
engines=SQLite
[ -n "$PG_URL" ] && engines="SQLite and PostgreSQL"
echo "bench smoke: every script in bench/ ran on $engines in $((SECONDS - started)) s"
