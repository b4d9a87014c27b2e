"""Submitting an import from the web: the upload is stored, a pending ImportJob recorded and the background task
enqueued after the commit (recaudo.imports.tasks runs it through the import engine). Above the tasks module, so the
engine and its storage helpers import neither."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from recaudo.audit.services import audit_record

from .models import ImportJob
from .services import import_profile_save
from .tasks import run_import_job
from .uploads import delete_stored, store_upload


def import_job_submit(*, portfolio, kind: str, upload, options: dict, actor) -> ImportJob:
    """Save the upload, record a pending ImportJob and enqueue `run_import_job` after commit."""
    name = store_upload(upload)
    return import_job_submit_stored(portfolio=portfolio, kind=kind, stored_path=name,
                                    filename=Path(upload.name).name, options=options, actor=actor)


def import_job_submit_stored(*, portfolio, kind: str, stored_path: str, filename: str, options: dict,
                             actor) -> ImportJob:
    """Record a pending ImportJob for an upload already in the storage (`stored_path`; the mapping step keeps it
    there meanwhile) and enqueue `run_import_job` after commit. The stored file is deleted if this fails."""
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                portfolio=portfolio, kind=ImportJob.Kind(kind), filename=Path(filename).name[:255],
                stored_path=stored_path, options=options, status=ImportJob.Status.PENDING, created_by=actor,
            )
            audit_record(event_type="import.submitted", subject=job, actor=actor, portfolio=portfolio,
                         changes={"kind": kind, "filename": job.filename, "options": options})
            transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    except Exception:
        delete_stored(stored_path)
        raise
    return job


@transaction.atomic
def import_mapping_submit(*, portfolio, kind: str, stored_path: str, filename: str, options: dict, actor,
                          profile_name: str = "") -> ImportJob:
    """The mapping step's end, in one transaction: save the choices as the portfolio's profile `profile_name`
    (when given) and submit the import with them."""
    if profile_name:
        import_profile_save(portfolio=portfolio, name=profile_name, kind=kind, mapping=options.get("mapping") or {},
                            separator=options.get("delimiter") or "", encoding=options.get("encoding") or "auto",
                            header_row=options.get("header_row") or 1, id_type=options.get("id_type") or "",
                            actor=actor)
        options = {**options, "profile": profile_name}
    return import_job_submit_stored(portfolio=portfolio, kind=kind, stored_path=stored_path, filename=filename,
                                    options=options, actor=actor)
