"""Spanish writes month names in lower case: "6 de diciembre de 2026" (Django's own es catalog capitalizes them;
the core catalog overrides it)."""

from datetime import date

from django.utils import formats, translation


def test_long_dates_in_es_co_have_lower_case_months():
    with translation.override("es-co"):
        assert formats.date_format(date(2026, 12, 6), "DATE_FORMAT") == "6 de diciembre de 2026"
        assert formats.date_format(date(2026, 5, 1), "DATE_FORMAT") == "1 de mayo de 2026"
    with translation.override("en"):
        assert formats.date_format(date(2026, 12, 6), "DATE_FORMAT") == "Dec. 6, 2026"
