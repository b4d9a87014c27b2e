"""Interest posting by the daily cycle, collection fees and early-payment discounts. Each write runs in one
transaction and leaves audit events with the debtor set (so it shows in the debtor's timeline).

- interest_post: late interest on the overdue principal of each open, undisputed obligation, liquidated with
  recaudo.ledger.interest (the portfolio's method; the contract rate capped day by day at the legal maximum, so
  nothing is ever posted above the usury cap) from the day after the last posted period (or after the due date)
  through `through`, as ONE interest entry per obligation per run. Each posting is an InterestAccrual whose
  (obligation, period_end) is unique: running twice through the same date posts nothing more. The principal is
  the principal owed when the posting runs (the daily cycle runs daily, so a period is normally one day).
  Obligations in a month without a loaded rate are skipped and counted (`missing_rate`); nothing is guessed.
- fee_charge: a collection fee only where the country's rules (recaudo.ledger.fees, data/fees.toml) allow it.
- early_discount_apply: called by payment_record; when a payment arrives within the portfolio's window (days from
  the issue date) and leaves no more than the discount owed, the discount is posted so the obligation closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from recaudo.audit.models import AuditEvent
from recaudo.core.money import from_minor, quantize, to_minor
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .fees import fee_decide
from .interest import Liquidation, RateError, liquidate_late_interest
from .models import Component, EarlyDiscount, Entry, EntryKind, FeeCharge, InterestAccrual, InterestSettings, Payment
from .services import LedgerError, entry_post, refresh_summaries

CHUNK = 2000
HUNDRED = Decimal(100)


class FeeRefused(LedgerError):
    """The country's rules do not allow this fee; the message says which rule and why."""


def interest_settings(portfolio: Portfolio | int) -> InterestSettings | None:
    pk = portfolio if isinstance(portfolio, int) else portfolio.pk
    return InterestSettings.objects.filter(portfolio_id=pk).first()


def contract_rate(settings: InterestSettings | None) -> Decimal | None:
    if settings is None or settings.contract_rate_ea_pct is None:
        return None
    return settings.contract_rate_ea_pct / HUNDRED


def _principal_owed(obligation_ids: list[int]) -> dict[int, int]:
    return dict(
        Entry.objects.filter(obligation_id__in=obligation_ids, component=Component.PRINCIPAL)
        .values("obligation_id").annotate(s=Sum("amount_minor")).order_by().values_list("obligation_id", "s")
    )


def _line_json(line) -> dict:
    return {"start": line.start.isoformat(), "end": line.end.isoformat(), "days": line.days,
            "rate_ea": str(line.rate_ea), "interest": str(line.interest), "capped": line.capped,
            "source": line.source}


def interest_post(*, portfolio: Portfolio, through: date, now: datetime | None = None, actor: str = "interest",
                  chunk_size: int = CHUNK) -> dict:
    """Post late interest through `through` (inclusive) for the portfolio; returns counts. Idempotent."""
    from recaudo.agreements.selectors import rate_periods

    counts = {"posted": 0, "amount_minor": 0, "missing_rate": 0, "nothing_due": 0}
    settings = interest_settings(portfolio)
    if settings is None or not settings.interest_enabled:
        counts["disabled"] = 1
        return counts
    rate = contract_rate(settings)
    now = now or timezone.now()
    base = Obligation.objects.filter(portfolio=portfolio, status=Obligation.Status.OPEN, balance_minor__gt=0,
                                     disputed=False, due_date__lt=through).order_by("pk")
    after = 0
    while True:
        rows = list(base.filter(pk__gt=after).values_list("pk", "debtor_id", "number", "due_date", "currency")
                    [:chunk_size])
        if not rows:
            break
        after = rows[-1][0]
        with transaction.atomic():
            ids = [r[0] for r in rows]
            last = dict(InterestAccrual.objects.filter(obligation_id__in=ids).values("obligation_id")
                        .annotate(m=Max("period_end")).order_by().values_list("obligation_id", "m"))
            principals = _principal_owed(ids)
            todo = []
            for pk, debtor_id, number, due, currency in rows:
                start = max(last.get(pk, due), due)  # interest runs from the day after `start`
                if start >= through or principals.get(pk, 0) <= 0:
                    counts["nothing_due"] += 1
                    continue
                todo.append((pk, debtor_id, number, start, currency, principals[pk]))
            if not todo:
                continue
            periods = rate_periods(portfolio.country, min(t[3] for t in todo) + timedelta(days=1), through)
            entries, accruals, events = [], [], []
            for pk, debtor_id, number, start, currency, principal_minor in todo:
                try:
                    liq = liquidate_late_interest(principal=from_minor(principal_minor, currency), due=start,
                                                  as_of=through, currency=currency, periods=periods,
                                                  contract_rate_ea=rate, method=settings.method)
                except RateError:
                    counts["missing_rate"] += 1
                    continue
                minor = to_minor(liq.total, currency)
                if minor <= 0:
                    counts["nothing_due"] += 1
                    continue
                first = start + timedelta(days=1)
                memo = f"Interés de mora {first.isoformat()}..{through.isoformat()} ({liq.days} d)"
                entries.append(Entry(portfolio_id=portfolio.pk, debtor_id=debtor_id, obligation_id=pk,
                                     kind=EntryKind.INTEREST, component=Component.INTEREST, amount_minor=minor,
                                     value_date=through, created_at=now, memo=memo))
                accruals.append(InterestAccrual(obligation_id=pk, period_start=first, period_end=through,
                                                days=liq.days, principal_minor=principal_minor, amount_minor=minor,
                                                lines=[_line_json(ln) for ln in liq.lines], created_at=now))
                events.append(AuditEvent(
                    at=now, actor=None, actor_label=actor, portfolio_id=portfolio.pk, debtor_id=debtor_id,
                    subject_type="obligation", subject_id=pk, subject_label=number[:200], event_type="ledger.interest",
                    changes={"amount": str(from_minor(minor, currency)), "component": "interest",
                             "value_date": through.isoformat(), "memo": memo, "days": liq.days,
                             "capped": liq.capped}))
                counts["posted"] += 1
                counts["amount_minor"] += minor
            if not entries:
                continue
            Entry.objects.bulk_create(entries)
            for accrual, entry in zip(accruals, entries, strict=True):
                accrual.entry_id = entry.pk
            InterestAccrual.objects.bulk_create(accruals)
            AuditEvent.objects.bulk_create(events)
            refresh_summaries(obligation_ids=[e.obligation_id for e in entries])
    return counts


# ---------------------------------------------------------------- fees

@transaction.atomic
def fee_charge(*, obligation: Obligation, reason: str, amount: Decimal | None = None, evidence: str = "",
               disclosed: bool = False, actor=None, as_of: date | None = None,
               uf_value: Decimal | None = None) -> Entry:
    """Charge a collection fee where the country's rules allow it (amount given, or computed where the rules compute
    one, as in Chile); raises FeeRefused otherwise. The fee entry and its evidence (FeeCharge) are kept."""
    from recaudo.portfolio.services import portfolio_today

    obligation = Obligation.objects.select_related("portfolio").get(pk=obligation.pk)
    portfolio = obligation.portfolio
    if not reason.strip():
        raise FeeRefused("a fee needs a reason")
    as_of = as_of or portfolio_today(portfolio)
    settings = interest_settings(portfolio)
    amount_minor = to_minor(amount, obligation.currency) if amount is not None else None
    decision = fee_decide(country=portfolio.country, currency=obligation.currency,
                          days_past_due=(as_of - obligation.due_date).days, overdue_minor=obligation.balance_minor,
                          amount_minor=amount_minor, evidence=evidence, disclosed=disclosed,
                          financial_lender=bool(settings and settings.financial_lender), uf_value=uf_value)
    if not decision.allowed:
        raise FeeRefused(f"fee refused: {decision.reason}")
    entry = entry_post(obligation=obligation, kind=EntryKind.FEE, amount=from_minor(decision.amount_minor,
                                                                                    obligation.currency),
                       value_date=as_of, memo=f"{reason.strip()} [{decision.rule_id}]", actor=actor)
    FeeCharge.objects.create(
        obligation=obligation, entry=entry, rule_id=decision.rule_id, reason=reason.strip()[:300],
        evidence=evidence.strip()[:300], disclosed=disclosed,
        computed={"cap_minor": decision.cap_minor, "uf_value": str(uf_value) if uf_value else None,
                  "rules_version": decision.version},
        created_by=actor if actor is not None and not isinstance(actor, str) else None, created_at=timezone.now())
    return entry


# ---------------------------------------------------------------- early-payment discounts

def early_discount_apply(*, payment: Payment, actor=None) -> list[EarlyDiscount]:
    """Post the early-payment discount on each obligation this payment reached within the window, when what is left
    owed is no more than the discount (so the obligation closes). Once per obligation. Runs inside payment_record's
    transaction."""
    settings = interest_settings(payment.portfolio_id)
    if settings is None or not settings.early_discount_pct or settings.early_discount_days is None:
        return []
    ids = set(payment.entries.filter(kind=EntryKind.PAYMENT).values_list("obligation_id", flat=True))
    if not ids:
        return []
    granted = []
    candidates = Obligation.objects.filter(pk__in=ids, balance_minor__gt=0, early_discount__isnull=True)
    principals = _principal_owed(list(ids))
    for obligation in candidates.order_by("due_date", "pk"):
        if payment.date > obligation.issue_date + timedelta(days=settings.early_discount_days):
            continue
        discount = quantize(from_minor(obligation.original_minor, obligation.currency)
                            * settings.early_discount_pct / HUNDRED, obligation.currency)
        left = obligation.balance_minor
        if left > to_minor(discount, obligation.currency) or left > principals.get(obligation.pk, 0):
            continue  # not paid enough to close with the discount (or something other than principal is left)
        entry = entry_post(obligation=obligation, kind=EntryKind.DISCOUNT, amount=from_minor(left, obligation.currency),
                           value_date=payment.date, component=Component.PRINCIPAL, actor=actor,
                           memo=f"Descuento por pronto pago {settings.early_discount_pct} % "
                                f"(pago dentro de {settings.early_discount_days} días)")
        granted.append(EarlyDiscount.objects.create(obligation=obligation, payment=payment, entry=entry,
                                                    percent=settings.early_discount_pct, created_at=timezone.now()))
    return granted


# ---------------------------------------------------------------- liquidation report (reads)

@dataclass
class ObligationLiquidation:
    obligation: Obligation
    principal_minor: int
    liquidation: Liquidation | None
    error: str = ""
    posted_minor: int = 0  # interest already posted to the ledger


def debtor_liquidation(debtor: Debtor, as_of: date) -> list[ObligationLiquidation]:
    """Per overdue obligation with principal owed: the late-interest liquidation from the due date through `as_of`,
    line by line, on the principal owed now, with the portfolio's method and rate."""
    from recaudo.agreements.selectors import rate_periods

    portfolio = debtor.portfolio
    settings = interest_settings(portfolio)
    rate = contract_rate(settings)
    method = settings.method if settings else "daily_compound_ea"
    obligations = list(Obligation.objects.filter(debtor=debtor, due_date__lt=as_of, balance_minor__gt=0)
                       .order_by("due_date", "number"))
    if not obligations:
        return []
    ids = [o.pk for o in obligations]
    principals = _principal_owed(ids)
    posted = dict(Entry.objects.filter(obligation_id__in=ids, component=Component.INTEREST).values("obligation_id")
                  .annotate(s=Sum("amount_minor")).order_by().values_list("obligation_id", "s"))
    periods = rate_periods(portfolio.country, min(o.due_date for o in obligations) + timedelta(days=1), as_of)
    result = []
    for o in obligations:
        principal = principals.get(o.pk, 0)
        item = ObligationLiquidation(obligation=o, principal_minor=principal, liquidation=None,
                                     posted_minor=posted.get(o.pk, 0))
        try:
            item.liquidation = liquidate_late_interest(principal=from_minor(max(principal, 0), o.currency),
                                                       due=o.due_date, as_of=as_of, currency=o.currency,
                                                       periods=periods, contract_rate_ea=rate, method=method)
        except RateError as exc:
            item.error = str(exc)
        result.append(item)
    return result
