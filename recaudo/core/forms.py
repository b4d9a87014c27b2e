"""Form fields shared by every app."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from django import forms
from django.utils.translation import get_language, to_locale

from .amounts import AmountError, decimal_mark, parse_amount


class DateInput(forms.DateInput):
    """A browser date picker (<input type="date">). Its value must be ISO (2026-12-06) whatever the language: the
    localized es-CO format (06/12/2026) is not a valid value for the browser, which then shows the field empty.
    Every form's date fields use this widget (core/tests/test_forms.py checks it)."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's own argument name
        super().__init__(attrs=attrs, format=format or "%Y-%m-%d")


class AmountField(forms.Field):
    """An amount typed the way the active language writes it, read by recaudo.core.amounts.parse_amount:
    "1.500.000" or "1.500.000,50" in Spanish (es-CO), "1,500,000.50" in English.

    `currency` (a code or a portfolio's Unit; may be set after the form is built) limits the decimals to the
    currency's; without it at most `decimals` (2). Negative amounts only with allow_negative; zero refused with
    allow_zero=False. The cleaned value is a Decimal (None when empty and not required)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 40, "autocomplete": "off"})

    def __init__(self, *, currency: str | None = None, decimals: int = 2, allow_negative: bool = False,
                 allow_zero: bool = True, **kwargs):
        self.currency, self.decimals = currency, decimals
        self.allow_negative, self.allow_zero = allow_negative, allow_zero
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parse_amount(value, decimal=decimal_mark(get_language()), currency=self.currency,
                                decimals=None if self.currency else self.decimals,
                                allow_negative=self.allow_negative, allow_zero=self.allow_zero)
        except AmountError as exc:
            raise forms.ValidationError(exc.translated(), code=exc.code)

    def prepare_value(self, value):
        """An initial amount (Decimal or int) is shown the active language's way; typed text stays as typed."""
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return format_decimal(value, format="#,##0.##########", locale=to_locale(get_language() or "es-co"))
        return value
