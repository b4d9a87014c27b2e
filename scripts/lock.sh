#!/usr/bin/env bash
# Writes requirements/lock.txt: the exact version and hashes of every package scripts/setup.sh installs (Recaudo's
# dependencies, its `test` extra, pip and the build backend), resolved for Python 3.11 on Linux. See decision 0009.
#   bash scripts/lock.sh            after editing dependencies in pyproject.toml: keeps every pin that still fits
#   bash scripts/lock.sh --upgrade  a deliberate upgrade: the newest versions within pyproject.toml's ranges
#   bash scripts/lock.sh --upgrade-package NAME   the newest NAME only (repeatable)
# The resolver is uv, itself installed from requirements/uv.txt (pinned, hash-checked) into a venv of its own.
# Then run `bash scripts/setup.sh` and `bash scripts/test.sh`, and commit requirements/lock.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
TOOL=${RECAUDO_LOCK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/recaudo/lock-venv}
UV_PIN=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements/uv.txt)
if [ "$("$TOOL/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" != "$UV_PIN" ]; then
  rm -rf "$TOOL"
  "$PY" -m venv "$TOOL"
  "$TOOL/bin/python" -m pip install -q --require-hashes -r requirements/uv.txt
fi
# An upgrade resolves from scratch; otherwise uv prefers the versions already in the output file.
out=requirements/lock.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -f "$out" ] && cp "$out" "$tmp/lock.txt"
"$TOOL/bin/uv" pip compile pyproject.toml requirements/build.in --extra test \
  --generate-hashes --python-version 3.11 --python-platform linux \
  --custom-compile-command "bash scripts/lock.sh" -q -o "$tmp/lock.txt" "$@"
{
  "$PY" scripts/check_lock.py --header
  cat "$tmp/lock.txt"
} > "$out"
"$PY" scripts/check_lock.py
echo "wrote $out: $(grep -c '^[A-Za-z0-9]' "$out") packages"
