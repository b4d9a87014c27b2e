"""Audit trail: every write records actor, time, subject, event type and the change, in the same transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent


def _jsonable(value: Any) -> Any:
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


def diff(old: dict, new: dict) -> dict:
    """{'field': [old, new]} for the fields that changed."""
    return {k: [_jsonable(old.get(k)), _jsonable(v)] for k, v in new.items() if old.get(k) != v}
