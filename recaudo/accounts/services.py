from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from recaudo.audit.services import audit_record
from recaudo.core.errors import DomainError

from .models import Membership, Role
from .rules import normalized_username


@transaction.atomic
def membership_grant(*, user, portfolio, role: str, actor=None) -> Membership:
    role = Role(role)
    membership, created = Membership.objects.update_or_create(
        user=user, portfolio=portfolio, defaults={"role": role}
    )
    audit_record(
        event_type="membership.granted",
        subject=membership,
        actor=actor,
        portfolio=portfolio,
        changes={"user": user.get_username(), "role": role.value, "created": created},
    )
    return membership


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "", is_superuser: bool = False, actor=None):
    User = get_user_model()
    if is_superuser:
        user = User.objects.create_superuser(username=username, password=password, email=email)
    else:
        user = User.objects.create_user(username=username, password=password, email=email)
    audit_record(event_type="user.created", subject=user, actor=actor, portfolio=None,
                 changes={"username": username, "superuser": is_superuser})
    return user


# --- Sign-in protection: lockouts (django-axes) and two-factor devices (django-otp) ---------------------------

BACKUP_CODES = 10


class TwoFactorError(DomainError):
    """A two-factor step refused, with a message fit for the user."""


@transaction.atomic
def login_lockout_record(*, username: str | None, ip_address: str | None, path: str = ""):
    """Audit the start of a lockout (called by recaudo.accounts.throttle when axes locks a sign-in out)."""
    attempt = AccessAttempt.objects.filter(username=username, ip_address=ip_address).order_by("-attempt_time").first()
    if attempt is None:
        return None
    return audit_record(event_type="login.locked_out", subject=attempt, actor="login", portfolio=None,
                        changes={"username": username, "ip_address": ip_address, "path": path})


@transaction.atomic
def login_unlock(*, username: str | None = None, ip_address: str | None = None, actor=None) -> int:
    """Lift the lockouts of an account (every address) or of an address (every account); returns how many
    failure records were forgotten. Recorded in the audit trail."""


    username = normalized_username(username)
    if not username and not ip_address:
        raise ValueError("name an account or an address to unlock")
    attempts = AccessAttempt.objects.all()
    if username:
        attempts = attempts.filter(username=username)
    if ip_address:
        attempts = attempts.filter(ip_address=ip_address)
    first = attempts.order_by("-attempt_time").first()
    if first is None:
        return 0
    failures = sum(attempts.values_list("failures_since_start", flat=True))
    count, _deleted = attempts.delete()
    audit_record(event_type="login.unlocked", subject=first, actor=actor, portfolio=None,
                 changes={"username": username, "ip_address": ip_address, "records": count, "failures": failures})
    return count


def _static_codes(user, *, replace: bool) -> list[str]:

    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    if replace:
        device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def totp_setup_begin(*, user):
    """The user's TOTP device waiting for its first code (made once, kept until confirmed or replaced)."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise TwoFactorError(_("Two-step verification is already active for this account."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    return device


@transaction.atomic
def totp_setup_confirm(*, user, token: str, actor=None):
    """Confirm the waiting TOTP device with a code from the app; returns (device, backup codes shown once)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise TwoFactorError(_("There is no pending setup: open the two-step verification page again."),
                             field="token")
    token = "".join((token or "").split())
    if not (token.isdigit() and len(token) == device.digits) or not device.verify_token(token):
        raise TwoFactorError(_("The code is not valid. Enter the 6 digits the app shows now "
                               "(check that the phone's clock is right)."), field="token")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _static_codes(user, replace=True)
    audit_record(event_type="two_factor.enabled", subject=user, actor=actor or user, portfolio=None,
                 changes={"device": "totp", "backup_codes": len(codes)})
    return device, codes


def verify_second_factor(*, user, token: str):
    """The device that accepts this code (6 digits: the app; otherwise a backup code, used once), or None.
    django-otp throttles each device after failures; its transaction locks the device while it checks."""
    token = "".join((token or "").split()).lower()
    if not token or len(token) > 16:
        return None
    model = TOTPDevice if token.isdigit() else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            allowed, _extra = device.verify_is_allowed()
            if allowed and device.verify_token(token):
                return device
    return None


@transaction.atomic
def backup_codes_renew(*, user, actor=None) -> list[str]:
    """New backup codes for a user with two-step verification; the old ones stop working."""
    if not user_has_device(user):
        raise TwoFactorError(_("Two-step verification is not active for this account."))
    codes = _static_codes(user, replace=True)
    audit_record(event_type="two_factor.codes_renewed", subject=user, actor=actor or user, portfolio=None,
                 changes={"backup_codes": len(codes)})
    return codes


@transaction.atomic
def two_factor_reset(*, user, actor=None) -> int:
    """Remove every two-factor device of a user (lost phone): the next sign-in asks for the password only, and
    for a new setup where the installation requires it. Returns how many devices were removed."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        count, _deleted = model.objects.filter(user=user).delete()
        removed += count
    audit_record(event_type="two_factor.reset", subject=user, actor=actor, portfolio=None,
                 changes={"records_removed": removed})
    return removed
