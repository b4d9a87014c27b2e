"""Services (writes) of the legal rate tables: loading certified months and adjusting what was liquidated with a
provisional rate. Used by `recaudo rates load` and the administrators' upload page (one call each).

Loading a month replaces its provisional stand-in: in one transaction the rows are created (or corrected when the
file differs from what is loaded) and every portfolio of the country with late interest on gets the difference
between what it posted and what the liquidation gives now, as adjusting entries naming the month (the ledger stays
append-only). Loading the same file twice changes and posts nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction

from recaudo.audit.services import audit_record
from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor
from recaudo.portfolio.models import Portfolio

from .accruals import interest_post
from .interest import MonthRate, RateError, parse_rate_csv
from .models import LegalRate


class RateLoadError(DomainError):
    """The file or a month in it cannot be loaded; the message says where and why."""


@dataclass
class LoadResult:
    country: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    adjusted: int = 0  # obligations with an adjusting entry
    # per portfolio slug: {"obligations": n, "amount": net adjustment (Decimal), "currency": code}
    adjustments: dict[str, dict] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _next_month(day):
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_rows(country: str, rate: MonthRate) -> list[tuple[str, object]]:
    return [(LegalRate.RateType.IBC, rate.ibc_pct), (LegalRate.RateType.USURY, rate.usury_pct)]


@transaction.atomic
def rates_load(*, country: str, text: str, actor=None, today=None) -> LoadResult:
    """Load the months of a rate file (recaudo.ledger.interest.parse_rate_csv) for `country` and post the interest
    adjustments they cause, value-dated `today` (default: each portfolio's business date). Raises RateLoadError
    (nothing is written) when the file or a month is wrong."""
    country = (country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise RateLoadError(f"country: {country!r} is not a two-letter ISO code")
    try:
        months = parse_rate_csv(text)
    except RateError as exc:
        raise RateLoadError(str(exc))
    result = LoadResult(country=country)
    for rate in months:
        start, end = rate.month, _next_month(rate.month) - timedelta(days=1)
        label = f"{start:%Y-%m}"
        states = []
        for rate_type, pct in _month_rows(country, rate):
            clash = (LegalRate.objects.filter(country=country, rate_type=rate_type, valid_from__lte=end,
                                              valid_to__gte=start).exclude(valid_from=start, valid_to=end).first())
            if clash is not None:
                raise RateLoadError(f"{label}: overlaps {clash}; fix that period in the admin first")
            row = LegalRate.objects.filter(country=country, rate_type=rate_type, valid_from=start).first()
            if row is None:
                LegalRate.objects.create(country=country, rate_type=rate_type, valid_from=start, valid_to=end,
                                         rate_ea_pct=pct, resolution=rate.resolution, confirmed=rate.confirmed)
                states.append("created")
            elif (row.rate_ea_pct, row.resolution, row.confirmed) != (pct, rate.resolution, rate.confirmed):
                row.rate_ea_pct, row.resolution, row.confirmed = pct, rate.resolution, rate.confirmed
                row.save(update_fields=["rate_ea_pct", "resolution", "confirmed", "updated_at"])
                states.append("updated")
            else:
                states.append("unchanged")
        bucket = (result.created if "created" in states else result.updated if "updated" in states
                  else result.unchanged)
        bucket.append(label)
    if result.changed:
        for portfolio in Portfolio.objects.filter(country=country).order_by("pk"):
            counts = interest_post(portfolio=portfolio, through=today or portfolio.today(),
                                   actor=f"rates load {country}", adjust_only=True)
            if counts.get("adjusted"):
                result.adjusted += counts["adjusted"]
                result.adjustments[portfolio.slug] = {
                    "obligations": counts["adjusted"], "currency": str(portfolio.currency),
                    "amount": from_minor(counts["adjusted_minor"], portfolio.currency)}
        first = LegalRate.objects.filter(country=country).order_by("pk").first()
        audit_record(event_type="rates.load", subject=first, actor=actor, portfolio=None, changes={
            "country": country, "created": result.created, "updated": result.updated,
            "adjusted": result.adjusted, "adjustments": result.adjustments})
    return result
