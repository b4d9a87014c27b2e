"""The debtor's action pages in the portal (issue 16 §2-§3): promise to pay, dispute an obligation, upload a
transfer receipt, personal data requests (habeas data), certificates, rating, contact preferences, payment plans.
Thin: parse the form, one domain service (docs/portal-actions.md) with the debtor's portal actor label, a DomainError
shown at its field, NotAllowed -> 403. Objects are fetched through the signed-in debtor only."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_http_methods

from recaudo.agreements.pdf import render_agreement_pdf
from recaudo.agreements.selectors import debtor_self_proposals
from recaudo.agreements.services.selfservice import (
    self_offer_accept,
    self_plan_offers,
    self_plan_propose,
    self_promise_record,
    self_promise_window_for,
)
from recaudo.audit.services import portal_actor
from recaudo.banking.selectors import debtor_transfer_receipts, payment_references
from recaudo.banking.services import transfer_receipt_submit
from recaudo.certificates.models import CertificateKind
from recaudo.certificates.pdf import render_certificate_pdf
from recaudo.certificates.selectors import certificate_verify_url, debtor_certificates, issues_debt_certificates
from recaudo.certificates.services import certificate_issue, debt_certificate_issue
from recaudo.core.errors import FAILED, domain_call
from recaudo.ledger.services import debtor_dispute_file
from recaudo.portfolio.services import contact_preferences_set, debtor_consent_revoke, service_rating_add
from recaudo.privacy.selectors_requests import debtor_habeas_requests
from recaudo.privacy.services_requests import habeas_request_file

from . import services
from .access import address_of, portal_page
from .forms import (
    PLAN_TEXT_VERSION,
    DisputeForm,
    HabeasForm,
    OfferAcceptForm,
    PlanForm,
    PreferencesForm,
    PromiseForm,
    RatingForm,
    ReceiptForm,
    RevokeForm,
)
from .selectors import (
    acceptable_offer,
    acceptable_offers,
    contact_preference,
    debtor_agreement,
    debtor_certificate,
    own_obligations,
)


def _page(request, template, context, form):
    session = request.portal
    status = 400 if request.method == "POST" and form is not None and form.errors else 200
    return render(request, template, {"portfolio": session.portfolio, "debtor": session.debtor, "form": form,
                                      **context}, status=status)


@portal_page
@require_http_methods(["GET", "POST"])
def promise(request, slug):
    """Promise to pay: a date and an amount within the creditor's policy (self_promise_window_for)."""
    session = request.portal
    window = self_promise_window_for(portfolio=session.portfolio, debtor=session.debtor)
    form = PromiseForm(request.POST or None)
    done = None
    if request.method == "POST":
        done = domain_call(form, lambda: self_promise_record(
            portfolio=session.portfolio, debtor=session.debtor, amount=form.cleaned_data["amount"],
            due_date=form.cleaned_data["due_date"], actor=portal_actor(session.debtor.pk), channel="portal"))
        done = None if done is FAILED else done
    return _page(request, "portal/promise.html", {"window": window, "done": done,
                                                  "today": session.portfolio.today(timezone.now())}, form)


@portal_page
@require_http_methods(["GET", "POST"])
def dispute(request, slug):
    """Dispute one of the debtor's own obligations with a reason and an optional document."""
    session = request.portal
    obligations = own_obligations(session.debtor, disputable=True)
    form = DisputeForm(request.POST or None, request.FILES or None, obligations=obligations)
    by_id = {o.pk: o for o in obligations}  # the form's choices: only the debtor's own
    done = None
    if request.method == "POST":
        done = domain_call(form, lambda: debtor_dispute_file(
            obligation=by_id[form.cleaned_data["obligation"]], reason=form.cleaned_data["reason"],
            actor=portal_actor(session.debtor.pk), attachment=form.cleaned_data["file"],
            filename=getattr(form.cleaned_data["file"], "name", "")))
        done = None if done is FAILED else done
        if done is not None:
            obligations = own_obligations(session.debtor, disputable=True)
            form = DisputeForm(obligations=obligations)
    disputed = [o for o in own_obligations(session.debtor) if o.disputed]
    return _page(request, "portal/dispute.html", {"obligations": obligations, "done": done,
                                                  "disputed": disputed}, form)


@portal_page
@require_http_methods(["GET", "POST"])
def receipt(request, slug):
    """Upload the receipt of a bank transfer; the office verifies it. The debtor's receipts and their status."""
    session = request.portal
    form = ReceiptForm(request.POST or None, request.FILES or None)
    done = None
    if request.method == "POST":
        done = domain_call(form, lambda: transfer_receipt_submit(
            portfolio=session.portfolio, debtor=session.debtor, amount=form.cleaned_data["amount"],
            paid_on=form.cleaned_data["paid_on"], file=form.cleaned_data["file"],
            filename=form.cleaned_data["file"].name, reference=form.cleaned_data["reference"],
            actor=portal_actor(session.debtor.pk)))
        done = None if done is FAILED else done
        if done is not None:
            form = ReceiptForm()
    return _page(request, "portal/receipt.html", {"done": done,
                                                  "receipts": debtor_transfer_receipts(session.debtor)}, form)


@portal_page
@require_http_methods(["GET", "POST"])
def habeas(request, slug):
    """Habeas data (Ley 1581 de 2012): file a consultation or a claim; the debtor's requests with status, due date
    and the answer."""
    session = request.portal
    form = HabeasForm(request.POST or None, request.FILES or None)
    done = None
    if request.method == "POST":
        done = domain_call(form, lambda: habeas_request_file(
            debtor=session.debtor, kind=form.cleaned_data["kind"], channel="portal", text=form.cleaned_data["text"],
            actor=portal_actor(session.debtor.pk), attachment=form.cleaned_data["file"],
            attachment_name=getattr(form.cleaned_data["file"], "name", "")))
        done = None if done is FAILED else done
        if done is not None:
            form = HabeasForm()
    today = session.portfolio.today(timezone.now())
    return _page(request, "portal/habeas.html", {"done": done,
                                                 "requests": debtor_habeas_requests(session.debtor, today=today)},
                 form)


@portal_page
@require_http_methods(["GET", "POST"])
def certificates(request, slug):
    """Paz y salvo: issued when the debtor owes nothing (certificate_issue refuses, saying what is owed,
    otherwise). GET ?pdf=<id> downloads one of the debtor's own certificates."""
    session = request.portal
    raw = request.GET.get("pdf", "")
    if raw:
        certificate = debtor_certificate(session.debtor, int(raw)) if raw.isdigit() and len(raw) < 19 else None
        if certificate is None:
            raise Http404("no such certificate")
        return _certificate_pdf(request, certificate)
    form = forms.Form(request.POST) if request.method == "POST" else None  # no fields: the refusal shows above
    debt_offered = issues_debt_certificates(session.portfolio)
    done = None
    if form is not None:
        actor = portal_actor(session.debtor.pk)
        if request.POST.get("op") == "debt" and debt_offered:  # the certificate of debt (Ley 675 art. 48)
            done = domain_call(form, lambda: debt_certificate_issue(debtor=session.debtor, actor=actor))
        else:
            done = domain_call(form, lambda: certificate_issue(debtor=session.debtor, actor=actor))
        done = None if done is FAILED else done
    return _page(request, "portal/certificates.html", {"done": done, "debt_offered": debt_offered,
                                                       "certificates": debtor_certificates(session.debtor)}, form)


def _certificate_pdf(request, certificate) -> HttpResponse:
    url = certificate_verify_url(certificate, request.build_absolute_uri("/"))
    response = HttpResponse(render_certificate_pdf(certificate, verify_url=url), content_type="application/pdf")
    name = "paz-y-salvo" if certificate.kind == CertificateKind.NO_DEBT else "certificado-deuda"
    response["Content-Disposition"] = f'attachment; filename="{name}-{certificate.label}.pdf"'
    return response


@portal_page
@require_http_methods(["GET", "POST"])
def rating(request, slug):
    """Rate the service 1-5 with a comment, after an action (?accion=promise, dispute, receipt...)."""
    session = request.portal
    action = (request.POST.get("action") or request.GET.get("accion") or "other")[:20]
    form = RatingForm(request.POST or None, initial={"action": action})
    done = None
    if request.method == "POST":
        done = domain_call(form, lambda: service_rating_add(
            debtor=session.debtor, score=form.cleaned_data["score"], action=form.cleaned_data["action"] or "other",
            comment=form.cleaned_data["comment"], actor=portal_actor(session.debtor.pk)))
        done = None if done is FAILED else done
    return _page(request, "portal/rating.html", {"done": done}, form)


@portal_page
@require_http_methods(["GET", "POST"])
def preferences(request, slug):
    """Ley 2300 de 2023: the channels and hours the debtor wants to be contacted on; withdrawing consent on one
    channel or all. Two forms, told apart by the button pressed (op)."""
    session = request.portal
    current = contact_preference(session.debtor)
    op = request.POST.get("op", "set") if request.method == "POST" else ""
    initial = ({"channels": current.channels, "hours_from": current.hours_from.strftime("%H:%M")
                if current.hours_from else "", "hours_to": current.hours_to.strftime("%H:%M")
                if current.hours_to else ""} if current else {})
    form = PreferencesForm(request.POST if op == "set" else None, initial=initial)
    revoke = RevokeForm(request.POST if op == "revoke" else None)
    actor = portal_actor(session.debtor.pk)
    result = FAILED
    if op == "set":
        result = domain_call(form, lambda: contact_preferences_set(
            debtor=session.debtor, channels=form.cleaned_data["channels"], hours_from=form.cleaned_data["hours_from"],
            hours_to=form.cleaned_data["hours_to"], actor=actor))
    elif op == "revoke":
        result = domain_call(revoke, lambda: debtor_consent_revoke(
            debtor=session.debtor, channel=revoke.cleaned_data["channel"] or None, actor=actor))
    done = op if result is not FAILED else ""
    failed = request.method == "POST" and not done
    return render(request, "portal/preferences.html", {
        "portfolio": session.portfolio, "debtor": session.debtor, "form": form, "revoke": revoke, "done": done,
        "current": contact_preference(session.debtor)}, status=400 if failed else 200)


def _plan_text(installments, down_payment, currency) -> str:
    """The terms the debtor accepts with the checkbox, kept whole (and hashed) as the acceptance's evidence."""
    return gettext(
        "Payment agreement proposed in the debtor portal: a down payment of %(down)s %(currency)s today and "
        "%(n)s monthly installments from one month after today, on the dates of the schedule the creditor sends. "
        "Missing an installment may end the agreement and the whole balance may be collected. "
        "I accept these terms.") % {"down": down_payment if down_payment is not None else "0",
                                    "currency": currency, "n": installments}


@portal_page
@require_http_methods(["GET", "POST"])
def plan(request, slug):
    """Propose a payment plan: the plans the debtor may accept alone (self_plan_offers); accepting one with the
    checkbox creates the agreement with its evidence; anything beyond the limits goes to the approvals queue."""
    session = request.portal
    today = session.portfolio.today(timezone.now())
    offers = self_plan_offers(portfolio=session.portfolio, debtor=session.debtor)
    accepting = request.method == "POST" and request.POST.get("op") == "accept"
    form = PlanForm(request.POST if request.method == "POST" and not accepting else None)
    accept_form = OfferAcceptForm(request.POST if accepting else None)
    result = None
    if accepting:
        result = domain_call(accept_form, lambda: _offer_accept(request, accept_form.cleaned_data, today))
        result = None if result is FAILED else result
    elif request.method == "POST":
        result = domain_call(form, lambda: self_plan_propose(
            portfolio=session.portfolio, debtor=session.debtor, installments=form.cleaned_data["installments"],
            down_payment=form.cleaned_data["down_payment"], actor=portal_actor(session.debtor.pk),
            accepted=form.cleaned_data["checkbox"],
            text=_plan_text(form.cleaned_data["installments"], form.cleaned_data["down_payment"],
                            session.portfolio.currency),
            text_version=PLAN_TEXT_VERSION, client_address=address_of(request)))
        result = None if result is FAILED else result
    failed = request.method == "POST" and (accept_form.errors or form.errors)
    return render(request, "portal/plan.html", {
        "portfolio": session.portfolio, "debtor": session.debtor, "form": form, "accept_form": accept_form,
        "offers": offers, "result": result, "proposals": debtor_self_proposals(session.debtor),
        "approved": [(o, _offer_text(o, session.portfolio.currency))
                     for o in acceptable_offers(session.debtor, today)]},
        status=400 if failed else 200)


OFFER_TEXT_VERSION = "portal-offer-1"


def _offer_accept(request, data, today):
    """self_offer_accept on the signed-in debtor's approved proposal `data["offer"]` (any other id: refused at the
    form's offer field), with the terms the page showed as the evidence text."""
    session = request.portal
    offer = acceptable_offer(session.debtor, data["offer"], today)
    if offer is None:
        raise services.PortalError(gettext("This proposal is not available to accept."), field="offer")
    return self_offer_accept(offer=offer, debtor=session.debtor, actor=portal_actor(session.debtor.pk),
                             accepted=data["checkbox"], text=_offer_text(offer, session.portfolio.currency),
                             text_version=OFFER_TEXT_VERSION, client_address=address_of(request))


def _offer_text(offer, currency) -> str:
    """The terms of an approved proposal the debtor accepts with the checkbox (kept whole and hashed)."""
    params = offer.params or {}
    return gettext(
        "Payment agreement approved by the creditor on the debtor's proposal no. %(offer)s: a down payment of "
        "%(down)s %(currency)s today and %(n)s monthly installments from %(first)s, on the dates of the schedule "
        "the creditor sends. Missing an installment may end the agreement and the whole balance may be collected. "
        "I accept these terms.") % {"offer": offer.pk, "down": params.get("down_payment") or "0",
                                    "currency": currency, "n": params.get("installments") or offer.installments,
                                    "first": params.get("first_due", "")}


@portal_page
@require_http_methods(["GET"])
def agreement_pdf(request, slug, pk):
    """The PDF of one of the debtor's own accepted agreements (not those they are only co-debtor or guarantor of:
    it names the debtor who signed it); any other id answers 404."""
    session = request.portal
    agreement = debtor_agreement(session.debtor, pk)
    if agreement is None:
        raise Http404("no such agreement")
    services.download_record(session=session, document="agreement", subject=agreement)
    reference = payment_references(session.portfolio, [session.debtor.pk]).of_debtor(session.debtor.pk)
    language = "en" if (get_language() or "es").startswith("en") else "es"
    response = HttpResponse(render_agreement_pdf(agreement, language, payment_reference=reference),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="acuerdo-{agreement.number or agreement.pk}.pdf"'
    return response
