"""Two workers at once on PostgreSQL: one portfolio's cycle runs once, no message is enqueued twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from recaudo.cycle.runner import cycle_run, worker_tick
from recaudo.demo.testing import make_portfolio
from recaudo.strategies.models import CycleRun, PortfolioCycleSettings, StepExecution
from recaudo.strategies.services import strategy_ensure_default

from .helpers import MONDAY, debtor_owing

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("two workers with separate connections need PostgreSQL (SQLite test DB is in memory)")


def in_threads(fn, n=2):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def target(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_two_workers_claim_the_same_cycle_only_one_runs(outbox):
    portfolio = make_portfolio(slug="conc")
    debtors = [debtor_owing(portfolio, f"C{i}", days_past_due=3 + i % 20) for i in range(30)]
    strategy_ensure_default(portfolio)
    results = in_threads(lambda i: cycle_run(portfolio=portfolio, business_date=MONDAY, worker_id=f"w{i}"))
    statuses = sorted(r.status for r in results)
    assert statuses[0] == "already_done" or statuses[0].startswith("claimed_elsewhere")
    assert statuses[1] == "done"
    assert StepExecution.objects.count() == len(debtors)
    keys = [m["dedupe_key"] for m in outbox.messages]
    assert len(keys) == len(set(keys)) == StepExecution.objects.filter(action="send_message").count()
    assert CycleRun.objects.get().attempts == 1


def test_two_worker_loops_run_a_due_portfolio_once(outbox):
    portfolio = make_portfolio(slug="loop")
    for i in range(10):
        debtor_owing(portfolio, f"C{i}", days_past_due=3, today=timezone.localdate())
    strategy_ensure_default(portfolio)
    PortfolioCycleSettings.objects.filter(portfolio=portfolio).update(
        next_cycle_at=timezone.now() - timedelta(minutes=1))
    reports = in_threads(lambda i: worker_tick(worker_id=f"w{i}"))
    runs = [r for report in reports for r in report["runs"]]
    assert [r["status"] for r in runs] == ["done"]
    assert CycleRun.objects.count() == 1
    assert StepExecution.objects.count() == 10
    assert PortfolioCycleSettings.objects.get(portfolio=portfolio).next_cycle_at > timezone.now()
