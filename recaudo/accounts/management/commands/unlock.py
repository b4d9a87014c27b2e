"""`recaudo unlock`: lift sign-in lockouts (failed attempts counted by django-axes), or list them."""

from __future__ import annotations

from ipaddress import ip_address

from django.core.management.base import BaseCommand, CommandError

from recaudo.accounts.selectors import login_lockouts
from recaudo.accounts.services import login_unlock


class Command(BaseCommand):
    help = ("Lift a sign-in lockout: of an account (from every address) or of an address (every account). "
            "Examples: recaudo unlock ana | recaudo unlock --address 203.0.113.7 | recaudo unlock --list")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="the account to unlock (as typed at sign-in)")
        parser.add_argument("--address", metavar="IP", help="unlock this client address (with USERNAME: only that "
                            "account from that address)")
        parser.add_argument("--list", dest="show_list", action="store_true",
                            help="list the accounts and addresses with recent failed sign-ins, and whether they are "
                            "locked out")

    def handle(self, *args, username=None, address=None, show_list=False, **options):
        if show_list:
            rows = login_lockouts()
            if not rows:
                self.stdout.write("no recent failed sign-ins")
            for row in rows:
                state = "LOCKED" if row["locked"] else "counting"
                self.stdout.write(f"{state:8}  {row['kind']:8}  {row['who']:40}  {row['failures']} failures, "
                                  f"last {row['last']:%Y-%m-%d %H:%M}")
            return
        if not username and not address:
            raise CommandError("name an account (recaudo unlock USERNAME) or an address (--address IP), or --list")
        if address:

            try:
                address = str(ip_address(address.strip()))
            except ValueError:
                raise CommandError(f"--address: {address!r} is not an IP address")
        count = login_unlock(username=username, ip_address=address, actor="cli")
        what = " from ".join(part for part in (username and f"account {username!r}", address) if part)
        if count:
            self.stdout.write(f"unlocked {what} ({count} failed-attempt record{'s' if count != 1 else ''} removed)")
        else:
            self.stdout.write(f"nothing to unlock for {what}: no failed sign-ins recorded")
