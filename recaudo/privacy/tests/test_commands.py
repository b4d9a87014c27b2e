"""`recaudo debtor export|anonymize`, `recaudo retention run`, `recaudo privacy`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recaudo.cli import COMMANDS
from recaudo.portfolio.models import Debtor

from .conftest import pay_off

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_commands_are_listed():
    assert {"debtor", "retention", "privacy"} <= set(COMMANDS)


def test_export_json_and_pdf_to_a_file(luz, portfolio, tmp_path):
    target = tmp_path / "datos.json"
    out = run("debtor", "export", "--portfolio", "pyme", "--code", "C001", "--format", "json", "-o", str(target))
    assert out.startswith(f"wrote {target}: debtor C001, ")
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["debtor"]["id_number"] == "52123456"
    pdf = tmp_path / "datos.pdf"
    run("debtor", "export", "--portfolio", "pyme", "--code", "C001", "--format", "pdf", "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")


def test_export_errors_are_one_line(luz, portfolio):
    with pytest.raises(CommandError, match="no debtor with code 'X9' in portfolio 'pyme'"):
        run("debtor", "export", "--portfolio", "pyme", "--code", "X9")
    with pytest.raises(CommandError, match="no portfolio with slug 'nada'"):
        run("debtor", "export", "--portfolio", "nada", "--code", "C001")
    with pytest.raises(CommandError, match="--format pdf needs -o FILE"):
        run("debtor", "export", "--portfolio", "pyme", "--code", "C001", "--format", "pdf")


def test_anonymize_refused_then_forced(luz, portfolio):
    with pytest.raises(CommandError, match="the debtor still owes money"):
        run("debtor", "anonymize", "--portfolio", "pyme", "--code", "C001", "--reason", "solicitud")
    out = run("debtor", "anonymize", "--portfolio", "pyme", "--code", "C001", "--reason", "orden SIC", "--force")
    assert out.startswith(f"anonymized debtor C001 -> C001 (Anonimizado {luz.pk}) (forced): contacts 2")


def test_anonymize_paid_debtor(luz, portfolio):
    pay_off(luz)
    run("debtor", "anonymize", "--portfolio", "pyme", "--code", "C001", "--reason", "solicitud")
    assert Debtor.objects.get(pk=luz.pk).anonymized_at is not None


def test_privacy_settings_and_retention_run(portfolio):
    assert run("privacy", "pyme") == ("pyme: agents see assigned only: off; import files: keep; "
                                      "message texts: keep\n")
    out = run("privacy", "pyme", "--agents-see-assigned-only", "on", "--retain-import-files-days", "90",
              "--retain-message-bodies-days", "keep")
    assert out == "pyme: agents see assigned only: on; import files: 90 days; message texts: keep\n"
    with pytest.raises(CommandError, match="'noventa' is not a number of days"):
        run("privacy", "pyme", "--retain-import-files-days", "noventa")
    with pytest.raises(CommandError, match="retain_message_bodies_days: -3 is not a number of days"):
        run("privacy", "pyme", "--retain-message-bodies-days", "-3")
    assert run("retention", "run", "--portfolio", "pyme") == (
        "pyme: deleted 0 import files (0 imports), blanked 0 message texts\n")
    with pytest.raises(CommandError, match="no portfolio with slug 'nada'"):
        run("retention", "run", "--portfolio", "nada")
