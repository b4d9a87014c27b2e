"""The bank pages: upload a collection file or a statement, the statement mappings, and the queue of the lines that
named no single debtor. Thin: parse the input, one service call, a domain error shown at its field."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from recaudo.accounts.selectors import portfolio_for_user_or_404
from recaudo.core.errors import DomainError, NotAllowed, show_at_field

from . import selectors
from .forms import BankFileForm, LineApplyForm, LineDismissForm, StatementMappingForm
from .models import BankLine
from .services import bank_import, bank_line_apply, bank_line_dismiss, statement_mapping_save

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def bank_upload(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    choices = {"convenios": selectors.convenios(portfolio), "mappings": selectors.statement_mappings(portfolio)}
    result = None
    if request.method == "POST":
        form = BankFileForm(request.POST, request.FILES, **choices)
        if form.is_valid():
            try:
                result = bank_import(portfolio=portfolio, content=form.cleaned_data["file"].read(),
                                     layout=form.cleaned_data["layout"], mapping_name=form.cleaned_data["mapping"],
                                     convenio_name=form.cleaned_data["convenio"],
                                     dry_run=form.cleaned_data["dry_run"], actor=request.user)
            except DomainError as exc:
                show_at_field(form, exc)
    else:
        form = BankFileForm(**choices)
    return render(request, "banking/bank_upload.html", {
        "portfolio": portfolio, "form": form, "result": result,
        "summary": result.summary() if result else None,
        "file_problems": form.errors.get("file", []) if form.is_bound else [],
        "queued_count": selectors.queued_lines_page(portfolio).count(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def bank_mappings(request, slug):
    """The portfolio's CSV/XLSX statement mappings and a form to create or change one (?name= fills it)."""
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    if request.method == "POST":
        form = StatementMappingForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                saved = statement_mapping_save(portfolio=portfolio, name=data.pop("name"), actor=request.user,
                                               **data)
            except DomainError as exc:
                show_at_field(form, exc)
            else:
                messages.success(request, _("Statement mapping %(name)s saved.") % {"name": saved.name})
                return redirect("bank_mappings", slug=portfolio.slug)
    else:
        existing = selectors.statement_mapping_by_name(portfolio, request.GET.get("name", ""))
        initial = {name: getattr(existing, name) for name in StatementMappingForm.base_fields} if existing else None
        form = StatementMappingForm(initial=initial)
    return render(request, "banking/bank_mappings.html", {
        "portfolio": portfolio, "form": form, "mappings": selectors.statement_mappings(portfolio)})


def _queue_page(request, portfolio, forms_for=None):
    paginator = Paginator(selectors.queued_lines_page(portfolio), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    forms_for = forms_for or {}
    rows = [(line, *forms_for.get(line.pk, (LineApplyForm(prefix=f"a{line.pk}"),
                                             LineDismissForm(prefix=f"d{line.pk}")))) for line in page]
    return render(request, "banking/bank_queue.html", {"portfolio": portfolio, "page": page, "rows": rows})


@login_required
@require_http_methods(["GET"])
def bank_queue(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    return _queue_page(request, portfolio)


def _handle(request, slug, line_id, form_class, prefix, call):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    if not selectors.bank_line_exists(portfolio, line_id):
        raise Http404("bank line not found")
    form = form_class(request.POST, prefix=f"{prefix}{line_id}")
    if form.is_valid():
        try:
            call(portfolio, form.cleaned_data)
        except BankLine.DoesNotExist:
            raise Http404("bank line not found")
        except NotAllowed:
            raise PermissionDenied
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            return None, portfolio
    blank = (LineApplyForm(prefix=f"a{line_id}"), LineDismissForm(prefix=f"d{line_id}"))
    pair = (form, blank[1]) if prefix == "a" else (blank[0], form)
    return _queue_page(request, portfolio, {line_id: pair}), portfolio


@login_required
@require_POST
def bank_line_apply_view(request, slug, line_id):
    def call(portfolio, data):
        bank_line_apply(portfolio=portfolio, line_id=line_id, debtor_query=data["debtor"],
                        obligation_number=data["obligation"], actor=request.user)

    response, portfolio = _handle(request, slug, line_id, LineApplyForm, "a", call)
    if response is not None:
        return response
    messages.success(request, _("Bank line applied: the payment was received."))
    return redirect("bank_queue", slug=portfolio.slug)


@login_required
@require_POST
def bank_line_dismiss_view(request, slug, line_id):
    def call(portfolio, data):
        bank_line_dismiss(portfolio=portfolio, line_id=line_id, reason=data["reason"], actor=request.user)

    response, portfolio = _handle(request, slug, line_id, LineDismissForm, "d", call)
    if response is not None:
        return response
    messages.success(request, _("Bank line marked as not a collection."))
    return redirect("bank_queue", slug=portfolio.slug)
