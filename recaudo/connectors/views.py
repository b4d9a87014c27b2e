"""The ERP connectors' pages (administrators): the list, adding and changing a connector (secrets never shown
back), testing the connection, "run now" and the runs, each linking to its import reports. Thin: parse the input,
one domain call through core.errors.domain_call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from recaudo.accounts.selectors import portfolio_for_user_or_404
from recaudo.core.errors import FAILED, domain_call

from . import selectors
from .adapters import REGISTRY
from .forms import ConnectorForm
from .services import connector_run_soon, connector_save, connector_test


@login_required
@require_http_methods(["GET"])
def erp_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    return render(request, "connectors/erp_list.html", {
        "portfolio": portfolio, "connectors": selectors.connectors_of(portfolio), "kinds": selectors.kinds()})


def _save(request, portfolio, adapter, connector):
    form = ConnectorForm(request.POST, adapter=adapter, connector=connector)
    data = form.cleaned_data if form.is_valid() else {}
    saved = domain_call(form, lambda: connector_save(
        portfolio=portfolio, connector=connector, kind=adapter.name, name=data["name"], base_url=data["base_url"],
        values=form.values(), active=data["active"], push_payments=data["push_payments"],
        skip_invalid=data["skip_invalid"], interval_minutes=data["interval_minutes"], actor=request.user))
    return form, saved


@login_required
@require_http_methods(["GET", "POST"])
def erp_new(request, slug, kind):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    adapter = REGISTRY.get(kind)
    if adapter is None:
        raise Http404("unknown ERP")
    if request.method == "POST":
        form, saved = _save(request, portfolio, adapter, None)
        if saved is not FAILED:
            messages.success(request, _("Connector %(name)s saved.") % {"name": saved.name})
            return redirect("erp_detail", slug=portfolio.slug, connector_id=saved.pk)
    else:
        form = ConnectorForm(adapter=adapter)
    return render(request, "connectors/erp_edit.html", {"portfolio": portfolio, "adapter": adapter, "form": form,
                                                        "connector": None})


def _connector_or_404(request, slug, connector_id):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    connector = selectors.connector_or_none(portfolio, connector_id)
    if connector is None or connector.kind not in REGISTRY:
        raise Http404("connector not found")
    return portfolio, connector


@login_required
@require_http_methods(["GET", "POST"])
def erp_detail(request, slug, connector_id):
    portfolio, connector = _connector_or_404(request, slug, connector_id)
    adapter = REGISTRY[connector.kind]
    if request.method == "POST":
        form, saved = _save(request, portfolio, adapter, connector)
        if saved is not FAILED:
            messages.success(request, _("Connector %(name)s saved.") % {"name": saved.name})
            return redirect("erp_detail", slug=portfolio.slug, connector_id=connector.pk)
    else:
        form = ConnectorForm(adapter=adapter, connector=connector)
    return render(request, "connectors/erp_edit.html", {
        "portfolio": portfolio, "adapter": adapter, "form": form, "connector": connector,
        "runs": selectors.connector_runs(connector), "pushes": selectors.push_summary(connector)})


@login_required
@require_POST
def erp_test(request, slug, connector_id):
    portfolio, connector = _connector_or_404(request, slug, connector_id)
    answer = domain_call(None, lambda: connector_test(connector=connector), request=request)
    if answer is not FAILED:
        messages.success(request, _("Connection works: %(answer)s") % {"answer": answer})
    return redirect("erp_detail", slug=portfolio.slug, connector_id=connector.pk)


@login_required
@require_POST
def erp_run(request, slug, connector_id):
    portfolio, connector = _connector_or_404(request, slug, connector_id)
    if domain_call(None, lambda: connector_run_soon(connector=connector, actor=request.user),
                   request=request) is not FAILED:
        messages.success(request, _("The sync starts within a minute (the worker runs it); refresh to see it."))
    return redirect("erp_detail", slug=portfolio.slug, connector_id=connector.pk)
