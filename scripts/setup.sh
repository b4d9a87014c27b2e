#!/usr/bin/env bash
# Creates .venv (Python 3.11) and installs Recaudo with its test tools from the lock: exactly the versions and
# hashes in requirements/lock.txt (pip and the build backend included), so every fresh machine gets the same
# environment on any day. Safe to run again. The lock is refreshed only on purpose: see scripts/lock.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --require-hashes -r requirements/lock.txt
# Recaudo itself, without its dependencies (the lock has them all) and built by the locked setuptools.
.venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
