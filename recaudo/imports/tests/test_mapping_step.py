"""The web import's mapping step and its profiles, end to end without a browser: a Siigo-style file with title
rows, Spanish padded headers, a semicolon and two "Valor" columns goes through the columns page, is saved as a
profile and the next upload applies it; the engine reads from a header row (CSV and XLSX with merged titles);
the command line takes --profile."""

from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import login
from recaudo.imports.models import ImportJob, ImportProfile
from recaudo.imports.services import ImportOptions, import_file, import_profile_save
from recaudo.portfolio.models import Debtor, Obligation

from .test_command import call

pytestmark = pytest.mark.django_db

SIIGO = (
    "ACME S.A.S.;;;;;;;\n"
    "Cartera por edades a 30/11/2026;;;;;;;\n"
    ";;;;;;;\n"
    ";;;;;;;\n"
    "Factura  ;Tipo doc;NIT;Nombre   ;Fecha factura;Vence;Valor;Valor;Saldo\n"
    "FV-1;13;52.123.456;Luz Marina Restrepo   ;01/10/2026;31/10/2026;1.000.000;200.000;800.000\n"
    "FV-2;Cédula;79.555.111;Hernán Ortiz ;15/10/2026;14/11/2026;500.000,50;100.000;400.000,50\n"
)


def upload(client, portfolio, content, name="cartera siigo.csv", kind="obligations", encoding="utf-8", **data):
    file = SimpleUploadedFile(name, content.encode(encoding), content_type="text/csv")
    return client.post(reverse("import_list", args=[portfolio.slug]),
                       {"kind": kind, "file": file, "decimal": "auto", "encoding": "auto", "skip_invalid": "on",
                        **data})


def test_a_spanish_export_goes_through_the_columns_page_and_is_saved_as_a_profile(
        client, people, portfolio, django_capture_on_commit_callbacks):
    client = login(client, "ana")
    response = upload(client, portfolio, SIIGO, encoding="cp1252")
    assert response.status_code == 302 and "/imports/map/" in response["Location"]
    assert not ImportJob.objects.exists()

    page = client.get(response["Location"])
    html = page.content.decode()
    view = page.context["view"]
    assert "Columnas del archivo" in html and "cartera siigo.csv" in html
    assert view.header_row == 5 and view.peek.delimiter == ";" and view.peek.encoding == "latin-1"
    assert view.headers[6:8] == ["Valor", "Valor (2)"] and view.headers[0] == "Factura"
    assert view.mapping == {"number": "Factura", "debtor_code": "NIT", "debtor_name": "Nombre",
                            "debtor_id_type": "Tipo doc", "debtor_id_number": "NIT", "issue_date": "Fecha factura",
                            "due_date": "Vence", "amount": "Saldo"}
    first = {c.field: c for c in view.rows[0].cells}
    assert view.rows[0].row == 6 and first["due_date"].value == date(2026, 10, 31)
    assert first["debtor_id_number"].value == "CC 52123456" and str(first["amount"].value) == "800000.00"
    assert "Fecha de vencimiento" in html and "Número de documento del cliente" in html  # labels in es-CO

    # the user takes the second "Valor" as the amount, and saves the profile
    form = {f"map_{k}": v for k, v in view.mapping.items()}
    form.update(map_amount="Valor (2)", header_row=5, shown_header_row=5, separator=";", encoding="latin-1",
                profile_name="Siigo cartera", action="import")
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(response["Location"], form)
    job = ImportJob.objects.get()
    assert done["Location"] == reverse("import_detail", args=[portfolio.slug, job.pk])
    assert job.filename == "cartera siigo.csv" and job.status == ImportJob.Status.DONE, job.message
    assert job.options["header_row"] == 5 and job.options["delimiter"] == ";"
    assert job.options["mapping"]["amount"] == "Valor (2)"
    assert Obligation.objects.get(portfolio=portfolio, number="FV-1").original_minor == 20000000
    assert Debtor.objects.get(portfolio=portfolio, code="52.123.456").name == "Luz Marina Restrepo"
    assert Debtor.objects.get(portfolio=portfolio, code="79.555.111").id_type == "CC"

    profile = ImportProfile.objects.get(portfolio=portfolio)
    assert (profile.name, profile.kind, profile.header_row, profile.separator, profile.encoding) == (
        "Siigo cartera", "obligations", 5, ";", "latin-1")
    assert profile.created_by == people["ana"]
    assert AuditEvent.objects.filter(event_type="import.profile_created", portfolio=portfolio).count() == 1

    # the next upload applies the profile directly
    with django_capture_on_commit_callbacks(execute=True):
        again = upload(client, portfolio, SIIGO.replace("FV-1", "FV-3"), name="cartera diciembre.csv",
                       encoding="cp1252", profile=f"saved:{profile.pk}")
    second = ImportJob.objects.exclude(pk=job.pk).get()
    assert again["Location"] == reverse("import_detail", args=[portfolio.slug, second.pk])
    assert second.status == ImportJob.Status.DONE, second.message
    assert Obligation.objects.filter(portfolio=portfolio, number="FV-3").exists()


def test_what_is_missing_is_said_in_the_page_language_naming_the_file(client, people, portfolio):
    client = login(client, "ana")
    response = upload(client, portfolio, "Documento;Cliente;Valor\nF-1;Ana;100\n", name="sin fechas.csv")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Elija la columna de Código de cliente, Fecha de emisión, Fecha de vencimiento en sin fechas.csv" in html
    assert "--map" not in html and "imports/" not in page.context["filename"]
    form = {"map_number": "Documento", "map_debtor_code": "Cliente", "map_amount": "Valor", "header_row": 1,
            "shown_header_row": 1, "separator": ";", "encoding": "utf-8", "action": "import"}
    html = client.post(response["Location"], form).content.decode()
    assert "message-error" in html and not ImportJob.objects.exists()


def test_an_unknown_upload_sends_back_to_the_import_page(client, people, portfolio):
    client = login(client, "ana")
    response = client.get(reverse("import_mapping", args=[portfolio.slug, "0" * 32]))
    assert response.status_code == 302 and response["Location"] == reverse("import_list", args=[portfolio.slug])


def test_a_profile_for_another_kind_is_refused(client, people, portfolio):
    client = login(client, "ana")
    response = upload(client, portfolio, SIIGO, kind="payments", profile="erp:siigo-pyme-saldos")
    assert response.status_code == 200 and "otro tipo de archivo" in response.content.decode()


def test_the_engine_reads_an_xlsx_under_merged_title_rows(portfolio, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "ACME S.A.S."
    ws.merge_cells("A1:F1")
    ws.append([])
    ws.append(["FACTURA", "TERCERO", "NOMBRE ", "FECHA_FACTURA", "FECHA_VENCIMIENTO", "SALDO"])
    ws.append(["FV-9", "900123456-7", "Ferretería El Tornillo ", "01/10/2026", "31/10/2026", 1500000])
    path = tmp_path / "getsal.xlsx"
    wb.save(path)
    options = ImportOptions(mapping={"number": "FACTURA", "debtor_code": "TERCERO", "debtor_name": "NOMBRE",
                                     "issue_date": "FECHA_FACTURA", "due_date": "FECHA_VENCIMIENTO",
                                     "amount": "SALDO"}, header_row=3, filename="Cartera Siigo.xlsx")
    result = import_file(portfolio=portfolio, kind="obligations", path=path, options=options, actor="test")
    assert result.created == 1 and result.committed, result.errors
    with pytest.raises(Exception, match="Cartera Siigo.xlsx, sheet 'Sheet': cells A1:F1 are merged"):
        import_file(portfolio=portfolio, kind="obligations", path=path,
                    options=ImportOptions(filename="Cartera Siigo.xlsx"), actor="test")


def test_the_command_line_takes_a_profile(portfolio, tmp_path):
    import_profile_save(portfolio=portfolio, name="Siigo cartera", kind="obligations", header_row=5,
                        separator=";", mapping={"number": "Factura", "debtor_code": "NIT", "debtor_name": "Nombre",
                                                "issue_date": "Fecha factura", "due_date": "Vence",
                                                "amount": "Saldo"}, actor="test")
    path = tmp_path / "cartera.csv"
    path.write_text(SIIGO, encoding="utf-8")
    code, out, err = call("obligations", str(path), "--portfolio", "pyme", "--profile", "siigo cartera")
    assert code == 0, err
    assert Obligation.objects.filter(portfolio=portfolio).count() == 2
    code, _out, err = call("obligations", str(path), "--portfolio", "pyme", "--profile", "nada")
    assert code == 2 and "unknown profile 'nada' for obligations in pyme" in err


NIT_FILE = (
    "Factura;NIT;Nombre;Fecha factura;Vence;Saldo\n"
    "FV-1;800197268-4;Ferretería El Tornillo S.A.S.;01/10/2026;31/10/2026;2.500.000\n"
    "FV-2;900.123.456-8;Distribuciones Andinas;01/10/2026;31/10/2026;1.000.000\n"
)
TERCERO_FILE = NIT_FILE.replace(";NIT;", ";TERCERO;")


def test_a_nit_column_without_a_type_column_is_read_as_nits_and_the_type_is_saved_with_the_profile(
        client, people, portfolio, django_capture_on_commit_callbacks):
    client = login(client, "ana")
    response = upload(client, portfolio, NIT_FILE, name="nits.csv")
    page = client.get(response["Location"])
    view, html = page.context["view"], page.content.decode()
    assert view.mapping["debtor_id_number"] == "NIT" and "debtor_id_type" not in view.mapping
    assert view.id_type == "NIT" and not view.untyped
    assert {c.field: c for c in view.rows[0].cells}["debtor_id_number"].value == "NIT 8001972684"
    assert "Tipo de documento de los números de identificación" in html  # the choice, shown in Spanish
    assert '<option value="NIT" selected>' in html and "Cédula de ciudadanía" in html

    form = {f"map_{k}": v for k, v in view.mapping.items()}
    form.update(header_row=1, shown_header_row=1, separator=";", encoding="utf-8", id_type="NIT",
                profile_name="Cartera NIT", action="import")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], form)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and job.result["rejected"] == 0, job.result
    assert job.options["id_type"] == "NIT"
    debtor = Debtor.objects.get(portfolio=portfolio, code="800197268-4")
    assert (debtor.id_type, debtor.id_number) == ("NIT", "8001972684")
    assert ImportProfile.objects.get(portfolio=portfolio, name="Cartera NIT").id_type == "NIT"


def test_an_id_column_whose_header_names_no_type_is_only_the_code_and_the_page_says_why(client, people, portfolio):
    client = login(client, "ana")
    response = upload(client, portfolio, TERCERO_FILE, name="terceros.csv")
    page = client.get(response["Location"])
    view, html = page.context["view"], page.content.decode()
    assert view.mapping["debtor_code"] == "TERCERO" and "debtor_id_number" not in view.mapping
    assert view.untyped == ["TERCERO"] and view.id_type == ""
    assert "La columna TERCERO no dice de qué documento son sus números" in html
    assert not any(c.problem for row in view.rows for c in row.cells)
    # the user says they are NITs: the column is read as the ID number with that type
    form = {f"map_{k}": v for k, v in view.mapping.items()}
    form.update(map_debtor_id_number="TERCERO", header_row=1, shown_header_row=1, separator=";", encoding="utf-8",
                id_type="NIT", action="preview")
    view = client.post(response["Location"], form).context["view"]
    assert view.id_type == "NIT" and not view.untyped
    assert {c.field: c for c in view.rows[1].cells}["debtor_id_number"].value == "NIT 9001234568"


def test_a_profile_default_id_type_is_applied_by_the_import(portfolio, tmp_path):
    path = tmp_path / "terceros.csv"
    path.write_text(TERCERO_FILE, encoding="utf-8")
    options = ImportOptions(mapping={"debtor_code": "TERCERO", "debtor_id_number": "TERCERO",
                                     "debtor_name": "Nombre", "number": "Factura", "issue_date": "Fecha factura",
                                     "due_date": "Vence", "amount": "Saldo"}, delimiter=";", id_type="NIT")
    result = import_file(portfolio=portfolio, kind="obligations", path=path, options=options, actor="cli")
    assert result.rejected == 0 and result.created == 2, result.errors
    assert Debtor.objects.get(portfolio=portfolio, code="900.123.456-8").id_type == "NIT"
