"""Two-step verification pages: the code asked after the password, and the setup of an authenticator app."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.core.errors import DomainError, NotAllowed, show_at_field

from .forms import AcceptInvitationForm, InviteForm, RoleForm, TokenForm
from .selectors import (
    manageable_portfolios,
    manages_users,
    two_factor_required_for,
    two_factor_status,
    user_for_admin_or_404,
    users_overview,
)
from .services import (
    backup_codes_renew,
    invitation_accept,
    invitation_for_token,
    membership_set,
    totp_setup_begin,
    totp_setup_confirm,
    user_deactivate,
    user_invite,
    user_reactivate,
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


# --- The users page: invite, roles per portfolio, deactivate ---------------------------------------------------

def _manager_or_404(request):
    if not manages_users(request.user):
        raise Http404("not found")


@login_required
def user_list(request):
    """Users and their role per portfolio, for administrators (every user for a superuser; a portfolio
    administrator sees the users of the portfolios they administer), and the invitation form."""
    _manager_or_404(request)
    portfolios = list(manageable_portfolios(request.user).order_by("name"))
    form = InviteForm(request.POST or None, portfolios=portfolios,
                      initial={"portfolio": request.GET.get("portfolio", "")})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            portfolio = next(p for p in portfolios if p.slug == form.cleaned_data["portfolio"])
            try:
                result = user_invite(email=form.cleaned_data["email"], portfolio=portfolio,
                                     role=form.cleaned_data["role"], actor=request.user,
                                     site_url=request.build_absolute_uri("/"))
            except NotAllowed as exc:
                raise PermissionDenied(exc.message)
            except DomainError as exc:
                show_at_field(form, exc)
            else:
                name = result.user.get_username()
                if result.invitation is None:
                    messages.success(request, _("%(name)s already had an account: the role was granted.")
                                     % {"name": name})
                elif result.sent:
                    messages.success(request, _("Invitation sent to %(name)s.") % {"name": name})
                else:
                    messages.warning(request, _("The e-mail to %(name)s could not be sent (check the mail settings). "
                                                "Give the person this one-time link: %(link)s")
                                     % {"name": name, "link": result.link})
                return redirect(f"{request.path}?portfolio={portfolio.slug}")
        status = 400
    columns, rows = users_overview(request.user, portfolios=portfolios)
    return render(request, "accounts/user_list.html", {"form": form, "columns": columns, "rows": rows},
                  status=status)


@login_required
def user_detail(request, pk: int):
    """One user: their role in each portfolio the administrator manages (change or revoke), and deactivation."""
    _manager_or_404(request)
    target = user_for_admin_or_404(request.user, pk)
    portfolios = list(manageable_portfolios(request.user).order_by("name"))
    role_form = RoleForm(request.POST or None) if request.POST.get("action") == "role" else RoleForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "role" and role_form.is_valid():
                portfolio = next((p for p in portfolios if p.slug == role_form.cleaned_data["portfolio"]), None)
                if portfolio is None:
                    raise Http404("portfolio not found")
                membership_set(user=target, portfolio=portfolio, role=role_form.cleaned_data["role"] or None,
                               actor=request.user)
                messages.success(request, _("Role saved."))
                return redirect("user_detail", pk=target.pk)
            if action in ("deactivate", "reactivate"):
                service = user_deactivate if action == "deactivate" else user_reactivate
                service(user=target, actor=request.user)
                messages.success(request, _("Account deactivated.") if action == "deactivate"
                                 else _("Account reactivated."))
                return redirect("user_detail", pk=target.pk)
            if action == "reinvite":
                membership = target.memberships.filter(portfolio__in=portfolios).select_related("portfolio").first()
                if membership is None:
                    raise Http404("no role to invite to")
                result = user_invite(email=target.email or target.get_username(), portfolio=membership.portfolio,
                                     role=membership.role, actor=request.user,
                                     site_url=request.build_absolute_uri("/"))
                if result.sent:
                    messages.success(request, _("A new invitation was sent; the previous link no longer works."))
                else:
                    messages.warning(request, _("The e-mail could not be sent (check the mail settings). Give the "
                                                "person this one-time link: %(link)s") % {"link": result.link})
                return redirect("user_detail", pk=target.pk)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message)
        except DomainError as exc:
            messages.error(request, exc.message)
        status = 400
    _columns, rows = users_overview(request.user, portfolios=portfolios)
    row = next((r for r in rows if r.user.pk == target.pk), None)
    if row is None:
        raise Http404("user not found")
    return render(request, "accounts/user_detail.html", {
        "target": target, "row": row, "role_choices": RoleForm().fields["role"].choices,
        "is_self": target.pk == request.user.pk}, status=status)


def invitation_accept_view(request, token: str):
    """The invitee's page: choose a password (Django's validators). The link works once, until it expires; then
    the person signs in, and sets up two-step verification where the installation requires it."""
    try:
        invitation = invitation_for_token(token)
    except DomainError as exc:
        return render(request, "accounts/invitation_accept.html", {"invalid": exc.message}, status=410)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(token=token, password=form.cleaned_data["password"],
                                     password_again=form.cleaned_data["password_again"])
        except DomainError as exc:
            show_at_field(form, exc)
        else:
            messages.success(request, _("Your password is set. Sign in with %(name)s and your new password.")
                             % {"name": user.get_username()})
            return redirect(f"{reverse('login')}?{urlencode({'next': reverse('two_factor_setup')})}"
                            if two_factor_required_for(user) else reverse("login"))
    return render(request, "accounts/invitation_accept.html",
                  {"form": form, "invitee": invitation.user},
                  status=200 if request.method == "GET" else 400)
