"""Communications reads: the outbox of a portfolio, its effective templates, debtors for previews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils.html import strip_tags

from recaudo.accounts.selectors import EVERY_DEBTOR, DebtorScope, role_in
from recaudo.audit.models import AuditEvent
from recaudo.portfolio.masking import mask_contact, mask_free_text
from recaudo.portfolio.models import Debtor, Portfolio

from .contacts import contacts_for
from .models import InboundMessage, Message, Template, TemplateRevision
from .rules import template_can_decide, template_edit_needs_approval


def outbox_page(portfolio: Portfolio, *, status: str = "", channel: str = "", page: int = 1, per_page: int = 50,
                scope: DebtorScope = EVERY_DEBTOR):
    """One page of the portfolio's messages, newest first. scope: an agent limited to their assigned debtors sees
    only those debtors' messages; a viewer sees the recipients masked (docs/habeas-data.md)."""
    qs = scope.filter(Message.objects.filter(portfolio=portfolio)).select_related("debtor").order_by("-created_at",
                                                                                                    "-id")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    result = Paginator(qs.only("id", "channel", "to", "template_code", "language", "status", "attempts",
                               "next_attempt_at", "provider", "provider_id", "permanent", "last_error", "sent_at",
                               "delivered_at", "created_at", "subject", "debtor__name", "debtor__code",
                               "fallback_of_id"),
                       per_page).get_page(page)
    names = {(t.code, t.channel, t.language): t.name for t in effective_templates(portfolio)}
    for message in result.object_list:  # the template by its name, its code when it is gone
        message.template_name = names.get((message.template_code, message.channel, message.language or "es"),
                                          message.template_code)
    _recipients_to_be(list(result.object_list))
    if scope.masked:
        for message in result.object_list:  # never saved: only what the page shows changes
            message.to = mask_contact(message.channel, message.to)
            message.last_error = mask_free_text(message.last_error)
    return result


def _recipients_to_be(messages: list[Message]) -> None:
    """A queued message gets its contact when it is sent (the outbox picks the debtor's contact with consent then):
    until then the page shows the contact it would go to now, marked `to_pending` (never saved), so the recipient
    column is never empty while someone could still be written to."""
    waiting: dict[str, list[Message]] = {}
    for message in messages:
        message.to_pending = False
        if not message.to and message.status == Message.Status.QUEUED:
            waiting.setdefault(message.channel, []).append(message)
    for channel, items in waiting.items():
        found = contacts_for(sorted({m.debtor_id for m in items}), channel)
        for message in items:
            contact = found.get(message.debtor_id)
            if contact is not None:
                message.to, message.to_pending = contact.value, True


def outbox_counts(portfolio: Portfolio, scope: DebtorScope = EVERY_DEBTOR) -> dict[str, int]:
    return dict(scope.filter(Message.objects.filter(portfolio=portfolio)).values("status").annotate(n=Count("id"))
                .order_by().values_list("status", "n"))


def outbox_count_labels(counts: dict[str, int]) -> list[tuple[str, int]]:
    """[(the status in the page's language, how many)], in the order a message goes through them."""
    return [(str(label), counts[code]) for code, label in Message.Status.choices if counts.get(code)]


@dataclass
class HistoryStep:
    at: datetime
    what: str  # an audit event type ("message.queued") or one of the message's own times ("sent", "delivered")
    detail: str = ""


@dataclass
class MessageDetail:
    message: Message
    text: str  # what was sent, as text (an HTML e-mail without its tags)
    history: list[HistoryStep]
    template_name: str = ""  # the template's name (its code when the template is gone)


def message_detail(portfolio: Portfolio, message_id: int, scope: DebtorScope = EVERY_DEBTOR) -> MessageDetail:
    """One message as it was sent, and what happened to it, oldest first. Raises Message.DoesNotExist for a
    message outside the portfolio or the user's scope; a viewer sees contact data masked."""
    message = scope.filter(Message.objects.filter(portfolio=portfolio)).select_related("debtor").get(pk=message_id)
    text = strip_tags(message.body) if message.html else message.body
    history = [HistoryStep(message.created_at, "created")]
    if message.sent_at:
        history.append(HistoryStep(message.sent_at, "sent", message.provider))
    if message.delivered_at:
        history.append(HistoryStep(message.delivered_at, "delivered"))
    events = AuditEvent.objects.filter(subject_type="message", subject_id=message.pk).order_by("at", "pk")[:200]
    history += [HistoryStep(e.at, e.event_type, e.changes.get("status", "") if isinstance(e.changes, dict) else "")
                for e in events]
    history.sort(key=lambda step: step.at)
    _recipients_to_be([message])
    if scope.masked:  # never saved: only what the page shows changes
        message.to = mask_contact(message.channel, message.to)
        message.last_error = mask_free_text(message.last_error)
        text = mask_free_text(text)
    template = (template_effective(portfolio, message.template_code, message.channel, message.language or "es")
                if message.template_code else None)
    return MessageDetail(message, text, history, template.name if template else message.template_code)


def effective_templates(portfolio: Portfolio) -> list[Template]:
    """The portfolio's own templates plus the defaults it does not override."""
    rows = list(Template.objects.filter(Q(portfolio=portfolio) | Q(portfolio__isnull=True))
                .order_by("code", "channel", "language"))
    own = {(t.code, t.channel, t.language) for t in rows if t.portfolio_id}
    return [t for t in rows if t.portfolio_id or (t.code, t.channel, t.language) not in own]


def template_effective(portfolio: Portfolio, code: str, channel: str, language: str) -> Template | None:
    rows = Template.objects.filter(Q(portfolio=portfolio) | Q(portfolio__isnull=True), code=code, channel=channel,
                                   language=language)
    return min(rows, key=lambda t: t.portfolio_id is None, default=None)


def preview_debtor(portfolio: Portfolio, code: str = "", scope: DebtorScope = EVERY_DEBTOR) -> Debtor | None:
    """The debtor a template preview renders for: the one with `code`, or the most overdue; only among the debtors
    the scope shows (an agent limited to their assigned debtors previews no other)."""
    qs = scope.filter(Debtor.objects.filter(portfolio=portfolio), debtor_field="").select_related("portfolio")
    if code:
        return qs.filter(code=code.strip()).first()
    return qs.filter(balance_minor__gt=0).order_by("oldest_due_date", "id").first() or qs.order_by("id").first()


def template_edits_need_approval(user, portfolio: Portfolio) -> bool:
    """Whether this user's template edits in the portfolio wait for a supervisor's approval (agents)."""
    return template_edit_needs_approval(role_in(user, portfolio))


def template_approver(user, portfolio: Portfolio) -> bool:
    return template_can_decide(role_in(user, portfolio))


def pending_revisions(portfolio: Portfolio) -> list[TemplateRevision]:
    """Agents' edits waiting for approval, oldest first, each with `current` (the template in use, or None)."""
    rows = list(TemplateRevision.objects.filter(portfolio=portfolio, status=TemplateRevision.Status.PENDING)
                .select_related("submitted_by").order_by("submitted_at", "id"))
    for revision in rows:
        revision.current = template_effective(portfolio, revision.code, revision.channel, revision.language)
    return rows


def pending_revision(portfolio: Portfolio, code: str, channel: str, language: str) -> TemplateRevision | None:
    return (TemplateRevision.objects.filter(portfolio=portfolio, code=code, channel=channel, language=language,
                                            status=TemplateRevision.Status.PENDING)
            .select_related("submitted_by").first())


def pending_keys(portfolio: Portfolio) -> set[tuple[str, str, str]]:
    return set(TemplateRevision.objects.filter(portfolio=portfolio, status=TemplateRevision.Status.PENDING)
               .values_list("code", "channel", "language"))


def recent_revision_decisions(portfolio: Portfolio, limit: int = 20) -> list[TemplateRevision]:
    return list(TemplateRevision.objects.filter(portfolio=portfolio, status__in=[
        TemplateRevision.Status.APPROVED, TemplateRevision.Status.REJECTED])
        .select_related("submitted_by", "decided_by").order_by("-decided_at", "-id")[:limit])


def debtor_messages(debtor: Debtor, limit: int = 100) -> list[Message]:
    """A debtor's latest messages, newest first, for the debtor page's timeline: every message the outbox holds,
    the cycle's automatic ones included (the cycle queues them in bulk, without one audit event each)."""
    return list(Message.objects.filter(debtor=debtor)
                .only("pk", "channel", "status", "template_code", "source", "created_at", "sent_at", "delivered_at",
                      "last_error")
                .order_by("-created_at", "-pk")[:limit])


# ------------------------------------------------------------------------------------------------ inbound messages
def _masked(rows: list[InboundMessage], masked: bool) -> list[InboundMessage]:
    if masked:  # a viewer: the sender and the text as personal data (docs/habeas-data.md)
        for row in rows:
            row.sender, row.text = mask_contact("phone", row.sender), mask_free_text(row.text)
    return rows


def debtor_inbound(debtor: Debtor, *, masked: bool = False, limit: int = 20) -> list[InboundMessage]:
    """What the debtor's contacts wrote by SMS or WhatsApp, newest first (the debtor page)."""
    rows = list(InboundMessage.objects.filter(debtor=debtor).select_related("handled_by", "reply")
                .order_by("-received_at", "-id")[:limit])
    return _masked(rows, masked)


def inbox_page(portfolio: Portfolio, *, scope: DebtorScope = EVERY_DEBTOR, page: int = 1, per_page: int = 50):
    """The portfolio's agents' inbox: inbound messages waiting for a person (not handled yet), oldest first, within
    the user's scope."""
    qs = (scope.filter(InboundMessage.objects.filter(portfolio=portfolio, needs_agent=True, handled_at__isnull=True))
          .select_related("debtor").order_by("received_at", "id"))
    result = Paginator(qs, per_page).get_page(page)
    result.object_list = _masked(list(result.object_list), scope.masked)
    return result
