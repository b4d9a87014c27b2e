"""`recaudo privacy SLUG`: show or change a portfolio's habeas data settings (docs/habeas-data.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.portfolio.models import Portfolio
from recaudo.privacy.services import privacy_settings_set


def _days(value: str):
    if value in ("keep", "never", ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a number of days (or 'keep')")


class Command(BaseCommand):
    help = "Show or change a portfolio's habeas data settings: agents limited to their debtors, retention."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--agents-see-assigned-only", choices=("on", "off"),
                            help="on: agents see only the debtors assigned to them")
        parser.add_argument("--retain-import-files-days", metavar="DAYS|keep",
                            help="delete uploaded import files this many days after the import ('keep': never)")
        parser.add_argument("--retain-message-bodies-days", metavar="DAYS|keep",
                            help="blank message texts this many days after the message ('keep': never)")

    def handle(self, *args, slug, **options):
        portfolio = Portfolio.objects.filter(slug=slug).first()
        if portfolio is None:
            raise CommandError(f"no portfolio with slug {slug!r} (see `recaudo portfolio list`)")
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
