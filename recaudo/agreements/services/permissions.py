"""The authority matrix: who may write, decide and approve, and the limits of each role (AuthorityLimit rows, or
the safe defaults of rules.DEFAULT_LIMITS); the terms of an offer or a plan measured against them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import can, role_in
from recaudo.audit.services import audit_record
from recaudo.portfolio.models import Portfolio

from .. import rules
from ..models import Agreement, AuthorityLimit, Offer
from ..rules import Limits, OfferTerms, needs_approval
from .common import AgreementError, acting_user


def limits_for(portfolio: Portfolio, role: str | None) -> Limits | None:
    """The role's AuthorityLimit row in the portfolio, or the safe default (rules.DEFAULT_LIMITS)."""
    if role is None:
        return None
    row = AuthorityLimit.objects.filter(portfolio=portfolio, role=role).first()
    if row is None:
        return rules.DEFAULT_LIMITS.get(role)
    return Limits(row.max_discount_pct, row.max_installments, row.max_term_months, row.interest_plans)


@transaction.atomic
def authority_limits_ensure(*, portfolio: Portfolio, limits: dict[str, Limits], actor=None) -> list[str]:
    """Configure the authority matrix of a portfolio where a role has no row yet (rows already there are kept).
    Returns the roles configured now."""
    created = []
    for role, lim in limits.items():
        if role not in Role.values:
            raise AgreementError(f"role: {role!r} is not one of {', '.join(Role.values)}")
        row, made = AuthorityLimit.objects.get_or_create(portfolio=portfolio, role=role, defaults={
            "max_discount_pct": lim.max_discount_pct, "max_installments": lim.max_installments,
            "max_term_months": lim.max_term_months, "interest_plans": lim.interest_plans})
        if made:
            created.append(role)
            audit_record(event_type="authority_limit.created", subject=row, actor=actor, portfolio=portfolio,
                         changes={"role": role, "max_discount_pct": lim.max_discount_pct,
                                  "max_installments": lim.max_installments, "max_term_months": lim.max_term_months,
                                  "interest_plans": lim.interest_plans})
    return created


PLAN_KINDS = (Offer.Kind.TERM_EXTENSION, Offer.Kind.RESTRUCTURING, Offer.Kind.CONSOLIDATION)


def interest_bearing(kind: str, params: dict) -> bool:
    if kind not in PLAN_KINDS:
        return False
    try:
        return Decimal(str(params.get("rate") or 0)) > 0
    except InvalidOperation:
        return True


def offer_terms(offer: Offer) -> OfferTerms:
    return OfferTerms(discount_pct=offer.discount_pct, installments=offer.installments, term_months=offer.term_months,
                      interest_bearing=interest_bearing(offer.kind, offer.params), forgives=offer.forgiven_minor > 0)


def plan_terms(agreement: Agreement, today: date) -> OfferTerms:
    last_due = max(agreement.schedule.values_list("due_date", flat=True))
    return OfferTerms(installments=agreement.installments, term_months=rules.months_between(today, last_due),
                      interest_bearing=agreement.rate > 0)


ROLE_RANK = {Role.VIEWER: 0, Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}


def can_approve(user, offer: Offer) -> bool:
    """Whether the user's authority covers the offer (supervisors and admins only)."""
    role = role_in(user, offer.portfolio) if getattr(user, "is_authenticated", False) else None
    if role not in (Role.SUPERVISOR, Role.ADMIN):
        return False
    beyond, _ = needs_approval(offer_terms(offer), limits_for(offer.portfolio, role))
    return not beyond


def can_decide(user, portfolio: Portfolio) -> bool:
    return getattr(user, "is_authenticated", False) and role_in(user, portfolio) in (Role.SUPERVISOR, Role.ADMIN)


def can_write(user, portfolio: Portfolio) -> bool:

    return acting_user(user) is not None and can(user, portfolio, "write")
