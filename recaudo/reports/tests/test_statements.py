"""Statement of account: worked example with exact running balances, renderers, formula injection."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.reports.render import (
    render_statement_csv,
    render_statement_html,
    render_statement_pdf,
    render_statement_xlsx,
    statement_filename,
    statement_language,
)
from recaudo.reports.statements import StatementError, statement_for

from .factories import build_book, pay

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 22)


def lines(statement):
    return [(line.value_date, line.obligation_number, line.kind, line.debit_minor, line.credit_minor,
             line.balance_minor) for line in statement.lines]


def test_worked_example_running_balance(portfolio):
    book = build_book(portfolio)
    statement = statement_for(debtor=book["c1"], today=TODAY)
    assert lines(statement) == [
        (date(2026, 9, 1), "F-2", "charge", 200_000_00, 0, 200_000_00),
        (date(2026, 10, 23), "F-1", "charge", 100_000_00, 0, 300_000_00),
        (date(2026, 11, 1), "F-2", "payment", 0, 50_000_00, 250_000_00),
    ]
    assert statement.opening_minor == 0
    assert (statement.total_debit_minor, statement.total_credit_minor, statement.closing_minor) == (
        300_000_00, 50_000_00, 250_000_00)
    assert statement.credit_minor == 0
    assert [(o.number, o.days_past_due, o.balance_minor) for o in statement.open_obligations] == [
        ("F-2", 52, 150_000_00), ("F-1", 0, 100_000_00)]
    assert statement.overdue_minor == 150_000_00
    assert statement.lines[2].description == "Ref. P-1"


def test_period_with_opening_balance(portfolio):
    book = build_book(portfolio)
    statement = statement_for(debtor=book["c1"], start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert statement.opening_minor == 200_000_00
    assert lines(statement) == [(date(2026, 10, 23), "F-1", "charge", 100_000_00, 0, 300_000_00)]
    assert statement.closing_minor == 300_000_00
    # Open obligations as of the end of the period: the November payment is not counted yet.
    assert [(o.number, o.days_past_due, o.balance_minor) for o in statement.open_obligations] == [
        ("F-2", 30, 200_000_00), ("F-1", -22, 100_000_00)]


def test_credit_from_overpayment_and_multi_obligation_payment(portfolio):
    book = build_book(portfolio)
    pay(portfolio, book["f3"], "100000", date(2026, 11, 20), "P-OVER")  # F-3 owes 80.000,50; F-4 is disputed
    statement = statement_for(debtor=book["c2"], today=TODAY)
    assert statement.credit_minor == 19_999_50
    assert statement.closing_minor == 40_000_00
    assert lines(statement)[-1] == (date(2026, 11, 20), "F-3", "payment", 0, 80_000_50, 40_000_00)


def test_start_after_end_is_refused(portfolio):
    book = build_book(portfolio)
    with pytest.raises(StatementError):
        statement_for(debtor=book["c1"], start=date(2026, 12, 1), end=date(2026, 11, 1))
    with translation.override("es-co"), pytest.raises(StatementError) as refused:  # was English in every language
        statement_for(debtor=book["c1"], start=date(2026, 12, 1), end=date(2026, 11, 1))
    assert refused.value.message == "La fecha inicial 2026-12-01 es posterior a la final 2026-11-01."


def test_csv_amounts_and_formula_injection(portfolio):
    debtor = make_debtor(portfolio, code="C009", name="=HYPERLINK(\"http://x\")")
    make_obligation(portfolio, debtor, number="F-9", amount="1234567.89", issue=date(2026, 1, 1),
                    due=date(2026, 1, 31), description="=cmd|' /C calc'!A0")
    statement = statement_for(debtor=debtor, today=TODAY)
    content = render_statement_csv(statement, "es-co").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == ["Fecha", "Obligación", "Movimiento", "Descripción", "Débito", "Crédito", "Saldo"]
    assert rows[1] == ["2026-01-01", "F-9", "Cargo de capital", "'=cmd|' /C calc'!A0", "1234567.89", "", "1234567.89"]
    assert rows[2][2] == "Totales"
    english = render_statement_csv(statement, "en").decode("utf-8-sig")
    assert english.splitlines()[0] == "Date,Obligation,Movement,Description,Debit,Credit,Balance"


def test_xlsx_numeric_cells_and_injection(portfolio):
    debtor = make_debtor(portfolio, code="C009")
    make_obligation(portfolio, debtor, number="F-9", amount="1234567.89", issue=date(2026, 1, 1),
                    due=date(2026, 1, 31), description="@SUM(A1:A2)")
    sheet = load_workbook(io.BytesIO(render_statement_xlsx(statement_for(debtor=debtor, today=TODAY), "es-co"))).active
    assert sheet.cell(row=2, column=4).value == "'@SUM(A1:A2)"
    amount = sheet.cell(row=2, column=5)
    assert amount.value == Decimal("1234567.89") or amount.value == pytest.approx(1234567.89)
    assert amount.number_format == "#,##0.00"


def test_html_es_co_formatting(portfolio):
    book = build_book(portfolio)
    html = render_statement_html(statement_for(debtor=book["c1"], today=TODAY), "es-co")
    assert "Estado de cuenta" in html
    assert "200.000,00" in html and "250.000,00" in html
    assert "01/09/2026" in html
    english = render_statement_html(statement_for(debtor=book["c1"], today=TODAY), "en")
    assert "Statement of account" in english and "250,000.00" in english


def test_pdf(portfolio):
    book = build_book(portfolio)
    pdf = render_statement_pdf(statement_for(debtor=book["c1"], today=TODAY), "es-co")
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 1500


def test_pdf_many_pages(portfolio):
    debtor = make_debtor(portfolio, code="C777")
    for i in range(70):
        make_obligation(portfolio, debtor, number=f"F-{i:03d}", amount="1000", issue=date(2026, 1, 1),
                        due=date(2026, 1, 31), description="Cuota de administración " * 3)
    pdf = render_statement_pdf(statement_for(debtor=debtor, today=TODAY), "es-co")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1


def test_language_and_filename(portfolio):
    book = build_book(portfolio)
    assert statement_language(book["c1"]) == "es-co"
    assert statement_language(book["c1"], "en") == "en"
    english_debtor = make_debtor(portfolio, code="C100", language="en")
    assert statement_language(english_debtor, "es-co") == "en"
    statement = statement_for(debtor=book["c1"], today=TODAY)
    assert statement_filename(statement, "pdf") == "estado-de-cuenta-C001-2026-11-22.pdf"


def _pdf_text(pdf: bytes, tmp_path) -> str:
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def test_pdf_carries_the_creditor_how_to_pay_and_late_interest(portfolio, tmp_path):
    from PIL import Image

    from recaudo.ledger.models import EntryKind
    from recaudo.ledger.posting import entry_build, entry_save
    from recaudo.portfolio.services import portfolio_creditor_set

    book = build_book(portfolio)
    logo = io.BytesIO()
    Image.new("RGB", (200, 60), (31, 78, 121)).save(logo, format="PNG")
    portfolio_creditor_set(portfolio=portfolio, actor="test", creditor="Distribuciones Andinas S.A.S.",
                           creditor_nit="900123456-8", creditor_address="Cra 43A # 1-50, Medellín",
                           creditor_contact="604 444 5555 · cartera@andinas.co", payment_bank="Bancolombia",
                           payment_account="Cuenta corriente 123-456789-01", payment_agreement="78901",
                           payment_reference="code", payment_notes="PSE en www.andinas.co/pagos",
                           logo=logo.getvalue())
    f2 = book["c1"].obligations.get(number="F-2")
    entry_save(entry_build(f2, kind=EntryKind.INTEREST, component="interest", amount_minor=3_456_78,
                           value_date=date(2026, 11, 1)))
    statement = statement_for(debtor=book["c1"], today=TODAY)
    assert statement.interest_owed_minor == 3_456_78 and statement.payment_reference == "C001"
    text = _pdf_text(render_statement_pdf(statement, "es-co"), tmp_path)
    for expected in ("Distribuciones Andinas S.A.S.", "NIT 900.123.456-8", "Cra 43A # 1-50, Medellín",
                     "Cómo pagar", "Bancolombia", "Cuenta corriente 123-456789-01", "78901", "C001",
                     "PSE en www.andinas.co/pagos", "Intereses de mora", "3.456,78"):
        assert expected in text, expected
    html = render_statement_html(statement, "es-co")
    for expected in ("NIT 900.123.456-8", "Cómo pagar", "Bancolombia", "78901", "C001", "Intereses de mora",
                     "data:image/png;base64,"):
        assert expected in html, expected
    english = _pdf_text(render_statement_pdf(statement, "en"), tmp_path)
    assert "How to pay" in english and "Late interest" in english


def test_pdf_without_creditor_details_still_names_the_reference(portfolio, tmp_path):
    book = build_book(portfolio)
    book["c1"].id_number = "52123456"
    book["c1"].save()
    statement = statement_for(debtor=book["c1"], today=TODAY)
    assert statement.payment_reference == "52123456"
    text = _pdf_text(render_statement_pdf(statement, "es-co"), tmp_path)
    assert "52123456" in text and "Cómo pagar" in text


def test_a_nit_is_shown_with_its_dots_and_check_digit(portfolio, tmp_path):
    """The statement printed "NIT 8001972684" where every page shows 800.197.268-4 (issue 14)."""
    book = build_book(portfolio)
    book["c1"].id_type, book["c1"].id_number = "NIT", "8001972684"
    book["c1"].save()
    portfolio.payment_reference = "code"
    portfolio.save()
    statement = statement_for(debtor=book["c1"], today=TODAY)
    assert "NIT 800.197.268-4" in render_statement_html(statement, "es-co")
    text = _pdf_text(render_statement_pdf(statement, "es-co"), tmp_path)
    assert "NIT 800.197.268-4" in text and "8001972684" not in text
