"""Strategy rules (pure): segment matching, priority with its explanation, stage for days past due, and the one step
due for a debtor today. No database, no clock: `today` is passed in.

Days past due are those of the debtor's oldest collectable obligation (open, positive balance, not disputed, not
held). One step per debtor per day covers all of its overdue obligations: the message is consolidated.

"Once" means once per debtor, strategy and *episode*: an episode is identified by the due date of the debtor's oldest
collectable obligation. When that obligation is paid the episode ends; a later arrears starts a new one whose steps
run again. Within an episode steps only move forward: a step runs only if its offset is above the highest offset
already run, so after missed days only the latest applicable step runs (catch-up without flooding).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# What stops a debtor's step (the "why nothing" of the today page).
NOTHING_OWED = "nothing_owed"
DISPUTED_ONLY = "disputed_only"
HELD = "held"
RAN_TODAY = "ran_today"
NOT_DUE = "not_due"
CONDITIONS = "conditions"

SOFT_HOLDS = frozenset({"promise", "agreement"})


@dataclass(frozen=True, slots=True)
class DebtorFacts:
    """What the rules know of a debtor on a business date. Amounts in minor units."""

    debtor_id: int
    balance_minor: int  # collectable: open, not disputed, not held
    oldest_due_date: date | None  # of the collectable obligations
    open_count: int = 0
    kind: str = "person"
    customer_since: date | None = None
    tags: frozenset[str] = frozenset()
    disputed: bool = False  # some open obligation is disputed
    disputed_minor: int = 0
    hold_reasons: frozenset[str] = frozenset()  # active debtor-level holds
    risk_score: int | None = None
    consents: frozenset[str] = frozenset()  # channels with consent granted
    promise_broken: bool = False  # a promise found broken in the last 30 days (agreements.selectors)

    def days_past_due(self, today: date) -> int | None:
        return (today - self.oldest_due_date).days if self.oldest_due_date else None

    @property
    def promise_pending(self) -> bool:
        return "promise" in self.hold_reasons

    @property
    def agreement_active(self) -> bool:
        return "agreement" in self.hold_reasons


@dataclass(frozen=True, slots=True)
class SegmentDef:
    id: int | None
    name: str
    conditions: Mapping
    weight: Decimal = Decimal(1)


def _amount_minor(value, minor_per_unit: int) -> int:
    return int(Decimal(str(value)) * minor_per_unit)


def segment_matches(facts: DebtorFacts, conditions: Mapping, today: date, minor_per_unit: int = 100) -> bool:
    c = conditions
    if "balance_min" in c and facts.balance_minor < _amount_minor(c["balance_min"], minor_per_unit):
        return False
    if "balance_max" in c and facts.balance_minor > _amount_minor(c["balance_max"], minor_per_unit):
        return False
    days = facts.days_past_due(today)
    if "days_min" in c and (days is None or days < c["days_min"]):
        return False
    if "days_max" in c and (days is None or days > c["days_max"]):
        return False
    if "kind" in c and facts.kind != c["kind"]:
        return False
    if "seniority_days_min" in c or "seniority_days_max" in c:
        if facts.customer_since is None:
            return False
        seniority = (today - facts.customer_since).days
        if seniority < c.get("seniority_days_min", seniority) or seniority > c.get("seniority_days_max", seniority):
            return False
    if "tags_any" in c and not facts.tags.intersection(c["tags_any"]):
        return False
    if "tags_all" in c and not facts.tags.issuperset(c["tags_all"]):
        return False
    if facts.open_count < c.get("open_count_min", facts.open_count):
        return False
    if facts.open_count > c.get("open_count_max", facts.open_count):
        return False
    if "promise" in c and facts.promise_pending != (c["promise"] == "pending"):
        return False
    if "agreement" in c and facts.agreement_active != (c["agreement"] == "active"):
        return False
    if "promise_broken" in c and facts.promise_broken != c["promise_broken"]:
        return False
    if "risk_min" in c or "risk_max" in c:
        if facts.risk_score is None:
            return False
        if facts.risk_score < c.get("risk_min", facts.risk_score) or facts.risk_score > c.get("risk_max",
                                                                                               facts.risk_score):
            return False
    return True


def match_segment(facts: DebtorFacts, segments: Sequence[SegmentDef], today: date,
                  minor_per_unit: int = 100) -> SegmentDef | None:
    """The first segment (in order) whose conditions all hold; None when none does."""
    for segment in segments:
        if segment_matches(facts, segment.conditions, today, minor_per_unit):
            return segment
    return None


# ---------------------------------------------------------------------------------------------------------------
# Priority
# ---------------------------------------------------------------------------------------------------------------
RECOVERY_CURVE = ((0, Decimal("0.95")), (30, Decimal("0.85")), (60, Decimal("0.65")), (90, Decimal("0.45")),
                  (180, Decimal("0.25")), (360, Decimal("0.12")))
RECOVERY_FLOOR = Decimal("0.05")


def recovery_rate(days: int) -> Decimal:
    """Share of the balance expected to be recovered at this age (a simple decreasing curve)."""
    for limit, rate in RECOVERY_CURVE:
        if days <= limit:
            return rate
    return RECOVERY_FLOOR


def compact_amount(major: Decimal | int | float, lang: str = "es") -> str:
    """4200000 -> '4.2M' (en) / '4,2 M' (es); 850000 -> '850K' / '850 mil'."""
    value = float(major)
    for size, en, es in ((1e9, "B", " mil M"), (1e6, "M", " M"), (1e3, "K", " mil")):
        if abs(value) >= size:
            number = f"{value / size:.1f}".rstrip("0").rstrip(".")
            return f"{number}{en}" if lang == "en" else number.replace(".", ",") + es
    return f"{value:.0f}"


@dataclass(frozen=True, slots=True)
class Priority:
    score: int
    balance_minor: int
    days: int
    segment: str

    def explain(self, lang: str = "es", minor_per_unit: int = 100) -> str:
        amount = compact_amount(Decimal(self.balance_minor) / minor_per_unit, lang)
        ahead = -self.days  # not yet due: "due in 5 days", never "-5 days"
        if lang.startswith("en"):
            days = "1 day" if self.days == 1 else f"{self.days} days"
            if ahead > 0:
                days = "due in 1 day" if ahead == 1 else f"due in {ahead} days"
            return f"balance {amount}, {days}, " + (f"segment {self.segment}" if self.segment else "no segment")
        days = "1 día" if self.days == 1 else f"{self.days} días"
        if ahead > 0:
            days = "vence en 1 día" if ahead == 1 else f"vence en {ahead} días"
        return f"saldo {amount}, {days}, " + (f"segmento {self.segment}" if self.segment else "sin segmento")


def priority(balance_minor: int, days: int, segment: SegmentDef | None, minor_per_unit: int = 100,
             risk_score: int | None = None) -> Priority:
    """Score = expected recovery (balance x recovery rate for the age) x segment weight, on a log scale 0..1000 so
    that scores of large and small portfolios are comparable: 100 points per tenfold expected amount. A debtor
    with a risk score (the analytics' probability of paying late, 0..100) is worth calling sooner the likelier
    they are to pay late: the expected amount is weighted by 1 + risk/100 (x1 to x2, at most +30 points)."""
    weight = segment.weight if segment is not None else Decimal(1)
    if risk_score is not None:
        weight *= 1 + Decimal(min(max(risk_score, 0), 100)) / 100
    expected = Decimal(balance_minor) / minor_per_unit * recovery_rate(days) * weight
    score = int(round(100 * math.log10(1 + float(expected)))) if expected > 0 else 0
    return Priority(score=min(score, 1000), balance_minor=balance_minor, days=days,
                    segment=segment.name if segment is not None else "")


# ---------------------------------------------------------------------------------------------------------------
# Risk reasons (written by the analytics' scoring, shown wherever the priority is)
# ---------------------------------------------------------------------------------------------------------------
_RISK_WORDS = {
    "late_recent": ("{0} de las últimas {1} obligaciones pagadas con más de {2} días de mora",
                    "{0} of the last {1} obligations paid more than {2} days late"),
    "avg_late": ("{0} días de mora en promedio en {1} obligaciones pagadas",
                 "{0} days late on average over {1} paid obligations"),
    "open_many": ("{0} obligaciones abiertas", "{0} open obligations"),
    "disputed": ("tiene una obligación en disputa", "has a disputed obligation"),
    "on_time": ("las últimas {0} obligaciones pagadas a tiempo", "the last {0} obligations paid on time"),
    "no_history": ("sin historial de pagos", "no payment history"),
    "rules": ("puntaje por reglas: poco historial en la cartera", "rule-based score: little history in the portfolio"),
}


def explain_risk_reason(reason: Sequence, lang: str = "es") -> str:
    """A risk reason the analytics' scoring stored in DebtorStrategyState.risk_reasons (analytics.risk_rules.reasons)
    in words: ["late_recent", 4, 5, 30] -> "4 de las últimas 5 obligaciones pagadas con más de 30 días de mora";
    an unknown code (a newer version's) is shown as it is."""
    if not reason or reason[0] not in _RISK_WORDS:
        return str(reason[0]) if reason else ""
    es, en = _RISK_WORDS[reason[0]]
    args = [int(a) for a in reason[1:] if isinstance(a, int | float)]
    if reason[0] == "late_recent" and args[:2] == [1, 1]:
        return ("la última obligación pagada con más de {0} días de mora" if not lang.startswith("en")
                else "the last obligation paid more than {0} days late").format(args[2])
    return (en if lang.startswith("en") else es).format(*args)


# ---------------------------------------------------------------------------------------------------------------
# Stages and steps
# ---------------------------------------------------------------------------------------------------------------
def stage_for(stages: Sequence[Mapping], days: int) -> Mapping | None:
    for stage in stages:
        lo, hi = stage["from_days"], stage["to_days"]
        if days >= lo and (hi is None or days <= hi):
            return stage
    return None


@dataclass(frozen=True, slots=True)
class History:
    """What already ran for the debtor in this strategy and episode: the highest offset run (None: nothing), and
    whether any step ran on the business date (one step per debtor per day)."""

    last_offset: int | None = None
    ran_today: bool = False


def step_conditions_hold(step: Mapping, facts: DebtorFacts, minor_per_unit: int = 100) -> str | None:
    """None when the step's conditions hold, else the first condition that fails (for the explanation)."""
    c = step.get("conditions") or {}
    if "min_amount" in c and facts.balance_minor < _amount_minor(c["min_amount"], minor_per_unit):
        return f"min_amount {c['min_amount']}"
    if "max_amount" in c and facts.balance_minor > _amount_minor(c["max_amount"], minor_per_unit):
        return f"max_amount {c['max_amount']}"
    if "disputed" in c and facts.disputed != c["disputed"]:
        return f"disputed {str(c['disputed']).lower()}"
    if "promise_pending" in c and facts.promise_pending != c["promise_pending"]:
        return f"promise_pending {str(c['promise_pending']).lower()}"
    if "agreement_active" in c and facts.agreement_active != c["agreement_active"]:
        return f"agreement_active {str(c['agreement_active']).lower()}"
    if "promise_broken" in c and facts.promise_broken != c["promise_broken"]:
        return f"promise_broken {str(c['promise_broken']).lower()}"
    if c.get("consent"):
        channel = step.get("channel") or step.get("task")
        if channel and channel not in facts.consents:
            return f"consent for {channel}"
    return None


def _passes_holds(step: Mapping, hold_reasons: frozenset[str]) -> bool:
    """Any active hold stops every step, except a promise/agreement hold for a step that asks for it explicitly
    (e.g. a reminder of the promise: conditions {promise_pending: true})."""
    if not hold_reasons:
        return True
    if not hold_reasons <= SOFT_HOLDS:
        return False
    c = step.get("conditions") or {}
    return all(c.get("promise_pending" if r == "promise" else "agreement_active") is True for r in hold_reasons)


@dataclass(frozen=True, slots=True)
class StepChoice:
    """The step due today (or None) and, when None, why: one of the module's reason codes plus a detail."""

    step: Mapping | None
    reason: str = ""
    detail: str = ""
    days: int | None = None


def next_step(steps: Sequence[Mapping], facts: DebtorFacts, today: date, history: History,
              minor_per_unit: int = 100) -> StepChoice:
    """The single step to run for the debtor today, or why none.

    Candidates: steps whose offset is <= days past due and above the highest offset already run in this episode,
    whose conditions hold. Of these the latest (highest offset) runs; earlier missed ones never will."""
    if facts.balance_minor <= 0 or facts.oldest_due_date is None:
        if facts.disputed_minor > 0:
            return StepChoice(None, DISPUTED_ONLY, "every open obligation is disputed")
        return StepChoice(None, NOTHING_OWED)
    days = (today - facts.oldest_due_date).days
    if history.ran_today:
        return StepChoice(None, RAN_TODAY, days=days)
    failed = ""
    held = ""
    for step in reversed(steps):  # steps are sorted by offset
        offset = step["offset"]
        if offset > days:
            continue
        if history.last_offset is not None and offset <= history.last_offset:
            break
        problem = step_conditions_hold(step, facts, minor_per_unit)
        if problem is not None:
            failed = failed or f"{step['key']}: {problem}"
            continue
        if not _passes_holds(step, facts.hold_reasons):
            held = held or ", ".join(sorted(facts.hold_reasons))
            continue
        return StepChoice(step, days=days)
    if held:
        return StepChoice(None, HELD, held, days=days)
    if failed:
        return StepChoice(None, CONDITIONS, failed, days=days)
    return StepChoice(None, NOT_DUE, days=days)


def first_offset(steps: Iterable[Mapping]) -> int | None:
    offsets = [s["offset"] for s in steps]
    return min(offsets) if offsets else None


@dataclass
class SimDebtor:
    """For simulations and property tests: a debtor, its facts per day, and what ran (episode -> last offset)."""

    facts: DebtorFacts
    ran: dict = field(default_factory=dict)


def simulate(steps: Sequence[Mapping], debtors: Sequence[SimDebtor], days: Iterable[date]) -> list[tuple]:
    """Run next_step for each day with history feedback; returns (day, debtor_id, step_key, episode) emitted."""
    out = []
    for day in days:
        for d in debtors:
            episode = d.facts.oldest_due_date
            choice = next_step(steps, d.facts, day, History(d.ran.get(episode), False))
            if choice.step is not None:
                d.ran[episode] = choice.step["offset"]
                out.append((day, d.facts.debtor_id, choice.step["key"], episode))
    return out


# --- champion and challenger --------------------------------------------------------------------------------------

CHALLENGER = "challenger"
CHAMPION = "champion"
MAX_CHALLENGER_SHARE = 50


def arm_of(debtor_id: int, strategy_id: int, share: int) -> str:
    """The arm of a debtor in a strategy's champion/challenger test: stable (the same debtor stays in its arm every
    day) and random-like (a SHA-256 of strategy and debtor, not the id's order): challenger when its bucket
    0-99 is below `share` percent. arm_of(1, 7, 20) is the same on every run and machine."""
    if share <= 0:
        return CHAMPION
    digest = hashlib.sha256(f"recaudo-arm:{strategy_id}:{debtor_id}".encode()).digest()
    return CHALLENGER if int.from_bytes(digest[:8], "big") % 100 < share else CHAMPION
