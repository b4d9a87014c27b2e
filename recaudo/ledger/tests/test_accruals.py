"""Interest posted by the daily cycle (idempotent, capped), collection fees per country, early-payment discounts."""

from datetime import date
from decimal import Decimal as D

import pytest

from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.accruals import FeeRefused, debtor_liquidation, fee_charge, interest_post
from recaudo.ledger.models import EarlyDiscount, Entry, FeeCharge, InterestAccrual, InterestSettings
from recaudo.ledger.services import LedgerError, payment_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(portfolio):
    InterestSettings.objects.create(portfolio=portfolio, interest_enabled=True)
    debtor = make_debtor(portfolio)
    return make_obligation(portfolio, debtor, number="P-1", amount="10000000", issue=date(2026, 1, 1),
                           due=date(2026, 1, 20))


def interest_entries(obligation):
    return list(Entry.objects.filter(obligation=obligation, kind="interest").order_by("pk")
                .values_list("amount_minor", "value_date", "memo"))


def test_worked_example_posted_in_two_runs_and_idempotent(loan, portfolio):
    # 10.000.000 COP due 20 Jan 2026 at the usury rate: 21-31 Jan 11 days at 24,36 % E.A. = 65.721,39;
    # 1-10 Feb 10 days at 25,23 % E.A. = 61.657,87 (recaudo/agreements/tests/test_interest_rules.py).
    assert interest_post(portfolio=portfolio, through=date(2026, 1, 31))["posted"] == 1
    assert interest_post(portfolio=portfolio, through=date(2026, 1, 31))["posted"] == 0  # twice: nothing more
    assert interest_post(portfolio=portfolio, through=date(2026, 2, 10))["posted"] == 1
    assert interest_post(portfolio=portfolio, through=date(2026, 2, 10))["posted"] == 0
    assert interest_post(portfolio=portfolio, through=date(2026, 2, 5))["posted"] == 0  # earlier date: nothing
    assert interest_entries(loan) == [
        (6572139, date(2026, 1, 31), "Interés de mora 2026-01-21..2026-01-31 (11 d)"),
        (6165787, date(2026, 2, 10), "Interés de mora 2026-02-01..2026-02-10 (10 d)"),
    ]
    loan.refresh_from_db()
    assert loan.balance_minor == 1000000000 + 12737926
    accruals = list(InterestAccrual.objects.filter(obligation=loan).values_list("period_start", "period_end", "days"))
    assert accruals == [(date(2026, 1, 21), date(2026, 1, 31), 11), (date(2026, 2, 1), date(2026, 2, 10), 10)]
    # in the debtor's timeline
    events = AuditEvent.objects.filter(debtor=loan.debtor, event_type="ledger.interest")
    assert events.count() == 2 and events.first().changes["memo"].startswith("Interés de mora")


def test_one_run_over_two_months_posts_one_entry_with_the_same_total(loan, portfolio):
    assert interest_post(portfolio=portfolio, through=date(2026, 2, 10))["amount_minor"] == 12737926
    assert [e[0] for e in interest_entries(loan)] == [12737926]


def test_contract_rate_above_usury_is_capped(loan, portfolio):
    InterestSettings.objects.filter(portfolio=portfolio).update(contract_rate_ea_pct=D("40"))
    interest_post(portfolio=portfolio, through=date(2026, 2, 10))
    assert [e[0] for e in interest_entries(loan)] == [12737926]  # never above the cap


def test_contract_rate_below_the_cap(portfolio):
    InterestSettings.objects.create(portfolio=portfolio, interest_enabled=True, contract_rate_ea_pct=D("20"))
    debtor = make_debtor(portfolio)
    ob = make_obligation(portfolio, debtor, number="P-2", amount="2500000", issue=date(2026, 1, 1),
                         due=date(2026, 1, 15))
    interest_post(portfolio=portfolio, through=date(2026, 3, 5))
    liq = debtor_liquidation(debtor, date(2026, 3, 5))[0].liquidation
    assert [e[0] for e in interest_entries(ob)] == [int(liq.total * 100)]
    assert [ln.days for ln in liq.lines] == [16, 28, 5]


def test_disabled_disputed_paid_and_missing_rate_post_nothing(portfolio, loan):
    from recaudo.ledger.services import obligation_set_dispute

    other = make_portfolio(slug="off")
    d2 = make_debtor(other)
    make_obligation(other, d2, number="X-1", amount="1000", due=date(2026, 1, 20))
    assert interest_post(portfolio=other, through=date(2026, 2, 1)).get("disabled") == 1
    obligation_set_dispute(obligation=loan, disputed=True, reason="no reconoce")
    assert interest_post(portfolio=portfolio, through=date(2026, 2, 1))["posted"] == 0
    obligation_set_dispute(obligation=loan, disputed=False)
    # no rate before the first known month (2023-01): skipped and counted, nothing guessed
    old = make_obligation(portfolio, loan.debtor, number="OLD", amount="1000", issue=date(2022, 11, 1),
                          due=date(2022, 11, 30))
    counts = interest_post(portfolio=portfolio, through=date(2026, 2, 1))
    assert counts["posted"] == 1 and counts["missing_rate"] == 1
    assert not Entry.objects.filter(kind="interest", obligation=old).exists()


def test_the_daily_cycle_posts_interest_once(loan, portfolio):
    from recaudo.cycle.runner import cycle_run

    cycle_run(portfolio=portfolio, business_date=date(2026, 2, 10))
    cycle_run(portfolio=portfolio, business_date=date(2026, 2, 10))
    assert [e[0] for e in interest_entries(loan)] == [12737926]


def test_liquidation_report_rows(loan):
    rows = debtor_liquidation(loan.debtor, date(2026, 2, 10))
    assert len(rows) == 1
    liq = rows[0].liquidation
    assert [(ln.days, ln.interest) for ln in liq.lines] == [(11, D("65721.39")), (10, D("61657.87"))]
    assert liq.total == D("127379.26")


# ---------------------------------------------------------------- fees

def test_colombia_fee_needs_documented_work_disclosed_beforehand(portfolio):
    debtor = make_debtor(portfolio)
    ob = make_obligation(portfolio, debtor, number="F-1", amount="1000000", due=date(2026, 1, 20))
    with pytest.raises(FeeRefused, match="documented collection work"):
        fee_charge(obligation=ob, amount=D("50000"), reason="gestión de cobro", as_of=date(2026, 3, 1))
    with pytest.raises(FeeRefused, match="disclosed"):
        fee_charge(obligation=ob, amount=D("50000"), reason="gestión de cobro", evidence="visita 12",
                   as_of=date(2026, 3, 1))
    with pytest.raises(FeeRefused, match="never computed"):
        fee_charge(obligation=ob, reason="gestión", evidence="acta 12", disclosed=True, as_of=date(2026, 3, 1))
    entry = fee_charge(obligation=ob, amount=D("50000"), reason="gestión de cobro", evidence="acta 12",
                       disclosed=True, as_of=date(2026, 3, 1))
    assert (entry.kind, entry.component, entry.amount_minor) == ("fee", "fee", 5000000)
    assert FeeCharge.objects.get(entry=entry).rule_id == "CO-FEES-1"
    ob.refresh_from_db()
    assert ob.balance_minor == 105000000


def test_peru_financial_lenders_charge_no_fee():
    pe = make_portfolio(slug="pe", country="PE", currency="PEN", tz="America/Lima")
    InterestSettings.objects.create(portfolio=pe, financial_lender=True)
    ob = make_obligation(pe, make_debtor(pe), number="F-1", amount="1000", due=date(2026, 1, 20))
    with pytest.raises(FeeRefused, match="financial-system lenders"):
        fee_charge(obligation=ob, amount=D("10"), reason="cobranza", evidence="x", disclosed=True,
                   as_of=date(2026, 3, 1))
    assert not Entry.objects.filter(kind="fee").exists()


def test_chile_bands_after_20_days():
    cl = make_portfolio(slug="cl", country="CL", currency="CLP", tz="America/Santiago")
    ob = make_obligation(cl, make_debtor(cl), number="F-1", amount="2000000", due=date(2026, 1, 10))
    uf = D("39000")
    with pytest.raises(FeeRefused, match="from day 21"):
        fee_charge(obligation=ob, reason="cobranza extrajudicial", as_of=date(2026, 1, 30), uf_value=uf)
    with pytest.raises(FeeRefused, match="UF value"):
        fee_charge(obligation=ob, reason="cobranza extrajudicial", as_of=date(2026, 1, 31))
    # 2.000.000 CLP = 51,28 UF: 9 % x 10 UF + 6 % x 40 UF + 3 % x 1,28 UF = 3,3385 UF = 130.200 CLP
    with pytest.raises(FeeRefused, match="above the cap"):
        fee_charge(obligation=ob, amount=D("130201"), reason="cobranza", as_of=date(2026, 1, 31), uf_value=uf)
    entry = fee_charge(obligation=ob, reason="cobranza extrajudicial", as_of=date(2026, 1, 31), uf_value=uf)
    assert entry.amount_minor == 130200
    assert FeeCharge.objects.get(entry=entry).computed["cap_minor"] == 130200


def test_country_without_fee_rule_refuses():
    mx = make_portfolio(slug="mx", country="MX", currency="MXN", tz="America/Mexico_City")
    ob = make_obligation(mx, make_debtor(mx), number="F-1", amount="1000", due=date(2026, 1, 10))
    with pytest.raises(FeeRefused, match="no collection-fee rule for MX"):
        fee_charge(obligation=ob, amount=D("10"), reason="x", evidence="x", disclosed=True, as_of=date(2026, 3, 1))


# ---------------------------------------------------------------- early-payment discounts

@pytest.fixture
def invoice(portfolio):
    InterestSettings.objects.create(portfolio=portfolio, early_discount_pct=D("2"), early_discount_days=10)
    return make_obligation(portfolio, make_debtor(portfolio), number="FV-1", amount="1000000",
                           issue=date(2026, 3, 1), due=date(2026, 3, 31))


def test_two_percent_within_ten_days_closes_the_invoice(portfolio, invoice):
    payment, _ = payment_record(portfolio=portfolio, debtor=invoice.debtor, amount=D("980000"),
                                date=date(2026, 3, 11), reference="TRX-1")
    invoice.refresh_from_db()
    assert (invoice.balance_minor, invoice.status) == (0, "paid")
    discount = EarlyDiscount.objects.get(obligation=invoice)
    assert discount.payment == payment and discount.entry.amount_minor == -2000000
    assert discount.entry.kind == "discount"
    assert AuditEvent.objects.filter(debtor=invoice.debtor, event_type="ledger.discount").count() == 1
    # the same payment again: nothing more
    payment_record(portfolio=portfolio, debtor=invoice.debtor, amount=D("980000"), date=date(2026, 3, 11),
                   reference="TRX-1")
    assert EarlyDiscount.objects.count() == 1


def test_no_discount_after_the_window_or_for_a_partial_payment(portfolio, invoice):
    payment_record(portfolio=portfolio, debtor=invoice.debtor, amount=D("500000"), date=date(2026, 3, 5),
                   reference="P-1")
    invoice.refresh_from_db()
    assert invoice.balance_minor == 50000000 and not EarlyDiscount.objects.exists()
    payment_record(portfolio=portfolio, debtor=invoice.debtor, amount=D("480000"), date=date(2026, 3, 12),
                   reference="P-2")
    invoice.refresh_from_db()
    assert invoice.balance_minor == 2000000 and not EarlyDiscount.objects.exists()


def test_discount_never_exceeds_what_is_owed(portfolio, invoice):
    payment_record(portfolio=portfolio, debtor=invoice.debtor, amount=D("990000"), date=date(2026, 3, 2),
                   reference="P-1")
    invoice.refresh_from_db()
    assert invoice.balance_minor == 0
    assert EarlyDiscount.objects.get().entry.amount_minor == -1000000
    with pytest.raises(LedgerError):
        payment_record(portfolio=portfolio, debtor=invoice.debtor, amount=D("0"), date=date(2026, 3, 2),
                       reference="P-2")
