"""`recaudo bank import|billing|convenio|references|queue|mapping|gateways`: bank collection files, statements and
billing files (docs/bank-files.md); the payment gateways' sealed secrets (docs/payment-gateways.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recaudo.banking.asobancaria import cents
from recaudo.banking.models import ReferenceKind
from recaudo.banking.selectors import auto_apply_score as auto_apply_score_of
from recaudo.banking.selectors import (
    convenios,
    gateway_accounts_sealing,
    queued_lines,
    reference_kind,
    statement_mappings,
    suggestions_shown,
)
from recaudo.banking.services import (
    IMPORT_LAYOUTS,
    auto_apply_score_set,
    bank_import,
    billing_file_build,
    convenio_save,
    payment_references_assign,
    reference_settings_set,
    statement_mapping_save,
)
from recaudo.banking.services_gateways import gateway_secrets_seal
from recaudo.core.errors import DomainError
from recaudo.core.money import from_minor
from recaudo.core.options import command_error
from recaudo.portfolio.models import Portfolio


class Command(BaseCommand):
    help = "Import bank collection files and bank statements."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True,
                                    metavar="{import,billing,convenio,references,queue,mapping,gateways}")
        run = sub.add_parser(
            "import", help="import an Asobancaria collection file or a bank statement",
            description="Read a bank collection file (Asobancaria 2001 or 1998) or a bank statement (CSV or XLSX "
            "through a saved mapping, OFX, CAMT.053, MT940). A collection file's record order and every lot's and "
            "the file's control counts and totals are checked; any problem refuses the file whole. Each payment "
            "(a statement's credits; its debits are counted and skipped) whose reference names exactly one debtor "
            "(and at most one obligation) is received with the bank's date and a receipt; the others wait for "
            "review. A line already applied or queued by an earlier file is a duplicate and changes nothing. "
            "--layout auto recognises Asobancaria, OFX, CAMT.053, MT940 and XLSX by their content; anything else "
            "is read as CSV through --mapping (or the portfolio's only mapping). Example: recaudo bank import "
            "extracto.csv --portfolio pyme --mapping bancolombia",
        )
        run.add_argument("file", metavar="FILE")
        run.add_argument("--portfolio", required=True, metavar="SLUG")
        run.add_argument("--layout", default="auto", choices=IMPORT_LAYOUTS)
        run.add_argument("--mapping", default="", metavar="NAME",
                         help="the saved column mapping of a CSV or XLSX statement (see `recaudo bank mapping`)")
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
        refs.add_argument("--auto-apply-score", type=int, metavar="N",
                          help="score (1-100) from which a bank line's best suggestion is applied without a person "
                               "(default 90; docs/bank-files.md, Matching)")
        queue = sub.add_parser("queue", help="list the bank lines waiting for review")
        queue.add_argument("--portfolio", required=True, metavar="SLUG")
        mapping = sub.add_parser(
            "mapping", help="create or change a CSV/XLSX statement mapping; without --name, list them",
            description="How a bank's CSV or XLSX statement is laid out. A column is its header's name (accents and "
            "case do not matter) or its 1-based number. Give --amount (one signed column) or --debit and/or "
            "--credit. Options not given keep their value (or their default on a new mapping). Example (Bancolombia: "
            "Fecha,Referencia,Descripcion,Retiros,Consignaciones): recaudo bank mapping --portfolio pyme --name "
            "bancolombia --date Fecha --reference Referencia --description Descripcion --debit Retiros --credit "
            "Consignaciones --separator ';'",
        )
        mapping.add_argument("--portfolio", required=True, metavar="SLUG")
        mapping.add_argument("--name", default="")
        for flag, helptext in (("date", "the booking date's column (required on a new mapping)"),
                               ("description", "the description's column"),
                               ("reference", "the payment reference's column"),
                               ("amount", "the signed amount's column (or --debit/--credit)"),
                               ("debit", "the debits' (money out) column"),
                               ("credit", "the credits' (money in) column"),
                               ("balance", "the balance's column"),
                               ("transaction-id", "the bank's transaction id's column"),
                               ("payer", "the payer's (counterparty's) name column")):
            mapping.add_argument(f"--{flag}", metavar="COLUMN", help=helptext)
        mapping.add_argument("--separator", help="one character (default ','; a tab: '\\t')")
        mapping.add_argument("--encoding", choices=["auto", "utf-8", "windows-1252"],
                             help="default auto: UTF-8 when it is, else Windows-1252")
        mapping.add_argument("--date-format", metavar="FORMAT", help="strptime format (default %%d/%%m/%%Y)")
        mapping.add_argument("--decimal", choices=[",", "."], metavar="SEP",
                             help="decimal separator: ',' or '.' (default ',')")
        mapping.add_argument("--thousands", choices=["", ".", ",", " ", "'"], metavar="SEP",
                             help="thousands separator: '.', ',', ' ', \"'\" or '' for none (default '.')")
        mapping.add_argument("--skip-header-lines", type=int, metavar="N", help="lines before the header row")
        mapping.add_argument("--skip-footer-lines", type=int, metavar="N", help="lines after the movements")
        mapping.add_argument("--no-header", action="store_const", const=False, dest="has_header",
                             help="the file has no header row (columns by number)")
        mapping.add_argument("--header", action="store_const", const=True, dest="has_header")
        mapping.add_argument("--credits-negative", action="store_const", const=True, dest="credits_negative",
                             help="the amount column writes money in as negative")
        mapping.add_argument("--credits-positive", action="store_const", const=False, dest="credits_negative")
        mapping.add_argument("--account", help="the account the statements are of")
        gateways = sub.add_parser(
            "gateways", help="the payment gateway accounts and whether their secrets are sealed; --seal seals them",
            description="Each portfolio's payment gateway accounts: provider, active, and whether the secrets are "
            "sealed (encrypted with RECAUDO_SECRETS_KEY, else a key derived from SECRET_KEY), still plain (saved "
            "before sealing) or unreadable (the keys changed: enter them again on the gateway's page). --seal seals "
            "every plain one now (otherwise each is sealed when it is next saved).",
        )
        gateways.add_argument("--seal", action="store_true", help="seal the secrets still kept plain")

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _gateways(self, *, seal, **_):
        if seal:
            try:
                count = gateway_secrets_seal(actor="cli")
            except DomainError as exc:
                raise command_error(exc)
            self.stdout.write(f"{count} gateway account(s) sealed")
        for row in gateway_accounts_sealing():
            self.stdout.write(f"{row.portfolio} {row.provider}: {'active' if row.active else 'inactive'}, "
                              f"secrets {row.secrets}")

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

    def _references(self, *, portfolio, kind, auto_apply_score=None, **_):
        target = self._portfolio(portfolio)
        try:
            if kind:
                reference_settings_set(portfolio=target, kind=kind, actor="cli")
            if auto_apply_score is not None:
                auto_apply_score_set(portfolio=target, score=auto_apply_score, actor="cli")
            created = payment_references_assign(portfolio=target, actor="cli") \
                if reference_kind(target) == ReferenceKind.GENERATED else 0
        except DomainError as exc:
            raise command_error(exc)
        self.stdout.write(f"payment reference of {target.slug}: {reference_kind(target)}; lines applied by "
                          f"themselves from score {auto_apply_score_of(target)}"
                          + (f"; {created} reference(s) generated" if created else ""))

    def _queue(self, *, portfolio, **_):
        target = self._portfolio(portfolio)
        lines = queued_lines(target)
        for line in lines:
            self.stdout.write(f"{line.bank_date} {line.reference.lstrip('0') or '-':<20} "
                              f"{from_minor(line.amount_minor, target.currency):>16}  {line.reason_text}")
            for shown in suggestions_shown([line])[line.pk]:
                self.stdout.write(f"    {shown['score']:>3}  {shown['debtor_code']} {shown['obligation_number']}  "
                                  f"{shown['reasons']}")
        self.stdout.write(f"{len(lines)} line(s) waiting for review")

    def _mapping(self, *, portfolio, name, **options):
        target = self._portfolio(portfolio)
        if not name:
            for m in statement_mappings(target):
                amount = m.amount_column or f"debit {m.debit_column or '-'} / credit {m.credit_column or '-'}"
                self.stdout.write(f"{m.name}: date {m.date_column}, amount {amount}, reference "
                                  f"{m.reference_column or '-'}, separator {m.separator!r}, date format "
                                  f"{m.date_format}, decimal {m.decimal_separator!r}")
            return
        flags = {"date": "date_column", "description": "description_column", "reference": "reference_column",
                 "amount": "amount_column", "debit": "debit_column", "credit": "credit_column",
                 "balance": "balance_column", "transaction_id": "transaction_id_column", "payer": "payer_column",
                 "separator": "separator", "encoding": "encoding", "date_format": "date_format",
                 "decimal": "decimal_separator", "thousands": "thousands_separator",
                 "skip_header_lines": "header_lines_skip", "skip_footer_lines": "footer_lines_skip",
                 "has_header": "has_header", "credits_negative": "credits_negative", "account": "account"}
        values = {field: options.get(flag) for flag, field in flags.items() if options.get(flag) is not None}
        try:
            saved = statement_mapping_save(portfolio=target, name=name, actor="cli", **values)
        except DomainError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(f"mapping {name!r} not saved ({len(exc.problems)} problem(s))")
        self.stdout.write(f"statement mapping {saved.name} saved")

    def _import(self, *, file, portfolio, layout, convenio, mapping, dry_run, format, **_):
        target = self._portfolio(portfolio)
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"FILE: cannot read {file}: {exc.strerror or exc}")
        try:
            result = bank_import(portfolio=target, content=content, layout=layout, mapping_name=mapping,
                                 convenio_name=convenio, dry_run=dry_run, actor="cli")
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
        if summary["debits_skipped"]:
            self.stdout.write(f"  {'debits skipped':<18} {summary['debits_skipped']:>8}  "
                              f"{cents(summary['debits_skipped_total_cents']):>22}")
        for line in result.lines:
            if line.outcome == "queued":
                self.stdout.write(f"  line {line.line}: {line.reference or '-'} {cents(line.amount_cents)}: "
                                  f"{line.reason}")
