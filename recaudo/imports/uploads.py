"""Web uploads: store the file, create the ImportJob, queue the task once the transaction commits."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction

from recaudo.audit.services import audit_record

from .models import ImportJob


def safe_filename(name: str) -> str:
    name = Path(name or "upload").name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "upload"
    return f"{stem[:80]}{suffix[:8]}"


def store_upload(upload) -> Path:
    folder = Path(settings.IMPORT_UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}-{safe_filename(upload.name)}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def import_job_submit(*, portfolio, kind: str, upload, options: dict, actor) -> ImportJob:
    """Save the upload, record a pending ImportJob and enqueue `run_import_job` after commit."""
    from .tasks import run_import_job

    path = store_upload(upload)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                portfolio=portfolio, kind=ImportJob.Kind(kind), filename=Path(upload.name).name[:255],
                stored_path=str(path), options=options, status=ImportJob.Status.PENDING, created_by=actor,
            )
            audit_record(event_type="import.submitted", subject=job, actor=actor, portfolio=portfolio,
                         changes={"kind": kind, "filename": job.filename, "options": options})
            transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return job
