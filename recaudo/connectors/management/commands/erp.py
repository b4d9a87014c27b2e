"""`recaudo erp sync|push|list`: a portfolio's ERP connectors (docs/erp-connectors.md)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from recaudo.connectors.selectors import connector_runs, connectors_of
from recaudo.connectors.services import connector_sync, payments_push
from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.portfolio.models import Portfolio


class Command(BaseCommand):
    help = "Pull from a portfolio's ERP connectors (Alegra, Siigo Nube) and push payments back."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{sync,push,list}")
        sync = sub.add_parser(
            "sync", help="pull open invoices, customers and payments through the import engine",
            description="Pull each active connector of the portfolio (or only --connector): its customers with "
            "open invoices, the open invoices and the payments of the invoices it imported, imported as the "
            "import engine imports files (one validation report per kind; a rejected record rolls the run back "
            "unless the connector imports the valid records). Incremental from the last good run where the ERP "
            "allows; --full reads everything. Example: recaudo erp sync --portfolio pyme")
        push = sub.add_parser(
            "push", help="record Recaudo's payments in the ERP (connectors that push)",
            description="Record in the ERP each part of a payment received in Recaudo on an invoice the connector "
            "imported, since pushing was turned on; each part once (remembered), never a payment that came from "
            "the ERP. Example: recaudo erp push --portfolio pyme")
        listing = sub.add_parser("list", help="the portfolio's connectors and their last runs")
        for p in (sync, push, listing):
            p.add_argument("--portfolio", required=True, metavar="SLUG")
            p.add_argument("--format", default="table", choices=["table", "json"])
        for p in (sync, push):
            p.add_argument("--connector", type=int, metavar="ID", help="only this connector (its id: erp list)")
        sync.add_argument("--full", action="store_true", help="read everything, not only what changed")

    def handle(self, *args, action, portfolio, format, **options):
        try:
            found = Portfolio.objects.get(slug=portfolio)
        except Portfolio.DoesNotExist:
            raise CommandError(f"--portfolio: no portfolio {portfolio!r}") from None
        if action == "list":
            return self._list(found, format)
        connectors = connectors_of(found, connector_id=options.get("connector"), active_only=True)
        if not connectors:
            raise CommandError("--connector: no such active connector in this portfolio" if options.get("connector")
                               else "--portfolio: the portfolio has no active ERP connector")
        runs = []
        failed = False
        for connector in connectors:
            try:
                if action == "sync":
                    run = connector_sync(connector=connector, trigger="command", actor="cli",
                                         full=options.get("full", False))
                else:
                    run = payments_push(connector=connector, trigger="command", actor="cli")
            except DomainError as exc:
                raise command_error(exc) from None
            failed = failed or run.status != "done"
            runs.append({"connector": connector.pk, "name": connector.name, "run": run.pk, "status": run.status,
                         "message": run.message, "counts": run.counts,
                         "imports": [job.pk for job in run.jobs()]})
        if format == "json":
            self.stdout.write(json.dumps(runs, ensure_ascii=False, indent=2))
        else:
            for r in runs:
                self.stdout.write(f"{r['name']} (#{r['connector']}): {r['status']}: {r['message']}")
                if r["imports"]:
                    self.stdout.write("  import reports: " + ", ".join(f"#{i}" for i in r["imports"]))
        if failed:
            raise CommandError("a connector's run did not complete (see above)")

    def _list(self, portfolio, format):
        rows = [{"id": c.pk, "name": c.name, "kind": c.kind, "active": c.active, "push": c.push_payments,
                 "last_sync_at": c.last_sync_at.isoformat() if c.last_sync_at else None,
                 "last_status": c.last_status, "last_error": c.last_error,
                 "next_sync_at": c.next_sync_at.isoformat() if c.next_sync_at else None,
                 "runs": [{"id": r.pk, "action": r.action, "status": r.status, "started_at": r.started_at.isoformat()}
                          for r in connector_runs(c, limit=5)]}
                for c in connectors_of(portfolio)]
        if format == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write("no ERP connector")
        for r in rows:
            self.stdout.write(f"#{r['id']} {r['name']} ({r['kind']}) {'active' if r['active'] else 'inactive'}"
                              f"{', pushes payments' if r['push'] else ''}: last {r['last_status'] or 'never'}"
                              f"{' - ' + r['last_error'] if r['last_error'] else ''}")
