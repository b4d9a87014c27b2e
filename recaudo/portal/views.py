"""The debtor portal's pages (issue 16 §1-§2): getting in with a one-time code or a signed link, the debtor's
obligations, an obligation's interest liquidation, the statement download and paying. Thin: parse, one domain call,
a DomainError shown at its field."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recaudo.core.errors import DomainError, show_at_field
from recaudo.reports.render import render_statement, statement_filename, statement_language
from recaudo.reports.statements import statement_for

from . import services
from .access import (
    CHALLENGE_COOKIE,
    SESSION_COOKIE,
    address_of,
    clear_cookie,
    current_session,
    portal_page,
    portfolio_or_404,
    read_cookie,
    set_challenge,
    set_session,
)
from .actions import ACTIONS
from .forms import CodeForm, EnterForm
from .selectors import obligation_detail, portal_overview, visible_obligation


def _actions(slug: str) -> list[dict]:
    out = []
    for action in ACTIONS:
        try:
            out.append({"url": reverse(action.url_name, kwargs={"slug": slug}), "label": action.label,
                        "hint": action.hint})
        except NoReverseMatch:
            continue
    return out


@never_cache
@require_http_methods(["GET", "POST"])
def enter(request, slug):
    """Type an ID number or customer code; a one-time code goes to a consented contact. The same answer for every
    ID (known or not): the code page."""
    portfolio = portfolio_or_404(slug)
    if current_session(request, portfolio) is not None and request.method == "GET":
        return redirect("portal_home", slug=portfolio.slug)
    form = EnterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key = services.code_request(portfolio=portfolio, identifier=form.cleaned_data["identifier"],
                                        address=address_of(request))
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            response = redirect("portal_code", slug=portfolio.slug)
            set_challenge(response, key)
            return response
    return render(request, "portal/enter.html", {"portfolio": portfolio, "form": form},
                  status=400 if request.method == "POST" else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def code(request, slug):
    """Type the code received. Wrong codes count; past the limit the ID and the address wait."""
    portfolio = portfolio_or_404(slug)
    key = read_cookie(request, CHALLENGE_COOKIE)
    if not key:
        return redirect("portal_enter", slug=portfolio.slug)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session_key = services.code_verify(portfolio=portfolio, key=key, code=form.cleaned_data["code"],
                                               address=address_of(request))
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            response = redirect("portal_home", slug=portfolio.slug)
            clear_cookie(response, CHALLENGE_COOKIE)
            set_session(response, session_key)
            return response
    return render(request, "portal/code.html", {"portfolio": portfolio, "form": form},
                  status=400 if request.method == "POST" else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def link_open(request, token):
    """A signed link from a message. GET only asks to continue (so a mail scanner that fetches links does not spend
    it); POST spends it and signs in."""
    if request.method == "GET":
        return render(request, "portal/link.html", {"portfolio": None, "error": ""})
    try:
        portfolio, session_key = services.link_open(token=token, address=address_of(request))
    except DomainError as exc:
        return render(request, "portal/link.html", {"portfolio": None, "error": exc.message}, status=410)
    response = redirect("portal_home", slug=portfolio.slug)
    set_session(response, session_key)
    return response


@portal_page
@require_GET
def home(request, slug):
    session = request.portal
    overview = portal_overview(session.debtor, timezone.now())
    return render(request, "portal/home.html", {"portfolio": session.portfolio, "o": overview,
                                                "debtor": session.debtor, "actions": _actions(slug)})


@portal_page
@require_GET
def obligation(request, slug, pk):
    session = request.portal
    found = visible_obligation(session.debtor, pk)
    if found is None:
        raise Http404("no such obligation")
    detail = obligation_detail(session.debtor, found, timezone.now())
    return render(request, "portal/obligation.html", {"portfolio": session.portfolio, "d": detail,
                                                      "debtor": session.debtor})


@portal_page
@require_GET
def statement(request, slug):
    """The signed-in debtor's statement of account as a PDF (the office's statement, reports)."""
    session = request.portal
    debtor = session.debtor
    try:
        result = statement_for(debtor=debtor)
        services.download_record(session=session, document="statement")
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    content = render_statement(result, "pdf", statement_language(debtor, get_language()), request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement_filename(result, "pdf")}"'
    return response


@portal_page
@require_http_methods(["GET", "POST"])
def pay(request, slug):
    """How to pay: online by a link (total, one obligation, next installment) when the portfolio has a gateway, and
    bank transfer instructions with the debtor's reference."""
    session = request.portal
    overview = portal_overview(session.debtor, timezone.now())
    error, link = "", None
    if request.method == "POST":
        raw = request.POST.get("obligation", "")
        obligation_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
        try:
            link = services.pay_link_make(session=session, target=request.POST.get("target", ""),
                                          obligation_id=obligation_id)
        except DomainError as exc:
            error = exc.message
        # shown as a link to follow, not a redirect: the CSP's form-action 'self' forbids a form to land on the
        # gateway's page
    return render(request, "portal/pay.html", {"portfolio": session.portfolio, "o": overview,
                                               "debtor": session.debtor, "error": error, "link": link},
                  status=400 if error else 200)


@require_POST
def logout(request, slug):
    portfolio = portfolio_or_404(slug)
    session = current_session(request, portfolio)
    response = redirect("portal_enter", slug=portfolio.slug)
    if session is not None:  # another portfolio's sign-out leaves this browser's session alone
        services.session_end(session=session)
        clear_cookie(response, SESSION_COOKIE)
    return response


@require_GET
def brand_css(request, slug):
    """The creditor's colour as a stylesheet (the CSP allows no inline style): custom properties only."""
    portfolio = portfolio_or_404(slug)
    color = portfolio.brand_color or "#0f766e"
    response = HttpResponse(f":root{{--brand:{color};}}\n", content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def logo(request, slug):
    portfolio = portfolio_or_404(slug)
    if not portfolio.creditor_logo_type or not portfolio.creditor_logo:
        raise Http404("no logo")
    response = HttpResponse(bytes(portfolio.creditor_logo), content_type=portfolio.creditor_logo_type)
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
