"""recaudo statement --portfolio SLUG --debtor CODE [--from D] [--to D] [--format csv|xlsx|pdf|html] [--csv excel|plain]
[--output FILE]"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.portfolio.models import Debtor
from recaudo.reports.render import STATEMENT_FORMATS, render_statement, statement_filename, statement_language
from recaudo.reports.statements import statement_for

from ._common import add_csv_option, csv_dialect_option, date_or_error, portfolio_or_error


class Command(BaseCommand):
    help = "Statement of account of a debtor: every movement with a running balance (CSV, XLSX, PDF or HTML)."

    def add_arguments(self, parser):
        parser.add_argument("--portfolio", required=True, help="portfolio slug")
        parser.add_argument("--debtor", required=True, help="customer code")
        parser.add_argument("--from", dest="start", help="first date YYYY-MM-DD (default: the first movement)")
        parser.add_argument("--to", dest="end", help="last date YYYY-MM-DD (default: the last movement)")
        parser.add_argument("--format", choices=STATEMENT_FORMATS, default="pdf")
        add_csv_option(parser)
        parser.add_argument("--language", choices=("es", "en"), help="default: the debtor's language (else es)")
        parser.add_argument("--output", "-o", help="file to write; '-' = standard output (default: "
                            "estado-de-cuenta-CODE-DATE.FORMAT in the current folder)")

    def handle(self, *args, **options):
        portfolio = portfolio_or_error(options["portfolio"])
        debtor = Debtor.objects.filter(portfolio=portfolio, code=options["debtor"]).first()
        if debtor is None:
            raise CommandError(f"no debtor with code {options['debtor']!r} in portfolio {portfolio.slug!r}")
        start = date_or_error(options["start"], "--from")
        end = date_or_error(options["end"], "--to")
        try:
            statement = statement_for(debtor=debtor, start=start, end=end)
        except DomainError as exc:  # the statement's "start" is this command's --from
            raise command_error(exc, "from" if exc.field == "start" else None)
        language = {"en": "en", "es": "es-co"}.get(options["language"] or "", statement_language(debtor))
        fmt = options["format"]
        content = render_statement(statement, fmt, language, csv_dialect=csv_dialect_option(options["csv"]))
        output = options["output"] or statement_filename(statement, fmt)
        if output == "-":
            if fmt in ("csv", "html"):
                self.stdout.write(content.decode("utf-8"), ending="")
            else:
                sys.stdout.buffer.write(content)
            return
        path = Path(output)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}")
        self.stderr.write(f"{path} ({len(statement.lines)} movements, {len(content):,} bytes)")
