"""Outbox and template pages (server-rendered, htmx for the filters and the live preview)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from recaudo.accounts.selectors import can, debtor_scope, portfolio_for_user_or_404
from recaudo.core.errors import DomainError, NotAllowed, show_at_field

from .forms import OutboxFilterForm, RevisionDecisionForm, TemplateForm
from .models import CHANNEL_CODES, CHANNELS, LANGUAGES, Message, Template, TemplateRevision
from .rendering import template_render
from .rules import sms_size
from .selectors import (
    effective_templates,
    message_detail,
    outbox_count_labels,
    outbox_counts,
    outbox_page,
    pending_keys,
    pending_revision,
    pending_revisions,
    preview_debtor,
    recent_revision_decisions,
    template_approver,
    template_edits_need_approval,
    template_effective,
)
from .services import template_revision_decide, template_save

# Labels of the header links to these pages (recaudo/web/templates/base.html), kept in this app's catalog.
NAV_LABELS = (gettext_noop("Messages"), gettext_noop("Templates"))


@login_required
def outbox_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    form = OutboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    try:
        page_number = int(request.GET.get("page") or 1)
    except ValueError:
        page_number = 1
    scope = debtor_scope(request.user, portfolio)
    page = outbox_page(portfolio, status=filters.get("status", ""), channel=filters.get("channel", ""),
                       page=page_number, scope=scope)
    context = {"portfolio": portfolio, "form": form, "page": page,
               "counts": outbox_count_labels(outbox_counts(portfolio, scope)),
               "query": request.GET.urlencode()}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "communications/_outbox_table.html", context)
    return render(request, "communications/outbox_list.html", context)


@login_required
@require_GET
def message_view(request, slug, pk):
    """One message: what was sent to whom, and its delivery history."""
    portfolio = portfolio_for_user_or_404(request.user, slug)
    try:
        detail = message_detail(portfolio, pk, debtor_scope(request.user, portfolio))
    except Message.DoesNotExist:
        raise Http404("message not found")
    return render(request, "communications/message_detail.html", {"portfolio": portfolio, "d": detail,
                                                                  "m": detail.message})


@login_required
def template_list(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug)
    pending = pending_keys(portfolio)
    templates = effective_templates(portfolio)
    for t in templates:
        t.pending = (t.code, t.channel, t.language) in pending
    return render(request, "communications/template_list.html", {
        "portfolio": portfolio, "templates": templates, "can_edit": can(request.user, portfolio, "write"),
        "pending_count": len(pending), "approver": template_approver(request.user, portfolio),
    })


def _key(code, channel, language):
    if channel not in CHANNEL_CODES or language not in ("es", "en"):
        raise Http404("unknown template")
    return code, channel, language


def _preview(form: TemplateForm, portfolio, channel, language, code, scope):
    """Render the form's (unsaved) text for a real debtor of the portfolio the user may see."""
    debtor = preview_debtor(portfolio, form.data.get("debtor_code", "") if form.is_bound else "", scope)
    if debtor is None:
        return None, None, _("No debtor with that code in this portfolio.")
    data = form.cleaned_data if form.is_bound and form.is_valid() else None
    source = data or (form.initial if not form.is_bound else None)
    if source is None:
        return debtor, None, "; ".join(str(e) for errors in form.errors.values() for e in errors)
    params = source.get("whatsapp_params") or []
    if isinstance(params, str):
        params = [line.strip() for line in params.splitlines() if line.strip()]
    template = Template(portfolio=portfolio, code=code, channel=channel, language=language,
                        subject=source.get("subject", ""), body=source.get("body", ""),
                        whatsapp_template_name=source.get("whatsapp_template_name", ""), whatsapp_params=params)
    try:
        return debtor, template_render(template=template, debtor=debtor, now=timezone.now()), None
    except DomainError as exc:
        return debtor, None, exc.message


def _sms_size(channel, rendered):
    """An SMS preview's length and segment count (communications.rules.sms_size)."""
    return sms_size(rendered.text) if channel == "sms" and rendered is not None else None


@login_required
def template_edit(request, slug, code, channel, language):
    portfolio = portfolio_for_user_or_404(request.user, slug, "write")
    code, channel, language = _key(code, channel, language)
    current = template_effective(portfolio, code, channel, language)
    initial = {"active": True}
    if current is not None:
        initial = {"name": current.name, "subject": current.subject, "body": current.body,
                   "whatsapp_template_name": current.whatsapp_template_name,
                   "whatsapp_params": "\n".join(current.whatsapp_params or []), "active": current.active}
    if request.method == "POST":
        form = TemplateForm(request.POST, portfolio=portfolio, channel=channel, language=language)
        if form.is_valid():
            d = form.cleaned_data
            try:
                saved = template_save(portfolio=portfolio, code=code, channel=channel, language=language,
                                      subject=d["subject"], body=d["body"], name=d["name"],
                                      whatsapp_template_name=d["whatsapp_template_name"],
                                      whatsapp_params=d["whatsapp_params"], active=d["active"], actor=request.user)
            except DomainError as exc:
                show_at_field(form, exc)
            else:
                if isinstance(saved, TemplateRevision):
                    messages.info(request, _("Your edit waits for a supervisor's approval; the current text stays "
                                             "in use until then."))
                else:
                    messages.success(request, _("Template saved."))
                return redirect("comms_template_list", slug=portfolio.slug)
    else:
        form = TemplateForm(initial=initial, portfolio=portfolio, channel=channel, language=language)
    debtor, rendered, error = _preview(form, portfolio, channel, language, code, debtor_scope(request.user, portfolio))
    return render(request, "communications/template_edit.html", {
        "portfolio": portfolio, "form": form, "code": code, "channel": channel, "language": language,
        "current": current, "debtor": debtor, "rendered": rendered, "preview_error": error,
        "sms": _sms_size(channel, rendered), "channel_label": dict(CHANNELS)[channel],
        "language_label": dict(LANGUAGES)[language], "pending": pending_revision(portfolio, code, channel, language),
        "needs_approval": template_edits_need_approval(request.user, portfolio),
        "approver": template_approver(request.user, portfolio),
    })


@login_required
@require_POST
def template_preview(request, slug, code, channel, language):
    portfolio = portfolio_for_user_or_404(request.user, slug, "write")
    code, channel, language = _key(code, channel, language)
    form = TemplateForm(request.POST, portfolio=portfolio, channel=channel, language=language)
    debtor, rendered, error = _preview(form, portfolio, channel, language, code, debtor_scope(request.user, portfolio))
    return render(request, "communications/_preview.html", {
        "debtor": debtor, "rendered": rendered, "preview_error": error, "channel": channel,
        "warnings": form.warnings, "sms": _sms_size(channel, rendered)})


def _approver_portfolio(request, slug):
    portfolio = portfolio_for_user_or_404(request.user, slug, "write")
    if not template_approver(request.user, portfolio):
        raise PermissionDenied(_("Only supervisors and administrators approve template edits."))
    return portfolio


@login_required
def template_approvals(request, slug):
    portfolio = _approver_portfolio(request, slug)
    return render(request, "communications/template_approvals.html", {
        "portfolio": portfolio, "pending": pending_revisions(portfolio),
        "recent": recent_revision_decisions(portfolio), "form": RevisionDecisionForm()})


@login_required
@require_POST
def template_revision_decide_view(request, slug, pk):
    portfolio = _approver_portfolio(request, slug)
    revision = get_object_or_404(TemplateRevision, pk=pk, portfolio=portfolio)
    form = RevisionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("comms_template_approvals", portfolio.slug)
    try:
        decided = template_revision_decide(revision=revision, decision=form.cleaned_data["decision"],
                                           reason=form.cleaned_data["reason"], actor=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if decided.status == TemplateRevision.Status.APPROVED:
            messages.success(request, _("Edit approved: it is in use from now on."))
        else:
            messages.success(request, _("Edit rejected."))
    return redirect("comms_template_approvals", portfolio.slug)
