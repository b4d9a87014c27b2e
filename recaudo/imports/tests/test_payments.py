from datetime import UTC, date, datetime
from unittest import mock

import pytest

from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.models import Entry, Payment
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Debtor, Obligation

from .helpers import errors, run, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(portfolio):
    ana = make_debtor(portfolio, code="C1")
    make_obligation(portfolio, ana, number="F-1", amount="100000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    make_obligation(portfolio, ana, number="F-2", amount="50000", issue=date(2026, 2, 1), due=date(2026, 2, 28))
    make_obligation(portfolio, ana, number="F-3", amount="70000", issue=date(2026, 4, 1), due=date(2026, 4, 30))
    return ana


def allocations():
    return sorted((e.payment.reference or e.payment.source_ref[:3], e.obligation.number, -e.amount_minor)
                  for e in Entry.objects.filter(kind="payment").select_related("payment", "obligation"))


def test_payment_by_obligation(portfolio, book, tmp_path):
    path = write(tmp_path, "obligation,date,amount,method,reference\nF-2,10/03/2026,30000,transfer,T-1\n")
    result = run(portfolio, "payments", path)
    assert (result.created, result.rejected, result.committed) == (1, 0, True)
    assert allocations() == [("T-1", "F-2", 3000000)]
    payment = Payment.objects.get()
    assert (payment.source, payment.source_ref, payment.method, payment.obligation.number, payment.date) == (
        "import", "T-1", "transfer", "F-2", date(2026, 3, 10))
    assert Obligation.objects.get(number="F-2").balance_minor == 2000000
    assert Debtor.objects.get(code="C1").balance_minor == 19000000
    assert ledger_verify(portfolio) == []


def test_payment_by_debtor_allocates_oldest_first_only_to_issued(portfolio, book, tmp_path):
    # issued on or before 2026-03-10: F-1 (100000) and F-2 (50000); F-3 (April) gets nothing; leftover is credit
    path = write(tmp_path, "debtor_code,date,amount,reference\nC1,10/03/2026,170000,R-1\n")
    result = run(portfolio, "payments", path)
    assert result.created == 1
    assert allocations() == [("R-1", "F-1", 10000000), ("R-1", "F-2", 5000000)]
    payment = Payment.objects.get()
    assert payment.unapplied_minor == 2000000
    ana = Debtor.objects.get(code="C1")
    assert (ana.balance_minor, ana.credit_minor, ana.open_count) == (7000000, 2000000, 1)
    assert Obligation.objects.get(number="F-1").status == "paid"
    assert ledger_verify(portfolio) == []


def test_several_payments_in_date_order_against_running_balances(portfolio, book, tmp_path):
    path = write(tmp_path, "debtor_code;date;amount\nC1;05/04/2026;100000\nC1;01/03/2026;120000\n")
    result = run(portfolio, "payments", path)
    assert result.created == 2
    first, second = Payment.objects.order_by("date")
    got = {(p.date, e.obligation.number, -e.amount_minor) for p in (first, second) for e in p.entries.all()}
    assert got == {(date(2026, 3, 1), "F-1", 10000000), (date(2026, 3, 1), "F-2", 2000000),
                   (date(2026, 4, 5), "F-2", 3000000), (date(2026, 4, 5), "F-3", 7000000)}
    assert (first.unapplied_minor, second.unapplied_minor) == (0, 0)
    assert Debtor.objects.get(code="C1").balance_minor == 0


def test_same_reference_not_applied_twice(portfolio, book, tmp_path):
    path = write(tmp_path, "obligation,date,amount,reference\nF-1,10/03/2026,1000,R-9\nF-1,10/03/2026,1000,R-9\n")
    result = run(portfolio, "payments", path)
    assert (result.created, result.unchanged) == (1, 1)
    again = run(portfolio, "payments", path)
    assert (again.created, again.unchanged) == (0, 2)
    assert Payment.objects.count() == 1 and Entry.objects.filter(kind="payment").count() == 1


def test_identical_rows_without_reference_are_two_payments_and_idempotent(portfolio, book, tmp_path):
    path = write(tmp_path, "obligation,date,amount\nF-1,10/03/2026,1000\nF-1,10/03/2026,1000\n")
    assert run(portfolio, "payments", path).created == 2
    again = run(portfolio, "payments", path)
    assert (again.created, again.unchanged) == (0, 2)
    assert Payment.objects.count() == 2
    assert Obligation.objects.get(number="F-1").balance_minor == 10000000 - 200000


def test_payment_row_errors(portfolio, book, tmp_path):
    path = write(tmp_path, "obligation,debtor_code,date,amount\nF-99,,10/03/2026,1000\n,ZZ,10/03/2026,1000\n"
                           ",,10/03/2026,5\nF-1,C1,10/03/2026,-5\nF-1,OTRO,10/03/2026,5\n")
    result = run(portfolio, "payments", path)
    assert errors(result) == [
        (2, "obligation", "F-99", "unknown obligation 'F-99'"),
        (3, "debtor_code", "ZZ", "unknown debtor 'ZZ'"),
        (4, "obligation", "", "required: name an obligation or a debtor"),
        (5, "amount", "-5", "must not be negative"),
        (6, "debtor_code", "OTRO", "obligation F-1 belongs to debtor 'C1'"),
    ]
    assert Payment.objects.count() == 0


def test_payment_missing_reference_columns(portfolio, tmp_path):
    from recaudo.imports.services import ImportFileError

    with pytest.raises(ImportFileError, match="missing required column obligation or debtor_code; headers found: "
                                              "'fecha', 'date', 'amount'"):
        run(portfolio, "payments", write(tmp_path, "fecha,date,amount\nx,01/01/2026,5\n"))


def test_imported_payment_within_the_window_gets_the_early_payment_discount(portfolio, book, tmp_path):
    from decimal import Decimal

    from recaudo.ledger.models import InterestSettings

    InterestSettings.objects.create(portfolio=portfolio, early_discount_pct=Decimal("2"), early_discount_days=10)
    # F-2 (50.000, issued 01/02/2026) paid 49.000 on day 9: the 2 % discount (1.000) closes it;
    # F-1 paid late (issued 01/01/2026, paid 20/01/2026): no discount.
    path = write(tmp_path, "obligation,date,amount,method,reference\n"
                           "F-2,10/02/2026,49000,PSE,T-1\nF-1,20/01/2026,98000,PSE,T-2\n")
    result = run(portfolio, "payments", path)
    assert result.committed
    f2, f1 = Obligation.objects.get(number="F-2"), Obligation.objects.get(number="F-1")
    assert (f2.balance_minor, f2.status) == (0, "paid")
    assert list(Entry.objects.filter(obligation=f2, kind="discount").values_list("amount_minor", flat=True)) == [
        -1000_00]
    assert f1.balance_minor == 2000_00
    assert not Entry.objects.filter(obligation=f1, kind="discount").exists()
    assert ledger_verify(portfolio) == []


def test_imported_payments_charge_due_installment_interest_first_and_earn_lump_sum_discounts(portfolio, tmp_path):
    """Issue 11 through the import: a payment on an installment's due date pays its interest (charged before the
    allocation), and a lump-sum payment books its offer's discount with the payment's date."""
    from decimal import Decimal

    from recaudo.agreements.models import AuthorityLimit
    from recaudo.agreements.services.offers import offer_accept, offer_create
    from recaudo.agreements.services.plans import agreement_accept, agreement_create
    from recaudo.demo.testing import at_local, make_user

    today = date(2026, 3, 2)
    now = at_local(today, "10:00")
    ana = make_debtor(portfolio, code="C1")
    f1 = make_obligation(portfolio, ana, number="F-1", amount="100000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    plan = agreement_create(portfolio=portfolio, debtor=ana, obligations=[f1], installments=2,
                            first_due=date(2026, 4, 1), rate=Decimal("0.01"), rate_kind="monthly", today=today)
    plan = agreement_accept(agreement=plan, channel="in_person", evidence_text="ok", today=today)
    first = plan.schedule.get(number=1)  # 50.751,24 = 1.000,00 interest + 49.751,24 principal
    assert (first.amount_minor, first.interest_minor) == (5075124, 100000)
    beto = make_debtor(portfolio, code="C2")
    g1 = make_obligation(portfolio, beto, number="G-1", amount="200000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    AuthorityLimit.objects.create(portfolio=portfolio, role="agent", max_discount_pct=Decimal(10))
    agent = make_user("ana", portfolio, role="agent")
    offer = offer_create(portfolio=portfolio, debtor=beto, kind="lump_sum_discount", obligations=[g1],
                         params={"discount_pct": "10", "pay_by": "2026-04-15"}, actor=agent, today=today, now=now)
    offer_accept(offer=offer, actor=agent, evidence_text="ok", today=today, now=now)
    path = write(tmp_path, "debtor_code,date,amount,reference\nC1,01/04/2026,50751.24,R-1\nC2,01/04/2026,180000,R-2\n")
    assert run(portfolio, "payments", path).created == 2
    assert Obligation.objects.get(number=f"{plan.number}-01").balance_minor == 0
    assert allocations()[:2] == [("R-1", f"{plan.number}-01", 100000), ("R-1", f"{plan.number}-01", 4975124)]
    discount = Entry.objects.get(obligation=g1, kind="discount")
    assert (discount.amount_minor, discount.value_date) == (-2000000, date(2026, 4, 1))
    assert Obligation.objects.get(number="G-1").balance_minor == 0
    assert ledger_verify(portfolio) == []


# 2026-12-07 03:00 UTC is still 2026-12-06 (22:00) in Bogotá, the portfolio's time zone
LATE_EVENING_IN_BOGOTA = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_a_row_dated_after_the_portfolios_today_is_rejected_and_nothing_is_written(portfolio, book, tmp_path):
    path = write(tmp_path, "obligation,date,amount,reference\nF-1,06/12/2026,1000,R-1\nF-1,07/12/2026,1000,R-2\n")
    with mock.patch("django.utils.timezone.now", return_value=LATE_EVENING_IN_BOGOTA):
        result = run(portfolio, "payments", path)
        assert errors(result) == [(3, "date", "07/12/2026", "the payment date 2026-12-07 is after today "
                                                             "(2026-12-06) in the portfolio's time zone")]
        assert not result.committed  # all or nothing: the valid row is not kept either
        assert not Payment.objects.exists() and not Entry.objects.filter(kind="payment").exists()
        result = run(portfolio, "payments", path, skip_invalid=True)
    assert (result.created, result.rejected) == (1, 1)
    assert list(Payment.objects.values_list("reference", "date")) == [("R-1", date(2026, 12, 6))]
    assert Entry.objects.filter(kind="payment").count() == 1 and ledger_verify(portfolio) == []


def test_payment_amounts_read_like_everywhere_else(portfolio, book, tmp_path):
    path = write(tmp_path, 'obligation;date;amount;reference\nF-1;10/03/2026;"1.500,50";R-1\n'
                           'F-1;10/03/2026;$ 2.000;R-2\nF-1;10/03/2026;1.50;R-3\nF-1;10/03/2026;"1,505";R-4\n')
    result = run(portfolio, "payments", path, decimal="comma")
    assert errors(result) == [
        (4, "amount", "1.50", "not a number: '.' only separates thousands, in groups of three, and ',' marks the "
                              "decimals (1.500.000,50)"),
        (5, "amount", "1,505", "COP amounts have at most 2 decimals"),
    ]
    run(portfolio, "payments", path, decimal="comma", skip_invalid=True)
    assert sorted(Payment.objects.values_list("reference", "amount_minor")) == [("R-1", 150050), ("R-2", 200000)]


def test_imported_payments_get_numbered_receipts_like_the_debtor_page(portfolio, book, tmp_path):
    """A payment from a file gets its recibo de caja as one recorded on the debtor page (payment_receive): one
    numbering per portfolio, in file order, the same receipt.issued event; a re-import issues none again."""
    from decimal import Decimal

    from recaudo.agreements.services.payments import payment_receive
    from recaudo.audit.models import AuditEvent
    from recaudo.ledger.models import Receipt

    by_hand, _created = payment_receive(portfolio=portfolio, debtor=book, amount=Decimal("1000"),
                                        date=date(2026, 3, 1), reference="CAJA-1", actor="test")
    assert by_hand.receipt.label == "RC-000001"
    path = write(tmp_path, "debtor_code,date,amount,reference\nC1,10/03/2026,5000,R-B\nC1,05/03/2026,4000,R-A\n")
    result = run(portfolio, "payments", path)
    assert result.created == 2
    labels = {r.payment.reference: r.label for r in Receipt.objects.select_related("payment")}
    assert labels == {"CAJA-1": "RC-000001", "R-B": "RC-000002", "R-A": "RC-000003"}
    events = AuditEvent.objects.filter(event_type="receipt.issued", debtor=book)
    assert sorted(e.changes["receipt"] for e in events) == ["RC-000001", "RC-000002", "RC-000003"]
    again = run(portfolio, "payments", path)
    assert (again.created, again.unchanged) == (0, 2)
    assert Receipt.objects.count() == 3
    after, _created = payment_receive(portfolio=portfolio, debtor=book, amount=Decimal("1000"),
                                      date=date(2026, 3, 12), reference="CAJA-2", actor="test")
    assert after.receipt.label == "RC-000004"
