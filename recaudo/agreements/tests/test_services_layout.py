"""The agreements services package imports downward only (no circle between its modules): common and permissions
at the bottom, daily at the top. The order is the one in recaudo/agreements/services/__init__.py."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "services"
ORDER = ["common", "permissions", "promises", "plans", "offers", "payments", "selfservice", "daily"]


def _siblings(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("recaudo.agreements.services."):
                found.add(node.module.split(".")[3])
    return found


def test_every_module_has_a_place_in_the_order():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set(ORDER)


def test_modules_import_only_modules_below_them():
    upward = []
    for name in ORDER:
        for sibling in _siblings(PACKAGE / f"{name}.py"):
            if ORDER.index(sibling) >= ORDER.index(name):
                upward.append(f"{name} imports {sibling}")
    assert not upward, "imports against the order of the services package:\n" + "\n".join(upward)


def test_the_package_re_exports_nothing():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    assert not [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
