"""`recaudo outbox process|list`: send queued messages; list a portfolio's outbox."""

from __future__ import annotations

import os
import signal
import socket
import time

from django.core.management.base import BaseCommand, CommandError

from recaudo.communications.models import Message
from recaudo.cycle.outbox import outbox_process
from recaudo.portfolio.models import Portfolio


class Command(BaseCommand):
    help = "Send queued messages (process); list a portfolio's outbox (list)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        process = sub.add_parser("process", help="send due messages (loops until stopped; --once: one pass)")
        process.add_argument("--once", action="store_true", help="one pass over the due messages, then exit")
        process.add_argument("--limit", type=int, default=500, help="messages per pass (default 500)")
        process.add_argument("--batch-size", type=int, default=100, help="messages claimed at a time")
        process.add_argument("--sleep", type=float, default=5.0, help="seconds between passes when idle")
        process.add_argument("--worker", default="", help="worker name (default host:pid)")
        listing = sub.add_parser("list", help="the outbox of a portfolio, newest first")
        listing.add_argument("--portfolio", required=True, help="portfolio slug")
        listing.add_argument("--status", choices=[s for s, _ in Message.Status.choices])
        listing.add_argument("--channel")
        listing.add_argument("--limit", type=int, default=50)

    def handle(self, *args, action, **options):
        if action == "process":
            return self.process(**options)
        return self.list(**options)

    def process(self, *, once, limit, batch_size, sleep, worker, **_):
        if limit <= 0:
            raise CommandError("--limit must be positive")
        worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        stop = {"now": False}

        def _stop(*_args):
            stop["now"] = True

        signal.signal(signal.SIGTERM, _stop)
        while True:
            stats = outbox_process(limit=limit, worker_id=worker, batch_size=batch_size)
            if stats["claimed"] or once:
                self.stdout.write(" ".join(f"{k}={v}" for k, v in stats.items()))
            if once or stop["now"]:
                return
            if not stats["claimed"]:
                try:
                    time.sleep(sleep)
                except KeyboardInterrupt:
                    return

    def list(self, *, portfolio, status, channel, limit, **_):
        try:
            p = Portfolio.objects.get(slug=portfolio)
        except Portfolio.DoesNotExist:
            raise CommandError(f"no portfolio {portfolio!r}")
        qs = Message.objects.filter(portfolio=p).select_related("debtor").order_by("-created_at", "-id")
        if status:
            qs = qs.filter(status=status)
        if channel:
            qs = qs.filter(channel=channel)
        rows = list(qs[:limit])
        if not rows:
            self.stdout.write("no messages")
            return
        for m in rows:
            when = m.sent_at or m.next_attempt_at
            error = f"  {m.last_error[:80]}" if m.last_error else ""
            self.stdout.write(f"{m.pk:>7}  {m.status:<9} {m.channel:<8} {m.debtor.code:<12} {m.to[:30]:<30} "
                              f"{m.template_code:<16} att={m.attempts} {when:%Y-%m-%d %H:%M}{error}")
