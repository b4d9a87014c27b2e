"""Pages that bring several domains together, on top of them all. The debtor page (debtor 360): the debtor, their
contacts and consents, obligations, ledger and timeline (ledger), and the cycle's segment and priority
(strategies)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language

from recaudo.accounts.models import PERMISSIONS, Role
from recaudo.accounts.selectors import debtor_for_user_or_404, portfolio_for_user_or_404, role_in
from recaudo.ledger.selectors import debtor_360, mask_360
from recaudo.portfolio.models import Debtor
from recaudo.strategies.selectors import debtor_priority


@login_required
def debtor_detail(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    ledger_all = request.GET.get("ledger") == "all"
    role = role_in(request.user, portfolio)
    if portfolio.agents_see_assigned_only and role == Role.AGENT:
        debtor_for_user_or_404(request.user, portfolio, pk)  # agents limited to their assigned debtors get a 404
    try:
        view = debtor_360(portfolio, pk, as_of=portfolio.today(), ledger_all=ledger_all)
    except Debtor.DoesNotExist:
        raise Http404("debtor not found")
    if role == Role.VIEWER:
        mask_360(view)  # viewers see contact data and IDs masked (docs/habeas-data.md)
    return render(request, "web/debtor_detail.html", {
        "portfolio": portfolio, "v": view, "debtor": view.debtor, "ledger_all": ledger_all,
        "can_write": "write" in PERMISSIONS[Role(role)],
        "can_export": role in (Role.ADMIN, Role.SUPERVISOR),
        "can_anonymize": role == Role.ADMIN and view.debtor.anonymized_at is None,
        "priority": debtor_priority(view.debtor, "en" if (get_language() or "").startswith("en") else "es"),
    })
