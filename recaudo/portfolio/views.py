from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from recaudo.accounts.models import PERMISSIONS, Role
from recaudo.accounts.selectors import (
    assigned_only_agent,
    debtor_for_user_or_404,
    masks_personal_data,
    portfolio_for_user_or_404,
    role_in,
)
from recaudo.portfolio.aging import bucket_choices

from .forms import DebtorFilterForm
from .models import Debtor
from .selectors import debtor_360, debtor_page, mask_360, portfolio_tags
from .services import portfolio_today


@login_required
def debtor_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    form = DebtorFilterForm(request.GET if request.GET else None, portfolio=portfolio,
                            bucket_choices=bucket_choices(portfolio.buckets))
    filters, ignored, page_number = form.filters()
    as_of = portfolio_today(portfolio)
    page = debtor_page(portfolio, filters, as_of=as_of, page=page_number,
                       assigned_to=assigned_only_agent(request.user, portfolio),
                       masked=masks_personal_data(request.user, portfolio))
    context = {"portfolio": portfolio, "form": form, "filters": filters, "page": page, "ignored": ignored,
               "as_of": as_of}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "portfolio/_debtor_table.html", context)
    context["tags"] = portfolio_tags(portfolio)
    return render(request, "portfolio/debtor_list.html", context)


@login_required
def debtor_detail(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    ledger_all = request.GET.get("ledger") == "all"
    role = role_in(request.user, portfolio)
    if portfolio.agents_see_assigned_only and role == Role.AGENT:
        debtor_for_user_or_404(request.user, portfolio, pk)  # agents limited to their assigned debtors get a 404
    try:
        view = debtor_360(portfolio, pk, as_of=portfolio_today(portfolio), ledger_all=ledger_all)
    except Debtor.DoesNotExist:
        raise Http404("debtor not found")
    if role == Role.VIEWER:
        mask_360(view)  # viewers see contact data and IDs masked (docs/habeas-data.md)
    from django.utils.translation import get_language

    from recaudo.strategies.selectors import debtor_priority  # the cycle's segment and priority (strategies app)

    return render(request, "portfolio/debtor_detail.html", {
        "portfolio": portfolio, "v": view, "debtor": view.debtor, "ledger_all": ledger_all,
        "can_write": "write" in PERMISSIONS[Role(role)],
        "can_export": role in (Role.ADMIN, Role.SUPERVISOR),
        "can_anonymize": role == Role.ADMIN and view.debtor.anonymized_at is None,
        "priority": debtor_priority(view.debtor, "en" if (get_language() or "").startswith("en") else "es"),
    })
