"""Personalized messages: the template context of a debtor (plain data only) and sandboxed rendering.

The context carries the consolidated list of the debtor's overdue obligations (one message per debtor, never one
per invoice), totals in Decimal, dates, the payment reference (by the portfolio's kind: docs/bank-files.md), a
link to the debtor portal (empty while the portal is off) and the debtor's open payment link (`payment_link`, empty
without an active payment gateway).
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.template import Context, TemplateSyntaxError
from django.utils.html import strip_tags
from django.utils.translation import gettext, gettext_noop

from recaudo.banking.selectors import References, open_payment_link_url, payment_references
from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .models import Template
from .rules import greeting_name, is_company, sms_text
from .sandbox import (
    HTML_ENGINE,
    MAX_DOCUMENT_CHARS,
    MAX_OUTPUT_CHARS,
    MAX_SOURCE_CHARS,
    RENDER_LOCALE,
    STRICT_HTML_ENGINE,
    STRICT_TEXT_ENGINE,
    TEXT_ENGINE,
    SandboxLimitError,
    babel_locale,
    compile_limited,
    render_limits,
    unknown_variables,
)

DEFAULT_LANGUAGE = "es"
PORTAL_SALT = "recaudo.portal.debtor"
BANK_KEYS = ("name", "account", "account_type", "service_code")


class RenderError(DomainError):
    """The template does not compile or fails to render; the message says where."""


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str  # HTML for email, text otherwise
    text: str  # plain-text version
    html: bool
    language: str
    template_id: int | None = None
    template_version: int | None = None
    whatsapp_template_name: str = ""
    whatsapp_params: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def message_language(debtor: Debtor) -> str:
    lang = (debtor.language or DEFAULT_LANGUAGE).lower()[:2]
    return lang if lang in ("es", "en") else DEFAULT_LANGUAGE


def template_lookup(*, portfolio: Portfolio | int, code: str, channel: str, language: str,
                    cache: dict | None = None) -> Template | None:
    """The portfolio's own active template, else the default; in `language`, else Spanish."""
    portfolio_id = portfolio if isinstance(portfolio, int) else portfolio.pk
    key = (portfolio_id, code, channel, language)
    if cache is not None and key in cache:
        return cache[key]
    candidates = list(Template.objects.filter(Q(portfolio_id=portfolio_id) | Q(portfolio__isnull=True), code=code,
                                              channel=channel, active=True,
                                              language__in={language, DEFAULT_LANGUAGE}))

    def rank(t: Template):
        return (t.language != language, t.portfolio_id is None)

    found = min(candidates, key=rank) if candidates else None
    if cache is not None:
        cache[key] = found
    return found


PORTAL_LINK_PATH = "/portal/l/"  # where recaudo.portal opens a signed link (its urls.py uses the same path)


def portal_enabled() -> bool:
    """The debtor portal's links go out in messages when its public address is set (RECAUDO_PORTAL_URL, e.g.
    https://pagos.example.co); off by default, and then messages carry no link to it (`portal_link` is empty; the
    default templates test it with `if`)."""
    return bool((getattr(settings, "RECAUDO_PORTAL_URL", "") or "").strip())


def portal_link(debtor_id: int, host: str = "") -> str:
    """The debtor's link to the portal: RECAUDO_PORTAL_URL + /portal/l/<token>/, the token signed with the
    installation's key (salt PORTAL_SALT) over the debtor, a random nonce and the time it was made (the signature's
    timestamp). The portal lets it in only within its age limit and once (it records the nonce when the link is
    used: recaudo.portal.services.link_open). `host`: the portfolio's own portal host name (Portfolio.portal_host),
    which then replaces RECAUDO_PORTAL_URL's host (its scheme kept, https by default). Empty while the portal is
    off, so no message points at a page that does not exist. Writes nothing."""
    base = (getattr(settings, "RECAUDO_PORTAL_URL", "") or "").strip()
    if not base:
        return ""
    if host:
        scheme = base.split("://", 1)[0] if "://" in base else "https"
        base = f"{scheme}://{host}"
    token = signing.dumps({"d": debtor_id, "n": secrets.token_urlsafe(12)}, salt=PORTAL_SALT, compress=True)
    return f"{base.rstrip('/')}{PORTAL_LINK_PATH}{token}/"


def overdue_obligations(debtor_ids: list[int], today_by_debtor: dict[int, date]) -> dict[int, list[Obligation]]:
    """Open obligations with a balance, per debtor, oldest first (one query for a whole batch)."""
    result: dict[int, list[Obligation]] = defaultdict(list)
    rows = (Obligation.objects.filter(debtor_id__in=debtor_ids, status=Obligation.Status.OPEN, balance_minor__gt=0)
            .only("id", "debtor_id", "number", "kind", "due_date", "issue_date", "balance_minor", "currency",
                  "description", "disputed")
            .order_by("debtor_id", "due_date", "number"))
    for o in rows:
        result[o.debtor_id].append(o)
    return result


def bank_details(given) -> dict:
    """The bank transfer details a template may show (`bank.name`, `bank.account`, `bank.account_type`,
    `bank.service_code`): each a short string, empty when not given."""
    given = given if isinstance(given, dict) else {}
    return {key: str(given.get(key) or "")[:60] for key in BANK_KEYS}


def debtor_context(*, debtor: Debtor, portfolio: Portfolio, obligations: list[Obligation], now: datetime,
                   extra: dict | None = None, references: References | None = None) -> dict:
    """Plain data for templates: never model objects. `references`: the payment references of the debtor and its
    obligations (banking.selectors.payment_references); without them the customer code."""
    zone = ZoneInfo(debtor.timezone or portfolio.timezone or "UTC")
    today = now.astimezone(zone).date()
    currency = portfolio.currency
    items, total_overdue, total_balance = [], Decimal(0), Decimal(0)
    for o in obligations:
        balance = from_minor(o.balance_minor, o.currency)
        days = (today - o.due_date).days
        total_balance += balance
        if days > 0 and not o.disputed:
            total_overdue += balance
            items.append({"number": o.number, "kind": o.kind, "description": o.description, "issue_date": o.issue_date,
                          "due_date": o.due_date, "days_past_due": days, "balance": balance,
                          "currency": o.currency,
                          "payment_reference": references.of_obligation(o.pk, debtor.pk) if references
                          else debtor.code})
    oldest = min((i["due_date"] for i in items), default=None)
    reference = (references.of_debtor(debtor.pk) if references else "") or debtor.code
    context = {
        "debtor": {"name": debtor.name,
                   "first_name": greeting_name(name=debtor.name, kind=debtor.kind, id_type=debtor.id_type),
                   "company": is_company(kind=debtor.kind, id_type=debtor.id_type),
                   "code": debtor.code, "id_number": debtor.id_number},
        "portfolio": {"name": portfolio.name, "creditor": portfolio.creditor or portfolio.name},
        "obligations": items,
        "obligation_count": len(items),
        "total_overdue": from_minor(0, currency) + total_overdue,
        "total_balance": from_minor(0, currency) + total_balance,
        "currency": currency,
        "oldest_due_date": oldest,
        "max_days_past_due": max((i["days_past_due"] for i in items), default=0),
        "payment_reference": reference,
        "referencia_pago": reference,  # the same, by its Spanish name
        "portal_link": portal_link(debtor.pk, host=portfolio.portal_host),
        # the debtor's open payment link when the portfolio has an active gateway (banking), else ""; a caller that
        # made the link the message is about gives it (the PAGAR answer: the link for the amount it states)
        "payment_link": str((extra or {})["payment_link"] or "")[:500] if "payment_link" in (extra or {})
        else open_payment_link_url(debtor.pk, now=now) if debtor.pk else "",
        "today": today,
        # where to pay by bank transfer (the self-service "PAGAR" answer gives it: the portfolio's convenio); empty
        "bank": bank_details((extra or {}).get("bank")),
    }
    for key, value in (extra or {}).items():
        if key not in context and isinstance(value, (str, int, float, Decimal, date, list, dict, bool, type(None))):
            context[key] = value
    return context


def sample_context(portfolio: Portfolio, now: datetime) -> dict:
    """A made-up debtor for validating a template without one."""
    debtor = Debtor(pk=0, portfolio=portfolio, code="C-0001", name="Luz Marina Restrepo", language="es")
    obligations = [
        Obligation(number="F-1001", kind="invoice", issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
                   balance_minor=123456789, currency=portfolio.currency, description="", disputed=False),
    ]
    references = References(kind="", debtors={0: debtor.code}, obligations={})
    return debtor_context(debtor=debtor, portfolio=portfolio, obligations=obligations, now=now,
                          references=references)


ENGINES = {(True, False): HTML_ENGINE, (False, False): TEXT_ENGINE, (True, True): STRICT_HTML_ENGINE,
           (False, True): STRICT_TEXT_ENGINE}


# Django's template parser says what is wrong in English; these are the problems a person writing a message
# template meets, said again in the page's language (a message Django words otherwise keeps its English).
SYNTAX_PROBLEMS = [
    (re.compile(r"Invalid block tag on line (?P<line>\d+): '(?P<tag>[^']*)', expected (?P<expected>.*?)\. Did you"),
     gettext_noop("line %(line)s: the tag “%(tag)s” is not expected here; expected %(expected)s")),
    (re.compile(r"Invalid block tag on line (?P<line>\d+): '(?P<tag>[^']*)'\. Did you"),
     gettext_noop("line %(line)s: message templates have no tag “%(tag)s” (they cannot load, include or extend "
                  "other templates)")),
    (re.compile(r"Unclosed tag on line (?P<line>\d+): '(?P<tag>[^']*)'\. Looking for one of: (?P<closers>.*?)\.?$"),
     gettext_noop("line %(line)s: the tag “%(tag)s” is never closed (close it with %(closers)s)")),
    (re.compile(r"Invalid filter: '(?P<filter>[^']*)'"),
     gettext_noop("message templates have no filter “%(filter)s”")),
    (re.compile(r"Variables and attributes may not begin with underscores: '(?P<name>.*)'"),
     gettext_noop("“%(name)s”: a variable's name may not begin with an underscore")),
    (re.compile(r"Could not parse the remainder: '(?P<rest>.*)' from '(?P<whole>.*)'"),
     gettext_noop("“%(whole)s” cannot be read from “%(rest)s” on")),
    (re.compile(r"Empty variable tag on line (?P<line>\d+)"),
     gettext_noop("line %(line)s: a pair of double braces with no variable inside")),
    (re.compile(r"Empty block tag on line (?P<line>\d+)"),
     gettext_noop("line %(line)s: a tag with nothing inside")),
    (re.compile(r"(?P<filter>\w+) requires (?P<needed>\d+) arguments?, (?P<given>\d+) provided"),
     gettext_noop("the filter “%(filter)s” takes %(needed)s argument(s), not %(given)s")),
]


def syntax_problem(message: str) -> str:
    """A TemplateSyntaxError's message in the active language. Worked example, in es-CO: "Invalid block tag on line
    1: 'load'. Did you forget to register or load this tag?" -> "línea 1: las plantillas de mensajes no tienen la
    etiqueta «load» (no pueden cargar, incluir ni extender otras plantillas)"."""
    for pattern, template in SYNTAX_PROBLEMS:
        found = pattern.search(message)
        if found:
            return gettext(template) % found.groupdict()
    return message


@lru_cache(maxsize=256)
def _compile(source: str, html: bool, strict: bool):
    return compile_limited(ENGINES[(html, strict)], source)


def render_source(source: str, context: dict, *, html: bool, locale: str, strict: bool = False,
                  max_chars: int = MAX_OUTPUT_CHARS) -> str:
    """Render user template text in the sandbox, within its limits (see sandbox.py). Raises RenderError (never
    anything else). The result is a plain str, never a SafeString: wherever it is shown it gets escaped."""
    if len(source) > MAX_SOURCE_CHARS:
        raise RenderError(gettext("the template is longer than %(limit)s characters") % {"limit": MAX_SOURCE_CHARS})
    token = RENDER_LOCALE.set(locale)
    try:
        with render_limits(max_chars) as limits:
            output = _compile(source, html, strict).render(Context(context, autoescape=html))
            limits.check_size(output)
        return str.__str__(output)
    except SandboxLimitError as exc:
        raise RenderError(str(exc))
    except TemplateSyntaxError as exc:
        raise RenderError(syntax_problem(str(exc)))
    except RecursionError:
        raise RenderError(gettext("the template nests too deeply"))
    except Exception as exc:  # a filter fed odd data: report, never crash a send
        raise RenderError(f"{type(exc).__name__}: {exc}")
    finally:
        RENDER_LOCALE.reset(token)


def render_parts(*, subject: str, body: str, channel: str, context: dict, language: str, country: str,
                 whatsapp_params: list[str] | None = None, strict: bool = False) -> tuple[str, str, str, list[str]]:
    """(subject, body, text, whatsapp params). Email bodies are HTML with autoescape; others are text."""
    locale = babel_locale(language, country)
    html = channel == "email"
    subject_out = " ".join(render_source(subject or "", context, html=False, locale=locale, strict=strict).split())
    body_out = render_source(body, context, html=html, locale=locale, strict=strict,
                             max_chars=MAX_DOCUMENT_CHARS if channel in ("email", "letter") else MAX_OUTPUT_CHARS)
    if channel == "sms":
        body_out = sms_text(body_out)  # amounts' no-break spaces would make the whole SMS UCS-2
    text = _html_to_text(body_out) if html else body_out
    params = []
    for path in whatsapp_params or []:
        expression = path if "{" in path else "{{ " + path + " }}"
        params.append(render_source(expression, context, html=False, locale=locale, strict=strict).strip())
    return subject_out, body_out, text, params


def _html_to_text(html: str) -> str:
    text = re.sub(r"(?i)</t[dh]>", "  ", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</tr>|</h\d>", "\n", text)
    text = strip_tags(text)
    from html import unescape

    lines = [" ".join(line.split()) for line in unescape(text).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def template_render(*, template: Template, debtor: Debtor, now: datetime, context: dict | None = None,
                    obligations: list[Obligation] | None = None,
                    references: References | None = None) -> RenderedMessage:
    """Render `template` for `debtor` (preview and sending). Raises RenderError. `obligations` and `references`
    (the payment references: banking.selectors.payment_references) are read when not given."""
    portfolio = debtor.portfolio
    if obligations is None:
        obligations = overdue_obligations([debtor.pk], {})[debtor.pk]
    if references is None:
        references = payment_references(portfolio, [debtor.pk])
    ctx = debtor_context(debtor=debtor, portfolio=portfolio, obligations=obligations, now=now, extra=context,
                         references=references)
    subject, body, text, params = render_parts(
        subject=template.subject, body=template.body, channel=template.channel, context=ctx,
        language=template.language, country=portfolio.country, whatsapp_params=template.whatsapp_params)
    return RenderedMessage(subject=subject, body=body, text=text, html=template.channel == "email",
                           language=template.language, template_id=template.pk, template_version=template.version,
                           whatsapp_template_name=template.whatsapp_template_name, whatsapp_params=params)


def template_validate(*, subject: str, body: str, channel: str, language: str, portfolio: Portfolio, now: datetime,
                      whatsapp_params: list[str] | None = None) -> list[str]:
    """Compile and render against a sample debtor. Raises RenderError; returns warnings (unknown variables)."""
    ctx = sample_context(portfolio, now)
    parts = render_parts(subject=subject, body=body, channel=channel, context=ctx, language=language,
                         country=portfolio.country, whatsapp_params=whatsapp_params, strict=True)
    return [gettext("unknown variable: %(name)s") % {"name": name}
            for name in unknown_variables(parts[0], parts[1], *parts[3])]
