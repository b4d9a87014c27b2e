"""Benchmark: outbox throughput, emails per second to a local SMTP server, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_outbox.py                # 5,000 messages, both databases
    .venv/bin/python bench/bench_outbox.py -n 1000 --only sqlite

Each database runs in its own child process (settings are read once per process): a fresh SQLite file under a
temporary RECAUDO_HOME, or a fresh PostgreSQL database recaudo_bench_outbox (--pg-url). The child creates a
portfolio with N debtors (one overdue obligation and a consented email each), queues N messages with
messages_enqueue_bulk (rendering deferred to send time, as the daily cycle does) and times outbox_process until
the queue is empty: claim in batches, render, compliance re-check, one SMTP connection per batch, bulk status
updates. The SMTP server is aiosmtpd in a separate process (so it does not share the GIL with the sender).
Target: >= 200 emails/s.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import PG_SERVER, fresh_postgres, fresh_sqlite  # bench/ is on the path when a script runs

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "recaudo_bench_outbox"

SMTP_SERVER = """
import asyncio, sys
from aiosmtpd.controller import Controller
class Handler:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Handler.count += 1
        return "250 OK"
c = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
print(Handler.count, flush=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child(n: int, batch: int) -> dict:
    import django

    django.setup()
    from datetime import UTC, date, datetime

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    call_command("migrate", verbosity=0)
    from recaudo.communications.models import Message
    from recaudo.communications.services import messages_enqueue_bulk
    from recaudo.cycle.outbox import outbox_process
    from recaudo.demo.testing import make_portfolio
    from recaudo.ledger.models import Component, Entry, EntryKind
    from recaudo.portfolio.models import Consent, Contact, Debtor, Obligation

    now = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Bogotá: inside the contact hours
    portfolio = make_portfolio(slug="bench", name="Bench S.A.S.")
    t0 = time.perf_counter()
    debtors = Debtor.objects.bulk_create([
        Debtor(portfolio=portfolio, code=f"B{i:06}", name=f"Deudor Número {i}", language="es" if i % 3 else "en",
               balance_minor=123456789, open_count=1, oldest_due_date=date(2026, 1, 31)) for i in range(n)])
    obligations = Obligation.objects.bulk_create([
        Obligation(portfolio=portfolio, debtor=d, number=f"F-{d.code}", issue_date=date(2026, 1, 1),
                   due_date=date(2026, 1, 31), original_minor=123456789, balance_minor=123456789, currency="COP")
        for d in debtors])
    Entry.objects.bulk_create([
        Entry(portfolio=portfolio, debtor_id=o.debtor_id, obligation=o, kind=EntryKind.CHARGE,
              component=Component.PRINCIPAL, amount_minor=o.original_minor, value_date=o.issue_date, created_at=now)
        for o in obligations])
    contacts = Contact.objects.bulk_create([
        Contact(debtor=d, channel="email", value=f"{d.code.lower()}@example.com") for d in debtors])
    Consent.objects.bulk_create([Consent(contact=c, channel="email", status="granted", at=now) for c in contacts])
    rows = [{"portfolio": portfolio, "debtor": d, "channel": "email", "template_code": "reminder",
             "dedupe_key": f"bench-{d.code}"} for d in debtors]
    t1 = time.perf_counter()
    inserted = messages_enqueue_bulk(rows, now=now)
    t2 = time.perf_counter()
    sent = 0
    while True:
        stats = outbox_process(now=now, limit=1000, worker_id="bench", batch_size=batch)
        sent += stats["sent"]
        if not stats["claimed"]:
            break
    t3 = time.perf_counter()
    statuses = dict(Message.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {"vendor": connection.vendor, "n": n, "setup_s": t1 - t0, "enqueue_s": t2 - t1, "enqueued": inserted,
            "send_s": t3 - t2, "sent": sent, "statuses": statuses}


def run_child(env: dict, n: int, batch: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", "-n", str(n), "--batch", str(batch)], env=env,
                         cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200, help="messages claimed per batch")
    parser.add_argument("--only", choices=["sqlite", "postgresql", "postgres"])
    parser.add_argument("--smoke", action="store_true",
                        help="a tiny run that checks every message is sent, not the speed (scripts/bench-smoke.sh)")
    parser.add_argument("--pg-url", default=f"{PG_SERVER}/{PG_DB}")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.n, args.batch)))
        return

    port = free_port()
    smtp = subprocess.Popen([sys.executable, "-c", SMTP_SERVER, str(port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert smtp.stdout.readline().strip() == "ready"
    results = []
    try:
        base = {**os.environ, "DJANGO_SETTINGS_MODULE": "recaudo.settings", "RECAUDO_TRANSPORTS": "email=smtp",
                "RECAUDO_SMTP_HOST": "127.0.0.1", "RECAUDO_SMTP_PORT": str(port), "RECAUDO_SMTP_TLS": "0",
                "RECAUDO_EMAIL_FROM": "bench@example.com", "PYTHONPATH": str(ROOT)}
        if args.only in (None, "sqlite"):
            with tempfile.TemporaryDirectory() as home:
                env = {**base, "RECAUDO_HOME": home, "DATABASE_URL": fresh_sqlite(home)}
                results.append(run_child(env, args.n, args.batch))
        if args.only in (None, "postgresql", "postgres"):
            url = fresh_postgres(args.pg_url)
            with tempfile.TemporaryDirectory() as home:
                results.append(run_child({**base, "RECAUDO_HOME": home, "DATABASE_URL": url}, args.n, args.batch))
    finally:
        smtp.stdin.close()
        received = smtp.stdout.read().strip()
        smtp.wait(timeout=10)
    print(f"\nOutbox benchmark: {args.n} queued emails, batch {args.batch}, local aiosmtpd "
          f"(received {received} in all runs)\n")
    print(f"{'database':<12}{'enqueue s':>11}{'send s':>9}{'sent':>7}{'emails/s':>10}  statuses")
    for r in results:
        rate = r["sent"] / r["send_s"] if r["send_s"] else 0
        print(f"{r['vendor']:<12}{r['enqueue_s']:>11.2f}{r['send_s']:>9.2f}{r['sent']:>7}{rate:>10.0f}  "
              f"{r['statuses']}")
    if any(r["sent"] != r["n"] for r in results):
        print("\nFAILED: not every message was sent")
        sys.exit(1)
    slow = [r for r in results if r["sent"] / max(r["send_s"], 1e-9) < 200]
    if slow and not args.smoke:
        print("\nBELOW TARGET (>= 200 emails/s, all sent)")
        sys.exit(1)


if __name__ == "__main__":
    main()
