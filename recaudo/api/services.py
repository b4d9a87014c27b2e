"""The API's writes: creating and revoking tokens (audited), counting a token's use against its rate, and storing
the answer of an idempotent write together with the write itself."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.accounts.selectors import role_in
from recaudo.audit.services import actor_label_for, audit_record
from recaudo.portfolio.models import Portfolio

from . import rules
from .models import ApiToken, IdempotentRequest
from .rules import ApiError


class IdempotencyConflict(ApiError):
    """The same Idempotency-Key was sent with another request (or while the first was still running)."""


@transaction.atomic
def token_create(*, name: str, scope: str, portfolios: list[Portfolio], user=None, rate_per_minute: int | None = None,
                 actor=None, now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once: only its SHA-256 is kept). A user's token reaches only portfolios
    where the user has a role, and the user's role still applies to every call."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApiError(_("a name of 1 to 100 characters"), field="name")
    if scope not in ApiToken.Scope.values:
        raise ApiError(_("must be read or write"), field="scope")
    portfolios = list(portfolios)
    if not portfolios:
        raise ApiError(_("at least one portfolio"), field="portfolios")
    if user is not None:
        for portfolio in portfolios:
            if role_in(user, portfolio) is None:
                raise ApiError(_("%(user)s has no role in %(portfolio)s") % {
                    "user": user.get_username(), "portfolio": portfolio.slug}, field="portfolios")
    rate = rules.RATE_DEFAULT if rate_per_minute is None else rate_per_minute
    if not 1 <= rate <= rules.RATE_MAX:
        raise ApiError(_("must be between 1 and %(max)d") % {"max": rules.RATE_MAX}, field="rate_per_minute")
    secret = rules.SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name, user=user, prefix=secret[:rules.PREFIX_CHARS], secret_hash=rules.secret_hash(secret), scope=scope,
        rate_per_minute=rate, created_at=now or timezone.now(), created_by=actor_label_for(actor)[:150])
    token.portfolios.set(portfolios)
    for portfolio in portfolios:
        audit_record(event_type="api_token.created", subject=token, actor=actor, portfolio=portfolio,
                     changes={"name": name, "scope": scope, "user": user.get_username() if user else None,
                              "prefix": token.prefix, "rate_per_minute": rate})
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, actor=None, now: datetime | None = None) -> ApiToken:
    """Revoke a token: from now on every call with it answers 401. Revoking twice changes nothing."""
    if token.revoked_at is not None:
        return token
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])
    for portfolio in token.portfolios.all():
        audit_record(event_type="api_token.revoked", subject=token, actor=actor, portfolio=portfolio,
                     changes={"name": token.name, "prefix": token.prefix})
    return token


def token_use(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Count one request of `token` in its current minute and record its last use; False (nothing counted) when
    the minute's requests are spent. One conditional UPDATE, so concurrent requests in any process count exactly.
    Not audited: a token's use is its last-use time, not an event."""
    now = now or timezone.now()
    window = rules.window_of(now)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Every request of a token updates its one row, so the row's lock is held until the commit is flushed:
            # requests of one token then go one at a time, at the disk's flush rate (about 220 a second here, which
            # put 20 clients' p95 over 100 ms). A count and a last-use time lost to a crash are harmless: this commit
            # does not wait for the flush.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        return bool(ApiToken.objects.filter(pk=token.pk).filter(
            ~Q(window_start=window) | Q(window_start__isnull=True) | Q(window_count__lt=F("rate_per_minute"))).update(
            window_count=Case(When(window_start=window, then=F("window_count") + 1), default=Value(1)),
            window_start=window, last_used_at=now))


def idempotent_write(*, token: ApiToken, key: str | None, request_hash: str, call: Callable[[], tuple[int, str]],
                     now: datetime | None = None) -> tuple[int, str]:
    """Run a write `call` (it answers (status, JSON body)) once per Idempotency-Key: with no key, just run it; with
    a key already answered for the same request, the stored answer (the call does not run); with a key answered
    for another request, IdempotencyConflict. The write and its stored answer commit together. A call that
    raises a DomainError stores nothing (the same key may be retried with a corrected body)."""
    if not key:
        with transaction.atomic():
            return call()
    if len(key) > rules.KEY_MAX_CHARS:
        raise ApiError(_("at most %(max)d characters") % {"max": rules.KEY_MAX_CHARS}, field="Idempotency-Key")
    stored = IdempotentRequest.objects.filter(token=token, key=key).first()
    if stored is not None:
        if stored.request_hash != request_hash:
            raise IdempotencyConflict(_("This Idempotency-Key was already used with a different request; use a new "
                                        "key for a new request."), field="Idempotency-Key")
        return stored.status, stored.body
    try:
        with transaction.atomic():
            status, body = call()
            IdempotentRequest.objects.create(token=token, key=key, request_hash=request_hash, status=status, body=body,
                                             created_at=now or timezone.now())
    except IntegrityError:
        # another request with this key committed first: answer as if it had been seen before
        stored = IdempotentRequest.objects.filter(token=token, key=key).first()
        if stored is None:
            raise
        if stored.request_hash != request_hash:
            raise IdempotencyConflict(_("This Idempotency-Key was already used with a different request; use a new "
                                        "key for a new request."), field="Idempotency-Key") from None
        return stored.status, stored.body
    return status, body
