"""recaudo snapshots write|backfill --portfolio SLUG ...: the analytics' daily history."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from recaudo.analytics.services import snapshot_backfill, snapshot_write
from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.reports.management.commands._common import date_or_error, portfolio_or_error


class Command(BaseCommand):
    help = ("The analytics' daily snapshots (balance and counts per aging bucket, per segment and per agent; the "
            "day's credit sales and collections; the month-end roll between buckets). The daily cycle writes "
            "each day's; `write` writes one day again, `backfill` rebuilds a range from the ledger.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        write = sub.add_parser("write", help="write (or rewrite) one day's snapshot")
        write.add_argument("--portfolio", required=True)
        write.add_argument("--day", help="YYYY-MM-DD (default: today in the portfolio)")
        back = sub.add_parser("backfill", help="rebuild every day of a range from the ledger")
        back.add_argument("--portfolio", required=True)
        back.add_argument("--from", dest="start", required=True, help="first day YYYY-MM-DD")
        back.add_argument("--to", dest="end", help="last day YYYY-MM-DD (default: today in the portfolio)")

    def handle(self, *args, **options):
        portfolio = portfolio_or_error(options["portfolio"])
        try:
            if options["action"] == "write":
                day = date_or_error(options["day"], "--day") or portfolio.today()
                result = snapshot_write(portfolio=portfolio, day=day, actor="cli")
                self.stdout.write(f"{portfolio.slug} {day.isoformat()}: {result['buckets']} buckets, "
                                  f"receivables {result['receivables_minor']} (minor units)")
            else:
                start = date_or_error(options["start"], "--from")
                end = date_or_error(options["end"], "--to") or portfolio.today()
                days = snapshot_backfill(portfolio=portfolio, start=start, end=end, actor="cli")
                self.stdout.write(f"{portfolio.slug}: {days} days written")
        except DomainError as exc:
            raise command_error(exc)
