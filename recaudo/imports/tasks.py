"""Background tasks of the import: the web page saves an ImportJob and enqueues run_import_job."""

from django_tasks import task

from .services import import_job_run


@task()
def run_import_job(job_id: int) -> str:
    """Run a saved ImportJob; progress goes to the cache under import-progress-<id>. Returns the final status."""
    return import_job_run(job_id).status
