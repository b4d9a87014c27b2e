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
