"""`recaudo plan simulate`: the schedule of an installment plan (French amortization) within the legal cap."""

from __future__ import annotations

from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from recaudo.agreements import commandline as cli
from recaudo.agreements.rules import (
    FREQUENCIES,
    RATE_KINDS,
    PlanError,
    RateAboveCap,
    check_plan_rate,
    periodic_rate,
    plan_totals,
    simulate_plan,
)
from recaudo.core.money import UnknownCurrency, precision, quantize
from recaudo.core.options import add_decimal_option, amount_option
from recaudo.ledger.interest import MissingRate, RatePeriod, RateTable
from recaudo.ledger.rates import has_rate_table, rate_periods


class Command(BaseCommand):
    help = "Simulate an installment plan: due dates, installment, interest, principal and balance."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sim = sub.add_parser("simulate", help="print the schedule of a plan")
        sim.add_argument("--amount", required=True,
                         help="amount owed, es-CO by default: 1.000.000 or 1.250.000,50 (see --decimal)")
        add_decimal_option(sim)
        sim.add_argument("--installments", required=True, help="number of installments (1-600)")
        sim.add_argument("--rate", help="interest rate in percent (1 = 1 %%); omit for a plan without interest")
        sim.add_argument("--rate-kind", choices=RATE_KINDS, help="how --rate is quoted (required with --rate)")
        sim.add_argument("--start", required=True, help="first due date, YYYY-MM-DD")
        sim.add_argument("--frequency", choices=FREQUENCIES, default="monthly")
        sim.add_argument("--due-day", help="day of the month of the later due dates (monthly; default: --start's day)")
        sim.add_argument("--down-payment", default="0",
                         help="paid up front, written like --amount; the plan finances the rest")
        sim.add_argument("--currency", help="ISO 4217 code; default: the country's currency (COP for CO)")
        sim.add_argument(
            "--country", default="CO",
            help="country whose legal cap applies (usury rate in force on --date); default CO",
        )
        sim.add_argument(
            "--date", help="date the agreement is made, YYYY-MM-DD: the cap in force that day applies (default today;"
            " a month not certified yet uses the latest known rate, marked provisional)",
        )
        sim.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **opts):
        if opts["action"] == "simulate":
            self.simulate(opts)

    def simulate(self, opts):
        country = (opts["country"] or "").strip().upper()
        currency = (opts["currency"] or cli.COUNTRY_CURRENCY.get(country, "")).strip().upper()
        if not currency:
            raise CommandError(f"--currency: required for country {country!r}")
        try:
            precision(currency)
        except UnknownCurrency as exc:
            raise CommandError(f"--currency: {exc}")
        amount = amount_option(opts["amount"], "amount", decimal=opts["decimal"], currency=currency)
        down = amount_option(opts["down_payment"], "down_payment", decimal=opts["decimal"], currency=currency)
        start = cli.parse_date(opts["start"], "start")
        made = cli.parse_date(opts["date"], "date") or timezone.localdate()
        installments = _parse_int(opts["installments"], "installments")
        due_day = _parse_int(opts["due_day"], "due_day") if opts["due_day"] is not None else None
        rate_pct = cli.parse_decimal(opts["rate"], "rate")
        rate_kind = opts["rate_kind"]
        if rate_kind is None:
            if rate_pct:
                raise CommandError("--rate-kind: required with --rate (monthly, nominal-annual or effective-annual)")
            rate_kind = "none"
        elif rate_kind != "none" and rate_pct is None:
            raise CommandError(f"--rate: required with --rate-kind {rate_kind}")
        rate = rate_pct / cli.HUNDRED if rate_pct is not None else None

        try:
            with translation.override("en"):  # the command's messages are in English, as its options are
                schedule = simulate_plan(
                    amount=amount, installments=installments, rate=rate, rate_kind=rate_kind, start=start,
                    frequency=opts["frequency"], down_payment=down, currency=currency, due_day=due_day,
                )
                ea = check_plan_rate(rate, rate_kind, None)
                r = periodic_rate(rate, rate_kind, opts["frequency"])
        except PlanError as exc:
            raise CommandError(_with_option(exc))
        cap, cap_period = self.cap(country, made, rate, rate_kind, ea)
        amount, down = quantize(amount, currency), quantize(down, currency)

        totals = plan_totals(schedule)
        financed = amount - down
        if opts["format"] == "json":
            self.stdout.write(cli.dump_json({
                "currency": currency,
                "amount": str(amount),
                "down_payment": str(down),
                "financed": str(financed),
                "frequency": opts["frequency"],
                "rate_kind": rate_kind,
                "periodic_rate": cli.pct_str(r, 10),
                "effective_annual_rate": cli.pct_str(ea, 10),
                "rates_in": "percent",
                "cap": cap,
                "provisional": bool(cap.get("provisional")),
                "installments": [
                    {
                        "number": i.number, "due_date": i.due_date.isoformat(), "installment": str(i.installment),
                        "interest": str(i.interest), "principal": str(i.principal), "balance": str(i.balance),
                    }
                    for i in schedule
                ],
                "total_paid": str(totals["total_paid"] + down),
                "total_interest": str(totals["total_interest"]),
            }))
            return
        money = lambda value: cli.fmt_money(value, currency)  # noqa: E731
        title = (
            f"Plan de pagos: {money(financed)} {currency} en {installments} cuotas ({_FREQ_ES[opts['frequency']]})"
            + (f", cuota inicial {money(down)}" if down else "")
            + (f", tasa {cli.fmt_pct(r, 4)} por periodo ({cli.fmt_pct(ea, 2)} E.A.)" if r else ", sin intereses")
        )
        table = cli.new_table(
            ("N.º", "right"), ("Vence", "left"), ("Cuota", "right"), ("Interés", "right"),
            ("Capital", "right"), ("Saldo", "right"),
        )
        for i in schedule:
            table.add_row(str(i.number), cli.fmt_date(i.due_date), money(i.installment), money(i.interest),
                          money(i.principal), money(i.balance))
        table.columns[1].footer = "Total"
        table.columns[2].footer = money(totals["total_paid"])
        table.columns[3].footer = money(totals["total_interest"])
        table.columns[4].footer = money(totals["total_principal"])
        notes = []
        if cap_period is not None:
            notes.append(
                f"Tope legal {country}: usura {cli.fmt_pct(cap_period.usury_rate)} E.A. en {cap_period.month}"
                f" ({cap_period.source}); la tasa del plan equivale a {cli.fmt_pct(ea)} E.A."
            )
            if cap_period.provisional:
                notes.append(
                    f"PROVISIONAL: la tasa certificada de {cap_period.month} aún no está cargada; se usó la del último"
                    " mes conocido (recaudo rates load)."
                )
        elif r:
            notes.append(f"Sin tabla de tasas legales para {country}: el tope no se verificó.")
        self.stdout.write(cli.render(title, table, *notes), ending="")

    def cap(self, country: str, made, rate, rate_kind: str, ea: Decimal) -> tuple[dict, RatePeriod | None]:
        """Check the plan's E.A. against the usury rate in force on the agreement date; CommandError when above."""
        if not has_rate_table(country):
            return {"checked": False, "country": country}, None
        try:
            period = RateTable(rate_periods(country, made, made)).at(made)
        except MissingRate as exc:
            raise CommandError(
                f"--date: no legal rate for {country} in {exc.month}; load it with `recaudo rates load FILE`"
            )
        label = f"{country} usury rate for {period.month}, {period.source}".rstrip(", ")
        try:
            check_plan_rate(rate, rate_kind, period.usury_rate, label)
        except RateAboveCap as exc:
            raise CommandError(f"--rate: {exc}")
        return {
            "checked": True, "country": country, "date": made.isoformat(), "month": period.month,
            "usury_ea": cli.pct_str(period.usury_rate), "source": period.source, "provisional": period.provisional,
        }, period


_FREQ_ES = {"monthly": "mensual", "semimonthly": "quincenal, días 15 y último del mes", "biweekly": "cada 14 días",
            "weekly": "semanal"}


def _parse_int(value, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise CommandError(f"{cli.option(name)}: not a whole number: {value!r}")


def _with_option(exc: PlanError) -> str:
    return f"{cli.option(exc.field)}: {exc.message}"
