"""Interest posting by the daily cycle, collection fees and early-payment discounts. Each write runs in one
transaction and leaves audit events with the debtor set (so it shows in the debtor's timeline).

- interest_post: late interest on the overdue principal of each open, undisputed obligation, liquidated with
  recaudo.ledger.interest (the portfolio's method; the contract rate capped day by day at the legal maximum, so
  nothing is ever posted above the usury cap) from the day after the last posted period (or after the due date)
  through `through`, as ONE interest entry per obligation per run. Each posting is an InterestAccrual whose
  (obligation, period_end) is unique: running twice through the same date posts nothing more. The base of each
  day is the principal owed after the entries value-dated that day (ledger_liquidation, the same liquidation the
  PDF prints), and what is posted always adds up to the liquidation through the last posted date: a difference
  (a month's certified rate loaded after the provisional one was used, a payment or reversal value-dated in the
  past) is posted first as an adjustment naming the months. A month not certified yet uses the latest known
  month's rate, marked provisional in the memo; days before the first known rate are skipped (`missing_rate`).
- fee_charge: a collection fee only where the country's rules (recaudo.ledger.fees, data/fees.toml) allow it.
- early_discount_apply: called by payment_record; when a payment arrives within the portfolio's window (days from
  the issue date) and leaves no more than the discount owed, the discount is posted so the obligation closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from recaudo.audit.models import AuditEvent
from recaudo.core.amounts import MAX_MINOR
from recaudo.core.money import from_minor, quantize, to_minor
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .fees import fee_decide
from .interest import Liquidation, RateError, liquidate_late_interest
from .models import Component, EarlyDiscount, Entry, EntryKind, FeeCharge, InterestAccrual, InterestSettings, Payment
from .posting import LedgerError, entries_save, entry_post
from .rates import rate_periods

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


def principal_movements(obligation_ids: list[int], through: date) -> dict[int, list[tuple[date, int]]]:
    """{obligation_id: [(value_date, principal movement in minor units), ...]} through `through`, by value date: the
    principal owed each day, as the ledger split every payment, discount and reversal."""
    result: dict[int, list[tuple[date, int]]] = {}
    rows = (Entry.objects.filter(obligation_id__in=obligation_ids, component=Component.PRINCIPAL,
                                 value_date__lte=through)
            .values("obligation_id", "value_date").annotate(s=Sum("amount_minor")).order_by("obligation_id",
                                                                                           "value_date"))
    for row in rows:
        if row["s"]:
            result.setdefault(row["obligation_id"], []).append((row["value_date"], row["s"]))
    return result


def ledger_liquidation(*, due: date, as_of: date, currency: str, movements: list[tuple[date, int]], periods,
                       rate: Decimal | None, method: str) -> Liquidation:
    """The late-interest liquidation of an obligation from its ledger: the base of each day is the principal owed
    after the entries value-dated that day. The daily cycle posts it and the liquidation PDF prints it."""
    return liquidate_late_interest(
        principal=Decimal(0), due=due, as_of=as_of, currency=currency, periods=periods, contract_rate_ea=rate,
        method=method, principal_changes=[(day, from_minor(minor, currency)) for day, minor in movements])


def _line_json(line) -> dict:
    return {"start": line.start.isoformat(), "end": line.end.isoformat(), "days": line.days,
            "base": str(line.base), "rate_ea": str(line.rate_ea), "interest": str(line.interest),
            "capped": line.capped, "source": line.source, "provisional": line.provisional}


def _rate_changes(obligation_id: int, liq: Liquidation) -> tuple[list[str], list[str]]:
    """(months certified since they were posted provisionally, months whose rate changed otherwise), comparing the
    latest posting of each month (the newest accrual with a line in it) with the liquidation now."""
    posted: dict[str, tuple[bool, str]] = {}
    for lines in InterestAccrual.objects.filter(obligation_id=obligation_id).order_by("pk").values_list("lines",
                                                                                                         flat=True):
        for line in lines or []:
            posted[line["start"][:7]] = (bool(line.get("provisional")), str(line.get("rate_ea", "")))
    now = {ln.month: ln for ln in liq.lines}
    certified = sorted(m for m, (prov, _) in posted.items() if prov and m in now and not now[m].provisional)
    changed = sorted(m for m, (prov, rate) in posted.items()
                     if not prov and m in now and rate and Decimal(rate) != now[m].rate_ea)
    return certified, changed


def _period_memo(first: date, through: date, liq: Liquidation, days: int) -> str:
    memo = f"Interés de mora {first.isoformat()}..{through.isoformat()} ({days} d)"
    months = [ln.month for ln in liq.lines if ln.provisional and ln.end >= first]
    if months:
        memo += f"; tasa provisional {', '.join(dict.fromkeys(months))}"
    return memo


def _adjustment_memo(last: date, certified: list[str], changed: list[str]) -> str:
    if certified:
        return (f"Ajuste de interés de mora: tasa certificada de {', '.join(certified)} "
                f"(liquidado antes con tasa provisional), hasta {last.isoformat()}")
    if changed:
        return f"Ajuste de interés de mora: tasa de {', '.join(changed)} corregida, hasta {last.isoformat()}"
    return f"Ajuste de interés de mora hasta {last.isoformat()}: movimientos con fecha valor anterior"


@dataclass
class _Batch:
    """The interest entries, accruals and audit events of one chunk, written together."""

    portfolio_id: int
    value_date: date
    now: datetime
    actor: str
    entries: list = field(default_factory=list)
    accruals: list = field(default_factory=list)
    events: list = field(default_factory=list)

    def add(self, pk, debtor_id, number, currency, *, parts, first, last, days, liq, memo, principal_minor,
            accrual_kind):
        """One accrual for the parts [(entry kind, component, minor), ...]; the accrual points at the first entry
        (the interest one); a credit beyond the interest owed goes to principal in a second entry."""
        linked = len(self.entries)
        for kind, component, minor in parts:
            self.entries.append(Entry(
                portfolio_id=self.portfolio_id, debtor_id=debtor_id, obligation_id=pk, kind=kind, component=component,
                amount_minor=minor, value_date=self.value_date, created_at=self.now,
                memo=memo if component == Component.INTEREST else f"{memo} (intereses ya pagados: abono a capital)"))
        minor = sum(part[2] for part in parts)
        self.accruals.append((linked, InterestAccrual(
            obligation_id=pk, kind=accrual_kind, period_start=first, period_end=last, days=days,
            principal_minor=principal_minor, amount_minor=minor,
            lines=[_line_json(ln) for ln in liq.lines if ln.end >= first], created_at=self.now)))
        self.events.append(AuditEvent(
            at=self.now, actor=None, actor_label=self.actor, portfolio_id=self.portfolio_id, debtor_id=debtor_id,
            subject_type="obligation", subject_id=pk, subject_label=number[:200], event_type="ledger.interest",
            changes={"amount": str(from_minor(minor, currency)), "component": "interest",
                     "value_date": self.value_date.isoformat(), "memo": memo, "days": days, "capped": liq.capped,
                     "provisional": liq.provisional, "adjustment": accrual_kind == InterestAccrual.Kind.ADJUSTMENT,
                     "parts": {str(c): str(from_minor(m, currency)) for _, c, m in parts}}))

    def save(self) -> None:
        if not self.entries:
            return
        entries_save(self.entries)
        for linked, accrual in self.accruals:
            accrual.entry_id = self.entries[linked].pk
        InterestAccrual.objects.bulk_create([accrual for _, accrual in self.accruals])
        AuditEvent.objects.bulk_create(self.events)


def interest_post(*, portfolio: Portfolio, through: date, now: datetime | None = None, actor: str = "interest",
                  chunk_size: int = CHUNK, adjust_only: bool = False) -> dict:
    """Post late interest through `through` (inclusive) for the portfolio; returns counts. Idempotent.

    Per obligation the liquidation is recomputed from the due date on the ledger's principal day by day
    (ledger_liquidation): first what was already posted through the last posted date is compared with what the
    liquidation gives now through that date, and the difference is posted as an adjustment (a provisional month's
    rate certified since, or a payment or reversal value-dated in the past); then the new days are posted. So
    what is posted always adds up to the liquidation through `through`, to the cent. `adjust_only`: only the
    first step (after loading rates)."""
    counts = {"posted": 0, "amount_minor": 0, "adjusted": 0, "adjusted_minor": 0, "missing_rate": 0,
              "nothing_due": 0, "provisional": 0, "credit_pending": 0, "beyond_bound": 0}
    settings = interest_settings(portfolio)
    if settings is None or not settings.interest_enabled:
        counts["disabled"] = 1
        return counts
    rate = contract_rate(settings)
    now = now or timezone.now()
    base = Obligation.objects.filter(portfolio=portfolio, status=Obligation.Status.OPEN, balance_minor__gt=0,
                                     disputed=False, due_date__lt=through).order_by("pk")
    if adjust_only:
        base = base.filter(interest_accruals__isnull=False).distinct()
    after = 0
    while True:
        rows = list(base.filter(pk__gt=after).values_list("pk", "debtor_id", "number", "due_date", "currency")
                    [:chunk_size])
        if not rows:
            break
        after = rows[-1][0]
        with transaction.atomic():
            ids = [r[0] for r in rows]
            accrued = {row[0]: row[1:] for row in InterestAccrual.objects.filter(obligation_id__in=ids)
                       .values("obligation_id").annotate(s=Sum("amount_minor"), m=Max("period_end")).order_by()
                       .values_list("obligation_id", "s", "m")}
            movements = principal_movements(ids, through)
            interest_owed = dict(
                Entry.objects.filter(obligation_id__in=ids, component=Component.INTEREST).values("obligation_id")
                .annotate(s=Sum("amount_minor")).order_by().values_list("obligation_id", "s"))
            periods = rate_periods(portfolio.country, min(r[3] for r in rows) + timedelta(days=1), through)
            batch = _Batch(portfolio_id=portfolio.pk, value_date=through, now=now, actor=actor)

            for pk, debtor_id, number, due, currency in rows:
                posted, last = accrued.get(pk, (0, None))
                if last is not None and last > through:
                    counts["nothing_due"] += 1
                    continue
                try:
                    now_liq = ledger_liquidation(due=due, as_of=through, currency=currency,
                                                 movements=movements.get(pk, []), periods=periods, rate=rate,
                                                 method=settings.method)
                    last_liq = None if last is None else now_liq.truncated(last)
                except RateError:
                    counts["missing_rate"] += 1
                    continue
                principal_minor = to_minor(max(now_liq.principal_owed, Decimal(0)), currency)
                done = 0
                if last_liq is not None:
                    done = to_minor(last_liq.total, currency)
                    diff = done - posted
                    parts = []
                    if diff > 0:
                        parts = [(EntryKind.INTEREST, Component.INTEREST, diff)]
                    elif diff < 0:
                        # a credit: the interest owed first, what was already paid as interest goes to principal
                        on_interest = min(-diff, max(interest_owed.get(pk, 0), 0))
                        on_principal = min(-diff - on_interest, max(principal_minor, 0))
                        if on_interest:
                            parts.append((EntryKind.ADJUSTMENT, Component.INTEREST, -on_interest))
                        if on_principal:
                            parts.append((EntryKind.ADJUSTMENT, Component.PRINCIPAL, -on_principal))
                            mine_moves = [*movements.get(pk, []), (through, -on_principal)]
                            movements[pk] = mine_moves
                            principal_minor -= on_principal
                            now_liq = ledger_liquidation(due=due, as_of=through, currency=currency,
                                                         movements=mine_moves, periods=periods, rate=rate,
                                                         method=settings.method)
                        if on_interest + on_principal < -diff:
                            counts["credit_pending"] += 1
                    if any(abs(part[2]) > MAX_MINOR for part in parts):  # docs/amounts.md: never stored
                        counts["beyond_bound"] += 1
                        parts = []
                    if parts:
                        certified, changed = _rate_changes(pk, last_liq)
                        batch.add(pk, debtor_id, number, currency, parts=parts, first=due + timedelta(days=1),
                                  last=last, days=last_liq.days, liq=last_liq,
                                  memo=_adjustment_memo(last, certified, changed),
                                  principal_minor=principal_minor, accrual_kind=InterestAccrual.Kind.ADJUSTMENT)
                        counts["adjusted"] += 1
                        counts["adjusted_minor"] += sum(part[2] for part in parts)
                if adjust_only or (last is not None and last >= through):
                    continue
                minor = to_minor(now_liq.total, currency) - done
                first = max(last or due, due) + timedelta(days=1)
                days = (through - first).days + 1
                if minor <= 0:
                    counts["nothing_due"] += 1
                    continue
                if minor > MAX_MINOR:  # an entry is at most MAX_MINOR (docs/amounts.md): left for a person to see
                    counts["beyond_bound"] += 1
                    continue
                batch.add(pk, debtor_id, number, currency, parts=[(EntryKind.INTEREST, Component.INTEREST, minor)],
                          first=first,
                          last=through, days=days, liq=now_liq, memo=_period_memo(first, through, now_liq, days),
                          principal_minor=principal_minor, accrual_kind=InterestAccrual.Kind.PERIOD)
                counts["posted"] += 1
                counts["amount_minor"] += minor
                counts["provisional"] += any(ln.provisional and ln.end >= first for ln in now_liq.lines)
            batch.save()
    return counts


# ---------------------------------------------------------------- fees

@transaction.atomic
def fee_charge(*, obligation: Obligation, reason: str, amount: Decimal | None = None, evidence: str = "",
               disclosed: bool = False, actor=None, as_of: date | None = None,
               uf_value: Decimal | None = None) -> Entry:
    """Charge a collection fee where the country's rules allow it (amount given, or computed where the rules compute
    one, as in Chile); raises FeeRefused otherwise. The fee entry and its evidence (FeeCharge) are kept."""
    obligation = Obligation.objects.select_related("portfolio").get(pk=obligation.pk)
    portfolio = obligation.portfolio
    if not reason.strip():
        raise FeeRefused("a fee needs a reason")
    as_of = as_of or portfolio.today()
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

def early_discounts_granted(portfolio: Portfolio | int) -> bool:
    """Whether the portfolio grants early-payment discounts (early_discount_apply has anything to do)."""
    settings = interest_settings(portfolio)
    return bool(settings is not None and settings.early_discount_pct and settings.early_discount_days is not None)


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
    posted_minor: int = 0  # late interest posted by the cycle through the date (periods and adjustments)
    interest_owed_minor: int = 0  # interest still owed in the ledger (posted less paid)


def debtor_liquidation(debtor: Debtor, as_of: date) -> list[ObligationLiquidation]:
    """Per overdue obligation with a balance: the late-interest liquidation from the due date through `as_of`, line
    by line, on the principal owed each day (ledger_liquidation: what the daily cycle posts), with the portfolio's
    method and rate; provisional months are marked."""
    portfolio = debtor.portfolio
    settings = interest_settings(portfolio)
    rate = contract_rate(settings)
    method = settings.method if settings else "daily_compound_ea"
    obligations = list(Obligation.objects.filter(debtor=debtor, due_date__lt=as_of, balance_minor__gt=0)
                       .order_by("due_date", "number"))
    if not obligations:
        return []
    ids = [o.pk for o in obligations]
    movements = principal_movements(ids, as_of)
    posted = dict(InterestAccrual.objects.filter(obligation_id__in=ids, period_end__lte=as_of)
                  .values("obligation_id").annotate(s=Sum("amount_minor")).order_by()
                  .values_list("obligation_id", "s"))
    owed = dict(Entry.objects.filter(obligation_id__in=ids, component=Component.INTEREST, value_date__lte=as_of)
                .values("obligation_id").annotate(s=Sum("amount_minor")).order_by()
                .values_list("obligation_id", "s"))
    periods = rate_periods(portfolio.country, min(o.due_date for o in obligations) + timedelta(days=1), as_of)
    result = []
    for o in obligations:
        mine = movements.get(o.pk, [])
        item = ObligationLiquidation(obligation=o, principal_minor=sum(m for _, m in mine), liquidation=None,
                                     posted_minor=posted.get(o.pk, 0), interest_owed_minor=owed.get(o.pk, 0))
        try:
            item.liquidation = ledger_liquidation(due=o.due_date, as_of=as_of, currency=o.currency, movements=mine,
                                                  periods=periods, rate=rate, method=method)
        except RateError as exc:
            item.error = str(exc)
        result.append(item)
    return result
