"""PayU Latam adapter: the confirmation's `sign` (published vector), new_value's one-decimal rule, state_pol, the
reports API query and the WebCheckout form, against a local server that speaks PayU's shape.

Vectors:
    MD5("4Vj8eK4rloUd272L48hsrarnUA~508029~TestPayU05~150.26~USD~4") = 1d95778a651e11a0ab93c2169a519cd6
        (PayU's published confirmation example; checked)
    MD5("4Vj8eK4rloUd272L48hsrarnUA~508029~TestPayU05~150.0~USD~4") = 5923b592ed2ab6d272c282cbb304438d
        (worked here: value 150.00 or 150.0 -> new_value "150.0")
    SHA-256 of the published string = 23cf8fa69ca463fe1f37899a99123f75aa6f1c099d4d78f0285756eadea60a6e
    MD5("4Vj8eK4rloUd272L48hsrarnUA~508029~TestPayU~20000~COP") = 7ee7cf808ce6a39b17481c54f2c57acc
        (PayU's published payment form example; checked)
"""

from __future__ import annotations

import json
import socket
import urllib.parse
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.banking.gateways import REGISTRY, adapter
from recaudo.banking.gateways.base import (
    APPROVED,
    DECLINED,
    EXPIRED,
    PENDING,
    REFUNDED,
    VOIDED,
    GatewayError,
    Incoming,
    LinkRequest,
    Notification,
    SignatureInvalid,
)
from recaudo.banking.gateways.payu import (
    CHECKOUT_URL,
    SANDBOX_CHECKOUT_URL,
    PayU,
    checkout_form,
    confirmation_sign,
    new_value,
)

from .fake_gateways import FakePayU, payu_order

API_KEY = "4Vj8eK4rloUd272L48hsrarnUA"
PUBLISHED = "1d95778a651e11a0ab93c2169a519cd6"
ONE_DECIMAL = "5923b592ed2ab6d272c282cbb304438d"
SHA256 = "23cf8fa69ca463fe1f37899a99123f75aa6f1c099d4d78f0285756eadea60a6e"
CONFIG = {"merchant_id": "508029", "account_id": "512321", "api_login": "pRRXKOl8ikMmt9u", "api_key": API_KEY}
TX = "b9a3c8c0-4a8e-4f8e-9d0c-0a1b2c3d4e5f"


def fields(**overrides) -> dict[str, str]:
    data = {
        "merchant_id": "508029",
        "reference_sale": "TestPayU05",
        "value": "150.26",
        "currency": "USD",
        "state_pol": "4",
        "response_code_pol": "1",
        "reference_pol": "844182800",
        "transaction_id": TX,
        "sign": PUBLISHED,
        "email_buyer": "deudor@example.com",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def form(data: dict) -> Incoming:
    return Incoming(method="POST", headers={"content-type": "application/x-www-form-urlencoded"}, query={},
                    body=urllib.parse.urlencode(data).encode())


def test_registered_once_under_its_name():
    assert isinstance(REGISTRY["payu"], PayU)
    assert adapter("payu").label
    assert {f.key for f in PayU.config_fields if f.secret} == {"api_key"}


def test_published_vector():
    assert confirmation_sign(API_KEY, "508029", "TestPayU05", "150.26", "USD", "4") == PUBLISHED
    note = PayU().verify(CONFIG, form(fields()))
    assert note == Notification(provider="payu", transaction_id=TX, reference="TestPayU05", amount=Decimal("150.26"),
                                currency="USD", status=APPROVED, event_id=f"{TX}:4", needs_status_query=True,
                                raw=fields())


@pytest.mark.parametrize(("value", "expected"), [
    ("150.00", "150.0"), ("150.0", "150.0"), ("150", "150.0"), ("150.26", "150.26"), ("150.10", "150.1"),
    ("150.1", "150.1"), ("0.50", "0.5"), ("150000.00", "150000.0"), ("150.255", "150.26"), ("150.245", "150.24"),
])
def test_new_value_rule(value, expected):
    assert new_value(value) == expected


def test_150_00_and_150_0_both_verify_by_the_one_decimal_rule():
    for value in ("150.00", "150.0", "150"):
        note = PayU().verify(CONFIG, form(fields(value=value, sign=ONE_DECIMAL)))
        assert note.amount == Decimal("150")
    # the two-decimal text is not what PayU signs
    wrong = confirmation_sign(API_KEY, "508029", "TestPayU05", "150.26", "USD", "4")
    with pytest.raises(SignatureInvalid):
        PayU().verify(CONFIG, form(fields(value="150.00", sign=wrong)))


def test_sha256_when_configured():
    note = PayU().verify({**CONFIG, "signature_algorithm": "SHA256"}, form(fields(sign=SHA256)))
    assert note.status == APPROVED
    with pytest.raises(SignatureInvalid):
        PayU().verify(CONFIG, form(fields(sign=SHA256)))
    with pytest.raises(GatewayError, match="algorithm"):
        PayU().verify({**CONFIG, "signature_algorithm": "crc32"}, form(fields()))


@pytest.mark.parametrize("change", [
    {"value": "150.27"}, {"value": "1150.26"}, {"currency": "COP"}, {"state_pol": "6"}, {"state_pol": "5"},
    {"reference_sale": "TestPayU06"}, {"merchant_id": "508030"}, {"sign": "0" * 32}, {"sign": "nothex"},
])
def test_a_tampered_signed_field_is_refused(change):
    with pytest.raises(SignatureInvalid):
        PayU().verify(CONFIG, form(fields(**change)))


def test_another_api_key_or_merchant_does_not_verify():
    with pytest.raises(SignatureInvalid):
        PayU().verify({**CONFIG, "api_key": "other"}, form(fields()))
    data = fields(merchant_id="999")
    data["sign"] = confirmation_sign(API_KEY, "999", "TestPayU05", "150.26", "USD", "4")
    with pytest.raises(SignatureInvalid, match="another merchant"):
        PayU().verify(CONFIG, form(data))


@pytest.mark.parametrize("name", ["merchant_id", "reference_sale", "value", "currency", "state_pol", "sign",
                                  "transaction_id"])
def test_a_missing_field_is_refused_never_a_key_error(name):
    with pytest.raises(SignatureInvalid, match=name):
        PayU().verify(CONFIG, form(fields(**{name: None})))
    with pytest.raises(SignatureInvalid, match=name):
        PayU().verify(CONFIG, form(fields(**{name: " "})))


@pytest.mark.parametrize("body", [b"", b"\xff\xfe", b"{not json", b"[1]", b"sign"])
def test_garbage_is_refused(body):
    with pytest.raises(SignatureInvalid):
        PayU().verify(CONFIG, Incoming(method="POST", headers={}, query={}, body=body))


def test_a_value_that_is_not_a_number_is_refused():
    with pytest.raises(SignatureInvalid, match="value"):
        PayU().verify(CONFIG, form(fields(value="ciento cincuenta")))
    with pytest.raises(SignatureInvalid, match="value"):
        PayU().verify(CONFIG, form(fields(value="NaN")))


def test_a_json_confirmation_verifies_too():
    body = json.dumps(fields()).encode()
    incoming = Incoming(method="POST", headers={"content-type": "application/json"}, query={}, body=body)
    assert PayU().verify(CONFIG, incoming).status == APPROVED


def _signed(state: str, value: str = "150.26") -> dict:
    return fields(state_pol=state, value=value,
                  sign=confirmation_sign(API_KEY, "508029", "TestPayU05", value, "USD", state))


def test_state_pol_mapping_table():
    table = {"4": APPROVED, "5": EXPIRED, "6": DECLINED, "7": PENDING, "104": DECLINED, "99": PENDING}
    assert {state: PayU().verify(CONFIG, form(_signed(state))).status for state in table} == table


def test_a_retried_payment_keeps_the_reference_with_a_new_transaction():
    first = PayU().verify(CONFIG, form(_signed("6")))
    second = PayU().verify(CONFIG, form({**_signed("4"), "transaction_id": "tx-retry"}))
    assert (first.reference, first.status) == ("TestPayU05", DECLINED)
    assert (second.reference, second.transaction_id, second.status) == ("TestPayU05", "tx-retry", APPROVED)
    assert first.event_id != second.event_id


@settings(max_examples=100, deadline=None)
@given(cents=st.integers(min_value=1, max_value=10**12))
def test_any_amount_signed_by_the_rule_verifies(cents):
    value = f"{Decimal(cents) / 100:.2f}"
    note = PayU().verify(CONFIG, form(_signed("4", value)))
    assert note.amount == Decimal(value)


def _query(fake, note, **config):
    return PayU().query_status({**CONFIG, "reports_url": f"{fake.url}/reports-api/4.0/service.cgi", **config}, note)


def test_status_query_against_payu():
    note = PayU().verify(CONFIG, form(fields()))
    with FakePayU() as fake:
        fake.orders["TestPayU05"] = [payu_order("TestPayU05", "150.26", "USD",
                                                [("tx-old", "AUTHORIZATION_AND_CAPTURE", "DECLINED"),
                                                 (TX, "AUTHORIZATION_AND_CAPTURE", "APPROVED")])]
        assert _query(fake, note) == APPROVED
        sent = json.loads(fake.requests[-1]["body"])
        assert sent["command"] == "ORDER_DETAIL_BY_REFERENCE_CODE"
        assert sent["details"] == {"referenceCode": "TestPayU05"}
        assert sent["merchant"] == {"apiLogin": "pRRXKOl8ikMmt9u", "apiKey": API_KEY}


@pytest.mark.parametrize(("transactions", "order_status", "expected"), [
    ([(TX, "AUTHORIZATION_AND_CAPTURE", "PENDING")], "IN_PROGRESS", PENDING),
    ([(TX, "AUTHORIZATION_AND_CAPTURE", "SUBMITTED")], "IN_PROGRESS", PENDING),
    ([(TX, "AUTHORIZATION_AND_CAPTURE", "DECLINED")], "DECLINED", DECLINED),
    ([(TX, "AUTHORIZATION_AND_CAPTURE", "ERROR")], "DECLINED", DECLINED),
    ([(TX, "AUTHORIZATION_AND_CAPTURE", "EXPIRED")], "DECLINED", EXPIRED),
    ([(TX, "AUTHORIZATION_AND_CAPTURE", "APPROVED"), ("tx-r", "REFUND", "APPROVED")], "REFUNDED", REFUNDED),
    ([(TX, "AUTHORIZATION_AND_CAPTURE", "APPROVED"), ("tx-r", "REFUND", "PENDING")], "CAPTURED", APPROVED),
    ([(TX, "AUTHORIZATION_AND_CAPTURE", "APPROVED")], "REFUNDED", REFUNDED),
    ([(TX, "AUTHORIZATION", "APPROVED"), ("tx-v", "VOID", "APPROVED")], "CANCELLED", VOIDED),
    ([(TX, "AUTHORIZATION_AND_CAPTURE", "SOMETHING_NEW")], "CAPTURED", PENDING),
])
def test_reports_states_map_to_ours(transactions, order_status, expected):
    note = PayU().verify(CONFIG, form(fields()))
    with FakePayU() as fake:
        fake.orders["TestPayU05"] = [payu_order("TestPayU05", "150.26", "USD", transactions, status=order_status)]
        assert _query(fake, note) == expected


def test_a_transaction_payu_does_not_know_is_a_gateway_error():
    """transaction_id is not signed: a replay with an invented id is not applied."""
    note = PayU().verify(CONFIG, form({**fields(), "transaction_id": "invented"}))
    with FakePayU() as fake:
        with pytest.raises(GatewayError, match="does not"):
            _query(fake, note)
        fake.orders["TestPayU05"] = [payu_order("TestPayU05", "150.26", "USD",
                                                [(TX, "AUTHORIZATION_AND_CAPTURE", "APPROVED")])]
        with pytest.raises(GatewayError, match="invented"):
            _query(fake, note)


def test_an_order_for_another_amount_is_refused():
    note = PayU().verify(CONFIG, form(fields()))
    with FakePayU() as fake:
        fake.orders["TestPayU05"] = [payu_order("TestPayU05", "15.26", "USD",
                                                [(TX, "AUTHORIZATION_AND_CAPTURE", "APPROVED")])]
        with pytest.raises(SignatureInvalid, match="15.26"):
            _query(fake, note)


def test_payu_errors_and_payu_down_are_gateway_errors():
    note = PayU().verify(CONFIG, form(fields()))
    with FakePayU() as fake:
        with pytest.raises(GatewayError, match="Invalid credentials"):
            _query(fake, note, api_key="wrong")
        with pytest.raises(GatewayError, match="HTTP 404"):
            PayU().query_status({**CONFIG, "reports_url": f"{fake.url}/elsewhere"}, note)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(GatewayError) as caught:
        PayU().query_status({**CONFIG, "reports_url": f"http://127.0.0.1:{port}/reports-api/4.0/service.cgi"}, note)
    assert not isinstance(caught.value, SignatureInvalid)


REQUEST = LinkRequest(reference="TestPayU", amount=Decimal("20000"), currency="COP", description="Factura FV-1203",
                      expires_at="2026-12-31T23:59:59-05:00", payer_email="deudor@example.com",
                      redirect_url="https://recaudo.example/pagos/volver",
                      notification_url="https://recaudo.example/pagos/payu/notificar")


def test_checkout_form_published_vector():
    action, data = checkout_form(CONFIG, REQUEST)
    assert action == CHECKOUT_URL
    assert data == {
        "merchantId": "508029", "accountId": "512321", "description": "Factura FV-1203", "referenceCode": "TestPayU",
        "amount": "20000", "tax": "0", "taxReturnBase": "0", "currency": "COP", "algorithmSignature": "MD5",
        "signature": "7ee7cf808ce6a39b17481c54f2c57acc", "test": "0", "buyerEmail": "deudor@example.com",
        "responseUrl": "https://recaudo.example/pagos/volver",
        "confirmationUrl": "https://recaudo.example/pagos/payu/notificar",
    }


def test_checkout_form_in_test_mode_with_cents():
    request = LinkRequest(reference="R-1", amount=Decimal("150.26"), currency="usd", description="x",
                          expires_at="2026-12-31T23:59:59-05:00")
    action, data = checkout_form({**CONFIG, "test": "true"}, request)
    assert action == SANDBOX_CHECKOUT_URL
    assert (data["amount"], data["currency"], data["test"]) == ("150.26", "USD", "1")
    assert "buyerEmail" not in data and "confirmationUrl" not in data


def test_create_link_points_at_our_pay_page():
    link = PayU().create_link({**CONFIG, "pay_page_url": "https://recaudo.example/pagar/{reference}"}, REQUEST)
    assert (link.url, link.provider_id) == ("https://recaudo.example/pagar/TestPayU", "")
    with pytest.raises(GatewayError, match="pay_page_url"):
        PayU().create_link(CONFIG, REQUEST)
    with pytest.raises(GatewayError, match="account_id"):
        PayU().create_link({"merchant_id": "508029", "api_key": API_KEY, "pay_page_url": "/p/{reference}"}, REQUEST)
