"""The sandboxed template engine for message templates written by users.

A dedicated django.template.Engine: no loaders (no {% include %}, {% extends %} or {% load %}), none of Django's
default builtins, only the whitelisted tags and filters below; the context holds plain dicts, lists, strings,
Decimals and dates (never model objects); names starting with an underscore are refused by Django's parser.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from django.template import Library, defaultfilters, defaulttags
from django.template.engine import Engine
from django.utils import translation

from recaudo.core.money import precision

register = Library()

ALLOWED_TAGS = ("if", "for", "with", "comment", "cycle", "firstof", "spaceless", "templatetag", "verbatim")
ALLOWED_FILTERS = ("default", "default_if_none", "upper", "lower", "title", "capfirst", "length", "first", "last",
                   "join", "linebreaksbr", "linebreaks", "truncatechars", "truncatewords", "yesno", "pluralize",
                   "escape", "force_escape", "striptags", "wordwrap", "add", "slice", "cut", "center", "ljust",
                   "rjust", "floatformat", "urlencode")

for _name in ALLOWED_TAGS:
    register.tag(_name, defaulttags.register.tags[_name])
for _name in ALLOWED_FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]


def babel_locale(language: str | None = None, country: str = "CO") -> str:
    language = (language or translation.get_language() or "es").lower()
    if language.startswith("en"):
        return "en"
    return f"es_{country}" if country in {"CO", "PE", "MX", "CL", "EC", "AR"} else "es_CO"


RENDER_LOCALE: ContextVar[str | None] = ContextVar("recaudo_render_locale", default=None)


def current_locale() -> str:
    """The Babel locale of the message being rendered (set by rendering.render_source), else the active one."""
    return RENDER_LOCALE.get() or babel_locale()


@register.filter(name="money")
def money(value, currency: str = ""):
    """1234567.89 -> es-CO "1.234.567,89" / en "1,234,567.89"; with a currency code: "$ 1.234.567,89"."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return value
    locale = current_locale()
    if currency:
        try:
            digits = precision(currency)
        except ValueError:
            return format_decimal(amount, format="#,##0.00", locale=locale)
        return format_currency(amount, currency, locale=locale, format="¤ #,##0" + ("." + "0" * digits if digits
                                                                                     else ""),
                               currency_digits=False)
    return format_decimal(amount, format="#,##0.00", locale=locale)


@register.filter(name="date")
def date_filter(value, style: str = "short"):
    """es-CO "31/12/2026" / en "Dec 31, 2026"; style "long": "31 de diciembre de 2026" / "December 31, 2026"."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return value
    locale = current_locale()
    if style == "long":
        return format_date(value, format="long", locale=locale)
    if locale == "en":
        return format_date(value, format="MMM d, yyyy", locale="en")
    return format_date(value, format="dd/MM/yyyy", locale=locale)


class SandboxEngine(Engine):
    default_builtins: list[str] = []  # nothing from Django's defaults: only the whitelist in `register`


def _engine(autoescape: bool, string_if_invalid: str = "") -> SandboxEngine:
    engine = SandboxEngine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=autoescape,
                           string_if_invalid=string_if_invalid, debug=False)
    engine.template_builtins = [register]
    return engine


HTML_ENGINE = _engine(autoescape=True)
TEXT_ENGINE = _engine(autoescape=False)
INVALID_MARK = "\x00INVALID:%s\x00"
STRICT_HTML_ENGINE = _engine(autoescape=True, string_if_invalid=INVALID_MARK)
STRICT_TEXT_ENGINE = _engine(autoescape=False, string_if_invalid=INVALID_MARK)
