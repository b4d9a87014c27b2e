from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.core.money import UnknownCurrency, format_amount, from_minor, precision, split_evenly, to_minor


def test_precision_per_currency():
    assert (precision("COP"), precision("CLP"), precision("USD")) == (2, 0, 2)
    with pytest.raises(UnknownCurrency):
        precision("XYZ")


@pytest.mark.parametrize(
    "amount,currency,minor",
    [("1234.565", "COP", 123457), ("1234.564", "COP", 123456), ("-0.005", "USD", -1), ("999.5", "CLP", 1000)],
)
def test_to_minor_rounds_half_up(amount, currency, minor):
    assert to_minor(Decimal(amount), currency) == minor


def test_from_minor_has_the_currency_precision():
    assert str(from_minor(123456, "COP")) == "1234.56"
    assert str(from_minor(1000, "CLP")) == "1000"


def test_format_in_es_co():
    assert format_amount(Decimal("1234567.89"), "es_CO", "COP") == "1.234.567,89"
    assert format_amount(Decimal("1234567"), "en", "CLP") == "1,234,567"


@given(total=st.integers(-10**12, 10**12), parts=st.integers(1, 60))
def test_split_adds_back_up(total, parts):
    pieces = split_evenly(total, parts)
    assert sum(pieces) == total and len(pieces) == parts
    assert max(pieces[:-1] or [0]) - min(pieces[:-1] or [0]) == 0


@given(minor=st.integers(-10**15, 10**15))
def test_minor_round_trip(minor):
    assert to_minor(from_minor(minor, "COP"), "COP") == minor


# The money scale is the project's own (decision 0008) ---------------------------------------------------------------

from recaudo.core.money import Unit, exponents, quantize, table_precision  # noqa: E402

ISO_EXPONENTS = {"COP": 2, "CLP": 0, "PEN": 2, "MXN": 2, "USD": 2, "EUR": 2, "JPY": 0, "KWD": 3, "CLF": 4,
                 "UYW": 4, "BHD": 3, "ARS": 2, "BRL": 2, "VES": 2, "PYG": 0, "UYU": 2, "BOB": 2, "GTQ": 2}


def test_the_table_gives_iso_4217_exponents():
    for code, exponent in ISO_EXPONENTS.items():
        assert table_precision(code) == exponent, code
    assert len(exponents()) > 150


def test_storage_never_follows_babel(monkeypatch):
    """Babel 2.19's CLDR data gives COP 0 decimals (2.18: 2). Whatever Babel says, stored amounts keep their scale."""
    import babel.numbers

    monkeypatch.setattr(babel.numbers, "get_currency_precision", lambda currency: 0)
    monkeypatch.setattr(babel.core.Locale, "currency_formats", {}, raising=False)
    assert to_minor(Decimal("1234567.89"), "COP") == 123456789
    assert str(from_minor(123456789, "COP")) == "1234567.89"
    assert format_amount(from_minor(123456789, "COP"), "es_CO", "COP") == "1.234.567,89"


def test_a_unit_carries_its_recorded_exponent_not_the_table():
    """A portfolio created when the table said COP had 0 decimals keeps reading its amounts with 0."""
    old = Unit("COP", 0)
    assert old == "COP" and hash(old) == hash("COP") and f"{old}" == "COP"
    assert precision(old) == 0 and to_minor(Decimal("1234568"), old) == 1234568
    assert str(from_minor(1234568, old)) == "1234568"
    assert str(from_minor(1234568, "COP")) == "12345.68"


def test_display_decimals_change_only_what_is_shown():
    whole_pesos = Unit("COP", 2, shown=0)
    assert to_minor(Decimal("1234567.89"), whole_pesos) == 123456789
    assert format_amount(from_minor(123456789, whole_pesos), "es_CO", whole_pesos) == "1.234.568"
    assert format_amount(from_minor(123456750, whole_pesos), "es_CO", whole_pesos) == "1.234.568"  # half up
    assert format_amount(from_minor(123456789, "COP"), "es_CO", "COP") == "1.234.567,89"


@given(code=st.sampled_from(sorted(exponents())), minor=st.integers(-10**15, 10**15))
def test_minor_round_trip_in_every_currency(code, minor):
    amount = from_minor(minor, code)
    assert amount.as_tuple().exponent == -table_precision(code)
    assert to_minor(amount, code) == minor
    assert quantize(amount, code) == amount


@given(code=st.sampled_from(sorted(exponents())),
       amount=st.decimals(min_value=-10**12, max_value=10**12, allow_nan=False, allow_infinity=False, places=6))
def test_to_minor_rounds_to_the_currency_scale(code, amount):
    minor = to_minor(amount, code)
    assert abs(from_minor(minor, code) - amount) <= Decimal(1).scaleb(-table_precision(code)) / 2
