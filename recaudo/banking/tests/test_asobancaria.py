"""The Asobancaria reader, worked examples built from the layout (docs/bank-files.md)."""

from datetime import date

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.banking import asobancaria
from recaudo.banking.tests import files


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield

TWO_LOTS = files.file_2001([
    ("7709998000011", [("FV1203", 15_000_000), ("000000000000000000000000000000000000000000CL0007", 250_050)]),
    ("7709998000028", [("4512", 99)]),
])


def test_a_valid_file_with_two_lots():
    reading = asobancaria.read(TWO_LOTS.encode())
    assert reading.problems == []
    f = reading.file
    assert f.layout == asobancaria.ASOBANCARIA_2001
    assert f.header.nit == "0900123456" and f.header.bank_code == "007"
    assert f.header.collection_date == date(2026, 3, 1) and f.header.file_date == date(2026, 3, 2)
    assert [lot.number for lot in f.lots] == ["0001", "0002"]
    assert [lot.service_code for lot in f.lots] == ["7709998000011", "7709998000028"]
    first, second, third = f.details
    assert first.reference.lstrip("0") == "FV1203" and first.amount_cents == 15_000_000  # $150.000,00
    assert second.amount_cents == 250_050 and second.lot == "0001"
    assert third.lot == "0002" and third.service_code == "7709998000028" and third.amount_cents == 99
    assert first.line == 3 and third.line == 7
    assert first.operation == "000001" and first.channel == "01" and first.origin == "01"
    assert f.control_count == 3 and f.control_total_cents == f.total_cents == 15_250_149


def test_short_lines_are_read_padded():
    cut = "\n".join(line.rstrip() for line in TWO_LOTS.splitlines())
    reading = asobancaria.read(cut.encode())
    assert reading.problems == []
    assert [d.amount_cents for d in reading.file.details] == [15_000_000, 250_050, 99]


def test_unknown_origin_and_channel_codes_are_kept():
    text = files.file_2001([("7709998000011", [("123", 100)])], origin="97", channel="88")
    reading = asobancaria.read(text)
    assert reading.problems == []
    d = reading.file.details[0]
    assert (d.origin, d.channel) == ("97", "88") and not d.origin_known and not d.channel_known


def test_a_lot_total_that_disagrees_refuses_the_file_naming_both_numbers():
    text = files.file_2001([("7709998000011", [("1", 100), ("2", 200)])], totals={"0001": 301})
    reading = asobancaria.read(text)
    assert reading.file is None
    [problem] = reading.problems
    assert problem.line == 5 and problem.field == "lot total"
    assert "3,01" in problem.message and "3,00" in problem.message and "0001" in problem.message


def test_file_control_count_and_total_that_disagree_are_both_named():
    text = files.file_2001([("7709998000011", [("1", 100)])], counts={"file": 2}, totals={"file": 150})
    reading = asobancaria.read(text)
    assert reading.file is None
    fields = {p.field for p in reading.problems}
    assert fields == {"number of details in the file", "file total"}
    assert any("2" in p.message and "1" in p.message for p in reading.problems)


def test_lot_count_that_disagrees():
    text = files.file_2001([("7709998000011", [("1", 100)])], counts={"0001": 4})
    [problem] = asobancaria.read(text).problems
    assert problem.field == "number of details in the lot" and "4" in problem.message


def test_problems_are_in_spanish_naming_line_and_field():
    text = files.file_2001([("7709998000011", [("1", 100)])], totals={"file": 1})
    with translation.override("es-co"):
        [problem] = asobancaria.read(text).problems
        assert str(problem).startswith("línea 5, total del archivo:")


def test_empty_file_is_refused():
    for content in (b"", b"\r\n  \n"):
        reading = asobancaria.read(content)
        assert reading.file is None and "empty" in reading.problems[0].message


def test_record_order_is_checked():
    lines = TWO_LOTS.splitlines()
    # a detail before any lot header
    reading = asobancaria.read("\n".join([lines[0], lines[2], *lines[1:]]))
    assert any("outside a lot" in p.message and p.line == 2 for p in reading.problems)
    # no file header first
    assert "file header" in asobancaria.read("\n".join(lines[1:])).problems[0].message
    # no file control
    assert any("no file control" in p.message for p in asobancaria.read("\n".join(lines[:-1])).problems)
    # a lot without its control
    without = [line for n, line in enumerate(lines) if n != 4]
    assert any("no lot control" in p.message for p in asobancaria.read("\n".join(without)).problems)
    # unknown record type
    odd = "\n".join([*lines[:2], "07".ljust(162), *lines[2:]])
    assert any("unknown record type '07'" in p.message for p in asobancaria.read(odd).problems)


def test_an_amount_that_is_not_a_number_is_named():
    lines = TWO_LOTS.splitlines()
    bad = lines[2][:55] + "12x45" + lines[2][60:]
    reading = asobancaria.read("\n".join([*lines[:2], bad, *lines[3:]]))
    assert any(p.line == 3 and p.field == "amount" for p in reading.problems)


def test_a_line_longer_than_the_record_is_refused():
    lines = TWO_LOTS.splitlines()
    reading = asobancaria.read("\n".join([lines[0] + "XYZ", *lines[1:]]))
    assert reading.problems[0].line == 1 and "162" in reading.problems[0].message


def test_the_1998_layout():
    text = files.file_1998([("123", 10_000), ("0000000000000000000FV1203", 55)])
    reading = asobancaria.read(text.encode("cp1252"))
    assert reading.problems == []
    f = reading.file
    assert f.layout == asobancaria.ASOBANCARIA_1998 and f.header.account == "000012345678901"
    assert [(d.reference.lstrip("0"), d.amount_cents, d.sequence) for d in f.details] == [
        ("123", 10_000, "0000001"), ("FV1203", 55, "0000002")]
    bad = files.file_1998([("123", 10_000)], total=10_001)
    [problem] = asobancaria.read(bad).problems
    assert problem.field == "file total"


def test_forced_layout_and_bad_dates():
    assert asobancaria.read(TWO_LOTS, layout="asobancaria-1998").problems  # 162-character lines
    text = TWO_LOTS.replace("20260301007", "20261301007", 1)
    assert any(p.field == "collection date" for p in asobancaria.read(text).problems)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000) | st.text(alphabet="0125689 \n\r\x00é", max_size=2000))
def test_any_input_gives_a_file_or_problems_never_a_crash(content):
    reading = asobancaria.read(content)
    assert (reading.file is None) == bool(reading.problems)
    for problem in reading.problems:
        assert str(problem)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="0123456789ABC-", max_size=48), st.integers(0, 10**14 - 1)),
                min_size=1, max_size=5), st.integers(-3, 3))
def test_a_file_is_read_iff_its_controls_agree(payments, off):
    text = files.file_2001([("7709998000011", payments)])
    lines = text.splitlines()
    reading = asobancaria.read(text)
    assert reading.problems == [] and reading.file.total_cents == sum(a for _r, a in payments)
    if off:
        total = sum(a for _r, a in payments) + off
        if total >= 0:
            changed = files.file_2001([("7709998000011", payments)], totals={"file": total})
            assert [p.field for p in asobancaria.read(changed).problems] == ["file total"]
    assert len(lines) == len(payments) + 4
