"""Running cycles exactly once: the due-date column (PortfolioCycleSettings.next_cycle_at) and the CycleRun row are
both claimed with conditional UPDATEs, which work alike on SQLite and PostgreSQL:

- claim the day: UPDATE settings SET next_cycle_at = next WHERE id = ? AND next_cycle_at = old, and in the same
  transaction create the (portfolio, business date) CycleRun, unique, as pending;
- claim the run: UPDATE run SET status = running, claimed_by = me, heartbeat = now WHERE id = ? AND (pending, or
  running with a stale heartbeat, or failed a while ago): one worker wins, the other updates nothing.

A worker killed mid-run leaves a running row whose heartbeat goes stale; the next worker takes it over and goes on
from its committed progress (every chunk commits with the progress; steps are idempotent).
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from recaudo.agents.bulk import bulk_job_run, bulk_jobs_abandoned
from recaudo.agreements.services.daily import agreements_daily
from recaudo.analytics.services import snapshot_for_cycle
from recaudo.analytics.subscriptions import summaries_send_due
from recaudo.banking.runs import bank_upload_run, bank_uploads_abandoned
from recaudo.banking.services_gateways import payment_links_expire
from recaudo.connectors.services import connectors_sync_due
from recaudo.cycle import comms
from recaudo.cycle.engine import Cycle, CycleResult, Interrupted, LostClaim, cycle_dry_run, cycle_setting
from recaudo.ledger.accruals import interest_post
from recaudo.portfolio.models import Portfolio
from recaudo.privacy.services import retention_run
from recaudo.strategies.models import CycleRun, PortfolioCycleSettings
from recaudo.strategies.services import cycle_settings_ensure, next_cycle_at, strategy_ensure_default
from recaudo.webhooks.services import deliveries_process, dispatch

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def stale_after() -> timedelta:
    """RECAUDO_CYCLE_STALE_SECONDS (Django setting, else environment variable; default 300)."""
    return timedelta(seconds=cycle_setting("RECAUDO_CYCLE_STALE_SECONDS", 300))


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_get_or_create(portfolio: Portfolio, business_date: date) -> CycleRun:
    CycleRun.objects.bulk_create([CycleRun(portfolio=portfolio, business_date=business_date)], ignore_conflicts=True)
    return CycleRun.objects.get(portfolio=portfolio, business_date=business_date)


def _claimable(stale: datetime) -> Q:
    return (Q(status=CycleRun.Status.PENDING)
            | Q(status=CycleRun.Status.RUNNING, heartbeat_at__lt=stale)
            | Q(status=CycleRun.Status.FAILED, heartbeat_at__lt=stale, attempts__lt=MAX_ATTEMPTS))


def run_claim(run_id: int, worker_id: str) -> bool:
    """Atomically take the run: True for exactly one of several workers trying at once."""
    now = timezone.now()
    claimed = CycleRun.objects.filter(Q(pk=run_id) & _claimable(now - stale_after())).update(
        status=CycleRun.Status.RUNNING, claimed_by=worker_id, claimed_at=now, heartbeat_at=now,
        attempts=F("attempts") + 1, error="")
    return claimed == 1


def run_release(run_id: int, worker_id: str) -> bool:
    """Give a run back (the worker is stopping): pending again, unclaimed, so the next worker resumes it at once
    after its last committed chunk. The attempt does not count."""
    return CycleRun.objects.filter(pk=run_id, claimed_by=worker_id, status=CycleRun.Status.RUNNING).update(
        status=CycleRun.Status.PENDING, claimed_by="", claimed_at=None, heartbeat_at=timezone.now(),
        attempts=F("attempts") - 1) == 1


def _execute(run: CycleRun, worker_id: str, now: datetime, collect: int = 0, should_stop=None) -> CycleResult:
    run.refresh_from_db()
    portfolio = run.portfolio
    strategy_ensure_default(portfolio)
    interest_post(portfolio=portfolio, through=run.business_date, now=now)  # idempotent; off unless enabled
    # installment interest falling due, promises kept/broken, breaches
    agreements_daily(portfolio=portfolio, today=run.business_date, now=now)
    retention_run(portfolio=portfolio, now=now)  # habeas data retention; idempotent; off unless set
    payment_links_expire(portfolio=portfolio, now=now)  # payment links past their expiry; idempotent
    snapshot_for_cycle(portfolio=portfolio, day=run.business_date, now=now)  # analytics' history; idempotent
    cycle = Cycle(portfolio=portfolio, business_date=run.business_date, now=now, collect=collect)
    result = CycleResult(portfolio=portfolio.slug, business_date=run.business_date, dry_run=False, run_id=run.pk)
    try:
        cycle.execute(run, worker_id, should_stop=should_stop)
    except Interrupted:
        run_release(run.pk, worker_id)
        log.info("cycle run %s of %s released: the worker is stopping", run.pk, portfolio.slug)
        result.status = "released"
        return result
    except LostClaim:
        log.warning("cycle run %s of %s was taken over by another worker", run.pk, portfolio.slug)
        result.status = "lost_claim"
        return result
    except Exception:
        CycleRun.objects.filter(pk=run.pk, claimed_by=worker_id).update(
            status=CycleRun.Status.FAILED, error=traceback.format_exc()[-4000:], heartbeat_at=timezone.now())
        raise
    CycleRun.objects.filter(pk=run.pk, claimed_by=worker_id).update(
        status=CycleRun.Status.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now(), counts=cycle.counts)
    result.counts, result.rows = cycle.counts, cycle.rows()
    return result


def cycle_run(*, portfolio: Portfolio, business_date: date | None = None, now: datetime | None = None,
              worker_id: str | None = None, dry_run: bool = False, collect: int = 0) -> CycleResult:
    """Run the portfolio's cycle for the business date (default: today in the portfolio's zone) unless it ran or is
    running elsewhere; `dry_run` plans without writing."""
    now = now or timezone.now()
    business_date = business_date or portfolio.today(now)
    strategy_ensure_default(portfolio)
    if dry_run:
        return cycle_dry_run(portfolio=portfolio, business_date=business_date, now=now, collect=collect)
    worker_id = worker_id or new_worker_id()
    run = run_get_or_create(portfolio, business_date)
    if not run_claim(run.pk, worker_id):
        run.refresh_from_db()
        status = "already_done" if run.status == CycleRun.Status.DONE else f"claimed_elsewhere ({run.status})"
        return CycleResult(portfolio=portfolio.slug, business_date=business_date, dry_run=False, status=status,
                           run_id=run.pk, counts={})
    return _execute(run, worker_id, now, collect)


def claim_due_cycles(*, now: datetime, limit: int = 20) -> int:
    """Advance next_cycle_at of every due portfolio (atomic claim) and create its pending run for today."""
    for portfolio in Portfolio.objects.filter(cycle_settings__isnull=True):
        cycle_settings_ensure(portfolio, now)
    claimed = 0
    due = (PortfolioCycleSettings.objects.filter(enabled=True, next_cycle_at__lte=now).select_related("portfolio")
           .order_by("next_cycle_at")[:limit])
    for row in due:
        with transaction.atomic():
            won = PortfolioCycleSettings.objects.filter(pk=row.pk, next_cycle_at=row.next_cycle_at).update(
                next_cycle_at=next_cycle_at(row.portfolio, row.run_time, now))
            if won:
                CycleRun.objects.bulk_create(
                    [CycleRun(portfolio=row.portfolio, business_date=row.portfolio.today(now))],
                    ignore_conflicts=True)
                claimed += 1
    return claimed


def worker_tick(*, worker_id: str, now: datetime | None = None, outbox: bool = True, should_stop=None) -> dict:
    """One pass of the worker: claim due days, run every claimable run (new, stale or failed), then the outbox, the
    scheduled summaries, the ERP connectors that are due (recaudo.connectors) and the outgoing webhooks
    (recaudo.webhooks' dispatch and deliveries), then any bulk action of the debtor list that no task worker is doing
    (agents.bulk.bulk_jobs_abandoned).
    `should_stop` (a callable, e.g. a SIGTERM flag) is checked after each committed chunk and between runs: a run
    in progress is released (pending, resumable at once by another worker) and nothing more starts."""
    now = now or timezone.now()
    stopping = should_stop or (lambda: False)
    report = {"claimed_days": claim_due_cycles(now=now), "runs": [], "outbox": None}
    stale = timezone.now() - stale_after()
    for run in CycleRun.objects.filter(_claimable(stale)).order_by("business_date", "id"):
        if stopping():
            break
        if run_claim(run.pk, worker_id):
            result = _execute(run, worker_id, now, should_stop=stopping)
            report["runs"].append({"portfolio": result.portfolio, "business_date": result.business_date.isoformat(),
                                   "status": result.status, "counts": result.counts})
    if outbox and not stopping():
        report["outbox"] = comms.outbox_process(now=now, worker_id=worker_id)
    if outbox and not stopping():
        report["summaries"] = summaries_send_due(now=now, worker_id=worker_id)  # analytics' scheduled e-mails
    if outbox and not stopping():
        report["erp"] = connectors_sync_due(now=now, worker_id=worker_id)  # ERP connectors that are due
    if outbox and not stopping():  # outgoing webhooks: events from the audit trail, then their deliveries
        report["webhooks"] = {"dispatch": dispatch(now=now),
                              "deliveries": deliveries_process(now=now, worker_id=worker_id)}
    report["bulk_jobs"] = []
    for job_id in bulk_jobs_abandoned(now):  # a bulk action whose task worker died or never came
        if stopping():
            break
        job = bulk_job_run(job_id, worker_id=worker_id)
        if job is not None and job.claimed_by == worker_id:
            report["bulk_jobs"].append({"job": job_id, "status": job.status})
    report["housekeeping"] = {}
    for path in getattr(settings, "RECAUDO_HOUSEKEEPING", ()):  # apps above this layer: the portal's old rows
        if stopping():
            break
        report["housekeeping"][path] = import_string(path)(now=now)
    report["bank_uploads"] = []
    for upload_id in bank_uploads_abandoned(now):  # a bank file whose task worker died or never came
        if stopping():
            break
        upload = bank_upload_run(upload_id, worker_id=worker_id)
        if upload is not None and upload.claimed_by == worker_id:
            report["bank_uploads"].append({"upload": upload_id, "status": upload.status})
    return report
