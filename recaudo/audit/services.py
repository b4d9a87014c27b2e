"""Audit trail: every write records actor, time, subject, event type and the change, in the same transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.core.bulk import insert_values
from recaudo.core.errors import NotAllowed

from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    if value is None or type(value) in (str, int, bool):  # most values: returned at once (a bank file's thousands)
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def _portfolio_of(subject):
    if subject._meta.label == "portfolio.Portfolio":
        return subject
    return getattr(subject, "portfolio", None)


PORTAL_DEBTOR_PREFIX = "portal:debtor:"


def portal_actor(debtor_id: int) -> str:
    """The actor label of a debtor acting in the portal ("portal:debtor:42"): services record it as the audit event's
    actor, and the office sees who did it."""
    return f"{PORTAL_DEBTOR_PREFIX}{int(debtor_id)}"


def portal_debtor_id(actor) -> int | None:
    """The debtor id of a portal actor label ("portal:debtor:42" -> 42), or None for any other actor."""
    if isinstance(actor, str) and actor.startswith(PORTAL_DEBTOR_PREFIX):
        rest = actor[len(PORTAL_DEBTOR_PREFIX):]
        return int(rest) if rest.isdigit() else None
    return None


def require_portal_debtor(actor, debtor_id: int) -> None:
    """A debtor's own action: the actor must be that debtor's portal label (a user or a system label may also act on
    the debtor's behalf: staff record what a debtor asked on the phone). Another debtor's label: NotAllowed."""
    if isinstance(actor, str) and actor.startswith(PORTAL_DEBTOR_PREFIX) and portal_debtor_id(actor) != debtor_id:
        raise NotAllowed(_("This debtor's records are not yours."))


def actor_label_for(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.get_username()


def audit_record(
    *,
    event_type: str,
    subject,
    actor=None,
    changes: dict | None = None,
    portfolio=None,
    debtor=None,
    at: datetime | None = None,
) -> AuditEvent:
    """Record one audit event. Must run inside the transaction of the write it describes."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the write's transaction")
    user = actor if actor is not None and not isinstance(actor, str) else None
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=user,
        actor_label=actor_label_for(actor),
        portfolio=portfolio if portfolio is not None else _portfolio_of(subject),
        debtor=debtor,
        subject_type=subject._meta.model_name,
        subject_id=subject.pk,
        subject_label=str(subject)[:200],
        event_type=event_type,
        changes=_jsonable(changes or {}),
    )


def audit_records(events: list[dict]) -> int:
    """Record several audit events at once (each dict: audit_record's keyword arguments; `debtor` may be an id)
    with one bulk insert (recaudo.core.bulk.insert_values): for the writes that handle thousands of rows in one
    transaction (a bank file's payments and their receipts). The same rows as audit_record writes one by one.
    Returns how many."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_records must be called inside the write's transaction")
    now = timezone.now()
    rows = [_row(now=now, **e) for e in events]
    insert_values(AuditEvent, _COLUMNS, rows)
    return len(rows)


_COLUMNS = ("at", "actor_id", "actor_label", "portfolio_id", "debtor_id", "subject_type", "subject_id",
            "subject_label", "event_type", "changes")


def _row(*, now, event_type: str, subject, actor=None, changes: dict | None = None, portfolio=None, debtor=None,
         at: datetime | None = None) -> tuple:
    """audit_record's row as a tuple (_COLUMNS); `debtor` may be an instance or an id."""
    user = actor if actor is not None and not isinstance(actor, str) else None
    portfolio = portfolio if portfolio is not None else _portfolio_of(subject)
    return (at or now, user.pk if user is not None else None, actor_label_for(actor),
            portfolio.pk if portfolio is not None else None,
            debtor if debtor is None or isinstance(debtor, int) else debtor.pk,
            subject._meta.model_name, subject.pk, str(subject)[:200], event_type, _jsonable(changes or {}))


def diff(old: dict, new: dict) -> dict:
    """{'field': [old, new]} for the fields that changed."""
    return {k: [_jsonable(old.get(k)), _jsonable(v)] for k, v in new.items() if old.get(k) != v}
