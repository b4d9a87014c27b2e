"""recaudo kpis --portfolio SLUG [--from DATE] [--to DATE] [--by segment|agent|channel] [--format table|json]"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand

from recaudo.analytics.selectors import BY_CHOICES, KpiReport, kpi_report
from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.reports.formatting import fmt_amount, fmt_date
from recaudo.reports.management.commands._common import date_or_error, portfolio_or_error


class Command(BaseCommand):
    help = ("Collection KPIs of a portfolio over a period (default: the last 30 days up to today), read from the "
            "daily snapshots: DSO (standard and countback), best possible DSO, average days delinquent, CEI, "
            "recovery, cure, promise-kept, agreement compliance, right-party contact and contact-to-promise rates, "
            "with a 30-day cash forecast; --by breaks them down by segment, agent or channel.")

    def add_arguments(self, parser):
        parser.add_argument("--portfolio", required=True, help="portfolio slug")
        parser.add_argument("--from", dest="start", help="first day YYYY-MM-DD (default: 29 days before --to)")
        parser.add_argument("--to", dest="end", help="last day YYYY-MM-DD (default: today in the portfolio)")
        parser.add_argument("--by", choices=BY_CHOICES)
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args, **options):
        portfolio = portfolio_or_error(options["portfolio"])
        end = date_or_error(options["end"], "--to") or portfolio.today()
        start = date_or_error(options["start"], "--from") or end - timedelta(days=29)
        try:
            report = kpi_report(portfolio=portfolio, start=start, end=end, by=options["by"])
        except DomainError as exc:
            raise command_error(exc)
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_table(report), ending="")


def _value(value, unit: str, currency: str) -> str:
    if value is None:
        return "-"
    if unit == "minor":
        return fmt_amount(int(value), currency)
    if unit == "percent":
        return f"{value} %"
    if unit == "days":
        return f"{value} d"
    if unit == "score":
        return f"{value} / 5"
    return str(value)


def render_table(report: KpiReport) -> str:
    from rich.console import Console
    from rich.table import Table

    cur = report.portfolio.currency
    table = Table(title=f"{report.portfolio.name} · KPIs {fmt_date(report.start)} - {fmt_date(report.end)} · {cur}")
    table.add_column("KPI")
    table.add_column("Value", justify="right")
    table.add_column("Formula")
    for k in report.kpis:
        table.add_row(k.label, _value(k.value, k.unit, cur), k.formula)
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, color_system=None, force_terminal=False)
    console.print(table)
    if report.rows:
        rows = Table(title=f"by {report.by}")
        rows.add_column(report.by or "")
        for c in report.columns:
            rows.add_column(c, justify="right" if c != "template" else "left")
        for r in report.rows:
            cells = []
            for c in report.columns:
                v = r.get(c)
                cells.append(fmt_amount(v, cur) if c.endswith("_minor") else
                             (f"{v} %" if isinstance(v, Decimal) else ("-" if v is None else str(v))))
            rows.add_row(str(r["name"]), *cells)
        console.print(rows)
    if report.forecast:
        fc = Table(title="cash forecast (next 30 days)")
        fc.add_column("date")
        fc.add_column("due", justify="right")
        fc.add_column("expected", justify="right")
        for d, (due, expected) in report.forecast.items():
            fc.add_row(fmt_date(d), fmt_amount(due, cur), fmt_amount(expected, cur))
        console.print(fc)
    return buffer.getvalue()
