#!/usr/bin/env bash
# Sets up and runs the whole test suite: lint, then pytest on SQLite, then pytest on PostgreSQL.
#   PG_URL   PostgreSQL for the second half (default postgres://postgres@127.0.0.1:5432/test)
#   CI=true  the PostgreSQL half must run: an unreachable server fails the run instead of skipping it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Browser tests drive Debian's Chromium (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)
  else
    echo "note: /usr/bin/chromium is missing (apt-get install chromium); browser tests will be skipped"
  fi
fi
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check .
echo "== pytest on SQLite"
env -u DATABASE_URL pytest -q "$@"
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
if python -c "import psycopg,sys; psycopg.connect(sys.argv[1].replace('postgres://','postgresql://'), connect_timeout=3).close()" "$PG_URL" 2>/tmp/recaudo-pg-check; then
  echo "== pytest on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" pytest -q "$@"
else
  reason=$(tail -1 /tmp/recaudo-pg-check)
  if [ "${CI:-}" = "true" ]; then
    echo "FAILED: PostgreSQL half did not run: cannot connect to $PG_URL: $reason"
    exit 1
  fi
  echo "== pytest on PostgreSQL: SKIPPED (cannot connect to $PG_URL: $reason)"
fi
