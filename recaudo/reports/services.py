"""Reports writes: sending a debtor's statement of account now ("Enviar estado de cuenta ahora").

The statement is composed here (reports sees the ledger and communications); the message goes through the
compliance check and the outbox like every other message: the outbox attaches the statement PDF when it sends
(recaudo.cycle.outbox), so the debtor gets the statement as of the day it leaves."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.communications.contacts import contacts_for
from recaudo.communications.models import Message
from recaudo.communications.services import message_enqueue_with_reason
from recaudo.compliance.rules import ComplianceError
from recaudo.compliance.services import contact_schedule
from recaudo.compliance.wording import blocked_text
from recaudo.core.errors import DomainError
from recaudo.portfolio.models import Debtor
from recaudo.portfolio.services import require_debtor_write

from .statements import statement_for

STATEMENT_TEMPLATE = "statement"
# The channels that can carry the statement PDF itself (an attachment). SMS and WhatsApp would carry a link to the
# debtor portal, which is not available yet.
STATEMENT_CHANNELS = ("email",)


class StatementSendError(DomainError):
    pass


def statement_channels(debtor: Debtor) -> dict[str, str]:
    """channel -> the address the statement would go to, for each channel able to carry it where the debtor has a
    collectable contact with consent."""
    out = {}
    for channel in STATEMENT_CHANNELS:
        contact = contacts_for([debtor.pk], channel).get(debtor.pk)
        if contact is not None:
            out[channel] = contact.value
    return out


@transaction.atomic
def statement_send(*, debtor: Debtor, channel: str, token: str, actor, now: datetime | None = None) -> Message:
    """Queue the debtor's statement of account now by `channel`, to the contact with consent for it, after the
    compliance check: when the rules never allow the contact, StatementSendError says why (in the page's language)
    and nothing is queued; outside the allowed hours it is queued for the next allowed time. `token` (the form's)
    makes a double submit queue one message."""
    require_debtor_write(actor, debtor)
    portfolio = debtor.portfolio
    now = now or timezone.now()
    if channel not in STATEMENT_CHANNELS:
        raise StatementSendError(_("The statement can be sent by e-mail only."), field="channel")
    token = "".join(ch for ch in (token or "") if ch.isalnum())[:64]
    if not token:
        raise StatementSendError(_("The form expired; open it again."), field="channel")
    dedupe_key = f"statement:{debtor.pk}:{token}"
    existing = Message.objects.filter(portfolio=portfolio, dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    contact = contacts_for([debtor.pk], channel).get(debtor.pk)
    if contact is None:
        raise StatementSendError(_("The debtor has no contact with consent for this channel: add one, or record "
                                   "the consent, on the contact's page."), field="channel")
    statement = statement_for(debtor=debtor, today=portfolio.today(now))
    if not statement.lines and not statement.open_obligations:
        raise StatementSendError(_("The debtor has no movements: there is no statement to send."), field="channel")
    try:
        decision = contact_schedule(debtor=debtor, channel=channel, requested_at=now, contact=contact, actor=actor)
    except ComplianceError as exc:
        raise StatementSendError(_("The compliance check failed: %(error)s") % {"error": exc}, field="channel")
    if decision.send_at is None:
        raise StatementSendError(blocked_text(decision), field="channel")
    message, reason = message_enqueue_with_reason(
        portfolio=portfolio, debtor=debtor, channel=channel, template_code=STATEMENT_TEMPLATE,
        dedupe_key=dedupe_key, now=now, attach_statement=True, source="manual", actor=actor)
    if message is None:
        raise StatementSendError(_("The message was not queued: %(reason)s") % {"reason": reason}, field="channel")
    return message
