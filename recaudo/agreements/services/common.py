"""What the agreements services share: their errors, the acting user, amounts, the portfolio's settings, the
obligations an agreement or offer may include (rules.obligation_problem) and posting credits over obligations.
The bottom of the package: it imports no sibling module."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from recaudo.core.amounts import check_minor
from recaudo.core.errors import DomainError
from recaudo.core.errors import NotAllowed as CoreNotAllowed
from recaudo.core.money import from_minor, to_minor
from recaudo.ledger.models import Component, Entry
from recaudo.ledger.posting import entry_post
from recaudo.ledger.services import component_balances
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .. import rules
from ..models import AgreementSettings
from ..selectors import in_accepted_agreements


class AgreementError(DomainError):
    pass


class NotAllowed(PermissionDenied, CoreNotAllowed):
    """The actor may not do this (beyond their authority, or no role that decides). A PermissionDenied too, so an
    uncaught one is a 403."""


def acting_user(actor):
    return actor if actor is not None and not isinstance(actor, str) else None


def field_label(field: str) -> str:
    """An offer's or a promise's parameter by its name in the active language (first_due -> primer vencimiento)."""
    return {"amount": gettext("amount"), "discount_pct": gettext("discount (%)"),
            "first_due": gettext("first due date"), "installments": gettext("installments"),
            "months": gettext("months"), "pay_by": gettext("pay by"), "rate": gettext("interest rate"),
            "rate_kind": gettext("kind of rate"), "frequency": gettext("frequency"),
            "down_payment": gettext("down payment"), "due_day": gettext("due day"), "currency": gettext("currency"),
            "tolerance_pct": gettext("tolerance (%)")}.get(field, field)


def plan_problem(exc: rules.PlanError) -> AgreementError:
    """A plan's bad input ("installments: must be a whole number from 1 to 360") in the active language, at its
    field."""
    return AgreementError(gettext("%(field)s: %(reason)s") % {"field": field_label(exc.field), "reason": exc.message},
                          field=exc.field)


def not_a(kind: str, field: str, value) -> AgreementError:
    """"first due date: not a date: 'x'" in the active language; kind: date, number, whole number."""
    texts = {"date": gettext("%(field)s: not a date: %(value)s"),
             "number": gettext("%(field)s: not a number: %(value)s"),
             "whole": gettext("%(field)s: not a whole number: %(value)s")}
    return AgreementError(texts[kind] % {"field": field_label(field), "value": repr(value)})


def money_minor(value, currency: str, field: str) -> int:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise not_a("number", field, value)
    try:
        return check_minor(to_minor(amount, currency), currency)  # docs/amounts.md: at most MAX_MINOR
    except (ValueError, InvalidOperation) as exc:
        raise AgreementError(f"{field_label(field)}: {exc}")


def agreement_settings(portfolio: Portfolio) -> AgreementSettings:
    """The portfolio's settings, or the defaults (unsaved) when none were set."""
    found = AgreementSettings.objects.filter(portfolio=portfolio).first()
    return found if found is not None else AgreementSettings(portfolio=portfolio)


def today_for(portfolio: Portfolio, today: date | None, now: datetime | None) -> date:
    return today or portfolio.today(now)


def included_obligations(debtor: Debtor, obligations) -> list[Obligation]:
    """The obligations an agreement or an offer includes, checked (the debtor's; rules.obligation_problem), oldest
    due first."""
    ids = [o.pk if isinstance(o, Obligation) else int(o) for o in obligations]
    if not ids:
        raise AgreementError(gettext("obligations: choose at least one"))
    found = list(Obligation.objects.filter(pk__in=ids).order_by("due_date", "number"))
    if len(found) != len(set(ids)):
        raise AgreementError(gettext("obligations: not found"))
    for o in found:
        if o.debtor_id != debtor.pk:
            raise AgreementError(gettext("obligations: %(number)s belongs to another debtor") % {"number": o.number})
    busy = in_accepted_agreements([o.pk for o in found])
    for o in found:
        problem = rules.obligation_problem(balance_minor=o.balance_minor, disputed=o.disputed,
                                           in_accepted_agreement=o.pk in busy)
        if problem:
            raise AgreementError(f"obligations: {o.number} {problem}")
    return found


def promise_obligations(debtor: Debtor, obligations) -> list[Obligation]:
    """The obligations a promise names, checked: the debtor's, open with a balance (rules.promise_obligation_eligible,
    the same the call page offers)."""
    obligations = list(obligations or [])
    for o in obligations:
        if o.debtor_id != debtor.pk:
            raise AgreementError(gettext("obligations: one belongs to another debtor"))
        if not rules.promise_obligation_eligible(status=o.status, balance_minor=o.balance_minor):
            raise AgreementError(gettext("obligations: %(number)s is not open with a balance") % {"number": o.number})
    return obligations


def credits_post(obligations: list[Obligation], total_minor: int, kind: str, memo: str, value_date: date, actor,
                order=(Component.FEE, Component.INTEREST, Component.PRINCIPAL)) -> list[Entry]:
    """Post `total_minor` as credit entries of `kind` over the obligations in order (oldest first), each component
    in `order`, never beyond what is owed. Returns the entries."""
    entries = []
    left = total_minor
    balances = component_balances([o.pk for o in obligations])
    for obligation in obligations:
        for component in order:
            if left <= 0:
                return entries
            take = min(left, balances.get(obligation.pk, {}).get(component, 0))
            if take > 0:
                entries.append(entry_post(obligation=obligation, kind=kind, component=component, memo=memo,
                                          amount=-from_minor(take, obligation.currency), value_date=value_date,
                                          actor=actor))
                left -= take
    return entries
