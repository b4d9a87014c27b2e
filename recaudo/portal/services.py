"""Portal writes: asking for a one-time code, signing in with it or with a signed link, ending a session, recording
a download and making a payment link. Each records its audit event; limits are enforced here and stored in the
database (recaudo.portal.rules for the numbers).

Asking for a code answers the same whether the ID exists or not: the caller always gets a challenge key and shows
one text; only the contact on file ever sees the code. A refusal that must stay on record (a failed attempt, a
lockout, a refused link) is committed in its own transaction before the error is raised."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from recaudo.agreements.models import AgreementInstallment
from recaudo.audit.services import audit_record
from recaudo.banking.models import PaymentLink
from recaudo.banking.services_gateways import payment_link_create
from recaudo.communications.contacts import contacts_for
from recaudo.communications.rendering import PORTAL_SALT
from recaudo.communications.services import message_enqueue_requested
from recaudo.core.errors import DomainError
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from . import rules
from .models import Challenge, LinkUse, PortalSession, Throttle
from .selectors import challenge_by_key, debtor_by_identifier, next_installment, throttle_times, visible_obligation

ACTOR = "portal"


class PortalError(DomainError):
    pass


class PortalLocked(PortalError):
    def __init__(self, until: datetime, field: str | None = None):
        self.until = until
        local = timezone.localtime(until)
        super().__init__(_("Too many attempts. For your security, try again after %(time)s.")
                         % {"time": formats.time_format(local, "H:i")}, field=field)


class PortalCodeWrong(PortalError):
    pass


class PortalLinkInvalid(PortalError):
    pass


def _secret() -> str:
    return settings.SECRET_KEY


def key_hash(key: str) -> str:
    """How a challenge's or a session's key is stored (and looked up)."""
    return rules.digest(_secret(), "key", key)


def _address(address: str) -> str:
    return (address or "")[:45]


def _locked_record(*, portfolio: Portfolio, debtor: Debtor | None, reason: str, until: datetime,
                   address: str) -> None:
    with transaction.atomic():
        audit_record(event_type="portal.locked", subject=debtor or portfolio, actor=ACTOR, portfolio=portfolio,
                     debtor=debtor, changes={"reason": reason, "until": until.isoformat(timespec="seconds"),
                                             "address": address})


def _contact_for(debtor: Debtor):
    for channel in rules.CHANNEL_ORDER:
        contact = contacts_for([debtor.pk], channel).get(debtor.pk)
        if contact is not None:
            return contact, channel
    return None, ""


def code_request(*, portfolio: Portfolio, identifier: str, address: str, now: datetime | None = None) -> str:
    """Someone typed `identifier` (an ID number or a customer code) from `address`: make a challenge and, when the
    ID names a debtor with a consented contact (SMS, WhatsApp, then e-mail), send a one-time code there through the
    outbox. Returns the challenge's key (for the browser's cookie) whatever the ID. Raises PortalError for an empty
    ID and PortalLocked past the limits (per ID typed, per address, per destination)."""
    now = now or timezone.now()
    address = _address(address)
    typed = str(identifier or "")[:200]
    normalized = rules.normalize_identifier(typed)
    if not normalized:
        raise PortalError(_("Type your ID number or customer code."), field="identifier")
    secret = _secret()
    identifier_hash = rules.digest(secret, "id", portfolio.pk, normalized)
    debtor = debtor_by_identifier(portfolio, normalized, typed)
    contact, channel = _contact_for(debtor) if debtor is not None else (None, "")
    destination_hash = rules.digest(secret, "to", contact.value) if contact is not None else ""
    window = max(rules.REQUESTS_PER_ID.window, rules.REQUESTS_PER_ADDRESS.window,
                 rules.REQUESTS_PER_DESTINATION.window)
    times = throttle_times(portfolio=portfolio, kind="request", identifier_hash=identifier_hash, address=address,
                           destination_hash=destination_hash, since=now - window)
    until = rules.first_lockout([(times["id"], rules.REQUESTS_PER_ID),
                                 (times["address"], rules.REQUESTS_PER_ADDRESS),
                                 (times["destination"], rules.REQUESTS_PER_DESTINATION)], now)
    if until is not None:
        _locked_record(portfolio=portfolio, debtor=debtor, reason="code requests", until=until, address=address)
        raise PortalLocked(until, field="identifier")
    key, code = secrets.token_urlsafe(32), rules.new_code()
    hashed_key = key_hash(key)
    with transaction.atomic():
        Throttle.objects.create(portfolio=portfolio, kind="request", identifier_hash=identifier_hash,
                                address=address, destination_hash=destination_hash, at=now)
        message = None
        if contact is not None:
            message = message_enqueue_requested(
                portfolio=portfolio, debtor=debtor, contact=contact, channel=channel, template_code="portal_code",
                dedupe_key=f"portal-code:{hashed_key[:40]}", now=now, actor=ACTOR,
                context={"code": code, "minutes": rules.CODE_MINUTES})
        challenge = Challenge.objects.create(
            portfolio=portfolio, debtor=debtor if contact is not None else None, key_hash=hashed_key,
            code_hash=rules.digest(secret, "code", hashed_key, code), identifier_hash=identifier_hash,
            destination_hash=destination_hash, channel=channel, message_id=message.pk if message else None,
            address=address, created_at=now, expires_at=now + timedelta(minutes=rules.CODE_MINUTES))
        audit_record(event_type="portal.code_requested", subject=debtor or portfolio, actor=ACTOR,
                     portfolio=portfolio, debtor=debtor,
                     changes={"known": debtor is not None, "channel": channel, "challenge": challenge.pk,
                              "address": address})
    return key


def _session_open(*, portfolio: Portfolio, debtor: Debtor, via: str, address: str, now: datetime) -> str:
    key = secrets.token_urlsafe(32)
    PortalSession.objects.create(portfolio=portfolio, debtor=debtor, key_hash=key_hash(key), via=via,
                                 address=address, created_at=now,
                                 expires_at=now + timedelta(minutes=rules.SESSION_MINUTES))
    return key


def code_verify(*, portfolio: Portfolio, key: str, code: str, address: str, now: datetime | None = None) -> str:
    """Sign in with the code sent for the challenge whose key the browser holds. Returns a new session's key.
    A wrong, expired or spent code raises PortalCodeWrong (the attempt counted, per ID typed and per address);
    past the limits PortalLocked."""
    now = now or timezone.now()
    address = _address(address)
    secret = _secret()
    challenge = challenge_by_key(portfolio, key_hash(key or "")) if key else None
    identifier_hash = challenge.identifier_hash if challenge else ""
    window = max(rules.FAILURES_PER_ID.window, rules.FAILURES_PER_ADDRESS.window)
    times = throttle_times(portfolio=portfolio, kind="failure", identifier_hash=identifier_hash, address=address,
                           since=now - window)
    checks = [(times["address"], rules.FAILURES_PER_ADDRESS)]
    if challenge is not None:
        checks.append((times["id"], rules.FAILURES_PER_ID))
    debtor = challenge.debtor if challenge else None
    until = rules.first_lockout(checks, now)
    if until is not None:
        _locked_record(portfolio=portfolio, debtor=debtor, reason="wrong codes", until=until, address=address)
        raise PortalLocked(until, field="code")
    typed = rules.clean_code(code)
    with transaction.atomic():
        fresh = (Challenge.objects.select_for_update().filter(pk=challenge.pk).first()
                 if challenge is not None else None)
        valid = (fresh is not None and fresh.debtor_id is not None and fresh.used_at is None
                 and fresh.expires_at > now and fresh.attempts < rules.CODE_ATTEMPTS
                 and len(typed) == rules.CODE_DIGITS
                 and hmac.compare_digest(fresh.code_hash, rules.digest(secret, "code", fresh.key_hash, typed)))
        if valid:
            fresh.used_at = now
            fresh.save(update_fields=["used_at"])
            session_key = _session_open(portfolio=portfolio, debtor=fresh.debtor, via="code", address=address,
                                        now=now)
            audit_record(event_type="portal.login", subject=fresh.debtor, actor=ACTOR, portfolio=portfolio,
                         debtor=fresh.debtor, changes={"via": "code", "channel": fresh.channel,
                                                       "address": address})
            return session_key
        if fresh is not None:
            fresh.attempts += 1
            fresh.save(update_fields=["attempts"])
        Throttle.objects.create(portfolio=portfolio, kind="failure", identifier_hash=identifier_hash,
                                address=address, at=now)
        audit_record(event_type="portal.code_failed", subject=debtor or portfolio, actor=ACTOR, portfolio=portfolio,
                     debtor=debtor, changes={"address": address,
                                             "attempts": fresh.attempts if fresh is not None else None})
    times["address"].append(now)
    times["id"].append(now)
    until = rules.first_lockout(checks, now)
    if until is not None:
        _locked_record(portfolio=portfolio, debtor=debtor, reason="wrong codes", until=until, address=address)
        raise PortalLocked(until, field="code")
    raise PortalCodeWrong(_("That code is not right, or it expired. Check it, or ask for a new one."),
                          field="code")


def link_age_limit() -> int:
    """How long a signed portal link is good for, in seconds (RECAUDO_PORTAL_LINK_HOURS, default 168)."""
    return int(getattr(settings, "RECAUDO_PORTAL_LINK_HOURS", 168) or 168) * 3600


def _link_refused(*, reason: str, debtor: Debtor | None, address: str) -> PortalLinkInvalid:
    if debtor is not None:
        with transaction.atomic():
            audit_record(event_type="portal.link_refused", subject=debtor, actor=ACTOR, portfolio=debtor.portfolio,
                         debtor=debtor, changes={"reason": reason, "address": address})
    return PortalLinkInvalid(_("This link expired or was already used. Ask for a code with your ID number "
                               "instead."), field="token")


def link_open(*, token: str, address: str, now: datetime | None = None) -> tuple[Portfolio, str]:
    """Open the portal with a signed link from a message (communications.rendering.portal_link): valid signature,
    younger than link_age_limit(), nonce never used. Records the nonce and opens a session. Returns the debtor's
    portfolio and the session key; raises PortalLinkInvalid otherwise."""
    now = now or timezone.now()
    address = _address(address)
    token = str(token or "")[:500]
    try:
        payload = signing.loads(token, salt=PORTAL_SALT)
    except signing.BadSignature:
        raise _link_refused(reason="bad signature", debtor=None, address=address) from None
    debtor_id, nonce = (payload.get("d"), payload.get("n")) if isinstance(payload, dict) else (None, None)
    debtor = (Debtor.objects.filter(pk=debtor_id, anonymized_at__isnull=True).select_related("portfolio").first()
              if isinstance(debtor_id, int) else None)
    if debtor is None or not isinstance(nonce, str) or not nonce:
        raise _link_refused(reason="no such debtor", debtor=None, address=address)
    try:
        signing.loads(token, salt=PORTAL_SALT, max_age=link_age_limit())
    except signing.SignatureExpired:
        raise _link_refused(reason="expired", debtor=debtor, address=address) from None
    portfolio = debtor.portfolio
    with transaction.atomic():
        try:
            with transaction.atomic():
                LinkUse.objects.create(nonce=nonce[:40], portfolio=portfolio, debtor=debtor, used_at=now)
        except IntegrityError:
            used = True
        else:
            used = False
            session_key = _session_open(portfolio=portfolio, debtor=debtor, via="link", address=address, now=now)
            audit_record(event_type="portal.link_used", subject=debtor, actor=ACTOR, portfolio=portfolio,
                         debtor=debtor, changes={"address": address})
    if used:
        raise _link_refused(reason="already used", debtor=debtor, address=address)
    return portfolio, session_key


@transaction.atomic
def session_end(*, session: PortalSession, now: datetime | None = None) -> None:
    """Sign out: the session's key opens nothing any more."""
    now = now or timezone.now()
    PortalSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=now)
    audit_record(event_type="portal.logout", subject=session.debtor, actor=ACTOR, portfolio=session.portfolio,
                 debtor=session.debtor, changes={"session": session.pk})


@transaction.atomic
def portal_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete the portal's rows no check needs any more (rules.purge_cutoffs), one set-based DELETE per table:
    expired code challenges, throttle rows outside every limit's window, expired or ended sessions, nonces of links
    too old to open anyway. Run by the worker on every pass (settings.RECAUDO_HOUSEKEEPING). Returns the counts."""
    now = now or timezone.now()
    cut = rules.purge_cutoffs(now, link_age_limit())
    return {
        "challenges": Challenge.objects.filter(expires_at__lt=cut["challenge"]).delete()[0],
        "throttle": Throttle.objects.filter(at__lt=cut["throttle"]).delete()[0],
        "sessions": PortalSession.objects.filter(Q(expires_at__lt=cut["session"])
                                                 | Q(ended_at__lt=cut["session"])).delete()[0],
        "links": LinkUse.objects.filter(used_at__lt=cut["link"]).delete()[0],
    }


@transaction.atomic
def download_record(*, session: PortalSession, document: str, subject=None) -> None:
    """A debtor downloaded a document from the portal (statement, liquidation...): on the record."""
    audit_record(event_type="portal.download", subject=subject or session.debtor, actor=ACTOR,
                 portfolio=session.portfolio, debtor=session.debtor,
                 changes={"document": document[:60], "session": session.pk})


PAY_TARGETS = ("total", "obligation", "installment")


def pay_link_make(*, session: PortalSession, target: str, obligation_id: int | None = None,
                  now: datetime | None = None) -> PaymentLink:
    """A payment link (banking's active gateway) for what the signed-in debtor owes in total, for one obligation
    they may see (a co-debtor's: the obligation's debtor pays it) or for their next agreement installment."""
    now = now or timezone.now()
    debtor, portfolio = session.debtor, session.portfolio
    obligation: Obligation | None = None
    installment: AgreementInstallment | None = None
    if target == "obligation":
        obligation = visible_obligation(debtor, obligation_id) if isinstance(obligation_id, int) else None
        if obligation is None or obligation.balance_minor <= 0:
            raise PortalError(_("Choose an obligation with a balance."), field="obligation")
        payer = obligation.debtor
    elif target == "installment":
        installment = next_installment(debtor)
        if installment is None:
            raise PortalError(_("You have no installment to pay."), field="target")
        payer = debtor
    elif target == "total":
        payer = debtor
    else:
        raise PortalError(_("Choose what to pay."), field="target")
    link = payment_link_create(portfolio=portfolio, debtor=payer, obligation=obligation, installment=installment,
                               expires_in=1, actor=ACTOR, now=now)
    with transaction.atomic():
        audit_record(event_type="portal.payment_link", subject=link, actor=ACTOR, portfolio=portfolio,
                     debtor=debtor, changes={"target": target, "amount": link.amount_minor,
                                             "session": session.pk})
    return link
