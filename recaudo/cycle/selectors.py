"""Reads of the daily cycle shaped for its pages: what goes out today and why, and a version's dry run."""

from __future__ import annotations

from datetime import date

from recaudo.accounts.selectors import EVERY_DEBTOR, DebtorScope
from recaudo.core.money import precision
from recaudo.portfolio.masking import mask_free_text
from recaudo.portfolio.models import Portfolio
from recaudo.strategies.models import CycleRun, DebtorStrategyState, StepExecution, StrategyVersion
from recaudo.strategies.rules import Priority

from .engine import version_dry_run
from .runner import cycle_run


def _explained(rows, portfolio: Portfolio, lang: str) -> list[dict]:
    minor = 10 ** precision(portfolio.currency)
    return [{"r": r, "explain": r.priority.explain(lang, minor) if r.priority else ""} for r in rows]


def plan_rows_in_scope(rows, scope: DebtorScope = EVERY_DEBTOR) -> list:
    """A cycle's (dry-run) plan rows limited to the debtors the scope shows, reasons masked for a viewer."""
    visible = scope.visible_ids(r.debtor_id for r in rows)
    rows = [r for r in rows if visible is None or r.debtor_id in visible]
    if scope.masked:
        for r in rows:
            r.reason = mask_free_text(r.reason)
    return rows


def today_page(*, portfolio: Portfolio, today: date, lang: str, scope: DebtorScope = EVERY_DEBTOR) -> dict:
    """The steps recorded by today's cycle, highest priority first, with why; or, when the cycle has not run yet
    today, a preview (a dry run that writes nothing). scope: an agent limited to their assigned debtors sees only
    those debtors' rows (the counters stay the portfolio's); a viewer sees contacts quoted in reasons masked."""
    run = CycleRun.objects.filter(portfolio=portfolio, business_date=today).first()
    page = {"run": run}
    if run is not None and run.status == CycleRun.Status.DONE:
        steps = list(scope.filter(StepExecution.objects.filter(portfolio=portfolio, business_date=today))
                     .select_related("debtor", "strategy_version", "strategy")[:500])
        states = {s.debtor_id: s for s in
                  DebtorStrategyState.objects.filter(debtor_id__in=[x.debtor_id for x in steps])}
        minor = 10 ** precision(portfolio.currency)
        rows = []
        for s in steps:
            if scope.masked:
                s.reason = mask_free_text(s.reason)  # in memory only
            st = states.get(s.debtor_id)
            explain = (Priority(st.priority, st.priority_balance_minor, st.priority_days, st.segment_name)
                       .explain(lang, minor) if st else "")
            rows.append({"s": s, "priority": st.priority if st else 0, "explain": explain})
        rows.sort(key=lambda r: -r["priority"])
        page.update(executed=rows, counts=run.counts)
    else:
        result = cycle_run(portfolio=portfolio, business_date=today, dry_run=True, collect=300)
        page.update(preview=_explained(plan_rows_in_scope(result.rows, scope), portfolio, lang), counts=result.counts)
    page["blocked"] = page["counts"].get("outcome:blocked", 0)
    return page


def dry_run_page(*, version: StrategyVersion, today: date, lang: str, scope: DebtorScope = EVERY_DEBTOR) -> dict:
    """What a strategy version would do today, by step and by channel, with the first rows explained (only the
    debtors the scope shows; the counters stay the portfolio's)."""
    result = version_dry_run(version=version, business_date=today, collect=200)
    by_step = sorted((k.split(":", 1)[1], v) for k, v in result.counts.items() if k.startswith("step:"))
    by_channel = sorted((k.split(":", 1)[1], v) for k, v in result.counts.items() if k.startswith("channel:"))
    return {"result": result, "by_step": by_step, "by_channel": by_channel,
            "rows": _explained(plan_rows_in_scope(result.rows, scope), version.strategy.portfolio, lang)}
