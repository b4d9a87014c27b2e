"""`recaudo cycle run --portfolio SLUG [--date D] [--dry-run] [--format json]`: the daily cycle of a portfolio."""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from recaudo.core.money import precision
from recaudo.cycle.runner import cycle_run
from recaudo.cycle.wording import reason_text
from recaudo.portfolio.models import Portfolio


class Command(BaseCommand):
    help = ("Run the daily cycle of a portfolio: aging, segments, priorities, the step due per debtor, the "
            "compliance check, messages and agent tasks. Runs once per business date; --dry-run writes nothing.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="run (or preview with --dry-run) the cycle of one portfolio")
        run.add_argument("--portfolio", required=True, help="portfolio slug")
        run.add_argument("--date", help="business date YYYY-MM-DD (default: today in the portfolio's time zone)")
        run.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
        run.add_argument("--format", choices=["table", "json"], default="table")
        run.add_argument("--limit", type=int, default=50, help="debtors listed, highest priority first (default 50)")

    def handle(self, *args, action, portfolio, date: str | None, dry_run, format, limit, **options):
        try:
            p = Portfolio.objects.get(slug=portfolio)
        except Portfolio.DoesNotExist:
            raise CommandError(f"--portfolio: no portfolio {portfolio!r}")
        business_date = None
        if date:
            try:
                business_date = _parse_date(date)
            except ValueError:
                raise CommandError(f"--date: not a date: {date!r} (use YYYY-MM-DD)")
        result = cycle_run(portfolio=p, business_date=business_date, dry_run=dry_run, collect=max(limit, 0))
        minor = 10 ** precision(p.currency)
        if format == "json":
            self.stdout.write(json.dumps(result.as_json(minor), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{p.slug} {result.business_date} {'dry run' if dry_run else result.status}")
        for key, value in sorted(result.counts.items()):
            self.stdout.write(f"  {key}: {value}")
        for row in result.rows:
            what = f"{row.step_key} {row.channel} {row.template}".strip() if row.step else "-"
            self.stdout.write(f"  {row.debtor_name[:30]:30} {row.outcome:8} {what:40} {reason_text(row.reason)[:60]} "
                              f"[{row.priority.explain('en', minor) if row.priority else ''}]")


def _parse_date(text: str) -> date:
    return date.fromisoformat(text.strip())
