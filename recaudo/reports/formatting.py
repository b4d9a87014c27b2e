"""Display formatting for reports: amounts and dates in the active language (es-CO by default), bucket labels.

es-CO: 1.234.567,89 and 31/12/2026; en: 1,234,567.89 and Dec 31, 2026. CSV/JSON never use these (they carry
plain decimal strings with a point and ISO dates).
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal
from django.conf import settings
from django.utils.translation import get_language, gettext, to_locale

from recaudo.core.money import format_amount, from_minor
from recaudo.portfolio.aging import Bucket


def babel_locale(language: str | None = None) -> str:
    language = language or get_language() or settings.LANGUAGE_CODE
    if language.lower().startswith("en"):
        return "en"
    if language.lower().startswith("es"):
        return "es_CO"
    return to_locale(language)


def is_english(language: str | None = None) -> bool:
    return babel_locale(language) == "en"


def fmt_amount(minor: int | None, currency: str, language: str | None = None) -> str:
    return format_amount(from_minor(minor or 0, currency), locale=babel_locale(language), currency=currency)


def fmt_number(value, language: str | None = None, places: int = 2) -> str:
    """A number with `places` decimals in the language's separators (es-CO 1.234,50; en 1,234.50)."""
    zeros = "0" * places
    return format_decimal(value, format=f"#,##0.{zeros}" if places else "#,##0", locale=babel_locale(language),
                          decimal_quantization=True)


def fmt_date(value: date | None, language: str | None = None) -> str:
    if value is None:
        return ""
    locale = babel_locale(language)
    if locale == "en":
        return format_date(value, format="MMM d, yyyy", locale="en")
    return format_date(value, format="dd/MM/yyyy", locale=locale)


def bucket_label(bucket: Bucket) -> str:
    """Translated label (the JSON keeps Bucket.label, which is stable)."""
    if bucket.min_days is None:
        if bucket.max_days == 0:
            return gettext("Current")
        return gettext("Up to %(days)s days") % {"days": bucket.max_days}
    if bucket.max_days is None:
        return gettext("Over %(days)s days") % {"days": bucket.min_days - 1}
    return gettext("%(low)s–%(high)s days") % {"low": bucket.min_days, "high": bucket.max_days}
