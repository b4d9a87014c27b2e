"""Pages that bring several domains together, on top of them all. The debtor page (debtor 360): the debtor, their
contacts and consents, obligations, ledger and timeline (ledger), and the cycle's segment and priority
(strategies)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from recaudo.accounts.models import PERMISSIONS, Role
from recaudo.accounts.selectors import (
    SUPERVISING_ROLES,
    can,
    debtor_for_user_or_404,
    masks_personal_data,
    portfolio_for_user_or_404,
    role_in,
)
from recaudo.agreements.pdf import render_agreement_pdf
from recaudo.agreements.services.payments import payment_receipt_reverse, payment_receive
from recaudo.agreements.services.permissions import can_decide
from recaudo.agreements.views import agreement_for_user_or_404
from recaudo.banking.selectors import (
    active_gateway,
    debtor_payment_links,
    debtor_references,
    payment_references,
    payments_with_source,
)
from recaudo.certificates.selectors import debtor_certificates
from recaudo.communications.selectors import debtor_inbound, debtor_messages
from recaudo.core.errors import FAILED, DomainError, NotAllowed, domain_call, show_at_field
from recaudo.core.money import to_minor
from recaudo.core.words import amount_in_words_es
from recaudo.ledger.models import Payment, Receipt
from recaudo.ledger.selectors import TIMELINE_LIMIT, debtor_360, mask_360, payment_preview, receipt_view
from recaudo.ledger.services import obligation_set_dispute
from recaudo.portfolio.masking import mask_id
from recaudo.portfolio.models import Contact, Debtor, Document, Note, Obligation
from recaudo.portfolio.selectors import mask_debtor
from recaudo.portfolio.services import (
    CHANNEL_CONSENTS,
    consent_record,
    contact_save,
    debtor_note_add,
    document_attach,
    document_bytes,
)
from recaudo.privacy.selectors_requests import debtor_habeas_requests
from recaudo.reports.receipt_pdf import render_receipt_pdf
from recaudo.reports.services import statement_channels, statement_send
from recaudo.strategies.selectors import debtor_priority, debtor_risk

from .forms import (
    ConsentForm,
    ContactForm,
    DisputeForm,
    DocumentForm,
    NoteForm,
    PaymentForm,
    ReverseForm,
    StatementSendForm,
)


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
    references = _payment_references(portfolio, view, masked=role == Role.VIEWER)
    payments_with_source(view.payments)  # each payment's source, its bank line when it came from the bank
    if role == Role.VIEWER:
        mask_360(view)  # viewers see contact data and IDs masked (docs/habeas-data.md)
    return render(request, "web/debtor_detail.html", {
        "portfolio": portfolio, "v": view, "debtor": view.debtor, "ledger_all": ledger_all,
        "can_write": "write" in PERMISSIONS[Role(role)],
        "can_export": role in (Role.ADMIN, Role.SUPERVISOR),
        "can_anonymize": role == Role.ADMIN and view.debtor.anonymized_at is None,
        "priority": debtor_priority(view.debtor, "en" if (get_language() or "").startswith("en") else "es"),
        "risk": debtor_risk(view.debtor, "en" if (get_language() or "").startswith("en") else "es"),
        "timeline": _timeline(view),
        "can_record_payment": "write" in PERMISSIONS[Role(role)],
        "can_reverse": role in (Role.SUPERVISOR, Role.ADMIN),  # as agreements' can_decide, from the role in hand
        "payment_reference": references,
        "can_see_bank_lines": role in SUPERVISING_ROLES,
        "notes": Note.objects.filter(debtor=view.debtor)[:5],
        "inbound": debtor_inbound(view.debtor, masked=role == Role.VIEWER),
        "gateway": active_gateway(portfolio),
        "payment_links": debtor_payment_links(view.debtor, limit=10),
        "documents": Document.objects.filter(debtor=view.debtor).select_related("obligation")[:50],
        "habeas_rows": (debtor_habeas_requests(view.debtor, today=portfolio.today(), limit=10)
                        if role in SUPERVISING_ROLES else []),
        "certificates": debtor_certificates(view.debtor) if "write" in PERMISSIONS[Role(role)] else [],
        **(_action_forms(portfolio, view.debtor) if "write" in PERMISSIONS[Role(role)] else {}),
    })


def _payment_references(portfolio, view, *, masked: bool) -> str:
    """The debtor's payment reference; each obligation of the page gets its own (`pay_reference`). A viewer
    sees a reference that is an ID number masked, as the ID itself."""
    refs = debtor_references(portfolio, view.debtor, view.obligations)
    id_number = view.debtor.id_number

    def shown(value: str) -> str:
        return mask_id(value) if masked and id_number and value == id_number else value

    for obligation in view.obligations:
        obligation.pay_reference = shown(refs.of_obligation(obligation.pk, view.debtor.pk))
    return shown(refs.of_debtor(view.debtor.pk))


def _action_forms(portfolio, debtor) -> dict:
    """The small forms the debtor page offers behind their buttons (each posts to its own page)."""
    return {"note_form": NoteForm(), "document_form": _document_form(debtor),
            "statement_form": StatementSendForm(channels=statement_channels(debtor),
                                                initial={"token": uuid.uuid4().hex})}


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
    if masks_personal_data(request.user, portfolio):
        mask_debtor(view.payment.debtor)  # viewers: the ID masked on the receipt too, as on the statement
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


# ---------------------------------------------------------------------------------------------------------------
# The debtor's own records (issue 14 §2): a note, a contact and its consents, a dispute, a document, the statement
# sent now. Each page: GET shows its form (the debtor page embeds the same forms), POST makes one service call,
# which checks the role itself (viewers: RecordNotAllowed, a 403). Writes need the "write" permission to reach.
# ---------------------------------------------------------------------------------------------------------------
def _debtor_for_write(request, slug, pk):
    portfolio = portfolio_for_user_or_404(request.user, slug, "view")
    debtor = debtor_for_user_or_404(request.user, portfolio, pk)
    if not can(request.user, portfolio, "write"):
        raise PermissionDenied
    return portfolio, debtor


def _back(portfolio, debtor, anchor: str):
    return redirect(reverse("debtor_detail", args=[portfolio.slug, debtor.pk]) + anchor)


def _action_page(request, portfolio, debtor, form, *, title, button, intro="", extra=None, multipart=False):
    return render(request, "web/debtor_action.html", {
        "portfolio": portfolio, "debtor": debtor, "form": form, "title": title, "button": button, "intro": intro,
        "multipart": multipart, **(extra or {})})


@login_required
@require_http_methods(["GET", "POST"])
def debtor_note_new(request, slug, pk):
    portfolio, debtor = _debtor_for_write(request, slug, pk)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and domain_call(form, lambda: debtor_note_add(
            debtor=debtor, text=form.cleaned_data["text"], actor=request.user)) is not FAILED:
        messages.success(request, _("Note added."))
        return _back(portfolio, debtor, "#notes")
    return _action_page(request, portfolio, debtor, form, title=_("Add a note"), button=_("Save the note"))


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, slug, pk, contact_id=None):
    """Add a contact (contact_id None) or correct one, and record its consent per channel: how and when it was
    given, or that it was revoked."""
    portfolio, debtor = _debtor_for_write(request, slug, pk)
    contact = None
    if contact_id is not None:
        contact = Contact.objects.filter(debtor=debtor, pk=contact_id).first()
        if contact is None:
            raise Http404("contact not found")
    initial = {"value": contact.value, "holder_name": contact.holder_name, "city": contact.city} if contact else {}
    form = ContactForm(request.POST if request.method == "POST" and "value" in request.POST else None,
                       initial=initial, editing=contact is not None)
    today = portfolio.today()
    channels = CHANNEL_CONSENTS.get(contact.channel, []) if contact else []
    consent_form = ConsentForm(request.POST if request.method == "POST" and "status" in request.POST else None,
                               channels=channels, today=today) if contact else None
    if request.method == "POST":
        try:
            if consent_form is not None and consent_form.is_bound:
                if consent_form.is_valid():
                    d = consent_form.cleaned_data
                    consent_record(contact=contact, channel=d["channel"], status=d["status"], method=d["method"],
                                   given_on=d["given_on"], detail=d["detail"], actor=request.user, today=today)
                    messages.success(request, _("Consent recorded."))
                    return redirect(reverse("contact_edit", args=[portfolio.slug, debtor.pk, contact.pk]))
            elif form.is_bound and form.is_valid():
                d = form.cleaned_data
                saved = contact_save(debtor=debtor, contact=contact, channel=d.get("channel", ""), value=d["value"],
                                     role=d.get("role", Contact.Role.DEBTOR), holder_name=d["holder_name"],
                                     city=d["city"], actor=request.user)
                messages.success(request, _("Contact saved. Record its consent per channel below."))
                return redirect(reverse("contact_edit", args=[portfolio.slug, debtor.pk, saved.pk]))
        except NotAllowed:
            raise PermissionDenied
        except DomainError as exc:
            show_at_field(consent_form if consent_form is not None and consent_form.is_bound else form, exc)
    return render(request, "web/contact_form.html", {
        "portfolio": portfolio, "debtor": debtor, "contact": contact, "form": form, "consent_form": consent_form,
        "consents": list(contact.consents.all()) if contact else []})


@login_required
@require_http_methods(["GET", "POST"])
def obligation_dispute(request, slug, pk, obligation_id):
    """Mark one of the debtor's obligations disputed, with the reason, or clear its dispute saying how it was
    resolved (the ledger's obligation_set_dispute)."""
    portfolio, debtor = _debtor_for_write(request, slug, pk)
    obligation = Obligation.objects.filter(debtor=debtor, pk=obligation_id).first()
    if obligation is None:
        raise Http404("obligation not found")
    form = DisputeForm(request.POST or None, initial={"disputed": "0" if obligation.disputed else "1"})
    if obligation.disputed:
        form.fields["reason"].label = _("How was the dispute resolved?")
    if request.method == "POST" and domain_call(form, lambda: obligation_set_dispute(
            obligation=obligation, reason=form.cleaned_data["reason"], actor=request.user,
            disputed=(not obligation.disputed if form.cleaned_data["disputed"] is None
                      else form.cleaned_data["disputed"]))) is not FAILED:
        messages.success(request, _("Obligation %(number)s disputed.") % {"number": obligation.number}
                         if obligation.disputed else
                         _("The dispute of %(number)s is resolved.") % {"number": obligation.number})
        return _back(portfolio, debtor, "#obligations")
    if obligation.disputed:
        title, button = _("Resolve the dispute of %(number)s") % {"number": obligation.number}, _("Resolve")
        intro = _("Disputed because: %(reason)s") % {"reason": obligation.dispute_reason}
    else:
        title, button = _("Dispute %(number)s") % {"number": obligation.number}, _("Mark as disputed")
        intro = _("A disputed obligation gets no collection messages and takes no payment unless the payment "
                  "names it.")
    return _action_page(request, portfolio, debtor, form, title=title, button=button, intro=intro)


def _document_form(debtor, data=None, files=None):
    return DocumentForm(data, files, obligations=Obligation.objects.filter(debtor=debtor).order_by("due_date",
                                                                                                   "number"))


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request, slug, pk):
    portfolio, debtor = _debtor_for_write(request, slug, pk)
    form = _document_form(debtor, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if domain_call(form, lambda: document_attach(
                debtor=debtor, upload=d["file"], filename=d["file"].name, kind=d["kind"], obligation=d["obligation"],
                actor=request.user)) is not FAILED:
            messages.success(request, _("Document attached."))
            return _back(portfolio, debtor, "#documents")
    return _action_page(request, portfolio, debtor, form, title=_("Attach a document"), button=_("Attach"),
                        multipart=True)


@login_required
@require_GET
def document_download(request, slug, pk, document_id):
    """The document as an attachment, under its safe stored name (never shown inline: a hostile file cannot run in
    the page's origin)."""
    portfolio, debtor = _debtor_for_write(request, slug, pk)
    document = Document.objects.filter(debtor=debtor, pk=document_id).first()
    if document is None:
        raise Http404("document not found")
    try:
        data = document_bytes(document=document, actor=request.user)
    except NotAllowed:
        raise PermissionDenied
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def statement_send_now(request, slug, pk):
    """Enviar estado de cuenta ahora: by a channel with consent, through the compliance check and the outbox."""
    portfolio, debtor = _debtor_for_write(request, slug, pk)
    form = StatementSendForm(request.POST or None, channels=statement_channels(debtor),
                             initial={"token": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        message = domain_call(form, lambda: statement_send(
            debtor=debtor, channel=form.cleaned_data["channel"], token=form.cleaned_data["token"], actor=request.user))
        if message is not FAILED:
            if message.next_attempt_at > message.scheduled_for:
                messages.info(request, _("Statement queued to %(to)s; the contact rules let it go out on "
                                         "%(when)s.") % {"to": message.to, "when": date_local_time(
                                             message.next_attempt_at, portfolio.timezone)})
            else:
                messages.success(request, _("Statement queued to %(to)s; the outbox sends it.") % {"to": message.to})
            return _back(portfolio, debtor, "#timeline")
    intro = "" if form.fields["channel"].choices else _(
        "The debtor has no e-mail with consent: add one, or record its consent, on the contact's page.")
    return _action_page(request, portfolio, debtor, form, title=_("Send the statement of account now"),
                        button=_("Send"), intro=intro, extra={"disabled": not form.fields["channel"].choices})


def date_local_time(when, tz: str) -> str:
    return when.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M")


# ---------------------------------------------------------------------------------------------------------------
# The agreement's document, with the debtor's payment reference
# ---------------------------------------------------------------------------------------------------------------
@login_required
@require_GET
def agreement_pdf(request, slug, pk):
    portfolio, agreement = agreement_for_user_or_404(request, slug, pk)
    references = payment_references(portfolio, [agreement.debtor_id])
    reference = references.of_debtor(agreement.debtor_id)
    if reference and agreement.debtor_id in references.by_id_number and role_in(request.user, portfolio) == Role.VIEWER:
        reference = mask_id(reference)
    if masks_personal_data(request.user, portfolio):
        mask_debtor(agreement.debtor)  # viewers: the ID masked in the agreement's PDF too
    language = request.GET.get("lang") or agreement.language
    data = render_agreement_pdf(agreement, "en" if language.startswith("en") else "es", payment_reference=reference)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="acuerdo-{agreement.number}.pdf"'
    return response
