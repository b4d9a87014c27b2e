"""The `recaudo` console script: Recaudo's commands, and Django's management commands passed through."""

from __future__ import annotations

import os
import sys

COMMANDS = {
    # name on the command line -> (management command, one-line help)
    "demo": ("demo", "create a synthetic demo portfolio and serve the app (--no-serve: prepare only)"),
    "serve": ("serve", "run the web app (migrates first)"),
    "portfolio": ("portfolio", "create, list and show portfolios"),
    "user": ("user", "create users and grant them a role in a portfolio"),
    "import": ("import_data", "import debtors, obligations or payments from CSV/XLSX"),
    "aging": ("aging", "aging of a portfolio as of a date"),
    "statement": ("statement", "statement of account of a debtor (CSV, XLSX, PDF, HTML)"),
    "ledger": ("ledger", "record payments, reverse them, verify cached balances"),
    "compliance": ("compliance", "check whether a contact is allowed now, and when next"),
    "plan": ("plan", "simulate an installment plan"),
    "interest": ("interest", "late-interest liquidation under the legal cap"),
    "outbox": ("outbox", "send queued messages; list the outbox"),
    "cycle": ("cycle", "run the daily collection cycle of a portfolio (--dry-run to preview)"),
    "strategy": ("strategy", "list, export and import collection strategies (YAML)"),
    "worker": ("worker", "run due daily cycles and the message outbox (several may run at once)"),
}

HELP = """usage: recaudo COMMAND [options]

Recaudo: collections and accounts receivable (cobranza y recaudo de cartera).

Commands:
{commands}

Django's management commands pass through too, e.g. `recaudo migrate`, `recaudo createsuperuser`,
`recaudo shell`. Run `recaudo COMMAND --help` for a command's options.

Environment: DATABASE_URL (default SQLite under ./var), RECAUDO_HOME (default ./var), SECRET_KEY, DEBUG,
ALLOWED_HOSTS.
"""


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        width = max(len(name) for name in COMMANDS)
        lines = "\n".join(f"  {name.ljust(width)}  {text}" for name, (_, text) in COMMANDS.items())
        print(HELP.format(commands=lines))
        return
    if argv[0] in ("--version", "version"):
        print("recaudo 0.1.0")
        return
    command = COMMANDS.get(argv[0], (argv[0], ""))[0]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["recaudo", command, *argv[1:]])


if __name__ == "__main__":
    main()
