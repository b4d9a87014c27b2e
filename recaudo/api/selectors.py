"""The API's reads: a token by its secret, a token's portfolios, and the keyset pages its lists answer (one query a
page, whatever the size of the portfolio: `id > cursor ORDER BY id LIMIT n+1`)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch

from recaudo.accounts.selectors import can, visible_debtors
from recaudo.audit.models import AuditEvent
from recaudo.communications.models import Message
from recaudo.ledger.models import Entry, Payment
from recaudo.portfolio.models import Consent, Debtor, Obligation, Portfolio

from . import rules
from .models import ApiToken


def token_for_secret(secret: str) -> ApiToken | None:
    """The live token whose secret this is, with its user; None for an unknown or revoked one."""
    if not secret.startswith(rules.SECRET_PREFIX) or len(secret) > 100:
        return None
    return (ApiToken.objects.select_related("user").filter(secret_hash=rules.secret_hash(secret),
                                                           revoked_at__isnull=True).first())


def token_portfolio(token: ApiToken, slug: str) -> Portfolio | None:
    """The portfolio `slug` if the token reaches it (and, for a user's token, the user still sees it)."""
    portfolio = token.portfolios.filter(slug=slug).first()
    if portfolio is None:
        return None
    if token.user_id is not None and not can(token.user, portfolio, "view"):
        return None
    return portfolio


def token_portfolios(token: ApiToken) -> list[Portfolio]:
    portfolios = list(token.portfolios.order_by("slug"))
    if token.user_id is not None:
        portfolios = [p for p in portfolios if can(token.user, p, "view")]
    return portfolios


def tokens_list(*, include_revoked: bool = False) -> list[ApiToken]:
    qs = ApiToken.objects.select_related("user").prefetch_related("portfolios")
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return list(qs)


def debtors_of(token: ApiToken, portfolio: Portfolio):
    """The debtors a token sees: all of the portfolio's, or the user's visible ones for a user's token."""
    if token.user_id is not None:
        return visible_debtors(token.user, portfolio)
    return Debtor.objects.filter(portfolio=portfolio)


def page(queryset, *, cursor: str | None, limit: int | None, updated_since: datetime | None = None,
         updated_field: str | None = None) -> tuple[list, str | None]:
    """One keyset page of `queryset` by id, and the cursor of the next page (None: this was the last)."""
    after = rules.decode_cursor(cursor)
    size = rules.list_limit(limit)
    if updated_since is not None and updated_field:
        queryset = queryset.filter(**{f"{updated_field}__gte": updated_since})
    rows = list(queryset.filter(id__gt=after).order_by("id")[:size + 1])
    if len(rows) > size:
        return rows[:size], rules.encode_cursor(rows[size - 1].id)
    return rows, None


def debtor_by_code(token: ApiToken, portfolio: Portfolio, code: str) -> Debtor | None:
    return debtors_of(token, portfolio).filter(code=code).first()


def debtor_contacts(debtor: Debtor):
    return debtor.contacts.prefetch_related(Prefetch("consents", queryset=Consent.objects.order_by("channel"))
                                            ).order_by("id")


def obligations_of(token: ApiToken, portfolio: Portfolio):
    qs = Obligation.objects.filter(portfolio=portfolio).select_related("debtor")
    if token.user_id is not None:
        qs = qs.filter(debtor__in=debtors_of(token, portfolio).values("id"))
    return qs


def payment_allocation(payment: Payment) -> list[dict]:
    """Where a payment went: one row per obligation and component, in minor units."""
    rows = (Entry.objects.filter(payment=payment, reverses__isnull=True).values("obligation__number", "component",
                                                                                "amount_minor").order_by("id"))
    return [{"obligation": r["obligation__number"], "component": r["component"], "minor": -r["amount_minor"]}
            for r in rows]


def payment_of(token: ApiToken, portfolio: Portfolio, payment_id: int) -> Payment | None:
    return (Payment.objects.filter(portfolio=portfolio, pk=payment_id,
                                   debtor__in=debtors_of(token, portfolio).values("id"))
            .select_related("debtor", "portfolio").first())


def debtor_messages(debtor: Debtor):
    return Message.objects.filter(debtor=debtor)


def debtor_events(debtor: Debtor):
    return AuditEvent.objects.filter(debtor=debtor)
