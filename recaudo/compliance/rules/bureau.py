"""Credit-bureau reports: may a negative report be made on this date, and from which date (`decide_bureau_report`)?
Pure: no database, no clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from recaudo.core.money import from_minor

from .contact import Reason, _Result
from .ruleset import (
    BLOCKED,
    NOT_CHECKED,
    PASSED,
    ComplianceError,
    ComplianceSettings,
    RuleSet,
    default_settings,
    ruleset,
)


@dataclass(frozen=True)
class BureauDecision:
    allowed: bool
    reasons: tuple[Reason, ...]
    next_allowed_on: date | None
    rule_version: str
    report_date: date
    country: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    evidence_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "reasons": [str(r) for r in self.reasons],
            "next_allowed_at": self.next_allowed_on.isoformat() if self.next_allowed_on else None,
        }


# ---------------------------------------------------------------------------------------------------------------
# Credit-bureau reports
# ---------------------------------------------------------------------------------------------------------------
def _add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def smlmv_for(country: str, year: int, rules: RuleSet | None = None) -> Decimal | None:
    return (rules or ruleset()).smlmv.get(country, {}).get(year)


def decide_bureau_report(
    *,
    country: str,
    notice_dates: Sequence[date],
    report_date: date,
    debt_minor: int,
    currency: str,
    smlmv: Decimal | None = None,
    arrears_since: date | None = None,
    settings: ComplianceSettings | None = None,
    rules: RuleSet | None = None,
    claim_open_since: date | None = None,
) -> BureauDecision:
    """Whether a negative credit-bureau report may be made on `report_date`, and from which date it may.

    `notice_dates`: the days the prior notice was sent (later than report_date are ignored); `debt_minor` in the
    currency's minor unit; `smlmv` defaults to the data's value for report_date's year (unknown year: the debt is
    treated as small, the conservative reading); `claim_open_since`: the day a habeas data claim of the debtor,
    still open, was filed ('reclamo en tramite'): no report until it is decided, so no date is given."""
    settings = settings or default_settings()
    rules = rules or ruleset()
    country = (country or "").strip().upper()
    in_force = [r for r in rules.for_country(country) if "bureau" in r.channels and r.in_force(report_date)]
    by_kind = {r.kind: r for r in in_force}
    if country not in rules.countries:
        raise ComplianceError(f"no compliance rules for country {country!r}; known: {', '.join(rules.countries)}")
    common = {"rule_version": rules.version, "report_date": report_date, "country": country,
              "settings": settings.as_dict()}
    if not in_force:
        reason = Reason(rule_id=f"{country}-BUREAU-NONE", outcome=NOT_CHECKED, text="no bureau-report rule in the data",
                        citation="-", mark="?", version="-", detail=f"nothing encoded for {country}")
        return BureauDecision(allowed=True, reasons=(reason,), next_allowed_on=None, **common)

    notices = sorted({d for d in notice_dates if d <= report_date})
    results: list[_Result] = []
    earliest: date | None = None
    never = False

    small_rule = by_kind.get("bureau_small_debt")
    small = False
    if small_rule:
        if currency != "COP" and country == "CO":
            raise ComplianceError(f"Colombian bureau rules need a COP debt, not {currency}")
        amount = from_minor(debt_minor, currency)
        base = smlmv if smlmv is not None else smlmv_for(country, report_date.year, rules)
        if base is None:
            small = True
            detail = f"SMLMV for {report_date.year} not in the data: treated as a small debt"
        else:
            threshold = Decimal(base) * Decimal(small_rule.params["threshold_fraction"])
            small = amount <= threshold
            detail = f"debt {amount} {'<=' if small else '>'} threshold {threshold:.2f} (15% of SMLMV {base})"
        needed = small_rule.params["notices"] if small else 1
        if small and len(notices) < needed:
            results.append(_Result(small_rule, BLOCKED,
                                   f"{detail}; {len(notices)} notice day(s), {needed} on different days needed"))
            never = True
        else:
            results.append(_Result(small_rule, PASSED, detail))

    notice_rule = by_kind.get("bureau_notice")
    if notice_rule:
        days = settings.bureau_min_days_after_notice
        if not notices:
            results.append(_Result(notice_rule, BLOCKED, "no notice sent before the report date"))
            never = True
        elif not never:
            base_day = notices[1] if small and small_rule else notices[0]
            earliest = base_day + timedelta(days=days)
            which = "second notice" if small and small_rule else "notice"
            detail = f"{which} {base_day.isoformat()} + {days} days = {earliest.isoformat()}"
            results.append(_Result(notice_rule, PASSED if report_date >= earliest else BLOCKED, detail))

    deadline_rule = by_kind.get("bureau_deadline")
    if deadline_rule and arrears_since is not None:
        deadline = _add_months(arrears_since, deadline_rule.params["months"])
        late = report_date > deadline
        results.append(_Result(deadline_rule, BLOCKED if late else PASSED,
                               f"arrears since {arrears_since.isoformat()}: report by {deadline.isoformat()}"))
        if late or (earliest is not None and earliest > deadline):
            never = True

    claim_rule = by_kind.get("bureau_claim_open")
    if claim_rule:
        if claim_open_since is not None and claim_open_since <= report_date:
            results.append(_Result(claim_rule, BLOCKED, f"reclamo en tramite since {claim_open_since.isoformat()}: "
                                                        "no report until the claim is answered"))
            never = True
        else:
            results.append(_Result(claim_rule, PASSED, "no claim in progress"))

    blocked = [r for r in results if r.outcome == BLOCKED]
    next_on = None
    if blocked and not never and earliest is not None and earliest > report_date:
        next_on = earliest
    return BureauDecision(allowed=not blocked, reasons=tuple(r.reason() for r in (blocked or results)),
                          next_allowed_on=next_on, **common)
