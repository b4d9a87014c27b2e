"""Submitting a bank file from the bank page: a small file is imported at once (the page shows its result), a
larger one is saved as a pending BankUpload and the background task enqueued after the commit; the page follows
its progress. Above the tasks module, so the runner imports neither."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from recaudo.accounts.selectors import can
from recaudo.core.errors import NotAllowed
from recaudo.portfolio.models import Portfolio

from .models import BankUpload
from .runs import bank_upload_run
from .tasks import run_bank_upload

INLINE_BYTES = 256 * 1024  # up to here (about 1,500 collection lines) the import runs in the request


def bank_upload_submit(*, portfolio: Portfolio, content: bytes, filename: str, layout: str = "auto",
                       mapping_name: str = "", convenio_name: str = "", dry_run: bool = False,
                       actor) -> BankUpload:
    """Record the upload and import it: at once when it is at most INLINE_BYTES, else in the background. The
    user must be allowed to import into the portfolio (NotAllowed)."""
    if actor is None or isinstance(actor, str) or not can(actor, portfolio, "import"):
        raise NotAllowed(_("only a supervisor or an administrator of the portfolio imports bank files"))
    with transaction.atomic():
        upload = BankUpload.objects.create(
            portfolio=portfolio, filename=(filename or "")[:200], content=content, size=len(content),
            layout=layout, mapping_name=mapping_name[:60], convenio_name=convenio_name[:60], dry_run=dry_run,
            language=(translation.get_language() or "")[:10], created_by=actor)
        if len(content) > INLINE_BYTES:
            transaction.on_commit(lambda: run_bank_upload.enqueue(upload.pk))
            return upload
    return bank_upload_run(upload.pk)
