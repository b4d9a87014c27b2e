from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from recaudo.accounts.selectors import (
    assigned_only_agent,
    masks_personal_data,
    portfolio_for_user_or_404,
)
from recaudo.portfolio.aging import bucket_choices

from .forms import DebtorFilterForm
from .selectors import debtor_page, portfolio_tags


@login_required
def debtor_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    form = DebtorFilterForm(request.GET if request.GET else None, portfolio=portfolio,
                            bucket_choices=bucket_choices(portfolio.buckets))
    filters, ignored, page_number = form.filters()
    as_of = portfolio.today()
    page = debtor_page(portfolio, filters, as_of=as_of, page=page_number,
                       assigned_to=assigned_only_agent(request.user, portfolio),
                       masked=masks_personal_data(request.user, portfolio))
    context = {"portfolio": portfolio, "form": form, "filters": filters, "page": page, "ignored": ignored,
               "as_of": as_of}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "portfolio/_debtor_table.html", context)
    context["tags"] = portfolio_tags(portfolio)
    return render(request, "portfolio/debtor_list.html", context)
