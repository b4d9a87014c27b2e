"""The connectors' pure rules, with worked examples."""

from datetime import UTC, datetime

from recaudo.connectors import rules
from recaudo.connectors.adapters import alegra, siigo
from recaudo.connectors.adapters.base import Customer, ErpPayment, Invoice, Pulled, amount_text, backoff_seconds


def test_payment_reference_and_from_erp():
    assert rules.payment_reference(7, "88", "FV-1-3") == "erp7:88:FV-1-3"
    assert rules.from_erp("erp7:88:FV-1-3") and not rules.from_erp("T-1") and not rules.from_erp("erpnext")
    assert len(rules.payment_reference(7, "x" * 200, "F")) == 100


def test_next_due_backs_off_up_to_eight_times():
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert rules.next_due(now, 60, 0) == datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    assert rules.next_due(now, 60, 2) == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 240 minutes
    assert rules.next_due(now, 60, 10) == datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # capped at 8 x 60


def test_backoff_seconds():
    assert [backoff_seconds(n, None) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_seconds(1, "7") == 7.0 and backoff_seconds(1, "3600") == 60.0  # Retry-After, capped
    assert backoff_seconds(3, "Wed, 21 Oct 2015 07:28:00 GMT") == 4.0  # a date form: our own backoff


def test_amount_text_keeps_the_erp_value_exact():
    assert [amount_text(v) for v in ("19928.00", 119000.5, 238000, None, "doce")] == [
        "19928.00", "119000.5", "238000", "", "doce"]


def test_siigo_prefix_and_due_date():
    assert siigo._prefix("FV-2-22", "22") == "FV-2"
    assert siigo._prefix("FE-10", "") == "FE"
    assert siigo._due_date({"date": "2026-11-01", "payments": [{"due_date": "2026-12-01"},
                                                               {"due_date": "2027-01-01"}]}) == "2027-01-01"
    assert siigo._due_date({"date": "2026-11-01", "payments": []}) == "2026-11-01"


def test_import_rows_filters_payments():
    pulled = Pulled(
        customers=[Customer("c1", "900123456", "Ferretería", "NIT", "9001234568")],
        invoices=[Invoice("101", "FE101", "c1", "2026-11-01", "2026-12-01", "100.00", "100.00")],
        payments=[ErpPayment("p1", "101", "", "2026-11-10", "40.00", "cash"),    # this pull's invoice
                  ErpPayment("p2", "55", "", "2026-11-10", "1.00"),              # known from an earlier run
                  ErpPayment("p3", "66", "", "2026-11-10", "1.00"),              # never imported
                  ErpPayment("9001", "101", "", "2026-11-11", "5.00")])          # Recaudo pushed it
    rows = rules.import_rows(pulled, connector_id=3, label="Alegra", known={"55": "FE55"}, pushed_ids={"9001"})
    assert rows.debtors == [["900123456", "Ferretería", "NIT", "9001234568", "", "", "", ""]]
    assert rows.obligations == [["FE101", "900123456", "invoice", "2026-11-01", "2026-12-01", "100.00", "",
                                 "Alegra FE101"]]
    assert rows.payments == [["FE101", "2026-11-10", "40.00", "cash", "erp3:p1:FE101"],
                             ["FE55", "2026-11-10", "1.00", "", "erp3:p2:FE55"]]
    assert (rows.payments_unknown_invoice, rows.payments_pushed_here) == (1, 1)
    assert rows.sources["obligations"] == ["Alegra invoice 101 (FE101)"]


def test_customers_become_debtor_rows():
    company = siigo._customer({"id": "g1", "id_type": {"code": "31"}, "identification": "900123456",
                               "check_digit": "8", "name": ["Ferretería El Tornillo S.A.S."],
                               "phones": [{"indicative": "57", "number": "6014567890"}],
                               "contacts": [{"email": ""}, {"email": "pagos@tornillo.co"}]})
    assert (company.code, company.id_type, company.id_number, company.phone, company.email) == (
        "900123456", "31", "900123456-8", "576014567890", "pagos@tornillo.co")
    person = siigo._customer({"id": "g2", "id_type": {"code": "13"}, "identification": "52123456",
                              "check_digit": "", "name": ["Luz", "Marina", "Restrepo"]})
    assert (person.code, person.id_number, person.name) == ("52123456", "52123456", "Luz Marina Restrepo")
    bare = alegra._customer({"id": 5, "name": "Sin tipo", "identification": "123"})
    assert (bare.code, bare.id_type, bare.id_number) == ("123", "", "")  # no type given: the code, unvalidated
    nameless = alegra._customer({"id": 6, "name": "Sin documento"})
    assert nameless.code == "alegra-6"
