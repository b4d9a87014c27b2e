"""Communications reads: the outbox of a portfolio, its effective templates, debtors for previews."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q

from recaudo.portfolio.models import Debtor, Portfolio

from .models import Message, Template


def outbox_page(portfolio: Portfolio, *, status: str = "", channel: str = "", page: int = 1, per_page: int = 50):
    qs = Message.objects.filter(portfolio=portfolio).select_related("debtor").order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return Paginator(qs.only("id", "channel", "to", "template_code", "status", "attempts", "next_attempt_at",
                             "provider", "provider_id", "permanent", "last_error", "sent_at", "delivered_at",
                             "created_at", "subject", "debtor__name", "debtor__code", "fallback_of_id"),
                     per_page).get_page(page)


def outbox_counts(portfolio: Portfolio) -> dict[str, int]:
    return dict(Message.objects.filter(portfolio=portfolio).values("status").annotate(n=Count("id"))
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


def preview_debtor(portfolio: Portfolio, code: str = "") -> Debtor | None:
    qs = Debtor.objects.filter(portfolio=portfolio).select_related("portfolio")
    if code:
        return qs.filter(code=code.strip()).first()
    return qs.filter(balance_minor__gt=0).order_by("oldest_due_date", "id").first() or qs.order_by("id").first()
