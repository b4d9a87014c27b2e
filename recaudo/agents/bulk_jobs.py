"""Submitting a bulk action of the debtor list from the web: small ones are done at once (bulk_apply), large ones
and every message template are saved as a BulkJob and run by the background worker (`recaudo db_worker`), the
task enqueued after the commit. Above the tasks module, so recaudo.agents.bulk imports neither."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import get_language

from recaudo.portfolio.models import Portfolio
from recaudo.portfolio.selectors import DebtorFilters

from .bulk import BulkResult, bulk_apply, bulk_job_create, bulk_job_resume, bulk_params, runs_in_background
from .models import BulkJob
from .tasks import run_bulk_job


@dataclass(frozen=True)
class Submitted:
    result: BulkResult | None = None  # done at once
    job: BulkJob | None = None  # or left to the worker


@transaction.atomic
def bulk_submit(*, portfolio: Portfolio, actor, action: str, token: str, as_of: date, ids=None,
                filters: DebtorFilters | None = None, query: str = "", expected: int | None = None,
                agent_id=None, add_tags: list[str] = (), remove_tags: list[str] = (), hold_reason: str = "",
                hold_until: date | None = None, hold_notes: str = "", template: str = "") -> Submitted:
    """The confirmation of a bulk action: done now when it is small (bulk_apply), else a pending BulkJob (same
    checks first; nothing done to the debtors) whose task is enqueued after the commit. `expected` (the confirmed
    count) decides which; the service checks it against the list again."""
    inputs = {"agent_id": agent_id, "add_tags": add_tags, "remove_tags": remove_tags, "hold_reason": hold_reason,
              "hold_until": hold_until, "hold_notes": hold_notes, "template": template}
    if not runs_in_background(action, expected or 0):
        return Submitted(result=bulk_apply(portfolio=portfolio, actor=actor, action=action, token=token, as_of=as_of,
                                           ids=ids, filters=filters, query=query, expected=expected, **inputs))
    job = bulk_job_create(portfolio=portfolio, actor=actor, action=action, token=token, as_of=as_of, ids=ids,
                          filters=filters, query=query, expected=expected, params=bulk_params(**inputs),
                          language=get_language() or "")
    transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    return Submitted(job=job)


@transaction.atomic
def bulk_resume(*, job: BulkJob, actor) -> BulkJob:
    """Resume a stopped job (bulk.bulk_job_resume) and enqueue its task after the commit."""
    job = bulk_job_resume(job=job, actor=actor)
    transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    return job
