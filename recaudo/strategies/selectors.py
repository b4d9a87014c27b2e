"""Reads: active holds, the strategies in force, execution history."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from recaudo.portfolio.models import Portfolio

from .models import CycleRun, Hold, Segment, StepExecution, Strategy, StrategyVersion


def active_holds(portfolio: Portfolio, today: date) -> QuerySet[Hold]:
    return Hold.objects.filter(portfolio=portfolio, released_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gte=today))


def segments_in_order(portfolio: Portfolio) -> list[Segment]:
    return list(Segment.objects.filter(portfolio=portfolio).order_by("order", "id"))


def strategies_in_force(portfolio: Portfolio) -> dict[int | None, StrategyVersion]:
    """segment id (None: default) -> the latest version of its strategy."""
    result: dict[int | None, StrategyVersion] = {}
    versions = (StrategyVersion.objects.filter(strategy__portfolio=portfolio).select_related("strategy")
                .order_by("strategy_id", "-number"))
    for version in versions:
        result.setdefault(version.strategy.segment_id, version)
    return result


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


def last_runs(portfolio: Portfolio, limit: int = 10) -> list[CycleRun]:
    return list(CycleRun.objects.filter(portfolio=portfolio).order_by("-business_date")[:limit])
