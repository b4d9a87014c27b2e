"""The import pages: upload form, job detail with progress and report, rejected rows download, permissions."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from recaudo.demo.testing import login, make_user
from recaudo.imports.models import ImportJob
from recaudo.portfolio.models import Debtor, Obligation

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "number,debtor_code,debtor_name,issue_date,due_date,amount\n"
    "F-1,C001,Luz Marina Restrepo,01/03/2026,31/03/2026,1234567.89\n"
    "F-2,C002,José Pérez,15/03/2026,15/04/2026,500000\n"
)
BAD_CSV = (
    "number,debtor_code,debtor_name,issue_date,due_date,amount\n"
    "F-1,C001,Luz Marina Restrepo,01/03/2026,31/03/2026,1000\n"
    "F-2,C002,José Pérez,15/03/2026,no es fecha,500000\n"
    "F-3,C003,Ana Gómez,15/03/2026,15/04/2026,-5\n"
)


def upload(client, portfolio, content, name="facturas.csv", kind="obligations", **options):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv"),
            "decimal": "auto", "encoding": "auto", **options}
    return client.post(reverse("import_list", args=[portfolio.slug]), data)


def test_import_page(client, people, portfolio):
    response = login(client, "ana").get(reverse("import_list", args=[portfolio.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Importar un archivo" in html and 'enctype="multipart/form-data"' in html


def test_import_happy_path(client, people, portfolio, settings, django_capture_on_commit_callbacks):
    client = login(client, "ana")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, portfolio, GOOD_CSV, skip_invalid="on")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_detail", args=[portfolio.slug, job.pk])
    assert job.created_by == people["ana"] and job.kind == "obligations" and job.filename == "facturas.csv"
    # a name in the default storage (here the folder MEDIA_ROOT), not a path on this machine
    assert job.stored_path.startswith("imports/") and job.stored_path.endswith("-facturas.csv")
    assert (settings.MEDIA_ROOT / job.stored_path).is_file()
    assert job.options["skip_invalid"] is True and job.options["dry_run"] is False
    assert job.status == ImportJob.Status.DONE
    assert Obligation.objects.filter(portfolio=portfolio).count() == 2
    assert Debtor.objects.get(portfolio=portfolio, code="C001").balance_minor == 123456789

    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "Terminada" in html and 'data-count="created">2<' in html
    assert "hx-trigger" not in html  # finished: no more polling
    history = client.get(reverse("import_list", args=[portfolio.slug])).content.decode()
    assert "facturas.csv" in history


def test_import_rejected_rows_show_row_column_reason(client, people, portfolio, django_capture_on_commit_callbacks):
    client = login(client, "ana")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, portfolio, BAD_CSV, name="malas.csv", skip_invalid="on")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE
    html = client.get(response["Location"]).content.decode()
    assert "Reporte de validación" in html
    report = client.get(response["Location"]).context["report"]
    errors = {(e["row"], e["column"]) for e in report["errors"]}
    assert (3, "due_date") in errors and (4, "amount") in errors
    assert "no es fecha" in html
    assert report["counts"]["created"] == 1 and report["counts"]["rejected"] == 2
    assert Obligation.objects.filter(portfolio=portfolio).count() == 1

    download = client.get(reverse("import_rejected", args=[portfolio.slug, job.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "F-2" in body and "F-3" in body and "F-1" not in body
    # said in the page's language, as the report is (the worker writes it in English)
    header, *rows = csv.reader(io.StringIO(body))
    assert header[-2:] == ["fila", "errores"] and "column " not in body and "value " not in body
    assert [row[-1] for row in rows] == ['columna "due_date" (valor "no es fecha"): no es una fecha válida',
                                         'columna "amount" (valor "-5"): no puede ser negativo']


def test_whole_file_rejected_when_not_skipping(client, people, portfolio, django_capture_on_commit_callbacks):
    client = login(client, "ana")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, portfolio, BAD_CSV, name="malas.csv")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert Obligation.objects.filter(portfolio=portfolio).count() == 0
    html = client.get(response["Location"]).content.decode()
    assert "Rechazada" in html and "no es fecha" in html


def test_dry_run_saves_nothing(client, people, portfolio, django_capture_on_commit_callbacks):
    client = login(client, "ana")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, portfolio, GOOD_CSV, dry_run="on")
    assert Obligation.objects.filter(portfolio=portfolio).count() == 0
    assert "Simulación: no se guardó nada." in client.get(response["Location"]).content.decode()


def test_pending_job_polls_with_progress(client, people, portfolio):
    from django.core.cache import cache

    job = ImportJob.objects.create(portfolio=portfolio, kind="obligations", filename="grande.csv",
                                   created_by=people["ana"], status=ImportJob.Status.RUNNING)
    cache.set(f"import-progress-{job.pk}", {"done": 250, "total": 1000})
    client = login(client, "ana")
    url = reverse("import_detail", args=[portfolio.slug, job.pk])
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in html and '<progress class="progress" max="100" value="25">' in html
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="job-status"') and "<html" not in partial
    assert "250 de unas 1.000 filas" in partial


def test_form_errors(client, people, portfolio):
    client = login(client, "ana")
    response = upload(client, portfolio, "hola", name="notas.pdf")
    assert response.status_code == 200
    assert "Suba un archivo .csv o .xlsx." in response.content.decode()
    response = upload(client, portfolio, GOOD_CSV, mapping="esto no es un mapeo")
    assert response.status_code == 200 and "Línea 1" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_mapping_is_passed_to_the_job(client, people, portfolio, django_capture_on_commit_callbacks):
    csv = GOOD_CSV.replace("amount", "Valor factura", 1)
    client = login(client, "ana")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, portfolio, csv, mapping="amount=Valor factura\n")
    job = ImportJob.objects.get()
    assert job.options["mapping"] == {"amount": "Valor factura"}
    assert job.status == ImportJob.Status.DONE


@pytest.mark.parametrize("username", ["vera", "carlos", "beto"])
def test_users_without_import_permission_get_404(client, people, portfolio, username):
    job = ImportJob.objects.create(portfolio=portfolio, kind="obligations", filename="x.csv")
    client = login(client, username)
    assert client.get(reverse("import_list", args=[portfolio.slug])).status_code == 404
    assert upload(client, portfolio, GOOD_CSV).status_code == 404
    assert client.get(reverse("import_detail", args=[portfolio.slug, job.pk])).status_code == 404
    assert client.get(reverse("import_rejected", args=[portfolio.slug, job.pk])).status_code == 404
    assert not ImportJob.objects.exclude(pk=job.pk).exists()


def test_job_of_another_portfolio_is_404(client, people, portfolio, other_portfolio):
    make_user("olga", other_portfolio, role="admin")
    job = ImportJob.objects.create(portfolio=other_portfolio, kind="debtors", filename="x.csv")
    client = login(client, "ana")
    assert client.get(reverse("import_detail", args=[portfolio.slug, job.pk])).status_code == 404


def test_superuser_may_import_anywhere(client, portfolio):
    make_user("root", superuser=True)
    assert login(client, "root").get(reverse("import_list", args=[portfolio.slug])).status_code == 200


def test_the_report_gives_the_reasons_in_the_page_language(client, portfolio):
    """A rejected row's reason (the parsers say it in English) reads in es-CO on the job page, as on the preview."""
    make_user("ana", portfolio, role="admin")
    job = ImportJob.objects.create(portfolio=portfolio, kind="obligations", filename="Saldos.csv", status="done",
                                   result={"rows": 1, "rejected": 1, "error_count": 1, "errors": [
                                       {"row": 6, "column": "TERCERO", "value": "52123456",
                                        "reason": "an ID number needs an ID type (e.g. NIT, CC)"}]})
    login(client, "ana")
    page = client.get(reverse("import_detail", args=[portfolio.slug, job.pk])).content.decode()
    assert "un número de documento necesita su tipo (p. ej. NIT, CC)" in page
    assert "an ID number needs" not in page


@pytest.mark.parametrize(("language", "shown", "not_shown"), [
    ("es-co", ["Código de cliente", "Fecha de vencimiento", "Tipo de documento", "razon social", "vence"],
     ["Customer code", "Due date"]),
    ("en", ["Customer code", "Due date", "ID type", "due_date"], ["Código de cliente", "Fecha de vencimiento"]),
])
def test_the_expected_columns_are_named_in_the_page_language_with_the_headers_accepted(
        client, people, portfolio, language, shown, not_shown):
    client = login(client, "ana")
    html = client.get(reverse("import_list", args=[portfolio.slug]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    box = html[html.index('id="expected-columns"'):html.index("</dl>", html.index('id="expected-columns"'))]
    for text in shown:
        assert text in box, (text, box)
    for text in not_shown:
        assert text not in box, (text, box)


def test_a_real_reports_reasons_with_values_in_them_read_in_es_co(client, people, portfolio,
                                                                 django_capture_on_commit_callbacks):
    """The reasons that carry the cell's value or another row (a phone, an e-mail, an amount, a repeated number)
    read in es-CO on the job page too, not only the fixed ones; the English stays in the stored result."""
    content = (
        "Factura;Código;Nombre;Teléfono;Correo;Fecha;Vence;Saldo\n"
        "F-1;C001;Luz Marina;3001234567;luz@example.co;01/03/2026;31/03/2026;1.000,00\n"
        "F-2;C002;José Pérez;12;noemail;01/03/2026;31/03/2026;500\n"
        "F-3;C003;Ana Gómez;3001234568;ana@example.co;01/03/2026;31/03/2026;abc\n"
        "F-1;C004;Eva Ruiz;3001234569;eva@example.co;01/03/2026;31/03/2026;10\n"
    )
    client = login(client, "ana")
    mapping = "number=Factura\ndebtor_code=Código\ndebtor_name=Nombre\ndebtor_phone=Teléfono\n" \
              "debtor_email=Correo\nissue_date=Fecha\ndue_date=Vence\namount=Saldo"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, portfolio, content, skip_invalid="on", mapping=mapping)
    job = ImportJob.objects.get()
    reasons = [e["reason"] for e in job.result["errors"]]
    assert "invalid phone '12' for CO" in reasons and "invalid email 'noemail'" in reasons
    page = client.get(response["Location"]).content.decode()
    for spanish in ("&#x27;12&#x27; no es un número de teléfono válido en Colombia",
                    "&#x27;noemail&#x27; no es un correo electrónico válido",
                    "no es un número: escríbalo así",
                    "número de obligación repetido (también en la fila 5)"):
        assert spanish in page
    for english in ("invalid phone", "invalid email", "not a number", "duplicate obligation"):
        assert english not in page


@pytest.mark.parametrize(("word", "elsewhere"), [
    ("Created", "Creado"), ("Rejected", "Rechazado"), ("Failed", "Fallido"), ("Done", "Hecho"),
    ("Running", "En curso")])
def test_the_imports_words_in_context_do_not_rename_other_pages_columns(word, elsewhere):
    """The import's counts ("Creados") and statuses ("Terminada") are translated in their own context; its catalog
    keeps no plain entry of those words, which would win over the other apps' and head the outbox's and the
    strategy history's date column "Creados" or call a failed message "Fallida"."""
    with translation.override("es-co"):
        assert translation.gettext(word) == elsewhere
        assert translation.pgettext("import rows" if word in ("Created", "Rejected") else "import status",
                                    word) in ("Creados", "Rechazados", "Fallida", "Terminada", "En proceso")
