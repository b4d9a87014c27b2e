"""Writes of the payment gateways: a portfolio's gateway accounts, payment links and the gateways' notifications.

A notification is verified by its provider's adapter (gateways/), confirmed by the provider's status query where it
offers one, deduplicated on (provider, transaction id), checked against our link (reference, amount, currency) and
only then applied: approved -> a payment through agreements' payment_receive (source gateway, source_ref
gw:<provider>:<transaction id>); declined, expired, voided, pending -> recorded, nothing applied; refunded or
chargeback -> the payment is reversed (payment_receipt_reverse). A retry of the same notification changes nothing."""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.accounts.selectors import can, debtor_visible
from recaudo.agreements.models import AgreementInstallment
from recaudo.agreements.services.payments import payment_receipt_reverse, payment_receive
from recaudo.audit.services import audit_record
from recaudo.core.amounts import AmountError, parse_amount
from recaudo.core.errors import DomainError, NotAllowed
from recaudo.core.money import from_minor, to_minor
from recaudo.core.sealed import seal
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .gateways import REGISTRY
from .gateways.base import (
    APPROVED,
    REVERSING,
    GatewayError,
    Ignored,
    Incoming,
    LinkRequest,
    Notification,
    SignatureInvalid,
    yes_or_no,
)
from .models import GatewayAccount, GatewayNotification, PaymentLink

log = logging.getLogger(__name__)

MAX_RAW_CHARS = 16_000     # what is kept of a notification's body
MAX_EXPIRY_DAYS = 90
DEFAULT_EXPIRY_DAYS = 7

# What became of a notification (GatewayNotification.outcome)
APPLIED = "applied"                # approved: the payment was received
REVERSED = "reversed"              # refunded or charged back: the payment was reversed
RECORDED = "recorded"              # declined, expired, voided or pending: nothing applied
NO_LINK = "no_link"                # its reference names none of our links: nothing applied
AMOUNT_MISMATCH = "amount_mismatch"
CURRENCY_MISMATCH = "currency_mismatch"
REFUSED = "refused"                # the payment rules refused it (e.g. the obligation is closed): nothing applied
NOTHING_TO_REVERSE = "nothing_to_reverse"
OUTCOMES = (APPLIED, REVERSED, RECORDED, NO_LINK, AMOUNT_MISMATCH, CURRENCY_MISMATCH, REFUSED, NOTHING_TO_REVERSE)


class GatewayProblem(DomainError):
    """A gateway account or a payment link that cannot be made as asked."""


# --- accounts ----------------------------------------------------------------------------------------------------

def _admin_only(actor, portfolio: Portfolio) -> None:
    user = actor if actor is not None and not isinstance(actor, str) else None
    if user is not None and not can(user, portfolio, "manage"):
        raise NotAllowed(_("Only an administrator of the portfolio may configure payment gateways."))


@transaction.atomic
def gateway_account_save(*, portfolio: Portfolio, provider: str, values: dict, active: bool = True,
                         actor=None) -> GatewayAccount:
    """Configure the portfolio's account with `provider`: a secret left empty keeps the one saved; other fields are
    set as given. A required field that ends up empty is refused, naming it. Secrets are sealed
    (GatewayAccount.secrets_sealed, core/sealed.py); ones an older row kept in config are moved there; saved ones
    this installation's keys no longer open count as not saved (entered again)."""
    _admin_only(actor, portfolio)
    adapter = REGISTRY.get(provider)
    if adapter is None:
        raise GatewayProblem(_("unknown payment gateway %(name)r") % {"name": provider}, field="provider")
    account, created = GatewayAccount.objects.select_for_update().get_or_create(
        portfolio=portfolio, provider=provider, defaults={"config": {}, "active": active})
    config, secrets_ = _split_secrets(adapter, account)
    changed = []
    for spec in adapter.config_fields:
        target = secrets_ if spec.secret else config
        value = str(values.get(spec.key) or "").strip()
        if len(value) > 500:
            raise GatewayProblem(_("%(field)s: up to 500 characters") % {"field": spec.label}, field=spec.key)
        if spec.key.endswith("_url") and value and not value.startswith(("https://", "http://")):
            raise GatewayProblem(_("%(field)s: an http(s) address") % {"field": spec.label}, field=spec.key)
        if spec.key == "test" and not yes_or_no(value):
            raise GatewayProblem(_("%(field)s: true or false") % {"field": spec.label}, field=spec.key)
        if spec.secret and not value:
            continue  # kept
        if target.get(spec.key, "") != value:
            changed.append(spec.key)
        target[spec.key] = value
    missing = [spec for spec in adapter.config_fields
               if spec.required and not (secrets_ if spec.secret else config).get(spec.key)]
    if missing:
        raise GatewayProblem(_("%(field)s: required") % {"field": missing[0].label}, field=missing[0].key)
    account.config = config
    account.secrets_sealed = seal(secrets_)
    account.active = active
    account.save()
    audit_record(event_type="banking.gateway_saved", subject=account, actor=actor, portfolio=portfolio,
                 changes={"provider": provider, "created": created, "active": active, "changed": changed})
    return account


def _split_secrets(adapter, account: GatewayAccount) -> tuple[dict, dict]:
    """(plain settings, secrets) of an account: the sealed secrets, and those an older row kept in config."""
    config = dict(account.config or {})
    try:
        secrets_ = account.secret_values()
    except GatewayError:  # sealed with keys this installation no longer has: entered again
        log.warning("gateway account %s: its sealed secrets cannot be read; they must be entered again", account.pk)
        secrets_ = {}
    for spec in adapter.config_fields:
        if spec.secret and spec.key in config:
            plain = config.pop(spec.key)
            secrets_.setdefault(spec.key, plain)
    return config, secrets_


@transaction.atomic
def gateway_secrets_seal(*, actor=None) -> int:
    """Seal the secrets that accounts saved before sealing still keep in config (every portfolio); how many
    accounts were sealed. An account whose sealed secrets cannot be read is left as it is."""
    sealed = 0
    for account in GatewayAccount.objects.select_for_update().order_by("pk"):
        adapter = REGISTRY.get(account.provider)
        if adapter is None or not any(spec.secret and spec.key in (account.config or {})
                                      for spec in adapter.config_fields):
            continue
        try:
            account.secret_values()
        except GatewayError:
            log.warning("gateway account %s: its sealed secrets cannot be read; not sealed", account.pk)
            continue
        account.config, secrets_ = _split_secrets(adapter, account)
        account.secrets_sealed = seal(secrets_)
        account.save(update_fields=["config", "secrets_sealed", "updated_at"])
        audit_record(event_type="banking.gateway_secrets_sealed", subject=account, actor=actor,
                     portfolio=account.portfolio, changes={"provider": account.provider})
        sealed += 1
    return sealed


def active_account(portfolio: Portfolio, provider: str = "") -> GatewayAccount | None:
    accounts = GatewayAccount.objects.filter(portfolio=portfolio, active=True, provider__in=list(REGISTRY))
    if provider:
        accounts = accounts.filter(provider=provider)
    return accounts.order_by("provider").first()


# --- payment links -----------------------------------------------------------------------------------------------

def _default_amount_minor(debtor: Debtor, obligation: Obligation | None,
                          installment: AgreementInstallment | None) -> int:
    if installment is not None:
        if installment.obligation_id is not None:
            return max(installment.obligation.balance_minor, 0)
        return installment.amount_minor
    if obligation is not None:
        return max(obligation.balance_minor, 0)
    return Obligation.objects.filter(debtor=debtor, balance_minor__gt=0).aggregate(
        total=Sum("balance_minor"))["total"] or 0


def _notification_url(provider: str, portfolio: Portfolio) -> str:
    base = str(getattr(settings, "RECAUDO_PUBLIC_URL", "") or "").rstrip("/")
    if not base:
        return ""
    return base + reverse("hook_gateway", kwargs={"provider": provider, "slug": portfolio.slug})


PAY_PAGE_PLACEHOLDER = "REFERENCEPLACEHOLDER"


def pay_page_url(portfolio: Portfolio) -> str:
    """Our public pay page's address for the portfolio's links, with {reference} where the link's reference goes
    (the adapters that need it fill it in): RECAUDO_PUBLIC_URL + /pagar/<slug>/{reference}/. "" when no public
    address is configured."""
    base = str(getattr(settings, "RECAUDO_PUBLIC_URL", "") or "").rstrip("/")
    if not base:
        return ""
    path = reverse("pay_link", kwargs={"slug": portfolio.slug, "reference": PAY_PAGE_PLACEHOLDER})
    return base + path.replace(PAY_PAGE_PLACEHOLDER, "{reference}")


def link_description(portfolio: Portfolio, debtor: Debtor, obligation: Obligation | None,
                     installment: AgreementInstallment | None) -> str:
    """What the debtor pays, as the provider shows it: the creditor, the debtor's name and the obligation or the
    installment. The pay page rebuilds it from the stored link (PayU's form)."""
    if installment is not None:
        what = _("installment %(number)s") % {"number": installment.number}
    else:
        what = obligation.number if obligation is not None else ""
    description = f"{portfolio.creditor or portfolio.name} · {debtor.name}" + (f" · {what}" if what else "")
    return description[:250]


def payment_link_create(*, portfolio: Portfolio, debtor: Debtor, obligation: Obligation | None = None,
                        installment: AgreementInstallment | None = None, amount=None,
                        expires_in: int = DEFAULT_EXPIRY_DAYS, provider: str = "", actor=None,
                        now: datetime | None = None) -> PaymentLink:
    """Ask the portfolio's active gateway for a link where the debtor pays `amount` (default: what the installment,
    the obligation or the debtor owes), open `expires_in` days. Users who may write in the portfolio (agents,
    supervisors, administrators) and see the debtor may create one. The provider is called before the link is
    written: a provider that fails leaves nothing behind."""
    user = actor if actor is not None and not isinstance(actor, str) else None
    if user is not None and not (can(user, portfolio, "write") and debtor_visible(user, portfolio, debtor.pk)):
        raise NotAllowed(_("You may not create payment links for this debtor."))
    if debtor.portfolio_id != portfolio.pk:
        raise GatewayProblem(_("the debtor is not in this portfolio"), field="debtor")
    if obligation is not None and obligation.debtor_id != debtor.pk:
        raise GatewayProblem(_("the obligation is not the debtor's"), field="obligation")
    if installment is not None:
        if installment.agreement.debtor_id != debtor.pk:
            raise GatewayProblem(_("the installment is not the debtor's"), field="installment")
        obligation = installment.obligation
    account = active_account(portfolio, provider)
    if account is None:
        raise GatewayProblem(_("The portfolio has no active payment gateway: an administrator configures one in "
                               "Payment gateways."), field="provider")
    try:
        expires_in = int(expires_in)
    except (TypeError, ValueError):
        expires_in = 0
    if not 1 <= expires_in <= MAX_EXPIRY_DAYS:
        raise GatewayProblem(_("the link expires in 1 to %(max)d days") % {"max": MAX_EXPIRY_DAYS},
                             field="expires_in")
    currency = str(portfolio.currency)
    if amount is None or amount == "":
        amount_minor = _default_amount_minor(debtor, obligation, installment)
    else:
        try:  # typed text as people write it (1.500.000,50 or 1,500,000.50), else a number
            amount_minor = to_minor(parse_amount(amount, decimal="auto", currency=currency, allow_zero=False),
                                    currency)
        except AmountError as exc:
            raise GatewayProblem(f"{_('amount')}: {exc.message}", field="amount") from None
        except (ValueError, ArithmeticError):
            raise GatewayProblem(_("%(value)s is not an amount") % {"value": str(amount)[:30]}, field="amount")
    if amount_minor <= 0:
        raise GatewayProblem(_("Nothing to pay: the amount must be greater than zero."), field="amount")
    now = now or timezone.now()
    expires_at = now + timedelta(days=expires_in)
    reference = "RC" + secrets.token_hex(6).upper()
    adapter = REGISTRY[account.provider]
    config = account.full_config()
    if adapter.needs_pay_page:
        config["pay_page_url"] = pay_page_url(portfolio)
        if not config["pay_page_url"]:
            raise GatewayProblem(_("%(provider)s links open from Recaudo's public pay page: set RECAUDO_PUBLIC_URL "
                                   "(the public address of this server) first.") % {"provider": adapter.label},
                                 field="provider")
    created = adapter.create_link(config, LinkRequest(
        reference=reference, amount=from_minor(amount_minor, currency), currency=currency,
        description=link_description(portfolio, debtor, obligation, installment),
        expires_at=expires_at.isoformat(timespec="seconds"),
        notification_url=_notification_url(account.provider, portfolio)))
    with transaction.atomic():
        link = PaymentLink.objects.create(
            portfolio=portfolio, debtor=debtor, obligation=obligation, installment=installment,
            amount_minor=amount_minor, currency=currency, reference=reference, provider=account.provider,
            url=created.url[:500], provider_id=created.provider_id[:120], expires_at=expires_at, created_by=user)
        audit_record(event_type="banking.payment_link_created", subject=link, actor=actor, portfolio=portfolio,
                     debtor=debtor, changes={"provider": account.provider, "amount": amount_minor,
                                             "obligation": obligation.number if obligation else "",
                                             "expires_at": expires_at.isoformat(timespec="seconds")})
    return link


def payment_links_expire(*, portfolio: Portfolio, now: datetime | None = None) -> int:
    """Mark the portfolio's open links past their expiry as expired (the daily cycle calls it). One conditional
    UPDATE: a link paid or cancelled meanwhile is not touched, and two sweeps at once expire each link once."""
    now = now or timezone.now()
    with transaction.atomic():
        count = PaymentLink.objects.filter(portfolio=portfolio, status=PaymentLink.Status.OPEN,
                                           expires_at__lte=now).update(status=PaymentLink.Status.EXPIRED)
        if count:
            audit_record(event_type="banking.payment_links_expired", subject=portfolio, actor="system",
                         portfolio=portfolio, changes={"expired": count})
    return count


@transaction.atomic
def payment_link_cancel(*, portfolio: Portfolio, link_id: int, actor=None) -> PaymentLink:
    """Cancel an open link (the provider's link stays; a payment that still arrives through it is received)."""
    link = PaymentLink.objects.select_for_update().get(portfolio=portfolio, pk=link_id)
    user = actor if actor is not None and not isinstance(actor, str) else None
    if user is not None and not (can(user, portfolio, "write") and debtor_visible(user, portfolio, link.debtor_id)):
        raise NotAllowed(_("You may not cancel this payment link."))
    if link.status != PaymentLink.Status.OPEN:
        raise GatewayProblem(_("Only an open link can be cancelled."), field="link")
    link.status = PaymentLink.Status.CANCELLED
    link.save(update_fields=["status"])
    audit_record(event_type="banking.payment_link_cancelled", subject=link, actor=actor, portfolio=portfolio,
                 debtor=link.debtor)
    return link


# --- notifications -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Received:
    outcome: str                 # one of OUTCOMES, or "duplicate" (nothing changed), or "ignored" (another topic)
    notification_id: int | None = None
    payment_id: int | None = None


def _bounded_raw(raw: dict) -> dict:
    text = json.dumps(raw, default=str, ensure_ascii=False)
    if len(text) <= MAX_RAW_CHARS:
        return json.loads(text)
    return {"truncated": text[:MAX_RAW_CHARS]}


def gateway_signature_refused(*, portfolio: Portfolio, provider: str, remote_addr: str, reason: str) -> None:
    """A notification whose signature did not verify: nothing is applied and nothing is written (a forger must not
    be able to fill the audit trail); it is logged with the provider and the address it came from."""
    log.warning("payment gateway %s: refused notification for portfolio %s from %s: %s", provider, portfolio.slug,
                remote_addr or "?", reason)


def _find_link(portfolio: Portfolio, provider: str, reference: str) -> PaymentLink | None:
    if not reference:
        return None
    link = PaymentLink.objects.filter(portfolio=portfolio, reference=reference).first()
    if link is None:  # Wompi names the link by its own id
        link = PaymentLink.objects.filter(portfolio=portfolio, provider=provider, provider_id=reference).first()
    return link


def gateway_notification_receive(*, portfolio: Portfolio, provider: str, incoming: Incoming,
                                 remote_addr: str = "") -> Received:
    """Verify, confirm and apply one notification (see the module's docstring). Raises SignatureInvalid (nothing
    changed but the audit of the refusal), GatewayError when the provider's status query fails (nothing changed:
    the provider retries), GatewayProblem when the portfolio has no active account with the provider."""
    account = active_account(portfolio, provider)
    if account is None:
        raise GatewayProblem(f"no active {provider} account", field="provider")
    adapter = REGISTRY[provider]
    try:
        config = account.full_config()  # GatewayError when the keys cannot be read: answered 503, retried
        notification = adapter.verify(config, incoming)
    except SignatureInvalid as exc:
        gateway_signature_refused(portfolio=portfolio, provider=provider, remote_addr=remote_addr, reason=str(exc))
        raise
    except Ignored:
        return Received(outcome="ignored")
    confirmed = adapter.confirm(config, notification)  # GatewayError: answered 503, retried
    if confirmed is not None:  # the query has the last word on the status; a signed notification keeps its fields
        notification = confirmed if notification.needs_status_query else replace(notification,
                                                                                  status=confirmed.status)
    try:
        return _apply(portfolio, notification)
    except IntegrityError:  # a concurrent delivery of the same transaction created the row first
        return _apply(portfolio, notification)


@transaction.atomic
def _apply(portfolio: Portfolio, n: Notification) -> Received:
    row = (GatewayNotification.objects.select_for_update()
           .filter(provider=n.provider, transaction_id=n.transaction_id).first())
    link = _find_link(portfolio, n.provider, n.reference)
    try:
        amount_minor = to_minor(n.amount, n.currency) if n.currency else None
    except (ValueError, KeyError):
        amount_minor = None
    if row is not None:
        if row.portfolio_id != portfolio.pk:
            raise SignatureInvalid("the transaction belongs to another portfolio")
        if row.status == n.status or (row.payment_id and n.status == APPROVED):
            GatewayNotification.objects.filter(pk=row.pk).update(deliveries=row.deliveries + 1)
            return Received(outcome="duplicate", notification_id=row.pk, payment_id=row.payment_id)
    else:
        row = GatewayNotification(portfolio=portfolio, provider=n.provider, transaction_id=n.transaction_id,
                                  deliveries=0)
    row.event_id, row.status, row.amount_minor, row.currency = n.event_id, n.status, amount_minor, n.currency
    row.reference, row.link, row.raw = n.reference, link, _bounded_raw(n.raw)
    row.deliveries += 1
    actor = f"gateway {n.provider}"
    outcome = RECORDED
    if n.status in REVERSING:
        payment = row.payment
        if payment is None:
            outcome = NOTHING_TO_REVERSE
        elif payment.reversed_at is not None:
            outcome = REVERSED
        else:
            payment_receipt_reverse(payment=payment, reason=_("Payment gateway %(provider)s: %(status)s of "
                                                              "transaction %(id)s") % {
                "provider": n.provider, "status": n.status, "id": n.transaction_id}, actor=actor)
            outcome = REVERSED
    elif n.status == APPROVED:
        if link is None:
            outcome = NO_LINK
        elif n.currency != link.currency:
            outcome = CURRENCY_MISMATCH
        elif amount_minor != link.amount_minor:
            outcome = AMOUNT_MISMATCH
        else:
            outcome = _receive(portfolio, link, n, row)
    row.outcome = outcome
    row.save()
    audit_record(event_type="banking.gateway_notification", subject=row, actor=actor, portfolio=portfolio,
                 debtor=link.debtor if link else None,
                 changes={"provider": n.provider, "transaction_id": n.transaction_id, "status": n.status,
                          "reference": n.reference, "amount": amount_minor, "currency": n.currency,
                          "outcome": outcome, "payment": row.payment_id})
    return Received(outcome=outcome, notification_id=row.pk, payment_id=row.payment_id)


def _receive(portfolio: Portfolio, link: PaymentLink, n: Notification, row: GatewayNotification) -> str:
    try:
        with transaction.atomic():
            payment, _created = payment_receive(
                portfolio=portfolio, debtor=link.debtor, amount=from_minor(link.amount_minor, link.currency),
                date=portfolio.today(), source=Payment.Source.GATEWAY,
                source_ref=f"gw:{n.provider}:{n.transaction_id}", reference=link.reference, method=n.provider,
                obligation=link.obligation, actor=f"gateway {n.provider}")
    except DomainError as exc:
        row.raw = {**(row.raw or {}), "refused": str(exc)[:300]}
        return REFUSED
    row.payment = payment
    if link.status != PaymentLink.Status.PAID:
        link.status, link.paid_at = PaymentLink.Status.PAID, timezone.now()
        link.save(update_fields=["status", "paid_at"])
    return APPLIED


__all__ = ["GatewayError", "GatewayProblem", "Received", "gateway_account_save", "gateway_notification_receive",
           "payment_link_create", "payment_links_expire", "payment_link_cancel", "active_account"]
