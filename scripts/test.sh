#!/usr/bin/env bash
# Sets up and runs the whole test suite: the lock check, lint, a smoke run of every benchmark, then pytest on
# SQLite, then pytest on PostgreSQL.
#   PG_URL   PostgreSQL for the PostgreSQL half (default postgres://postgres@127.0.0.1:5432/test); pytest uses its
#            test_<db>, the benchmark smoke run <db>_bench_*.
#   CI=true  the PostgreSQL half must run: an unreachable server fails the run instead of skipping it.
#   RECAUDO_BENCH_SMOKE=0  skip the benchmarks' smoke run (about a minute) while iterating; CI always runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
echo "== lock"
"$PY" scripts/check_lock.py
bash scripts/setup.sh
# Browser tests drive Debian's Chromium (never a downloaded browser), with its Spanish language pack so that its own
# controls (date pickers, file buttons) read as an es-CO user sees them.
if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/lib/chromium/locales/es-419.pak ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q chromium chromium-l10n >/dev/null 2>&1 \
      || (apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-l10n >/dev/null)
  else
    echo "note: /usr/bin/chromium or its language pack is missing (apt-get install chromium chromium-l10n);"
    echo "      browser tests are skipped without Chromium"
  fi
fi
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check .
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
pg_ok=
if python -c "import psycopg,sys; psycopg.connect(sys.argv[1].replace('postgres://','postgresql://'), connect_timeout=3).close()" "$PG_URL" 2>/tmp/recaudo-pg-check; then
  pg_ok=1
else
  reason=$(tail -1 /tmp/recaudo-pg-check)
  if [ "${CI:-}" = "true" ]; then
    echo "FAILED: PostgreSQL half did not run: cannot connect to $PG_URL: $reason"
    exit 1
  fi
fi
if [ "${RECAUDO_BENCH_SMOKE:-1}" != 0 ] || [ "${CI:-}" = "true" ]; then
  echo "== benchmarks, smoke run (tiny sizes, nothing timed)"
  bash scripts/bench-smoke.sh ${pg_ok:+"$PG_URL"}
fi
echo "== pytest on SQLite"
env -u DATABASE_URL pytest -q "$@"
if [ -n "$pg_ok" ]; then
  echo "== pytest on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" pytest -q "$@"
else
  echo "== pytest on PostgreSQL: SKIPPED (cannot connect to $PG_URL: $reason)"
fi
