"""The `cycle` and `worker` commands."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recaudo.strategies.models import CycleRun, StepExecution
from recaudo.strategies.services import strategy_ensure_default

from .helpers import debtor_owing

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_cycle_run_json_dry_run_then_real(portfolio, outbox):
    debtor_owing(portfolio, "C1", days_past_due=3)
    dry = json.loads(run("cycle", "run", "--portfolio", "pyme", "--date", "2026-03-02", "--dry-run",
                         "--format", "json"))
    assert dry["dry_run"] is True and dry["counts"]["steps"] == 1
    row = dry["rows"][0]
    assert row["step"] == "sms-overdue" and row["channel"] == "sms" and row["template"] == "overdue_notice"
    assert row["priority_explanation"].startswith("balance 1M, 3 days")
    assert StepExecution.objects.count() == 0
    real = json.loads(run("cycle", "run", "--portfolio", "pyme", "--date", "2026-03-02", "--format", "json"))
    assert real["status"] == "done" and real["counts"]["outcome:done"] == 1
    again = json.loads(run("cycle", "run", "--portfolio", "pyme", "--date", "2026-03-02", "--format", "json"))
    assert again["status"] == "already_done" and StepExecution.objects.count() == 1
    assert "sms-overdue" in run("cycle", "run", "--portfolio", "pyme", "--date", "2026-03-02", "--dry-run")


def test_cycle_errors_name_the_option(portfolio):
    with pytest.raises(CommandError, match="--portfolio: no portfolio 'nope'"):
        run("cycle", "run", "--portfolio", "nope")
    with pytest.raises(CommandError, match="--date: not a date"):
        run("cycle", "run", "--portfolio", "pyme", "--date", "02/03/2026")


def test_worker_once_runs_due_cycles(portfolio, outbox):
    from datetime import timedelta

    from django.utils import timezone

    from recaudo.strategies.models import PortfolioCycleSettings

    debtor_owing(portfolio, "C1", days_past_due=3, today=timezone.localdate())
    strategy_ensure_default(portfolio)
    PortfolioCycleSettings.objects.filter(portfolio=portfolio).update(next_cycle_at=timezone.now() - timedelta(1))
    report = json.loads(run("worker", "--once"))
    assert [r["status"] for r in report["runs"]] == ["done"]
    assert json.loads(run("worker", "--once"))["runs"] == []  # the day is claimed: nothing more
    assert CycleRun.objects.count() == 1
