"""Ledger services on a real database (SQLite and PostgreSQL): entries, payments, reversals, integrity."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.models import Entry, Payment
from recaudo.ledger.posting import entry_post
from recaudo.ledger.services import (
    LedgerError,
    entry_reverse,
    ledger_verify,
    obligation_set_dispute,
    payment_record,
    payment_reverse,
)
from recaudo.portfolio.validation import ValidationProblem

pytestmark = pytest.mark.django_db


@pytest.fixture
def debtor(portfolio):
    return make_debtor(portfolio)


@pytest.fixture
def two_invoices(portfolio, debtor):
    old = make_obligation(portfolio, debtor, "F-1", "100000", date(2026, 1, 1), date(2026, 1, 31))
    new = make_obligation(portfolio, debtor, "F-2", "250000", date(2026, 2, 1), date(2026, 3, 3))
    return old, new


def refresh(*objs):
    for obj in objs:
        obj.refresh_from_db()


def test_obligation_creation_posts_the_principal_charge(portfolio, debtor, two_invoices):
    old, new = two_invoices
    charge = Entry.objects.get(obligation=old)
    assert (charge.kind, charge.component, charge.amount_minor, charge.value_date) == (
        "charge", "principal", 100000_00, date(2026, 1, 1))
    debtor.refresh_from_db()
    assert debtor.balance_minor == 350000_00
    assert debtor.open_count == 2
    assert debtor.oldest_due_date == date(2026, 1, 31)


def test_payment_by_debtor_goes_to_interest_then_principal_oldest_first(portfolio, debtor, two_invoices):
    old, new = two_invoices
    entry_post(obligation=new, kind="interest", amount=Decimal("1500"), value_date=date(2026, 4, 1))
    payment, created = payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal("101500"),
                                      date=date(2026, 4, 2), reference="PSE-1")
    assert created
    rows = sorted(payment.entries.values_list("obligation__number", "component", "amount_minor"))
    assert rows == [("F-1", "principal", -100000_00), ("F-2", "interest", -1500_00)]
    refresh(old, new, debtor)
    assert (old.balance_minor, old.status) == (0, "paid")
    assert new.balance_minor == 250000_00
    assert debtor.balance_minor == 250000_00 and debtor.open_count == 1


def test_payment_naming_an_obligation_goes_there_first(portfolio, debtor, two_invoices):
    old, new = two_invoices
    payment, _ = payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal("50000"),
                                date=date(2026, 4, 2), reference="X", obligation=new)
    assert list(payment.entries.values_list("obligation__number", "amount_minor")) == [("F-2", -50000_00)]


def test_overpayment_becomes_debtor_credit(portfolio, debtor, two_invoices):
    payment, _ = payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal("400000"),
                                date=date(2026, 4, 2), reference="BIG")
    assert payment.unapplied_minor == 50000_00
    debtor.refresh_from_db()
    assert debtor.balance_minor == 0
    assert debtor.credit_minor == 50000_00


def test_payment_only_reaches_obligations_issued_by_its_date(portfolio, debtor, two_invoices):
    payment, _ = payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal("150000"),
                                date=date(2026, 1, 15), reference="EARLY")
    assert list(payment.entries.values_list("obligation__number", "amount_minor")) == [("F-1", -100000_00)]
    assert payment.unapplied_minor == 50000_00


def test_same_reference_is_not_applied_twice(portfolio, debtor, two_invoices):
    first, created = payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"),
                                    date=date(2026, 4, 2), reference="R-1")
    again, created_again = payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"),
                                          date=date(2026, 4, 2), reference="R-1")
    assert created and not created_again and first.pk == again.pk
    assert Payment.objects.count() == 1


def test_payment_reversal_restores_balances_and_keeps_history(portfolio, debtor, two_invoices):
    old, _ = two_invoices
    payment, _ = payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal("100000"),
                                date=date(2026, 4, 2), reference="CHQ-9")
    payment_reverse(payment=payment, reason="cheque devuelto")
    refresh(old, debtor)
    assert (old.balance_minor, old.status) == (100000_00, "open")
    assert debtor.balance_minor == 350000_00
    assert Entry.objects.filter(kind="payment").count() == 1
    assert Entry.objects.filter(kind="reversal").count() == 1
    with pytest.raises(LedgerError, match="ya está reversado"):
        payment_reverse(payment=payment, reason="again")


def test_entry_reversal_and_write_off(portfolio, debtor, two_invoices):
    old, _ = two_invoices
    fee = entry_post(obligation=old, kind="fee", amount=Decimal("5000"), value_date=date(2026, 2, 1))
    entry_reverse(entry=fee, reason="fee not documented")
    with pytest.raises(LedgerError, match="ya está reversado"):
        entry_reverse(entry=fee, reason="twice")
    entry_post(obligation=old, kind="write_off", amount=Decimal("100000"), value_date=date(2026, 6, 1),
               memo="incobrable")
    old.refresh_from_db()
    assert (old.balance_minor, old.status) == (0, "written_off")
    assert ledger_verify(portfolio) == []


def test_discount_cannot_exceed_what_is_owed(portfolio, debtor, two_invoices):
    old, _ = two_invoices
    with pytest.raises(LedgerError, match="exceeds"):
        entry_post(obligation=old, kind="discount", amount=Decimal("100000.01"), value_date=date(2026, 2, 1))


def test_rounding_follows_the_currency(portfolio, debtor, two_invoices):
    old, _ = two_invoices
    entry = entry_post(obligation=old, kind="interest", amount=Decimal("10.005"), value_date=date(2026, 2, 1))
    assert entry.amount_minor == 1001  # COP has 2 decimals, half-up


def test_every_write_is_audited(portfolio, debtor, two_invoices):
    payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal("1000"), date=date(2026, 4, 2),
                   reference="AUD")
    event = AuditEvent.objects.filter(event_type="payment.recorded").get()
    assert event.debtor == debtor
    assert event.changes["amount"] == "1000.00"
    assert event.changes["allocations"] == [{"obligation": "F-1", "component": "principal", "amount": "1000.00"}]


def test_database_refuses_to_update_an_entry(portfolio, debtor, two_invoices):
    entry = Entry.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(amount_minor=1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row DELETE trigger exists on PostgreSQL only")
def test_postgresql_refuses_to_delete_an_entry(portfolio, debtor, two_invoices):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM ledger_entry")


@pytest.mark.parametrize(
    "kind,amount", [("charge", -5), ("payment", 5), ("discount", 5), ("interest", 0), ("reversal", 5)]
)
def test_check_constraints_enforce_signs(portfolio, debtor, two_invoices, kind, amount):
    old, _ = two_invoices
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(portfolio=portfolio, debtor=debtor, obligation=old, kind=kind, component="principal",
                             amount_minor=amount, value_date=date(2026, 1, 1), created_at=timezone.now())


def test_portfolio_wide_debtor_refresh_matches_the_per_debtor_refresh(portfolio, debtor, two_invoices):
    from recaudo.ledger.posting import refresh_portfolio_debtors, refresh_summaries
    from recaudo.ledger.services import obligation_set_dispute
    from recaudo.portfolio.models import Debtor

    old, new = two_invoices
    payment_record(portfolio=portfolio, debtor=debtor, amount=Decimal("100000"), date=date(2026, 4, 2),
                   reference="P")
    obligation_set_dispute(obligation=new, disputed=True, reason="no llegó")
    paid_up = make_debtor(portfolio, code="C2", name="Pagó Todo")
    paid_ob = make_obligation(portfolio, paid_up, "F-9", "1000")
    payment_record(portfolio=portfolio, debtor=paid_up, amount=Decimal("1000"), date=date(2026, 4, 2),
                   reference="P2", obligation=paid_ob)
    fields = ("balance_minor", "open_count", "oldest_due_date", "disputed")
    expected = list(Debtor.objects.order_by("pk").values_list(*fields))
    Debtor.objects.update(balance_minor=7, open_count=9, oldest_due_date=date(2000, 1, 1), disputed=True)
    refresh_portfolio_debtors(portfolio.pk)
    assert list(Debtor.objects.order_by("pk").values_list(*fields)) == expected
    assert expected == [(250000_00, 1, date(2026, 3, 3), True), (0, 0, None, False)]
    refresh_summaries(portfolio=portfolio)
    assert list(Debtor.objects.order_by("pk").values_list(*fields)) == expected


def _immediate_keys():
    """Foreign keys are checked at commit (deferred); the test's transaction never commits: check them now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize("mismatch", ["debtor", "portfolio", "obligation"])
def test_database_refuses_an_entry_that_does_not_match_its_obligation(portfolio, other_portfolio, debtor,
                                                                       two_invoices, mismatch):
    """One composite key (obligation, debtor, portfolio): the entry's debtor and portfolio must be those of its
    obligation, and the obligation must exist."""
    from django.utils import timezone

    old, _ = two_invoices
    values = {"portfolio_id": portfolio.pk, "debtor_id": debtor.pk, "obligation_id": old.pk}
    if mismatch == "debtor":
        values["debtor_id"] = make_debtor(portfolio, code="OTRO", name="Otro Deudor").pk
    elif mismatch == "portfolio":
        values["portfolio_id"] = other_portfolio.pk
    else:
        values["obligation_id"] = old.pk + 1000
    with pytest.raises(IntegrityError), transaction.atomic():
        _immediate_keys()
        Entry.objects.create(**values, kind="charge", component="fee", amount_minor=100,
                             value_date=date(2026, 1, 1), created_at=timezone.now())
    with transaction.atomic():  # the same entry with the obligation's own triple goes in
        _immediate_keys()
        Entry.objects.create(portfolio=portfolio, debtor=debtor, obligation=old, kind="charge", component="fee",
                             amount_minor=100, value_date=date(2026, 1, 1), created_at=timezone.now())


def test_database_refuses_a_second_reversal_of_the_same_entry(portfolio, debtor, two_invoices):
    """entry_reversed_once: a partial unique index (only entries that reverse one), the database's own guard
    behind entry_reverse's check."""
    from django.utils import timezone

    old, _ = two_invoices
    fee = entry_post(obligation=old, kind="fee", amount=Decimal("5000"), value_date=date(2026, 2, 1))
    reversal = entry_reverse(entry=fee, reason="fee not documented")
    assert list(fee.reversed_by.all()) == [reversal]
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(portfolio=portfolio, debtor=debtor, obligation=old, kind="reversal", component="fee",
                             amount_minor=-5000 * 100, value_date=date(2026, 2, 2), created_at=timezone.now(),
                             reverses=fee)
    # entries that reverse nothing are not constrained by it
    entry_post(obligation=old, kind="fee", amount=Decimal("10"), value_date=date(2026, 2, 3))
    entry_post(obligation=old, kind="fee", amount=Decimal("10"), value_date=date(2026, 2, 3))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the obligation guards are PostgreSQL's")
def test_postgresql_never_deletes_nor_rekeys_an_obligation(portfolio, debtor, two_invoices):
    """The entries' key is checked per statement without locking obligations, which is exact because an
    obligation never vanishes nor changes id, debtor or portfolio; any other field may change."""
    old, new = two_invoices
    other = make_debtor(portfolio, code="OTRO", name="Otro Deudor")
    with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM portfolio_obligation WHERE id = %s", [old.pk])
    with pytest.raises(IntegrityError, match="never change"), transaction.atomic():
        type(old).objects.filter(pk=old.pk).update(debtor=other)
    old.description = "Factura corregida"
    old.save()  # every column written, the key unchanged: allowed
    old.refresh_from_db()
    assert old.description == "Factura corregida" and old.debtor_id == debtor.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the per-statement key check is PostgreSQL's")
def test_one_mismatched_entry_fails_its_whole_statement(portfolio, debtor, two_invoices):
    from django.utils import timezone

    old, new = two_invoices
    before = Entry.objects.count()
    rows = [Entry(portfolio=portfolio, debtor=debtor, obligation=o, kind="charge", component="fee", amount_minor=100,
                  value_date=date(2026, 1, 1), created_at=timezone.now()) for o in (old, new, old)]
    rows[1].debtor_id = make_debtor(portfolio, code="OTRO", name="Otro Deudor").pk
    with pytest.raises(IntegrityError, match="obligation key"), transaction.atomic():
        Entry.objects.bulk_create(rows)
    assert Entry.objects.count() == before


def test_a_principal_charge_says_its_obligations_description(portfolio, debtor):
    """Its memo is empty (the description is not stored twice); Entry.label, the debtor page and the statement
    show the obligation's description, and any other entry its memo."""
    from recaudo.ledger.services import obligation_create
    from recaudo.reports.statements import statement_for

    invoice = obligation_create(portfolio=portfolio, debtor=debtor, number="F-7", amount=Decimal("1000"),
                                issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
                                description="Venta de café - pedido 12")
    charge = Entry.objects.get(obligation=invoice, kind="charge")
    assert charge.memo == "" and charge.label == "Venta de café - pedido 12"
    fee = entry_post(obligation=invoice, kind="fee", amount=Decimal("5"), value_date=date(2026, 2, 1), memo="Envío")
    assert fee.label == "Envío"
    lines = statement_for(debtor=debtor).lines
    assert [line.description for line in lines][:2] == ["Venta de café - pedido 12", "Envío"]


# -- obligations (obligation_create, through make_obligation; obligation_set_dispute) -----------------------


def test_obligation_rules(portfolio):
    debtor = make_debtor(portfolio)
    make_obligation(portfolio, debtor, "F-1")
    with pytest.raises(ValidationProblem, match="ya existe"):
        make_obligation(portfolio, debtor, "F-1")
    with pytest.raises(ValidationProblem, match="anterior a la fecha de emisión"):
        make_obligation(portfolio, debtor, "F-2", issue=date(2026, 2, 1), due=date(2026, 1, 1))
    with pytest.raises(ValidationProblem, match="mayor que cero"):
        make_obligation(portfolio, debtor, "F-3", amount="0")
    with pytest.raises(ValidationProblem, match="difiere"):
        make_obligation(portfolio, debtor, "F-4", currency="USD")


def test_dispute_needs_a_reason_and_flags_the_debtor(portfolio):
    debtor = make_debtor(portfolio)
    obligation = make_obligation(portfolio, debtor, "F-1", amount=Decimal("5000"))
    with pytest.raises(ValidationProblem) as missing:
        obligation_set_dispute(obligation=obligation, disputed=True)
    assert missing.value.field == "reason"
    obligation_set_dispute(obligation=obligation, disputed=True, reason="mercancía defectuosa")
    debtor.refresh_from_db()
    assert debtor.disputed
    obligation_set_dispute(obligation=obligation, disputed=False)
    debtor.refresh_from_db()
    assert not debtor.disputed


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"number": " "}, "number", "obligatorio"),
    ({"currency": "usd"}, "currency", "USD difiere de la moneda de la cartera, COP"),
    ({"due_date": date(2025, 12, 31)}, "due_date",
     "la fecha de vencimiento 31/12/2025 es anterior a la fecha de emisión 01/01/2026"),
    ({"amount": Decimal("0")}, "amount", "must be positive"),
])
def test_obligation_errors_carry_their_field_and_say_the_reason_in_the_page_language(debtor, changes, field,
                                                                                     message):
    from django.utils import translation

    from recaudo.ledger.services import obligation_create

    arguments = {"portfolio": debtor.portfolio, "debtor": debtor, "number": "F-9", "amount": Decimal("1000"),
                 "issue_date": date(2026, 1, 1), "due_date": date(2026, 1, 31), **changes}
    with pytest.raises(ValidationProblem) as caught:
        obligation_create(**arguments)
    expected = "debe ser mayor que cero" if message == "must be positive" else message
    assert (caught.value.field, caught.value.message) == (field, expected)
    with translation.override("en"), pytest.raises(ValidationProblem) as caught:
        obligation_create(**arguments)
    assert caught.value.field == field and "obligatorio" not in caught.value.message
