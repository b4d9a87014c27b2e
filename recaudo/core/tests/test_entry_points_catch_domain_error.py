"""Entry points (views, commands, the API, portal pages) catch only the vocabulary of recaudo.core.errors:
DomainError (shown at its field) and NotAllowed (403), never a subclass of it one by one. A new domain error then
reaches the user without touching any entry point, and no entry point decides by the kind of error what a rule
meant."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

from recaudo.core.errors import DomainError, NotAllowed

ROOT = Path(__file__).resolve().parents[3]
ALLOWED = (DomainError, NotAllowed)
# The two calculator commands (`recaudo interest`, `recaudo plan`) take every input from options and turn each rate
# error into a hint naming the option and the fix (`--due/--as-of: no legal rate for CO in 2022-12; load it with
# recaudo rates load FILE`): the same error means a different option in each. They are the only exception.
CALCULATORS = {"recaudo/agreements/management/commands/interest.py", "recaudo/agreements/management/commands/plan.py"}


def entry_point_files() -> list[Path]:
    files = []
    for path in sorted((ROOT / "recaudo").rglob("*.py")):
        rel = path.relative_to(ROOT)
        parts = rel.parts
        if "tests" in parts or "migrations" in parts:
            continue
        if (path.name == "views.py" or "views" in parts[:-1] or "commands" in parts[:-1]
                or (len(parts) > 2 and parts[1] in ("api", "portal"))):
            files.append(path)
    return files


def _resolve(node: ast.expr, namespace: dict):
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, namespace)
        return getattr(base, node.attr, None) if base is not None else None
    return None


def caught_domain_subclasses(path: Path) -> list[str]:
    module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    module = importlib.import_module(module_name)
    namespace = vars(module)
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ExceptHandler) or node.type is None:
            continue
        types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        for t in types:
            found = _resolve(t, namespace)
            for cls in found if isinstance(found, tuple) else (found,):  # a tuple constant: ERRORS = (A, B)
                if inspect.isclass(cls) and issubclass(cls, DomainError) and cls not in ALLOWED:
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno} catches {cls.__name__}")
    return problems


def test_there_are_entry_points_to_check():
    names = {p.name for p in entry_point_files()}
    assert {"views.py", "ledger.py", "import_data.py"} <= names


def test_entry_points_catch_only_domain_error_and_not_allowed():
    problems = [p for path in entry_point_files() if str(path.relative_to(ROOT)) not in CALCULATORS
                for p in caught_domain_subclasses(path)]
    assert problems == []
