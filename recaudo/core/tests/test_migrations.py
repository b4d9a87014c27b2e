"""Migrations a reader can follow: one initial migration per app, and nothing in a migration that changes when the
project's code changes.

The history was squashed before the first installation (CHANGELOG.md): each app starts with 0001_initial.py, which
creates its tables and, as literal SQL per engine, the triggers, functions and indexes Django does not declare, and
seeds its reference data. A migration imports only the standard library and Django: importing the project's code
(trigger builders, constants, models) would make an old migration do something else once that code changes.
"""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]  # recaudo/
# Modules a migration may import (the module itself or anything below it). Project code is not among them; a
# model field class of the project's own, if a model ever uses one, would be added here by name.
ALLOWED = ("django", "calendar", "datetime", "decimal", "json")  # Django and frozen standard library only
# Every app with models starts with 0001_initial.py (the squash); apps without models have none.
INITIAL = "0001_initial.py"


def _migration_files() -> list[Path]:
    return sorted(p for p in ROOT.glob("*/migrations/*.py") if p.name != "__init__.py")


def _imports(path: Path) -> list[str]:
    """Every module a file imports, wherever the import statement is (module level or inside a function)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in (
                "import_module", "__import__"):
            names.append("<dynamic import>")
    return names


def _allowed(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in ALLOWED)


def test_migrations_import_no_project_code():
    offenders = {f"{p.relative_to(ROOT)}: {m}" for p in _migration_files() for m in _imports(p) if not _allowed(m)}
    assert not offenders, f"migrations must not import project code (freeze the SQL or values instead): {offenders}"


def test_each_app_starts_with_one_initial_migration():
    """The squashed history starts at 0001_initial.py in every app with models; what comes after it is numbered on
    from 0002 (schema changes made since the squash)."""
    project_apps = [c for c in apps.get_app_configs() if c.name.startswith("recaudo.")]
    assert project_apps
    for config in project_apps:
        folder = Path(config.path) / "migrations"
        files = sorted(p.name for p in folder.glob("*.py") if p.name != "__init__.py") if folder.is_dir() else []
        has_models = any(True for _ in config.get_models(include_auto_created=True))
        if not has_models:
            assert files == [], f"{config.label}: {files}"
            continue
        assert files[:1] == [INITIAL], f"{config.label}: {files}"
        numbers = [int(name[:4]) for name in files if name[:4].isdigit()]
        assert len(numbers) == len(files) and numbers == list(range(1, len(files) + 1)), f"{config.label}: {files}"


def test_the_import_check_sees_project_imports(tmp_path):
    """The check itself: project imports in any form are found."""
    sample = tmp_path / "0001_initial.py"
    sample.write_text("import recaudo.ledger.triggers\nfrom recaudo.core import setkeys\nfrom . import x\n"
                      "def f():\n    from recaudo.ledger.triggers import flush_sql\n"
                      "import importlib\nimportlib.import_module('recaudo.core')\n")
    assert sorted(m for m in _imports(sample) if not _allowed(m)) == sorted([
        "recaudo.ledger.triggers", "recaudo.core", ".", "importlib", "recaudo.ledger.triggers", "<dynamic import>"])
