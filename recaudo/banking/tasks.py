"""Background tasks of the banking app: a bank file uploaded on the bank page (jobs.bank_upload_submit)."""

from django_tasks import task

from .runs import bank_upload_run


@task()
def run_bank_upload(upload_id: int) -> str:
    """Import a saved BankUpload (runs.bank_upload_run). Returns its status."""
    upload = bank_upload_run(upload_id)
    return upload.status if upload else "missing"
