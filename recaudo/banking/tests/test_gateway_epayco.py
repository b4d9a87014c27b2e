"""ePayco adapter: the confirmation's SHA-256 signature, its state codes, the validation query and the Smart
Checkout session, against a local server that speaks ePayco's shape.

Worked example (computed by hand with `sha256sum`, used throughout):
    p_cust_id_cliente = 12345, p_key = abcdef0123456789, x_ref_payco = 98765432, x_transaction_id = 1234567890123,
    x_amount = 150000.00, x_currency_code = COP
    SHA-256("12345^abcdef0123456789^98765432^1234567890123^150000.00^COP")
        = e043f22609cc8d72b21ced2d01d3485aa1bc1f1364c4220702e70ea4175f0ee9
    the same with x_amount = 150000 (as received, no decimals)
        = a2c4f649e0cc1401c1e7eb36bb584da973d83313b0c3ef07008ea9ff98198446
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
    STATUSES,
    VOIDED,
    GatewayError,
    Incoming,
    LinkRequest,
    Notification,
    SignatureInvalid,
)
from recaudo.banking.gateways.epayco import EPayco, signature, status_for

from .fake_gateways import FakeEPayco

SIG_00 = "e043f22609cc8d72b21ced2d01d3485aa1bc1f1364c4220702e70ea4175f0ee9"
SIG_INT = "a2c4f649e0cc1401c1e7eb36bb584da973d83313b0c3ef07008ea9ff98198446"
CONFIG = {"p_cust_id_cliente": "12345", "p_key": "abcdef0123456789", "public_key": "pub", "private_key": "priv"}


def fields(**overrides) -> dict[str, str]:
    data = {
        "x_cust_id_cliente": "12345",
        "x_ref_payco": "98765432",
        "x_transaction_id": "1234567890123",
        "x_id_invoice": "RC-0001-7",
        "x_amount": "150000.00",
        "x_currency_code": "COP",
        "x_cod_transaction_state": "1",
        "x_cod_response": "1",
        "x_transaction_state": "Aceptada",
        "x_signature": SIG_00,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def form(data: dict) -> Incoming:
    return Incoming(method="POST", headers={"content-type": "application/x-www-form-urlencoded"}, query={},
                    body=urllib.parse.urlencode(data).encode())


def as_json(data: dict) -> Incoming:
    return Incoming(method="POST", headers={"content-type": "application/json"}, query={},
                    body=json.dumps(data).encode())


def test_registered_once_under_its_name():
    assert isinstance(REGISTRY["epayco"], EPayco)
    assert adapter("epayco").name == "epayco"
    assert {f.key for f in EPayco.config_fields if f.secret} == {"p_key", "private_key"}


def test_worked_example_signature():
    assert signature("12345", "abcdef0123456789", fields()) == SIG_00
    assert signature("12345", "abcdef0123456789", fields(x_amount="150000")) == SIG_INT


def test_a_form_encoded_confirmation_verifies():
    note = EPayco().verify(CONFIG, form(fields()))
    assert note == Notification(provider="epayco", transaction_id="98765432", reference="RC-0001-7",
                                amount=Decimal("150000.00"), currency="COP", status=APPROVED,
                                event_id="98765432:1", needs_status_query=True, raw=fields())


def test_a_json_confirmation_and_a_get_confirmation_verify():
    assert EPayco().verify(CONFIG, as_json(fields())).status == APPROVED
    get = Incoming(method="GET", headers={}, query=fields(), body=b"")
    assert EPayco().verify(CONFIG, get).transaction_id == "98765432"


def test_the_amount_is_hashed_as_received():
    """150000 and 150000.00 are the same money but different text: each verifies with its own signature only."""
    assert EPayco().verify(CONFIG, form(fields(x_amount="150000", x_signature=SIG_INT))).amount == Decimal("150000")
    with pytest.raises(SignatureInvalid):
        EPayco().verify(CONFIG, form(fields(x_amount="150000", x_signature=SIG_00)))


def test_an_upper_case_signature_verifies():
    assert EPayco().verify(CONFIG, form(fields(x_signature=SIG_00.upper()))).status == APPROVED


@pytest.mark.parametrize("change", [
    {"x_amount": "150001.00"},
    {"x_currency_code": "USD"},
    {"x_ref_payco": "98765433"},
    {"x_transaction_id": "1234567890124"},
    {"x_signature": "0" * 64},
    {"x_signature": "not hex"},
])
def test_a_tampered_signed_field_is_refused(change):
    with pytest.raises(SignatureInvalid):
        EPayco().verify(CONFIG, form(fields(**change)))


def test_another_key_or_customer_does_not_verify():
    with pytest.raises(SignatureInvalid):
        EPayco().verify({**CONFIG, "p_key": "other"}, form(fields()))
    with pytest.raises(SignatureInvalid):
        EPayco().verify({**CONFIG, "p_cust_id_cliente": "54321"}, form(fields()))


def test_a_tampered_state_passes_the_signature_but_needs_the_status_query():
    """ePayco does not sign the state: the notification says so, and the query answers with ePayco's record."""
    note = EPayco().verify(CONFIG, form(fields(x_cod_transaction_state="6")))
    assert note.status == REFUNDED and note.needs_status_query
    with FakeEPayco() as fake:
        fake.transactions["98765432"] = fields()
        assert EPayco().query_status({**CONFIG, "validation_url": fake.url}, note) == APPROVED


@pytest.mark.parametrize("name", ["x_ref_payco", "x_transaction_id", "x_amount", "x_currency_code", "x_signature",
                                  "x_id_invoice"])
def test_a_missing_field_is_refused_never_a_key_error(name):
    with pytest.raises(SignatureInvalid, match=name):
        EPayco().verify(CONFIG, form(fields(**{name: None})))
    with pytest.raises(SignatureInvalid, match=name):
        EPayco().verify(CONFIG, form(fields(**{name: ""})))


def test_a_missing_state_is_refused_and_the_older_code_is_read():
    with pytest.raises(SignatureInvalid, match="x_cod_transaction_state"):
        EPayco().verify(CONFIG, form(fields(x_cod_transaction_state=None, x_cod_response=None)))
    assert EPayco().verify(CONFIG, form(fields(x_cod_transaction_state=None, x_cod_response="2"))).status == DECLINED


@pytest.mark.parametrize("body", [b"", b"\xff\xfe", b"{not json", b"[1, 2]", b"x_ref_payco"])
def test_garbage_is_refused(body):
    with pytest.raises(SignatureInvalid):
        EPayco().verify(CONFIG, Incoming(method="POST", headers={}, query={}, body=body))


def test_a_signed_amount_that_is_not_a_number_is_refused():
    data = fields(x_amount="abc")
    data["x_signature"] = signature("12345", "abcdef0123456789", data)
    with pytest.raises(SignatureInvalid, match="x_amount"):
        EPayco().verify(CONFIG, form(data))


def test_an_incomplete_configuration_is_a_gateway_error():
    with pytest.raises(GatewayError, match="p_key"):
        EPayco().verify({"p_cust_id_cliente": "12345"}, form(fields()))


def test_status_mapping_table():
    table = {"1": APPROVED, "2": DECLINED, "3": PENDING, "4": DECLINED, "6": REFUNDED, "7": PENDING, "8": PENDING,
             "9": EXPIRED, "10": DECLINED, "11": VOIDED, "12": DECLINED, "5": PENDING, "99": PENDING, " 1 ": APPROVED}
    assert {code: status_for(code) for code in table} == table


@settings(max_examples=50, deadline=None)
@given(code=st.text(max_size=4))
def test_every_state_code_maps_to_one_of_our_statuses(code):
    assert status_for(code) in STATUSES


def test_status_query_against_epayco():
    note = EPayco().verify(CONFIG, form(fields(x_cod_transaction_state="3")))
    with FakeEPayco() as fake:
        fake.transactions["98765432"] = fields(x_cod_transaction_state="1", x_amount="150000")
        assert EPayco().query_status({**CONFIG, "validation_url": fake.url}, note) == APPROVED
        fake.transactions["98765432"] = fields(x_cod_transaction_state="6")
        assert EPayco().query_status({**CONFIG, "validation_url": fake.url}, note) == REFUNDED
        assert fake.requests[-1]["path"] == "/validation/v1/reference/98765432"


@pytest.mark.parametrize("change", [{"x_id_invoice": "RC-0002-5"}, {"x_amount": "1000.00"},
                                    {"x_currency_code": "USD"}, {"x_amount": "n/a"}])
def test_a_provider_record_that_disagrees_is_refused(change):
    """The reference is not signed: a replay with another reference is caught by ePayco's own record."""
    note = EPayco().verify(CONFIG, form(fields()))
    with FakeEPayco() as fake:
        fake.transactions["98765432"] = fields(**change)
        with pytest.raises(SignatureInvalid):
            EPayco().query_status({**CONFIG, "validation_url": fake.url}, note)


def test_an_unknown_transaction_or_a_record_without_state_is_a_gateway_error():
    note = EPayco().verify(CONFIG, form(fields()))
    with FakeEPayco() as fake:
        with pytest.raises(GatewayError, match="does not know"):
            EPayco().query_status({**CONFIG, "validation_url": fake.url}, note)
        fake.transactions["98765432"] = fields(x_cod_transaction_state=None, x_cod_response=None)
        with pytest.raises(GatewayError, match="no state"):
            EPayco().query_status({**CONFIG, "validation_url": fake.url}, note)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_epayco_down_is_a_gateway_error():
    note = EPayco().verify(CONFIG, form(fields()))
    with pytest.raises(GatewayError) as caught:
        EPayco().query_status({**CONFIG, "validation_url": f"http://127.0.0.1:{_closed_port()}"}, note)
    assert not isinstance(caught.value, SignatureInvalid)


REQUEST = LinkRequest(reference="RC-0001-7", amount=Decimal("150000"), currency="COP", description="Factura FV-1203",
                      expires_at="2026-12-31T23:59:59-05:00", payer_email="deudor@example.com",
                      redirect_url="https://recaudo.example/pagos/volver",
                      notification_url="https://recaudo.example/pagos/epayco/notificar")


def test_create_link_opens_a_session_and_points_at_our_pay_page():
    with FakeEPayco() as fake:
        config = {**CONFIG, "apify_url": fake.url, "test": "true",
                  "pay_page_url": "https://recaudo.example/pagar/{reference}"}
        link = EPayco().create_link(config, REQUEST)
        assert link.url == "https://recaudo.example/pagar/RC-0001-7"
        assert link.provider_id == "sess-1"
        session = fake.sessions[0]
        assert (session["invoice"], session["amount"], session["currency"], session["test"]) == (
            "RC-0001-7", "150000.00", "COP", "true")
        assert session["confirmation"] == REQUEST.notification_url
        assert session["response"] == REQUEST.redirect_url
        assert session["method_confirmation"] == "POST"


def test_create_link_with_wrong_keys_or_without_our_page_fails_clearly():
    with FakeEPayco() as fake:
        page = "https://recaudo.example/pagar/{reference}"
        with pytest.raises(GatewayError, match="HTTP 401"):
            EPayco().create_link({**CONFIG, "private_key": "bad", "apify_url": fake.url, "pay_page_url": page},
                                 REQUEST)
        with pytest.raises(GatewayError, match="pay_page_url"):
            EPayco().create_link({**CONFIG, "apify_url": fake.url}, REQUEST)
        assert fake.sessions == []


@settings(max_examples=100, deadline=None)
@given(cents=st.integers(min_value=1, max_value=10**12), other=st.integers(min_value=1, max_value=10**12))
def test_any_amount_verifies_with_its_own_signature_and_no_other(cents, other):
    amount = f"{Decimal(cents) / 100:.2f}"
    data = fields(x_amount=amount)
    data["x_signature"] = signature("12345", "abcdef0123456789", data)
    assert EPayco().verify(CONFIG, form(data)).amount == Decimal(amount)
    if other != cents:
        with pytest.raises(SignatureInvalid):
            EPayco().verify(CONFIG, form({**data, "x_amount": f"{Decimal(other) / 100:.2f}"}))
