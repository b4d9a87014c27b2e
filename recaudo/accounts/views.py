"""Two-step verification pages: the code asked after the password, and the setup of an authenticator app."""

from __future__ import annotations

from base64 import b32encode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.core.errors import DomainError, show_at_field

from .forms import TokenForm
from .selectors import two_factor_status
from .services import (
    backup_codes_renew,
    totp_setup_begin,
    totp_setup_confirm,
    verify_second_factor,
)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@login_required
def two_factor_verify(request):
    """After the password: the 6-digit code of the authenticator app, or one backup code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = verify_second_factor(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            request.session.cycle_key()
            django_otp.login(request, device)
            if device.__class__.__name__ == "StaticDevice":
                messages.warning(request, _("You used a backup code; each one works only once. "
                                            "Codes left: %(count)d.") % {"count": device.token_set.count()})
            return redirect(_next_url(request))
        form.add_error("token", _("The code is not valid. Enter the 6 digits the app shows now, or a backup "
                                  "code (after several wrong codes, wait a few seconds between tries)."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": request.GET.get("next", "")},
                  status=200 if request.method == "GET" or form.is_valid() else 400)


def _qr_data_uri(text: str) -> str:
    """The QR code of an otpauth:// URL as an SVG data: URI, drawn locally (segno); CSP allows data: images."""
    return segno.make(text, error="m").svg_data_uri(scale=5, border=2)


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@login_required
def two_factor_setup(request):
    """The user's two-step verification: its status, or the setup of an authenticator app (scan the QR code or
    type the key, then confirm with a code). Backup codes are shown once, on confirmation and on renewal."""
    status = two_factor_status(request.user)
    if status["active"]:
        return render(request, "accounts/two_factor.html", {"status": status})
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = totp_setup_confirm(user=request.user, token=form.cleaned_data["token"],
                                               actor=request.user)
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            request.session.cycle_key()
            django_otp.login(request, device)
            return render(request, "accounts/two_factor_codes.html",
                          {"codes": codes, "next": _next_url(request), "enabled": True})
    device = totp_setup_begin(user=request.user)
    secret = b32encode(device.bin_key).decode()
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "status": status, "qr": _qr_data_uri(device.config_url), "secret": _grouped(secret),
        "next": request.GET.get("next") or request.POST.get("next", ""),
    }, status=200 if request.method == "GET" else 400)


@login_required
@require_POST
def two_factor_codes(request):
    """New backup codes (the old ones stop working), shown once."""
    try:
        codes = backup_codes_renew(user=request.user, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("two_factor_setup")
    return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": "", "enabled": False})
