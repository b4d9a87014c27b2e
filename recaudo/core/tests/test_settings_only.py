"""Environment variables are read in recaudo/settings.py only; the rest of the code reads django.conf.settings.

Tests and conftest files are left out (they start subprocesses with an environment of their own)."""

import ast
from pathlib import Path

import pytest

from recaudo import SettingError
from recaudo import settings as recaudo_settings

PACKAGE = Path(__file__).resolve().parents[2]  # recaudo/
SETTINGS = "recaudo/settings.py"

# Bootstrap, before any settings exist: these write the environment the settings module is then loaded from.
# - DJANGO_SETTINGS_MODULE: which settings module Django loads (recaudo/cli.py, recaudo/wsgi.py).
# - RECAUDO_NO_CREATE_HOME: recaudo/cli.py tells recaudo/settings.py, during django.setup(), not to create
#   RECAUDO_HOME before it has checked that the database is there; the environment is the only way to reach a
#   settings module while it loads, so this stays.
ALLOWED = {
    ("recaudo/cli.py", "setdefault DJANGO_SETTINGS_MODULE"),
    ("recaudo/cli.py", "set RECAUDO_NO_CREATE_HOME"),
    ("recaudo/cli.py", "del RECAUDO_NO_CREATE_HOME"),
    ("recaudo/wsgi.py", "setdefault DJANGO_SETTINGS_MODULE"),
}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if "/tests/" in relative or path.name == "conftest.py" or relative == SETTINGS:
            continue
        yield relative, ast.parse(path.read_text(encoding="utf-8"), filename=relative)


def _is_environ(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)
            and node.value.id == "os")


def _key(node) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else "?"


def environment_uses(tree) -> list[tuple[int, str]]:
    """(line, what) for every use of os.environ / os.getenv / os.putenv and every import of them from os."""
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            uses += [(node.lineno, f"from os import {a.name}") for a in node.names
                     if a.name in {"environ", "getenv", "environb", "getenvb", "putenv", "unsetenv"}]
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os"
              and node.attr in {"getenv", "getenvb", "environb", "putenv", "unsetenv"}):
            uses.append((node.lineno, f"os.{node.attr}"))
        elif _is_environ(node):
            parent = parents.get(node)
            what = "read os.environ"
            if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store):
                what = f"set {_key(parent.slice)}"
            elif isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Del):
                what = f"del {_key(parent.slice)}"
            elif isinstance(parent, ast.Attribute) and parent.attr == "setdefault":
                call = parents.get(parent)
                if isinstance(call, ast.Call) and call.args:
                    what = f"setdefault {_key(call.args[0])}"
            uses.append((node.lineno, what))
    return sorted(uses)


def test_only_settings_reads_the_environment():
    found = [f"{name}:{line}: {what}" for name, tree in modules() for line, what in environment_uses(tree)
             if (name, what) not in ALLOWED]
    assert found == [], "read environment variables in recaudo/settings.py, as settings:\n" + "\n".join(found)


def test_the_check_sees_reads():
    code = ("import os\nfrom os import getenv\na = os.environ.get('X')\nb = os.environ['Y']\nc = os.getenv('Z')\n"
            "d = 'W' in os.environ\nos.environ['V'] = '1'\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 's')\n")
    assert environment_uses(ast.parse(code)) == [
        (2, "from os import getenv"), (3, "read os.environ"), (4, "read os.environ"), (5, "os.getenv"),
        (6, "read os.environ"), (7, "set V"), (8, "setdefault DJANGO_SETTINGS_MODULE")]


# -- how recaudo/settings.py parses the variables it moved from the code ---------------------------------------


@pytest.mark.parametrize("value, expected", [
    (None, None), ("", None), (" ", None), ("auto", None),
    ("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("false", False), ("NO", False),
    ("off", False),
])
def test_switches(monkeypatch, value, expected):  # RECAUDO_IMPORT_PARALLEL, RECAUDO_IMPORT_FASTLOAD
    if value is None:
        monkeypatch.delenv("RECAUDO_IMPORT_PARALLEL", raising=False)
    else:
        monkeypatch.setenv("RECAUDO_IMPORT_PARALLEL", value)
    assert recaudo_settings.env_switch("RECAUDO_IMPORT_PARALLEL") is expected


@pytest.mark.parametrize("value, expected", [(None, None), ("", None), ("512", 512), ("0", 0), ("lots", None)])
def test_import_memory(value, expected):  # as before: a value that is not a number means the default
    assert recaudo_settings.import_memory_mb(value) == expected


def test_web_workers():
    assert recaudo_settings.web_workers(None) is None and recaudo_settings.web_workers(" ") is None
    assert recaudo_settings.web_workers("5") == 5 and recaudo_settings.web_workers("0") == 0  # serve says >= 1
    with pytest.raises(SettingError, match="RECAUDO_WEB_WORKERS must be a whole number of processes, not 'many'"):
        recaudo_settings.web_workers("many")


def test_numbers_and_strings(monkeypatch):
    monkeypatch.setenv("RECAUDO_CYCLE_PAUSE", "0.5")
    monkeypatch.setenv("RECAUDO_SMTP_HOST", "")
    monkeypatch.setenv("RECAUDO_SMTP_PORT", "2525")
    assert recaudo_settings.env_number("RECAUDO_CYCLE_PAUSE") == 0.5
    assert recaudo_settings.env_str("RECAUDO_SMTP_HOST") is None  # empty: the channel's default
    assert recaudo_settings.env_int("RECAUDO_SMTP_PORT", None) == 2525
    monkeypatch.setenv("RECAUDO_CYCLE_PAUSE", "soon")
    with pytest.raises(SettingError, match="RECAUDO_CYCLE_PAUSE must be a number, not 'soon'"):
        recaudo_settings.env_number("RECAUDO_CYCLE_PAUSE")
