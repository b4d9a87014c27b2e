"""Reads of the legal rate tables (LegalRate), shaped for the pure rules in recaudo.ledger.interest: the periods
in force between two dates, the latest month loaded, whether today's month is loaded."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .interest import RatePeriod, with_provisional
from .models import LegalRate

HUNDRED = Decimal(100)


def has_rate_table(country: str) -> bool:
    return LegalRate.objects.filter(country=country.upper(), rate_type=LegalRate.RateType.USURY).exists()


def rate_periods(country: str, start: date, end: date, provisional: bool = True) -> list[RatePeriod]:
    """Periods of the usury (cap) rate overlapping [start, end], each with the IBC that starts the same day.

    Rates come back as fractions (25.23 % -> 0.2523). A month not loaded yet after the first known one is filled
    with the latest known month's rates, marked provisional (recaudo.ledger.interest.with_provisional); with
    `provisional=False` gaps are left as gaps and the rules report the missing month.
    """
    country = country.upper()
    rows = list(LegalRate.objects.filter(country=country, valid_from__lte=end, valid_to__gte=start)
                .order_by("valid_from"))
    if provisional and not any(r.rate_type == LegalRate.RateType.USURY and r.valid_from <= start for r in rows):
        before = (LegalRate.objects.filter(country=country, rate_type=LegalRate.RateType.USURY, valid_to__lt=start)
                  .order_by("-valid_from").first())
        if before is not None:
            rows = [*LegalRate.objects.filter(country=country, valid_from=before.valid_from), *rows]
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
    return with_provisional(periods, end) if provisional else periods


def latest_rate_month(country: str) -> date | None:
    """First day of the latest period with a loaded usury rate, or None."""
    return (LegalRate.objects.filter(country=country.upper(), rate_type=LegalRate.RateType.USURY)
            .order_by("-valid_from").values_list("valid_from", flat=True).first())


def rate_status(country: str, day: date) -> dict | None:
    """Whether the rate in force on `day` is loaded: None for a country without a rate table; else
    {"month": "YYYY-MM", "loaded": bool, "latest": "YYYY-MM" | None} (not loaded: results use it provisionally)."""
    if not has_rate_table(country):
        return None
    loaded = LegalRate.objects.filter(country=country.upper(), rate_type=LegalRate.RateType.USURY,
                                      valid_from__lte=day, valid_to__gte=day).exists()
    latest = latest_rate_month(country)
    return {"month": f"{day:%Y-%m}", "loaded": loaded, "latest": f"{latest:%Y-%m}" if latest else None}


def legal_rates(country: str | None = None):
    """The loaded legal rates, newest first (per month: IBC and usury rows)."""
    rows = LegalRate.objects.all()
    if country:
        rows = rows.filter(country=country.upper())
    return rows.order_by("country", "-valid_from", "rate_type")


def missing_rate_warnings(portfolios) -> list[dict]:
    """Per country with a rate table among the portfolios: the current month (in the portfolio's time zone) when its
    certified rate is not loaded, so results use the latest known month's provisionally. For the supervisors'
    banner; [] when every current month is loaded."""
    warnings: dict[str, dict] = {}
    for portfolio in portfolios:
        country = str(portfolio.country).upper()
        if country in warnings:
            continue
        status = rate_status(country, portfolio.today())
        if status is not None and not status["loaded"]:
            warnings[country] = {"country": country, **status}
    return list(warnings.values())
