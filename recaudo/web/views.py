"""Pages that bring several domains together, on top of them all. The debtor page (debtor 360): the debtor, their
contacts and consents, obligations, ledger and timeline (ledger), and the cycle's segment and priority
(strategies)."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from recaudo.accounts.models import PERMISSIONS, Role
from recaudo.accounts.selectors import debtor_for_user_or_404, portfolio_for_user_or_404, role_in
from recaudo.agreements.services.payments import payment_receipt_reverse, payment_receive
from recaudo.agreements.services.permissions import can_decide
from recaudo.communications.selectors import debtor_messages
from recaudo.core.errors import DomainError, NotAllowed, show_at_field
from recaudo.core.money import to_minor
from recaudo.core.words import amount_in_words_es
from recaudo.ledger.models import Payment, Receipt
from recaudo.ledger.selectors import TIMELINE_LIMIT, debtor_360, mask_360, payment_preview, receipt_view
from recaudo.portfolio.models import Debtor, Obligation
from recaudo.reports.receipt_pdf import render_receipt_pdf
from recaudo.strategies.selectors import debtor_priority

from .forms import PaymentForm, ReverseForm


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
        "timeline": _timeline(view),
        "can_record_payment": "write" in PERMISSIONS[Role(role)],
        "can_reverse": role in (Role.SUPERVISOR, Role.ADMIN),  # as agreements' can_decide, from the role in hand
    })


@dataclass
class TimelineItem:
    at: datetime
    actor_label: str
    event_type: str
    changes: dict


def _timeline(view) -> list:
    """The debtor's audit events and their messages, newest first: the cycle queues messages in bulk without an
    audit event each, so a message shows from the outbox itself (as queued, sent, delivered, failed...), with the
    actor of its "message.queued" event when one was written."""
    queued_by = {e.subject_id: e.actor_label for e in view.events if e.event_type == "message.queued"}
    items = [e for e in view.events if e.event_type != "message.queued"]
    for m in debtor_messages(view.debtor, limit=TIMELINE_LIMIT):
        actor = queued_by.get(m.pk) or (_("Automatic (daily cycle)") if m.source == "cycle" else m.source)
        items.append(TimelineItem(at=m.created_at, actor_label=actor, event_type=f"message.{m.status}",
                                  changes={"channel": m.channel}))
    items.sort(key=lambda i: i.at, reverse=True)
    return items[:TIMELINE_LIMIT]


# ---------------------------------------------------------------------------------------------------------------
# Money in from the debtor page: record a payment (form, preview, confirm), its receipt, its reversal
# ---------------------------------------------------------------------------------------------------------------
def _payment_form(request, portfolio, debtor, data=None):
    obligations = Obligation.objects.filter(debtor=debtor, balance_minor__gt=0).order_by("due_date", "number")
    today = portfolio.today()
    initial = {"date": today, "token": uuid.uuid4().hex}
    return PaymentForm(data, initial=initial, obligations=obligations, currency=portfolio.currency, today=today)


@login_required
@require_http_methods(["GET", "POST"])
def payment_new(request, slug, pk):
    """Registrar pago. GET: the form. POST step "preview": how the payment will be allocated (the ledger's own
    rule, read without writing); step "confirm": payment_receive, the service of the import and `recaudo ledger
    pay`. The form's token (or the bank reference) is the idempotency key: a double submit records one payment."""
    portfolio = portfolio_for_user_or_404(request.user, slug, "write")
    debtor = debtor_for_user_or_404(request.user, portfolio, pk)
    form = _payment_form(request, portfolio, debtor, request.POST if request.method == "POST" else None)
    step = request.POST.get("step", "form")
    preview = None
    if request.method == "POST" and step != "edit" and form.is_valid():
        d = form.cleaned_data
        try:
            if step == "confirm":
                payment, created = payment_receive(
                    portfolio=portfolio, debtor=debtor, amount=d["amount"], date=d["date"], source="manual",
                    source_ref=d["reference"].strip() or f"web-{d['token']}", reference=d["reference"].strip(),
                    method=d["method"], obligation=d["obligation"], actor=request.user)
            else:
                preview = payment_preview(portfolio=portfolio, debtor=debtor, on=d["date"],
                                          minor=to_minor(d["amount"], portfolio.currency), obligation=d["obligation"])
        except DomainError as exc:
            show_at_field(form, exc)
            preview = None
        else:
            if step == "confirm":
                receipt = getattr(payment, "receipt", None)
                label = receipt.label if receipt else payment.reference
                if created:
                    messages.success(request, _("Payment recorded: receipt %(number)s.") % {"number": label})
                else:
                    messages.info(request, _("This payment was already recorded (receipt %(number)s): nothing "
                                             "was applied twice.") % {"number": label})
                return redirect(reverse("debtor_detail", args=[portfolio.slug, debtor.pk]) + "#payments")
    return render(request, "web/payment_form.html", {
        "portfolio": portfolio, "debtor": debtor, "form": form, "preview": preview,
        "words": amount_in_words_es(form.cleaned_data["amount"], str(portfolio.currency))
        if preview and not _english() else "",
    })


def _payment_of(request, slug, payment_id, action="view"):
    portfolio = portfolio_for_user_or_404(request.user, slug, action)
    payment = Payment.objects.filter(portfolio=portfolio, pk=payment_id).first()
    if payment is None:
        raise Http404("payment not found")
    debtor_for_user_or_404(request.user, portfolio, payment.debtor_id)  # agents limited to their debtors
    return portfolio, payment


@login_required
def payment_receipt(request, slug, payment_id):
    """The payment's receipt (recibo de caja) as a PDF, stamped ANULADO once the payment is reversed."""
    portfolio, payment = _payment_of(request, slug, payment_id)
    try:
        view = receipt_view(portfolio, payment.pk)
    except Receipt.DoesNotExist:
        raise Http404("this payment has no receipt")
    language = "en" if _english() else "es"
    response = HttpResponse(render_receipt_pdf(view, language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="recibo-{view.receipt.label}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def payment_reverse(request, slug, payment_id):
    """Reverse a payment with a reason (payment_receipt_reverse: supervisors and administrators, the service checks
    it); the receipt stays, stamped ANULADO."""
    portfolio, payment = _payment_of(request, slug, payment_id, "write")
    if not can_decide(request.user, portfolio):
        raise PermissionDenied
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment_receipt_reverse(payment=payment, reason=form.cleaned_data["reason"], actor=request.user)
        except NotAllowed:
            raise PermissionDenied
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Payment reversed; its receipt is now void."))
            return redirect(reverse("debtor_detail", args=[portfolio.slug, payment.debtor_id]) + "#payments")
    return render(request, "web/payment_reverse.html", {
        "portfolio": portfolio, "payment": payment, "debtor": payment.debtor, "form": form,
        "receipt": Receipt.objects.filter(payment=payment).first()})


def _english() -> bool:
    return (get_language() or "").startswith("en")
