"""Statement of account of a debtor (estado de cuenta): every ledger movement with a running balance.

`statement_for` reads; the renderers in recaudo.reports.render turn a Statement into HTML, CSV, XLSX or PDF.
A payment allocated to several obligations (or components) shows as one line per ledger entry.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from recaudo.banking.models import Convenio
from recaudo.banking.selectors import References, active_convenio, payment_references
from recaudo.core.errors import DomainError
from recaudo.ledger.accruals import interest_settings
from recaudo.ledger.models import Component, Entry, Payment
from recaudo.portfolio.aging import days_past_due
from recaudo.portfolio.models import Debtor, Obligation, Portfolio


class StatementError(DomainError):
    pass


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    value_date: date
    obligation_number: str
    kind: str
    description: str
    debit_minor: int
    credit_minor: int
    balance_minor: int


@dataclass(frozen=True)
class OpenObligation:
    number: str
    kind: str
    issue_date: date
    due_date: date
    days_past_due: int
    balance_minor: int
    disputed: bool
    payment_reference: str = ""  # what to quote to pay this obligation (banking.selectors.payment_references)


@dataclass
class Statement:
    portfolio: Portfolio
    debtor: Debtor
    start: date | None
    end: date | None
    as_of: date
    opening_minor: int
    lines: list[StatementLine] = field(default_factory=list)
    credit_minor: int = 0
    open_obligations: list[OpenObligation] = field(default_factory=list)
    # Late interest in the ledger as of as_of: posted by the daily cycle less paid (part of the balance), and the
    # portfolio's terms: whether the cycle charges it and the agreed rate (None: the legal maximum).
    interest_owed_minor: int = 0
    interest_enabled: bool = False
    interest_rate_ea_pct: Decimal | None = None
    # the debtor's payment reference by the portfolio's setting (banking.selectors.payment_references), and the
    # active convenio the money goes to, if any
    debtor_reference: str = ""
    convenio: Convenio | None = None

    @property
    def payment_reference(self) -> str:
        """What the debtor quotes when paying at the bank (the portfolio's setting: docs/bank-files.md); without
        one computed, their ID number or their customer code (also when they have no ID number)."""
        if self.debtor_reference:
            return self.debtor_reference
        if self.portfolio.payment_reference == "id_number" and self.debtor.id_number:
            return self.debtor.id_number
        return self.debtor.code

    @property
    def currency(self) -> str:
        return self.portfolio.currency

    @property
    def total_debit_minor(self) -> int:
        return sum(line.debit_minor for line in self.lines)

    @property
    def total_credit_minor(self) -> int:
        return sum(line.credit_minor for line in self.lines)

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + self.total_debit_minor - self.total_credit_minor

    @property
    def overdue_minor(self) -> int:
        return sum(o.balance_minor for o in self.open_obligations if o.days_past_due > 0)


def _description(entry: Entry) -> str:
    label = entry.label
    if label:
        return label
    if entry.payment_id is not None and entry.payment is not None:
        reference = entry.payment.reference or entry.payment.source_ref
        return f"Ref. {reference}" if reference else ""
    return ""


def statement_for(*, debtor: Debtor, start: date | None = None, end: date | None = None,
                  today: date | None = None) -> Statement:
    """The debtor's statement between start and end (inclusive; None = from the first / to the last entry).

    Days past due of the open obligations are counted as of `end`, or `today` (default: the portfolio's today).
    """
    if start is not None and end is not None and start > end:
        raise StatementError(_("The start date %(start)s is after the end date %(end)s.")
                             % {"start": start.isoformat(), "end": end.isoformat()}, field="start")
    portfolio = debtor.portfolio
    if end is not None:
        as_of = end
    elif today is not None:
        as_of = today
    else:

        as_of = portfolio.today()
    entries = Entry.objects.filter(debtor=debtor)
    opening = 0
    if start is not None:
        opening = entries.filter(value_date__lt=start).aggregate(s=Sum("amount_minor"))["s"] or 0
        entries = entries.filter(value_date__gte=start)
    if end is not None:
        entries = entries.filter(value_date__lte=end)
    balance = opening
    lines = []
    for entry in (entries.select_related("obligation", "payment").order_by("value_date", "id")
                  .only("id", "value_date", "kind", "amount_minor", "memo", "payment_id", "obligation__number",
                        "obligation__description", "payment__reference", "payment__source_ref")):
        balance += entry.amount_minor
        lines.append(StatementLine(
            entry_id=entry.pk, value_date=entry.value_date, obligation_number=entry.obligation.number,
            kind=entry.kind, description=_description(entry),
            debit_minor=entry.amount_minor if entry.amount_minor > 0 else 0,
            credit_minor=-entry.amount_minor if entry.amount_minor < 0 else 0,
            balance_minor=balance,
        ))
    payments = Payment.objects.filter(debtor=debtor, reversed_at__isnull=True)
    if end is not None:
        payments = payments.filter(date__lte=end)
    credit = payments.aggregate(s=Sum("unapplied_minor"))["s"] or 0
    interest = (Entry.objects.filter(debtor=debtor, component=Component.INTEREST, value_date__lte=as_of)
                .aggregate(s=Sum("amount_minor"))["s"] or 0)
    terms = interest_settings(portfolio)
    references = _as_shown(payment_references(portfolio, [debtor.pk]), debtor)
    return Statement(portfolio=portfolio, debtor=debtor, start=start, end=end, as_of=as_of, opening_minor=opening,
                     lines=lines, credit_minor=credit,
                     open_obligations=_open_obligations(debtor, as_of, references),
                     debtor_reference=references.of_debtor(debtor.pk), convenio=active_convenio(portfolio),
                     interest_owed_minor=max(interest, 0), interest_enabled=bool(terms and terms.interest_enabled),
                     interest_rate_ea_pct=terms.contract_rate_ea_pct if terms else None)


def _as_shown(references: References, debtor: Debtor) -> References:
    """The references as the debtor object shows them: a reference that is the debtor's ID number is the ID as the
    object carries it (masked by the caller for viewers: docs/habeas-data.md)."""
    if debtor.pk not in references.by_id_number:
        return references
    raw = references.of_debtor(debtor.pk)

    def shown(value: str) -> str:
        return debtor.id_number if value == raw else value

    return dataclasses.replace(references, debtors={k: shown(v) for k, v in references.debtors.items()},
                               obligations={k: shown(v) for k, v in references.obligations.items()})


def _open_obligations(debtor: Debtor, as_of: date, references: References | None = None) -> list[OpenObligation]:
    balances = dict(
        Entry.objects.filter(debtor=debtor, value_date__lte=as_of).values("obligation_id")
        .annotate(s=Sum("amount_minor")).order_by().values_list("obligation_id", "s")
    )
    open_ids = [pk for pk, s in balances.items() if s]
    result = [
        OpenObligation(number=o.number, kind=o.kind, issue_date=o.issue_date, due_date=o.due_date,
                       days_past_due=days_past_due(o.due_date, as_of), balance_minor=balances[o.pk],
                       disputed=o.disputed,
                       payment_reference=references.of_obligation(o.pk, debtor.pk) if references else "")
        for o in Obligation.objects.filter(pk__in=open_ids).order_by("due_date", "number")
    ]
    return result
