"""`recaudo worker` as a real process on a SQLite file database (RECAUDO_HOME = a temporary folder):

- SIGTERM mid-cycle: the worker stops after its current chunk, releases its claim and exits 0; the next worker
  resumes the run and finishes it.
- SIGKILL mid-cycle: the claim stays (status running, heartbeat frozen); once it is older than
  RECAUDO_CYCLE_STALE_SECONDS another worker takes it over and completes it without duplicates.

The cycle is slowed down with small chunks and a pause between them (RECAUDO_CYCLE_CHUNK, RECAUDO_CYCLE_PAUSE), so
the signal lands mid-run. The test waits for observed progress in the database, not for a fixed time.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

DEBTORS = 120
ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(not (BIN / "recaudo").exists(), reason="the recaudo console script is not installed")

SETUP = f"""
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from recaudo.demo.testing import make_portfolio
from recaudo.portfolio.models import Debtor
from recaudo.portfolio.services import contact_add
from recaudo.strategies.models import PortfolioCycleSettings
from recaudo.strategies.services import strategy_ensure_default

p = make_portfolio(slug="w")
today = p.today()
Debtor.objects.bulk_create([
    Debtor(portfolio=p, code=f"D{{i:04}}", name=f"Deudor {{i}}", balance_minor=10_000_000, open_count=1,
           oldest_due_date=today - timedelta(days=3)) for i in range({DEBTORS})])
for d in Debtor.objects.filter(portfolio=p)[:20]:
    contact_add(debtor=d, channel="phone", value="+573001234567", consent="granted")
strategy_ensure_default(p)
PortfolioCycleSettings.objects.filter(portfolio=p).update(next_cycle_at=timezone.now() - timedelta(minutes=1))
"""


def _env(home: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(RECAUDO_HOME=str(home), DJANGO_SETTINGS_MODULE="recaudo.settings", PYTHONUNBUFFERED="1",
               RECAUDO_CYCLE_CHUNK="10", RECAUDO_CYCLE_PAUSE="0.15", RECAUDO_TRANSPORTS="sms=memory")
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("worker-template")
    subprocess.run([str(BIN / "recaudo"), "migrate", "--noinput", "-v", "0"], env=_env(home), cwd=ROOT, check=True,
                   timeout=300)
    return home


@pytest.fixture
def home(migrated, tmp_path) -> Path:
    target = tmp_path / "home"
    shutil.copytree(migrated, target)
    subprocess.run([sys.executable, "-c", SETUP], env=_env(target), cwd=ROOT, check=True, timeout=120)
    return target


def query(home: Path, sql: str, *params):
    db = sqlite3.connect(home / "recaudo.sqlite3", timeout=30)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def the_run(home: Path) -> dict:
    rows = query(home, "SELECT status, claimed_by, progress_debtor_id, attempts FROM strategies_cyclerun")
    assert len(rows) <= 1
    return dict(zip(("status", "claimed_by", "progress", "attempts"), rows[0], strict=True)) if rows else {}


def start_worker(home: Path, name: str, tmp_path: Path, *args, **env) -> subprocess.Popen:
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([str(BIN / "recaudo"), "worker", "--no-outbox", "--worker-id", name, *args],
                            env=_env(home, **env), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def wait_mid_run(home: Path, proc: subprocess.Popen, timeout: float = 90) -> dict:
    """Until the run is running with some committed progress (and not finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the worker exited early"
        run = the_run(home)
        if run and run["status"] == "running" and run["progress"] > 0:
            return run
        assert run.get("status") != "done", "the cycle finished before the signal: make it slower"
        time.sleep(0.05)
    pytest.fail("the worker never started the cycle")


def assert_complete_without_duplicates(home: Path):
    steps = query(home, "SELECT COUNT(*), COUNT(DISTINCT debtor_id) FROM strategies_stepexecution")[0]
    assert steps == (DEBTORS, DEBTORS)
    messages = query(home, "SELECT COUNT(*), COUNT(DISTINCT dedupe_key) FROM communications_message")[0]
    sms_done = query(home, "SELECT COUNT(*) FROM strategies_stepexecution WHERE action = 'send_message' "
                           "AND outcome = 'done'")[0][0]
    assert messages == (sms_done, sms_done) and sms_done > 0


def test_sigterm_mid_cycle_exits_0_and_releases_the_claim(home, tmp_path):
    worker = start_worker(home, "A", tmp_path, "--interval", "0.2")
    try:
        wait_mid_run(home, worker)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0, (tmp_path / "A.log").read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
    run = the_run(home)
    assert run["status"] in ("pending", "done"), run  # released, or (a slow signal) finished: never stuck
    if run["status"] == "pending":
        assert run["claimed_by"] == "" and run["progress"] > 0 and run["attempts"] == 0
    assert "worker stopped" in (tmp_path / "A.log").read_text()
    # the next worker takes the released run at once (no stale wait) and finishes it
    done = subprocess.run([str(BIN / "recaudo"), "worker", "--once", "--no-outbox", "--worker-id", "B"],
                          env=_env(home, RECAUDO_CYCLE_PAUSE="0"), cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    run = the_run(home)
    assert run["status"] == "done"
    assert_complete_without_duplicates(home)


def test_sigkill_mid_cycle_leaves_a_claim_another_worker_takes_over_when_stale(home, tmp_path):
    stale = 4
    worker = start_worker(home, "A", tmp_path, "--interval", "0.2")
    try:
        wait_mid_run(home, worker)
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=30) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
    killed_at = time.monotonic()
    stuck = the_run(home)
    assert stuck["status"] == "running" and stuck["claimed_by"] == "A" and stuck["progress"] > 0

    def once(name):
        return subprocess.run([str(BIN / "recaudo"), "worker", "--once", "--no-outbox", "--worker-id", name],
                              env=_env(home, RECAUDO_CYCLE_STALE_SECONDS=stale, RECAUDO_CYCLE_PAUSE="0"), cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    early = once("B")
    assert early.returncode == 0, early.stderr
    if time.monotonic() - killed_at < stale - 1:  # surely before the claim went stale: not taken over yet
        assert the_run(home)["claimed_by"] == "A"
    time.sleep(max(0.0, stale + 0.5 - (time.monotonic() - killed_at)))
    late = once("C")
    assert late.returncode == 0, late.stderr
    run = the_run(home)
    assert run["status"] == "done" and run["claimed_by"] in ("B", "C") and run["attempts"] == 2
    assert_complete_without_duplicates(home)
