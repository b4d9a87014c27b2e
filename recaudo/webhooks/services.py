"""Outgoing webhooks' writes (docs/webhooks.md): subscriptions (create, change, rotate the secret), the dispatcher
that turns the audit trail and the messages' status into events and deliveries, and the delivery outbox (claim,
send signed, record the attempt, retry with backoff, disable after too many failures, redeliver, test event)."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from recaudo.accounts.models import Membership, Role
from recaudo.audit.models import AuditEvent
from recaudo.audit.services import audit_record
from recaudo.communications.models import Message
from recaudo.communications.transports import Outgoing, TransportError, transport_for
from recaudo.core.errors import DomainError
from recaudo.core.sealed import seal, unseal
from recaudo.portfolio.models import Obligation

from . import rules
from .models import MAX_URL, Attempt, Cursor, Delivery, Event, Subscription

log = logging.getLogger(__name__)

BATCH = 5000  # audit ids read per dispatch
MESSAGE_DAYS = 3  # a message's delivery report counts if the message was created within these days
MESSAGE_OVERLAP = timedelta(minutes=10)  # messages' updated_at re-read behind the cursor (reports set it late)
MAX_GAPS = 1000
RESPONSE_EXCERPT = 500
CLAIM_TIMEOUT = timedelta(minutes=5)
CLAIM_BATCH = 10


class WebhookError(DomainError):
    """A subscription or a delivery that cannot be saved or sent as asked."""


def max_attempts() -> int:
    return settings.RECAUDO_WEBHOOKS_MAX_ATTEMPTS


def max_failures() -> int:
    return settings.RECAUDO_WEBHOOKS_MAX_FAILURES


def gap_timeout() -> timedelta:
    return timedelta(hours=settings.RECAUDO_WEBHOOKS_GAP_HOURS)


# ---------------------------------------------------------------------------------------------- subscriptions

def new_secret() -> str:
    return rules.SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def subscription_secret(subscription: Subscription) -> str:
    return unseal(subscription.secret_sealed)["secret"]


def _checked(*, url: str, description: str, events, host: bool = True) -> tuple[str, str, list[str]]:
    """The subscription's fields, cleaned, or a WebhookError at the first wrong one. With `host`, last (it may ask
    the DNS), the URL's host must be one deliveries may call: the same guard as before each request
    (_refused_host: a private address, or a name that does not resolve, is refused unless
    RECAUDO_WEBHOOKS_ALLOW_PRIVATE)."""
    url = (url or "").strip()
    problem = rules.url_problem(url, max_length=MAX_URL) if url else _("required")
    if problem:
        raise WebhookError(_("URL: %(problem)s") % {"problem": problem}, "url")
    description = (description or "").strip()
    if len(description) > 200:
        raise WebhookError(_("Description: at most 200 characters"), "description")
    events = sorted(set(events or []))
    unknown = [e for e in events if e not in rules.EVENTS]
    if unknown:
        raise WebhookError(_("Events: unknown event %(name)s") % {"name": unknown[0][:60]}, "events")
    if not events:
        raise WebhookError(_("Events: choose at least one"), "events")
    refused = _refused_host(url) if host else ""
    if refused:
        raise WebhookError(_("URL: %(problem)s") % {"problem": refused}, "url")
    return url, description, events


def subscription_create(*, portfolio, url: str, description: str = "", events, actor=None,
                        now: datetime | None = None) -> tuple[Subscription, str]:
    """A new subscription and its secret ("whsec_..."), shown once: only its sealed form is kept. Its fields are
    checked first, outside the transaction (the URL's host may need the DNS), then it is written in one."""
    url, description, events = _checked(url=url, description=description, events=events)
    return _subscription_write(portfolio=portfolio, url=url, description=description, events=events, actor=actor,
                               now=now)


@transaction.atomic
def _subscription_write(*, portfolio, url: str, description: str, events: list[str], actor,
                        now: datetime | None) -> tuple[Subscription, str]:
    if Subscription.objects.filter(portfolio=portfolio).count() >= 20:
        raise WebhookError(_("A portfolio has at most 20 webhook subscriptions."), "url")
    now = now or timezone.now()
    secret = new_secret()
    sub = Subscription.objects.create(portfolio=portfolio, url=url, description=description, events=events,
                                      secret_sealed=seal({"secret": secret}), created_at=now, updated_at=now)
    audit_record(event_type="webhook.subscription_created", subject=sub, actor=actor, portfolio=portfolio,
                 changes={"url": url, "events": events})
    return sub, secret


def subscription_update(*, subscription: Subscription, url: str, description: str = "", events, active: bool,
                        actor=None, now: datetime | None = None) -> Subscription:
    """Change a subscription; turning it on again starts its failure count over. Its fields are checked first,
    outside the transaction; the URL's host (as on creation) only when the URL changes or the subscription is
    turned on, so one whose host stopped resolving can still be edited or turned off."""
    saved = Subscription.objects.filter(pk=subscription.pk).values("url", "active").get()
    host = (url or "").strip() != saved["url"] or (bool(active) and not saved["active"])
    url, description, events = _checked(url=url, description=description, events=events, host=host)
    return _subscription_change(subscription=subscription, url=url, description=description, events=events,
                                active=bool(active), actor=actor, now=now)


@transaction.atomic
def _subscription_change(*, subscription: Subscription, url: str, description: str, events: list[str],
                         active: bool, actor, now: datetime | None) -> Subscription:
    sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
    before = {"url": sub.url, "description": sub.description, "events": sub.events, "active": sub.active}
    after = {"url": url, "description": description, "events": events, "active": active}
    sub.url, sub.description, sub.events, sub.active = url, description, events, active
    if active and not before["active"]:
        sub.failures, sub.disabled_at, sub.disabled_reason = 0, None, ""
    sub.updated_at = now or timezone.now()
    sub.save()
    audit_record(event_type="webhook.subscription_updated", subject=sub, actor=actor, portfolio=sub.portfolio,
                 changes={k: [before[k], v] for k, v in after.items() if before[k] != v})
    return sub


@transaction.atomic
def subscription_secret_rotate(*, subscription: Subscription, actor=None) -> str:
    """A new secret for the subscription (the old one stops signing at once); returned to be shown once."""
    sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
    secret = new_secret()
    sub.secret_sealed = seal({"secret": secret})
    sub.updated_at = timezone.now()
    sub.save(update_fields=["secret_sealed", "updated_at"])
    audit_record(event_type="webhook.secret_rotated", subject=sub, actor=actor, portfolio=sub.portfolio)
    return secret


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery, actor=None, now: datetime | None = None) -> Delivery:
    """Send a delivery again now (its log keeps the earlier attempts)."""
    now = now or timezone.now()
    current = Delivery.objects.select_for_update().select_related("subscription").get(pk=delivery.pk)
    if current.status == Delivery.Status.SENDING:
        raise WebhookError(_("This delivery is being sent right now."))
    if not current.subscription.active:
        raise WebhookError(_("The subscription is disabled: turn it on first."))
    Delivery.objects.filter(pk=current.pk).update(status=Delivery.Status.PENDING, next_attempt_at=now, attempts=0,
                                                  updated_at=now)
    audit_record(event_type="webhook.redelivered", subject=current.subscription, actor=actor,
                 portfolio=current.subscription.portfolio, changes={"delivery": current.pk})
    current.refresh_from_db()
    return current


@transaction.atomic
def send_test_event(*, subscription: Subscription, actor=None, now: datetime | None = None) -> Delivery:
    """A "webhook.test" event for this subscription only, due now."""
    now = now or timezone.now()
    if not subscription.active:
        raise WebhookError(_("The subscription is disabled: turn it on first."))
    event = Event.objects.create(
        portfolio=subscription.portfolio, event_type=rules.TEST_EVENT, source_key=f"test:{uuid.uuid4().hex}",
        msg_id=_msg_id(), created_at=now,
        payload={"type": rules.TEST_EVENT, "timestamp": now.isoformat(),
                 "data": {"portfolio": subscription.portfolio.slug, "subscription": subscription.pk}})
    delivery = Delivery.objects.create(event=event, subscription=subscription, next_attempt_at=now, created_at=now,
                                       updated_at=now)
    audit_record(event_type="webhook.test_sent", subject=subscription, actor=actor,
                 portfolio=subscription.portfolio, changes={"delivery": delivery.pk})
    return delivery


def _msg_id() -> str:
    return "msg_" + uuid.uuid4().hex


# ------------------------------------------------------------------------------------------------- dispatcher

def _wanted() -> dict[int, list[Subscription]]:
    """Active subscriptions by portfolio."""
    by_portfolio: dict[int, list[Subscription]] = {}
    for sub in Subscription.objects.filter(active=True):
        by_portfolio.setdefault(sub.portfolio_id, []).append(sub)
    return by_portfolio


def _locked_cursor(name: str, start) -> Cursor | None:
    """The cursor row, locked (None: another worker is dispatching). Created at the current end of its source, so
    history before the first dispatch is never sent."""
    cursor = Cursor.objects.select_for_update(skip_locked=True).filter(name=name).first()
    if cursor is None and not Cursor.objects.filter(name=name).exists():
        Cursor.objects.get_or_create(name=name, defaults=start())
        cursor = Cursor.objects.select_for_update(skip_locked=True).filter(name=name).first()
    return cursor


def _ranges_left(lo: int, hi: int, found: list[int]) -> list[list[int]]:
    return [r for r in rules.gaps_between(lo - 1, sorted(found) + [hi + 1]) if r[0] <= hi]


@transaction.atomic
def dispatch(*, now: datetime | None = None) -> dict:
    """Read the audit events after the cursor and the messages' delivery reports, and write the events and their
    deliveries of every active subscription that wants them, in one transaction with the cursor's move. Ids not
    visible yet (a transaction still running) are kept as gaps and read again on each pass until they appear or
    RECAUDO_WEBHOOKS_GAP_HOURS pass (a rolled-back transaction's ids never appear). The events' source_key is
    unique, so reading one twice writes nothing twice."""
    now = now or timezone.now()
    report = {"events": 0, "deliveries": 0}
    cursor = _locked_cursor("audit", lambda: {
        "position": AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0, "updated_at": now})
    if cursor is None:
        return report | {"busy": True}
    end = AuditEvent.objects.aggregate(m=Max("id"))["m"]  # read before the subscriptions
    subs = _wanted()
    if not subs:  # nobody listens: nothing to send, ever (a subscription gets what happens after it is made)
        if (end or 0) > cursor.position or cursor.gaps:  # written only when it moves (the tick runs every second)
            cursor.position = max(end or 0, cursor.position)
            cursor.gaps, cursor.updated_at = [], now
            cursor.save()
        return report
    ids = list(AuditEvent.objects.filter(id__gt=cursor.position).order_by("id")
               .values_list("id", flat=True)[:BATCH])
    gaps, seen, appeared = [], Q(pk__in=[]), []
    if cursor.gaps:  # one query for every gap
        in_gaps = Q(pk__in=[])
        for lo, hi, _first_seen in cursor.gaps:
            in_gaps |= Q(id__gte=lo, id__lte=hi)
        appeared = sorted(AuditEvent.objects.filter(in_gaps).values_list("id", flat=True))
    for lo, hi, first_seen in cursor.gaps:
        found = [i for i in appeared if lo <= i <= hi]
        if found:
            seen |= Q(id__in=found)
        if datetime.fromisoformat(first_seen) >= now - gap_timeout():
            gaps += [[a, b, first_seen] for a, b in _ranges_left(lo, hi, found)]
    gaps += [[a, b, now.isoformat()] for a, b in rules.gaps_between(cursor.position, ids)]
    gaps = gaps[-MAX_GAPS:]
    where = seen
    if ids:
        where |= Q(id__gt=cursor.position, id__lte=ids[-1])
    if subs:
        events = (AuditEvent.objects.filter(where, event_type__in=rules.FROM_AUDIT, portfolio_id__in=subs)
                  .select_related("portfolio", "debtor").order_by("id"))
        _write(_from_audit(events, subs), subs, now, report)
    cursor.position = ids[-1] if ids else cursor.position
    cursor.gaps = gaps
    cursor.updated_at = now
    cursor.save()
    _dispatch_messages(subs, now, report)
    return report


def _wants(sub: Subscription, event_type: str, at: datetime) -> bool:
    return event_type in sub.events and sub.created_at <= at


def _from_audit(events, subs):
    """(portfolio id, event type, source key, payload, at) for each audit event; obligation.paid after a payment
    for each obligation it paid to nothing owed (the obligation's balance when the dispatcher reads it; one query
    for the whole batch)."""
    events = list(events)
    paying = [a for a in events if a.event_type == "payment.recorded"
              and any(_wants(s, "obligation.paid", a.at) for s in subs[a.portfolio_id])]
    paying_ids = {a.pk for a in paying}
    numbers = {x.get("obligation") for a in paying for x in a.changes.get("allocations", [])}
    paid = {}
    if paying:
        for o in Obligation.objects.filter(portfolio_id__in={a.portfolio_id for a in paying},
                                           debtor_id__in={a.debtor_id for a in paying}, number__in=numbers,
                                           balance_minor=0).only("id", "number", "portfolio_id", "debtor_id"):
            paid[(o.portfolio_id, o.debtor_id, o.number)] = o
    for a in events:
        kind = rules.FROM_AUDIT[a.event_type]
        if a.event_type == "obligation.disputed" and "disputed" not in a.changes:
            continue  # the reason of a dispute already open changed: no new dispute
        data = {"portfolio": a.portfolio.slug, "audit_event": a.pk,
                "debtor": {"id": a.debtor.pk, "code": a.debtor.code} if a.debtor is not None else None,
                "object": {"type": a.subject_type, "id": a.subject_id}, "details": a.changes}
        yield a.portfolio_id, kind, f"audit:{a.pk}", _payload(kind, a.at, data), a.at
        if a.pk in paying_ids:
            seen = set()
            for x in a.changes.get("allocations", []):
                o = paid.get((a.portfolio_id, a.debtor_id, x.get("obligation")))
                if o is None or o.pk in seen:
                    continue
                seen.add(o.pk)
                yield a.portfolio_id, "obligation.paid", f"obligation.paid:{o.pk}:{a.pk}", _payload(
                    "obligation.paid", a.at, {**data, "object": {"type": "obligation", "id": o.pk},
                                              "details": {"number": o.number, "payment": a.subject_id}}), a.at


def _payload(kind: str, at: datetime, data: dict) -> dict:
    return {"type": kind, "timestamp": at.isoformat(), "data": data}


def _write(rows, subs: dict[int, list[Subscription]], now: datetime, report: dict) -> None:
    rows = [r for r in rows if any(_wants(s, r[1], r[4]) for s in subs.get(r[0], []))]
    if not rows:
        return
    Event.objects.bulk_create([Event(portfolio_id=p, event_type=k, source_key=key, msg_id=_msg_id(), payload=data,
                                     created_at=now) for p, k, key, data, _at in rows], ignore_conflicts=True)
    by_key = {e.source_key: e for e in Event.objects.filter(source_key__in=[r[2] for r in rows])}
    deliveries = [Delivery(event=by_key[key], subscription=s, next_attempt_at=now, created_at=now, updated_at=now)
                  for p, k, key, _data, at in rows for s in subs[p] if _wants(s, k, at)]
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    report["events"] += len(rows)
    report["deliveries"] += len(deliveries)


def _dispatch_messages(subs, now: datetime, report: dict) -> None:
    """Messages are not audited per status change: their delivered/failed reports are read from the messages
    updated since the cursor's time (less MESSAGE_OVERLAP), created in the last MESSAGE_DAYS days."""
    wanted = [p for p, ss in subs.items() if any(set(s.events) & set(rules.FROM_MESSAGE_STATUS.values())
                                                  for s in ss)]
    cursor = _locked_cursor("messages", lambda: {"read_until": now, "updated_at": now})
    if cursor is None or not wanted:  # nobody wants them: the cursor stays (a new subscriber's first read is
        return  # bounded by MESSAGE_DAYS and gets only what happened after it subscribed)
    messages = (Message.objects.filter(portfolio_id__in=wanted, status__in=rules.FROM_MESSAGE_STATUS,
                                       created_at__gte=now - timedelta(days=MESSAGE_DAYS),
                                       updated_at__gt=cursor.read_until - MESSAGE_OVERLAP,
                                       updated_at__lte=now)
                .select_related("portfolio", "debtor").order_by("id"))
    rows = []
    for m in messages:
        kind = rules.FROM_MESSAGE_STATUS[m.status]
        data = {"portfolio": m.portfolio.slug, "debtor": {"id": m.debtor_id, "code": m.debtor.code},
                "object": {"type": "message", "id": m.pk},
                "details": {"channel": m.channel, "status": m.status, "template": m.template_code,
                            "error": m.last_error[:300], "permanent": m.permanent}}
        rows.append((m.portfolio_id, kind, f"message:{m.pk}:{kind}", _payload(kind, m.updated_at, data),
                     m.updated_at))
    _write(rows, subs, now, report)
    cursor.read_until = now
    cursor.updated_at = now
    cursor.save()


# --------------------------------------------------------------------------------------------------- delivery

def _release_stale(now: datetime) -> None:
    with transaction.atomic():
        Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT).update(
            status=Delivery.Status.PENDING, claim_token=None, claimed_by="", claimed_at=None, updated_at=now)


def _claim(now: datetime, limit: int, worker_id: str) -> list[Delivery]:
    token = uuid.uuid4().hex
    with transaction.atomic():
        ids = list(Delivery.objects.select_for_update(skip_locked=True)
                   .filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now, subscription__active=True)
                   .order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING, claim_token=token, claimed_by=worker_id[:100], claimed_at=now,
            updated_at=now)
    return list(Delivery.objects.filter(claim_token=token).order_by("next_attempt_at", "id")
                .select_related("event", "subscription", "subscription__portfolio"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is an answer (3xx: a failure), never followed to another host


_OPENER = urllib.request.build_opener(_NoRedirect)


def _refused_host(url: str) -> str:
    """Why the URL's host may not be called ("" when it may): a private address, or a name that does not resolve,
    unless RECAUDO_WEBHOOKS_ALLOW_PRIVATE (then the name is not looked up here). Every address the name resolves to
    is checked. The one guard of both saving a subscription (_checked) and each request (_post)."""
    problem = rules.url_problem(url, max_length=MAX_URL)
    if problem:
        return problem
    if settings.RECAUDO_WEBHOOKS_ALLOW_PRIVATE:
        return ""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        return (_("%(name)s does not resolve (DNS: %(error)s)") % {"name": parts.hostname, "error": exc})[:300]
    for info in infos:
        address = info[4][0].split("%")[0]
        if rules.is_private(address):
            if rules.is_address(parts.hostname):
                return _("refused: %(host)s is a private address") % {"host": address}
            return _("refused: %(name)s resolves to %(host)s, a private address") % {
                "name": parts.hostname, "host": address}
    return ""


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str, str]:
    """(status code, response excerpt, error) of one POST."""
    refused = _refused_host(url)
    if refused:
        return None, "", refused
    request = urllib.request.Request(  # noqa: S310 (http/https only: rules.url_problem, checked when saved)
        url, data=body, headers=headers | {"User-Agent": "Recaudo-Webhooks/1"}, method="POST")
    try:
        with _OPENER.open(request, timeout=settings.RECAUDO_WEBHOOKS_TIMEOUT) as response:
            return response.status, response.read(RESPONSE_EXCERPT * 4).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(RESPONSE_EXCERPT * 4).decode("utf-8", "replace"), ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, "", str(getattr(exc, "reason", exc))[:300]


def deliveries_process(*, now: datetime | None = None, worker_id: str = "worker", limit: int = 50,
                       budget_seconds: float = 20.0) -> dict:
    """Claim due deliveries (CLAIM_BATCH at a time), send each one signed, record its attempt (each in its own short
    transaction, right after its request returns), until `limit` are sent or `budget_seconds` have passed (the
    worker's tick also runs the daily cycles and the messages: a slow receiver must not hold them up; what is left
    waits for the next pass). Failures are retried after rules.retry_delay from `now`, up to
    RECAUDO_WEBHOOKS_MAX_ATTEMPTS; RECAUDO_WEBHOOKS_MAX_FAILURES consecutive failed attempts of a subscription turn
    it off. The webhook-timestamp header is `now` plus the time this pass has taken (receivers refuse old ones)."""
    now = now or timezone.now()
    _release_stale(now)
    report = {"sent": 0, "failed": 0}
    began = time.monotonic()
    while report["sent"] + report["failed"] < limit and time.monotonic() - began < budget_seconds:
        claimed = _claim(now, min(CLAIM_BATCH, limit - report["sent"] - report["failed"]), worker_id)
        if not claimed:
            break
        for d in claimed:
            _send(d, now=now, elapsed=time.monotonic() - began, report=report)
    return report


def _send(d: Delivery, *, now: datetime, elapsed: float, report: dict) -> None:
    body = json.dumps(d.event.payload, ensure_ascii=False, separators=(",", ":")).encode()
    started = time.monotonic()
    try:
        secret = subscription_secret(d.subscription)
    except DomainError as exc:  # the sealing keys changed: the secret must be rotated
        code, text, error = None, "", str(exc.message)[:300]
    else:
        stamp = int(now.timestamp() + elapsed)
        heads = rules.headers(secret=secret, msg_id=d.event.msg_id, timestamp=stamp, body=body)
        code, text, error = _post(d.subscription.url, body, heads)
    duration = int((time.monotonic() - started) * 1000)
    ok = code is not None and 200 <= code < 300
    if _record(d, now=now, ok=ok, code=code, text=text, error=error, duration=duration):
        _notify_disabled(d.subscription_id)
    report["sent" if ok else "failed"] += 1


@transaction.atomic
def _record(d: Delivery, *, now: datetime, ok: bool, code, text: str, error: str, duration: int) -> bool:
    """Log the attempt and move the delivery on; True when this failure turned the subscription off."""
    Attempt.objects.create(delivery=d, at=now, status_code=code, duration_ms=max(0, duration),
                           response=text[:RESPONSE_EXCERPT], error=error[:500], ok=ok)
    attempts = d.attempts + 1
    if ok:
        fields = {"status": Delivery.Status.SUCCEEDED}
    elif attempts >= max_attempts():
        fields = {"status": Delivery.Status.FAILED}
    else:
        fields = {"status": Delivery.Status.PENDING, "next_attempt_at": now + rules.retry_delay(attempts)}
    Delivery.objects.filter(pk=d.pk, claim_token=d.claim_token).update(
        attempts=attempts, claim_token=None, claimed_by="", claimed_at=None, updated_at=now, **fields)
    if ok:
        Subscription.objects.filter(pk=d.subscription_id).update(failures=0)
        return False
    Subscription.objects.filter(pk=d.subscription_id).update(failures=F("failures") + 1)
    sub = Subscription.objects.select_for_update().get(pk=d.subscription_id)
    if sub.active and sub.failures >= max_failures():
        _disable(sub, now)
        return True
    return False


def _disable(sub: Subscription, now: datetime) -> None:
    """Turn a failing subscription off: the audit event "webhook.subscription_disabled", and the webhooks page shows
    it at the top, with the reason, until the subscription is turned on again (the administrators also get an
    e-mail: _notify_disabled, after this transaction)."""
    reason = _("%(n)s deliveries in a row failed") % {"n": sub.failures}
    sub.active, sub.disabled_at, sub.disabled_reason, sub.updated_at = False, now, reason[:300], now
    sub.save(update_fields=["active", "disabled_at", "disabled_reason", "updated_at"])
    audit_record(event_type="webhook.subscription_disabled", subject=sub, actor="system", portfolio=sub.portfolio,
                 at=now, changes={"url": sub.url, "failures": sub.failures})


def _notify_disabled(subscription_id: int) -> int:
    """E-mail the portfolio's administrators (those with an address) that a webhook was turned off, through the
    e-mail transport (as the analytics summaries go). Best effort: a failed e-mail is logged, the page still says
    it. Returns how many were sent."""
    sub = Subscription.objects.select_related("portfolio").get(pk=subscription_id)
    emails = sorted({m.user.email for m in Membership.objects.filter(portfolio=sub.portfolio, role=Role.ADMIN,
                                                                     user__is_active=True).select_related("user")
                     if m.user.email})
    if not emails:
        return 0
    transport = transport_for("email")
    with translation.override("es-co"):
        subject = _("Webhook turned off: %(portfolio)s") % {"portfolio": sub.portfolio.name}
        text = _("The webhook to %(url)s of %(portfolio)s was turned off: %(reason)s. Events wait until an "
                 "administrator turns it on again on the Webhooks page.") % {
            "url": sub.url, "portfolio": sub.portfolio.name, "reason": sub.disabled_reason}
    sent = 0
    for email in emails:
        try:
            transport.send(Outgoing(message_id=sub.pk, channel="email", to=email, subject=subject, body=text,
                                    text=text, html=False, language="es-co"))
            sent += 1
        except TransportError as exc:
            log.warning("webhook %s turned off: e-mail to an administrator failed: %s", sub.pk, exc)
    return sent
