"""Shared by the benchmark scripts: a fresh PostgreSQL database per run, and running a script's child process
(each engine runs in its own process because Django reads its settings once per process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh_postgres(url: str, name: str) -> str:
    """Drop and create database `name` on the server of `url`; return the URL of the new database."""
    import psycopg

    server = url.rsplit("/", 1)[0]
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


def run_child(args: list[str], env: dict, what: str) -> dict:
    """Run `python args...` with env; return the JSON object on its last line of output, or stop with its errors."""
    proc = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{what} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])
