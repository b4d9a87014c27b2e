"""Pages of the daily cycle: what goes out today and why, and a strategy version's dry run. Thin: one read each."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from recaudo.accounts.selectors import debtor_scope, portfolio_for_user_or_404
from recaudo.strategies.models import StrategyVersion

from .selectors import dry_run_page, today_page


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "es"


@login_required
def version_dry_run_view(request, slug, version_id):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    version = get_object_or_404(StrategyVersion, pk=version_id, strategy__portfolio=portfolio)
    today = portfolio.today()
    return render(request, "cycle/dry_run.html", {
        "portfolio": portfolio, "version": version, "strategy": version.strategy, "today": today,
        **dry_run_page(version=version, today=today, lang=_lang(), scope=debtor_scope(request.user, portfolio)),
    })


@login_required
def today_view(request, slug):
    """What goes out today and why: the steps recorded by today's cycle, or a preview when it has not run yet."""
    portfolio = portfolio_for_user_or_404(request.user, slug)
    today = portfolio.today()
    page = request.GET.get("page", "1")
    return render(request, "cycle/today.html", {
        "portfolio": portfolio, "today": today, **today_page(
            portfolio=portfolio, today=today, lang=_lang(), scope=debtor_scope(request.user, portfolio),
            page=int(page) if page.isdigit() else 1, outcome=request.GET.get("outcome", ""),
            channel=request.GET.get("channel", ""), stage=request.GET.get("stage", "")[:60],
            reason=request.GET.get("reason", "")[:30]),
    })
