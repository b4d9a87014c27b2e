"""The debtor's action pages (issue 16 §2): promise to pay, dispute, transfer receipt. Each calls one domain service
with the debtor's portal label as actor, shows a DomainError at its field in Spanish and never touches another
debtor's objects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from recaudo.agreements.models import Promise
from recaudo.audit.models import AuditEvent
from recaudo.audit.services import portal_actor
from recaudo.banking.models import TransferReceipt
from recaudo.demo.testing import make_debtor, make_luz, make_obligation
from recaudo.portfolio.models import Document, ObligationParty
from recaudo.portfolio.services import contact_add

from .test_portal import sign_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def luz(portfolio):
    return make_luz(portfolio)


@pytest.fixture
def pedro(portfolio):
    pedro = make_debtor(portfolio, code="C900", name="Pedro Secreto", id_type="CC", id_number="80111222")
    contact_add(debtor=pedro, channel="phone", value="310 555 0101", consent="granted", consent_source="contrato")
    make_obligation(portfolio, pedro, number="SECRETO-1", amount="900000")
    return pedro


def url(name, portfolio):
    return reverse(name, args=[portfolio.slug])


def test_the_home_page_links_the_built_actions(client, portfolio, luz):
    sign_in(client, portfolio)
    page = client.get(url("portal_home", portfolio)).content.decode()
    for name in ("portal_promise", "portal_dispute", "portal_receipt"):
        assert url(name, portfolio) in page


def test_without_a_least_amount_the_promise_page_does_not_offer_zero(client, portfolio):
    """Nothing overdue and no minimum: the window's least amount is 0, which the form refuses ("debe ser mayor que
    cero"); the page said "un valor entre 0,00 y ..."."""
    ana = make_debtor(portfolio, code="C777", name="Ana Al Día", id_type="CC", id_number="70111222")
    contact_add(debtor=ana, channel="phone", value="310 555 0177", consent="granted", consent_source="contrato")
    today = portfolio.today(timezone.now())
    make_obligation(portfolio, ana, number="AL-DIA-1", amount="300000", issue=today, due=today + timedelta(days=60))
    sign_in(client, portfolio, identifier="70111222")
    body = client.get(url("portal_promise", portfolio), HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "entre 0,00" not in body and "un valor de hasta 300.000,00 COP" in body, body


def test_a_promise_within_the_window_is_recorded_and_outside_it_is_refused_at_the_field(client, portfolio, luz):
    sign_in(client, portfolio)
    today = portfolio.today(timezone.now())
    page = client.get(url("portal_promise", portfolio))
    body = page.content.decode()
    assert page.status_code == 200 and 'id="promise-window"' in body
    assert '<label for="id_due_date">' in body and '<label for="id_amount">' in body
    # overdue 1.000.000,00: at least 10 % = 100.000,00, by today + 30 days
    low = client.post(url("portal_promise", portfolio), {"due_date": (today + timedelta(days=5)).isoformat(),
                                                          "amount": "50000"})
    assert low.status_code == 400 and "id_amount-error" in low.content.decode()
    junk = client.post(url("portal_promise", portfolio), {"due_date": "mañana", "amount": "cien mil"})
    assert junk.status_code == 400 and "id_amount-error" in junk.content.decode()
    assert "al menos" in low.content.decode()
    late = client.post(url("portal_promise", portfolio), {"due_date": (today + timedelta(days=31)).isoformat(),
                                                           "amount": "100000"})
    assert late.status_code == 400 and "id_due_date-error" in late.content.decode()
    assert not Promise.objects.exists()
    ok = client.post(url("portal_promise", portfolio), {"due_date": (today + timedelta(days=30)).isoformat(),
                                                         "amount": "100.000"})
    assert ok.status_code == 200 and 'id="promise-done"' in ok.content.decode()
    promise = Promise.objects.get()
    assert promise.debtor == luz and promise.amount_minor == 10_000_000 and promise.source == "debtor"
    assert AuditEvent.objects.filter(event_type="promise.self_service", actor_label=portal_actor(luz.pk)).exists()


def test_a_dispute_takes_only_the_debtors_own_obligations(client, portfolio, luz, pedro):
    owner = make_debtor(portfolio, code="C200", name="Pedro Gómez")
    bound = make_obligation(portfolio, owner, number="F-200", amount="500000")
    ObligationParty.objects.create(obligation=bound, debtor=luz, role="co_debtor")
    theirs = pedro.obligations.get()
    sign_in(client, portfolio)
    page = client.get(url("portal_dispute", portfolio)).content.decode()
    assert "F-100" in page and "SECRETO" not in page and "F-200" not in page
    for foreign in (theirs, bound):
        response = client.post(url("portal_dispute", portfolio), {"obligation": str(foreign.pk), "reason": "no"})
        assert response.status_code == 400 and "id_obligation-error" in response.content.decode()
    theirs.refresh_from_db()
    bound.refresh_from_db()
    assert not theirs.disputed and not bound.disputed
    mine = luz.obligations.get()
    bad = client.post(url("portal_dispute", portfolio), {
        "obligation": str(mine.pk), "reason": "No reconozco esta factura",
        "file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")})
    assert bad.status_code == 400 and "id_file-error" in bad.content.decode()
    mine.refresh_from_db()
    assert not mine.disputed  # all or nothing
    ok = client.post(url("portal_dispute", portfolio), {
        "obligation": str(mine.pk), "reason": "<b>No reconozco</b> esta factura",
        "file": SimpleUploadedFile("soporte.pdf", PDF, content_type="application/pdf")})
    body = ok.content.decode()
    assert ok.status_code == 200 and 'id="dispute-done"' in body
    assert "&lt;b&gt;No reconozco&lt;/b&gt;" in body and "<b>No reconozco" not in body
    mine.refresh_from_db()
    assert mine.disputed and Document.objects.filter(obligation=mine).exists()
    assert AuditEvent.objects.filter(event_type="obligation.disputed_by_debtor",
                                     actor_label=portal_actor(luz.pk)).exists()


def test_a_transfer_receipt_is_uploaded_and_listed_with_its_status(client, portfolio, luz, pedro):
    sign_in(client, portfolio)
    today = portfolio.today(timezone.now())
    empty = client.get(url("portal_receipt", portfolio))
    assert empty.status_code == 200 and '<label for="id_file">' in empty.content.decode()
    future = client.post(url("portal_receipt", portfolio), {
        "amount": "250000", "paid_on": (today + timedelta(days=1)).isoformat(), "reference": "T-1",
        "file": SimpleUploadedFile("c.png", PNG, content_type="image/png")})
    assert future.status_code == 400 and "id_paid_on-error" in future.content.decode()
    ok = client.post(url("portal_receipt", portfolio), {
        "amount": "250.000", "paid_on": today.isoformat(), "reference": "<script>x</script>",
        "file": SimpleUploadedFile("c.png", PNG, content_type="image/png")})
    body = ok.content.decode()
    assert ok.status_code == 200 and 'id="receipt-done"' in body and "Por verificar" in body
    assert "<script>x" not in body and "&lt;script&gt;x" in body
    receipt = TransferReceipt.objects.get()
    assert receipt.debtor == luz and receipt.amount_minor == 25_000_000 and receipt.submitted_by == portal_actor(luz.pk)
    # Pedro sees none of Luz's receipts
    client.cookies.clear()
    sign_in(client, portfolio, "80111222")
    assert "&lt;script&gt;x" not in client.get(url("portal_receipt", portfolio)).content.decode()


def test_a_habeas_request_is_filed_and_listed_with_its_due_date(client, portfolio, luz, pedro):
    from recaudo.privacy.models import HabeasRequest

    sign_in(client, portfolio)
    page = client.get(url("portal_habeas", portfolio))
    assert page.status_code == 200 and '<label for="id_text">' in page.content.decode()
    empty = client.post(url("portal_habeas", portfolio), {"kind": "reclamo", "text": ""})
    assert empty.status_code == 400 and "id_text-error" in empty.content.decode()
    odd = client.post(url("portal_habeas", portfolio), {"kind": "borrar-todo", "text": "x"})
    assert odd.status_code == 400 and "id_kind-error" in odd.content.decode()
    ok = client.post(url("portal_habeas", portfolio), {"kind": "reclamo", "text": "Corrijan mi <i>dirección</i>"})
    body = ok.content.decode()
    assert ok.status_code == 200 and 'id="habeas-done"' in body and "<i>" not in body
    request = HabeasRequest.objects.get()
    assert request.debtor == luz and request.channel == "portal" and request.filed_by == portal_actor(luz.pk)
    assert request.due_on.strftime("%Y") in body and "Reclamo" in body
    client.cookies.clear()
    sign_in(client, portfolio, "80111222")
    assert "Corrijan" not in client.get(url("portal_habeas", portfolio)).content.decode()


def test_a_paz_y_salvo_only_when_nothing_is_owed_and_only_ones_own_pdf(client, portfolio, luz, pedro):
    from decimal import Decimal

    from recaudo.agreements.services.payments import payment_receive
    from recaudo.certificates.models import Certificate

    sign_in(client, portfolio)
    refused = client.post(url("portal_certificates", portfolio))
    assert refused.status_code == 400 and 'id="certificate-error"' in refused.content.decode()
    assert "F-100" in refused.content.decode() and not Certificate.objects.exists()
    payment_receive(portfolio=portfolio, debtor=luz, amount=Decimal("1000000"), date=luz.obligations.get().due_date,
                    source_ref="pay-luz")
    ok = client.post(url("portal_certificates", portfolio))
    assert ok.status_code == 200 and 'id="certificate-done"' in ok.content.decode()
    certificate = Certificate.objects.get()
    assert certificate.debtor == luz
    pdf = client.get(url("portal_certificates", portfolio) + f"?pdf={certificate.pk}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    for junk in ("abc", "99999999999999999999999", str(certificate.pk + 1)):
        assert client.get(url("portal_certificates", portfolio) + f"?pdf={junk}").status_code == 404
    client.cookies.clear()
    sign_in(client, portfolio, "80111222")  # Pedro: Luz's certificate is not his
    assert client.get(url("portal_certificates", portfolio) + f"?pdf={certificate.pk}").status_code == 404
    assert certificate.label not in client.get(url("portal_certificates", portfolio)).content.decode()


def test_rating_after_an_action(client, portfolio, luz):
    from recaudo.portfolio.models import ServiceRating

    sign_in(client, portfolio)
    page = client.get(url("portal_rating", portfolio) + "?accion=promise")
    assert page.status_code == 200 and 'value="promise"' in page.content.decode()
    bad = client.post(url("portal_rating", portfolio), {"score": "9", "action": "promise"})
    assert bad.status_code == 400 and "id_score-error" in bad.content.decode()
    unknown = client.post(url("portal_rating", portfolio), {"score": "4", "action": "hack"})
    assert unknown.status_code == 400 and not ServiceRating.objects.exists()
    ok = client.post(url("portal_rating", portfolio), {"score": "4", "action": "promise", "comment": "Fácil"})
    assert ok.status_code == 200 and 'id="rating-done"' in ok.content.decode()
    rating = ServiceRating.objects.get()
    assert (rating.debtor, rating.score, rating.action, rating.comment) == (luz, 4, "promise", "Fácil")


def test_contact_preferences_and_withdrawing_consent(client, portfolio, luz):
    from recaudo.portfolio.models import Consent, ContactPreference

    sign_in(client, portfolio)
    page = client.get(url("portal_preferences", portfolio))
    assert page.status_code == 200 and '<label for="id_hours_from">' in page.content.decode()
    half = client.post(url("portal_preferences", portfolio), {"op": "set", "channels": ["sms"],
                                                               "hours_from": "09:00"})
    assert half.status_code == 400 and "id_hours_from-error" in half.content.decode()
    ok = client.post(url("portal_preferences", portfolio), {"op": "set", "channels": ["sms", "email"],
                                                             "hours_from": "09:00", "hours_to": "12:00"})
    assert ok.status_code == 200 and 'id="preferences-done"' in ok.content.decode()
    pref = ContactPreference.objects.get(debtor=luz)
    assert pref.channels == ["sms", "email"] and pref.hours_from.hour == 9 and pref.hours_to.hour == 12
    revoked = client.post(url("portal_preferences", portfolio), {"op": "revoke", "channel": "email"})
    assert revoked.status_code == 200 and 'id="revoke-done"' in revoked.content.decode()
    assert Consent.objects.filter(contact__debtor=luz, channel="email", status="revoked").exists()
    assert Consent.objects.filter(contact__debtor=luz, channel="sms", status="granted").exists()


def test_a_plan_within_the_limits_is_accepted_with_evidence_and_beyond_goes_to_approval(client, portfolio, luz):
    from recaudo.agreements.models import Acceptance

    sign_in(client, portfolio)
    page = client.get(url("portal_plan", portfolio))
    body = page.content.decode()
    # debt 1.000.000,00: down payment 10 % = 100.000,00, offers of 1 to 6 installments
    assert page.status_code == 200 and 'id="offers"' in body and "100.000,00" in body
    unchecked = client.post(url("portal_plan", portfolio), {"installments": "6", "down_payment": "100.000"})
    assert unchecked.status_code == 400 and "id_checkbox-error" in unchecked.content.decode()
    ok = client.post(url("portal_plan", portfolio), {"installments": "6", "down_payment": "100.000",
                                                     "checkbox": "on"})
    assert ok.status_code == 200 and 'id="plan-accepted"' in ok.content.decode()
    acceptance = Acceptance.objects.get()
    assert acceptance.text_version == "portal-plan-1" and len(acceptance.text_sha256) == 64
    assert acceptance.client_address


def test_a_plan_beyond_the_limits_goes_to_the_approvals_queue(client, portfolio, luz):
    from recaudo.agreements.models import Offer

    sign_in(client, portfolio)
    beyond = client.post(url("portal_plan", portfolio), {"installments": "24", "down_payment": "0",
                                                         "checkbox": "on"})
    assert beyond.status_code == 200 and 'id="plan-pending"' in beyond.content.decode()
    offer = Offer.objects.get()
    assert offer.status == "pending_approval" and offer.debtor == luz and offer.requested_role == "debtor"
    assert 'id="proposals"' in client.get(url("portal_plan", portfolio)).content.decode()


def _proposal_approved(client, portfolio, luz, installments="12"):
    """Luz proposes 12 installments with no down payment (beyond the limits) and a supervisor approves it."""
    from recaudo.agreements.models import Offer
    from recaudo.agreements.services.offers import offer_decide
    from recaudo.demo.testing import make_user

    response = client.post(url("portal_plan", portfolio), {"installments": installments, "down_payment": "0"})
    assert 'id="plan-pending"' in response.content.decode()
    offer = Offer.objects.get(debtor=luz, status="pending_approval")
    supervisor = make_user("sofia", portfolio, role="supervisor")
    return offer_decide(offer=offer, decision="approve", reason="", actor=supervisor)


def test_an_approved_proposal_is_accepted_with_the_checkbox_and_its_pdf_downloads(client, portfolio, luz, pedro):
    from recaudo.agreements.models import Acceptance, Agreement

    sign_in(client, portfolio)
    offer = _proposal_approved(client, portfolio, luz)
    assert offer.status == "approved"
    page = client.get(url("portal_plan", portfolio)).content.decode()
    assert 'id="approved"' in page and f'id="accept-{offer.pk}"' in page and "12 cuotas mensuales" in page
    # without the checkbox: refused at the field, nothing accepted
    unchecked = client.post(url("portal_plan", portfolio), {"op": "accept", "offer": offer.pk})
    assert unchecked.status_code == 400 and "id_checkbox-error" in unchecked.content.decode()
    assert not Agreement.objects.exists()
    # an id that is not one of the debtor's approved proposals: refused at the offer, nothing accepted
    junk = client.post(url("portal_plan", portfolio), {"op": "accept", "offer": offer.pk + 1000, "checkbox": "on"})
    assert junk.status_code == 400 and "id_offer-error" in junk.content.decode()
    ok = client.post(url("portal_plan", portfolio), {"op": "accept", "offer": offer.pk, "checkbox": "on"})
    body = ok.content.decode()
    assert ok.status_code == 200 and 'id="plan-accepted"' in body and 'id="agreement-pdf"' in body
    offer.refresh_from_db()
    agreement = offer.agreement
    assert offer.status == "accepted" and agreement.status == "accepted" and agreement.debtor == luz
    acceptance = Acceptance.objects.get(agreement=agreement)
    assert acceptance.channel == "portal_checkbox" and acceptance.text_version == "portal-offer-1"
    assert len(acceptance.text_sha256) == 64 and acceptance.client_address
    assert f"n.º {offer.pk}" in acceptance.evidence_text and "12 cuotas mensuales" in acceptance.evidence_text
    assert AuditEvent.objects.filter(event_type="agreement.self_service_accepted",
                                     actor_label=portal_actor(luz.pk)).exists()
    # accepted once: the proposal is no longer offered, and accepting it again is refused
    assert f'id="accept-{offer.pk}"' not in client.get(url("portal_plan", portfolio)).content.decode()
    again = client.post(url("portal_plan", portfolio), {"op": "accept", "offer": offer.pk, "checkbox": "on"})
    assert again.status_code == 400
    # the PDF: linked from the home page, downloadable, on the record
    pdf_url = reverse("portal_agreement_pdf", args=[portfolio.slug, agreement.pk])
    assert pdf_url in client.get(url("portal_home", portfolio)).content.decode()
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    assert AuditEvent.objects.filter(event_type="portal.download", changes__document="agreement").exists()


def test_the_agreement_pdf_is_only_the_debtors_own(client, portfolio, luz, pedro):
    """Another debtor's agreement, and one the debtor is only co-debtor of, answer 404 (the PDF names its
    debtor); a draft is not a signed agreement."""
    from recaudo.agreements.models import Agreement
    from recaudo.agreements.services.plans import agreement_create

    first = portfolio.today() + timedelta(days=30)
    pedros = agreement_create(portfolio=portfolio, debtor=pedro, obligations=list(pedro.obligations.all()),
                              installments=2, first_due=first, actor=None)
    Agreement.objects.filter(pk=pedros.pk).update(status="accepted")
    ObligationParty.objects.create(obligation=pedro.obligations.get(), debtor=luz, role="co_debtor")
    draft = agreement_create(portfolio=portfolio, debtor=luz, obligations=list(luz.obligations.all()),
                             installments=2, first_due=first, actor=None)
    sign_in(client, portfolio)
    for pk in (pedros.pk, draft.pk, 10**9):
        assert client.get(reverse("portal_agreement_pdf", args=[portfolio.slug, pk])).status_code == 404


def test_a_supervisors_counter_offer_to_a_proposal_is_accepted_in_the_portal(client, portfolio, luz):
    from recaudo.agreements.models import Offer
    from recaudo.agreements.services.offers import offer_decide
    from recaudo.demo.testing import make_user

    sign_in(client, portfolio)
    client.post(url("portal_plan", portfolio), {"installments": "12", "down_payment": "0"})
    proposal = Offer.objects.get(debtor=luz)
    supervisor = make_user("sofia", portfolio, role="supervisor")
    counter = offer_decide(offer=proposal, decision="counter", reason="Mejor 10 cuotas", actor=supervisor,
                           counter_params={"installments": 10})
    assert counter.status == "approved" and counter.counter_of == proposal
    page = client.get(url("portal_plan", portfolio)).content.decode()
    assert f'id="accept-{counter.pk}"' in page and f'id="accept-{proposal.pk}"' not in page
    ok = client.post(url("portal_plan", portfolio), {"op": "accept", "offer": counter.pk, "checkbox": "on"})
    assert ok.status_code == 200 and 'id="plan-accepted"' in ok.content.decode()
    counter.refresh_from_db()
    assert counter.status == "accepted" and counter.agreement.debtor == luz and counter.params["installments"] == 10


def test_a_building_offers_the_certificate_of_debt_in_the_portal(client, portfolio, luz):
    from recaudo.certificates.models import Certificate

    sign_in(client, portfolio)
    page = client.get(url("portal_certificates", portfolio)).content.decode()
    assert 'id="debt-form"' not in page  # not a building: no NIT and legal representative
    assert url("portal_certificates", portfolio) in client.get(url("portal_home", portfolio)).content.decode()
    portfolio.creditor_nit, portfolio.legal_representative = "900123456-7", "Marta Gómez"
    portfolio.save()
    page = client.get(url("portal_certificates", portfolio)).content.decode()
    assert 'id="debt-form"' in page
    done = client.post(url("portal_certificates", portfolio), {"op": "debt"})
    assert done.status_code == 200 and 'id="certificate-done"' in done.content.decode()
    certificate = Certificate.objects.get(debtor=luz, kind="debt")
    assert certificate.content["totals"]["principal_minor"] == 100_000_000
    pdf = client.get(url("portal_certificates", portfolio) + f"?pdf={certificate.pk}")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    # a paz y salvo is refused: she owes
    refused = client.post(url("portal_certificates", portfolio), {"op": "no_debt"})
    assert refused.status_code == 400 and 'id="certificate-error"' in refused.content.decode()
