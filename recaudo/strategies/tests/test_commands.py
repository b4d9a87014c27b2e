from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recaudo.strategies.services import latest_version, strategy_ensure_default

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_strategy_list_export_import(portfolio, tmp_path):
    assert "Predeterminada\tsegment (default)\tv1" in run("strategy", "list", "--portfolio", "pyme")
    path = tmp_path / "s.yaml"
    run("strategy", "export", "--portfolio", "pyme", "-o", str(path))
    text = path.read_text()
    assert text.startswith("strategy: Predeterminada\nversion: 1\n")
    path.write_text(text.replace("offset: 10", "offset: 12"))
    assert "version 2" in run("strategy", "import", "--portfolio", "pyme", str(path))
    assert latest_version(strategy_ensure_default(portfolio)).number == 2
    path.write_text(text.replace("offset: 10", "offset: 31"))
    with pytest.raises(CommandError, match=r"stages\[1\].steps\[1\].offset: 31 is outside its stage 'early'"):
        run("strategy", "import", "--portfolio", "pyme", str(path))
