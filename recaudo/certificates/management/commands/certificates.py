"""recaudo certificates debt --portfolio SLUG [--segment NAME] [--min-days N] [--legal-handoff] [--debtor CODE ...]
--output DIR [--dry-run] · recaudo certificates paz-y-salvo --portfolio SLUG --debtor CODE [--obligation NUMBER]
--output FILE"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recaudo.certificates.exports import debt_batch_files
from recaudo.certificates.pdf import render_certificate_pdf
from recaudo.certificates.rules import code_display
from recaudo.certificates.selectors import certificate_verify_url, debt_batch_debtors
from recaudo.certificates.services import certificate_issue, debt_certificates_issue
from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.portfolio.models import Debtor, Obligation, Portfolio


def _portfolio(slug: str) -> Portfolio:
    portfolio = Portfolio.objects.filter(slug=slug).first()
    if portfolio is None:
        raise CommandError(f"--portfolio: unknown portfolio {slug!r}")
    return portfolio


class Command(BaseCommand):
    help = ("Certificates: a paz y salvo of a debtor (or one obligation), or certificates of debt of a building "
            "(Ley 675 de 2001 art. 48) for legal hand-off, one PDF per debtor plus an index CSV. The verification "
            "URL printed on them starts with RECAUDO_PUBLIC_URL.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        debt = sub.add_parser("debt", help="certificates of debt of the debtors with overdue fees: one PDF each and "
                                           "index.csv in --output")
        debt.add_argument("--portfolio", required=True, help="portfolio slug")
        debt.add_argument("--segment", default="", help="only the debtors the last cycle placed in this segment "
                                                        "(its name)")
        debt.add_argument("--min-days", type=int, default=1, help="only debtors whose oldest overdue fee is at "
                                                                  "least this many days past due (default 1)")
        debt.add_argument("--legal-handoff", action="store_true", help="only debtors marked for legal hand-off")
        debt.add_argument("--debtor", action="append", default=[], help="only this customer code (repeatable)")
        debt.add_argument("--output", required=True, help="folder for the PDFs and index.csv (created if missing)")
        debt.add_argument("--dry-run", action="store_true", help="list who would get one; issue nothing")
        ps = sub.add_parser("paz-y-salvo", help="a paz y salvo of a debtor, or of one obligation")
        ps.add_argument("--portfolio", required=True, help="portfolio slug")
        ps.add_argument("--debtor", required=True, help="customer code")
        ps.add_argument("--obligation", help="obligation number (default: every obligation of the debtor)")
        ps.add_argument("--output", required=True, help="PDF file to write")

    def handle(self, *args, **options):
        portfolio = _portfolio(options["portfolio"])
        if options["action"] == "paz-y-salvo":
            return self._no_debt(portfolio, options)
        return self._debt(portfolio, options)

    def _no_debt(self, portfolio, options):
        debtor = Debtor.objects.filter(portfolio=portfolio, code=options["debtor"]).first()
        if debtor is None:
            raise CommandError(f"--debtor: no debtor with code {options['debtor']!r}")
        obligation = None
        if options["obligation"]:
            obligation = Obligation.objects.filter(debtor=debtor, number=options["obligation"]).first()
            if obligation is None:
                raise CommandError(f"--obligation: the debtor has no obligation {options['obligation']!r}")
        try:
            certificate = certificate_issue(debtor=debtor, obligation=obligation, actor="cli")
        except DomainError as exc:
            raise command_error(exc)
        path = Path(options["output"])
        try:
            path.write_bytes(render_certificate_pdf(certificate, verify_url=certificate_verify_url(certificate)))
        except OSError as exc:
            raise CommandError(f"--output: cannot write {path}: {exc.strerror}")
        self.stdout.write(f"{certificate.label} {code_display(certificate.code)} -> {path}")

    def _debt(self, portfolio, options):
        if options["min_days"] < 1:
            raise CommandError("--min-days: at least 1")
        debtors = debt_batch_debtors(portfolio, as_of=portfolio.today(), min_days=options["min_days"],
                                     segment=options["segment"], legal_handoff=options["legal_handoff"],
                                     codes=options["debtor"])
        if not debtors:
            self.stdout.write("no debtor matches: nothing issued")
            return
        if options["dry_run"]:
            for debtor in debtors:
                self.stdout.write(f"{debtor.code}\t{debtor.name}")
            self.stdout.write(f"{len(debtors)} debtors (dry run: nothing issued)")
            return
        folder = Path(options["output"])
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"--output: cannot create {folder}: {exc.strerror}")
        try:
            certificates = debt_certificates_issue(debtors=debtors, actor="cli")
        except DomainError as exc:
            raise command_error(exc)
        for name, data in debt_batch_files(certificates):
            (folder / name).write_bytes(data)
        self.stdout.write(f"{len(certificates)} certificates of debt ({certificates[0].label}.."
                          f"{certificates[-1].label}) -> {folder}")

