"""The portal's own session: a signed cookie, path /portal/, naming a PortalSession row by a random key (stored
hashed). It is not Django's session and not a staff sign-in: staff pages never read it, and the portal never reads
a staff sign-in. `portal_page` guards every page of a signed-in debtor (other helpers' action pages use it too)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache

from recaudo.accounts.throttle import client_address
from recaudo.portfolio.models import Portfolio

from .rules import CODE_MINUTES, SESSION_MINUTES
from .selectors import session_by_key
from .services import key_hash

SESSION_COOKIE = "recaudo_portal"
CHALLENGE_COOKIE = "recaudo_portal_code"
COOKIE_PATH = "/portal/"
SALT = "recaudo.portal.cookie"


def address_of(request) -> str:
    return client_address(request) or ""


def set_cookie(response, name: str, value: str, minutes: int) -> None:
    response.set_signed_cookie(name, value, salt=SALT + name, max_age=minutes * 60, path=COOKIE_PATH,
                               httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


def read_cookie(request, name: str) -> str:
    return request.get_signed_cookie(name, default="", salt=SALT + name) or ""


def clear_cookie(response, name: str) -> None:
    response.delete_cookie(name, path=COOKIE_PATH, samesite="Lax")


def set_session(response, key: str) -> None:
    set_cookie(response, SESSION_COOKIE, key, SESSION_MINUTES)


def set_challenge(response, key: str) -> None:
    set_cookie(response, CHALLENGE_COOKIE, key, CODE_MINUTES)


def portfolio_or_404(slug: str) -> Portfolio:
    return get_object_or_404(Portfolio, slug=slug)


def current_session(request, portfolio: Portfolio):
    """The signed-in debtor's open session for this portfolio, or None."""
    session = session_by_key(key_hash(read_cookie(request, SESSION_COOKIE)) if read_cookie(
        request, SESSION_COOKIE) else "", timezone.now())
    if session is None or session.portfolio_id != portfolio.pk:
        return None
    session.debtor.portfolio = session.portfolio
    return session


def portal_page(view):
    """For pages of a signed-in debtor: the portfolio by its slug (404), the session (else back to the portal's
    entry page), request.portal set to the session; never cached."""

    @wraps(view)
    @never_cache
    def wrapper(request, slug, *args, **kwargs):
        portfolio = portfolio_or_404(slug)
        session = current_session(request, portfolio)
        if session is None:
            return redirect("portal_enter", slug=portfolio.slug)
        request.portal = session
        return view(request, slug, *args, **kwargs)

    return wrapper
