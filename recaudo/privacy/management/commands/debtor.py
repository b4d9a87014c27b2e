"""`recaudo debtor export|anonymize`: habeas data requests of one debtor (docs/habeas-data.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.portfolio.models import Debtor, Portfolio
from recaudo.privacy.services import debtor_anonymize, debtor_export


def _debtor(slug: str, code: str) -> Debtor:
    portfolio = Portfolio.objects.filter(slug=slug).first()
    if portfolio is None:
        raise CommandError(f"no portfolio with slug {slug!r} (see `recaudo portfolio list`)")
    debtor = Debtor.objects.select_related("portfolio").filter(portfolio=portfolio, code=code).first()
    if debtor is None:
        raise CommandError(f"no debtor with code {code!r} in portfolio {slug!r}")
    return debtor


class Command(BaseCommand):
    help = "Habeas data requests of one debtor: export everything held about them, or anonymize them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{export,anonymize}")
        export = sub.add_parser(
            "export", help="everything held about a debtor, as JSON or PDF (Ley 1581 de 2012, art. 8 a and 14)",
            description="Write everything Recaudo holds about a debtor (contacts and consents, obligations, ledger, "
            "payments, promises, agreements, messages, call notes, audit trail). Recorded in the audit trail. "
            "Example: recaudo debtor export --portfolio pyme --code C00042 --format pdf -o datos.pdf")
        anonymize = sub.add_parser(
            "anonymize", help="remove a debtor's identity everywhere, keep the ledger (Ley 1581 de 2012, art. 8 e)",
            description="Replace the debtor's name, ID, contact values, notes, message texts and the audit trail's "
            "copies of them with 'Anonimizado N'. Obligations, ledger entries and payments stay. Refused while the "
            "debtor owes money or has an open agreement or promise, unless --force.")
        for p in (export, anonymize):
            p.add_argument("--portfolio", required=True, metavar="SLUG")
            p.add_argument("--code", required=True, metavar="CODE", help="the debtor's customer code")
        export.add_argument("--format", choices=("json", "pdf"), default="json")
        export.add_argument("-o", "--output", metavar="FILE", help="file to write (default: standard output, JSON "
                            "only)")
        export.add_argument("--language", choices=("es", "en"), default="es", help="language of the PDF")
        anonymize.add_argument("--reason", required=True, help="why (e.g. the debtor's request of 2026-12-01)")
        anonymize.add_argument("--force", action="store_true",
                               help="anonymize although the debtor owes money or has an open agreement or promise")

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _export(self, *, portfolio, code, format, output, language, **_):
        debtor = _debtor(portfolio, code)
        if format == "pdf" and not output:
            raise CommandError("--format pdf needs -o FILE")
        try:
            export = debtor_export(debtor=debtor, fmt=format, actor="cli", language=language)
        except DomainError as exc:
            raise command_error(exc)
        if not output:
            sys.stdout.write(export.content.decode("utf-8") + "\n")
            return
        try:
            Path(output).write_bytes(export.content)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}")
        rows = sum(len(v) for v in export.data.values() if isinstance(v, list))
        self.stdout.write(f"wrote {output}: debtor {debtor.code}, {rows} records ({format})")

    def _anonymize(self, *, portfolio, code, reason, force, **_):
        debtor = _debtor(portfolio, code)
        try:
            result = debtor_anonymize(debtor=debtor, reason=reason, actor="cli", force=force)
        except DomainError as exc:
            raise command_error(exc)
        counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
        self.stdout.write(f"anonymized debtor {code} -> {result.debtor.code} ({result.debtor.name})"
                          f"{' (forced)' if result.forced else ''}: {counts}")
