from datetime import date

import pytest

from recaudo.agreements.services.payments import payment_receive
from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.imports import services
from recaudo.ledger.models import Entry
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Contact, Debtor, Obligation

from .helpers import errors, flat, run, write

pytestmark = pytest.mark.django_db

ROW1 = "F-1;C1;Ana Pérez;CC;1020304050;3001234567;ana@example.com;factura;01/02/2026;03/03/2026;1.500.000,50;COP;Venta"
ROW2 = "F-2;C1;Ana Pérez;CC;1020304050;3001234567;ana@example.com;cuota;2026-02-10;2026-03-10;250000;;"
ROW3 = "F-3;C2;Bodega SAS;NIT;900123456-8;;;multa;01/02/2026;28/02/2026;100;;"


def test_flat_file_creates_debtors_contacts_and_obligations(portfolio, tmp_path):
    result = run(portfolio, "obligations", write(tmp_path, flat(ROW1, ROW2, ROW3)))
    assert result.committed and (result.created, result.rejected, result.debtors_created) == (3, 0, 2)
    ana = Debtor.objects.get(code="C1")
    assert (ana.name, ana.id_type, ana.id_number, ana.balance_minor, ana.open_count) == (
        "Ana Pérez", "CC", "1020304050", 175000050, 2)
    assert ana.oldest_due_date == date(2026, 3, 3)
    assert ana.search_text == "ana perez c1 1020304050 +573001234567 ana@example.com"
    assert Debtor.objects.get(code="C2").kind == "company"
    assert set(Contact.objects.filter(debtor=ana).values_list("channel", "value")) == {
        ("phone", "+573001234567"), ("email", "ana@example.com")}
    assert not Contact.objects.filter(consents__isnull=False).exists()
    f1 = Obligation.objects.get(number="F-1")
    assert (f1.kind, f1.original_minor, f1.balance_minor, f1.status, f1.description) == (
        "invoice", 150000050, 150000050, "open", "Venta")
    entry = Entry.objects.get(obligation=f1)
    assert (entry.kind, entry.component, entry.amount_minor, entry.value_date) == (
        "charge", "principal", 150000050, date(2026, 2, 1))
    assert Obligation.objects.get(number="F-2").kind == "installment"
    assert Obligation.objects.get(number="F-3").kind == "fine"
    assert ledger_verify(portfolio) == []
    event = AuditEvent.objects.get(event_type="import.completed")
    assert event.changes["created"] == 3 and event.changes["filename"] == "file.csv"


def test_import_twice_is_idempotent(portfolio, tmp_path):
    path = write(tmp_path, flat(ROW1, ROW2, ROW3))
    run(portfolio, "obligations", path)
    entries, events = Entry.objects.count(), AuditEvent.objects.exclude(event_type="import.completed").count()
    again = run(portfolio, "obligations", path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert (again.debtors_created, again.debtors_updated) == (0, 0)
    assert Entry.objects.count() == entries
    assert AuditEvent.objects.exclude(event_type="import.completed").count() == events


def test_changed_amount_posts_adjustment_and_audit(portfolio, tmp_path):
    run(portfolio, "obligations", write(tmp_path, flat(ROW1, ROW2)))
    changed = ROW1.replace("1.500.000,50", "1.600.000,50").replace("Venta", "Venta mostrador")
    result = run(portfolio, "obligations", write(tmp_path, flat(changed, ROW2)))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    f1 = Obligation.objects.get(number="F-1")
    assert (f1.original_minor, f1.balance_minor, f1.description) == (160000050, 160000050, "Venta mostrador")
    adjustment = Entry.objects.get(obligation=f1, kind="adjustment")
    assert (adjustment.amount_minor, adjustment.value_date, adjustment.component) == (
        10000000, date(2026, 2, 1), "principal")
    event = AuditEvent.objects.get(event_type="obligation.updated")
    assert event.changes["original_minor"] == ["1500000.50", "1600000.50"]
    assert event.changes["description"] == ["Venta", "Venta mostrador"]
    assert Debtor.objects.get(code="C1").balance_minor == 185000050
    assert ledger_verify(portfolio) == []


def test_changed_amount_never_below_paid(portfolio, tmp_path):
    run(portfolio, "obligations", write(tmp_path, flat(ROW2)))
    debtor = Debtor.objects.get(code="C1")
    payment_receive(portfolio=portfolio, debtor=debtor, amount=200000, date=date(2026, 2, 20), reference="X")
    result = run(portfolio, "obligations", write(tmp_path, flat(ROW2.replace("250000", "150000"))))
    assert errors(result) == [(2, "amount", "150000.00", "the new amount is below what was already paid (200000.00)")]


def test_changed_debtor_data_updates_with_audit(portfolio, tmp_path):
    run(portfolio, "obligations", write(tmp_path, flat(ROW2)))
    result = run(portfolio, "obligations", write(tmp_path, flat(
        ROW2.replace("Ana Pérez", "Ana María Pérez").replace("3001234567", "3109876543"))))
    assert (result.unchanged, result.debtors_updated) == (1, 1)
    ana = Debtor.objects.get(code="C1")
    assert ana.name == "Ana María Pérez"
    assert "+573109876543" in ana.search_text and "ana maria perez" in ana.search_text
    phones = Contact.objects.filter(debtor=ana, channel="phone").order_by("id")
    assert [(c.value, c.is_primary) for c in phones] == [("+573001234567", True), ("+573109876543", False)]
    assert AuditEvent.objects.filter(event_type="debtor.updated").count() == 2


def test_existing_debtor_without_customer_columns(portfolio, tmp_path):
    make_debtor(portfolio, code="C9")
    path = write(tmp_path, "number,debtor_code,issue_date,due_date,amount\nA-1,C9,01/01/2026,31/01/2026,1000\n"
                           "A-2,ZZ,01/01/2026,31/01/2026,1000\n")
    result = run(portfolio, "obligations", path)
    assert errors(result) == [(3, "debtor_code", "ZZ", "unknown debtor 'ZZ': not in the portfolio (add "
                               "debtor_name and the other customer columns to create it)")]
    assert not result.committed and Obligation.objects.count() == 0


@pytest.mark.parametrize(("row", "expected"), [
    (ROW1.replace("03/03/2026", "31/02/2026"), (2, "due_date", "31/02/2026", "not a valid date")),
    (ROW1.replace("03/03/2026", "15/01/2026"),
     (2, "due_date", "15/01/2026", "due date is before the issue date (01/02/2026)")),
    (ROW1.replace("1.500.000,50", "-500"), (2, "amount", "-500", "must not be negative")),
    (ROW1.replace("1.500.000,50", "mil"),
     (2, "amount", "mil", "not a number: write it like 1.500.000,50 / 1,500,000.50")),
    (ROW1.replace("1.500.000,50", "0"), (2, "amount", "0", "must be positive")),
    (ROW1.replace(";COP;", ";XYZ;"), (2, "currency", "XYZ", "unknown currency")),
    (ROW1.replace(";COP;", ";USD;"), (2, "currency", "USD", "currency USD differs from the portfolio's COP")),
    (ROW1.replace("3001234567", "12345"), (2, "debtor_phone", "12345", "invalid phone '12345' for CO")),
    (ROW1.replace("ana@example.com", "ana@"), (2, "debtor_email", "ana@", "invalid email 'ana@'")),
    (ROW1.replace("1020304050", "12A"),
     (2, "debtor_id_number", "12A", "invalid CC '12A': a cédula de ciudadanía has 3 to 10 digits")),
    (ROW1.replace("factura", "bono"), (2, "kind", "bono", "unknown kind (use invoice/factura, installment/cuota, "
                                       "loan/prestamo, hoa_fee/cuota de administracion, fine/multa, other/otro)")),
    (ROW1.replace(";01/02/2026;", ";;"), (2, "issue_date", "", "required")),
    (ROW1.replace("Ana Pérez", ""),
     (2, "debtor_code", "C1", "unknown debtor 'C1': not in the portfolio and the row has no debtor name to "
                              "create it")),
])
def test_row_errors(portfolio, tmp_path, row, expected):
    result = run(portfolio, "obligations", write(tmp_path, flat(row, ROW3)))
    assert errors(result) == [expected]
    assert (result.rejected, result.committed) == (1, False)
    assert Obligation.objects.count() == 0 and Debtor.objects.count() == 0


def test_nit_check_digit(portfolio, tmp_path):
    result = run(portfolio, "obligations", write(tmp_path, flat(ROW3.replace("900123456-8", "900123456-1"))))
    assert errors(result)[0][:3] == (2, "debtor_id_number", "900123456-1")
    assert errors(result)[0][3].startswith("invalid NIT '900123456-1'")


def test_duplicate_numbers_report_both_rows(portfolio, tmp_path):
    result = run(portfolio, "obligations", write(tmp_path, flat(ROW1, ROW2, ROW1.replace("Venta", "otra"))))
    assert errors(result) == [
        (2, "number", "F-1", "duplicate obligation number (also on row 4)"),
        (4, "number", "F-1", "duplicate obligation number (also on row 2)"),
    ]
    assert result.rejected == 1 and not result.committed


def test_duplicate_across_chunks(portfolio, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 3)
    rows = [f"N-{i};C1;Ana;CC;1020304050;;;;01/01/2026;31/01/2026;{1000 + i};;" for i in range(8)]
    rows.append("N-1;C1;Ana;CC;1020304050;;;;01/01/2026;31/01/2026;5;;")
    result = run(portfolio, "obligations", write(tmp_path, flat(*rows)), skip_invalid=True)
    assert errors(result) == [(3, "number", "N-1", "duplicate obligation number (also on row 10)"),
                              (10, "number", "N-1", "duplicate obligation number (also on row 3)")]
    assert result.created == 8 and result.rejected == 1 and Obligation.objects.count() == 8
    assert Debtor.objects.get(code="C1").balance_minor == sum(100000 + i * 100 for i in range(8))
    assert ledger_verify(portfolio) == []


def test_skip_invalid_writes_rejected_csv(portfolio, tmp_path):
    bad = ROW3.replace("28/02/2026", "31/02/2026")
    path = write(tmp_path, flat(ROW1, bad), name="cartera.csv")
    result = run(portfolio, "obligations", path, skip_invalid=True)
    assert result.committed and (result.created, result.rejected) == (1, 1)
    assert result.rejected_path == str(tmp_path / "cartera.rejected.csv")
    lines = (tmp_path / "cartera.rejected.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(";row;errors")
    assert lines[1].startswith("F-3;C2;")
    assert lines[1].endswith(';3;"column ""due_date"" (value ""31/02/2026""): not a valid date"')
    assert Obligation.objects.count() == 1 and Debtor.objects.count() == 1


def test_skip_invalid_custom_rejected_path(portfolio, tmp_path):
    target = tmp_path / "out" / "bad.csv"
    target.parent.mkdir()
    result = run(portfolio, "obligations", write(tmp_path, flat(ROW1.replace("COP", "USD"))), skip_invalid=True,
                 rejected_path=target)
    assert result.rejected_path == str(target) and target.exists()


def test_dry_run_writes_nothing(portfolio, tmp_path):
    events = AuditEvent.objects.count()
    result = run(portfolio, "obligations", write(tmp_path, flat(ROW1, ROW2, ROW3)), dry_run=True)
    assert (result.created, result.debtors_created, result.committed, result.dry_run) == (3, 2, False, True)
    assert Obligation.objects.count() == 0 and Debtor.objects.count() == 0 and Entry.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_reimport_existing_obligation_of_other_debtor(portfolio, tmp_path):
    other = make_debtor(portfolio, code="C7")
    make_obligation(portfolio, other, number="F-2")
    result = run(portfolio, "obligations", write(tmp_path, flat(ROW2)))
    assert errors(result) == [(2, "debtor_code", "C1",
                               "obligation F-2 belongs to another debtor; it cannot be moved by an import")]
