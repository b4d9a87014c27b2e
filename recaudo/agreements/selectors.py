"""Reads of promises, agreements and offers (the legal rate tables' reads are in recaudo.ledger.rates)."""

from __future__ import annotations

from datetime import date, timedelta

from recaudo.portfolio.masking import mask_free_text
from recaudo.portfolio.selectors import mask_debtor

from .models import Agreement, Offer, Promise

# ---------------------------------------------------------------------------------------------------------------
# Promises, agreements, offers
# ---------------------------------------------------------------------------------------------------------------
BROKEN_PROMISE_DAYS = 30


def broken_promise_debtors(portfolio, today: date, days: int = BROKEN_PROMISE_DAYS) -> set[int]:
    """Debtors with a promise found broken in the last `days` days (the strategy condition `promise_broken`)."""

    return set(Promise.objects.filter(portfolio=portfolio, status=Promise.Status.BROKEN,
                                      evaluated_on__gt=today - timedelta(days=days), evaluated_on__lte=today)
               .values_list("debtor_id", flat=True))


def debtor_promises(debtor):

    return Promise.objects.filter(debtor=debtor).select_related("created_by").order_by("-created_at", "-id")


def debtor_agreements(debtor):

    return Agreement.objects.filter(debtor=debtor).order_by("-created_at", "-id")


def debtor_offers(debtor):

    return (Offer.objects.filter(debtor=debtor).select_related("requested_by", "decided_by")
            .order_by("-created_at", "-id"))


def approvals_queue(portfolio):

    return (Offer.objects.filter(portfolio=portfolio, status=Offer.Status.PENDING)
            .select_related("debtor", "requested_by").prefetch_related("obligations").order_by("created_at", "id"))


def recent_decisions(portfolio, limit: int = 20):

    return list(Offer.objects.filter(portfolio=portfolio, decided_at__isnull=False)
                .select_related("debtor", "requested_by", "decided_by").order_by("-decided_at")[:limit])


def mask_agreement(agreement):
    """An agreement as a viewer sees it (page and PDF): the debtor's ID and the acceptance evidence's contact data
    masked (recaudo.portfolio.masking; in memory, never saved)."""

    mask_debtor(agreement.debtor)
    acceptance = getattr(agreement, "acceptance", None)  # the reverse one-to-one raises AttributeError when absent
    if acceptance is not None:
        acceptance.evidence_text = mask_free_text(acceptance.evidence_text)
    return agreement
