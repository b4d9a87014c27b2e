"""`recaudo bank import FILE --portfolio SLUG`: import a bank collection file (docs/bank-files.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recaudo.banking.asobancaria import LAYOUTS, cents
from recaudo.banking.services import bank_file_import
from recaudo.core.errors import DomainError
from recaudo.portfolio.models import Portfolio


class Command(BaseCommand):
    help = "Import bank collection files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import}")
        run = sub.add_parser(
            "import", help="import an Asobancaria collection file",
            description="Read a bank collection file (Asobancaria 2001 or 1998), check its record order and every "
            "lot's and the file's control counts and totals, and refuse it whole if any disagrees. Then each "
            "payment whose reference names exactly one debtor (and at most one obligation) is received with the "
            "bank's date and a receipt; the others wait for review. A payment already applied or queued by an "
            "earlier file is a duplicate and changes nothing. Example: recaudo bank import recaudo.txt "
            "--portfolio pyme --convenio bancolombia",
        )
        run.add_argument("file", metavar="FILE")
        run.add_argument("--portfolio", required=True, metavar="SLUG")
        run.add_argument("--layout", default="auto", choices=["auto", *LAYOUTS])
        run.add_argument("--convenio", default="", metavar="NAME",
                         help="the collection agreement whose reference layout and codes apply (default: the "
                         "portfolio's one convenio with the file's bank and service code, if any)")
        run.add_argument("--dry-run", action="store_true", help="show what would happen; change nothing")
        run.add_argument("--format", default="table", choices=["table", "json"])

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _import(self, *, file, portfolio, layout, convenio, dry_run, format, **_):
        try:
            target = Portfolio.objects.get(slug=portfolio)
        except Portfolio.DoesNotExist:
            raise CommandError(f"--portfolio: no portfolio with slug {portfolio!r} (see `recaudo portfolio list`)")
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"FILE: cannot read {file}: {exc.strerror or exc}")
        try:
            result = bank_file_import(portfolio=target, content=content, layout=layout, convenio_name=convenio,
                                      dry_run=dry_run, actor="cli")
        except DomainError as exc:
            if format == "json":
                self.stdout.write(json.dumps({"refused": True, "problems": exc.problems}, ensure_ascii=False))
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"{file}: refused whole, nothing applied ({len(exc.problems)} problem(s))")
        summary = result.summary()
        if format == "json":
            summary["lines"] = [vars(line) for line in result.lines]
            self.stdout.write(json.dumps(summary, ensure_ascii=False, default=str))
            return
        title = "DRY RUN (nothing kept): " if dry_run else ""
        self.stdout.write(f"{title}{file}: {result.layout}, bank date {result.bank_date}")
        for label, key in (("read", "read"), ("applied", "applied"), ("queued for review", "queued"),
                           ("duplicates", "duplicate"), ("refused", "refused")):
            total = summary["read_total_cents"] if key == "read" else summary[f"{key}_total_cents"]
            self.stdout.write(f"  {label:<18} {summary[key]:>8}  {cents(total):>22}")
        for line in result.lines:
            if line.outcome == "queued":
                self.stdout.write(f"  line {line.line}: {line.reference or '-'} {cents(line.amount_cents)}: "
                                  f"{line.reason}")
