"""Builders for tests, benchmarks and the demo: short ways to make portfolios, debtors, obligations, users."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from recaudo.accounts.services import membership_grant
from recaudo.ledger.services import obligation_create
from recaudo.portfolio.models import Debtor, Portfolio
from recaudo.portfolio.services import contact_add, debtor_upsert, portfolio_create

# Browser tests drive Debian's Chromium (never a downloaded browser); see the browser_page fixture in conftest.py
CHROMIUM = "/usr/bin/chromium"  # Debian's Chromium: tests never download a browser
SHOTS = Path("/tmp/recaudo-shots")  # noqa: S108 - a fixed place to look at the screenshots
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-sync"]
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason=f"Chromium not found at {CHROMIUM} (apt install chromium)")


def make_portfolio(slug="pyme", name="Distribuciones Andinas S.A.S.", country="CO", currency="COP",
                   tz="America/Bogota", **kwargs) -> Portfolio:
    return portfolio_create(slug=slug, name=name, country=country, currency=currency, tz=tz, **kwargs)


def make_debtor(portfolio, code="C001", name="Luz Marina Restrepo", **data) -> Debtor:
    debtor, _ = debtor_upsert(portfolio=portfolio, code=code, data={"name": name, **data})
    return debtor


def make_obligation(portfolio, debtor, number="F-1", amount="100000", issue=date(2026, 1, 1),
                    due=date(2026, 1, 31), **kwargs):
    return obligation_create(portfolio=portfolio, debtor=debtor, number=number, amount=Decimal(amount),
                             issue_date=issue, due_date=due, **kwargs)


def make_luz(portfolio) -> Debtor:
    """Luz Marina Restrepo: CC 52123456, a phone with consent, an e-mail, one invoice of 1,000,000 COP."""
    debtor = make_debtor(portfolio, code="C001", name="Luz Marina Restrepo", id_type="CC", id_number="52123456")
    contact_add(debtor=debtor, channel="phone", value="300 123 4567", consent="granted",
                consent_source="cláusula 12 del contrato")
    contact_add(debtor=debtor, channel="email", value="luz.restrepo@example.com", consent="granted",
                consent_source="formulario web 2026-01-02")
    make_obligation(portfolio, debtor, number="F-100", amount="1000000", issue=date(2026, 1, 1),
                    due=date(2026, 1, 31))
    debtor.refresh_from_db()
    return debtor


TEST_PASSWORD = "clave-segura-123"  # noqa: S105


def make_user(username, portfolio=None, role="agent", password=TEST_PASSWORD, superuser=False):
    User = get_user_model()
    if superuser:
        user = User.objects.create_superuser(username=username, password=password)
    else:
        user = User.objects.create_user(username=username, password=password)
    if portfolio is not None:
        membership_grant(user=user, portfolio=portfolio, role=role)
    return user


def sign_in(client, username: str, password: str = TEST_PASSWORD) -> bool:
    """Log a test client in when the password is right, as the sign-in page would, and say whether it did.
    (Django's client.login calls authenticate() without a request, which django-axes refuses: it counts failed
    sign-ins per address. Tests of the sign-in itself post the real form.)"""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.is_active or not user.check_password(password):
        return False
    client.force_login(user)
    return True


def login(client, username: str):
    """Log a test client in as one of the personas (password TEST_PASSWORD)."""
    assert sign_in(client, username)
    return client


def other_session(lock_timeout: str = "500ms"):
    """A second PostgreSQL session on the test database (psycopg, not Django's): for tests of what one
    transaction sees or waits for while another is open. Waiting past lock_timeout raises LockNotAvailable."""
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    session = psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432,
                              password=db["PASSWORD"] or None)
    session.execute(f"SET lock_timeout = '{lock_timeout}'")
    return session


def at_local(day: date, hhmm: str = "09:00", tz: str = "America/Bogota") -> datetime:
    """The UTC instant of a local wall-clock time (default Bogotá) on `day`."""
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(h, m), tzinfo=ZoneInfo(tz)).astimezone(UTC)


class FakeOutbox:
    """Stands in for recaudo.communications when it is not there: dedupes like the real one."""

    def __init__(self):
        self.rows: dict[tuple, dict] = {}

    def enqueue_bulk(self, rows, *, now):
        n = 0
        for row in rows:
            key = (row["portfolio_id"], row["dedupe_key"])
            if key not in self.rows:
                self.rows[key] = dict(row)
                n += 1
        return n

    def outbox_process(self, *, now=None, limit=500, worker_id):
        return {"sent": 0}

    @property
    def messages(self):
        return list(self.rows.values())


MONDAY = date(2026, 3, 2)  # a working Monday in Colombia


def debtor_owing(portfolio, code, *, days_past_due, amount="1000000", consent=True, today=MONDAY, n=1, **data):
    """A debtor with `n` obligations, the oldest `days_past_due` days past due on `today`, with consented contacts
    on every channel (e-mail, phone, WhatsApp, address)."""
    debtor = make_debtor(portfolio, code=code, name=f"Deudor {code}", **data)
    for i in range(n):
        due = today - timedelta(days=days_past_due - i)
        make_obligation(portfolio, debtor, number=f"{code}-{i}", amount=amount, issue=due - timedelta(days=30),
                        due=due)
    if consent:
        contact_add(debtor=debtor, channel="email", value=f"{code.lower()}@example.com", consent="granted")
        contact_add(debtor=debtor, channel="phone", value="+573001234567", consent="granted")
        contact_add(debtor=debtor, channel="whatsapp", value="+573001234567", consent="granted")
        contact_add(debtor=debtor, channel="address", value="Calle 1 # 2-3, Bogota", consent="granted")
    debtor.refresh_from_db()
    return debtor
