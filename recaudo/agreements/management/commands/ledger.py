"""`recaudo ledger pay|reverse|verify`: record payments, reverse them, verify cached balances.

It lives in agreements, the lowest app that sees both the ledger and the agreements: a payment is received through
agreements.services.payments.payment_receive (installment interest due, then the ledger's allocation, then settlement
discounts), as the payments import receives its rows."""

from __future__ import annotations

import uuid
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from recaudo.agreements.services.payments import payment_receipt_reverse, payment_receive
from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor
from recaudo.core.options import add_decimal_option, amount_option
from recaudo.ledger.models import Payment
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Debtor, Obligation, Portfolio


def _portfolio(slug: str) -> Portfolio:
    try:
        return Portfolio.objects.get(slug=slug)
    except Portfolio.DoesNotExist:
        raise CommandError(f"no portfolio with slug {slug!r} (see `recaudo portfolio list`)")


def _date(text: str) -> date:
    for parse in (date.fromisoformat, lambda t: date(*reversed([int(p) for p in t.split("/")]))):
        try:
            return parse(text)
        except (ValueError, TypeError):
            continue
    raise CommandError(f"--date: {text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


class Command(BaseCommand):
    help = "Record payments, reverse them, and verify cached balances against the ledger."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{pay,reverse,verify}")
        pay = sub.add_parser(
            "pay", help="record a payment and allocate it",
            description="Record a payment of a debtor and allocate it (to the named obligation first, then to what "
            "is due on the payment date before anything not yet due, oldest due first, by the portfolio's allocation "
            "order). The reference makes it idempotent: the same reference is never applied twice; a date after the "
            "portfolio's today is refused. Example: recaudo ledger pay --portfolio pyme --debtor CL000001 "
            "--amount 150.000 --date 2026-03-01 --reference PSE-123 --method PSE",
        )
        pay.add_argument("--portfolio", required=True, metavar="SLUG")
        pay.add_argument("--debtor", required=True, metavar="CODE", help="the debtor's customer code")
        pay.add_argument("--amount", required=True,
                         help="es-CO by default: 150.000 or 150.000,50 (with --decimal .: 150,000.50)")
        add_decimal_option(pay)
        pay.add_argument("--date", required=True,
                         help="YYYY-MM-DD or DD/MM/YYYY; not after today in the portfolio's time zone")
        pay.add_argument("--obligation", metavar="NUMBER", help="the obligation the payer named, if any")
        pay.add_argument("--reference", default="", help="bank or receipt reference (default: generated)")
        pay.add_argument("--method", default="", help="PSE, Transferencia, Efectivo, Consignación, Nequi...")
        reverse = sub.add_parser(
            "reverse", help="reverse a payment (bounced cheque, bank reversal)",
            description="Reverse a payment: each of its ledger entries gets a reversing entry; nothing is deleted. "
            "Example: recaudo ledger reverse --portfolio pyme --payment-reference PSE-123 "
            "--reason 'cheque devuelto'",
        )
        reverse.add_argument("--portfolio", required=True, metavar="SLUG")
        reverse.add_argument("--payment-reference", required=True, metavar="REFERENCE")
        reverse.add_argument("--reason", required=True, help="why (required, not blank): kept on the reversal")
        verify = sub.add_parser(
            "verify", help="check cached balances against the ledger entries",
            description="Check every obligation's cached balance against the sum of its entries and that no "
            "component is below zero. Exits 1 and lists the problems if any.",
        )
        verify.add_argument("--portfolio", required=True, metavar="SLUG")

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _pay(self, *, portfolio, debtor, amount, decimal, date, obligation, reference, method, **_):
        target = _portfolio(portfolio)
        value = amount_option(amount, "amount", decimal=decimal, currency=target.currency, allow_zero=False)
        when = _date(date)
        try:
            payer = Debtor.objects.get(portfolio=target, code=debtor)
        except Debtor.DoesNotExist:
            raise CommandError(f"no debtor with code {debtor!r} in {target.slug}")
        named = None
        if obligation:
            try:
                named = Obligation.objects.get(portfolio=target, number=obligation)
            except Obligation.DoesNotExist:
                raise CommandError(f"no obligation {obligation!r} in {target.slug}")
        # Without a reference each call is a new payment; with one, the same reference is never applied twice.
        reference = reference.strip() or f"CLI-{uuid.uuid4().hex[:12].upper()}"
        try:
            payment, created = payment_receive(portfolio=target, debtor=payer, amount=value, date=when,
                                               source="manual", source_ref=reference, reference=reference,
                                               method=method, obligation=named, actor="cli")
        except DomainError as exc:  # the service's rules: the date, the obligation's debtor...
            raise CommandError(exc.message)
        cur = target.currency
        if not created:
            self.stdout.write(f"payment {reference} was already recorded on {payment.date}; nothing changed")
            return
        self.stdout.write(f"recorded payment {payment.reference or payment.source_ref}: {cur} "
                          f"{from_minor(payment.amount_minor, cur)} from {payer.code} on {payment.date}")
        for entry in payment.entries.select_related("obligation").order_by("id"):
            self.stdout.write(f"  {entry.obligation.number:<16} {entry.component:<10} "
                              f"{from_minor(-entry.amount_minor, cur):>16}")
        if payment.unapplied_minor:
            self.stdout.write(f"  unapplied (debtor credit): {from_minor(payment.unapplied_minor, cur)}")
        payer.refresh_from_db()
        self.stdout.write(f"balance of {payer.code} now {cur} {from_minor(payer.balance_minor, cur)}")

    def _reverse(self, *, portfolio, payment_reference, reason, **_):
        target = _portfolio(portfolio)
        matches = list(Payment.objects.filter(portfolio=target, reference=payment_reference)[:2])
        if not matches:
            matches = list(Payment.objects.filter(portfolio=target, source_ref=payment_reference)[:2])
        if not matches:
            raise CommandError(f"no payment with reference {payment_reference!r} in {target.slug}")
        if len(matches) > 1:
            raise CommandError(f"several payments have reference {payment_reference!r}; reverse it in the web app")
        try:
            payment = payment_receipt_reverse(payment=matches[0], reason=reason, actor="cli")
        except DomainError as exc:  # the service's rules: a reason, not already reversed
            raise CommandError(exc.message)
        cur = target.currency
        self.stdout.write(f"reversed payment {payment_reference} of {cur} {from_minor(payment.amount_minor, cur)} "
                          f"({payment.debtor.code}, {payment.date}): {reason.strip()}")

    def _verify(self, *, portfolio, **_):
        target = _portfolio(portfolio)
        problems = ledger_verify(target)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s) in {target.slug}", returncode=1)
        self.stdout.write(f"ledger of {target.slug} is consistent: cached balances equal the entries")
