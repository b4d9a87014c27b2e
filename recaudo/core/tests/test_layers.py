"""The layer order of docs/architecture.md, checked: a module imports only from its own layer or below, and never
imports a project module inside a function (the way to get around a circle). Tests and migrations are outside
the order (tests build any state they need; migrations are history)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # recaudo/

# From the bottom. The same order, with what each app owns, is in docs/architecture.md.
LAYERS = [
    {"core"},
    {"audit"},
    {"portfolio", "accounts"},
    {"ledger"},
    {"compliance"},
    {"strategies"},
    {"agreements"},
    {"banking"},
    {"communications"},
    {"agents"},
    {"imports", "reports", "privacy", "analytics", "certificates", "connectors", "webhooks"},
    {"cycle"},
    {"web", "demo", "api", "portal", "security"},  # security: the security test suite's package
    # the project's own entry modules: the console script, settings, root URLs, WSGI
    {"cli", "settings", "urls", "wsgi", "__init__"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}

# Project modules a function may import when it runs rather than at module load, and why (none dodges a circle).
LAZY_MODULES = {
    "cli.py": "the console script checks the environment and the database before Django is set up",
    "wsgi.py": "the WSGI entry point reads the stored secret key once Django is set up",
    "core/secret.py": "imported by cli.py and wsgi.py before Django is set up; reads its model when called",
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if {"tests", "migrations"} & set(rel.parts) or rel.name == "conftest.py":
            continue
        app = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        yield path, rel, app


def _imports(tree):
    """(node, imported module, inside a function?) for every import of a project module."""
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inner = {id(sub) for f in functions for sub in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                yield node, None, id(node) in inner  # relative: the same app
            elif node.module and (node.module == "recaudo" or node.module.startswith("recaudo.")):
                yield node, node.module, id(node) in inner
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("recaudo"):
                    yield node, alias.name, id(node) in inner


def test_every_app_has_a_layer():
    apps = {app for _, _, app in _modules()}
    missing = apps - set(LAYER)
    assert not missing, f"apps without a layer (add them to LAYERS and docs/architecture.md): {missing}"


def test_no_module_imports_a_higher_layer():
    upward = []
    for path, rel, app in _modules():
        for node, module, _inner in _imports(ast.parse(path.read_text())):
            if module is None or module == "recaudo":
                continue
            target = module.split(".")[1]
            if target in LAYER and LAYER[target] > LAYER[app]:
                upward.append(f"{rel}:{node.lineno} ({app}, layer {LAYER[app] + 1}) imports {module} "
                              f"(layer {LAYER[target] + 1})")
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def test_no_project_import_inside_a_function():
    inside = []
    for path, rel, _app in _modules():
        for node, module, inner in _imports(ast.parse(path.read_text())):
            if inner and str(rel) not in LAZY_MODULES:
                inside.append(f"{rel}:{node.lineno} imports {module or 'a sibling module'} inside a function")
    assert not inside, "import at module level instead:\n" + "\n".join(inside)


def test_the_checker_sees_imports_at_module_level_and_inside_functions():
    tree = ast.parse("from recaudo.ledger import services\nimport os\n\n\ndef f():\n"
                     "    from recaudo.cycle.runner import cycle_run\n    from . import rules\n")
    found = [(module, inner) for _node, module, inner in _imports(tree)]
    assert found == [("recaudo.ledger", False), ("recaudo.cycle.runner", True), (None, True)]
