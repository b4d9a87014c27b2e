"""Payments import, one chunk at a time.

A row names an obligation (by number) or only a debtor (by code). Each payment is allocated with the pure
recaudo.ledger.rules.allocate in the portfolio's order, against the running balances of the debtor (payments of
one debtor within a chunk go in date order, then file order). Only obligations issued on or before the payment
date receive it; what is left stays unapplied (debtor credit). A row dated after the portfolio's today is rejected
(recaudo.ledger.services.payment_date_check, the rule of every recorded payment). Idempotency: Payment(source="import",
source_ref=reference, or a fingerprint of obligation/debtor, date, amount, method and the occurrence number of
identical rows in the file); a source_ref already in the portfolio is not applied again (counted unchanged).
Every payment applied gets its numbered receipt (recibo de caja, RC-000001...), in file order, in the portfolio's
one numbering shared with payments recorded on the debtor page (ledger's receipts_issue).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from recaudo.agreements.models import Offer
from recaudo.agreements.services.offers import settlement_discounts_apply
from recaudo.agreements.services.plans import installment_interest_post
from recaudo.ledger.accruals import early_discount_apply, interest_settings
from recaudo.ledger.models import Entry, EntryKind, Payment
from recaudo.ledger.posting import entries_save
from recaudo.ledger.rules import OpenItem, allocate
from recaudo.ledger.services import LedgerError, component_balances, payment_date_check, receipts_issue
from recaudo.portfolio.models import Debtor, Obligation

from .fields import FieldError, parse_amount, parse_date, text
from .run_state import Context


class PaymentImporter:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.today = ctx.portfolio.today(ctx.now)
        self.occurrences: dict[int, int] = {}
        settings = interest_settings(ctx.portfolio)
        # early-payment discounts apply to imported payments as to payments recorded one by one
        self.early_discounts = bool(settings and settings.early_discount_pct and settings.early_discount_days)

    def parse(self, row: int, values: list):
        ctx = self.ctx
        ok = True
        number = text(ctx.get(values, "obligation"))
        code = text(ctx.get(values, "debtor_code"))
        if not number and not code:
            ctx.reject(row, "obligation" if "obligation" in ctx.columns else "debtor_code", "",
                       "required: name an obligation or a debtor")
            ok = False
        parsed = {}
        for name in ("date", "amount"):
            value = ctx.get(values, name)
            if text(value) == "":
                ctx.reject(row, name, "", "required")
                ok = False
                continue
            try:
                parsed[name] = (parse_date(value, ctx.date_format) if name == "date"
                                else parse_amount(value, ctx.decimal, ctx.currency))
            except FieldError as exc:
                ctx.reject(row, name, value, str(exc))
                ok = False
        if "date" in parsed:
            try:
                payment_date_check(parsed["date"], self.today)
            except LedgerError as exc:
                ctx.reject(row, "date", ctx.get(values, "date"), str(exc))
                ok = False
        if not ok:
            return None
        method = text(ctx.get(values, "method"))[:40]
        reference = text(ctx.get(values, "reference"))[:100]
        if reference:
            source_ref = reference[:120]
        else:
            key = f"{number}|{code}|{parsed['date'].isoformat()}|{parsed['amount']}|{method}"
            h = hash(key)
            occurrence = self.occurrences.get(h, 0) + 1
            self.occurrences[h] = occurrence
            source_ref = "fp:" + hashlib.sha256(f"{key}#{occurrence}".encode()).hexdigest()[:40]
        return {"row": row, "number": number, "code": code, "date": parsed["date"], "minor": parsed["amount"],
                "method": method, "reference": reference, "source_ref": source_ref}

    def process(self, chunk: list[tuple[int, list]]) -> None:
        ctx = self.ctx
        items = [p for p in (self.parse(row, values) for row, values in chunk) if p is not None]
        if not items:
            return
        done = set(Payment.objects.filter(portfolio=ctx.portfolio, source=Payment.Source.IMPORT,
                                          source_ref__in=[p["source_ref"] for p in items])
                   .values_list("source_ref", flat=True))
        fresh, seen = [], set()
        for p in items:
            if p["source_ref"] in done or p["source_ref"] in seen:
                ctx.unchanged += 1
            else:
                seen.add(p["source_ref"])
                fresh.append(p)
        if not fresh:
            return
        obligations = {
            o["number"]: o for o in Obligation.objects.filter(
                portfolio=ctx.portfolio, number__in=[p["number"] for p in fresh if p["number"]]
            ).values("id", "number", "debtor_id", "debtor__code").order_by()
        }
        debtors = dict(Debtor.objects.filter(portfolio=ctx.portfolio, code__in=[p["code"] for p in fresh if p["code"]])
                       .values_list("code", "id").order_by())
        by_debtor: dict[int, list[dict]] = defaultdict(list)
        for p in fresh:
            if p["number"]:
                ob = obligations.get(p["number"])
                if ob is None:
                    ctx.reject(p["row"], "obligation", p["number"], f"unknown obligation {p['number']!r}")
                    continue
                if p["code"] and p["code"] != ob["debtor__code"]:
                    ctx.reject(p["row"], "debtor_code", p["code"],
                               f"obligation {p['number']} belongs to debtor {ob['debtor__code']!r}")
                    continue
                p["obligation_id"], p["debtor_id"] = ob["id"], ob["debtor_id"]
            else:
                if p["code"] not in debtors:
                    ctx.reject(p["row"], "debtor_code", p["code"], f"unknown debtor {p['code']!r}")
                    continue
                p["obligation_id"], p["debtor_id"] = None, debtors[p["code"]]
            by_debtor[p["debtor_id"]].append(p)
        if by_debtor:
            self._apply(by_debtor)

    def _apply(self, by_debtor: dict[int, list[dict]]) -> None:
        ctx = self.ctx
        portfolio = ctx.portfolio
        # Agreement installments due by the earliest payment date owe their interest before allocating (one query
        # when there is none to charge; later-due ones are charged by the daily cycle).
        installment_interest_post(portfolio=portfolio, through=min(p["date"] for ps in by_debtor.values() for p in ps),
                                  actor=ctx.actor)
        open_obs = list(Obligation.objects.filter(debtor_id__in=list(by_debtor), balance_minor__gt=0)
                        .values("id", "debtor_id", "number", "issue_date", "due_date", "disputed").order_by())
        balances = component_balances([o["id"] for o in open_obs])
        per_debtor: dict[int, list[dict]] = defaultdict(list)
        for o in open_obs:
            o["balances"] = dict(balances.get(o["id"], {}))
            per_debtor[o["debtor_id"]].append(o)
        order = portfolio.allocation_order or ("fee", "interest", "principal")
        user = ctx.actor_user
        planned: list[tuple[Payment, list]] = []
        rows: dict[int, int] = {}
        for debtor_id, payments in by_debtor.items():
            obs = per_debtor.get(debtor_id, [])
            for p in sorted(payments, key=lambda x: (x["date"], x["row"])):
                candidates = [
                    OpenItem(o["id"], o["due_date"], o["number"], dict(o["balances"])) for o in obs
                    if o["issue_date"] <= p["date"] and (not o["disputed"] or o["id"] == p["obligation_id"])
                    and any(v > 0 for v in o["balances"].values())
                ]
                result = allocate(p["minor"], candidates, order=order, mode=portfolio.allocation_mode,
                                  on=p["date"], named_obligation_id=p["obligation_id"])
                by_id = {o["id"]: o for o in obs}
                for a in result.allocations:
                    by_id[a.obligation_id]["balances"][a.component] -= a.amount_minor
                payment = Payment(
                    portfolio=portfolio, debtor_id=debtor_id, obligation_id=p["obligation_id"], date=p["date"],
                    amount_minor=p["minor"], currency=portfolio.currency, method=p["method"],
                    reference=p["reference"], source=Payment.Source.IMPORT, source_ref=p["source_ref"],
                    unapplied_minor=result.unapplied_minor, created_by=user,
                )
                planned.append((payment, [(a, debtor_id) for a in result.allocations]))
                rows[id(payment)] = p["row"]
        Payment.objects.bulk_create([pl[0] for pl in planned])
        entries = []
        for payment, allocations in planned:
            for a, debtor_id in allocations:
                entries.append(Entry(
                    portfolio_id=portfolio.pk, debtor_id=debtor_id, obligation_id=a.obligation_id,
                    kind=EntryKind.PAYMENT, component=a.component, amount_minor=-a.amount_minor,
                    value_date=payment.date, created_at=ctx.now, payment=payment, created_by=user,
                ))
        entries_save(entries, debtor_ids=list(by_debtor), batch_size=2000)
        if self.early_discounts:
            for payment, _ in planned:
                early_discount_apply(payment=payment, actor=ctx.actor)
        offer_debtors = set(Offer.objects.filter(debtor_id__in=list(by_debtor), kind=Offer.Kind.LUMP_SUM_DISCOUNT,
                                                 status=Offer.Status.ACCEPTED).values_list("debtor_id", flat=True))
        for payment, _ in planned:
            if payment.debtor_id in offer_debtors:  # a lump-sum discount is booked by the payment that earns it
                settlement_discounts_apply(payment=payment, actor=ctx.actor)
        # Each payment gets its numbered receipt (recibo de caja) as one recorded on the debtor page does
        # (payment_receive -> ledger's receipt_issue, the one-payment case of receipts_issue), in file order.
        receipts_issue(payments=sorted((pl[0] for pl in planned), key=lambda pay: rows[id(pay)]), actor=ctx.actor)
        ctx.created += len(planned)
