"""Numbers, amounts and dates as pages and exports show them, per language."""

from datetime import date
from decimal import Decimal

from recaudo.reports.formatting import fmt_amount, fmt_date, fmt_number


def test_numbers_use_the_languages_separators_and_round_to_the_places():
    assert fmt_number(Decimal("1234.5"), "es-co") == "1.234,50"
    assert fmt_number(Decimal("1234.567"), "en") == "1,234.57"
    assert fmt_number(Decimal("1234567.891"), "es") == "1.234.567,89"
    assert fmt_number(Decimal("12"), "es", places=0) == "12"
    assert fmt_number(Decimal("-0.5"), "es") == "-0,50"


def test_amounts_and_dates_follow_the_language():
    assert fmt_amount(123456789, "COP", "es-co") == "1.234.567,89"
    assert fmt_date(date(2026, 12, 31), "es-co") == "31/12/2026"
    assert fmt_date(date(2026, 12, 31), "en") == "Dec 31, 2026"
