"""Login throttling with django-axes: the pieces its settings name (recaudo/settings.py, "Sign-in protection").

- `LoginThrottleHandler`: axes' database handler with one limit per kind of count, a reset on success limited to
  the account and address that succeeded, and an audit event when a lockout begins.
- `client_address`, `attempted_username`: what failures are counted by.
- `lockout_response`: the sign-in page with a message that names no account and does not say whether one exists.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import rules
from .forms import LoginForm
from .services import login_lockout_record


def client_address(request) -> str | None:
    return rules.client_address(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"),
                                settings.TRUSTED_PROXIES)


def attempted_username(request, credentials) -> str | None:
    value = credentials.get("username") if credentials else getattr(request, "POST", {}).get("username")
    return rules.normalized_username(value)


def failure_limits() -> list[int]:
    """The limit of each of settings.AXES_LOCKOUT_PARAMETERS, in the same order."""
    return [settings.LOGIN_FAILURES, settings.LOGIN_ACCOUNT_FAILURES, settings.LOGIN_ADDRESS_FAILURES]


class LoginThrottleHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        counts = [attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
                  for attempts in self.get_user_attempts(request, credentials)]
        return rules.scaled_failures(counts, failure_limits(), settings.AXES_FAILURE_LIMIT)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        was_locked = request is not None and not self.is_whitelisted(request, credentials) and self.is_locked(
            request, credentials)
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is not None and getattr(request, "axes_locked_out", False) and not was_locked:

            login_lockout_record(username=get_client_username(request, credentials),
                                 ip_address=request.axes_ip_address, path=request.axes_path_info)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful sign-in, forget that account's failures from that address only: the account's
        failures from elsewhere and the address's failures on other accounts still count."""
        count, _deleted = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials), ip_address=request.axes_ip_address).delete()
        return count


def lockout_message() -> str:
    minutes = settings.LOGIN_COOLOFF_MINUTES
    if not minutes:
        return _("Too many failed sign-in attempts. Access is blocked until an administrator unlocks it.")
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute, or ask an administrator to unlock "
        "access.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes, or ask an administrator to unlock "
        "access.", minutes) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page again, unfilled, with the lockout message, answered with 429 Too Many Requests. The same
    for an account that exists and one that does not."""

    redirect_to = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "registration/login.html",
                  {"form": LoginForm(request), "next": redirect_to, "lockout_message": lockout_message()},
                  status=429)
