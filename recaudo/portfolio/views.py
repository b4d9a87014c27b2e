from base64 import b64encode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from recaudo.accounts.selectors import (
    assigned_only_agent,
    masks_personal_data,
    portfolio_for_user_or_404,
)
from recaudo.core.errors import DomainError, show_at_field
from recaudo.portfolio.aging import bucket_choices

from .forms import CreditorSettingsForm, DebtorFilterForm
from .models import LOGO_MAX_BYTES
from .selectors import debtor_page, portfolio_tags
from .services import CREDITOR_FIELDS, portfolio_creditor_set


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


@login_required
def portfolio_settings(request, slug):
    """The creditor as statements present it (name, NIT, address, contact, logo) and how debtors pay: for the
    portfolio's administrators."""
    portfolio = portfolio_for_user_or_404(request.user, slug, "manage")
    initial = {name: getattr(portfolio, name) for name in (*CREDITOR_FIELDS, "creditor_nit", "payment_reference")}
    form = CreditorSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("logo")
        remove_logo = data.pop("remove_logo")
        try:
            # read at most one byte past the limit: the service refuses the oversize file with a clear message
            logo = upload.read(LOGO_MAX_BYTES + 1) if upload else None
            portfolio_creditor_set(portfolio=portfolio, actor=request.user, logo=logo, remove_logo=remove_logo,
                                   **data)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("portfolio_settings", slug=portfolio.slug)
    logo = (f"data:{portfolio.creditor_logo_type};base64,{b64encode(bytes(portfolio.creditor_logo)).decode()}"
            if portfolio.creditor_logo_type and portfolio.creditor_logo else "")
    return render(request, "portfolio/settings.html", {"portfolio": portfolio, "form": form, "logo": logo},
                  status=400 if request.method == "POST" else 200)
