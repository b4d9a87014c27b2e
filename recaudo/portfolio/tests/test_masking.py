"""Masking rules (recaudo/portfolio/masking.py): worked examples and properties."""

from hypothesis import given
from hypothesis import strategies as st

from recaudo.portfolio.masking import (
    mask_changes,
    mask_contact,
    mask_email,
    mask_guess,
    mask_id,
    mask_phone,
    mask_text,
)


def test_mask_phone_examples():
    assert mask_phone("+573001234567") == "+57 300 *** **67"
    assert mask_phone("+576015551234") == "+57 601 *** **34"  # Bogotá landline
    assert mask_phone("+51987654321") == "+51 987 *** *21"  # Peru: 9 digits
    assert mask_phone("3001234567") == "300 *** **67"  # not E.164: digits only
    assert mask_phone("") == ""


def test_mask_email_and_id_examples():
    assert mask_email("luisa@dominio.co") == "l***@dominio.co"
    assert mask_email("Jose.Perez@Example.COM") == "J***@Example.COM"
    assert mask_id("1234567") == "*****4567"
    assert mask_id("52.123.456") == "*****3456"
    assert mask_id("900123456-7") == "*****4567"
    assert mask_id("1234") == "*****"
    assert mask_id("") == ""
    assert mask_text("Calle 12 # 34-56") == "Calle ***"


def test_mask_contact_by_channel_and_guess():
    assert mask_contact("whatsapp", "+573001234567") == "+57 300 *** **67"
    assert mask_contact("email", "luisa@dominio.co") == "l***@dominio.co"
    assert mask_contact("address", "Carrera 7 # 12-34") == "Carrera ***"
    assert mask_guess("+573001234567") == "+57 300 *** **67"
    assert mask_guess("luisa@dominio.co") == "l***@dominio.co"
    assert mask_guess("52123456") == "*****3456"


def test_mask_changes_every_shape():
    changes = {"channel": "phone", "value": "+573001234567", "id_number": ["52123456", "79000111"],
               "contacts_added": ["email: luisa@dominio.co", "phone: +573101112233"], "name": ["Ana", "Ana M"]}
    assert mask_changes(changes) == {
        "channel": "phone", "value": "+57 300 *** **67", "id_number": ["*****3456", "*****0111"],
        "contacts_added": ["email: l***@dominio.co", "phone: +57 310 *** **33"], "name": ["Ana", "Ana M"]}
    assert mask_changes({"code": "C1", "nested": {"to": "luisa@dominio.co"}}) == {
        "code": "C1", "nested": {"to": "l***@dominio.co"}}


@given(st.integers(min_value=3_000_000_000, max_value=3_999_999_999), st.booleans())
def test_masked_phone_never_holds_the_number(number, spaced):
    phone = f"+57 {number}" if spaced else f"+57{number}"
    masked = mask_phone(phone)
    digits = "".join(c for c in phone if c.isdigit())
    assert digits not in "".join(c for c in masked if c.isdigit())
    assert masked.endswith(digits[-2:])
    assert masked.count("*") == 5


@given(st.text(alphabet="0123456789", min_size=5, max_size=15))
def test_masked_id_shows_four_digits_at_most(number):
    masked = mask_id(number)
    assert masked == "*****" + number[-4:]
    assert sum(c.isdigit() for c in masked) == 4
