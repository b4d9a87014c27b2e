"""The sandboxed template engine for message templates written by users.

A dedicated django.template.Engine: no loaders (no {% include %}, {% extends %} or {% load %}), none of Django's
default builtins, only the whitelisted tags and filters below; the context holds plain dicts, lists, strings,
Decimals and dates (never model objects); names starting with an underscore are refused by Django's parser.

Limits (issue 12): a render may produce at most `max_chars` characters (MAX_OUTPUT_CHARS for texts,
MAX_DOCUMENT_CHARS for emails and letters), run at most MAX_LOOP_ITERATIONS loop iterations in total (across nested
loops), take at most MAX_RENDER_SECONDS, and numeric filter arguments (center, ljust, rjust, truncatechars,
truncatewords, wordwrap, floatformat) may not exceed MAX_FILTER_ARGUMENT. Exceeding one raises SandboxLimitError
with a translated message; rendering.render_source turns it into a RenderError (a preview error, a permanent send
failure). Filters' results are checked as they are produced, loops' output as it grows, so an attack never gets to
build the big string first.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Sized
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from django.template import Library, defaultfilters, defaulttags
from django.template.base import TextNode, VariableNode
from django.template.engine import Engine
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from recaudo.core.money import precision

register = Library()

MAX_OUTPUT_CHARS = 20_000  # an SMS or WhatsApp text, a subject, a WhatsApp parameter
MAX_DOCUMENT_CHARS = 200_000  # an email (HTML) or a letter: long lists of obligations are legitimate there
MAX_LOOP_ITERATIONS = 10_000  # in total per render, nested loops included
MAX_FILTER_ARGUMENT = 1_000  # |center:N, |ljust:N, |rjust:N, |truncatechars:N, |truncatewords:N, |wordwrap:N...
MAX_RENDER_SECONDS = 2.0
MAX_SOURCE_CHARS = 50_000  # the template text itself
NUMERIC_ARGUMENT_FILTERS = ("center", "ljust", "rjust", "truncatechars", "truncatewords", "wordwrap", "floatformat")


class SandboxLimitError(Exception):
    """A render went over one of the limits above; str() is a translated one-line message."""


@dataclass
class Budget:
    max_chars: int = MAX_OUTPUT_CHARS
    max_iterations: int = MAX_LOOP_ITERATIONS
    seconds: float = MAX_RENDER_SECONDS
    iterations: int = 0
    produced: int = 0
    deadline: float = 0.0

    def start(self) -> Budget:
        self.deadline = time.monotonic() + self.seconds
        return self

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise SandboxLimitError(gettext("rendering took more than %(seconds)s seconds; simplify the template")
                                    % {"seconds": _number(self.seconds)})

    def tick(self) -> None:
        self.iterations += 1
        if self.iterations > self.max_iterations:
            raise SandboxLimitError(gettext("the loops repeat more than %(limit)s times in total")
                                    % {"limit": _number(self.max_iterations)})
        self.check_time()

    def add_output(self, length: int) -> None:
        """Everything a leaf node (text, variable, cycle...) emits ends up in the output once: count it as it goes."""
        self.produced += length
        self.check_length(self.produced)

    def check_size(self, value) -> None:
        if isinstance(value, Sized) and not isinstance(value, dict):
            self.check_length(len(value))

    def check_length(self, length: int) -> None:
        if length > self.max_chars:
            raise SandboxLimitError(gettext("the result is longer than %(limit)s characters")
                                    % {"limit": _number(self.max_chars)})


def _number(value) -> str:
    return format_decimal(value, locale=babel_locale())


RENDER_BUDGET: ContextVar[Budget | None] = ContextVar("recaudo_render_budget", default=None)


def budget() -> Budget:
    """The budget of the render in progress; outside render_limits(), a fresh one (size and argument caps only)."""
    return RENDER_BUDGET.get() or Budget().start()


@contextmanager
def render_limits(max_chars: int = MAX_OUTPUT_CHARS):
    token = RENDER_BUDGET.set(Budget(max_chars=max_chars, max_iterations=MAX_LOOP_ITERATIONS,
                                     seconds=MAX_RENDER_SECONDS).start())
    try:
        yield RENDER_BUDGET.get()
    finally:
        RENDER_BUDGET.reset(token)


def _check_argument(name: str, arg) -> None:
    text = str(arg).strip().rstrip("gu") if name == "floatformat" else str(arg).strip()
    try:
        number = int(text)
    except ValueError:
        return  # not a number: the filter itself ignores it
    if abs(number) > MAX_FILTER_ARGUMENT:
        raise SandboxLimitError(gettext("the argument of the filter “%(filter)s” is %(value)s; at most "
                                        "%(limit)s is allowed")
                                % {"filter": name, "value": arg, "limit": _number(MAX_FILTER_ARGUMENT)})


def _guarded(name: str, func):
    """The filter, with its numeric argument capped, the time checked and its result's size checked."""

    @functools.wraps(func)
    def guarded(value, *args, **kwargs):
        current = budget()
        current.check_time()
        if name in NUMERIC_ARGUMENT_FILTERS and args:
            _check_argument(name, args[0])
        if name == "join" and isinstance(value, (list, tuple)):
            separator = len(str(args[0])) if args else 0
            estimate = 0
            for item in value:
                estimate += len(str(item)) + separator
                if estimate > current.max_chars:
                    current.check_length(estimate)
        result = func(value, *args, **kwargs)
        current.check_size(result)
        return result

    return guarded


ALLOWED_TAGS = ("if", "with", "comment", "cycle", "firstof", "spaceless", "templatetag", "verbatim")
ALLOWED_FILTERS = ("default", "default_if_none", "upper", "lower", "title", "capfirst", "length", "first", "last",
                   "join", "linebreaksbr", "linebreaks", "truncatechars", "truncatewords", "yesno", "pluralize",
                   "escape", "force_escape", "striptags", "wordwrap", "add", "slice", "cut", "center", "ljust",
                   "rjust", "floatformat", "urlencode")

for _name in ALLOWED_TAGS:
    register.tag(_name, defaulttags.register.tags[_name])
for _name in ALLOWED_FILTERS:
    register.filters[_name] = _guarded(_name, defaultfilters.register.filters[_name])


class LimitedForNode(defaulttags.ForNode):
    """Django's {% for %}, counting every iteration against the render's budget and checking the size of what the
    loop produced so far after each iteration."""

    def render(self, context):
        current = budget()
        parentloop = context.get("forloop", {})
        with context.push():
            values = self.sequence.resolve(context, ignore_failures=True)
            if values is None:
                values = []
            if not hasattr(values, "__len__"):
                values = list(values)
            len_values = len(values)
            if len_values < 1:
                return self.nodelist_empty.render(context)
            nodelist, size = [], 0
            if self.is_reversed:
                values = reversed(values)
            unpack = len(self.loopvars) > 1
            loop_dict = context["forloop"] = {"parentloop": parentloop}
            for i, item in enumerate(values):
                current.tick()
                loop_dict.update(counter0=i, counter=i + 1, revcounter=len_values - i,
                                 revcounter0=len_values - i - 1, first=i == 0, last=i == len_values - 1)
                if unpack:
                    try:
                        len_item = len(item)
                    except TypeError:
                        len_item = 1
                    if len(self.loopvars) != len_item:
                        raise ValueError(f"Need {len(self.loopvars)} values to unpack in for loop; got {len_item}.")
                    context.update(dict(zip(self.loopvars, item, strict=True)))
                else:
                    context[self.loopvars[0]] = item
                for node in self.nodelist_loop:
                    piece = node.render_annotated(context)
                    size += len(piece)
                    nodelist.append(piece)
                current.check_length(size)
                if unpack:
                    context.pop()
        return mark_safe("".join(nodelist))  # noqa: S308 - as Django's ForNode: the pieces were escaped already


@register.tag(name="for")
def do_for(parser, token):
    node = defaulttags.do_for(parser, token)
    node.__class__ = LimitedForNode
    return node


def babel_locale(language: str | None = None, country: str = "CO") -> str:
    language = (language or translation.get_language() or "es").lower()
    if language.startswith("en"):
        return "en"
    return f"es_{country}" if country in {"CO", "PE", "MX", "CL", "EC", "AR"} else "es_CO"


RENDER_LOCALE: ContextVar[str | None] = ContextVar("recaudo_render_locale", default=None)


def current_locale() -> str:
    """The Babel locale of the message being rendered (set by rendering.render_source), else the active one."""
    return RENDER_LOCALE.get() or babel_locale()


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


register.filters["money"] = _guarded("money", money)
register.filters["date"] = _guarded("date", date_filter)


class _Counted:
    """Mixed into the leaf nodes of a compiled template: their output counts against the render's size limit."""

    def render(self, context):
        output = super().render(context)
        budget().add_output(len(output))
        return output


_LEAVES = (TextNode, VariableNode, defaulttags.CycleNode, defaulttags.FirstOfNode, defaulttags.TemplateTagNode,
           defaulttags.VerbatimNode)
_COUNTED = {leaf: type(f"Counted{leaf.__name__}", (_Counted, leaf), {}) for leaf in _LEAVES}


def compile_limited(engine: Engine, source: str):
    """engine.from_string(source), with every leaf node counting its output against the size limit."""
    template = engine.from_string(source)
    for node in template.nodelist.get_nodes_by_type(_LEAVES):
        if type(node) in _COUNTED:
            node.__class__ = _COUNTED[type(node)]
    return template


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
_INVALID = re.compile(re.escape(INVALID_MARK).replace(re.escape("%s"), "(.*?)"))


def unknown_variables(*rendered: str) -> list[str]:
    """The names a strict engine marked as unknown (INVALID_MARK) in what it rendered, sorted, once each."""
    return sorted({name for text in rendered for name in _INVALID.findall(text) if name})
STRICT_HTML_ENGINE = _engine(autoescape=True, string_if_invalid=INVALID_MARK)
STRICT_TEXT_ENGINE = _engine(autoescape=False, string_if_invalid=INVALID_MARK)
