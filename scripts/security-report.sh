#!/usr/bin/env bash
# The security suite alone (recaudo/security/tests, docs/security.md), on SQLite and, when reachable, PostgreSQL.
# Prints what it checked (URL patterns, requests, fields, pages, exports, forgeries, bombs) after each run.
#   PG_URL   PostgreSQL for the second run (default postgres://postgres@127.0.0.1:5432/test; pytest uses test_<db>)
# Extra arguments go to pytest (e.g. -k webhooks). CI runs the same tests inside scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
echo "== security suite on SQLite"
env -u DATABASE_URL pytest -q -m security -p no:logging recaudo "$@"
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
if python -c "import psycopg,sys; psycopg.connect(sys.argv[1].replace('postgres://','postgresql://'), connect_timeout=3).close()" "$PG_URL" 2>/dev/null; then
  echo "== security suite on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" pytest -q -m security -p no:logging recaudo "$@"
else
  echo "== security suite on PostgreSQL: SKIPPED (cannot connect to $PG_URL)"
fi
