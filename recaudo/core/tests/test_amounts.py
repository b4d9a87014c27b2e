"""The one amount parser: worked examples of every rule, and round trips through Babel's es-CO and en formats."""

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from recaudo.core.amounts import (
    MAX_MINOR,
    AmountError,
    check_minor,
    decimal_mark,
    max_amount,
    parse_amount,
    parse_minor,
)
from recaudo.core.money import Unit


@pytest.mark.parametrize(("text", "options", "amount"), [
    # es-CO (decimal ","): "." only groups thousands
    ("1.500.000", {}, "1500000"),
    ("1.500.000,50", {"currency": "COP"}, "1500000.50"),
    ("150.000", {}, "150000"),  # what `ledger pay --amount 150.000` read as 150 before
    ("1500000", {}, "1500000"),
    ("1500000,5", {"currency": "COP"}, "1500000.5"),
    ("0,50", {}, "0.50"),
    ("1 500 000,50", {}, "1500000.50"),  # spaces group in threes too
    ("1\u00a0500\u00a0000", {}, "1500000"),  # no-break spaces (Babel's fr, some bank exports)
    ("1'500'000", {}, "1500000"),
    # en (decimal ".")
    ("1,500,000.50", {"decimal": "."}, "1500000.50"),
    ("1500000.50", {"decimal": "."}, "1500000.50"),
    ("1,500", {"decimal": "."}, "1500"),
    ("1.5", {"decimal": "."}, "1.5"),
    # tolerated around the number
    ("  $ 1.500.000  ", {}, "1500000"),
    ("$1.500.000", {}, "1500000"),
    ("COP 1.500.000", {"currency": "COP"}, "1500000"),
    ("cop $ 1.500.000", {"currency": "COP"}, "1500000"),
    ("1.500.000 COP", {"currency": "COP"}, "1500000"),
    # currency precision: extra zeros are harmless
    ("1.500,00", {"currency": "CLP"}, "1500"),
    ("10,500", {"currency": "COP"}, "10.50"),
    ("1.500", {"currency": Unit("COP", 0)}, "1500"),  # a portfolio that recorded whole pesos
    # bounded size: 15 integer digits
    ("999.999.999.999.999", {}, "999999999999999"),
    # exactly the bound, MAX_MINOR minor units: 10^13 COP (cents), 10^15 CLP
    ("10.000.000.000.000,00", {"currency": "COP"}, "10000000000000.00"),
    ("1.000.000.000.000.000", {"currency": "CLP"}, "1000000000000000"),
    ("1.000.000.000.000.000", {}, "1000000000000000"),
    ("-10.000.000.000.000", {"currency": "COP", "allow_negative": True}, "-10000000000000"),
    ("000000000000000001", {}, "1"),  # leading zeros are not digits of the amount
    # negatives and zero where the field allows them
    ("-1.500", {"allow_negative": True}, "-1500"),
    ("(1.500,50)", {"allow_negative": True}, "-1500.50"),
    ("-$ 1.500", {"allow_negative": True}, "-1500"),
    ("$ -1.500", {"allow_negative": True}, "-1500"),
    ("\u22121.500", {"allow_negative": True}, "-1500"),  # the minus sign Babel writes in some locales
    ("0", {}, "0"),
    # auto (imports only): the last mark, a repeated mark, or a single mark before exactly three digits groups
    ("1.234.567,89", {"decimal": "auto"}, "1234567.89"),
    ("1,234,567.89", {"decimal": "auto"}, "1234567.89"),
    ("1.500", {"decimal": "auto"}, "1500"),
    ("1,500", {"decimal": "auto"}, "1500"),
    ("12,5", {"decimal": "auto"}, "12.5"),
    ("1234.500", {"decimal": "auto"}, "1234.500"),
    ("0.500", {"decimal": "auto"}, "0.500"),  # a leading 0 never starts a thousands group
    # numbers that are already numbers
    (1500000, {}, "1500000"),
    (Decimal("1500000.50"), {"currency": "COP"}, "1500000.50"),
    (1234.5600000000002, {"currency": "COP"}, "1234.56"),  # a spreadsheet's float noise
    (1500.0, {"currency": "CLP"}, "1500"),
    (Decimal("1E+3"), {}, "1000"),
    (Decimal("-2.50"), {"currency": "COP", "allow_negative": True}, "-2.50"),
])
def test_worked_examples(text, options, amount):
    result = parse_amount(text, **options)
    assert result == Decimal(amount) and str(result) == amount


G_COMMA = "not a number: '.' only separates thousands, in groups of three, and ',' marks the decimals (1.500.000,50)"
G_POINT = "not a number: ',' only separates thousands, in groups of three, and '.' marks the decimals (1,500,000.50)"


@pytest.mark.parametrize(("text", "options", "code", "message"), [
    ("1.50", {}, "grouping", G_COMMA),  # not 150: "." groups thousands in threes with decimal ","
    ("1.5000", {}, "grouping", G_COMMA),
    ("1500.000,5", {}, "grouping", G_COMMA),
    ("1.500.00", {}, "grouping", G_COMMA),
    ("1500000.50", {}, "grouping", G_COMMA),
    ("0.500", {}, "grouping", G_COMMA),
    ("1,5", {"decimal": "."}, "grouping", G_POINT),
    ("1.500.000", {"decimal": "."}, "grouping", G_POINT),
    ("1,500,000.50", {}, "grouping", G_COMMA),
    ("mil", {}, "invalid", "not a number: write it like 1.500.000,50"),
    ("1,5,0", {}, "grouping", G_COMMA),
    ("1.5.0", {"decimal": "auto"}, "invalid", "not a number: write it like 1.500.000,50 / 1,500,000.50"),
    ("1e6", {}, "invalid", "not a number: write it like 1.500.000,50"),
    ("NaN", {}, "invalid", "not a number: write it like 1.500.000,50"),
    ("(1.500", {"allow_negative": True}, "invalid", "not a number: write it like 1.500.000,50"),
    ("--5", {"allow_negative": True}, "invalid", "not a number: write it like 1.500.000,50"),
    (True, {}, "invalid", "not a number: write it like 1.500.000,50"),
    (float("inf"), {}, "invalid", "not a number: write it like 1.500.000,50"),
    ("", {}, "required", "an amount is required"),
    ("  $ ", {}, "invalid", "not a number: write it like 1.500.000,50"),
    (None, {}, "required", "an amount is required"),
    # at most MAX_MINOR = 10^15 minor units of the currency (without one, of exponent `decimals`, else 0)
    ("1.000.000.000.000.001", {}, "too_large", "too large: at most 1.000.000.000.000.000"),
    ("1000000000000000,5", {}, "too_large", "too large: at most 1.000.000.000.000.000"),
    (10**15 + 1, {}, "too_large", "too large: at most 1.000.000.000.000.000"),
    (1e30, {"currency": "COP"}, "too_large", "too large: at most 10.000.000.000.000,00 COP"),
    ("10.000.000.000.000,01", {"currency": "COP"}, "too_large", "too large: at most 10.000.000.000.000,00 COP"),
    ("10000000000001", {"currency": "COP"}, "too_large", "too large: at most 10.000.000.000.000,00 COP"),
    ("10,000,000,000,001", {"currency": "COP", "decimal": "."}, "too_large",
     "too large: at most 10,000,000,000,000.00 COP"),
    ("1.000.000.000.000.001", {"currency": "CLP"}, "too_large", "too large: at most 1.000.000.000.000.000 CLP"),
    ("9223372036854775807", {"currency": "COP"}, "too_large", "too large: at most 10.000.000.000.000,00 COP"),
    (9223372036854775807, {"currency": "CLP"}, "too_large", "too large: at most 1.000.000.000.000.000 CLP"),
    ("-10.000.000.000.001", {"currency": "COP", "allow_negative": True}, "too_large",
     "too large: at most 10.000.000.000.000,00 COP"),
    ("100.000.000.000,01", {"decimals": 4}, "too_large", "too large: at most 100.000.000.000,0000"),
    (float("nan"), {}, "invalid", "not a number: write it like 1.500.000,50"),
    ("1" * 70, {}, "invalid", "not a number: write it like 1.500.000,50"),
    ("-1.500", {}, "negative", "must not be negative"),
    ("(1.500)", {}, "negative", "must not be negative"),
    (-5, {}, "negative", "must not be negative"),
    ("0", {"allow_zero": False}, "zero", "must be positive"),
    ("0,00", {"allow_zero": False}, "zero", "must be positive"),
    ("1.500,5", {"currency": "CLP"}, "no_decimals", "CLP amounts have no decimals"),
    ("1.500,555", {"currency": "COP"}, "currency_decimals", "COP amounts have at most 2 decimals"),
    (Decimal("10.505"), {"currency": "COP"}, "currency_decimals", "COP amounts have at most 2 decimals"),
    ("1,5", {"currency": Unit("COP", 0)}, "no_decimals", "COP amounts have no decimals"),
    ("1,505", {"decimals": 2}, "decimals", "at most 2 decimals"),
    ("USD 100", {"currency": "COP"}, "currency", "the amount is in USD, not COP"),
    ("100 EUR", {"currency": "COP"}, "currency", "the amount is in EUR, not COP"),
    ("ABC 100", {}, "invalid", "not a number: write it like 1.500.000,50"),
    ("COP 100", {}, "invalid", "not a number: write it like 1.500.000,50"),  # no currency given: no code known
])
def test_refused(text, options, code, message):
    with pytest.raises(AmountError) as caught:
        parse_amount(text, **options)
    assert (caught.value.code, str(caught.value)) == (code, message)


def test_messages_in_spanish():
    with translation.override("es-co"):
        with pytest.raises(AmountError) as caught:
            parse_amount("1.50")
        assert caught.value.translated() == (
            "no es un número: «.» solo separa los miles, en grupos de tres, y «,» marca los decimales (1.500.000,50)")
        with pytest.raises(AmountError) as caught:
            parse_amount("1,5", currency="CLP")
        assert caught.value.translated() == "los montos en CLP no llevan decimales"
    assert str(caught.value) == "CLP amounts have no decimals"


def test_decimal_mark_of_a_language():
    assert [decimal_mark(x) for x in ("es-co", "es", "en", "en-us", None, "")] == [",", ",", ".", ".", ",", ","]


def test_unknown_decimal_option_is_a_programming_error():
    with pytest.raises(ValueError, match="decimal mark"):
        parse_amount("1", decimal=";")


@pytest.mark.parametrize(("text", "decimal", "currency", "minor"), [
    ("1500000", ",", "COP", 150000000), ("1500000,50", ",", "COP", 150000050), ("1500000.50", "auto", "COP", 150000050),
    ("1.500.000,50", ",", "COP", 150000050), ("1,500,000.50", ".", "COP", 150000050),
    ("1,500,000.50", "auto", "COP", 150000050), ("1.500", "auto", "COP", 150000), ("1500", ",", "CLP", 1500),
    ("1.500", ",", Unit("COP", 0), 1500), ("$ 1.500", ",", "COP", 150000), ("0,01", ",", "COP", 1),
])
def test_minor_units(text, decimal, currency, minor):
    assert parse_minor(text, decimal=decimal, currency=currency) == minor


def test_minor_units_refuse_zero_unless_allowed():
    with pytest.raises(AmountError, match="must be positive"):
        parse_minor("0", currency="COP")
    assert parse_minor("0", currency="COP", allow_zero=True) == 0


amounts = st.decimals(min_value=0, max_value=Decimal("10000000000000.00"), places=2, allow_nan=False,
                      allow_infinity=False)


@given(amount=amounts, locale=st.sampled_from(["es_CO", "en"]))
def test_round_trip_through_babel(amount, locale):
    """An amount formatted the way the locale writes it (Babel's grouping) reads back as the same amount."""
    text = format_decimal(amount, format="#,##0.00", locale=locale)
    decimal = decimal_mark(locale)
    assert parse_amount(text, decimal=decimal, currency="COP") == amount
    assert parse_minor(text, decimal=decimal, currency="COP", allow_zero=True) == int(amount * 100)
    assert parse_amount(text, decimal="auto", currency="COP") == amount


@given(amount=st.integers(min_value=0, max_value=10**15), locale=st.sampled_from(["es_CO", "en"]),
       prefix=st.sampled_from(["", "$", "$ ", "COP ", "  "]), suffix=st.sampled_from(["", " COP", " "]))
def test_round_trip_whole_pesos(amount, locale, prefix, suffix):
    text = prefix + format_decimal(amount, format="#,##0", locale=locale) + suffix
    assert parse_amount(text, decimal=decimal_mark(locale), currency=Unit("COP", 0)) == amount


@given(text=st.text(alphabet="0123456789.,$- ", max_size=14), decimal=st.sampled_from([",", ".", "auto"]),
       currency=st.sampled_from(["COP", "CLP"]))
def test_fast_path_reads_like_the_parser(text, decimal, currency):
    """parse_minor's shortcuts give exactly what parse_amount gives, or the same refusal."""
    try:
        expected = int(parse_amount(text, decimal=decimal, currency=currency, allow_zero=False).scaleb(
            2 if currency == "COP" else 0))
    except AmountError as exc:
        with pytest.raises(AmountError) as caught:
            parse_minor(text, decimal=decimal, currency=currency)
        assert caught.value.code == exc.code
    else:
        assert parse_minor(text, decimal=decimal, currency=currency) == expected


@given(minor=st.integers(min_value=10**15 - 10**4, max_value=10**15 + 10**4),
       style=st.sampled_from(["plain", "grouped"]), currency=st.sampled_from(["COP", "CLP"]),
       decimal=st.sampled_from([",", ".", "auto"]))
def test_bound_is_exact_in_minor_units(minor, style, currency, decimal):
    """Around MAX_MINOR, in every writing the fast path and the parser accept exactly the amounts of at most
    10^15 minor units of the currency, whatever its exponent."""
    exponent = 2 if currency == "COP" else 0
    amount = Decimal(minor).scaleb(-exponent)
    mark = "." if decimal == "." else ","
    if style == "plain":
        text = format(amount, "f").replace(".", mark)
    else:
        locale = "en" if mark == "." else "es_CO"
        text = format_decimal(amount, format="#,##0" + (".00" if exponent else ""), locale=locale)
    if minor <= MAX_MINOR:
        assert parse_minor(text, decimal=decimal, currency=currency) == minor
    else:
        with pytest.raises(AmountError) as caught:
            parse_minor(text, decimal=decimal, currency=currency)
        assert caught.value.code == "too_large"


def test_check_minor_bounds_service_amounts():
    assert check_minor(MAX_MINOR, "COP") == MAX_MINOR
    assert check_minor(-MAX_MINOR) == -MAX_MINOR
    with pytest.raises(AmountError, match=r"too large: at most 10\.000\.000\.000\.000,00 COP"):
        check_minor(MAX_MINOR + 1, "COP")
    assert max_amount("COP") == Decimal("10000000000000.00")
    assert max_amount("CLP") == Decimal(10**15)
