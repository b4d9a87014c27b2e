from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from recaudo.demo.testing import make_luz


def make_message(debtor, *, body="Hola Luz Marina, su saldo es $ 1.000.000", created=None, status="sent",
                 to="+573001234567", key=None):
    from recaudo.communications.models import Message

    created = created or datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
    message = Message.objects.create(
        portfolio=debtor.portfolio, debtor=debtor, channel="sms", to=to, template_code="recordatorio",
        language="es", subject="Recordatorio", body=body, provider_payload={"params": ["Luz Marina"]},
        context={"nombre": "Luz Marina"}, dedupe_key=key or f"k-{debtor.pk}-{created.isoformat()}", status=status,
        scheduled_for=created, next_attempt_at=created, sent_at=created if status == "sent" else None)
    type(message).objects.filter(pk=message.pk).update(created_at=created)
    return message


@pytest.fixture
def luz(portfolio):
    """Luz Marina Restrepo: CC 52123456, a phone with consent, an e-mail, one invoice of 1,000,000 COP."""
    return make_luz(portfolio)


def pay_off(debtor, when=date(2026, 2, 15)):
    from recaudo.agreements.services.payments import payment_receive

    debtor.refresh_from_db()
    payment_receive(portfolio=debtor.portfolio, debtor=debtor, amount=Decimal(debtor.balance_minor) / 100, date=when,
                   source_ref=f"pay-{debtor.pk}-{when}", reference="transferencia Bancolombia")
    debtor.refresh_from_db()
    return debtor


def days_ago(now, days):
    return now - timedelta(days=days)
