"""Reads of the legal rate tables, shaped for the pure rules in recaudo.ledger.interest."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from recaudo.ledger.interest import RatePeriod

from .models import LegalRate

HUNDRED = Decimal(100)


def has_rate_table(country: str) -> bool:
    return LegalRate.objects.filter(country=country.upper(), rate_type=LegalRate.RateType.USURY).exists()


def rate_periods(country: str, start: date, end: date) -> list[RatePeriod]:
    """Periods of the usury (cap) rate overlapping [start, end], each with the IBC that starts the same day.

    Rates come back as fractions (25.23 % -> 0.2523). Gaps are left as gaps: the rules report the missing month.
    """
    country = country.upper()
    rows = LegalRate.objects.filter(country=country, valid_from__lte=end, valid_to__gte=start).order_by("valid_from")
    ibc = {r.valid_from: r for r in rows if r.rate_type == LegalRate.RateType.IBC}
    periods = []
    for row in rows:
        if row.rate_type != LegalRate.RateType.USURY:
            continue
        bank = ibc.get(row.valid_from)
        source = " / ".join(dict.fromkeys(x for x in (row.resolution, bank.resolution if bank else "") if x))
        periods.append(
            RatePeriod(
                start=row.valid_from,
                end_exclusive=row.valid_to + timedelta(days=1),
                ea_rate=bank.rate_ea_pct / HUNDRED if bank else None,
                usury_rate=row.rate_ea_pct / HUNDRED,
                source=source,
                confirmed=row.confirmed and (bank.confirmed if bank else True),
            )
        )
    return periods


# ---------------------------------------------------------------------------------------------------------------
# Promises, agreements, offers
# ---------------------------------------------------------------------------------------------------------------
BROKEN_PROMISE_DAYS = 30


def broken_promise_debtors(portfolio, today: date, days: int = BROKEN_PROMISE_DAYS) -> set[int]:
    """Debtors with a promise found broken in the last `days` days (the strategy condition `promise_broken`)."""
    from .models import Promise

    return set(Promise.objects.filter(portfolio=portfolio, status=Promise.Status.BROKEN,
                                      evaluated_on__gt=today - timedelta(days=days), evaluated_on__lte=today)
               .values_list("debtor_id", flat=True))


def debtor_promises(debtor):
    from .models import Promise

    return Promise.objects.filter(debtor=debtor).select_related("created_by").order_by("-created_at", "-id")


def debtor_agreements(debtor):
    from .models import Agreement

    return Agreement.objects.filter(debtor=debtor).order_by("-created_at", "-id")


def debtor_offers(debtor):
    from .models import Offer

    return (Offer.objects.filter(debtor=debtor).select_related("requested_by", "decided_by")
            .order_by("-created_at", "-id"))


def approvals_queue(portfolio):
    from .models import Offer

    return (Offer.objects.filter(portfolio=portfolio, status=Offer.Status.PENDING)
            .select_related("debtor", "requested_by").prefetch_related("obligations").order_by("created_at", "id"))


def recent_decisions(portfolio, limit: int = 20):
    from .models import Offer

    return list(Offer.objects.filter(portfolio=portfolio, decided_at__isnull=False)
                .select_related("debtor", "requested_by", "decided_by").order_by("-decided_at")[:limit])
