"""Inbound SMS and WhatsApp messages (issue 16 §4): self-service answers and the agents' inbox.

A debtor who writes SALDO, PAGAR, ACUERDO or AYUDA (BALANCE, PAY, PLAN, HELP; rules.inbound_keyword) on a channel
they consented to gets an automatic answer, queued through the outbox like every message (templates reply_balance,
reply_pay, reply_plan, reply_help in the debtor's language). STOP-like words revoke that channel's consent, first.
Anything else is kept for the agents: it shows on the debtor's page and in the portfolio's inbox until someone marks
it handled. Decisions (docs/channels.md, "Self-service by SMS and WhatsApp"):

- Only the number's own contacts count (the debtor, co-debtor or guarantor it belongs to); a number nobody has, a
  personal reference, or a contact without consent on that channel gets no answer at all: nothing personal goes to
  a number that may not be the debtor's, and an unknown number cannot make us send texts (an SMS pump). Known
  contacts' messages are kept for the agents; an unknown number's is only logged (masked).
- The answer is an inbound contact for the compliance rules (the debtor asked for it): decided and stored as
  evidence, but the hours and frequency rules, which govern contacts the creditor starts, do not hold it back.
- On WhatsApp the answer goes as free text ("session" message) within 24 hours of the debtor's message; later, the
  outbox sends the approved template instead.
- At most rules.REPLY_LIMITS automatic answers per sender (3 in 10 minutes, 10 a day): beyond, the message is kept
  (outcome "limited") and not answered, which also ends a loop with another robot.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from recaudo.accounts.selectors import can, debtor_visible
from recaudo.audit.services import audit_record
from recaudo.banking.models import PaymentLink
from recaudo.banking.selectors import active_convenio
from recaudo.banking.services_gateways import active_account, payment_link_create
from recaudo.core.errors import DomainError, NotAllowed
from recaudo.core.money import from_minor
from recaudo.portfolio.masking import mask_phone
from recaudo.portfolio.models import Contact, Debtor, Obligation

from .contacts import CONTACT_KINDS, consent_granted
from .models import InboundMessage, Message
from .rules import (
    INBOUND_TEXT_LIMIT,
    OTHER,
    PAY,
    REPLY_LIMITS,
    REPLY_SOURCE,
    STOP,
    inbound_keyword,
    reply_allowed,
)
from .services import CommunicationsError, consent_revoke_for_contact, message_enqueue_with_reason

log = logging.getLogger(__name__)

SELF_SERVICE = "self-service"  # the actor of what the system does on a debtor's message
CHANNELS = ("sms", "whatsapp")


class InboundNotAllowed(CommunicationsError, NotAllowed):
    pass


def sender_number(sender: str) -> str:
    """"+" and the digits of a provider's sender ("whatsapp:+57 300..." or "573001234567"); "" when none."""
    digits = "".join(ch for ch in (sender or "") if ch.isdigit())[:20]
    return "+" + digits if digits else ""


def _contacts(number: str, channel: str) -> list[tuple[Contact, bool]]:
    """The number's contacts, one per debtor (any portfolio), with whether it has the channel's consent: the one
    that has it (the channel's own kind first: a WhatsApp contact for WhatsApp), else the first."""
    kinds = CONTACT_KINDS[channel]
    rows = sorted(Contact.objects.filter(value=number, channel__in=kinds).select_related("debtor__portfolio"),
                  key=lambda c: (c.debtor_id, kinds.index(c.channel), not c.is_primary, c.pk))
    granted = consent_granted([c.pk for c in rows], channel)
    by_debtor: dict[int, tuple[Contact, bool]] = {}
    for contact in rows:
        current = by_debtor.get(contact.debtor_id)
        if current is None or (not current[1] and contact.pk in granted):
            by_debtor[contact.debtor_id] = (contact, contact.pk in granted)
    return list(by_debtor.values())


def _answered_at(number: str, channel: str, now: datetime) -> list[datetime]:
    since = now - max(window for _, window in REPLY_LIMITS)
    return list(InboundMessage.objects.filter(sender=number, channel=channel, outcome=InboundMessage.Outcome.ANSWERED,
                                              received_at__gt=since, received_at__lte=now)
                .values_list("received_at", flat=True).distinct())


def _pay_target(debtor: Debtor) -> tuple[Obligation | None, int]:
    """What a PAGAR answer offers to pay: the debtor's open obligations with a balance (the ones the answer's
    `total_balance` adds up, rendering.overdue_obligations): with one, that obligation and its balance; with several,
    no obligation (the debtor's total) and their sum."""
    rows = list(Obligation.objects.filter(debtor=debtor, status=Obligation.Status.OPEN, balance_minor__gt=0)
                .order_by("due_date", "number")[:2])
    if len(rows) == 1:
        return rows[0], rows[0].balance_minor
    total = Obligation.objects.filter(debtor=debtor, status=Obligation.Status.OPEN, balance_minor__gt=0).aggregate(
        total=Sum("balance_minor"))["total"] or 0
    return None, total


def _ensure_payment_link(debtor: Debtor, now: datetime) -> str:
    """An open link for what the debtor owes when the portfolio has an active gateway (_pay_target: the total, or
    the one obligation): a still-open link for that same target and amount is used again, else a new one is made.
    "" when there is no gateway, nothing to pay or the provider failed (the answer then gives the payment reference
    and the bank details). Called outside any transaction: it may call the provider."""
    portfolio = debtor.portfolio
    if active_account(portfolio) is None:
        return ""
    obligation, amount = _pay_target(debtor)
    if amount <= 0:
        return ""
    reuse = (PaymentLink.objects.filter(debtor=debtor, status=PaymentLink.Status.OPEN, expires_at__gt=now,
                                        obligation=obligation, installment=None, amount_minor=amount)
             .order_by("-created_at", "-id").first())
    if reuse is not None:
        return reuse.url
    try:
        return payment_link_create(portfolio=portfolio, debtor=debtor, obligation=obligation,
                                   amount=from_minor(amount, portfolio.currency), actor=SELF_SERVICE, now=now).url
    except DomainError as exc:
        log.warning("self-service payment link for debtor %s not created: %s", debtor.pk, exc)
        return ""


def _bank(debtor: Debtor) -> dict:
    convenio = active_convenio(debtor.portfolio)
    if convenio is None:
        return {}
    return {"name": convenio.name, "account": convenio.account_number, "account_type": convenio.account_type,
            "service_code": convenio.service_code}


def inbound_receive(*, channel: str, sender: str, text: str, provider: str, at: datetime | None = None,
                    provider_id: str = "", now: datetime | None = None) -> list[InboundMessage]:
    """An inbound SMS/WhatsApp message, from a provider's webhook. Returns the rows kept (one per debtor whose
    contact has the sender's number; none for an unknown number). A provider's retry of the same message
    (`provider_id`) is kept and answered once."""
    if channel not in CHANNELS:
        raise CommunicationsError(f"unknown inbound channel {channel!r}; one of {', '.join(CHANNELS)}")
    now = now or timezone.now()
    at = min(at or now, now)
    number = sender_number(sender)
    text = (text or "").replace("\x00", "")
    kind = inbound_keyword(text[:INBOUND_TEXT_LIMIT])
    contacts = _contacts(number, channel) if number else []
    if not contacts:
        log.info("inbound %s from an unknown number %s: not answered", channel, mask_phone(number or "?"))
        return []
    kept = []
    for contact, consented in contacts:
        row = _receive_one(contact=contact, consented=consented, channel=channel, number=number, text=text,
                           kind=kind, provider=provider, provider_id=(provider_id or "")[:200], at=at, now=now)
        if row is not None:
            kept.append(row)
    return kept


def _receive_one(*, contact: Contact, consented: bool, channel: str, number: str, text: str, kind: str, provider: str,
                 provider_id: str, at: datetime, now: datetime) -> InboundMessage | None:
    debtor = contact.debtor
    if provider_id and InboundMessage.objects.filter(debtor=debtor, provider=provider[:30],
                                                     provider_id=provider_id).exists():
        return None
    answer = kind not in (OTHER, STOP) and consented and reply_allowed(_answered_at(number, channel, now), now)
    context = {}
    if answer and kind == PAY:
        # before the transaction: it may call the gateway. The answer names this link (not merely the newest open
        # one, which may be for another amount) and the amount it is for (the answer's total_balance).
        context["payment_link"] = _ensure_payment_link(debtor, now)
        context["bank"] = _bank(debtor)
    try:
        with transaction.atomic():
            return _keep(contact=contact, channel=channel, number=number, text=text, kind=kind, provider=provider,
                         provider_id=provider_id, at=at, now=now, consented=consented, answer=answer,
                         context=context)
    except IntegrityError:  # the same provider message, kept by a concurrent delivery of the webhook
        return None


def _keep(*, contact, channel, number, text, kind, provider, provider_id, at, now, consented, answer, context):
    debtor, portfolio = contact.debtor, contact.debtor.portfolio
    row = InboundMessage(portfolio=portfolio, debtor=debtor, contact=contact, channel=channel, sender=number,
                         text=text[:INBOUND_TEXT_LIMIT], truncated=len(text) > INBOUND_TEXT_LIMIT,
                         kind=kind or InboundMessage.Kind.OTHER, provider=provider[:30], provider_id=provider_id,
                         received_at=at, outcome=InboundMessage.Outcome.INBOX)
    if kind == STOP:
        row.outcome = InboundMessage.Outcome.OPTED_OUT
        row.save()
        for same in Contact.objects.filter(debtor=debtor, value=number, channel__in=CONTACT_KINDS[channel]):
            consent_revoke_for_contact(contact=same, channel=channel, source=f"{provider} reply: {text[:40]}", now=at)
    elif kind == OTHER:
        row.needs_agent = True
        row.save()
    elif not consented:
        row.outcome, row.needs_agent = InboundMessage.Outcome.NO_CONSENT, True
        row.reason = f"no granted consent for {channel} on this contact (or a personal reference): not answered"
        row.save()
    elif not answer:
        row.outcome = InboundMessage.Outcome.LIMITED
        row.reason = "more automatic answers to this number than the limit (3 in 10 minutes, 10 a day)"
        row.save()
    else:
        row.save()
        payload = {"whatsapp_session_from": at.isoformat()} if channel == "whatsapp" else {}
        message, reason = message_enqueue_with_reason(
            portfolio=portfolio, debtor=debtor, channel=channel, template_code=f"reply_{kind}",
            dedupe_key=f"reply:{row.pk}", now=now, context=context, source=REPLY_SOURCE, actor=SELF_SERVICE,
            contact=contact, direction="inbound", payload=payload)
        if message is None or message.status == Message.Status.FAILED:
            row.outcome, row.needs_agent = InboundMessage.Outcome.NOT_SENT, True
            row.reason = (reason or (message.last_error if message else ""))[:300]
        else:
            row.outcome, row.reply = InboundMessage.Outcome.ANSWERED, message
        row.save(update_fields=["outcome", "needs_agent", "reason", "reply"])
    audit_record(event_type="inbound.received", subject=row, actor=SELF_SERVICE, portfolio=portfolio, debtor=debtor,
                 at=now, changes={"channel": channel, "kind": row.kind, "outcome": row.outcome,
                                  "reply": row.reply_id, "provider_id": provider_id})
    return row


@transaction.atomic
def inbound_mark_handled(*, inbound_id: int, actor, portfolio, now: datetime | None = None) -> InboundMessage:
    """An agent, supervisor or administrator who sees the debtor marks an inbox message as handled (once)."""
    row = (InboundMessage.objects.select_for_update().select_related("debtor")
           .filter(pk=inbound_id, portfolio=portfolio).first())
    if row is None or not debtor_visible(actor, portfolio, row.debtor_id):
        raise InboundNotAllowed(gettext("That message is not in this portfolio."))
    if not can(actor, portfolio, "write"):
        raise InboundNotAllowed(gettext("You may not mark messages as handled in this portfolio."))
    if row.handled_at is not None:
        raise CommunicationsError(gettext("This message was already marked as handled."), field="inbound")
    row.handled_at, row.handled_by = now or timezone.now(), actor
    row.save(update_fields=["handled_at", "handled_by"])
    audit_record(event_type="inbound.handled", subject=row, actor=actor, portfolio=portfolio, debtor=row.debtor,
                 changes={"handled_at": row.handled_at.isoformat()})
    return row
