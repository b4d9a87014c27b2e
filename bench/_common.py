"""Shared by the benchmark scripts: a fresh PostgreSQL database per run, and running a script's child process
(each engine runs in its own process because Django reads its settings once per process)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
KEEP = {"postgres", "template0", "template1"}


# Set by scripts/bench-smoke.sh: an already migrated database that each fresh one starts as a copy of, so a smoke
# run does not pay for the migrations once per script and engine (the child's `migrate` then has nothing to do).
SQLITE_TEMPLATE = "RECAUDO_BENCH_SQLITE_TEMPLATE"  # path of a migrated SQLite file
PG_TEMPLATE = "RECAUDO_BENCH_PG_TEMPLATE"  # name of a migrated database on the --pg-url server


def fresh_postgres(url: str) -> str:
    """Drop and create the database that `url` names (never postgres or a template); return `url`.

    Each script's --pg-url names its own database (recaudo_bench_aging, ...), so runs of different scripts, and
    the smoke run of scripts/bench-smoke.sh (databases named after PG_URL's), never share one."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not name or name in KEEP:
        raise SystemExit(f"--pg-url {url}: name the database to drop and create (not {name or 'none'})")
    server = url.rsplit("/", 1)[0]
    template = os.environ.get(PG_TEMPLATE)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return url


def fresh_sqlite(home: str | Path) -> str:
    """The URL of a new SQLite file in `home` (a copy of the smoke run's migrated template, when there is one)."""
    path = Path(home) / "bench.sqlite3"
    template = os.environ.get(SQLITE_TEMPLATE)
    if template:
        shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def run_child(args: list[str], env: dict, what: str) -> dict:
    """Run `python args...` with env; return the JSON object on its last line of output, or stop with its errors."""
    proc = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{what} failed")
    if env.get("BENCH_SQL_PROFILE"):  # a profile the child printed (bench_bank --sql-profile)
        sys.stderr.write(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def django_child(any_host: bool = False) -> None:
    """Start Django in a benchmark's child process (settings from its environment) and migrate its fresh database.
    `any_host`: accept every Host header (Django's test client in the child)."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if any_host:
        settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)


def import_flat(flat: str | Path, slug: str = "bench"):
    """A new portfolio `slug` with the flat export `flat` imported through the import engine, as a user's import,
    then ANALYZE (fresh statistics for what the benchmark times next). Returns (portfolio, import result,
    seconds the import took). Call after django_child()."""
    from django.db import connection

    from recaudo.demo.testing import make_portfolio
    from recaudo.imports.services import ImportOptions, import_file

    portfolio = make_portfolio(slug=slug)
    t0 = time.perf_counter()
    result = import_file(portfolio=portfolio, kind="obligations", path=Path(flat), options=ImportOptions())
    seconds = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return portfolio, result, seconds


def cpu_reference(rounds: int = 3) -> float:
    """Seconds a fixed pure-Python loop (10,000,000 additions) takes, the best of `rounds`: how fast this machine
    runs Python today, printed beside a benchmark's times so that runs on different machines (or one machine under
    different neighbours) can be compared."""
    best = float("inf")
    for _round in range(rounds):
        start = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    return best
