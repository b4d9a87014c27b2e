"""`recaudo aging` and `recaudo statement`: formats, defaults, clear errors."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from .factories import build_book

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_aging_json(portfolio):
    build_book(portfolio)
    data = json.loads(run("aging", "--portfolio", "pyme", "--as-of", "2026-11-22", "--format", "json"))
    assert data["total"] == "370000.50"
    assert [b["amount"] for b in data["buckets"]] == ["100000.00", "80000.50", "150000.00", "0.00", "0.00", "0.00",
                                                      "40000.00"]
    assert "rows" not in data


def test_aging_json_by_debtor(portfolio):
    build_book(portfolio)
    data = json.loads(run("aging", "--portfolio", "pyme", "--as-of", "2026-11-22", "--by", "debtor",
                          "--format", "json"))
    assert [(r["code"], r["total"]) for r in data["rows"]] == [("C001", "250000.00"), ("C002", "120000.50")]


def test_aging_csv(portfolio):
    build_book(portfolio)
    rows = list(csv.reader(io.StringIO(run("aging", "--portfolio", "pyme", "--as-of", "2026-11-22",
                                            "--format", "csv"))))
    assert rows[0] == ["bucket", "min_days", "max_days", "amount", "count"]
    assert rows[1] == ["current", "", "0", "100000.00", "1"]
    assert rows[-1] == ["total", "", "", "370000.50", "4"]
    by_obligation = list(csv.reader(io.StringIO(run("aging", "--portfolio", "pyme", "--as-of", "2026-11-22",
                                                     "--by", "obligation", "--format", "csv"))))
    assert by_obligation[1] == ["F-4", "C002", "2025-06-30", "510", "40000.00", "over 360"]


def test_aging_table_es_co(portfolio):
    build_book(portfolio)
    out = run("aging", "--portfolio", "pyme", "--as-of", "2026-11-22")
    assert "370.000,50" in out and "150.000,00" in out
    assert "22/11/2026" in out
    by_debtor = run("aging", "--portfolio", "pyme", "--as-of", "2026-11-22", "--by", "debtor")
    assert "C001" in by_debtor and "250.000,00" in by_debtor
    by_obligation = run("aging", "--portfolio", "pyme", "--as-of", "2026-11-22", "--by", "obligation")
    assert "F-4" in by_obligation and "30/06/2025" in by_obligation


def test_aging_default_as_of_is_today(portfolio):
    build_book(portfolio)
    data = json.loads(run("aging", "--portfolio", "pyme", "--format", "json"))

    assert data["as_of"] == portfolio.today().isoformat()


def test_aging_errors(portfolio):
    with pytest.raises(CommandError, match="unknown portfolio 'nope'"):
        run("aging", "--portfolio", "nope")
    with pytest.raises(CommandError, match="not a date"):
        run("aging", "--portfolio", "pyme", "--as-of", "22/11/2026")


def test_statement_formats(portfolio, tmp_path):
    build_book(portfolio)
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", b"\xef\xbb\xbf"), ("html", b"<!doctype")):
        target = tmp_path / f"s.{fmt}"
        call_command("statement", "--portfolio", "pyme", "--debtor", "C001", "--format", fmt, "--output",
                     str(target), stderr=io.StringIO())
        assert target.read_bytes().startswith(magic), fmt
    out = run("statement", "--portfolio", "pyme", "--debtor", "C001", "--from", "2026-10-01", "--to", "2026-10-31",
              "--format", "csv", "--output", "-")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert rows[1] == ["2026-10-01", "", "Saldo inicial", "", "", "", "200000.00"]
    assert rows[2][-1] == "300000.00"


def test_statement_default_file_name(portfolio, tmp_path, monkeypatch):
    build_book(portfolio)
    monkeypatch.chdir(tmp_path)
    call_command("statement", "--portfolio", "pyme", "--debtor", "C001", "--to", "2026-11-22", "--format", "pdf",
                 stderr=io.StringIO())
    assert (tmp_path / "estado-de-cuenta-C001-2026-11-22.pdf").read_bytes().startswith(b"%PDF")


def test_statement_errors(portfolio):
    build_book(portfolio)
    with pytest.raises(CommandError, match="no debtor with code 'X'"):
        run("statement", "--portfolio", "pyme", "--debtor", "X")
    with pytest.raises(CommandError, match="^--from: La fecha inicial 2026-12-01 es posterior a la final 2026-11-01"):
        run("statement", "--portfolio", "pyme", "--debtor", "C001", "--from", "2026-12-01", "--to", "2026-11-01",
            "--output", "-", "--format", "csv")
    with pytest.raises(CommandError, match="--from"):
        run("statement", "--portfolio", "pyme", "--debtor", "C001", "--from", "ayer")
    assert date(2026, 11, 22)


def test_aging_csv_excel_dialect(portfolio):
    """`--csv excel`: what Excel set to Colombian Spanish opens into columns (`;`, decimal comma, Spanish)."""
    build_book(portfolio)
    out = run("aging", "--portfolio", "pyme", "--as-of", "2026-11-22", "--format", "csv", "--csv", "excel")
    assert out.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Rango", "Desde el día", "Hasta el día", "Valor", "Obligaciones"]
    assert rows[1] == ["Corriente", "", "0", "100000,00", "1"]
    assert rows[-1][3] == "370000,50"
    by_obligation = list(csv.reader(io.StringIO(run(
        "aging", "--portfolio", "pyme", "--as-of", "2026-11-22", "--by", "obligation", "--format", "csv",
        "--csv", "excel").lstrip("\ufeff")), delimiter=";"))
    assert by_obligation[1][:5] == ["F-4", "C002", "30/06/2025", "510", "40000,00"]
    plain = run("aging", "--portfolio", "pyme", "--as-of", "2026-11-22", "--format", "csv", "--csv", "plain")
    assert plain.startswith("bucket,min_days")


def test_statement_csv_excel_dialect(portfolio):
    build_book(portfolio)
    out = run("statement", "--portfolio", "pyme", "--debtor", "C001", "--from", "2026-10-01", "--to", "2026-10-31",
              "--format", "csv", "--csv", "excel", "--output", "-")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff")), delimiter=";"))
    assert rows[1] == ["01/10/2026", "", "Saldo inicial", "", "", "", "200000,00"]


def test_csv_option_in_help(capsys):
    from django.core.management import load_command_class

    for name in ("aging", "statement"):
        parser = load_command_class("recaudo.reports", name).create_parser("recaudo", name)
        text = parser.format_help()
        assert "--csv {excel,plain}" in text and "Colombian Spanish" in text, name
    with pytest.raises(CommandError):
        run("aging", "--portfolio", "pyme", "--format", "csv", "--csv", "tsv")
