"""Communications reads: the outbox of a portfolio, its effective templates, debtors for previews."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q

from recaudo.accounts.selectors import EVERY_DEBTOR, DebtorScope, role_in
from recaudo.portfolio.masking import mask_contact, mask_free_text
from recaudo.portfolio.models import Debtor, Portfolio

from .models import Message, Template, TemplateRevision
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
    result = Paginator(qs.only("id", "channel", "to", "template_code", "status", "attempts", "next_attempt_at",
                               "provider", "provider_id", "permanent", "last_error", "sent_at", "delivered_at",
                               "created_at", "subject", "debtor__name", "debtor__code", "fallback_of_id"),
                       per_page).get_page(page)
    if scope.masked:
        for message in result.object_list:  # never saved: only what the page shows changes
            message.to = mask_contact(message.channel, message.to)
            message.last_error = mask_free_text(message.last_error)
    return result


def outbox_counts(portfolio: Portfolio, scope: DebtorScope = EVERY_DEBTOR) -> dict[str, int]:
    return dict(scope.filter(Message.objects.filter(portfolio=portfolio)).values("status").annotate(n=Count("id"))
                .order_by().values_list("status", "n"))


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
