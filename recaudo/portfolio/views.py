from base64 import b64encode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from recaudo.accounts.selectors import (
    SUPERVISING_ROLES,
    assigned_only_agent,
    can,
    masks_personal_data,
    portfolio_for_user_or_404,
    role_in,
)
from recaudo.core.errors import DomainError, NotAllowed, show_at_field
from recaudo.core.exports import csv_dialect
from recaudo.portfolio.aging import bucket_choices

from .forms import CreditorSettingsForm, DebtorFilterForm, SavedFilterForm
from .models import LOGO_MAX_BYTES, SavedFilter
from .selectors import debtor_page, filter_query, portfolio_tags, saved_filters_for
from .services import (
    CREDITOR_FIELDS,
    debtor_list_export,
    portfolio_creditor_set,
    saved_filter_delete,
    saved_filter_save,
)


def _filter_form(request, portfolio, data):
    return DebtorFilterForm(data if data else None, portfolio=portfolio,
                            bucket_choices=bucket_choices(portfolio.buckets))


@login_required
@require_GET
def portfolio_home(request, slug):
    """A portfolio's own address (/p/<slug>/) opens it where the menu does: its debtors."""
    portfolio = portfolio_for_user_or_404(request.user, slug)
    return redirect("debtor_list", slug=portfolio.slug)


@login_required
def debtor_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    form = _filter_form(request, portfolio, request.GET)
    filters, ignored, page_number = form.filters()
    as_of = portfolio.today()
    page = debtor_page(portfolio, filters, as_of=as_of, page=page_number,
                       assigned_to=assigned_only_agent(request.user, portfolio),
                       masked=masks_personal_data(request.user, portfolio))
    context = {"portfolio": portfolio, "form": form, "filters": filters, "page": page, "ignored": ignored,
               "as_of": as_of, "filter_query": filter_query(request.GET),
               "can_bulk": can(request.user, portfolio, "write"),
               "supervises": role_in(request.user, portfolio) in SUPERVISING_ROLES,
               "saved_filters": saved_filters_for(request.user, portfolio)}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "portfolio/_debtor_table.html", context)
    context["tags"] = portfolio_tags(portfolio)
    return render(request, "portfolio/debtor_list.html", context)


@login_required
def portfolio_settings(request, slug):
    """The creditor as statements present it (name, NIT, address, contact, logo) and how debtors pay: for the
    portfolio's administrators."""
    portfolio = portfolio_for_user_or_404(request.user, slug, "manage")
    initial = {name: getattr(portfolio, name)
               for name in (*CREDITOR_FIELDS, "creditor_nit", "payment_reference", "brand_color", "portal_host")}
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
def _list_url(portfolio, query: str = "") -> str:
    url = reverse("debtor_list", args=[portfolio.slug])
    return f"{url}?{query}" if query else url


@login_required
@require_GET
def debtor_list_export_view(request, slug):
    """The debtor list as it is filtered and sorted, every page, as CSV (?format=csv&csv=excel|plain) or XLSX."""
    portfolio = portfolio_for_user_or_404(request.user, slug)
    form = _filter_form(request, portfolio, request.GET)
    filters, _ignored, _page = form.filters()
    query = filter_query(request.GET)
    try:
        export = debtor_list_export(
            portfolio=portfolio, filters=filters, as_of=portfolio.today(), fmt=request.GET.get("format", "csv"),
            dialect=csv_dialect(get_language(), request.GET.get("csv")),
            assigned_to=assigned_only_agent(request.user, portfolio),
            masked=masks_personal_data(request.user, portfolio), query=query, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_list_url(portfolio, query))
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
@require_POST
def saved_filter_add(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    form = SavedFilterForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        try:
            saved = saved_filter_save(portfolio=portfolio, owner=request.user, name=form.cleaned_data["name"],
                                      query=query, shared=form.cleaned_data["shared"], actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
            return redirect(_list_url(portfolio, saved.query))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_list_url(portfolio, filter_query(query)))


@login_required
@require_POST
def saved_filter_remove(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    saved = get_object_or_404(SavedFilter, pk=pk, portfolio=portfolio)
    try:
        saved_filter_delete(saved_filter=saved, actor=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return redirect(_list_url(portfolio, filter_query(request.POST.get("query", ""))))
