"""Reads: active holds, the strategies in force, execution history."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from recaudo.accounts.selectors import EVERY_DEBTOR, DebtorScope
from recaudo.core.money import precision
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .models import CycleRun, DebtorStrategyState, Hold, Segment, StepExecution, Strategy, StrategyVersion
from .rules import Priority, explain_risk_reason


def active_holds(portfolio: Portfolio, today: date, scope: DebtorScope = EVERY_DEBTOR) -> QuerySet[Hold]:
    """Holds in force today; scope: an agent limited to their assigned debtors sees only theirs."""
    return scope.filter(Hold.objects.filter(portfolio=portfolio, released_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gte=today)))


def recent_steps(strategy: Strategy, scope: DebtorScope = EVERY_DEBTOR, limit: int = 20) -> list[StepExecution]:
    """The strategy's latest step executions (its detail page), only of the debtors the scope shows."""
    return list(scope.filter(StepExecution.objects.filter(strategy=strategy))
                .select_related("debtor", "strategy_version")[:limit])


def segments_in_order(portfolio: Portfolio) -> list[Segment]:
    return list(Segment.objects.filter(portfolio=portfolio).order_by("order", "id"))


def strategies_in_force(portfolio: Portfolio) -> dict[int | None, StrategyVersion]:
    """segment id (None: default) -> the version of its strategy in force: the latest one (the champion), leaving
    out a version under test as the challenger."""
    result: dict[int | None, StrategyVersion] = {}
    versions = (StrategyVersion.objects.filter(strategy__portfolio=portfolio).select_related("strategy")
                .order_by("strategy_id", "-number"))
    for version in versions:
        if version.strategy.challenger_id == version.pk and version.strategy.challenger_share > 0:
            continue
        result.setdefault(version.strategy.segment_id, version)
    return result


def challengers_in_force(portfolio: Portfolio) -> dict[int | None, tuple[StrategyVersion, int]]:
    """segment id (None: default) -> (the challenger version, its share in percent) of strategies under test."""
    return {s.segment_id: (s.challenger, s.challenger_share) for s in Strategy.objects.filter(
        portfolio=portfolio, challenger__isnull=False, challenger_share__gt=0).select_related("challenger")}


def strategy_list(portfolio: Portfolio) -> list[dict]:
    rows = []
    for strategy in Strategy.objects.filter(portfolio=portfolio).select_related("segment").order_by("name"):
        latest = strategy.versions.order_by("-number").first()
        rows.append({"strategy": strategy, "latest": latest, "versions": strategy.versions.count(),
                     "executions": StepExecution.objects.filter(strategy=strategy).count()})
    return rows


def version_usage(strategy: Strategy) -> dict[int, int]:
    """version number -> how many step executions it made (which version acted on how many debtors)."""
    from django.db.models import Count

    rows = (StepExecution.objects.filter(strategy=strategy).values("strategy_version__number")
            .annotate(n=Count("id")))
    return {r["strategy_version__number"]: r["n"] for r in rows}


def debtor_step_history(debtor_id: int) -> QuerySet[StepExecution]:
    return (StepExecution.objects.filter(debtor_id=debtor_id).select_related("strategy_version", "strategy")
            .order_by("-business_date", "-id"))


def next_segment_order(portfolio: Portfolio) -> int:
    """Where a new segment goes by default: 10 after the last one."""
    last = Segment.objects.filter(portfolio=portfolio).order_by("-order").first()
    return (last.order + 10) if last else 10


def last_runs(portfolio: Portfolio, limit: int = 10) -> list[CycleRun]:
    return list(CycleRun.objects.filter(portfolio=portfolio).order_by("-business_date")[:limit])


def debtors_not_collectable(debtor_ids, today, *, allow_holds=None) -> dict[int, str]:
    """Of `debtor_ids`, those that must not get a collection message now, with the reason: "paid" (no collectable
    balance), "nothing collectable: ..." (only disputed or held obligations) or "on hold: <reasons>" (an active
    debtor hold).

    `today` is a date, or a mapping debtor id -> date (each debtor's portfolio's business date). A hold is active
    when it is not released and `until` is empty or >= today. `allow_holds` maps a debtor id to the hold reasons its
    message may ignore (a step that asked for `promise_pending`/`agreement_active`). A fixed number of queries
    whatever the number of debtors: the cached Debtor columns, the active holds, and a GROUP BY over obligations
    only for debtors with a disputed or held obligation. Used by the outbox at send time (see docs/channels.md)."""
    from django.db.models import Sum


    ids = sorted({int(i) for i in debtor_ids})
    if not ids:
        return {}
    allow_holds = allow_holds or {}
    days = today if isinstance(today, dict) else dict.fromkeys(ids, today)
    earliest = min(days[i] for i in ids)
    debtor_holds: dict[int, set[str]] = {}
    held_obligations: set[int] = set()
    debtors_with_held: set[int] = set()
    holds = (Hold.objects.filter(debtor_id__in=ids, released_at__isnull=True)
             .filter(Q(until__isnull=True) | Q(until__gte=earliest))
             .values_list("debtor_id", "obligation_id", "reason", "until"))
    for debtor_id, obligation_id, reason, until in holds:
        if until is not None and until < days[debtor_id]:
            continue
        if obligation_id is None:
            debtor_holds.setdefault(debtor_id, set()).add(reason)
        else:
            held_obligations.add(obligation_id)
            debtors_with_held.add(debtor_id)
    result: dict[int, str] = {}
    special = []
    for debtor_id, balance, disputed in Debtor.objects.filter(id__in=ids).values_list("id", "balance_minor",
                                                                                       "disputed"):
        if balance <= 0:
            result[debtor_id] = "paid"
        elif disputed or debtor_id in debtors_with_held:
            special.append(debtor_id)
    if special:
        collectable = dict(
            Obligation.objects.filter(debtor_id__in=special, balance_minor__gt=0, disputed=False)
            .exclude(id__in=held_obligations).order_by().values("debtor_id")
            .annotate(s=Sum("balance_minor")).values_list("debtor_id", "s"))
        for debtor_id in special:
            if not collectable.get(debtor_id):
                result[debtor_id] = "nothing collectable: only disputed or held obligations"
    for debtor_id, reasons in debtor_holds.items():
        if debtor_id in result or reasons <= set(allow_holds.get(debtor_id, ())):
            continue
        result[debtor_id] = "on hold: " + ", ".join(sorted(reasons))
    return result


def describe_conditions(c: dict) -> list[str]:
    """A segment's conditions in words, in the active language: ["balance 1000–5000", "31–60 days", ...]."""
    from django.utils.translation import gettext as _

    def span(low, high):
        lo, hi = c.get(low), c.get(high)
        if lo is not None and hi is not None:
            return f"{lo}–{hi}"
        return f"≥ {lo}" if lo is not None else (f"≤ {hi}" if hi is not None else None)

    parts = []
    for low, high, label in (("balance_min", "balance_max", _("balance")),
                             ("days_min", "days_max", _("days past due")),
                             ("seniority_days_min", "seniority_days_max", _("days as a customer")),
                             ("open_count_min", "open_count_max", _("open obligations")),
                             ("risk_min", "risk_max", _("risk score"))):
        text = span(low, high)
        if text:
            parts.append(f"{label} {text}")
    if c.get("kind"):
        parts.append(_("company") if c["kind"] == "company" else _("person"))
    if c.get("tags_any"):
        parts.append(_("any tag of: %(tags)s") % {"tags": ", ".join(c["tags_any"])})
    if c.get("tags_all"):
        parts.append(_("all tags: %(tags)s") % {"tags": ", ".join(c["tags_all"])})
    if c.get("promise"):
        parts.append(_("promise pending") if c["promise"] == "pending" else _("no pending promise"))
    if c.get("agreement"):
        parts.append(_("agreement active") if c["agreement"] == "active" else _("no active agreement"))
    if "promise_broken" in c:
        parts.append(_("broken promise (30 days)") if c["promise_broken"] else _("no broken promise"))
    return parts


def segment_rows(portfolio: Portfolio) -> list[dict]:
    """The segments in order, with their conditions in words, how many debtors the last cycle put in each and
    whether a strategy is attached."""
    from django.db.models import Count


    counts = dict(DebtorStrategyState.objects.filter(portfolio=portfolio, segment__isnull=False).order_by()
                  .values("segment_id").annotate(n=Count("debtor_id")).values_list("segment_id", "n"))
    with_strategy = set(Strategy.objects.filter(portfolio=portfolio, segment__isnull=False)
                        .values_list("segment_id", flat=True))
    return [{"segment": s, "conditions": describe_conditions(s.conditions or {}), "debtors": counts.get(s.pk, 0),
             "has_strategy": s.pk in with_strategy} for s in segments_in_order(portfolio)]


def debtor_priority(debtor, lang: str = "es") -> dict | None:
    """The segment and priority the last cycle computed for the debtor, with its explanation ("saldo 4,2 M,
    47 días, segmento PYME-alto"); None when the cycle has not scored the debtor."""


    state = DebtorStrategyState.objects.filter(debtor_id=debtor.pk, computed_on__isnull=False).first()
    if state is None:
        return None
    minor = 10 ** precision(debtor.portfolio.currency)
    explain = Priority(state.priority, state.priority_balance_minor, state.priority_days,
                       state.segment_name).explain(lang, minor)
    from django.utils.translation import gettext as _

    return {"score": state.priority, "segment": state.segment_name or _("no segment"), "explain": explain,
            "computed_on": state.computed_on, "stage": state.stage}


def debtor_risk(debtor, lang: str = "es") -> dict | None:
    """The risk the analytics' last scoring wrote for the debtor (`recaudo risk score`): category A-D, score (the
    probability of paying late in whole percent) and reasons in words; None when not scored."""
    state = (DebtorStrategyState.objects.filter(debtor_id=debtor.pk).exclude(risk_category="")
             .values("risk_category", "risk_score", "risk_reasons", "risk_scored_on").first())
    if state is None:
        return None
    return {"category": state["risk_category"], "score": state["risk_score"],
            "reasons": [explain_risk_reason(r, lang) for r in state["risk_reasons"] or [] if isinstance(r, list)],
            "scored_on": state["risk_scored_on"]}
