"""Certificates' reads: a certificate of debt's lines from the ledger, the debtors of a batch for legal hand-off,
a certificate by its verification code."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Sum
from django.urls import reverse

from recaudo.core.money import to_minor
from recaudo.ledger.accruals import debtor_liquidation
from recaudo.ledger.models import Component, Entry
from recaudo.portfolio.models import Debtor, Obligation, Portfolio
from recaudo.strategies.models import DebtorStrategyState

from .models import Certificate
from .rules import DebtLine, code_normalize, interest_owed


def debt_lines(debtor: Debtor, as_of: date) -> tuple[list[DebtLine], list[str]]:
    """The debtor's overdue obligations (due before `as_of`, a balance left) as certificate lines: the fee as
    charged, its partial payments, principal and fees owed from the ledger through `as_of`, and the late interest
    owed (interest_owed: the ledger's plus what the liquidation adds to what the cycle posted). Also the
    liquidation's problems (a month with no certified rate), one line per obligation, for the caller to refuse."""
    obligations = list(Obligation.objects.filter(debtor=debtor, due_date__lt=as_of, balance_minor__gt=0)
                       .order_by("due_date", "number"))
    if not obligations:
        return [], []
    ids = [o.pk for o in obligations]
    owed: dict[int, dict[str, int]] = defaultdict(dict)
    for ob_id, component, total in (Entry.objects.filter(obligation_id__in=ids, value_date__lte=as_of)
                                    .values("obligation_id", "component").annotate(s=Sum("amount_minor"))
                                    .order_by().values_list("obligation_id", "component", "s")):
        owed[ob_id][component] = total
    payments: dict[int, dict[tuple[int, date], int]] = defaultdict(lambda: defaultdict(int))
    for ob_id, pay_id, pay_date, total in (Entry.objects.filter(obligation_id__in=ids, value_date__lte=as_of,
                                                                payment__isnull=False)
                                           .values("obligation_id", "payment_id", "payment__date")
                                           .annotate(s=Sum("amount_minor")).order_by()
                                           .values_list("obligation_id", "payment_id", "payment__date", "s")):
        payments[ob_id][(pay_id, pay_date)] += -total
    liquidations = {row.obligation.pk: row for row in debtor_liquidation(debtor, as_of)}
    lines, problems = [], []
    for o in obligations:
        mine = owed.get(o.pk, {})
        liq = liquidations.get(o.pk)
        liquidated = posted = 0
        if liq is not None:
            if liq.error:
                problems.append(f"{o.number}: {liq.error}")
            elif liq.liquidation is not None:
                liquidated = to_minor(liq.liquidation.total, o.currency)
                posted = liq.posted_minor
        paid = sorted(((d, amount) for (_pid, d), amount in payments.get(o.pk, {}).items() if amount),
                      key=lambda x: x[0])
        lines.append(DebtLine(
            number=o.number, kind=o.kind, description=o.description, due_date=o.due_date,
            original_minor=o.original_minor, paid_minor=sum(a for _d, a in paid),
            principal_minor=mine.get(Component.PRINCIPAL, 0), fees_minor=mine.get(Component.FEE, 0),
            interest_minor=interest_owed(ledger_owed_minor=mine.get(Component.INTEREST, 0),
                                         liquidated_minor=liquidated, posted_minor=posted),
            payments=paid))
    return lines, problems


def issues_debt_certificates(portfolio: Portfolio) -> bool:
    """Whether the portfolio is a building's (property administration, Ley 675 de 2001): its NIT and legal
    representative are filled in, so it issues certificates of debt (the portal offers them to its debtors)."""
    return bool(portfolio.creditor_nit and portfolio.legal_representative)


def debt_batch_debtors(portfolio: Portfolio, *, as_of: date, min_days: int | None = None, segment: str = "",
                       legal_handoff: bool = False, codes: list[str] | None = None) -> list[Debtor]:
    """The debtors a batch of certificates of debt covers: with an overdue balance (the oldest open obligation due
    at least `min_days` days before `as_of`, default 1), optionally only those of a segment (by its name, as the last
    cycle placed them), only those marked for legal hand-off, or only the given customer codes. By code."""
    days = max(1, min_days or 1)
    debtors = Debtor.objects.filter(portfolio=portfolio, balance_minor__gt=0,
                                    oldest_due_date__lte=as_of - timedelta(days=days))
    if segment:
        states = DebtorStrategyState.objects.filter(portfolio=portfolio, segment__name=segment)
        debtors = debtors.filter(pk__in=states.values("debtor_id"))
    if legal_handoff:
        states = DebtorStrategyState.objects.filter(portfolio=portfolio, legal_handoff_on__isnull=False)
        debtors = debtors.filter(pk__in=states.values("debtor_id"))
    if codes:
        debtors = debtors.filter(code__in=codes)
    return list(debtors.select_related("portfolio").order_by("code"))


def certificate_by_code(text: str | None) -> Certificate | None:
    """The certificate a verification code (as typed: any case, dashes or spaces) names, else None."""
    code = code_normalize(text)
    if code is None:
        return None
    return Certificate.objects.select_related("portfolio").filter(code=code).first()


def certificate_verify_url(certificate: Certificate, fallback_base: str = "") -> str:
    """The address of the certificate's public verification page: RECAUDO_PUBLIC_URL (else `fallback_base`, e.g.
    the request's host) + /verificar/<code>/."""
    path = reverse("certificate_verify", args=[certificate.code])
    base = str(getattr(settings, "RECAUDO_PUBLIC_URL", "") or "").rstrip("/") or fallback_base.rstrip("/")
    return base + path


def debtor_certificates(debtor: Debtor, limit: int = 20) -> list[Certificate]:
    """The debtor's latest certificates, newest first (the debtor page)."""
    return list(Certificate.objects.filter(debtor=debtor).order_by("-issued_at", "-id")[:limit])
