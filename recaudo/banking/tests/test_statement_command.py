"""`recaudo bank mapping` and `recaudo bank import` of statements."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recaudo.banking.models import BankLine, StatementMapping
from recaudo.banking.tests import statement_files as sf
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    portfolio = make_portfolio()
    make_obligation(portfolio, make_debtor(portfolio, code="C001"), number="1203", amount="2000000")
    make_debtor(portfolio, code="C002", name="Pedro")
    return portfolio


def _call(*args):
    out, err = StringIO(), StringIO()
    call_command("bank", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_mapping_then_csv_import_prints_debits_skipped(portfolio, tmp_path):
    out, _ = _call("mapping", "--portfolio", "pyme", "--name", "bancolombia", "--date", "Fecha", "--reference",
                   "Referencia", "--description", "Descripcion", "--debit", "Retiros", "--credit",
                   "Consignaciones", "--separator", ";", "--skip-header-lines", "1", "--skip-footer-lines", "1")
    assert out.strip() == "statement mapping bancolombia saved"
    mapping = StatementMapping.objects.get()
    assert (mapping.separator, mapping.header_lines_skip, mapping.decimal_separator) == (";", 1, ",")
    listing, _ = _call("mapping", "--portfolio", "pyme")
    assert listing.startswith("bancolombia: date Fecha, amount debit Retiros / credit Consignaciones")
    path = tmp_path / "extracto.csv"
    path.write_bytes(sf.BANCOLOMBIA_SPLIT.encode("cp1252"))
    out, _ = _call("import", str(path), "--portfolio", "pyme", "--layout", "csv", "--mapping", "bancolombia")
    rows = {" ".join(line.split()[:-2]): line.split()[-2:] for line in out.splitlines()[1:]}
    assert rows["read"] == ["2", "1.734.567,89"] and rows["applied"] == ["2", "1.734.567,89"]
    assert rows["debits skipped"] == ["1", "200.000,00"]
    again, _ = _call("import", str(path), "--portfolio", "pyme", "--format", "json")  # auto: the only mapping
    summary = json.loads(again)
    assert (summary["layout"], summary["duplicate"], summary["debits_skipped"]) == ("csv", 2, 1)


def test_a_bad_mapping_lists_its_problems(portfolio):
    with pytest.raises(CommandError, match="not saved"):
        _call("mapping", "--portfolio", "pyme", "--name", "x", "--date", "Fecha")
    assert not StatementMapping.objects.exists()


def test_mt940_auto_and_a_refused_statement(portfolio, tmp_path):
    path = tmp_path / "stmt.sta"
    path.write_text(sf.MT940)
    out, _ = _call("import", str(path), "--portfolio", "pyme")
    assert "mt940, bank date 2026-03-03" in out
    assert BankLine.objects.count() == 2
    bad = tmp_path / "bad.ofx"
    bad.write_bytes(sf.ofx_sgml([("F1", "20260301", "1.0.0", "A", "B")]))
    err = StringIO()
    with pytest.raises(CommandError, match="refused whole"):
        call_command("bank", "import", str(bad), "--portfolio", "pyme", stdout=StringIO(), stderr=err)
    assert "TRNAMT" in err.getvalue()
