"""Import reads for the web pages: job history, one job, its live progress."""

from __future__ import annotations

from django.core.cache import cache

from .models import ImportJob, ImportProfile
from .profiles import erp_profiles, find_profile, saved_profile

HISTORY_LIMIT = 50
REPORT_LIMIT = 500


def import_jobs_for_portfolio(portfolio, limit: int = HISTORY_LIMIT) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(portfolio=portfolio).select_related("created_by")
        .defer("result", "options").order_by("-created_at", "-pk")[:limit]
    )


def import_job_for_portfolio(portfolio, job_id: int) -> ImportJob:
    """Raises ImportJob.DoesNotExist for a job of another portfolio."""
    return ImportJob.objects.select_related("created_by").get(portfolio=portfolio, pk=job_id)


def import_progress(job: ImportJob) -> dict:
    """{"done", "total", "percent"} from the worker's cache key, else from the job row."""
    progress = cache.get(f"import-progress-{job.pk}") or {}
    done = progress.get("done", job.rows_done) or 0
    total = progress.get("total", job.rows_total) or 0
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.REJECTED):
        percent = 100
    elif total:
        percent = max(0, min(100, round(100 * done / total)))
    else:
        percent = 0
    return {"done": done, "total": total, "percent": percent}


def import_report(job: ImportJob) -> dict:
    """Counts and the first REPORT_LIMIT row errors of a finished job (the result JSON, normalized)."""
    result = job.result or {}
    errors = result.get("errors") or []
    counts = {key: result.get(key, 0) or 0 for key in ("rows", "created", "updated", "unchanged", "rejected")}
    return {
        "counts": counts,
        "errors": errors[:REPORT_LIMIT],
        "errors_total": result.get("error_count", len(errors)) or len(errors),
        "dry_run": bool(result.get("dry_run", (job.options or {}).get("dry_run"))),
        "extra": {k: v for k, v in result.items() if k in ("debtors_created", "debtors_updated", "delimiter",
                                                             "encoding", "sheet")},
    }


def import_profiles_for_portfolio(portfolio, kind: str | None = None) -> list:
    """The profiles an upload may apply: the portfolio's saved ones (by name), then the shipped ERP ones."""
    saved = ImportProfile.objects.filter(portfolio=portfolio).order_by("name")
    profiles = [saved_profile(p) for p in saved] + list(erp_profiles())
    return [p for p in profiles if kind is None or p.kind == kind]


def import_profile_find(portfolio, key_or_name: str, kind: str | None = None):
    """A profile (shipped or the portfolio's) by key or name, or None."""
    return find_profile(key_or_name, list(ImportProfile.objects.filter(portfolio=portfolio)), kind)
