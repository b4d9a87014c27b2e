"""Import bombs: each hostile file (generated here, each under a few MB on disk) is refused with one clear line
naming the file, within a memory limit and a time limit.

The file is read in a forked child whose address space is capped (RLIMIT_AS: what it uses now plus LIMIT_MB), so a
bomb that got past the checks would die there instead of taking the test run's memory; then the same file goes
through the import service in this process, which must refuse it with the message the user sees."""

from __future__ import annotations

import multiprocessing
import resource
import time
import zipfile

import pytest

from recaudo.imports.reading import ImportFileError, open_table
from recaudo.imports.tests.test_hostile_files import BILLION_LAUGHS, XXE, shared_strings, workbook

from .helpers import count

pytestmark = [pytest.mark.security, pytest.mark.django_db]
LIMIT_MB = 400
SECONDS = 20


def _zip_bomb(path):
    """A workbook whose sheet is 60 MB of blanks compressed about 1000 to 1."""
    workbook(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet2.xml", b"<worksheet>" + b" " * (60 << 20) + b"</worksheet>")
    return path


BOMBS = {
    "shared-strings.xlsx": lambda p: workbook(p, xl__sharedStrings_xml=shared_strings(3_000_000)),
    "one-huge-string.xlsx": lambda p: workbook(p, xl__sharedStrings_xml=shared_strings(1, b"A" * (101 << 20))),
    "zip-bomb.xlsx": _zip_bomb,
    "billion-laughs.xlsx": lambda p: workbook(p, xl__sharedStrings_xml=BILLION_LAUGHS),
    "xxe.xlsx": lambda p: workbook(p, xl__worksheets__sheet1_xml=XXE),
    "nul.csv": lambda p: p.write_bytes(b"code,name\n" + b"C1,Ana\n" * 10_000 + b"C2,A\x00B\n") and p,
    "huge-line.csv": lambda p: p.write_bytes(b"code,name\nC1," + b"A" * (3 << 20) + b"\nC2,Luis\n") and p,
}


def _read_capped(path, conn):
    """In the child: cap the address space, read every row, report what happened."""
    with open("/proc/self/statm") as fh:
        used = int(fh.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + (LIMIT_MB << 20), used + (LIMIT_MB << 20)))
    try:
        table = open_table(path)
        rows = sum(1 for _ in table.rows())
        table.close()
        conn.send(("read", rows))
    except ImportFileError as exc:
        conn.send(("refused", str(exc)))
    except MemoryError:
        conn.send(("out of memory", ""))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        conn.send(("crashed", f"{type(exc).__name__}: {exc}"[:300]))


def test_every_bomb_is_refused_clearly_within_memory_and_time(portfolio, tmp_path):
    from recaudo.imports.services import ImportOptions, import_file

    ctx = multiprocessing.get_context("fork")
    problems = []
    for name, make in BOMBS.items():
        path = tmp_path / name
        make(path)
        assert path.stat().st_size < 4 << 20, f"{name} should stay small on disk"
        parent, child = ctx.Pipe()
        started = time.monotonic()
        process = ctx.Process(target=_read_capped, args=(str(path), child))
        process.start()
        outcome = parent.recv() if parent.poll(SECONDS) else ("timed out", "")
        process.join(5)
        if process.is_alive():
            process.kill()
        elapsed = time.monotonic() - started
        if outcome[0] == "read":
            # Some refusals happen on a row (a NUL byte) in the import layer: the reader may pass the file on.
            pass
        elif outcome[0] != "refused":
            problems.append(f"{name}: reading under a {LIMIT_MB} MB cap: {outcome[0]} {outcome[1]}")
        if elapsed > SECONDS:
            problems.append(f"{name}: took {elapsed:.0f} s")
        try:
            import_file(portfolio=portfolio, kind="debtors", path=path, options=ImportOptions())
        except ImportFileError as exc:
            message = str(exc)
            if "\n" in message or not message.startswith(name) or "Traceback" in message:
                problems.append(f"{name}: unclear message {message!r}")
        else:
            problems.append(f"{name}: imported")
        count("import bombs refused (memory-capped child + import service)")
    assert not problems, "\n".join(problems)
