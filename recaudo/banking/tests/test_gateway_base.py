"""The helpers every adapter shares (gateways/base.py): settings, yes/no values, status tables, signed amounts, a
form-posted notification's fields, our pay page's address, the API address, the bearer header and the signing
secret. The providers' modules use them and keep no copy of their own."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from recaudo.banking.gateways import base, epayco, mercadopago, payu, wompi
from recaudo.banking.gateways.base import GatewayError, Incoming, SignatureInvalid


def test_required_names_the_provider_and_the_key():
    assert base.required({"api_key": "  k1 "}, "api_key", "PayU") == "k1"
    with pytest.raises(GatewayError, match="^PayU: the setting api_key is missing$"):
        base.required({"api_key": " "}, "api_key", "PayU")


@pytest.mark.parametrize("value, expected", [("true", True), ("Sí", True), (" 1 ", True), ("on", True),
                                             ("false", False), ("", False), (None, False), ("no", False)])
def test_truthy(value, expected):
    assert base.truthy(value) is expected


def test_status_in_a_table_unknown_is_pending():
    assert base.status_in(epayco.STATE_MAP, " 1 ") == base.APPROVED
    assert base.status_in(payu.STATE_POL, "6") == base.DECLINED
    assert base.status_in(payu.STATE_POL, "999") == base.PENDING


def test_signed_number():
    assert base.signed_number("x_amount", " 150000.00 ") == Decimal("150000.00")
    for bad in ("abc", "NaN", "Infinity"):
        with pytest.raises(SignatureInvalid, match=f"^x_amount '{bad}' is not a number$"):
            base.signed_number("x_amount", bad)


def test_form_fields_from_a_form_a_json_body_or_the_query():
    form = Incoming("POST", {"content-type": "application/x-www-form-urlencoded"}, {}, b"a=1&b=&a=2")
    assert base.form_fields(form) == {"a": "2", "b": ""}
    as_json = Incoming("POST", {"content-type": "application/json"}, {}, b'{"a": 1, "b": null}')
    assert base.form_fields(as_json) == {"a": "1", "b": ""}
    assert base.form_fields(Incoming("GET", {}, {"x_ref_payco": "9"}, b"")) == {"x_ref_payco": "9"}
    with pytest.raises(SignatureInvalid):
        base.form_fields(Incoming("POST", {}, {}, b"\xff\xfe"))


def test_pay_page_link():
    config = {"pay_page_url": "https://recaudo.example.co/pagar/sme/{reference}/"}
    assert base.pay_page_link(config, "RC a/b", "PayU") == "https://recaudo.example.co/pagar/sme/RC%20a%2Fb/"
    with pytest.raises(GatewayError, match=r"^ePayco: pay_page_url \(our pay page, with \{reference\}\) is missing"):
        base.pay_page_link({}, "RC1", "ePayco")


def test_api_base_bearer_and_signing_secret():
    assert base.api_base({"base_url": "http://127.0.0.1:9/"}, "https://x") == "http://127.0.0.1:9"
    assert base.api_base({}, "https://api.mercadopago.com") == "https://api.mercadopago.com"
    assert base.bearer({"access_token": "T"}, "access_token", "no") == {"Authorization": "Bearer T"}
    with pytest.raises(GatewayError, match="^no token$"):
        base.bearer({}, "access_token", "no token")
    assert base.signing_secret({"events_secret": "s"}, "events_secret", "events secret") == "s"
    with pytest.raises(SignatureInvalid, match="^the events secret is not configured$"):
        base.signing_secret({}, "events_secret", "events secret")


@pytest.mark.parametrize("module", [epayco, payu, wompi, mercadopago], ids=lambda m: m.__name__.rsplit(".")[-1])
def test_no_adapter_keeps_its_own_copy(module):
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert not names & {"_fields", "_truthy", "_base"}, names
