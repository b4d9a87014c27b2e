"""The `recaudo` console script: Recaudo's commands, and Django's management commands passed through."""

from __future__ import annotations

import os
import sys
from pathlib import Path

COMMANDS = {
    # name on the command line -> (management command, one-line help)
    "demo": ("demo", "create a synthetic demo portfolio and serve the app (--no-serve: prepare only)"),
    "serve": ("serve", "run the web app (migrates first)"),
    "portfolio": ("portfolio", "create, list and show portfolios"),
    "user": ("user", "create users and grant them a role in a portfolio"),
    "api-token": ("api_token", "create, list and revoke tokens of the REST API (/api/v1/)"),
    "unlock": ("unlock", "lift a sign-in lockout of an account or an address (--list: who is locked out)"),
    "import": ("import_data", "import debtors, obligations or payments from CSV/XLSX"),
    "aging": ("aging", "aging of a portfolio as of a date"),
    "statement": ("statement", "statement of account of a debtor (CSV, XLSX, PDF, HTML)"),
    "certificates": ("certificates", "issue a paz y salvo, or certificates of debt of a building in a batch (PDFs + "
                     "index CSV)"),
    "ledger": ("ledger", "record payments, reverse them, verify cached balances"),
    "bank": ("bank", "import a bank collection file (Asobancaria 2001/1998): payments applied or queued for review"),
    "erp": ("erp", "ERP connectors (Alegra, Siigo Nube): pull invoices, customers and payments; push payments back"),
    "compliance": ("compliance", "check whether a contact is allowed now, and when next"),
    "plan": ("plan", "simulate an installment plan"),
    "interest": ("interest", "late-interest liquidation under the legal cap"),
    "rates": ("rates", "load and list the monthly legal rates (CO: bank current and usury rates)"),
    "outbox": ("outbox", "send queued messages; list the outbox"),
    "cycle": ("cycle", "run the daily collection cycle of a portfolio (--dry-run to preview)"),
    "strategy": ("strategy", "list, export and import collection strategies (YAML)"),
    "debtor": ("debtor", "habeas data: export everything held about a debtor (JSON/PDF), or anonymize them"),
    "privacy": ("privacy", "show or change a portfolio's habeas data settings (agents' scope, retention)"),
    "retention": ("retention", "delete old uploaded import files and blank old message texts (run daily)"),
    "risk": ("risk", "payment prediction: train, score, backtest; credit limits and the monthly review"),
    "webhooks": ("webhooks", "outgoing webhooks: list subscriptions and deliveries, deliver, redeliver"),
    "worker": ("worker", "run due daily cycles and the message outbox (several may run at once)"),
}

HELP = """usage: recaudo COMMAND [options]

Recaudo: collections and accounts receivable (cobranza y recaudo de cartera).

Commands:
{commands}

Django's management commands pass through too, e.g. `recaudo migrate`, `recaudo createsuperuser`,
`recaudo shell`. Run `recaudo COMMAND --help` for a command's options.

Environment: DATABASE_URL (default SQLite under ./var), RECAUDO_HOME (default ./var), SECRET_KEY, DEBUG,
ALLOWED_HOSTS, RECAUDO_HTTPS, RECAUDO_PROXY_SSL_HEADER, RECAUDO_SESSION_MINUTES, RECAUDO_WEB_WORKERS,
RECAUDO_CACHE_URL, RECAUDO_S3_BUCKET, RECAUDO_LOGIN_FAILURES, RECAUDO_LOGIN_COOLOFF_MINUTES, RECAUDO_TRUSTED_PROXIES,
RECAUDO_REQUIRE_2FA (see README).

Every command but migrate, demo and serve needs an existing, migrated database: when there is none (run from
another folder without RECAUDO_HOME, say) it says where it looked, in one line, and exits with status 2. An error
the database raises while a command runs (a refused amount, a lost connection) is one line too, status 1.
"""


# Commands that run without an existing Recaudo database: those that create or migrate it (and so may create
# RECAUDO_HOME), and Django's tools that need no data and sign nothing. Every other command first checks the
# database (database_problem) and, when there is none, says so in one line instead of a traceback; then it takes the
# installation's SECRET_KEY from the database. A command here keeps settings' throwaway key (unless SECRET_KEY is in
# the environment), so `shell` is not one: a portal link or a password-reset token made in it must be one the
# server accepts.
CREATES_DATABASE = {"migrate", "demo", "serve"}
NO_DATABASE = {
    "check", "collectstatic", "compilemessages", "makemessages", "makemigrations", "squashmigrations",
    "optimizemigration", "sqlmigrate", "showmigrations", "diffsettings", "dbshell", "test", "testserver",
    "startapp", "startproject", "sendtestemail", "createcachetable",
}
EXIT_NO_DATABASE = 2
EXIT_DATABASE_ERROR = 1


def database_problem() -> str | None:
    """Why the configured database cannot serve a command (one line), or None when it is there and migrated."""
    from django.conf import settings
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    db = settings.DATABASES["default"]
    sqlite = db["ENGINE"] == "django.db.backends.sqlite3"
    if sqlite:
        where = str(db["NAME"])
        fix = ("set DATABASE_URL to the database to use" if settings.DATABASE_URL_GIVEN
               else "set RECAUDO_HOME to the folder that holds it")
        fix += ", or create it with `recaudo migrate`"
        if where != ":memory:" and not where.startswith("file:") and not Path(where).is_file():
            return f"no Recaudo database at {where}: {fix}"
    else:
        where = f"{db['ENGINE'].rsplit('.', 1)[-1]}://{db.get('USER') or ''}@{db.get('HOST') or ''}"
        where += f":{db['PORT']}/{db['NAME']}" if db.get("PORT") else f"/{db['NAME']}"
        fix = "create it with `recaudo migrate` (or set DATABASE_URL to the database to use)"
    try:
        connection.ensure_connection()
        tables = connection.introspection.table_names()
        if "django_migrations" not in tables:
            return f"no Recaudo database at {where} (it has no Recaudo tables): {fix}"
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        reason = " ".join(str(exc).strip().splitlines()[:1]) or type(exc).__name__
        return f"cannot open the Recaudo database at {where}: {reason} (check DATABASE_URL)"
    if pending:
        count = f"{len(pending)} migration{'s' if len(pending) > 1 else ''} not applied"
        return f"the Recaudo database at {where} is not up to date ({count}): run `recaudo migrate`"
    return None


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
    from django.db import DatabaseError

    from recaudo import SettingError

    try:
        if command not in CREATES_DATABASE | NO_DATABASE:
            needs_database(command, argv[1:])
        from django.core.management import execute_from_command_line

        execute_from_command_line(["recaudo", command, *argv[1:]])
    except SettingError as exc:  # a bad environment variable: one line, not a traceback
        sys.stderr.write(f"recaudo: {exc}\n")
        raise SystemExit(EXIT_NO_DATABASE)
    except DatabaseError as exc:  # a check constraint, a lost connection, a deadlock: one line, not a traceback
        from recaudo.core.dberrors import database_message

        sys.stderr.write(f"recaudo: {database_message(exc)}\n")
        raise SystemExit(EXIT_DATABASE_ERROR)


def needs_database(command: str, args: list[str]) -> None:
    """Before a command that works on Recaudo's data: stop with one line on stderr when its database is missing,
    unmigrated or unreachable, without creating RECAUDO_HOME on the way; create RECAUDO_HOME once it is found
    (a PostgreSQL installation may not have one yet: it holds the secret key and the file cache)."""
    import django
    from django.conf import settings

    if settings.configured:  # called in-process by tests, with their own database: nothing to check
        return
    os.environ["RECAUDO_NO_CREATE_HOME"] = "1"
    try:
        django.setup()
    finally:
        del os.environ["RECAUDO_NO_CREATE_HOME"]
    from django.core.management import get_commands

    if command not in get_commands() or "-h" in args or "--help" in args:
        return  # Django's own message for an unknown command; help needs no database
    problem = database_problem()
    if problem:
        sys.stderr.write(f"recaudo: {problem}\n")
        raise SystemExit(EXIT_NO_DATABASE)
    settings.HOME.mkdir(parents=True, exist_ok=True)
    from recaudo.core.secret import use_installation_secret_key

    use_installation_secret_key()  # the installation's key, the same in every process (recaudo.core.secret)


if __name__ == "__main__":
    main()
