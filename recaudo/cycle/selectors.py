"""Reads of the daily cycle shaped for its pages: what goes out today and why, and a version's dry run."""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recaudo.accounts.selectors import EVERY_DEBTOR, DebtorScope
from recaudo.communications.selectors import effective_templates
from recaudo.compliance.wording import channel_label
from recaudo.core.money import precision
from recaudo.portfolio.masking import mask_free_text
from recaudo.portfolio.models import Portfolio
from recaudo.strategies.models import CycleRun, DebtorStrategyState, StepExecution, StrategyVersion
from recaudo.strategies.rules import Priority
from recaudo.strategies.wording import stage_label

from .engine import version_dry_run
from .runner import cycle_run
from .wording import reason_text


def _explained(rows, portfolio: Portfolio, lang: str, scope: DebtorScope = EVERY_DEBTOR) -> list[dict]:
    """Plan rows with their priority explained and their reason said in the active language (masked for a
    viewer)."""
    minor = 10 ** precision(portfolio.currency)
    return [{"r": r, "explain": r.priority.explain(lang, minor) if r.priority else "",
             "reason": _reason(r.reason, scope)} for r in rows]


def _reason(reason: str, scope: DebtorScope) -> str:
    text = reason_text(reason)
    return mask_free_text(text) if scope.masked else text


def plan_rows_in_scope(rows, scope: DebtorScope = EVERY_DEBTOR) -> list:
    """A cycle's (dry-run) plan rows limited to the debtors the scope shows."""
    visible = scope.visible_ids(r.debtor_id for r in rows)
    return [r for r in rows if visible is None or r.debtor_id in visible]


TODAY_PER_PAGE = 100


# the kinds of reason a step stores (cycle/wording.py), as the Today page filters them; the JSON starts with the code
REASON_KINDS = {
    "held": _("On hold"),
    "conditions": _("Step conditions not met"),
    "scheduled": _("Put off to the next allowed time"),
    "blocked": pgettext_lazy("step reason", "Blocked by compliance"),
    "bureau_blocked": _("Not reported to the credit bureau"),
    "bureau_marked": _("Marked for the credit bureau report"),
    "compliance_error": _("Compliance check could not decide"),
}


def _reason_is(kind: str) -> Q:
    return Q(reason_code=kind)


def today_page(*, portfolio: Portfolio, today: date, lang: str, scope: DebtorScope = EVERY_DEBTOR, page: int = 1,
               outcome: str = "", channel: str = "", stage: str = "", reason: str = "",
               per_page: int = TODAY_PER_PAGE) -> dict:
    """The steps recorded by today's cycle, highest priority first, with why, a page at a time and filtered by
    outcome and channel, with the day's totals by outcome and by channel; or, when the cycle has not run yet
    today, a preview (a dry run that writes nothing). scope: an agent limited to their assigned debtors sees only
    those debtors' rows (the counters stay the portfolio's); a viewer sees contacts quoted in reasons masked."""
    run = CycleRun.objects.filter(portfolio=portfolio, business_date=today).first()
    result = {"run": run}
    if run is not None and run.status == CycleRun.Status.DONE:
        day = scope.filter(StepExecution.objects.filter(portfolio=portfolio, business_date=today))
        outcomes = dict(day.values("outcome").annotate(n=Count("id")).order_by().values_list("outcome", "n"))
        channels = dict(day.values("channel").annotate(n=Count("id")).order_by().values_list("channel", "n"))
        stages = dict(day.values("stage").annotate(n=Count("id")).order_by().values_list("stage", "n"))
        reasons = day.aggregate(**{kind: Count("id", filter=_reason_is(kind)) for kind in REASON_KINDS})
        outcome = outcome if outcome in outcomes else ""
        channel = channel if channel in channels else ""
        stage = stage if stage and stage in stages else ""
        reason = reason if reasons.get(reason) else ""
        steps = day.filter(outcome=outcome) if outcome else day
        steps = steps.filter(channel=channel) if channel else steps
        steps = steps.filter(stage=stage) if stage else steps
        steps = steps.filter(_reason_is(reason)) if reason else steps
        steps = (steps.select_related("debtor", "strategy_version", "strategy")
                 .order_by(F("debtor__strategy_state__priority").desc(nulls_last=True), "id"))
        page_obj = Paginator(steps, per_page).get_page(page)
        states = {s.debtor_id: s for s in
                  DebtorStrategyState.objects.filter(debtor_id__in=[x.debtor_id for x in page_obj.object_list])}
        minor = 10 ** precision(portfolio.currency)
        # a step's template by its name in the page's language (its code when there is no such template)
        template_names = {}
        for t in effective_templates(portfolio):
            if t.language == lang[:2] or (t.code, t.channel) not in template_names:
                template_names[(t.code, t.channel)] = t.name
        rows = []
        for s in page_obj.object_list:
            st = states.get(s.debtor_id)
            explain = (Priority(st.priority, st.priority_balance_minor, st.priority_days, st.segment_name)
                       .explain(lang, minor) if st else "")
            rows.append({"s": s, "priority": st.priority if st else 0, "explain": explain,
                         "reason": _reason(s.reason, scope),
                         "template": template_names.get((s.template, s.channel), s.template)})
        labels = dict(StepExecution.Outcome.choices)
        result.update(
            executed=rows, page_obj=page_obj, counts=run.counts, outcome=outcome, channel=channel,
            outcome_totals=[(code, str(labels.get(code, code)), n) for code, n in sorted(outcomes.items())],
            channel_totals=sorted((code, channel_label(code), n) for code, n in channels.items() if code),
            stage=stage, reason=reason,
            stage_totals=sorted((code, stage_label(code), n) for code, n in stages.items() if code),
            reason_totals=[(kind, str(label), reasons[kind]) for kind, label in REASON_KINDS.items() if reasons[kind]],
            total=sum(outcomes.values()),
        )
    else:
        plan = cycle_run(portfolio=portfolio, business_date=today, dry_run=True, collect=300)
        result.update(preview=_explained(plan_rows_in_scope(plan.rows, scope), portfolio, lang, scope),
                      counts=plan.counts)
    page = result
    page["blocked"] = page["counts"].get("outcome:blocked", 0)
    return page


def dry_run_page(*, version: StrategyVersion, today: date, lang: str, scope: DebtorScope = EVERY_DEBTOR) -> dict:
    """What a strategy version would do today, by step and by channel, with the first rows explained (only the
    debtors the scope shows; the counters stay the portfolio's)."""
    result = version_dry_run(version=version, business_date=today, collect=200)
    by_step = sorted((k.split(":", 1)[1], v) for k, v in result.counts.items() if k.startswith("step:"))
    by_channel = sorted((k.split(":", 1)[1], v) for k, v in result.counts.items() if k.startswith("channel:"))
    return {"result": result, "by_step": by_step, "by_channel": by_channel,
            "rows": _explained(plan_rows_in_scope(result.rows, scope), version.strategy.portfolio, lang, scope)}
