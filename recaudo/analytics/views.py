"""The analytics page of a portfolio (every role: aggregates only, no debtor's data): KPIs with their formulas, the
balance by bucket over time, collections against target, the roll-rate heat map, the promise and agreement
funnel, channels and agents; filters by period, segment and agent; XLSX and PDF exports."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from recaudo.accounts.selectors import portfolio_for_user_or_404
from recaudo.core.errors import DomainError, NotAllowed
from recaudo.reports.formatting import fmt_amount, fmt_date, fmt_number

from . import charts
from .render import render_pdf, render_xlsx
from .selectors import AnalyticsPage, analytics_page, snapshot_days, summary_subscription
from .subscriptions import subscription_set

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}
MAX_DAYS = 3 * 366


def _date(value: str | None, name: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        errors.append(_("%(field)s: %(value)s is not a date (use 2026-12-31)") % {"field": name, "value": value[:20]})
        return None


def _days_before(day: date, days: int) -> date:
    """day - days, or the first date there is (a ?to= in year 1 was an OverflowError, a 500)."""
    return day - timedelta(days=days) if day > date.min + timedelta(days=days) else date.min


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@login_required
@require_GET
def analytics(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, "view")
    errors: list[str] = []
    first, last = snapshot_days(portfolio)
    end = _date(request.GET.get("to"), pgettext("end of a period", "To"), errors) or last or portfolio.today()
    start = _date(request.GET.get("from"), _("From"), errors) or _days_before(end, 89)
    if start > end:
        errors.append(_("The start date is after the end date; showing the 90 days up to the end."))
        start = _days_before(end, 89)
    if (end - start).days > MAX_DAYS:
        errors.append(_("At most three years at a time; showing the three years up to the end."))
        start = _days_before(end, MAX_DAYS)
    segment, agent = _int(request.GET.get("segment")), _int(request.GET.get("agent"))
    fmt = request.GET.get("format", "html")
    if fmt not in ("html", *FORMATS):
        raise Http404("unknown format")
    may_subscribe, subscription = summary_subscription(portfolio=portfolio, user=request.user)
    context = {"portfolio": portfolio, "errors": errors, "from_value": start.isoformat(), "to_value": end.isoformat(),
               "first": first, "segment": segment, "agent": agent, "may_subscribe": may_subscribe,
               "subscription": subscription}
    try:
        page = analytics_page(portfolio=portfolio, start=start, end=end, segment=segment, agent=agent,
                              roll_month=_date(request.GET.get("month"), _("Month"), errors), reader=request.user)
    except DomainError as exc:
        context["error"] = exc.message
        context["command"] = getattr(exc, "command", "")  # a period without snapshots: administrators only
        return render(request, "analytics/analytics.html", context, status=200 if first is None else 400)
    if fmt != "html":
        content = render_xlsx(page) if fmt == "xlsx" else render_pdf(page, get_language())
        response = HttpResponse(content, content_type=FORMATS[fmt])
        name = f"indicadores-{portfolio.slug}-{page.report.start.isoformat()}-{page.report.end.isoformat()}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    context.update(_page_context(page))
    return render(request, "analytics/analytics.html", context)


def _value(kpi, currency: str, language: str) -> str:
    if kpi.value is None:
        return "—"
    if kpi.unit == "minor":
        return fmt_amount(int(kpi.value), currency, language)
    number = fmt_number(kpi.value, language)
    if kpi.unit == "score":
        return f"{number} / 5"
    return f"{number} %" if kpi.unit == "percent" else _("%(n)s days") % {"n": number}


def _page_context(page: AnalyticsPage) -> dict:
    language = get_language() or "es"
    cur = page.report.portfolio.currency
    money = lambda v: fmt_amount(v, cur, language)  # noqa: E731
    trend = charts.stacked_trend(page.trend_labels, page.trend_days)
    last = page.trend_days[-1][1] if page.trend_days else []
    for s in trend["series"]:
        s["amount"] = money(last[s["index"]]) if last else ""
    bars = charts.target_bars([(m.strftime("%m/%Y"), c, t) for m, c, t in page.months])
    for b in bars["bars"]:
        b["collected_text"], b["target_text"] = money(b["collected"]), money(b["target"])
    roll_rows = []
    if page.roll:
        for a in page.roll.buckets:
            roll_rows.append({"label": a, "base": money(page.roll.base_balance[a]), "cells": [
                {"value": page.roll.by_balance[(a, b)], "count": page.roll.by_count[(a, b)],
                 "shade": charts.shade(page.roll.by_balance[(a, b)]), "to": b} for b in page.roll.columns]})
    return {
        "page": page,
        "kpis": [{"code": k.code, "label": k.label, "value": _value(k, cur, language), "formula": k.formula}
                 for k in page.report.kpis],
        "period": {"start": fmt_date(page.report.start, language), "end": fmt_date(page.report.end, language)},
        "as_of": page.as_of and page.as_of.astimezone(ZoneInfo(page.report.portfolio.timezone)).strftime("%H:%M"),
        "trend": trend, "bars": bars, "roll_rows": roll_rows,
        "roll_columns": page.roll.columns if page.roll else [],
        "month_ends": [{"value": m.isoformat(), "label": m.strftime("%m/%Y"), "selected": m == page.roll_month}
                       for m in page.month_ends],
        "channels": page.channels,
        "arms": [{"c": c, "rows": [(c.champion, money(c.champion.collected_minor)),
                                   (c.challenger, money(c.challenger.collected_minor))]} for c in page.arms],
        "agents": [{**r, "collected": money(r["collected_minor"]), "target": money(r["target_minor"]),
                    "receivables": money(r["receivables_minor"])} for r in page.agents],
        "segments": sorted(page.segments.items(), key=lambda kv: kv[1]),
        "agent_names": sorted(page.agent_names.items(), key=lambda kv: kv[1]),
        "forecast": [{"day": fmt_date(d, language), "due": money(a), "expected": money(b)}
                     for d, (a, b) in page.report.forecast.items()],
        "query": f"from={page.report.start.isoformat()}&to={page.report.end.isoformat()}"
                 + (f"&segment={page.key}" if page.dimension == "segment" else "")
                 + (f"&agent={page.key}" if page.dimension == "agent" else ""),
    }


@login_required
@require_POST
def summary_subscribe(request, slug):
    """Subscribe to (or cancel) the portfolio's weekly or monthly summary by e-mail."""
    portfolio = portfolio_for_user_or_404(request.user, slug, "view")
    try:
        sub = subscription_set(portfolio=portfolio, user=request.user, frequency=request.POST.get("frequency", ""),
                               language=get_language() or "es-co")
    except NotAllowed as exc:
        raise PermissionDenied(exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You will receive the summary by e-mail.") if sub else
                         _("You will no longer receive the summary."))
    return redirect("analytics", slug=portfolio.slug)
