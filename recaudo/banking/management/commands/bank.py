"""`recaudo bank import|billing|convenio|references|queue`: bank collection and billing files (docs/bank-files.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recaudo.banking.asobancaria import LAYOUTS, cents
from recaudo.banking.models import ReferenceKind
from recaudo.banking.selectors import convenios, queued_lines, reference_kind
from recaudo.banking.services import (
    bank_file_import,
    billing_file_build,
    convenio_save,
    payment_references_assign,
    reference_settings_set,
)
from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor
from recaudo.core.options import command_error
from recaudo.portfolio.models import Portfolio


class Command(BaseCommand):
    help = "Import bank collection files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,billing,convenio,references,queue}")
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
        bill = sub.add_parser(
            "billing", help="write the billing file (company -> bank) of a convenio",
            description="Every open obligation with a balance, with its main reference by the convenio's layout, its "
            "due date and balance, in the Asobancaria 2001 billing layout (220 characters). Obligations whose "
            "reference cannot be written in digits are left out and listed on standard error.",
        )
        bill.add_argument("--portfolio", required=True, metavar="SLUG")
        bill.add_argument("--convenio", required=True, metavar="NAME")
        bill.add_argument("--output", metavar="FILE", help="default: standard output")
        conv = sub.add_parser(
            "convenio", help="create or change a collection agreement (convenio); without --name, list them",
            description="A convenio with a bank: its Asobancaria bank code, account, the company's NIT and the "
            "service code as the files carry them, and the layout of the main reference as JSON segments. "
            "Example: recaudo bank convenio --portfolio pyme --name bancolombia --bank 007 --service "
            "7709998000011 --layout '[{\"field\": \"obligation_number\", \"start\": 37, \"length\": 12}]'",
        )
        conv.add_argument("--portfolio", required=True, metavar="SLUG")
        conv.add_argument("--name", default="")
        conv.add_argument("--bank", default="", metavar="CODE", help="Asobancaria bank code (007 Bancolombia...)")
        conv.add_argument("--account", default="")
        conv.add_argument("--account-type", default="")
        conv.add_argument("--nit", default="", help="the company's NIT as the file header carries it")
        conv.add_argument("--service", default="", help="service code (EAN-13 or NIT) of the lots")
        conv.add_argument("--layout", default="[]", metavar="JSON",
                          help="segments of the main reference: [{\"field\", \"start\", \"length\"}...]")
        refs = sub.add_parser(
            "references", help="choose what the portfolio's payment reference is; generate missing references",
            description="Without --kind, show the setting. --kind generated gives every debtor and obligation "
            "without one a generated reference (a number and its Luhn check digit); run it again after imports.",
        )
        refs.add_argument("--portfolio", required=True, metavar="SLUG")
        refs.add_argument("--kind", choices=ReferenceKind.values)
        queue = sub.add_parser("queue", help="list the bank lines waiting for review")
        queue.add_argument("--portfolio", required=True, metavar="SLUG")

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    @staticmethod
    def _portfolio(slug):
        try:
            return Portfolio.objects.get(slug=slug)
        except Portfolio.DoesNotExist:
            raise CommandError(f"--portfolio: no portfolio with slug {slug!r} (see `recaudo portfolio list`)")

    def _convenio(self, *, portfolio, name, bank, account, account_type, nit, service, layout, **_):
        target = self._portfolio(portfolio)
        if not name:
            for c in convenios(target):
                self.stdout.write(f"{c.name}: bank {c.bank_code} account {c.account_number or '-'} NIT "
                                  f"{c.company_nit or '-'} service {c.service_code or '-'} layout "
                                  f"{json.dumps(c.reference_layout)}")
            return
        try:
            segments = json.loads(layout)
        except ValueError as exc:
            raise CommandError(f"--layout: not JSON: {exc}")
        try:
            saved = convenio_save(portfolio=target, name=name, bank_code=bank, account_number=account,
                                  account_type=account_type, company_nit=nit, service_code=service,
                                  reference_layout=segments, actor="cli")
        except DomainError as exc:
            raise command_error(exc, {"bank_code": "bank", "company_nit": "nit", "service_code": "service",
                                      "reference_layout": "layout", "account_number": "account"}.get(exc.field))
        self.stdout.write(f"convenio {saved.name} saved")

    def _billing(self, *, portfolio, convenio, output, **_):
        target = self._portfolio(portfolio)
        try:
            built = billing_file_build(portfolio=target, convenio_name=convenio, actor="cli")
        except DomainError as exc:
            raise command_error(exc)
        for line in built.skipped:
            self.stderr.write(f"left out: {line}")
        if output:
            try:
                Path(output).write_bytes(built.text.encode("cp1252", errors="replace"))
            except OSError as exc:
                raise CommandError(f"--output: cannot write {output}: {exc.strerror or exc}")
            self.stdout.write(f"{output}: {built.obligations} obligation(s), {cents(built.total_cents)}; "
                              f"{len(built.skipped)} left out")
        else:
            self.stdout.write(built.text, ending="")

    def _references(self, *, portfolio, kind, **_):
        target = self._portfolio(portfolio)
        try:
            if kind:
                reference_settings_set(portfolio=target, kind=kind, actor="cli")
            created = payment_references_assign(portfolio=target, actor="cli") \
                if reference_kind(target) == ReferenceKind.GENERATED else 0
        except DomainError as exc:
            raise command_error(exc)
        self.stdout.write(f"payment reference of {target.slug}: {reference_kind(target)}"
                          + (f"; {created} reference(s) generated" if created else ""))

    def _queue(self, *, portfolio, **_):
        target = self._portfolio(portfolio)
        lines = queued_lines(target)
        for line in lines:
            self.stdout.write(f"{line.bank_date} {line.reference.lstrip('0') or '-':<20} "
                              f"{from_minor(line.amount_minor, target.currency):>16}  {line.reason}")
        self.stdout.write(f"{len(lines)} line(s) waiting for review")

    def _import(self, *, file, portfolio, layout, convenio, dry_run, format, **_):
        target = self._portfolio(portfolio)
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
