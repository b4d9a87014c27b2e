import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from recaudo.audit.services import audit_record
from recaudo.core.errors import DomainError, NotAllowed

from .models import Invitation, Membership, Role
from .rules import INVITATION_HOURS, invitation_state, leaves_self_without_admin, normalized_username, token_digest
from .selectors import can, manageable_portfolios


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
        raise ValueError(_("name an account or an address to unlock"))
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


# --- Users and roles managed in the app (the users page) -------------------------------------------------------

MAX_EMAIL = 254


class UserAdminError(DomainError):
    """An invitation, a role change or a deactivation refused, with a message for the user."""


def _require_manage(actor, portfolio) -> None:
    if actor is None or isinstance(actor, str):
        return  # the command line and the system
    if not can(actor, portfolio, "manage"):
        raise NotAllowed(_("Only an administrator of the portfolio may manage its users."))


def _may_manage_user(actor, user) -> bool:
    """A superuser manages every user; a portfolio administrator the users whose every role is in portfolios they
    administer (never a superuser or staff account)."""
    if actor is None or isinstance(actor, str) or actor.is_superuser:
        return True
    if user.is_superuser or user.is_staff:
        return False
    mine = set(manageable_portfolios(actor).values_list("pk", flat=True))
    theirs = set(Membership.objects.filter(user=user).values_list("portfolio_id", flat=True))
    return bool(theirs) and theirs <= mine


@dataclass(frozen=True)
class InviteResult:
    user: object
    invitation: Invitation | None  # None: the person already had an active account and was only granted the role
    link: str  # the one-time link ("" when no invitation was made)
    sent: bool  # whether the e-mail went out (when not, the inviter passes the link on)


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise UserAdminError(_("Enter the e-mail address of the person to invite."), field="email")
    if len(email) > MAX_EMAIL:
        raise UserAdminError(_("The e-mail address is too long (at most %(max)d characters).") % {"max": MAX_EMAIL},
                             field="email")
    try:
        validate_email(email)
    except ValidationError:
        raise UserAdminError(_("Enter a valid e-mail address, like name@company.co."), field="email")
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _invitation_new(*, user, actor, site_url: str) -> tuple[Invitation, str]:
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user, token_hash=token_digest(token), created_at=now, expires_at=now + timedelta(hours=INVITATION_HOURS),
        created_by=actor if actor is not None and not isinstance(actor, str) else None)
    link = site_url.rstrip("/") + reverse("invitation_accept", args=[token])
    return invitation, link


def _invitation_send(*, email: str, link: str, portfolio, role: str, actor) -> bool:
    inviter = actor.get_full_name() or actor.get_username() if actor is not None and not isinstance(actor, str) \
        else "Recaudo"
    subject = _("Invitation to Recaudo: %(portfolio)s") % {"portfolio": portfolio.name}
    body = _(
        "Hello,\n\n%(inviter)s invites you to work in the portfolio %(portfolio)s in Recaudo as %(role)s.\n\n"
        "Open this link to choose your password (it works once, for %(hours)d hours):\n%(link)s\n\n"
        "After the password, Recaudo may ask you to set up two-step verification with an authenticator app.\n\n"
        "If you did not expect this message, ignore it: no account is active until the link is used.\n"
    ) % {"inviter": inviter, "portfolio": portfolio.name, "role": Role(role).label, "hours": INVITATION_HOURS,
         "link": link}
    try:
        send_mail(subject, body, settings.RECAUDO_EMAIL_FROM or None, [email])
    except (OSError, smtplib.SMTPException):
        return False
    return True


@transaction.atomic
def user_invite(*, email: str, portfolio, role: str, actor, site_url: str) -> InviteResult:
    """Invite a person by e-mail to a portfolio with a role: an inactive account (user name = the e-mail) with the
    role, and a one-time link (valid INVITATION_HOURS hours, used once) sent by e-mail to choose a password. A
    pending invitee gets a new link (the old one stops working); a person who already has an active account is
    granted the role, with no link. A deactivated account is not invited again: reactivate it."""
    _require_manage(actor, portfolio)
    email = _clean_email(email)
    try:
        role = Role(role)
    except ValueError:
        raise UserAdminError(_("Choose a role."), field="role")
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("pk").first() or \
        User.objects.filter(username__iexact=email).order_by("pk").first()
    if user is not None and user.is_active:
        membership_set(user=user, portfolio=portfolio, role=role, actor=actor)
        return InviteResult(user=user, invitation=None, link="", sent=False)
    if user is not None and user.has_usable_password():
        raise UserAdminError(_("%(email)s has a deactivated account: reactivate it on the users page instead.")
                             % {"email": email}, field="email")
    created = user is None
    if created:
        if len(email) > User._meta.get_field("username").max_length:
            raise UserAdminError(_("The e-mail address is too long to be a user name."), field="email")
        user = User(username=email, email=email, is_active=False)
        user.set_unusable_password()
        user.save()
    Membership.objects.update_or_create(user=user, portfolio=portfolio, defaults={"role": role})
    invitation, link = _invitation_new(user=user, actor=actor, site_url=site_url)
    sent = _invitation_send(email=email, link=link, portfolio=portfolio, role=role, actor=actor)
    audit_record(event_type="user.invited", subject=user, actor=actor, portfolio=portfolio,
                 changes={"email": email, "role": role.value, "new_account": created, "sent": sent,
                          "expires_at": invitation.expires_at})
    return InviteResult(user=user, invitation=invitation, link=link, sent=sent)


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link carries, if it can still be used; UserAdminError saying why not otherwise."""
    token = (token or "").strip()
    invitation = None
    if 20 <= len(token) <= 100:
        invitation = Invitation.objects.select_related("user").filter(token_hash=token_digest(token)).first()
    if invitation is None:
        raise UserAdminError(_("This invitation link is not valid. Ask an administrator for a new one."))
    state = invitation_state(expires_at=invitation.expires_at, used_at=invitation.used_at, now=timezone.now())
    if state == "used":
        raise UserAdminError(_("This invitation link was already used. Sign in with your password, or ask an "
                               "administrator for a new invitation."))
    if state == "expired":
        raise UserAdminError(_("This invitation link has expired. Ask an administrator for a new one."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, password_again: str):
    """The invitee chooses a password (Django's validators): the account becomes active and the link is used up.
    Returns the user; signing in (and two-step verification, where required) follows as for anyone."""
    invitation = invitation_for_token(token)
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise UserAdminError(_("This invitation link was already used."))
    user = invitation.user
    if password != password_again:
        raise UserAdminError(_("The two passwords differ."), field="password_again")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise UserAdminError(" ".join(exc.messages), field="password")
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit_record(event_type="invitation.accepted", subject=user, actor=user, portfolio=None,
                 changes={"username": user.get_username()})
    return user


@transaction.atomic
def membership_set(*, user, portfolio, role: str | None, actor):
    """Grant, change or (role None or "") revoke a user's role in a portfolio. Only the portfolio's administrators
    (and superusers) may; an administrator may not take away their own last administrator rights."""
    _require_manage(actor, portfolio)
    new_role = Role(role).value if role else None
    current = Membership.objects.select_for_update().filter(user=user, portfolio=portfolio).first()
    current_role = current.role if current is not None else None
    if actor is not None and not isinstance(actor, str):
        other_admin = Membership.objects.filter(user=actor, role=Role.ADMIN).exclude(portfolio=portfolio).count()
        if leaves_self_without_admin(actor_is_superuser=actor.is_superuser, same_person=actor.pk == user.pk,
                                     current_role=current_role, new_role=new_role,
                                     other_admin_portfolios=other_admin):
            raise UserAdminError(_("You cannot remove your own last administrator rights: ask another "
                                   "administrator."), field="role")
    if new_role is None:
        if current is None:
            return None
        current.delete()
        audit_record(event_type="membership.revoked", subject=user, actor=actor, portfolio=portfolio,
                     changes={"user": user.get_username(), "role": current_role})
        return None
    if current_role == new_role:
        return current
    return membership_grant(user=user, portfolio=portfolio, role=new_role, actor=actor)


def _active_set(*, user, actor, active: bool):
    if not _may_manage_user(actor, user):
        raise NotAllowed(_("You may manage only the users of the portfolios you administer."))
    if actor is not None and not isinstance(actor, str) and actor.pk == user.pk and not active:
        raise UserAdminError(_("You cannot deactivate your own account."), field="user")
    if active and not user.has_usable_password():
        raise UserAdminError(_("This person has not accepted the invitation yet: send a new invitation instead."),
                             field="user")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(event_type="user.reactivated" if active else "user.deactivated", subject=user, actor=actor,
                 portfolio=None, changes={"username": user.get_username()})
    return user


@transaction.atomic
def user_deactivate(*, user, actor):
    """Deactivate an account: it can no longer sign in, and its open sessions end at the next page. Its roles and
    history stay. Nobody deactivates their own account."""
    return _active_set(user=user, actor=actor, active=False)


@transaction.atomic
def user_reactivate(*, user, actor):
    """Let a deactivated account sign in again (with its old password)."""
    return _active_set(user=user, actor=actor, active=True)
