"""`recaudo retention run`: delete old uploaded import files and blank old message texts (docs/habeas-data.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from recaudo.portfolio.models import Portfolio
from recaudo.privacy.services import retention_run


class Command(BaseCommand):
    help = ("Apply the portfolios' retention settings (retain_import_files_days, retain_message_bodies_days): "
            "delete uploaded import files and blank message texts older than that. Idempotent; run it daily "
            "(the worker does, once a day).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{run}")
        run = sub.add_parser("run", help="apply the retention settings now",
                             description="Delete uploaded import files (and their rejected-rows files) of imports "
                             "finished more than retain_import_files_days ago, keeping each import's report; blank "
                             "the text of messages older than retain_message_bodies_days, keeping channel, "
                             "recipient, dates and status. Set the days with `recaudo privacy SLUG`.")
        run.add_argument("--portfolio", metavar="SLUG", help="only this portfolio (default: all)")
        run.add_argument("--dry-run", action="store_true", help="count what would go, change nothing")

    def handle(self, *args, action, portfolio=None, dry_run=False, **options):
        target = None
        if portfolio:
            target = Portfolio.objects.filter(slug=portfolio).first()
            if target is None:
                raise CommandError(f"no portfolio with slug {portfolio!r} (see `recaudo portfolio list`)")
        for r in retention_run(portfolio=target, actor="cli", dry_run=dry_run):
            verb = "would delete" if dry_run else "deleted"
            self.stdout.write(f"{r.portfolio}: {verb} {r.files_deleted} import files ({r.imports_cleared} imports), "
                              f"{'would blank' if dry_run else 'blanked'} {r.messages_blanked} message texts")
