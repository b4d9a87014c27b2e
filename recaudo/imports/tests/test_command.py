import json
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from recaudo.imports.models import ImportJob
from recaudo.imports.services import progress_key
from recaudo.imports.tasks import run_import_job
from recaudo.portfolio.models import Obligation

from .helpers import write

pytestmark = pytest.mark.django_db

GOOD = "Factura,Cliente,Nombre,Fecha,Vence,Valor\nF-1,C1,Ana,01/01/2026,31/01/2026,1000\n"
BAD = GOOD + "F-2,C1,Ana,01/01/2026,31/02/2026,1000\n"
MAPS = ["--map", "number=Factura", "--map", "debtor_code=Cliente", "--map", "debtor_name=Nombre",
        "--map", "issue_date=Fecha", "--map", "due_date=Vence", "--map", "amount=Valor"]


def call(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_json_output_and_exit_codes(portfolio, tmp_path):
    path = write(tmp_path, GOOD)
    code, out, _ = call("obligations", str(path), "--portfolio", "pyme", "--format", "json", *MAPS)
    data = json.loads(out)
    assert code == 0
    assert {k: data[k] for k in ("created", "updated", "unchanged", "rejected", "committed")} == {
        "created": 1, "updated": 0, "unchanged": 0, "rejected": 0, "committed": True}
    code, out, _ = call("obligations", str(write(tmp_path, BAD, name="bad.csv")), "--portfolio", "pyme",
                        "--format", "json", *MAPS)
    data = json.loads(out)
    assert code == 1 and data["committed"] is False
    assert data["errors"] == [{"row": 3, "column": "Vence", "value": "31/02/2026", "reason": "not a valid date"}]


def test_text_output_lists_errors(portfolio, tmp_path):
    code, out, _ = call("obligations", str(write(tmp_path, BAD)), "--portfolio", "pyme", *MAPS)
    assert code == 1
    assert 'row 3, column "Vence" (value "31/02/2026"): not a valid date' in out
    assert "nothing was imported" in out
    assert Obligation.objects.count() == 0


def test_skip_invalid_dry_run_and_rejected_option(portfolio, tmp_path):
    rejected = tmp_path / "r.csv"
    code, out, _ = call("obligations", str(write(tmp_path, BAD)), "--portfolio", "pyme", "--dry-run", *MAPS,
                        "--format", "json")
    assert code == 1 and json.loads(out)["dry_run"] is True and Obligation.objects.count() == 0
    code, out, _ = call("obligations", str(write(tmp_path, BAD)), "--portfolio", "pyme", "--skip-invalid",
                        "--rejected", str(rejected), *MAPS)
    assert code == 0 and rejected.exists() and Obligation.objects.count() == 1


def test_file_level_errors_exit_2(portfolio, tmp_path):
    code, _, err = call("obligations", str(tmp_path / "none.csv"), "--portfolio", "pyme")
    assert code == 2 and "error: file not found" in err
    code, _, err = call("obligations", str(write(tmp_path, GOOD)), "--portfolio", "nope")
    assert code == 2 and "unknown portfolio 'nope' (portfolios: pyme)" in err
    code, out, _ = call("obligations", str(write(tmp_path, GOOD)), "--portfolio", "pyme", "--map", "vence=Vence",
                        "--format", "json")
    assert code == 2 and json.loads(out) == {"ok": False, "error": "unknown field 'vence' for obligations; fields: "
                                             "number, debtor_code, debtor_name, debtor_id_type, debtor_id_number, "
                                             "debtor_phone, debtor_email, kind, issue_date, due_date, amount, "
                                             "currency, description"}
    code, _, err = call("obligations", str(write(tmp_path, GOOD)), "--portfolio", "pyme", "--map", "novalue")
    assert code == 2 and "expected FIELD=HEADER" in err
    code, _, err = call("obligations", str(write(tmp_path, "")), "--portfolio", "pyme")
    assert code == 2 and "is empty (0 bytes)" in err


def test_mapping_file_option(portfolio, tmp_path):
    toml = tmp_path / "m.toml"
    toml.write_text('[mapping]\nnumber="Factura"\ndebtor_code="Cliente"\ndebtor_name="Nombre"\nissue_date="Fecha"\n'
                    'due_date="Vence"\namount="Valor"\n')
    code, out, _ = call("obligations", str(write(tmp_path, GOOD)), "--portfolio", "pyme", "--mapping", str(toml),
                        "--format", "json")
    assert code == 0 and json.loads(out)["created"] == 1


def test_import_job_task(portfolio, tmp_path):
    path = write(tmp_path, GOOD)
    job = ImportJob.objects.create(portfolio=portfolio, kind="obligations", filename="cartera.csv",
                                   stored_path=str(path), options={"mapping": {
                                       "number": "Factura", "debtor_code": "Cliente", "debtor_name": "Nombre",
                                       "issue_date": "Fecha", "due_date": "Vence", "amount": "Valor"}})
    run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.rows_done == 1 and job.result["created"] == 1
    assert cache.get(progress_key(job.pk))["done"] == 1
    from recaudo.audit.models import AuditEvent

    event = AuditEvent.objects.get(event_type="import.completed")
    assert (event.subject_type, event.subject_id, event.changes["filename"]) == ("importjob", job.pk, "cartera.csv")


def test_import_job_failed_and_rejected(portfolio, tmp_path):
    job = ImportJob.objects.create(portfolio=portfolio, kind="obligations", filename="x.csv",
                                   stored_path=str(tmp_path / "missing.csv"))
    run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.message == "el archivo subido x.csv ya no está guardado; súbalo de nuevo"
    job = ImportJob.objects.create(portfolio=portfolio, kind="obligations", filename="x.csv",
                                   stored_path=str(write(tmp_path, "number,debtor_code,issue_date,due_date,amount\n"
                                                                   "F-1,ZZ,01/01/2026,02/01/2026,5\n")))
    run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == "rejected" and job.result["rejected"] == 1


@pytest.mark.parametrize(("decimal", "amount", "minor"), [
    (",", '"1.500,50"', 150050), ("comma", "1.500", 150000), (".", '"1,500.50"', 150050), ("point", "1.5", 150),
])
def test_decimal_option_takes_the_mark_or_its_name(portfolio, tmp_path, decimal, amount, minor):
    path = write(tmp_path, GOOD.replace(",1000\n", f",{amount}\n"))
    code, _, err = call("obligations", str(path), "--portfolio", "pyme", "--decimal", decimal, *MAPS)
    assert code == 0, err
    assert Obligation.objects.get().original_minor == minor
