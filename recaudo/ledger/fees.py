"""Pure collection-fee rules per country, read from data/fees.toml. No database, no clock.

Modes:
- "documented" (Colombia; Peru for non-financial creditors): a fee only for documented collection work (a reference
  to it is required) that was disclosed to the debtor beforehand; the amount is given, there is no numeric cap;
- "bands" (Chile): only after `min_days_past_due`; the cap is computed on the overdue amount in UF with marginal bands
  (9 % of the first 10 UF, 6 % of the part from 10 to 50 UF, 3 % above); the computed fee is the cap;
- Peru's financial-system lenders: no fee at all;
- a country with no rule: no fee (conservative).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from recaudo.core.money import from_minor, to_minor

DATA_FILE = Path(__file__).parent / "data" / "fees.toml"


@dataclass(frozen=True)
class FeeRule:
    id: str
    country: str
    mode: str
    text: str
    citation: str
    mark: str = ""
    min_days_past_due: int = 0
    blocked_for_financial_lenders: bool = False
    bands: tuple[tuple[Decimal | None, Decimal], ...] = ()


@dataclass(frozen=True)
class FeeDecision:
    allowed: bool
    rule_id: str
    reason: str
    amount_minor: int | None = None  # what may be charged (the given amount, or the computed cap)
    cap_minor: int | None = None  # None: no numeric cap
    version: str = ""


@lru_cache(maxsize=1)
def load_fee_rules(path: Path = DATA_FILE) -> tuple[str, dict[str, FeeRule]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rules = {}
    for raw in data.get("rule", []):
        bands = tuple((Decimal(b["up_to_uf"]) if "up_to_uf" in b else None, Decimal(b["percent"]))
                      for b in raw.get("bands", []))
        rule = FeeRule(id=raw["id"], country=raw["country"], mode=raw["mode"], text=raw["text"],
                       citation=raw["citation"], mark=raw.get("mark", ""),
                       min_days_past_due=int(raw.get("min_days_past_due", 0)),
                       blocked_for_financial_lenders=bool(raw.get("blocked_for_financial_lenders", False)), bands=bands)
        if rule.mode not in ("documented", "bands"):
            raise ValueError(f"fee rule {rule.id}: unknown mode {rule.mode!r}")
        rules[rule.country] = rule
    return data["version"], rules


def banded_cap(overdue: Decimal, uf_value: Decimal, bands) -> Decimal:
    """Marginal bands on the overdue amount measured in UF: sum of percent x the part of the amount in each band."""
    remaining_uf = overdue / uf_value
    lower = Decimal(0)
    total_uf = Decimal(0)
    for upper, percent in bands:
        if remaining_uf <= 0:
            break
        width = remaining_uf if upper is None else min(remaining_uf, upper - lower)
        total_uf += width * percent / 100
        remaining_uf -= width
        lower = upper if upper is not None else lower
    return total_uf * uf_value


def fee_decide(*, country: str, currency: str, days_past_due: int, overdue_minor: int, amount_minor: int | None = None,
               evidence: str = "", disclosed: bool = False, financial_lender: bool = False,
               uf_value: Decimal | None = None) -> FeeDecision:
    """Whether a collection fee may be charged, and how much (minor units)."""
    version, rules = load_fee_rules()
    rule = rules.get((country or "").upper())
    if rule is None:
        return FeeDecision(False, "", f"no collection-fee rule for {country}: fees are not charged there",
                           version=version)

    def refuse(reason: str) -> FeeDecision:
        return FeeDecision(False, rule.id, f"{reason} ({rule.text} [{rule.citation}])", version=version)

    if amount_minor is not None and amount_minor <= 0:
        return refuse("a fee must be positive")
    if rule.blocked_for_financial_lenders and financial_lender:
        return refuse("financial-system lenders may charge no collection fee")
    if days_past_due < rule.min_days_past_due:
        return refuse(f"{days_past_due} days past due; fees only from day {rule.min_days_past_due}")
    if overdue_minor <= 0:
        return refuse("nothing overdue")
    if rule.mode == "documented":
        if not evidence.strip():
            return refuse("a reference to the documented collection work is required")
        if not disclosed:
            return refuse("the fee must have been disclosed to the debtor beforehand")
        if amount_minor is None:
            return refuse("the amount of the documented work must be given (never computed from arrears alone)")
        return FeeDecision(True, rule.id, rule.text, amount_minor=amount_minor, version=version)
    # bands
    if uf_value is None or uf_value <= 0:
        return refuse("the UF value of the day is needed to compute the cap")
    cap = to_minor(banded_cap(from_minor(overdue_minor, currency), Decimal(uf_value), rule.bands), currency)
    if amount_minor is not None and amount_minor > cap:
        return FeeDecision(False, rule.id, f"fee {from_minor(amount_minor, currency)} is above the cap "
                           f"{from_minor(cap, currency)} ({rule.text} [{rule.citation}])", cap_minor=cap,
                           version=version)
    return FeeDecision(True, rule.id, rule.text, amount_minor=cap if amount_minor is None else amount_minor,
                       cap_minor=cap, version=version)
