"""Issue 11: payments go to what is due first, and an agreement charges each installment's interest when it falls due.

The case seen: an agreement with a down payment of 5.000.000 and six monthly installments at 1,5 % due in 2027. A
payment of 5.000.000 on the down payment's date paid the interest of the six installments (all charged on
acceptance, taken first by the old "component" order) and left the down payment owing.
"""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest

from recaudo.agreements.services.daily import agreements_daily
from recaudo.agreements.services.payments import payment_receive
from recaudo.agreements.services.plans import (
    agreement_accept,
    agreement_create,
    agreements_check_breach,
    installment_interest_post,
)
from recaudo.demo.testing import at_local, make_debtor, make_obligation
from recaudo.ledger.models import Entry
from recaudo.ledger.rules import OpenItem, allocate
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Obligation
from recaudo.reports.statements import statement_for

pytestmark = pytest.mark.django_db

TODAY = date(2026, 9, 15)  # acceptance and down payment date
NOW = at_local(TODAY, "10:00")
FIRST_DUE = date(2027, 1, 15)


def on(day: date):
    """The clock at 10:00 (Bogotá) of `day`: payments dated that day may be recorded."""
    return mock.patch("django.utils.timezone.now", return_value=at_local(day, "10:00"))


def m(value: str) -> int:
    return int(Decimal(value) * 100)


@pytest.fixture
def plan(portfolio):
    """Debt 63.841.000 (one overdue invoice): 5.000.000 down, 58.841.000 in six monthly installments at 1,5 %
    monthly from 15 January 2027: 10.328.079,15 each (the first 882.615,00 interest + 9.445.464,15 principal),
    3.127.474,93 interest in all."""
    debtor = make_debtor(portfolio, code="AC1", name="Deudor del acuerdo")
    invoice = make_obligation(portfolio, debtor, number="FV-77", amount="63841000", issue=date(2026, 5, 1),
                              due=date(2026, 6, 30))
    agreement = agreement_create(portfolio=portfolio, debtor=debtor, obligations=[invoice], installments=6,
                                 first_due=FIRST_DUE, rate=Decimal("0.015"), rate_kind="monthly",
                                 down_payment=Decimal("5000000"), today=TODAY, now=NOW)
    agreement = agreement_accept(agreement=agreement, channel="in_person", evidence_text="firmó en oficina",
                                 today=TODAY, now=NOW)
    debtor.refresh_from_db()
    invoice.refresh_from_db()
    return agreement, debtor, invoice


def installment(agreement, number: int) -> Obligation:
    return Obligation.objects.get(number=f"{agreement.number}-{number:02d}")


def test_the_schedule_of_the_example(plan):
    agreement, debtor, invoice = plan
    rows = list(agreement.schedule.order_by("number").values_list("number", "due_date", "amount_minor",
                                                                    "interest_minor", "principal_minor"))
    assert rows[0] == (0, TODAY, m("5000000"), 0, m("5000000"))
    assert rows[1] == (1, FIRST_DUE, m("10328079.15"), m("882615.00"), m("9445464.15"))
    assert [r[1] for r in rows[1:]] == [date(2027, k, 15) for k in range(1, 7)]
    assert agreement.interest_minor == m("3127474.93")


def test_down_payment_paid_on_its_date_owes_nothing_and_no_2027_interest_is_paid(plan):
    agreement, debtor, invoice = plan
    # After acceptance the debtor owes the plan's principal: 63.841.000, not 63.841.000 + 3.127.474,93.
    assert debtor.balance_minor == m("63841000")
    assert not Entry.objects.filter(debtor=debtor, kind="interest").exists()
    payment, _ = payment_receive(portfolio=agreement.portfolio, debtor=debtor, amount=Decimal("5000000"), date=TODAY,
                                source_ref="cuota-inicial")
    assert installment(agreement, 0).balance_minor == 0
    paid = list(payment.entries.values_list("obligation__number", "component", "amount_minor"))
    assert paid == [(f"{agreement.number}-00", "principal", -m("5000000"))]
    assert not Entry.objects.filter(debtor=debtor, kind="interest").exists()  # nothing of 2027 charged or paid
    debtor.refresh_from_db()
    assert debtor.balance_minor == m("58841000")
    assert ledger_verify(agreement.portfolio) == []


def test_the_old_acceptance_and_order_left_the_down_payment_owing(plan):
    """The bug, reproduced with the pure rule: every installment's interest charged on acceptance and the old
    default order (all interest before any principal, due or not) pay 3.127.474,93 of 2027 interest and only
    1.872.525,07 of the down payment (the 1.872.526 of the report, in whole pesos), which keeps owing 3.127.474,93."""
    agreement, debtor, invoice = plan
    items = [OpenItem(i.number, i.due_date, f"{i.number:02d}",
                      {"principal": i.principal_minor, "interest": i.interest_minor, "fee": 0})
             for i in agreement.schedule.all()]
    old = allocate(m("5000000"), items, mode="component")  # no payment date: everything counted as due
    to_down = sum(a.amount_minor for a in old.allocations if a.obligation_id == 0)
    assert sum(a.amount_minor for a in old.allocations if a.component == "interest") == m("3127474.93")
    assert (to_down, m("5000000") - to_down) == (m("1872525.07"), m("3127474.93"))
    new = allocate(m("5000000"), items, on=TODAY)
    assert [(a.obligation_id, a.component, a.amount_minor) for a in new.allocations] == [(0, "principal",
                                                                                          m("5000000"))]


def test_each_installment_interest_is_charged_on_its_due_date_exactly_once(plan):
    agreement, debtor, invoice = plan
    portfolio = agreement.portfolio
    assert installment_interest_post(portfolio=portfolio, through=date(2027, 1, 14)) == 0
    assert agreements_daily(portfolio=portfolio, today=FIRST_DUE)["installment_interest"] == 1
    assert agreements_daily(portfolio=portfolio, today=FIRST_DUE)["installment_interest"] == 0  # idempotent
    assert installment_interest_post(portfolio=portfolio, through=FIRST_DUE) == 0
    (entry,) = Entry.objects.filter(debtor=debtor, kind="interest")
    assert (entry.obligation.number, entry.amount_minor, entry.value_date) == (
        f"{agreement.number}-01", m("882615.00"), FIRST_DUE)
    assert agreement.schedule.get(number=1).interest_entry == entry
    assert installment(agreement, 1).balance_minor == m("10328079.15")
    # a cycle that missed days catches up, each installment with its own due date, still once each
    assert installment_interest_post(portfolio=portfolio, through=date(2027, 3, 20)) == 2
    dates = list(Entry.objects.filter(debtor=debtor, kind="interest").order_by("value_date")
                 .values_list("value_date", flat=True))
    assert dates == [FIRST_DUE, date(2027, 2, 15), date(2027, 3, 15)]
    assert ledger_verify(portfolio) == []


def test_payment_on_the_due_date_pays_the_whole_installment_interest_first(plan):
    agreement, debtor, invoice = plan
    portfolio = agreement.portfolio
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("5000000"), date=TODAY, source_ref="p0")
    # the cycle has not run on 15 January: the payment charges the interest that fell due before allocating
    with on(FIRST_DUE):  # the ledger refuses a payment dated after the portfolio's today
        payment, _ = payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("10328079.15"),
                                    date=FIRST_DUE, source_ref="p1")
    paid = list(payment.entries.values_list("obligation__number", "component", "amount_minor"))
    assert paid == [(f"{agreement.number}-01", "interest", -m("882615.00")),
                    (f"{agreement.number}-01", "principal", -m("9445464.15"))]
    assert installment(agreement, 1).balance_minor == 0
    assert agreements_daily(portfolio=portfolio, today=FIRST_DUE)["installment_interest"] == 0


def test_payment_before_an_installment_falls_due_goes_to_its_principal(plan):
    agreement, debtor, invoice = plan
    portfolio = agreement.portfolio
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("6000000"), date=TODAY, source_ref="p0")
    # 5.000.000 pays the down payment (due); the 1.000.000 left goes to the principal of installment 1 (not due):
    # it owes no interest yet
    first = installment(agreement, 1)
    assert first.balance_minor == m("9445464.15") - m("1000000")
    installment_interest_post(portfolio=portfolio, through=FIRST_DUE)
    first.refresh_from_db()
    assert first.balance_minor == m("8445464.15") + m("882615.00")  # its interest, charged on its due date


def test_statement_after_acceptance_shows_the_plan_principal(plan):
    agreement, debtor, invoice = plan
    statement = statement_for(debtor=debtor, today=TODAY)
    assert statement.lines[-1].balance_minor == m("63841000")
    assert not [line for line in statement.lines if line.kind == "interest"]
    assert sum(o.balance_minor for o in statement.open_obligations) == m("63841000")


def test_refinanced_obligation_is_in_agreement_then_paid_when_the_plan_completes(plan):
    agreement, debtor, invoice = plan
    assert (invoice.status, invoice.balance_minor) == ("in_agreement", 0)
    total = agreement.down_payment_minor + agreement.financed_minor + agreement.interest_minor
    last = date(2027, 6, 15)
    installment_interest_post(portfolio=agreement.portfolio, through=last)
    with on(last):  # the ledger refuses a payment dated after the portfolio's today
        payment_receive(portfolio=agreement.portfolio, debtor=debtor, amount=Decimal(total) / 100, date=last,
                       source_ref="todo")
    invoice.refresh_from_db()
    assert invoice.status == "in_agreement"  # a payment elsewhere does not make it "paid"
    assert agreements_check_breach(portfolio=agreement.portfolio, today=last)["completed"] == 1
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_revert_breach_reopens_the_original_and_counts_only_payments(plan):
    agreement, debtor, invoice = plan
    portfolio = agreement.portfolio
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal("5000000"), date=TODAY, source_ref="p0")
    # nothing paid after: on 18 March 2027 installments 1 and 2 are over 30 days late -> broken (clause revert)
    assert agreements_check_breach(portfolio=portfolio, today=date(2027, 3, 17))["broken"] == 0
    assert agreements_check_breach(portfolio=portfolio, today=date(2027, 3, 18))["broken"] == 1
    invoice.refresh_from_db()
    # 63.841.000 reinstated less the 5.000.000 paid under the plan (not less the interest never charged)
    assert (invoice.status, invoice.balance_minor) == ("open", m("58841000"))
    assert ledger_verify(portfolio) == []


def test_an_installment_due_on_the_acceptance_day_owes_its_interest_at_once(portfolio):
    debtor = make_debtor(portfolio, code="AC2", name="Otro deudor")
    invoice = make_obligation(portfolio, debtor, number="FV-78", amount="1000000", issue=date(2026, 5, 1),
                              due=date(2026, 6, 30))
    agreement = agreement_create(portfolio=portfolio, debtor=debtor, obligations=[invoice], installments=2,
                                 first_due=TODAY, rate=Decimal("0.015"), rate_kind="monthly", today=TODAY, now=NOW)
    agreement_accept(agreement=agreement, channel="in_person", evidence_text="ok", today=TODAY, now=NOW)
    first = agreement.schedule.get(number=1)  # 1.000.000 x 1,5 % = 15.000,00 of interest, due today
    assert first.interest_minor == m("15000") and first.interest_entry.value_date == TODAY
    assert not agreement.schedule.get(number=2).interest_entry
    debtor.refresh_from_db()
    assert debtor.balance_minor == m("1015000")


def test_installments_drive_the_current_aging_and_the_history_keeps_the_original_days(plan):
    from recaudo.reports.selectors import aging_report

    agreement, debtor, invoice = plan
    now = aging_report(portfolio=agreement.portfolio, as_of=TODAY, by="obligation")
    rows = [(r.number, r.days_past_due, r.balance_minor) for r in now.rows]
    assert rows[0] == (f"{agreement.number}-00", 0, m("5000000"))
    assert [r[0] for r in rows] == [f"{agreement.number}-{k:02d}" for k in range(7)]  # FV-77 owes 0: not there
    assert now.overdue_minor == 0
    before = aging_report(portfolio=agreement.portfolio, as_of=date(2026, 9, 14), by="obligation")
    assert [(r.number, r.days_past_due, r.balance_minor) for r in before.rows] == [("FV-77", 76, m("63841000"))]
