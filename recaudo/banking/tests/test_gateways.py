"""Payment links and gateway notifications (issue 15 §4), against local servers that speak Wompi's and Mercado
Pago's shapes: signature vectors, links, and every path a notification can take."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recaudo.audit.models import AuditEvent
from recaudo.banking.gateways import mercadopago, wompi
from recaudo.banking.gateways.base import Incoming
from recaudo.banking.models import GatewayNotification, PaymentLink
from recaudo.banking.services_gateways import gateway_account_save, payment_link_create, payment_links_expire
from recaudo.banking.tests.fake_gateways import FakeMercadoPago, FakeWompi
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Obligation

pytestmark = pytest.mark.django_db


# --- signature worked examples (no database) ---------------------------------------------------------------------

def test_wompi_checksum_worked_example():
    """The values of Wompi's documented event: transaction.id 1234-1610641025-49201, status APPROVED,
    amount_in_cents 4490000, timestamp 1530291411, events secret prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z:
    SHA-256 of "1234-1610641025-49201APPROVED44900001530291411prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z"."""
    event = {"event": "transaction.updated",
             "data": {"transaction": {"id": "1234-1610641025-49201", "status": "APPROVED",
                                      "amount_in_cents": 4490000}},
             "signature": {"properties": ["transaction.id", "transaction.status", "transaction.amount_in_cents"]},
             "timestamp": 1530291411}
    assert wompi.checksum(event, "prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z") == (
        "5A18EC5E8FDB7DF463E9F94774CBA8F583BA21BD04A09CEFF2EA68A4BC0AEFBE")
    # the properties are read from the event, in its order: another order is another checksum
    event["signature"]["properties"] = ["transaction.status", "transaction.id", "transaction.amount_in_cents"]
    assert wompi.checksum(event, "prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z") != (
        "5A18EC5E8FDB7DF463E9F94774CBA8F583BA21BD04A09CEFF2EA68A4BC0AEFBE")


def test_mercadopago_signature_worked_example():
    """Manifest id:{data.id};request-id:{x-request-id};ts:{ts}; HMAC-SHA256 with the webhook secret."""
    text = mercadopago.manifest("123456789", "bb56a2f1-6aae-46ac-982e-9dcd3581d08e", "1742505638683")
    assert text == "id:123456789;request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1742505638683;"
    assert mercadopago.signature("your_secret_key_here", "123456789", "bb56a2f1-6aae-46ac-982e-9dcd3581d08e",
                                 "1742505638683") == (
        "8f5b0160a88a31e68b51397bdbaab3a93893775bfb01d6c5337459b3f115c4d9")
    # an alphanumeric data.id is lower-cased; an absent part is left out
    assert mercadopago.manifest("ABC123DEF", "r-1", "1700000000") == "id:abc123def;request-id:r-1;ts:1700000000;"
    assert mercadopago.signature("mp-secret", "ABC123DEF", "r-1", "1700000000") == (
        "aac1dc6303cdcb035bc868f675c53dbb71783c2c0c5f159f27227a27b285dde3")
    assert mercadopago.manifest("123", "", "1700000000") == "id:123;ts:1700000000;"


def test_mercadopago_refuses_a_wrong_or_missing_signature():
    config = {"webhook_secret": "mp-secret"}
    adapter = mercadopago.MercadoPago()
    good = mercadopago.signature("mp-secret", "123", "r-1", "1700000000")
    ok = Incoming("POST", {"x-signature": f"ts=1700000000,v1={good}", "x-request-id": "r-1"},
                  {"data.id": "123", "type": "payment"}, b'{"type": "payment", "data": {"id": "123"}}')
    assert adapter.verify(config, ok).needs_status_query
    from recaudo.banking.gateways.base import SignatureInvalid
    for headers in ({"x-signature": f"ts=1700000001,v1={good}", "x-request-id": "r-1"},
                    {"x-signature": f"ts=1700000000,v1={'0' * 64}", "x-request-id": "r-1"},
                    {"x-request-id": "r-1"}):
        with pytest.raises(SignatureInvalid):
            adapter.verify(config, Incoming("POST", headers, ok.query, ok.body))


# --- the world ---------------------------------------------------------------------------------------------------

@pytest.fixture
def book():
    portfolio = make_portfolio()
    luz = make_debtor(portfolio, code="C001", email="luz@example.co")
    invoice = make_obligation(portfolio, luz, number="FV-1203", amount="1000000")
    make_obligation(portfolio, luz, number="FV-1204", amount="250000")
    return portfolio, luz, invoice


@pytest.fixture
def fake_wompi(book):
    with FakeWompi() as fake:
        gateway_account_save(portfolio=book[0], provider="wompi", values=fake.config(), actor="cli")
        yield fake


@pytest.fixture
def fake_mp(book):
    with FakeMercadoPago() as fake:
        gateway_account_save(portfolio=book[0], provider="mercadopago", values=fake.config(), actor="cli")
        yield fake


def _hook(provider, portfolio, body, query=None, client=None, **headers):
    url = reverse("hook_gateway", kwargs={"provider": provider, "slug": portfolio.slug})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return (client or Client()).post(url, data=body, content_type="application/json", REMOTE_ADDR="203.0.113.9",
                                     **headers)


def _balance(obligation):
    return Obligation.objects.get(pk=obligation.pk).balance_minor


# --- links -------------------------------------------------------------------------------------------------------

def test_a_wompi_link_for_an_obligation_is_its_balance_in_cents(book, fake_wompi):
    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, expires_in=5, actor="cli")
    call = fake_wompi.requests[-1]
    assert call["path"] == "/v1/payment_links" and call["json"]["amount_in_cents"] == 100_000_000
    assert call["json"]["sku"] == link.reference and call["json"]["single_use"] is True
    assert link.url == "https://checkout.wompi.co/l/" + link.provider_id and link.amount_minor == 100_000_000
    assert link.status == "open" and link.expires_at - link.created_at < timedelta(days=5, seconds=5)
    total = payment_link_create(portfolio=portfolio, debtor=luz, actor="cli")  # the debtor's total
    assert total.amount_minor == 125_000_000 and total.obligation is None


def test_a_mercadopago_preference_carries_our_reference_and_an_idempotency_key(book, fake_mp):
    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, amount=Decimal("300000"),
                               actor="cli")
    call = fake_mp.requests[-1]
    assert call["path"] == "/checkout/preferences" and call["headers"]["X-Idempotency-Key"] == link.reference
    assert call["json"]["external_reference"] == link.reference
    assert call["json"]["items"][0]["unit_price"] == 300000 and call["json"]["items"][0]["currency_id"] == "COP"
    assert link.url.startswith("https://www.mercadopago.com.co/checkout/v1/redirect?pref_id=")
    assert link.amount_minor == 30_000_000


def test_no_link_without_an_active_gateway_nor_when_the_provider_fails(book, fake_wompi):
    portfolio, luz, invoice = book
    from recaudo.core.errors import DomainError

    fake_wompi.down = True
    with pytest.raises(DomainError):
        payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
    assert PaymentLink.objects.count() == 0  # nothing half-written
    fake_wompi.down = False
    gateway_account_save(portfolio=portfolio, provider="wompi", values={}, active=False, actor="cli")
    with pytest.raises(DomainError, match="pasarela|gateway"):
        payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")


def test_links_past_their_expiry_are_expired_once(book, fake_wompi):
    portfolio, luz, invoice = book
    old = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, expires_in=1, actor="cli")
    fresh = payment_link_create(portfolio=portfolio, debtor=luz, expires_in=10, actor="cli")
    later = timezone.now() + timedelta(days=2)
    assert payment_links_expire(portfolio=portfolio, now=later) == 1
    assert payment_links_expire(portfolio=portfolio, now=later) == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "expired" and fresh.status == "open"
    assert AuditEvent.objects.filter(event_type="banking.payment_links_expired").count() == 1


# --- notifications -----------------------------------------------------------------------------------------------

def test_an_approved_wompi_event_is_received_once(book, fake_wompi):
    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
    tx = fake_wompi.transaction(tx_id="1234-1767000000-00001", link_id=link.provider_id, amount_in_cents=100_000_000)
    body, headers = fake_wompi.event(tx)
    response = _hook("wompi", portfolio, body, **headers)
    assert response.status_code == 200 and response.json() == {"outcome": "applied"}
    payment = Payment.objects.get()
    assert payment.source == "gateway" and payment.source_ref == "gw:wompi:1234-1767000000-00001"
    assert payment.amount_minor == 100_000_000 and payment.obligation_id == invoice.pk
    assert _balance(invoice) == 0
    link.refresh_from_db()
    assert link.status == "paid"
    # the status query was asked before applying
    assert any(r["method"] == "GET" and r["path"] == "/v1/transactions/1234-1767000000-00001"
               for r in fake_wompi.requests)
    # Wompi retries: the same event again applies nothing
    again = _hook("wompi", portfolio, body, **headers)
    assert again.status_code == 200 and again.json() == {"outcome": "duplicate"}
    assert Payment.objects.count() == 1 and GatewayNotification.objects.get().deliveries == 2


def test_a_bad_signature_changes_nothing_and_is_logged(book, fake_wompi, caplog):
    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
    tx = fake_wompi.transaction(tx_id="tx-bad", link_id=link.provider_id, amount_in_cents=100_000_000)
    body, headers = fake_wompi.event(tx, secret="someone-elses-secret")
    audited = AuditEvent.objects.count()
    response = _hook("wompi", portfolio, body, **headers)
    assert response.status_code == 401
    assert Payment.objects.count() == 0 and GatewayNotification.objects.count() == 0
    assert AuditEvent.objects.count() == audited  # a forger writes nothing, not even in the audit trail
    assert "payment gateway wompi: refused notification for portfolio pyme from 203.0.113.9" in caplog.text
    # a tampered amount with the original checksum
    good_body, good_headers = fake_wompi.event(tx)
    tampered = json.loads(good_body)
    tampered["data"]["transaction"]["amount_in_cents"] = 1
    assert _hook("wompi", portfolio, json.dumps(tampered).encode(), **good_headers).status_code == 401
    assert _hook("wompi", portfolio, b"not json", HTTP_X_EVENT_CHECKSUM="00").status_code == 401
    assert Payment.objects.count() == 0 and _balance(invoice) == 100_000_000


def test_an_amount_or_reference_that_does_not_match_the_link_is_recorded_not_applied(book, fake_wompi):
    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
    short = fake_wompi.transaction(tx_id="tx-short", link_id=link.provider_id, amount_in_cents=50_000_000)
    response = _hook("wompi", portfolio, *fake_wompi.event(short)[:1], **fake_wompi.event(short)[1])
    assert response.json() == {"outcome": "amount_mismatch"}
    stranger = fake_wompi.transaction(tx_id="tx-stranger", link_id="test_nolink", amount_in_cents=100_000_000)
    response = _hook("wompi", portfolio, *fake_wompi.event(stranger)[:1], **fake_wompi.event(stranger)[1])
    assert response.json() == {"outcome": "no_link"}
    assert Payment.objects.count() == 0 and _balance(invoice) == 100_000_000
    assert set(GatewayNotification.objects.values_list("outcome", flat=True)) == {"amount_mismatch", "no_link"}
    assert AuditEvent.objects.filter(event_type="banking.gateway_notification",
                                     changes__outcome="amount_mismatch").exists()


def test_the_status_query_has_the_last_word(book, fake_wompi):
    """The event says APPROVED, but the provider's transaction says DECLINED: nothing is applied."""
    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
    tx = fake_wompi.transaction(tx_id="tx-forged", link_id=link.provider_id, amount_in_cents=100_000_000)
    body, headers = fake_wompi.event(tx)
    fake_wompi.transactions["tx-forged"] = {**tx, "status": "DECLINED"}
    assert _hook("wompi", portfolio, body, **headers).json() == {"outcome": "recorded"}
    assert Payment.objects.count() == 0 and GatewayNotification.objects.get().status == "declined"


def test_a_declined_transaction_is_recorded_and_a_later_approval_applies(book, fake_wompi):
    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
    tx = fake_wompi.transaction(tx_id="tx-1", link_id=link.provider_id, amount_in_cents=100_000_000,
                                status="PENDING")
    assert _hook("wompi", portfolio, *fake_wompi.event(tx)[:1], **fake_wompi.event(tx)[1]).json() == {
        "outcome": "recorded"}
    tx = fake_wompi.transaction(tx_id="tx-1", link_id=link.provider_id, amount_in_cents=100_000_000)
    assert _hook("wompi", portfolio, *fake_wompi.event(tx)[:1], **fake_wompi.event(tx)[1]).json() == {
        "outcome": "applied"}
    declined = fake_wompi.transaction(tx_id="tx-2", link_id=link.provider_id, amount_in_cents=100_000_000,
                                      status="DECLINED")
    assert _hook("wompi", portfolio, *fake_wompi.event(declined)[:1], **fake_wompi.event(declined)[1]).json() == {
        "outcome": "recorded"}
    assert Payment.objects.count() == 1


def test_the_status_query_failing_records_nothing_so_the_provider_retries(book, fake_wompi):
    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
    tx = fake_wompi.transaction(tx_id="tx-down", link_id=link.provider_id, amount_in_cents=100_000_000)
    body, headers = fake_wompi.event(tx)
    fake_wompi.down = True
    assert _hook("wompi", portfolio, body, **headers).status_code == 503
    assert GatewayNotification.objects.count() == 0
    fake_wompi.down = False
    assert _hook("wompi", portfolio, body, **headers).json() == {"outcome": "applied"}


def test_mercadopago_notification_is_confirmed_by_the_payment_query_then_refunded(book, fake_mp):
    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
    fake_mp.payment(pay_id="1319000001", reference=link.reference, amount=1000000)
    body, query, headers = fake_mp.notification("1319000001")
    response = _hook("mercadopago", portfolio, body, query, **headers)
    assert response.json() == {"outcome": "applied"}
    assert any(r["path"] == "/v1/payments/1319000001" for r in fake_mp.requests)
    payment = Payment.objects.get(source_ref="gw:mercadopago:1319000001")
    assert _balance(invoice) == 0
    assert _hook("mercadopago", portfolio, body, query, **headers).json() == {"outcome": "duplicate"}
    # the payment is refunded at Mercado Pago: the same notification, the query now says refunded
    fake_mp.payments["1319000001"]["status"] = "refunded"
    assert _hook("mercadopago", portfolio, body, query, **headers).json() == {"outcome": "reversed"}
    payment.refresh_from_db()
    assert payment.reversed_at is not None and _balance(invoice) == 100_000_000
    assert _hook("mercadopago", portfolio, body, query, **headers).json() == {"outcome": "duplicate"}
    assert Payment.objects.filter(reversed_at__isnull=False).count() == 1


def test_mercadopago_a_chargeback_of_an_unknown_payment_reverses_nothing(book, fake_mp):
    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, actor="cli")
    fake_mp.payment(pay_id="1319000002", reference=link.reference, amount=1000000, status="charged_back")
    body, query, headers = fake_mp.notification("1319000002")
    assert _hook("mercadopago", portfolio, body, query, **headers).json() == {"outcome": "nothing_to_reverse"}
    fake_mp.payment(pay_id="1319000003", reference=link.reference, amount=1000000, currency="USD")
    body, query, headers = fake_mp.notification("1319000003")
    assert _hook("mercadopago", portfolio, body, query, **headers).json() == {"outcome": "currency_mismatch"}
    assert Payment.objects.count() == 0


def test_mercadopago_other_topics_are_answered_and_ignored(book, fake_mp):
    portfolio = book[0]
    body, _query, headers = fake_mp.notification("555")
    response = _hook("mercadopago", portfolio, body, {"data.id": "555", "type": "merchant_order"}, **headers)
    assert response.status_code == 200 and response.json() == {"outcome": "ignored"}
    assert GatewayNotification.objects.count() == 0


# --- the endpoint ------------------------------------------------------------------------------------------------

def test_the_endpoint_needs_no_session_nor_csrf_token_and_bounds_the_body(book, fake_wompi):
    portfolio = book[0]
    strict = Client(enforce_csrf_checks=True)
    url = reverse("hook_gateway", kwargs={"provider": "wompi", "slug": portfolio.slug})
    assert url == f"/hooks/gateways/wompi/{portfolio.slug}/"
    assert strict.get(url).status_code == 405
    assert _hook("wompi", portfolio, b"{}", client=strict).status_code == 401  # reached the signature check
    assert _hook("wompi", portfolio, b"x" * (64 * 1024 + 1)).status_code == 413
    assert _hook("nope", portfolio, b"{}").status_code == 404
    assert Client().post("/hooks/gateways/wompi/no-such-portfolio/", data=b"{}",
                         content_type="application/json").status_code == 404
    assert _hook("mercadopago", portfolio, b"{}").status_code == 404  # no Mercado Pago account in this portfolio


def test_a_link_for_an_agreement_installment_pays_that_installment(book, fake_wompi):
    from datetime import date

    from recaudo.agreements.services.plans import agreement_accept, agreement_create

    portfolio, luz, invoice = book
    plan = agreement_create(portfolio=portfolio, debtor=luz, obligations=[invoice], installments=4,
                            first_due=date(2027, 1, 15), actor="cli")
    agreement_accept(agreement=plan, channel="email_reply", evidence_text="Acepto. Luz Marina", actor="cli")
    second = plan.schedule.get(number=2)
    link = payment_link_create(portfolio=portfolio, debtor=luz, installment=second, actor="cli")
    assert link.obligation_id == second.obligation_id and link.amount_minor == 25_000_000  # 1,000,000 / 4
    tx = fake_wompi.transaction(tx_id="tx-cuota-2", link_id=link.provider_id, amount_in_cents=25_000_000)
    assert _hook("wompi", portfolio, *fake_wompi.event(tx)[:1], **fake_wompi.event(tx)[1]).json() == {
        "outcome": "applied"}
    assert Obligation.objects.get(pk=second.obligation_id).balance_minor == 0
    assert Obligation.objects.get(pk=plan.schedule.get(number=1).obligation_id).balance_minor == 25_000_000


def test_the_daily_cycle_expires_links(book, fake_wompi):
    from recaudo.cycle.runner import cycle_run

    portfolio, luz, invoice = book
    link = payment_link_create(portfolio=portfolio, debtor=luz, obligation=invoice, expires_in=1, actor="cli")
    later = timezone.now() + timedelta(days=3)
    cycle_run(portfolio=portfolio, now=later)
    link.refresh_from_db()
    assert link.status == "expired"
    # a payment that still arrives through the expired link is money received: it is applied
    tx = fake_wompi.transaction(tx_id="tx-late", link_id=link.provider_id, amount_in_cents=100_000_000)
    assert _hook("wompi", portfolio, *fake_wompi.event(tx)[:1], **fake_wompi.event(tx)[1]).json() == {
        "outcome": "applied"}
    link.refresh_from_db()
    assert link.status == "paid"


def test_an_epayco_confirmation_goes_through_the_same_path(book):
    """ePayco (h37's adapter): a form-encoded confirmation, verified, confirmed by ePayco's validation query,
    applied once; its refund (state 6) reverses the payment."""
    import urllib.parse

    from recaudo.banking.gateways import epayco
    from recaudo.banking.tests.fake_gateways import FakeEPayco

    portfolio, luz, invoice = book
    link = PaymentLink.objects.create(portfolio=portfolio, debtor=luz, obligation=invoice, amount_minor=15_000_000,
                                      currency="COP", reference="RCEPAYCO0001", provider="epayco",
                                      url="https://pagos.example.co/RCEPAYCO0001",
                                      expires_at=timezone.now() + timedelta(days=3))
    config = {"p_cust_id_cliente": "12345", "p_key": "abcdef0123456789", "public_key": "pub", "private_key": "priv"}
    fields = {"x_cust_id_cliente": "12345", "x_ref_payco": "98765432", "x_transaction_id": "1234567890123",
              "x_id_invoice": link.reference, "x_amount": "150000.00", "x_currency_code": "COP",
              "x_cod_transaction_state": "1", "x_transaction_state": "Aceptada"}
    fields["x_signature"] = epayco.signature("12345", "abcdef0123456789", fields)
    url = reverse("hook_gateway", kwargs={"provider": "epayco", "slug": portfolio.slug})
    with FakeEPayco() as fake:
        gateway_account_save(portfolio=portfolio, provider="epayco", values={**config, "validation_url": fake.url},
                             actor="cli")
        fake.transactions["98765432"] = dict(fields)
        post = Client().post(url, urllib.parse.urlencode(fields), content_type="application/x-www-form-urlencoded")
        assert post.json() == {"outcome": "applied"}
        assert Client().post(url, urllib.parse.urlencode(fields),
                             content_type="application/x-www-form-urlencoded").json() == {"outcome": "duplicate"}
        payment = Payment.objects.get(source_ref="gw:epayco:98765432")
        assert payment.amount_minor == 15_000_000 and _balance(invoice) == 85_000_000
        fake.transactions["98765432"] = {**fields, "x_cod_transaction_state": "6"}  # reversed at ePayco
        refund = Client().post(url, urllib.parse.urlencode(fields), content_type="application/x-www-form-urlencoded")
        assert refund.json() == {"outcome": "reversed"}
    payment.refresh_from_db()
    assert payment.reversed_at is not None and _balance(invoice) == 100_000_000
