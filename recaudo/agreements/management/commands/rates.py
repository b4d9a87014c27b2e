"""`recaudo rates`: load the monthly legal rates from a CSV file and list them."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from recaudo.agreements import commandline as cli
from recaudo.core.errors import DomainError
from recaudo.ledger.rates import legal_rates, rate_status
from recaudo.ledger.rates_loading import rates_load


class Command(BaseCommand):
    help = (
        "Load the monthly legal rates (CSV: month, bank current rate, usury rate, resolution[, confirmed]; "
        "percent E.A.) and list them. Loading a month that was liquidated with a provisional rate posts the "
        "interest difference as adjusting entries; loading the same file again posts nothing."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = sub.add_parser("load", help="load months from a CSV file")
        load.add_argument("file", help="CSV with a header month,ibc_ea_pct,usury_ea_pct,resolution[,confirmed]")
        load.add_argument("--country", default="CO", help="country of the rates (default CO)")
        show = sub.add_parser("list", help="list the loaded months")
        show.add_argument("--country", default="CO", help="country of the rates (default CO)")
        show.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **opts):
        if opts["action"] == "load":
            self.load(opts)
        else:
            self.list(opts)

    def load(self, opts):
        path = Path(opts["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"FILE: {path} does not exist")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"FILE: cannot read {path}: {exc}")
        try:
            result = rates_load(country=opts["country"], text=text, actor="rates load")
        except DomainError as exc:
            raise CommandError(f"{path}: {exc.message}")
        parts = [f"{len(result.created)} new", f"{len(result.updated)} corrected", f"{len(result.unchanged)} unchanged"]
        self.stdout.write(f"{result.country}: {', '.join(parts)} month(s)"
                          + (f" ({', '.join(result.created + result.updated)})" if result.changed else ""))
        if result.adjusted:
            for slug, adj in result.adjustments.items():
                self.stdout.write(f"{slug}: interest adjusted on {adj['obligations']} obligation(s), net "
                                  f"{adj['amount']:+} {adj['currency']}")
        elif result.changed:
            self.stdout.write("no interest to adjust")

    def list(self, opts):
        country = opts["country"].strip().upper()
        rows = list(legal_rates(country))
        months: dict = {}
        for row in rows:
            months.setdefault(row.valid_from, {})[row.rate_type] = row
        status = rate_status(country, timezone.localdate())
        if opts["format"] == "json":
            self.stdout.write(cli.dump_json({
                "country": country,
                "rates_in": "percent",
                "current_month": status,
                "months": [
                    {"month": f"{start:%Y-%m}", "ibc_ea": _pct(m.get("ibc")), "usury_ea": _pct(m.get("usury")),
                     "resolution": (m.get("usury") or m.get("ibc")).resolution,
                     "confirmed": all(r.confirmed for r in m.values())}
                    for start, m in months.items()
                ],
            }))
            return
        table = cli.new_table(("Mes", "left"), ("IBC % E.A.", "right"), ("Usura % E.A.", "right"),
                              ("Resolución", "left"), ("Confirmada", "left"))
        table.show_footer = False
        for start, m in months.items():
            table.add_row(f"{start:%Y-%m}", _fmt(m.get("ibc")), _fmt(m.get("usury")),
                          (m.get("usury") or m.get("ibc")).resolution,
                          "sí" if all(r.confirmed for r in m.values()) else "no")
        notes = []
        if status is None:
            notes.append(f"Sin tabla de tasas legales para {country}.")
        elif not status["loaded"]:
            notes.append(f"Falta la tasa certificada de {status['month']}: se usa como provisional la de "
                         f"{status['latest']} hasta cargarla (recaudo rates load ARCHIVO).")
        self.stdout.write(cli.render(f"Tasas legales {country}", table, *notes), ending="")


def _pct(row) -> str | None:
    return None if row is None else format(row.rate_ea_pct.normalize(), "f")


def _fmt(row) -> str:
    return "" if row is None else cli.fmt_pct(row.rate_ea_pct / cli.HUNDRED)
