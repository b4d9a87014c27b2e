"""Payment rules live in the ledger services: no payment dated after the portfolio's today, no reversal without a
reason, whoever calls (command, import, agreements, web)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from unittest import mock

import pytest

from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.models import Entry, Payment
from recaudo.ledger.services import (
    LedgerError,
    entry_reverse,
    payment_date_check,
    payment_record,
    payment_reverse,
    reversal_reason,
)

pytestmark = pytest.mark.django_db

# 2026-12-07 03:00 UTC is still 2026-12-06 (22:00) in Bogotá (UTC-5)
LATE_EVENING_IN_BOGOTA = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
def invoice(portfolio):
    debtor = make_debtor(portfolio)
    return make_obligation(portfolio, debtor, "F-1", "100000", date(2026, 1, 1), date(2026, 1, 31))


def pay(portfolio, invoice, day, reference="PSE-1"):
    return payment_record(portfolio=portfolio, debtor=invoice.debtor, amount=Decimal("30000"), date=day,
                          reference=reference)


@pytest.mark.parametrize(("day", "today", "refused"), [
    (date(2026, 12, 6), date(2026, 12, 6), False),
    (date(2026, 1, 1), date(2026, 12, 6), False),
    (date(2026, 12, 7), date(2026, 12, 6), True),
    (date(2027, 1, 1), date(2026, 12, 31), True),
])
def test_payment_date_rule(day, today, refused):
    if refused:
        with pytest.raises(LedgerError, match=f"the payment date {day.isoformat()} is after today "
                                              rf"\({today.isoformat()}\) in the portfolio's time zone"):
            payment_date_check(day, today)
    else:
        payment_date_check(day, today)


def test_a_payment_dated_after_the_portfolios_today_is_refused_and_nothing_is_written(portfolio, invoice):
    with mock.patch("django.utils.timezone.now", return_value=LATE_EVENING_IN_BOGOTA):
        with pytest.raises(LedgerError, match="the payment date 2026-12-07 is after today"):
            pay(portfolio, invoice, date(2026, 12, 7))
        assert not Payment.objects.exists() and Entry.objects.filter(kind="payment").count() == 0
        # the same instant is already the 7th in UTC, but the portfolio's today is the 6th (Bogotá)
        payment, created = pay(portfolio, invoice, date(2026, 12, 6))
    assert created and payment.amount_minor == 30000_00
    invoice.refresh_from_db()
    assert invoice.balance_minor == 70000_00


def test_the_portfolios_time_zone_decides_today(portfolio, invoice):
    portfolio.timezone = "Asia/Tokyo"  # UTC+9: already 2026-12-07 at noon
    portfolio.save()
    with mock.patch("django.utils.timezone.now", return_value=LATE_EVENING_IN_BOGOTA):
        payment, created = pay(portfolio, invoice, date(2026, 12, 7))
    assert created and payment.date == date(2026, 12, 7)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reversal_needs_a_reason(portfolio, invoice, reason):
    payment, _ = pay(portfolio, invoice, date(2026, 3, 1))
    with pytest.raises(LedgerError, match="una reversión necesita un motivo"):
        payment_reverse(payment=payment, reason=reason)
    payment.refresh_from_db()
    assert payment.reversed_at is None and not Entry.objects.filter(kind="reversal").exists()
    charge = Entry.objects.get(obligation=invoice, kind="charge")
    with pytest.raises(LedgerError, match="una reversión necesita un motivo"):
        entry_reverse(entry=charge, reason=reason)
    assert not Entry.objects.filter(kind="reversal").exists()


def test_a_reversal_keeps_its_reason_stripped(portfolio, invoice):
    payment, _ = pay(portfolio, invoice, date(2026, 3, 1))
    payment_reverse(payment=payment, reason="  cheque devuelto ")
    assert set(Entry.objects.filter(kind="reversal").values_list("memo", flat=True)) == {"cheque devuelto"}
    assert reversal_reason(" x ") == "x"
