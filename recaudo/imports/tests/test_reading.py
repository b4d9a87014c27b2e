"""File formats: encodings, delimiters, decimals, dates, XLSX, mapping, file-level errors."""

from datetime import date, datetime

import openpyxl
import pytest

from recaudo.imports.services import ImportFileError, load_mapping_file
from recaudo.portfolio.models import Debtor, Obligation

from .helpers import errors, run, write

pytestmark = pytest.mark.django_db

DEBTORS = "code,name,id_type,id_number,phone,email,city,address,tags,customer_since\n"


def test_debtors_import_latin1(portfolio, tmp_path):
    content = "código;nombre;NIT\nC1;José Núñez;x\n"
    path = write(tmp_path, content, encoding="latin-1")
    result = run(portfolio, "debtors", path, mapping={"code": "Código", "name": "nombre"})
    assert result.created == 1 and Debtor.objects.get().name == "José Núñez"


def test_explicit_latin1_and_utf8_bom(portfolio, tmp_path):
    path = write(tmp_path, "\ufeffcode,name\nC1,Peña\n", encoding="utf-8")
    assert run(portfolio, "debtors", path, encoding="utf-8").created == 1
    path = write(tmp_path, "Code,Name\nC2,Muñoz\n", name="l.csv", encoding="latin-1")
    assert run(portfolio, "debtors", path, encoding="latin-1").created == 1
    assert set(Debtor.objects.values_list("name", flat=True)) == {"Peña", "Muñoz"}


def test_wrong_encoding_forced_utf8(portfolio, tmp_path):
    path = write(tmp_path, "code,name\nC1,Peña\n", encoding="latin-1")
    with pytest.raises(ImportFileError, match=r"file.csv, line 2: the text is not valid utf-8; accepted encodings: "
                                              r"UTF-8 \(with or without BOM\) or Latin-1"):
        run(portfolio, "debtors", path, encoding="utf-8")


def test_utf16_and_binary_refused(portfolio, tmp_path):
    path = write(tmp_path, "code,name\nC1,A\n", encoding="utf-16")
    with pytest.raises(ImportFileError, match="is UTF-16 encoded; accepted encodings: UTF-8"):
        run(portfolio, "debtors", path)
    path = write(tmp_path, b"\x00\x01\x02garbage\x00", name="x.csv")
    with pytest.raises(ImportFileError, match="is not a text file"):
        run(portfolio, "debtors", path)


def test_empty_and_missing_files(portfolio, tmp_path):
    with pytest.raises(ImportFileError, match=r"empty.csv is empty \(0 bytes\)"):
        run(portfolio, "debtors", write(tmp_path, "", name="empty.csv"))
    with pytest.raises(ImportFileError, match="has no header row"):
        run(portfolio, "debtors", write(tmp_path, "\n\n", name="blank.csv"))
    with pytest.raises(ImportFileError, match="file not found: .*nope.csv"):
        run(portfolio, "debtors", tmp_path / "nope.csv")


def test_missing_required_column(portfolio, tmp_path):
    path = write(tmp_path, "Factura,Cliente,Fecha,Vence,Valor\nF-1,C1,01/01/2026,31/01/2026,5\n")
    with pytest.raises(ImportFileError) as exc:
        run(portfolio, "obligations", path)
    assert str(exc.value) == ("file.csv: missing required columns number, debtor_code, issue_date, due_date, amount; "
                              "headers found: 'Factura', 'Cliente', 'Fecha', 'Vence', 'Valor' (map them with "
                              "--map field=Header)")


def test_unknown_map_field_and_missing_mapped_header(portfolio, tmp_path):
    path = write(tmp_path, "code,name\nC1,A\n")
    with pytest.raises(ImportFileError, match="unknown field 'nombre' for debtors; fields: code, name"):
        run(portfolio, "debtors", path, mapping={"nombre": "name"})
    with pytest.raises(ImportFileError, match=r"column 'Nombre completo' \(mapped to name\) not found; headers "
                                              r"found: 'code', 'name'"):
        run(portfolio, "debtors", path, mapping={"name": "Nombre completo"})


def test_mapping_toml_one_header_feeds_two_fields(portfolio, tmp_path):
    toml = tmp_path / "map.toml"
    toml.write_text('[mapping]\nnumber = "Factura"\ndebtor_code = "NIT"\ndebtor_id_number = "NIT"\n'
                    'debtor_name = "Razón social"\nissue_date = "Fecha"\ndue_date = "Vence"\namount = "Valor"\n'
                    'debtor_id_type = "Tipo"\n', encoding="utf-8")
    mapping = load_mapping_file(toml)
    assert mapping["debtor_code"] == mapping["debtor_id_number"] == "NIT"
    path = write(tmp_path, "Factura\tNIT\tTipo\tRAZON SOCIAL\tFecha\tVence\tValor\n"
                           "F-1\t900123456-8\tNIT\tBodega SAS\t01.02.2026\t28.02.2026\t$ 1.234.567\n")
    result = run(portfolio, "obligations", path, mapping=mapping)
    assert result.created == 1, errors(result)
    debtor = Debtor.objects.get()
    assert (debtor.code, debtor.id_type, debtor.id_number, debtor.kind) == ("900123456-8", "NIT", "9001234568",
                                                                            "company")
    ob = Obligation.objects.get()
    assert (ob.original_minor, ob.issue_date) == (123456700, date(2026, 2, 1))


def test_bad_mapping_file(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text("[mapping\nx=1")
    with pytest.raises(ImportFileError, match="not valid TOML"):
        load_mapping_file(path)


@pytest.mark.parametrize(("decimal", "amount", "minor"), [
    ("comma", "1.234.567,89", 123456789), ("point", "1,234,567.89", 123456789), ("auto", "1.234.567,89", 123456789),
    ("auto", "1,234,567.89", 123456789), ("auto", "1.500", 150000), ("auto", "12,5", 1250), ("comma", "1500", 150000),
    ("auto", "$ 2.000", 200000), ("point", "99.99", 9999), ("point", "99.990", 9999), ("comma", "1 500 000", 150000000),
    ("auto", "COP 1.500.000", 150000000), ("auto", "0.500", 50),
])
def test_decimal_styles(portfolio, tmp_path, decimal, amount, minor):
    path = write(tmp_path, f'number;debtor_code;debtor_name;issue_date;due_date;amount\n'
                           f'F-1;C1;Ana;01/01/2026;31/01/2026;"{amount}"\n')
    result = run(portfolio, "obligations", path, decimal=decimal)
    assert result.created == 1, errors(result)
    assert Obligation.objects.get().original_minor == minor


def test_decimal_mismatch_is_an_error(portfolio, tmp_path):
    path = write(tmp_path, 'number;debtor_code;debtor_name;issue_date;due_date;amount\n'
                           'F-1;C1;Ana;01/01/2026;31/01/2026;1,234,567.89\n')
    assert errors(run(portfolio, "obligations", path, decimal="comma")) == [(2, "amount", "1,234,567.89", (
        "not a number: '.' only separates thousands, in groups of three, and ',' marks the decimals (1.500.000,50)"))]


@pytest.mark.parametrize(("decimal", "amount", "reason"), [
    ("point", "99.999", "COP amounts have at most 2 decimals"),  # refused, no longer rounded to 100.00
    ("comma", "1.50", "not a number: '.' only separates thousands, in groups of three, and ',' marks the decimals "
                      "(1.500.000,50)"),
    ("auto", "USD 10", "the amount is in USD, not COP"),
    ("auto", "1234567890123456", "too large: at most 10.000.000.000.000,00 COP"),
])
def test_amount_rules_of_the_shared_parser(portfolio, tmp_path, decimal, amount, reason):
    path = write(tmp_path, 'number;debtor_code;debtor_name;issue_date;due_date;amount\n'
                           f'F-1;C1;Ana;01/01/2026;31/01/2026;{amount}\n')
    assert errors(run(portfolio, "obligations", path, decimal=decimal)) == [(2, "amount", amount, reason)]


def test_us_date_format(portfolio, tmp_path):
    path = write(tmp_path, "number|debtor_code|debtor_name|issue_date|due_date|amount\n"
                           "F-1|C1|Ana|02/13/2026|03/15/2026|10\nF-2|C1|Ana|13/02/2026|03/15/2026|10\n")
    result = run(portfolio, "obligations", path, date_format="%m/%d/%Y")
    assert errors(result) == [(3, "issue_date", "13/02/2026", "not a valid date (expected %m/%d/%Y)")]
    result = run(portfolio, "obligations", path, date_format="%m/%d/%Y", skip_invalid=True)
    ob = Obligation.objects.get()
    assert (ob.issue_date, ob.due_date) == (date(2026, 2, 13), date(2026, 3, 15))


def test_debtors_import_fields_contacts_and_updates(portfolio, tmp_path):
    path = write(tmp_path, DEBTORS + 'C1,Ana,CC,1.020.304.050,300 123 4567,ana@example.com,Medellín,Calle 1 # 2-3,'
                                     '"vip, Norte",15/03/2020\n')
    result = run(portfolio, "debtors", path)
    assert result.created == 1, errors(result)
    ana = Debtor.objects.get()
    assert (ana.id_number, ana.tags, ana.customer_since) == ("1020304050", "|norte|vip|", date(2020, 3, 15))
    assert set(ana.contacts.values_list("channel", "value", "city")) == {
        ("phone", "+573001234567", ""), ("email", "ana@example.com", ""), ("address", "Calle 1 # 2-3", "Medellín")}
    assert run(portfolio, "debtors", path).unchanged == 1
    path = write(tmp_path, DEBTORS + "C1,Ana Restrepo,,,,,,,,\nC2,,,,,,,,,\nC1,Otra,,,,,,,,\n")
    result = run(portfolio, "debtors", path)
    assert errors(result) == [(2, "code", "C1", "duplicate debtor code (also on row 4)"),
                              (3, "name", "", "required for a new debtor"),
                              (4, "code", "C1", "duplicate debtor code (also on row 2)")]


def make_xlsx(path, rows, *, sheets=("Cartera",), merge=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheets[0]
    for row in rows:
        ws.append(row)
    for name in sheets[1:]:
        wb.create_sheet(name)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


XLSX_ROWS = [["Número", "Código cliente", "Debtor Name", "Issue date", "Due date", "Amount"],
             ["F-1", "C1", "Ana", datetime(2026, 1, 1), datetime(2026, 1, 31), 1500.5],
             ["F-2", 77, "Luis", "01/02/2026", "28/02/2026", 2000]]
XMAP = {"number": "numero", "debtor_code": "codigo cliente"}


def test_xlsx_happy_path(portfolio, tmp_path):
    path = make_xlsx(tmp_path / "c.xlsx", XLSX_ROWS)
    result = run(portfolio, "obligations", path, mapping={"number": "numero", "debtor_code": "codigo cliente"})
    assert result.created == 2, errors(result)
    assert Obligation.objects.get(number="F-1").original_minor == 150050
    assert Obligation.objects.get(number="F-2").debtor.code == "77"
    assert run(portfolio, "obligations", path, mapping={"number": "numero", "debtor_code": "codigo cliente"}
               ).unchanged == 2


def test_xlsx_refusals(portfolio, tmp_path):
    rows = [list(r) for r in XLSX_ROWS]
    rows[2][5] = "=F2*2"
    with pytest.raises(ImportFileError, match="cell F3 holds a formula; export values"):
        run(portfolio, "obligations", make_xlsx(tmp_path / "f.xlsx", rows), mapping=XMAP)
    with pytest.raises(ImportFileError, match=r"cells A3:B3 are merged"):
        run(portfolio, "obligations", make_xlsx(tmp_path / "m.xlsx", XLSX_ROWS, merge="A3:B3"), mapping=XMAP)
    path = make_xlsx(tmp_path / "s.xlsx", XLSX_ROWS, sheets=("Cartera", "Resumen"))
    with pytest.raises(ImportFileError, match=r"has several sheets \(Cartera, Resumen\); choose one with --sheet"):
        run(portfolio, "obligations", path)
    with pytest.raises(ImportFileError, match=r"has no sheet 'Hoja1'; sheets: Cartera, Resumen"):
        run(portfolio, "obligations", path, sheet="Hoja1")
    result = run(portfolio, "obligations", path, sheet="Cartera",
                 mapping={"number": "Número", "debtor_code": "Código cliente"})
    assert result.created == 2


def test_debtors_import_puts_the_service_error_at_its_field(portfolio, tmp_path):
    """The column comes from the error's field (not from splitting its text), the reason in the page's language."""
    path = write(tmp_path, "code,name,kind,language\nC1,Ana,robot,es\nC2,Luis,person,fr\n")
    result = run(portfolio, "debtors", path, skip_invalid=True)
    assert errors(result) == [(2, "kind", "robot", "'robot' no es persona ni empresa"),
                              (3, "language", "fr", "'fr' no es es, en ni pt")]
