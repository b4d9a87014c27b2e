"""Background tasks of the agents' app: a bulk action of the debtor list saved as a BulkJob (bulk_jobs.bulk_submit)."""

from django_tasks import task

from .bulk import bulk_job_run


@task()
def run_bulk_job(job_id: int) -> str:
    """Run a saved BulkJob (recaudo.agents.bulk.bulk_job_run). Returns its status."""
    job = bulk_job_run(job_id)
    return job.status if job is not None else "missing"
