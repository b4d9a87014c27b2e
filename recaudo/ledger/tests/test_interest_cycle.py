"""The daily cycle posts the liquidation of the ledger's principal day by day: the ledger, the liquidation PDF's rows
and `recaudo interest --payment` agree to the cent; value-dated corrections are adjusted, never rewritten."""

import json
from datetime import date, timedelta
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command

from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.accruals import debtor_liquidation, interest_post
from recaudo.ledger.models import Entry, InterestAccrual, InterestSettings
from recaudo.ledger.services import payment_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(portfolio):
    InterestSettings.objects.create(portfolio=portfolio, interest_enabled=True)
    return make_obligation(portfolio, make_debtor(portfolio), number="P-1", amount="10000000",
                           issue=date(2026, 3, 1), due=date(2026, 3, 15))


def posted(obligation) -> D:
    """Interest posted by the cycle (interest entries and interest adjustments; not the payments' interest part)."""
    rows = Entry.objects.filter(obligation=obligation, component="interest", kind__in=["interest", "adjustment"])
    return D(sum(rows.values_list("amount_minor", flat=True))) / 100


def command_json(*args) -> dict:
    out = StringIO()
    call_command("interest", "--country", "CO", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_partial_payment_ledger_pdf_and_command_agree_to_the_cent(portfolio, loan):
    # The worked example of recaudo/ledger/tests/test_interest_payments.py, through the ledger: the cycle posts
    # through 2026-05-09 (355.845,71), the payment of 4.000.000,00 dated 2026-05-10 pays that interest and
    # 3.644.154,29 of principal, and the cycle then posts through 2026-07-31 on 6.355.845,71 from 2026-05-10.
    interest_post(portfolio=portfolio, through=date(2026, 5, 9))
    assert posted(loan) == D("355845.71")
    payment_record(portfolio=portfolio, debtor=loan.debtor, amount=D("4000000"), date=date(2026, 5, 10),
                   reference="TRX-1")
    interest_post(portfolio=portfolio, through=date(2026, 7, 31))
    assert posted(loan) == D("719802.69")
    (row,) = debtor_liquidation(loan.debtor, date(2026, 7, 31))
    assert row.liquidation.total == D("719802.69") and row.posted_minor == 71980269
    assert [ln.base for ln in row.liquidation.lines][-3:] == [D("6355845.71")] * 3
    data = command_json("--principal", "10000000", "--due", "2026-03-15", "--as-of", "2026-07-31",
                        "--payment", "2026-05-10=4000000")
    assert data["interest_accrued"] == "719802.69" and data["principal_owed"] == "6355845.71"
    assert [ln["interest"] for ln in data["lines"]] == [str(ln.interest) for ln in row.liquidation.lines]
    loan.refresh_from_db()
    assert loan.balance_minor == (635584571 + 71980269 - 35584571)  # principal + interest accrued - interest paid


def test_daily_posting_adds_up_to_the_liquidation_no_rounding_drift(portfolio, loan):
    day = date(2026, 3, 16)
    while day <= date(2026, 4, 20):
        interest_post(portfolio=portfolio, through=day)
        day += timedelta(days=1)
    (row,) = debtor_liquidation(loan.debtor, date(2026, 4, 20))
    # 16 d at 25,52 % = 99.667,16; 30 d at 26,76 % = 194.960,87; 20 d at 28,17 % ... through 2026-04-20:
    # 16/03-31/03 99.667,16 + 01/04-20/04 10.000.000 x 0,000649869563741 x 20 = 129.973,91 -> 229.641,07
    assert row.liquidation.total == posted(loan) == D("229641.07")
    assert InterestAccrual.objects.filter(obligation=loan, kind="period").count() == 36
    assert not InterestAccrual.objects.filter(kind="adjustment").exists()


def accrued(obligation) -> D:
    """What the cycle has posted as late interest (periods and adjustments, wherever the credit went)."""
    return D(sum(InterestAccrual.objects.filter(obligation=obligation).values_list("amount_minor", flat=True))) / 100


def test_payment_value_dated_in_the_past_is_adjusted_not_rewritten(portfolio, loan):
    # Posted through 2026-05-31 on 10.000.000: 99.667,16 + 194.960,87 + May 31 d at 28,17 % 210.860,91 = 505.488,94
    interest_post(portfolio=portfolio, through=date(2026, 5, 31))
    assert posted(loan) == D("505488.94")
    # A payment of 4.000.000 recorded late, dated 2026-05-10: the ledger pays the 505.488,94 of interest posted and
    # 3.494.511,06 of principal, so the base from 10/05 is 6.505.488,94. Through 31/05 the liquidation is now
    # 99.667,16 + 194.960,87 + 61.217,68 (1-9 May) + 6.505.488,94 x 0,000680196493866 x 22 = 97.350,24
    # -> 453.195,95: 52.292,99 less than posted. That interest was already paid, so the credit goes to principal.
    payment_record(portfolio=portfolio, debtor=loan.debtor, amount=D("4000000"), date=date(2026, 5, 10),
                   reference="TRX-late")
    counts = interest_post(portfolio=portfolio, through=date(2026, 6, 1))
    assert (counts["adjusted"], counts["adjusted_minor"]) == (1, -5229299)
    adjustment = Entry.objects.get(obligation=loan, kind="adjustment")
    assert (adjustment.component, adjustment.amount_minor, adjustment.value_date) == (
        "principal", -5229299, date(2026, 6, 1))
    assert adjustment.memo == ("Ajuste de interés de mora hasta 2026-05-31: movimientos con fecha valor anterior "
                               "(intereses ya pagados: abono a capital)")
    # principal from 01/06: 6.505.488,94 - 52.292,99 = 6.453.195,95; 1 day at 28,79 % = 4.474,82
    (row,) = debtor_liquidation(loan.debtor, date(2026, 6, 1))
    assert [(ln.start, ln.base) for ln in row.liquidation.lines][3:] == [
        (date(2026, 5, 10), D("6505488.94")), (date(2026, 6, 1), D("6453195.95"))]
    assert row.liquidation.lines[-1].interest == D("4474.82")
    assert row.liquidation.total == accrued(loan) == D("453195.95") + D("4474.82")
    assert row.posted_minor == 45767077
    # nothing more on a second run, nor the day after (no drift from the principal credit)
    assert interest_post(portfolio=portfolio, through=date(2026, 6, 1))["adjusted"] == 0
    assert interest_post(portfolio=portfolio, through=date(2026, 6, 2))["adjusted"] == 0
    assert Entry.objects.filter(obligation=loan, kind="adjustment").count() == 1
