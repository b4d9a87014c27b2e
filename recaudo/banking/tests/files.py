"""Asobancaria collection files written from the layout tables (docs/bank-files.md), for the tests."""

from __future__ import annotations


def pad(text: str, width: int) -> str:
    assert len(text) <= width, (text, width)
    return text.ljust(width)


def header_2001(nit="900123456", date="20260301", bank="007", account="12345678901", file_date="20260302",
                time="0830", modifier="A", account_type="01") -> str:
    line = "01" + nit.rjust(10, "0") + date + bank + account.rjust(17, "0") + file_date + time + modifier \
        + account_type
    return pad(line, 162)


def lot_header(service="7709998000011", number="0001") -> str:
    return pad("05" + service.rjust(13, "0") + number, 162)


def detail(reference: str, cents: int, origin="01", channel="01", operation="000001", authorization="000001",
           bank="007", branch="0001", sequence="0000001", cause="000") -> str:
    return pad("06" + reference.rjust(48, "0") + str(cents).rjust(14, "0") + origin + channel + operation
               + authorization + bank + branch + sequence + cause, 162)


def lot_control(count: int, total_cents: int, number="0001") -> str:
    return pad("08" + str(count).rjust(9, "0") + str(total_cents).rjust(18, "0") + number, 162)


def file_control(count: int, total_cents: int) -> str:
    return pad("09" + str(count).rjust(9, "0") + str(total_cents).rjust(18, "0"), 162)


def file_2001(lots: list[tuple[str, list[tuple[str, int]]]], *, date="20260301", counts=None, totals=None,
              nit="900123456", bank="007", **detail_fields) -> str:
    """A 2001 file: lots as (service code, [(reference, cents)...]); its controls right unless `counts`/`totals`
    ({"file": n, "0001": n...}) say otherwise. Each detail gets a distinct operation number."""
    lines, operation = [header_2001(nit=nit, date=date, bank=bank)], 0
    all_count = all_total = 0
    for index, (service, payments) in enumerate(lots, start=1):
        number = str(index).rjust(4, "0")
        lines.append(lot_header(service, number))
        for reference, amount in payments:
            operation += 1
            fields = {"operation": str(operation).rjust(6, "0"), "sequence": str(operation).rjust(7, "0"),
                      **detail_fields}
            lines.append(detail(reference, amount, **fields))
        count, total = len(payments), sum(a for _r, a in payments)
        all_count, all_total = all_count + count, all_total + total
        lines.append(lot_control((counts or {}).get(number, count), (totals or {}).get(number, total), number))
    lines.append(file_control((counts or {}).get("file", all_count), (totals or {}).get("file", all_total)))
    return "\r\n".join(lines) + "\r\n"


def file_1998(payments: list[tuple[str, int]], *, date="20260301", nit="900123456", bank="007",
              account="12345678901", count=None, total=None) -> str:
    lines = [pad("01" + nit.rjust(13, "0") + date + bank + account.rjust(15, "0"), 128)]
    for seq, (reference, amount) in enumerate(payments, start=1):
        lines.append(pad("02" + reference.rjust(25, "0") + str(amount).rjust(13, "0") + "01"
                         + str(seq).rjust(7, "0"), 128))
    count = len(payments) if count is None else count
    total = sum(a for _r, a in payments) if total is None else total
    lines.append(pad("09" + str(count).rjust(9, "0") + str(total).rjust(18, "0"), 128))
    return "\n".join(lines) + "\n"
