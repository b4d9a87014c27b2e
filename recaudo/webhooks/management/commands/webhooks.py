"""`recaudo webhooks list|deliveries|deliver|redeliver`: a portfolio's outgoing webhooks and their delivery log; one
pass of the dispatcher and the deliveries (the worker does it on every tick); send a delivery again
(docs/webhooks.md)."""

from __future__ import annotations

import os
import socket

from django.core.management.base import BaseCommand, CommandError

from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.portfolio.models import Portfolio
from recaudo.webhooks import selectors
from recaudo.webhooks.models import Delivery
from recaudo.webhooks.services import deliveries_process, delivery_redeliver, dispatch


class Command(BaseCommand):
    help = "Outgoing webhooks: list subscriptions and deliveries, deliver due ones, redeliver one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="a portfolio's webhook subscriptions")
        listing.add_argument("--portfolio", required=True, help="portfolio slug")
        log = sub.add_parser("deliveries", help="the latest deliveries of one subscription")
        log.add_argument("--portfolio", required=True, help="portfolio slug")
        log.add_argument("--subscription", type=int, required=True, help="subscription id (see list)")
        deliver = sub.add_parser("deliver", help="one pass: read new events, then send the due deliveries")
        deliver.add_argument("--limit", type=int, default=50, help="deliveries sent in this pass (default 50)")
        redeliver = sub.add_parser("redeliver", help="send one delivery again now")
        redeliver.add_argument("--portfolio", required=True, help="portfolio slug")
        redeliver.add_argument("--delivery", type=int, required=True, help="delivery id (see deliveries)")

    def handle(self, *args, action, **options):
        return getattr(self, action)(**options)

    def _portfolio(self, slug):
        portfolio = Portfolio.objects.filter(slug=slug).first()
        if portfolio is None:
            raise CommandError(f"--portfolio: no portfolio {slug!r}")
        return portfolio

    def list(self, *, portfolio, **_):
        for s in selectors.subscriptions(self._portfolio(portfolio)):
            state = "active" if s.active else f"inactive {s.disabled_reason}".strip()
            self.stdout.write(f"{s.pk}\t{s.url}\t{','.join(s.events)}\t{state}\tpending={s.pending}\t"
                              f"failed={s.failed}")

    def deliveries(self, *, portfolio, subscription, **_):
        sub = selectors.subscriptions(self._portfolio(portfolio))
        chosen = next((s for s in sub if s.pk == subscription), None)
        if chosen is None:
            raise CommandError(f"--subscription: no subscription {subscription} in this portfolio")
        for d in selectors.deliveries(chosen):
            self.stdout.write(f"{d.pk}\t{d.created_at:%Y-%m-%d %H:%M:%S}\t{d.event.event_type}\t{d.status}\t"
                              f"attempts={d.attempts}\thttp={d.last_code or '-'}\t{d.last_error or ''}")

    def deliver(self, *, limit, **_):
        if limit <= 0:
            raise CommandError("--limit must be positive")
        found = dispatch()
        sent = deliveries_process(worker_id=f"{socket.gethostname()}:{os.getpid()}", limit=limit)
        self.stdout.write(f"events={found['events']} deliveries={found['deliveries']} sent={sent['sent']} "
                          f"failed={sent['failed']}")

    def redeliver(self, *, portfolio, delivery, **_):
        target = Delivery.objects.filter(pk=delivery, subscription__portfolio=self._portfolio(portfolio)).first()
        if target is None:
            raise CommandError(f"--delivery: no delivery {delivery} in this portfolio")
        try:
            delivery_redeliver(delivery=target, actor="cli")
        except DomainError as error:
            raise command_error(error, "delivery") from None
        self.stdout.write(f"delivery {target.pk} queued again")
