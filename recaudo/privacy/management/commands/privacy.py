"""`recaudo privacy SLUG`: show or change a portfolio's habeas data settings; `recaudo privacy requests --portfolio
SLUG`: its habeas data requests (consultations and claims) with the business days left (docs/habeas-data.md)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.portfolio.models import Portfolio
from recaudo.privacy.selectors_requests import STATUS_FILTERS, habeas_queue
from recaudo.privacy.services import privacy_settings_set
from recaudo.privacy.services_requests import habeas_abandoned_close


def _days(value: str):
    if value in ("keep", "never", ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a number of days (or 'keep')")


def _portfolio(slug):
    portfolio = Portfolio.objects.filter(slug=slug).first() if slug else None
    if portfolio is None:
        raise CommandError(f"no portfolio with slug {slug!r} (see `recaudo portfolio list`)")
    return portfolio


class Command(BaseCommand):
    help = ("Show or change a portfolio's habeas data settings (agents limited to their debtors, retention), or "
            "with 'requests' list its habeas data requests: recaudo privacy requests --portfolio SLUG "
            "[--status pending|overdue|open|incomplete|answered|closed|all] [--format table|json] "
            "[--close-abandoned].")

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the portfolio's slug, or 'requests' to list habeas data requests")
        parser.add_argument("--agents-see-assigned-only", choices=("on", "off"),
                            help="on: agents see only the debtors assigned to them")
        parser.add_argument("--retain-import-files-days", metavar="DAYS|keep",
                            help="delete uploaded import files this many days after the import ('keep': never)")
        parser.add_argument("--retain-message-bodies-days", metavar="DAYS|keep",
                            help="blank message texts this many days after the message ('keep': never)")
        parser.add_argument("--portfolio", metavar="SLUG", help="requests: the portfolio")
        parser.add_argument("--status", choices=STATUS_FILTERS, default="pending",
                            help="requests: which ones (default pending: open or waiting to be completed)")
        parser.add_argument("--kind", choices=("consulta", "reclamo"), help="requests: only consultations or claims")
        parser.add_argument("--format", choices=("table", "json"), default="table", help="requests: output format")
        parser.add_argument("--close-abandoned", action="store_true",
                            help="requests: first close the incomplete claims not completed within 2 months")

    def handle(self, *args, slug, **options):
        if slug == "requests":
            return self._requests(options)
        portfolio = _portfolio(slug)
        changes = {}
        if options["agents_see_assigned_only"]:
            changes["agents_see_assigned_only"] = options["agents_see_assigned_only"] == "on"
        for name in ("retain_import_files_days", "retain_message_bodies_days"):
            if options[name] is not None:
                changes[name] = _days(options[name])
        if changes:
            try:
                portfolio = privacy_settings_set(portfolio=portfolio, actor="cli", **changes)
            except DomainError as exc:
                raise command_error(exc)
        keep = lambda v: "keep" if v is None else f"{v} days"  # noqa: E731
        self.stdout.write(f"{portfolio.slug}: agents see assigned only: "
                          f"{'on' if portfolio.agents_see_assigned_only else 'off'}; import files: "
                          f"{keep(portfolio.retain_import_files_days)}; message texts: "
                          f"{keep(portfolio.retain_message_bodies_days)}")

    def _requests(self, options):
        if not options["portfolio"]:
            raise CommandError("--portfolio: say which portfolio's requests to list")
        portfolio = _portfolio(options["portfolio"])
        if options["close_abandoned"]:
            try:
                closed = habeas_abandoned_close(portfolio=portfolio, actor="cli")
            except DomainError as exc:
                raise command_error(exc)
            if options["format"] == "table":
                self.stdout.write(f"closed as abandoned: {len(closed)}")
        today = portfolio.today()
        rows = habeas_queue(portfolio, today=today, status=options["status"], kind=options["kind"] or "")
        if options["format"] == "json":
            self.stdout.write(json.dumps({"portfolio": portfolio.slug, "today": today.isoformat(),
                                          "requests": [r.as_json() for r in rows]}, ensure_ascii=False, indent=2))
            return
        header = ("number", "debtor", "kind", "status", "received", "due", "days left")
        table = [header] + [
            (r.request.number, r.request.debtor.code, r.request.kind, r.request.status,
             r.request.received_on.isoformat(), r.request.due_on.isoformat() + (" (ext)" if r.request.extended else ""),
             "-" if r.days_left is None else (f"{r.days_late} late" if r.overdue else str(r.days_left)))
            for r in rows]
        widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
        for row in table:
            self.stdout.write("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        self.stdout.write(f"{len(rows)} request(s), {sum(r.overdue for r in rows)} overdue; days are business days "
                          f"to the due date ({portfolio.country} holidays), today {today.isoformat()}")
