"""`recaudo worker`: runs the daily cycles when due, the outbox, and the queued background tasks (imports)."""

from __future__ import annotations

import json
import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from recaudo.cycle.runner import new_worker_id, worker_tick

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Run due portfolio cycles (at each portfolio's local run time), resume interrupted ones, and send the "
            "outbox. Several workers may run at once. Stop with Ctrl+C or SIGTERM: the cycle in progress stops after "
            "its current chunk and is released (another worker resumes it); the process exits 0.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes (default 5)")
        parser.add_argument("--no-outbox", action="store_true", help="do not process the message outbox")
        parser.add_argument("--worker-id", help="name of this worker (default host:pid:random)")

    def handle(self, *args, once, interval, no_outbox, worker_id, **options):
        worker_id = worker_id or new_worker_id()
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        while not stop.is_set():
            try:
                report = worker_tick(worker_id=worker_id, outbox=not no_outbox, should_stop=stop.is_set)
            except Exception:
                log.exception("worker pass failed")
                report = {"error": True}
            if once:
                self.stdout.write(json.dumps(report, default=str))
                return
            if report.get("runs"):
                for run in report["runs"]:
                    self.stdout.write(f"{run['portfolio']} {run['business_date']}: {run['status']}")
            close_old_connections()  # between passes: drop connections the database closed or that are too old
            stop.wait(interval)
        self.stdout.write("worker stopped")
