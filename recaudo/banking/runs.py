"""Running a bank file uploaded on the bank page (a BankUpload): claimed by one worker at a time, imported through
services.bank_import with its progress written to the upload's row, and ended with the summary and the first
lines, or with the problems that refused the file. A run whose worker died is taken over by the next `recaudo
worker` pass (bank_uploads_abandoned); importing again is safe, the lines already read being duplicates."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import asdict
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from recaudo.core.errors import DomainError

from .models import BankUpload
from .services import BankingError, bank_import

log = logging.getLogger(__name__)

UPLOAD_STALE = timedelta(minutes=5)  # a running upload whose worker has not been heard of for this long is taken over
UPLOAD_LINES_SHOWN = 500  # the lines of a finished upload its page lists (the summary counts them all)


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _progress(upload_id: int, worker: str):
    """The import's progress callback: the stage and how far, written to the upload's row (at most once a chunk)."""
    def report(stage: str, done: int, total: int) -> None:
        BankUpload.objects.filter(pk=upload_id, claimed_by=worker).update(
            stage=stage[:20], done=max(done, 0), total=max(total, 0), heartbeat_at=timezone.now())
    return report


def bank_upload_run(upload_id: int, *, worker_id: str = "") -> BankUpload | None:
    """Claim the upload (pending, or running with a worker unheard of for UPLOAD_STALE) and import it. A refused
    file ends `refused` with every problem; an unexpected error ends `failed`, its cause in the log. Returns the
    upload (None when there is none); another worker's live claim is left alone."""
    worker = worker_id or _worker_id()
    now = timezone.now()
    claimed = BankUpload.objects.filter(pk=upload_id).filter(
        Q(status=BankUpload.Status.PENDING) | Q(status=BankUpload.Status.RUNNING, heartbeat_at__lt=now - UPLOAD_STALE)
    ).update(status=BankUpload.Status.RUNNING, claimed_by=worker, heartbeat_at=now, attempts=F("attempts") + 1,
             started_at=Coalesce("started_at", now))
    upload = BankUpload.objects.select_related("portfolio", "created_by").filter(pk=upload_id).first()
    if not claimed or upload is None:
        return upload
    fields = {"content": b"", "finished_at": None}
    with translation.override(upload.language or translation.get_language()):
        try:
            result = bank_import(portfolio=upload.portfolio, content=bytes(upload.content), layout=upload.layout,
                                 mapping_name=upload.mapping_name, convenio_name=upload.convenio_name,
                                 dry_run=upload.dry_run, actor=upload.created_by or "web",
                                 progress=_progress(upload.pk, worker))
        except DomainError as exc:
            problems = exc._problems if isinstance(exc, BankingError) and exc._problems else [exc.message]
            fields |= {"status": BankUpload.Status.REFUSED, "problems": [str(p)[:1000] for p in problems[:500]]}
        except Exception as exc:  # the upload must end in a state a person can read; the cause goes to the log
            log.exception("bank upload %s failed", upload_id)
            fields |= {"status": BankUpload.Status.FAILED, "problems": [
                _("Internal error (%(kind)s): the lines already applied stay applied; upload the file again to "
                  "finish it (nothing is applied twice).") % {"kind": exc.__class__.__name__}]}
        else:
            summary = result.summary()
            fields |= {"status": BankUpload.Status.DONE, "summary": summary, "done": summary["read"],
                       "total": summary["read"],
                       "lines": [asdict(line) for line in result.lines[:UPLOAD_LINES_SHOWN]]}
    fields["finished_at"] = timezone.now()
    BankUpload.objects.filter(pk=upload_id, claimed_by=worker).update(**fields)
    return BankUpload.objects.get(pk=upload_id)


def bank_uploads_abandoned(now: datetime | None = None, limit: int = 5) -> list[int]:
    """Uploads no worker is doing: running with a worker unheard of for UPLOAD_STALE, or pending that long after
    they were submitted (the task worker is down). The cycle worker takes them over."""
    stale = (now or timezone.now()) - UPLOAD_STALE
    return list(BankUpload.objects.filter(
        Q(status=BankUpload.Status.RUNNING, heartbeat_at__lt=stale)
        | Q(status=BankUpload.Status.PENDING, created_at__lt=stale)
    ).order_by("created_at", "id").values_list("pk", flat=True)[:limit])
