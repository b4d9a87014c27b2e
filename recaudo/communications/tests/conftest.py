from datetime import UTC, date, datetime

import pytest

from recaudo.communications.transports.console import MemoryTransport
from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.portfolio.services import contact_add

from .servers import FakeTwilio, FakeWhatsApp

# Tuesday 2026-03-03 10:00 in Bogotá: inside the contact hours (Mon-Fri 07:00-19:00)
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
# the same day at 21:00 in Bogotá: outside; next allowed Wednesday 07:00 (12:00 UTC)
LATE = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _comms_settings(settings, tmp_path):
    settings.RECAUDO_TRANSPORTS = {"email": "memory", "sms": "memory", "whatsapp": "memory", "letter": "memory"}
    settings.RECAUDO_LETTERS_DIR = str(tmp_path / "letters")
    settings.RECAUDO_PUBLIC_URL = "http://testserver"
    MemoryTransport.reset()
    yield
    MemoryTransport.reset()


@pytest.fixture
def luz(portfolio):
    """Spanish-speaking debtor, two overdue invoices, consent for email, SMS and WhatsApp; a reference contact."""
    debtor = make_debtor(portfolio, code="C001", name="Luz Marina Restrepo", language="es")
    make_obligation(portfolio, debtor, number="F-1", amount="1000000.50", issue=date(2026, 1, 1),
                    due=date(2026, 1, 31))
    make_obligation(portfolio, debtor, number="F-2", amount="234567.39", issue=date(2026, 1, 15),
                    due=date(2026, 2, 14))
    make_obligation(portfolio, debtor, number="F-3", amount="50000", issue=date(2026, 3, 1), due=date(2026, 3, 31))
    contact_add(debtor=debtor, channel="email", value="luz@example.com", consent="granted", now=NOW)
    contact_add(debtor=debtor, channel="phone", value="+57 300 123 4567", consent="granted", now=NOW)
    contact_add(debtor=debtor, channel="whatsapp", value="+57 300 123 4567", consent="granted", now=NOW)
    contact_add(debtor=debtor, channel="address", value="Calle 10 # 43-12", city="Medellín", consent="granted",
                now=NOW)
    contact_add(debtor=debtor, channel="email", value="vecino@example.com", role="reference", now=NOW)
    return debtor


@pytest.fixture
def john(portfolio):
    debtor = make_debtor(portfolio, code="C002", name="John Smith", language="en")
    make_obligation(portfolio, debtor, number="F-10", amount="1234567.89", issue=date(2026, 1, 1),
                    due=date(2026, 1, 31))
    contact_add(debtor=debtor, channel="email", value="john@example.com", consent="granted", now=NOW)
    return debtor


# The local provider servers, the settings pointing the transports at them (test_providers, test_self_service).
@pytest.fixture
def twilio(settings):
    with FakeTwilio() as server:
        settings.RECAUDO_TRANSPORTS = {"email": "memory", "sms": "twilio", "whatsapp": "memory", "letter": "memory"}
        settings.RECAUDO_TWILIO_BASE_URL = server.url
        settings.RECAUDO_TWILIO_ACCOUNT_SID = FakeTwilio.SID
        settings.RECAUDO_TWILIO_AUTH_TOKEN = FakeTwilio.TOKEN
        settings.RECAUDO_TWILIO_FROM = "+15005550006"
        yield server


@pytest.fixture
def whatsapp(settings):
    with FakeWhatsApp() as server:
        settings.RECAUDO_TRANSPORTS = {"email": "memory", "sms": "memory", "whatsapp": "whatsapp_cloud",
                                       "letter": "memory"}
        settings.RECAUDO_WHATSAPP_BASE_URL = server.url
        settings.RECAUDO_WHATSAPP_PHONE_NUMBER_ID = FakeWhatsApp.PHONE_ID
        settings.RECAUDO_WHATSAPP_TOKEN = FakeWhatsApp.TOKEN
        settings.RECAUDO_WHATSAPP_APP_SECRET = "meta-app-secret"
        settings.RECAUDO_WHATSAPP_VERIFY_TOKEN = "verify-me"
        yield server
