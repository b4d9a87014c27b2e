"""The bank pages: upload a collection file or a statement, the statement mappings, the queue of the lines that
named no single debtor (accept a suggestion, choose a debtor, split, not a collection), the applied lines (undo),
(for administrators) the portfolio's convenios, payment references and payment gateways, and a debtor's payment
links. Thin: parse the input, one service call through core.errors.domain_call (a domain error shown at its field, or
as a message on the next page for an action without a form; NotAllowed a 403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from recaudo.accounts.selectors import debtor_for_user_or_404, debtor_visible, menu_for, portfolio_for_user_or_404
from recaudo.core.errors import FAILED, domain_call
from recaudo.core.money import format_number

from . import selectors
from .forms import (
    AppliedFilterForm,
    AutoApplyScoreForm,
    BankFileForm,
    ConvenioForm,
    GatewayAccountForm,
    LineApplyForm,
    LineDismissForm,
    LineSplitForm,
    LineUndoForm,
    PaymentLinkForm,
    ReceiptRejectForm,
    ReferenceKindForm,
    StatementMappingForm,
    SuggestionForm,
    layout_rows,
    segment_formset,
)
from .gateways import REGISTRY
from .jobs import bank_upload_submit
from .models import BankLine, Convenio
from .services import (
    SplitPart,
    auto_apply_score_set,
    bank_line_accept,
    bank_line_apply,
    bank_line_dismiss,
    bank_line_split,
    bank_line_undo,
    billing_file_build,
    convenio_save,
    convenio_set_active,
    payment_references_assign,
    reference_settings_set,
    statement_mapping_save,
    transfer_receipt_approve,
    transfer_receipt_reject,
)
from .services_gateways import gateway_account_save, payment_link_cancel, payment_link_create

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def bank_upload(request, slug):
    """The upload form; a file sent is imported (jobs.bank_upload_submit: at once when small, else in the
    background) and the page of its upload shows the result or the progress."""
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    choices = {"convenios": selectors.convenios(portfolio), "mappings": selectors.statement_mappings(portfolio)}
    if request.method == "POST":
        form = BankFileForm(request.POST, request.FILES, **choices)
        data = form.cleaned_data if form.is_valid() else {}
        saved = domain_call(form, lambda: bank_upload_submit(
            portfolio=portfolio, content=data["file"].read(), filename=data["file"].name, layout=data["layout"],
            mapping_name=data["mapping"], convenio_name=data["convenio"], dry_run=data["dry_run"],
            actor=request.user))
        if saved is not FAILED:
            return redirect("bank_upload_detail", slug=portfolio.slug, upload_id=saved.pk)
    else:
        form = BankFileForm(**choices)
    return render(request, "banking/bank_upload.html", {
        "portfolio": portfolio, "form": form, "recent": selectors.recent_uploads(portfolio),
        "may": menu_for(request.user, portfolio),
        "queued_count": selectors.queued_lines_page(portfolio).count(),
    })


@login_required
@require_http_methods(["GET"])
def bank_upload_detail(request, slug, upload_id):
    """An uploaded bank file: its progress while it is imported (refreshed), then its summary and lines, or the
    problems that refused it."""
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    upload = selectors.upload_or_none(portfolio, upload_id)
    if upload is None:
        raise Http404("bank upload not found")
    context = {"portfolio": portfolio, "upload": upload, "summary": upload.summary or None,
               "queued_count": selectors.queued_lines_page(portfolio).count()}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "banking/_upload_status.html", context)
    return render(request, "banking/bank_upload_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bank_mappings(request, slug):
    """The portfolio's CSV/XLSX statement mappings and a form to create or change one (?name= fills it)."""
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    if request.method == "POST":
        form = StatementMappingForm(request.POST)
        data = dict(form.cleaned_data) if form.is_valid() else {}
        saved = domain_call(form, lambda: statement_mapping_save(portfolio=portfolio, name=data.pop("name"),
                                                                 actor=request.user, **data))
        if saved is not FAILED:
            messages.success(request, _("Statement mapping %(name)s saved.") % {"name": saved.name})
            return redirect("bank_mappings", slug=portfolio.slug)
    else:
        existing = selectors.statement_mapping_by_name(portfolio, request.GET.get("name", ""))
        initial = {name: getattr(existing, name) for name in StatementMappingForm.base_fields} if existing else None
        form = StatementMappingForm(initial=initial)
    return render(request, "banking/bank_mappings.html", {
        "portfolio": portfolio, "form": form, "mappings": selectors.statement_mappings(portfolio)})


def _paged(request, rows):
    """The page of `rows` the request asks for (?page=), PAGE_SIZE rows a page: the queues' and lists' paging."""
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_at(row, bound, bound_id, make):
    """A row's form on a list page: the submitted one that failed (`bound`, with its errors) for the row it was
    sent for (`bound_id`), else a fresh one (`make(row)`)."""
    return bound if bound is not None and row.pk == bound_id else make(row)


def _queue_page(request, portfolio, bound=None, line_id=None):
    """The queue page; `bound` is the submitted forms of line `line_id` that failed, shown with their errors."""
    page = _paged(request, selectors.queued_lines_page(portfolio))
    lines = list(page)
    shown = selectors.suggestions_shown(lines)
    rows = []
    for line in lines:
        forms_ = {"apply": LineApplyForm(prefix=f"a{line.pk}"), "split": LineSplitForm(prefix=f"s{line.pk}"),
                  "dismiss": LineDismissForm(prefix=f"d{line.pk}"), "accept_error": ""}
        forms_.update(_form_at(line, bound, line_id, lambda _line: {}))
        rows.append((line, shown.get(line.pk, []), forms_))
    return render(request, "banking/bank_queue.html", {"portfolio": portfolio, "page": page, "rows": rows})


@login_required
@require_http_methods(["GET"])
def bank_queue(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    return _queue_page(request, portfolio)


def _row_portfolio(request, slug, exists, row_id, what):
    """The portfolio of an action on one row of a queue (a bank line, a transfer receipt: importers), or 404 when
    `exists(portfolio, row_id)` says the row is not in it."""
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    if not exists(portfolio, row_id):
        raise Http404(f"{what} not found")
    return portfolio


def _row_call(request, form, call, done, *, gone=(), what=""):
    """The one domain call of a row's action: `call()` through domain_call (a refusal at its field of `form`, or with
    no form a message for the next page); `done` as a success message when it went through. Returns whether it
    did. `gone`: what the call raises when the row went away meanwhile (a 404, "`what` not found")."""
    try:
        result = domain_call(form, call, request=request)
    except gone:
        raise Http404(f"{what} not found")
    if result is FAILED:
        return False
    messages.success(request, done)
    return True


def _line_action(request, slug, line_id, form, key, call, done):
    """A queued line's action: `call(portfolio)` with the valid form, then back to the queue with `done`; else the
    queue page again with the form (and its errors) at the line."""
    portfolio = _row_portfolio(request, slug, selectors.bank_line_exists, line_id, "bank line")
    valid = form.is_valid()
    if _row_call(request, form, lambda: call(portfolio), done, gone=BankLine.DoesNotExist, what="bank line"):
        return redirect("bank_queue", slug=portfolio.slug)
    if key == "accept":  # the suggestions are buttons, not a form: the error is shown above them
        error = " ".join(e for errors in form.errors.values() for e in errors) if valid else ""
        return _queue_page(request, portfolio, {"accept_error": error or _("choose one of the suggestions")},
                           line_id)
    return _queue_page(request, portfolio, {key: form}, line_id)


@login_required
@require_POST
def bank_line_apply_view(request, slug, line_id):
    form = LineApplyForm(request.POST, prefix=f"a{line_id}")
    return _line_action(request, slug, line_id, form, "apply", lambda portfolio: bank_line_apply(
        portfolio=portfolio, line_id=line_id, debtor_query=form.cleaned_data["debtor"],
        obligation_number=form.cleaned_data["obligation"], actor=request.user),
        _("Bank line applied: the payment was received."))


@login_required
@require_POST
def bank_line_accept_view(request, slug, line_id):
    form = SuggestionForm(request.POST)
    return _line_action(request, slug, line_id, form, "accept", lambda portfolio: bank_line_accept(
        portfolio=portfolio, line_id=line_id, suggestion=form.cleaned_data["suggestion"], actor=request.user),
        _("Suggestion accepted: the payment was received."))


@login_required
@require_POST
def bank_line_split_view(request, slug, line_id):
    form = LineSplitForm(request.POST, prefix=f"s{line_id}")
    return _line_action(request, slug, line_id, form, "split", lambda portfolio: bank_line_split(
        portfolio=portfolio, line_id=line_id, parts=[SplitPart(**part) for part in form.parts()],
        actor=request.user),
        _("Bank line split: each part was received as a payment."))


@login_required
@require_POST
def bank_line_dismiss_view(request, slug, line_id):
    form = LineDismissForm(request.POST, prefix=f"d{line_id}")
    return _line_action(request, slug, line_id, form, "dismiss", lambda portfolio: bank_line_dismiss(
        portfolio=portfolio, line_id=line_id, reason=form.cleaned_data["reason"], actor=request.user),
        _("Bank line marked as not a collection."))


def _applied_page(request, portfolio, bound=None, line_id=None):
    filters = AppliedFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    rows_qs = selectors.applied_lines_page(portfolio, data.get("q", ""), data.get("date_from"),
                                           data.get("date_to"))
    page = _paged(request, rows_qs)
    rows = [(line, selectors.line_payment_rows(line),
             _form_at(line, bound, line_id, lambda row: LineUndoForm(prefix=f"u{row.pk}"))) for line in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "banking/bank_applied.html", {"portfolio": portfolio, "page": page, "rows": rows,
                                                          "filters": filters, "query": query.urlencode()})


@login_required
@require_http_methods(["GET"])
def bank_applied(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    return _applied_page(request, portfolio)


@login_required
@require_POST
def bank_line_undo_view(request, slug, line_id):
    portfolio = _row_portfolio(request, slug, selectors.bank_line_exists, line_id, "bank line")
    form = LineUndoForm(request.POST, prefix=f"u{line_id}")
    if _row_call(request, form, lambda: bank_line_undo(portfolio=portfolio, line_id=line_id,
                                                       reason=form.cleaned_data["reason"], actor=request.user),
                 _("Bank line undone: its payments were reversed and it waits in the queue again."),
                 gone=BankLine.DoesNotExist, what="bank line"):
        return redirect("bank_queue", slug=portfolio.slug)
    if form.non_field_errors():  # about the line itself (not applied any more): its row is gone from the list
        for problem in form.non_field_errors():
            messages.error(request, problem)
        return redirect("bank_applied", slug=portfolio.slug)
    return _applied_page(request, portfolio, form, line_id)


# --- convenios and payment references: administrators of the portfolio -------------------------------------------

def _convenios_page(request, portfolio, *, kind_form=None, score_form=None, status=200):
    return render(request, "banking/convenio_list.html", {
        "portfolio": portfolio, "convenios": selectors.convenios_all(portfolio),
        "kind_form": kind_form or ReferenceKindForm(initial={"kind": selectors.reference_kind(portfolio)}),
        "score_form": score_form or AutoApplyScoreForm(initial={"score": selectors.auto_apply_score(portfolio)}),
        "kind": selectors.reference_kind(portfolio),
    }, status=status)


@login_required
@require_http_methods(["GET"])
def convenio_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    return _convenios_page(request, portfolio)


def _convenio_form_page(request, portfolio, convenio, form, formset, layout_data):
    preview = selectors.layout_preview(layout_data, form.cleaned_data.get("sample", "")
                                       if form.is_bound and hasattr(form, "cleaned_data") else "")
    return render(request, "banking/convenio_form.html", {
        "portfolio": portfolio, "convenio": convenio, "form": form, "formset": formset, "preview": preview,
    })


@login_required
@require_http_methods(["GET", "POST"])
def convenio_edit(request, slug, convenio_id=None):
    """Create (no id) or change a convenio; "preview" shows how the rows split the sample reference, saving
    nothing."""
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    convenio = None
    if convenio_id is not None:
        convenio = selectors.convenio_or_none(portfolio, convenio_id)
        if convenio is None:
            raise Http404("convenio not found")
    if request.method == "GET":
        initial = {} if convenio is None else {
            "name": convenio.name, "bank_code": convenio.bank_code, "account_number": convenio.account_number,
            "account_type": convenio.account_type, "company_nit": convenio.company_nit,
            "service_code": convenio.service_code}
        form = ConvenioForm(initial=initial, editing=convenio is not None)
        layout = convenio.reference_layout if convenio else []
        return _convenio_form_page(request, portfolio, convenio, form, segment_formset(layout=layout), layout)
    form = ConvenioForm(request.POST, editing=convenio is not None,
                        initial={"name": convenio.name} if convenio else None)
    formset = segment_formset(request.POST)
    layout = layout_rows(formset) if formset.is_valid() else []
    data = form.cleaned_data if form.is_valid() else {}  # the preview reads the sample from it too
    if formset.is_valid() and "preview" not in request.POST:
        saved = domain_call(form, lambda: convenio_save(
            portfolio=portfolio, name=convenio.name if convenio else data["name"], bank_code=data["bank_code"],
            account_number=data["account_number"], account_type=data["account_type"],
            company_nit=data["company_nit"], service_code=data["service_code"], reference_layout=layout,
            new=convenio is None, actor=request.user))
        if saved is not FAILED:
            messages.success(request, _("Convenio %(name)s saved.") % {"name": saved.name})
            return redirect("convenio_list", slug=portfolio.slug)
    return _convenio_form_page(request, portfolio, convenio, form, formset, layout)


@login_required
@require_POST
def convenio_active_view(request, slug, convenio_id):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    active = request.POST.get("active") == "1"
    try:
        convenio = domain_call(None, lambda: convenio_set_active(
            portfolio=portfolio, convenio_id=convenio_id, active=active, actor=request.user), request=request)
    except Convenio.DoesNotExist:
        raise Http404("convenio not found")
    if convenio is not FAILED:
        messages.success(request, (_("Convenio %(name)s activated.") if convenio.active
                                   else _("Convenio %(name)s deactivated.")) % {"name": convenio.name})
    return redirect("convenio_list", slug=portfolio.slug)


@login_required
@require_http_methods(["GET"])
def convenio_billing(request, slug, convenio_id):
    """The convenio's billing file (company -> bank), as a download."""
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    convenio = selectors.convenio_or_none(portfolio, convenio_id)
    if convenio is None:
        raise Http404("convenio not found")
    billing = domain_call(None, lambda: billing_file_build(portfolio=portfolio, convenio_name=convenio.name,
                                                           actor=request.user), request=request)
    if billing is FAILED:
        return redirect("convenio_list", slug=portfolio.slug)
    if billing.skipped:  # the download has no page: the next page the user opens says what was left out
        messages.warning(request, ngettext(
            "The billing file left out %(n)s obligation whose reference cannot be written in digits: %(list)s",
            "The billing file left out %(n)s obligations whose reference cannot be written in digits: %(list)s",
            len(billing.skipped)) % {"n": format_number(len(billing.skipped)), "list": "; ".join(billing.skipped[:5])
                                     + ("; …" if len(billing.skipped) > 5 else "")})
    response = HttpResponse(billing.text.encode("cp1252", errors="replace"),
                            content_type="text/plain; charset=windows-1252")
    filename = f"facturacion-{portfolio.slug}-{convenio.pk}-{portfolio.today():%Y%m%d}.txt"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def reference_kind_view(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    form = ReferenceKindForm(request.POST)
    if domain_call(form, lambda: reference_settings_set(portfolio=portfolio, kind=form.cleaned_data["kind"],
                                                        actor=request.user)) is not FAILED:
        messages.success(request, _("Payment reference setting saved."))
        return redirect("convenio_list", slug=portfolio.slug)
    return _convenios_page(request, portfolio, kind_form=form)


@login_required
@require_POST
def auto_apply_score_view(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    form = AutoApplyScoreForm(request.POST)
    if domain_call(form, lambda: auto_apply_score_set(portfolio=portfolio, score=form.cleaned_data["score"],
                                                      actor=request.user)) is not FAILED:
        messages.success(request, _("Score to apply by itself saved."))
        return redirect("convenio_list", slug=portfolio.slug)
    return _convenios_page(request, portfolio, score_form=form)


@login_required
@require_POST
def references_assign_view(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    created = domain_call(None, lambda: payment_references_assign(portfolio=portfolio, actor=request.user),
                          request=request)
    if created is not FAILED:
        messages.success(request, _("%(n)s payment references generated.") % {"n": created})
    return redirect("convenio_list", slug=portfolio.slug)


# --- payment gateways and links ----------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def gateway_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    return render(request, "banking/gateway_list.html", {
        "portfolio": portfolio, "rows": selectors.gateway_rows(portfolio),
        "links": selectors.recent_payment_links(portfolio), "notifications": selectors.recent_notifications(portfolio),
        "hook_base": request.build_absolute_uri("/hooks/gateways/"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def gateway_edit(request, slug, provider):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="manage")
    adapter = REGISTRY.get(provider)
    if adapter is None:
        raise Http404("unknown provider")
    account = selectors.gateway_account(portfolio, provider)
    if request.method == "POST":
        form = GatewayAccountForm(request.POST, adapter=adapter, account=account)
        if domain_call(form, lambda: gateway_account_save(
                portfolio=portfolio, provider=provider, active=form.cleaned_data["active"], actor=request.user,
                values={spec.key: form.cleaned_data.get(spec.key, "") for spec in adapter.config_fields},
        )) is not FAILED:
            messages.success(request, _("Payment gateway %(name)s saved.") % {"name": adapter.label})
            return redirect("gateway_list", slug=portfolio.slug)
    else:
        form = GatewayAccountForm(adapter=adapter, account=account)
    hook_url = request.build_absolute_uri(reverse("hook_gateway", kwargs={"provider": provider,
                                                                          "slug": portfolio.slug}))
    return render(request, "banking/gateway_edit.html", {"portfolio": portfolio, "adapter": adapter, "form": form,
                                                         "account": account, "hook_url": hook_url})


def _link_form(debtor, data=None):
    return PaymentLinkForm(data, obligations=selectors.payable_obligations(debtor),
                           installments=selectors.payable_installments(debtor))


@login_required
@require_http_methods(["GET", "POST"])
def debtor_payment_links(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="write")
    debtor = debtor_for_user_or_404(request.user, portfolio, pk)
    created = None
    if request.method == "POST":
        form = _link_form(debtor, request.POST)
        target = form.cleaned_data["target"] if form.is_valid() else ""
        created = domain_call(form, lambda: payment_link_create(
            portfolio=portfolio, debtor=debtor,
            obligation=selectors.debtor_obligation(debtor, target[1:]) if target.startswith("o") else None,
            installment=selectors.debtor_installment(debtor, target[1:]) if target.startswith("i") else None,
            amount=form.cleaned_data["amount"], expires_in=form.cleaned_data["expires_in"], actor=request.user))
        if created is FAILED:
            created = None
        else:
            messages.success(request, _("Payment link created: %(url)s") % {"url": created.url})
            form = _link_form(debtor)
    else:
        form = _link_form(debtor)
    return render(request, "banking/payment_links.html", {
        "portfolio": portfolio, "debtor": debtor, "form": form, "created": created,
        "links": selectors.debtor_payment_links(debtor), "gateway": selectors.active_gateway(portfolio),
    })


@login_required
@require_POST
def payment_link_cancel_view(request, slug, link_id):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="write")
    link = selectors.payment_link(portfolio, link_id)
    if link is None or not debtor_visible(request.user, portfolio, link.debtor_id):
        raise Http404("payment link not found")
    if domain_call(None, lambda: payment_link_cancel(portfolio=portfolio, link_id=link.pk, actor=request.user),
                   request=request) is not FAILED:
        messages.success(request, _("Payment link cancelled."))
    return redirect("payment_links", slug=portfolio.slug, pk=link.debtor_id)


# --- "Por verificar": transfer receipts debtors uploaded (supervisors decide) --------------------------------------
def _receipts_page(request, portfolio, bound=None, receipt_id=None, status=200):
    page = _paged(request, selectors.receipts_to_verify(portfolio))
    rows = [(r, _form_at(r, bound, receipt_id, lambda row: ReceiptRejectForm(prefix=f"r{row.pk}"))) for r in page]
    return render(request, "banking/receipts_queue.html", {"portfolio": portfolio, "page": page, "rows": rows},
                  status=status)


@login_required
@require_http_methods(["GET"])
def receipts_queue(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, action="import")
    return _receipts_page(request, portfolio)


@login_required
@require_POST
def receipt_approve_view(request, slug, receipt_id):
    portfolio = _row_portfolio(request, slug, selectors.transfer_receipt_exists, receipt_id, "receipt")
    _row_call(request, None, lambda: transfer_receipt_approve(portfolio=portfolio, receipt_id=receipt_id,
                                                              actor=request.user),
              _("Receipt approved: the payment was received."))
    return redirect("receipts_queue", slug=portfolio.slug)


@login_required
@require_POST
def receipt_reject_view(request, slug, receipt_id):
    portfolio = _row_portfolio(request, slug, selectors.transfer_receipt_exists, receipt_id, "receipt")
    form = ReceiptRejectForm(request.POST, prefix=f"r{receipt_id}")
    if _row_call(request, form, lambda: transfer_receipt_reject(portfolio=portfolio, receipt_id=receipt_id,
                                                                reason=form.cleaned_data["reason"],
                                                                actor=request.user),
                 _("Receipt rejected: the debtor sees the reason.")):
        return redirect("receipts_queue", slug=portfolio.slug)
    return _receipts_page(request, portfolio, form, receipt_id, status=400)
