"""`recaudo bank import`: counts and totals in a table or JSON; a refused file names its problems."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from recaudo.banking.tests import files
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    portfolio = make_portfolio()
    make_obligation(portfolio, make_debtor(portfolio, code="C001"), number="1203", amount="1000000")
    return portfolio


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("bank", "import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_counts_and_totals(portfolio, tmp_path):
    path = tmp_path / "recaudo.txt"
    path.write_text(files.file_2001([("7709998000011", [("1203", 15_000_000), ("777", 5_050)])]))
    out, _ = _run(str(path), "--portfolio", "pyme")
    assert "asobancaria-2001, bank date 2026-03-01" in out
    rows = {" ".join(line.split()[:-2]): line.split()[-2:] for line in out.splitlines()[1:5]}
    assert rows == {"read": ["2", "150.050,50"], "applied": ["1", "150.000,00"],
                    "queued for review": ["1", "50,50"], "duplicates": ["0", "0,00"]}
    assert "line 4: 777 50,50:" in out
    again, _ = _run(str(path), "--portfolio", "pyme", "--format", "json")
    summary = json.loads(again)
    assert (summary["read"], summary["applied"], summary["duplicate"]) == (2, 0, 2)
    assert Payment.objects.count() == 1


def test_dry_run_changes_nothing(portfolio, tmp_path):
    path = tmp_path / "recaudo.txt"
    path.write_text(files.file_2001([("7709998000011", [("1203", 100)])]))
    out, _ = _run(str(path), "--portfolio", "pyme", "--dry-run")
    assert out.startswith("DRY RUN") and not Payment.objects.exists()


def test_a_refused_file_names_its_problems_in_spanish(portfolio, tmp_path):
    path = tmp_path / "recaudo.txt"
    path.write_text(files.file_2001([("7709998000011", [("1203", 100)])], totals={"file": 99}))
    with translation.override("es-co"), pytest.raises(CommandError, match="nothing applied"):
        out, err = StringIO(), StringIO()
        try:
            call_command("bank", "import", str(path), "--portfolio", "pyme", stdout=out, stderr=err)
        finally:
            assert "línea 5, total del archivo: el control de archivo dice 0,99 y los detalles suman 1,00" \
                in err.getvalue()
    assert not Payment.objects.exists()


def test_bad_arguments(portfolio, tmp_path):
    with pytest.raises(CommandError, match="--portfolio: no portfolio"):
        _run(str(tmp_path / "x.txt"), "--portfolio", "nada")
    with pytest.raises(CommandError, match="cannot read"):
        _run(str(tmp_path / "missing.txt"), "--portfolio", "pyme")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="refused whole"):
        _run(str(empty), "--portfolio", "pyme")


def test_convenio_references_and_queue_subcommands(portfolio, tmp_path):
    out = StringIO()
    call_command("bank", "convenio", "--portfolio", "pyme", "--name", "bancolombia", "--bank", "7", "--service",
                 "7709998000011", "--layout", '[{"field": "obligation_number", "start": 37, "length": 12}]',
                 stdout=out)
    assert "convenio bancolombia saved" in out.getvalue()
    out = StringIO()
    call_command("bank", "convenio", "--portfolio", "pyme", stdout=out)
    assert "bancolombia: bank 007" in out.getvalue() and '"start": 37' in out.getvalue()
    with pytest.raises(CommandError, match="--bank:"):
        call_command("bank", "convenio", "--portfolio", "pyme", "--name", "x", "--bank", "BANCO", stdout=out)
    with pytest.raises(CommandError, match="--layout: not JSON"):
        call_command("bank", "convenio", "--portfolio", "pyme", "--name", "x", "--bank", "1", "--layout", "[",
                     stdout=out)
    with pytest.raises(CommandError, match="--layout:"):
        call_command("bank", "convenio", "--portfolio", "pyme", "--name", "x", "--bank", "1", "--layout",
                     '[{"field": "period", "start": 1, "length": 4}]', stdout=out)
    out = StringIO()
    call_command("bank", "references", "--portfolio", "pyme", "--kind", "generated", stdout=out)
    assert out.getvalue().strip() == ("payment reference of pyme: generated; lines applied by themselves from "
                                      "score 90; 2 reference(s) generated")
    out = StringIO()
    call_command("bank", "references", "--portfolio", "pyme", "--auto-apply-score", "80", stdout=out)
    assert "from score 80" in out.getvalue()
    with pytest.raises(CommandError, match="--auto-apply-score: "):
        call_command("bank", "references", "--portfolio", "pyme", "--auto-apply-score", "0", stdout=out)
    path = tmp_path / "f.txt"
    path.write_text(files.file_2001([("7709998000011", [("12035", 100)])]))  # a wrong check digit
    _run(str(path), "--portfolio", "pyme")
    out = StringIO()
    call_command("bank", "queue", "--portfolio", "pyme", stdout=out)
    assert "12035" in out.getvalue() and "1 line(s) waiting for review" in out.getvalue()
