"""Import reads for the web pages: job history, one job, its live progress."""

from __future__ import annotations

from django.core.cache import cache

from .models import ImportJob

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
