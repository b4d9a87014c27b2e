"""The gate of two-step verification: a signed-in user who has a second factor (or whom RECAUDO_REQUIRE_2FA
obliges to have one) reaches no page but the verification (or setup) page, sign-out and the language switch
until the second factor is verified in this session. The Django admin is behind the same gate."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from .selectors import two_factor_required_for

# Pages a user between password and second factor may open.
OPEN = {"login", "logout", "set_language", "two_factor_verify"}
# Cached in the session: this user had no second factor and needs none (saves two queries on every page).
NONE_NEEDED = "recaudo_2fa_none"


def _redirect(request, name: str):
    url = reverse(name)
    if request.method == "GET" and not request.htmx:
        url += "?" + urlencode({"next": request.get_full_path()})
    if request.htmx:  # htmx would swap the page into a fragment: ask for a full navigation instead
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        if request.session.get(NONE_NEEDED) == f"{user.pk}:{settings.REQUIRE_2FA}":
            return None
        name = request.resolver_match.url_name if request.resolver_match else None
        if user_has_device(user):
            return None if name in OPEN else _redirect(request, "two_factor_verify")
        if two_factor_required_for(user):
            return None if name in OPEN | {"two_factor_setup"} else _redirect(request, "two_factor_setup")
        request.session[NONE_NEEDED] = f"{user.pk}:{settings.REQUIRE_2FA}"
        return None
