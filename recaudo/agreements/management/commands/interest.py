"""`recaudo interest`: late-interest liquidation of an overdue principal, line by line, under the legal cap, with
the debtor's payments (interest first, then principal: Código Civil art. 1653)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from recaudo.agreements import commandline as cli
from recaudo.core.money import UnknownCurrency, precision
from recaudo.core.options import add_decimal_option, amount_option
from recaudo.ledger.interest import (
    DEFAULT_METHOD,
    METHODS,
    InvalidPayment,
    LatePayment,
    MissingRate,
    RateError,
    liquidate_late_interest,
)
from recaudo.ledger.rates import has_rate_table, rate_periods


class Command(BaseCommand):
    help = (
        "Late interest on an overdue principal from the day after --due through --as-of: daily rate "
        "(1 + E.A.)^(1/365) - 1 of the rate in force each day, the agreed rate capped at the legal maximum, on the "
        "principal owed each day. A payment dated D pays the interest accrued through D-1, then principal, from D "
        "on. A month whose certified rate is not loaded yet uses the latest known month's, marked provisional."
    )

    def add_arguments(self, parser):
        parser.add_argument("--country", required=True, help="country of the legal rate table, e.g. CO")
        parser.add_argument("--principal", required=True,
                            help="overdue principal, es-CO by default: 10.000.000 or 10.000.000,50 (see --decimal)")
        add_decimal_option(parser)
        parser.add_argument("--due", required=True, help="due date, YYYY-MM-DD (interest starts the day after)")
        parser.add_argument("--as-of", required=True, help="last day of interest, YYYY-MM-DD (inclusive)")
        parser.add_argument(
            "--rate", help="agreed late rate, %% E.A. (25.5 = 25.5 %%); default: the legal maximum (CO: usury)"
        )
        parser.add_argument(
            "--payment", action="append", default=[], metavar="DATE=AMOUNT",
            help="a payment, e.g. 2026-05-10=4.000.000 (amount as --decimal says; repeatable); interest first, "
                 "then principal",
        )
        parser.add_argument("--currency", help="ISO 4217 code; default: the country's currency (COP for CO)")
        parser.add_argument("--method", choices=METHODS, default=DEFAULT_METHOD)
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **opts):
        country = opts["country"].strip().upper()
        currency = (opts["currency"] or cli.COUNTRY_CURRENCY.get(country, "")).strip().upper()
        if not currency:
            raise CommandError(f"--currency: required for country {country!r}")
        try:
            precision(currency)
        except UnknownCurrency as exc:
            raise CommandError(f"--currency: {exc}")
        principal = amount_option(opts["principal"], "principal", decimal=opts["decimal"], currency=currency)
        due = cli.parse_date(opts["due"], "due")
        as_of = cli.parse_date(opts["as_of"], "as_of")
        rate_pct = cli.parse_decimal(opts["rate"], "rate")
        if as_of < due:
            raise CommandError(f"--as-of: {as_of} is before --due {due}")
        payments = [_parse_payment(text, as_of, opts["decimal"], currency) for text in opts["payment"]]
        if not has_rate_table(country):
            raise CommandError(f"--country: no legal rate table for {country}; add its rates in the admin")
        periods = rate_periods(country, due + timedelta(days=1), as_of)
        try:
            liq = liquidate_late_interest(
                principal=principal, due=due, as_of=as_of, currency=currency, periods=periods,
                contract_rate_ea=rate_pct / cli.HUNDRED if rate_pct is not None else None, method=opts["method"],
                payments=payments,
            )
        except InvalidPayment as exc:
            raise CommandError(f"--payment: {exc}")
        except MissingRate as exc:
            raise CommandError(
                f"--due/--as-of: no legal rate for {country} in {exc.month}; "
                "load it with `recaudo rates load FILE` or in the admin (Agreements > Legal rates)"
            )
        except RateError as exc:
            raise CommandError(f"--rate: {exc}")

        capped = [line for line in liq.lines if line.capped]
        if opts["format"] == "json":
            self.stdout.write(cli.dump_json({
                "country": country,
                "currency": currency,
                "principal": str(liq.principal),
                "due": due.isoformat(),
                "as_of": as_of.isoformat(),
                "method": liq.method,
                "contract_rate_ea": cli.pct_str(liq.contract_rate_ea) if liq.contract_rate_ea is not None else None,
                "rates_in": "percent",
                "days": liq.days,
                "lines": [
                    {
                        "from": line.start.isoformat(), "to": line.end.isoformat(), "days": line.days,
                        "base": str(line.base), "rate_ea": cli.pct_str(line.rate_ea),
                        "daily_rate": cli.pct_str(line.daily_rate, 12), "interest": str(line.interest),
                        "usury_ea": cli.pct_str(line.usury_rate), "capped": line.capped, "source": line.source,
                        "confirmed": line.confirmed, "provisional": line.provisional,
                    }
                    for line in liq.lines
                ],
                "payments": [
                    {"date": p.day.isoformat(), "amount": str(p.amount), "to_interest": str(p.to_interest),
                     "to_principal": str(p.to_principal), "unapplied": str(p.unapplied)}
                    for p in liq.payments
                ],
                "total": str(liq.total),
                "interest_accrued": str(liq.interest_accrued),
                "interest_paid": str(liq.interest_paid),
                "interest_owed": str(liq.interest_owed),
                "principal_owed": str(liq.principal_owed),
                "unapplied": str(liq.unapplied),
                "capped": liq.capped,
                "provisional": liq.provisional,
                "provisional_months": list(liq.provisional_months),
            }))
            return

        money = lambda value: cli.fmt_money(value, currency)  # noqa: E731
        agreed = f"tasa pactada {cli.fmt_pct(liq.contract_rate_ea)} E.A." if liq.contract_rate_ea is not None else (
            "sin tasa pactada: máxima legal"
        )
        title = (
            f"Intereses de mora: capital {money(liq.principal)} {currency}, vencido el {cli.fmt_date(due)}, "
            f"corte {cli.fmt_date(as_of)}; {agreed}"
        )
        table = cli.new_table(
            ("Desde", "left"), ("Hasta", "left"), ("Días", "right"), ("Capital (base)", "right"),
            ("Tasa E.A.", "right"), ("Tasa diaria", "right"), ("Interés", "right"), ("Fuente", "left"),
        )
        for line in liq.lines:
            table.add_row(
                cli.fmt_date(line.start), cli.fmt_date(line.end), str(line.days), money(line.base),
                cli.fmt_pct(line.rate_ea) + (" (tope)" if line.capped else ""), cli.fmt_pct(line.daily_rate, 6),
                money(line.interest), _source(line),
            )
        table.columns[0].footer = "Total"
        table.columns[2].footer = str(liq.days)
        table.columns[6].footer = money(liq.total)
        totals = [
            f"Intereses causados: {money(liq.interest_accrued)}",
            f"Intereses pagados: {money(liq.interest_paid)}",
            f"Intereses adeudados: {money(liq.interest_owed)}",
            f"Capital adeudado: {money(liq.principal_owed)}",
        ]
        notes = []
        for p in liq.payments:
            notes.append(
                f"Pago del {cli.fmt_date(p.day)} por {money(p.amount)}: {money(p.to_interest)} a intereses, "
                f"{money(p.to_principal)} a capital" + (f", {money(p.unapplied)} sin aplicar" if p.unapplied else "")
            )
        if not liq.lines:
            notes.append("Sin mora a la fecha de corte.")
        for line in capped:
            notes.append(
                f"La tasa pactada supera el tope legal en {line.start:%Y-%m}: se aplicó la usura, "
                f"{cli.fmt_pct(line.usury_rate)} E.A."
            )
        if liq.provisional:
            notes.append(
                f"PROVISIONAL: la tasa certificada de {', '.join(liq.provisional_months)} aún no está cargada; se usó "
                "la del último mes conocido (recaudo rates load)."
            )
        elif any(not line.confirmed for line in liq.lines):
            notes.append("Hay tasas sin confirmar contra la resolución oficial; verifíquelas antes de cobrar.")
        self.stdout.write(cli.render(title, table, " · ".join(totals), *notes), ending="")


def _source(line) -> str:
    if line.provisional:  # "provisional: <month> <resolution>": the month whose rate stands in
        return line.source
    return line.source + ("" if line.confirmed else " (sin confirmar)")


def _parse_payment(text: str, as_of, decimal: str, currency: str) -> LatePayment:
    day, sep, amount = str(text).partition("=")
    if not sep:
        raise CommandError(f"--payment: expected DATE=AMOUNT, e.g. 2026-05-10=4000000, got {text!r}")
    try:
        day = date.fromisoformat(day.strip())
    except ValueError:
        raise CommandError(f"--payment: not a date: {day.strip()!r} in {text!r} (use YYYY-MM-DD)")
    value = amount_option(amount.strip(), "payment", decimal=decimal, currency=currency, allow_zero=False)
    if day > as_of:
        raise CommandError(f"--payment: {day} is after --as-of {as_of}")
    return LatePayment(day, value)
