"""Reads of the ERP connectors' pages and command."""

from __future__ import annotations

from .adapters import REGISTRY
from .models import ErpConnector, ErpPaymentPush, ErpSyncRun


def connectors_of(portfolio, *, connector_id: int | None = None, active_only: bool = False) -> list[ErpConnector]:
    qs = ErpConnector.objects.filter(portfolio=portfolio).select_related("portfolio")
    if connector_id is not None:
        qs = qs.filter(pk=connector_id)
    if active_only:
        qs = qs.filter(active=True)
    return list(qs.order_by("name"))


def connector_or_none(portfolio, connector_id) -> ErpConnector | None:
    return ErpConnector.objects.filter(portfolio=portfolio, pk=connector_id).select_related("portfolio").first()


def connector_runs(connector, *, limit: int = 50) -> list[ErpSyncRun]:
    return list(ErpSyncRun.objects.filter(connector=connector)
                .select_related("debtors_job", "obligations_job", "payments_job").order_by("-started_at", "-id")
                [:limit])


def push_summary(connector) -> dict:
    """How many payment parts are in each push state, and the ones a person must look at (failed, left sending)."""
    counts = {s: 0 for s in ErpPaymentPush.Status.values}
    for status in ErpPaymentPush.objects.filter(connector=connector).values_list("status", flat=True):
        counts[status] += 1
    attention = list(ErpPaymentPush.objects.filter(
        connector=connector, status__in=[ErpPaymentPush.Status.FAILED, ErpPaymentPush.Status.SENDING])
        .select_related("obligation").order_by("-updated_at")[:20])
    return {"counts": counts, "attention": attention}


def kinds() -> list[tuple[str, str]]:
    return [(name, adapter.label) for name, adapter in sorted(REGISTRY.items())]
