"""The security suite (docs/security.md): `pytest -m security`. Prints what it checked at the end of the run."""

from .helpers import COUNTS


def pytest_terminal_summary(terminalreporter):
    if not COUNTS:
        return
    terminalreporter.section("security suite: what was checked")
    width = max(len(k) for k in COUNTS)
    for what, n in sorted(COUNTS.items()):
        terminalreporter.write_line(f"{what:<{width}}  {n:>7,}")
