"""recaudo aging --portfolio SLUG [--as-of DATE] [--by portfolio|debtor|obligation] [--format table|json|csv]
[--csv excel|plain]"""

from __future__ import annotations

import io
import json

from django.core.management.base import BaseCommand
from django.utils import translation

from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.reports.formatting import bucket_label, fmt_amount, fmt_date
from recaudo.reports.render import render_aging_csv
from recaudo.reports.selectors import BY_CHOICES, AgingReport, DebtorAgingRow, aging_report

from ._common import add_csv_option, csv_dialect_option, date_or_error, portfolio_or_error


class Command(BaseCommand):
    help = "Aging of a portfolio's receivables as of a date (default: today in the portfolio's time zone)."

    def add_arguments(self, parser):
        parser.add_argument("--portfolio", required=True, help="portfolio slug")
        parser.add_argument("--as-of", dest="as_of", help="date YYYY-MM-DD (default: today in the portfolio)")
        parser.add_argument("--by", choices=BY_CHOICES, default="portfolio")
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
        add_csv_option(parser)

    def handle(self, *args, **options):
        portfolio = portfolio_or_error(options["portfolio"])
        as_of = date_or_error(options["as_of"], "--as-of") or portfolio.today()
        try:
            report = aging_report(portfolio=portfolio, as_of=as_of, by=options["by"])
        except DomainError as exc:
            raise command_error(exc)
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            dialect = csv_dialect_option(options["csv"])
            # The Excel dialect is Colombian Spanish's: its headers and bucket names in Spanish, and a BOM so Excel
            # reads the accents; plain CSV keeps the stable English column keys and no BOM (for programs).
            if dialect.name == "excel":
                with translation.override("es-co"):
                    content = render_aging_csv(report, bom=True, dialect=dialect)
            else:
                content = render_aging_csv(report, bom=False, dialect=dialect)
            self.stdout.write(content.decode("utf-8"), ending="")
        else:
            self.stdout.write(render_table(report), ending="")


def render_table(report: AgingReport) -> str:
    from rich.console import Console
    from rich.table import Table

    cur = report.currency
    title = (f"{report.portfolio.name} · aging as of {fmt_date(report.as_of)} · {cur} "
             f"({report.count} obligations)")
    table = Table(title=title)
    labels = [bucket_label(b) for b in report.buckets]
    if report.by == "portfolio":
        table.add_column("Bucket")
        table.add_column("Obligations", justify="right")
        table.add_column("Amount", justify="right")
        table.add_column("%", justify="right")
        total = report.total_minor
        for label, t in zip(labels, report.totals, strict=True):
            share = f"{100 * t.amount_minor / total:.1f}" if total else "0.0"
            table.add_row(label, str(t.count), fmt_amount(t.amount_minor, cur), share)
        table.add_section()
        table.add_row("Total", str(report.count), fmt_amount(total, cur), "100.0" if total else "0.0")
    elif report.by == "debtor":
        table.add_column("Code")
        table.add_column("Name")
        table.add_column("Total", justify="right")
        for label in labels:
            table.add_column(label, justify="right")
        for row in report.rows:
            if isinstance(row, DebtorAgingRow):
                table.add_row(row.code, row.name, fmt_amount(row.total_minor, cur),
                              *[fmt_amount(a, cur) for a in row.amounts_minor])
        table.add_section()
        table.add_row("", "Total", fmt_amount(report.total_minor, cur),
                      *[fmt_amount(t.amount_minor, cur) for t in report.totals])
    else:
        for name in ("Obligation", "Customer code", "Due", "Days past due", "Balance", "Bucket"):
            table.add_column(name, justify="right" if name in ("Days past due", "Balance") else "left")
        for row in report.rows:
            table.add_row(row.number, row.debtor_code, fmt_date(row.due_date), str(row.days_past_due),
                          fmt_amount(row.balance_minor, cur), labels[row.bucket])
        table.add_section()
        table.add_row("Total", "", "", "", fmt_amount(report.total_minor, cur), "")
    buffer = io.StringIO()
    Console(file=buffer, width=160, color_system=None, force_terminal=False).print(table)
    return buffer.getvalue()
