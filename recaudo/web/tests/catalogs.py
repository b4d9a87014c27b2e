"""The project's translatable strings and its es-CO catalogs, read without xgettext (fast enough for every run).

`source_msgids()` finds every string marked for translation: in Python files, the literal first argument(s) of
`_`, `gettext`, `gettext_lazy`, `pgettext`, `ngettext` and their variants; in templates, `{% translate %}` and
`{% blocktranslate %}` through Django's own `templatize` (what makemessages feeds to xgettext), so a literal "%"
is looked up as "%%" there just as at run time. `po_entries()` reads the es_CO `.po` files; `mo_catalog()` is
the union of the compiled `.mo` catalogs (what Django looks strings up in)."""

from __future__ import annotations

import ast
import gettext as gnu
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the recaudo package
FUNCTIONS = {
    # name: (positions of the msgid / plural arguments, position of the context or None)
    "_": ((0,), None), "gettext": ((0,), None), "gettext_lazy": ((0,), None), "gettext_noop": ((0,), None),
    "ngettext": ((0, 1), None), "ngettext_lazy": ((0, 1), None),
    "pgettext": ((1,), 0), "pgettext_lazy": ((1,), 0), "npgettext": ((1, 2), 0), "npgettext_lazy": ((1, 2), 0),
}
SKIP_DIRS = {"tests", "migrations", "__pycache__", "static"}


@dataclass(frozen=True)
class Msg:
    msgid: str
    context: str = ""
    plural: str = ""

    @property
    def key(self) -> str:
        return f"{self.context}\x04{self.msgid}" if self.context else self.msgid


def _calls(source: str) -> list[tuple[str, list]]:
    """(function name, literal arguments or None each) for every gettext-like call in Python-tokenizable text."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)]
    found = []
    for i, tok in enumerate(tokens[:-1]):
        if tok.type != tokenize.NAME or tok.string not in FUNCTIONS or tokens[i + 1].string != "(":
            continue
        if i > 0 and tokens[i - 1].string in (".", "def"):
            continue
        args: list = []
        current: list[str] = []
        literal = True
        depth = 0
        for t in tokens[i + 2:]:
            if t.string in "([{" and t.type == tokenize.OP:
                depth += 1
            elif t.string in ")]}" and t.type == tokenize.OP:
                if depth == 0:
                    break
                depth -= 1
            if depth == 0 and t.type == tokenize.OP and t.string == ",":
                args.append("".join(current) if literal and current else None)
                current, literal = [], True
                continue
            if t.type == tokenize.STRING and depth == 0:
                try:
                    value = ast.literal_eval(t.string)
                except (ValueError, SyntaxError):  # an f-string
                    literal = False
                    continue
                if isinstance(value, str):
                    current.append(value)
                else:
                    literal = False
            else:
                literal = False
        args.append("".join(current) if literal and current else None)
        found.append((tok.string, args))
    return found


def _msgs(source: str) -> set[Msg]:
    msgs = set()
    for name, args in _calls(source):
        positions, ctx = FUNCTIONS[name]
        values = [args[p] if p < len(args) else None for p in positions]
        context = args[ctx] if ctx is not None and ctx < len(args) else ""
        if values[0] is None or (ctx is not None and context is None):
            continue
        msgs.add(Msg(values[0], context or "", values[1] or "" if len(values) > 1 else ""))
    return msgs


def python_files() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(ROOT).parts)]


def template_files() -> list[Path]:
    return [p for p in ROOT.rglob("templates/**/*") if p.suffix in (".html", ".txt") and p.is_file()]


def source_msgids() -> dict[Msg, str]:
    """Every string marked for translation in the project -> the first file it was found in."""
    from django.utils.translation.template import templatize

    found: dict[Msg, str] = {}
    for path in python_files():
        for msg in _msgs(path.read_text(encoding="utf-8")):
            found.setdefault(msg, str(path.relative_to(ROOT)))
    for path in template_files():
        text = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        text = "\n".join(line.lstrip() for line in text.splitlines())  # only calls and X's: no indentation
        for msg in _msgs(text):
            found.setdefault(msg, str(path.relative_to(ROOT)))
    return found


def po_files() -> list[Path]:
    return sorted(ROOT.glob("**/locale/es_CO/LC_MESSAGES/django.po"))


_STRING = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


def po_entries(path: Path) -> list[dict]:
    """The live (not obsolete) entries of a .po file: {"msgid", "msgctxt", "msgstr": [..], "fuzzy", "line"}."""
    entries: list[dict] = []
    entry: dict | None = None
    field = ""
    flags: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if not line or line.startswith("#"):
            continue
        match = _STRING.match(line)
        if match:
            key, value = match.group(1), ast.literal_eval(match.group(2))
            if key == "msgctxt" or (key == "msgid" and (entry is None or entry["has_msgid"])):
                entry = {"msgid": "", "msgctxt": "", "msgstr": [], "fuzzy": "fuzzy" in flags, "line": number,
                         "has_msgid": False}
                entries.append(entry)
                flags = set()
            if key == "msgid":
                entry["has_msgid"] = True
            field = key
            if key.startswith("msgstr"):
                entry["msgstr"].append(value)
            else:
                entry[key] = entry.get(key, "") + value
        elif line.startswith('"') and entry is not None:
            value = ast.literal_eval(line)
            if field.startswith("msgstr"):
                entry["msgstr"][-1] += value
            else:
                entry[field] = entry.get(field, "") + value
    return [e for e in entries if e["msgid"]]


def mo_catalog() -> dict:
    """The union of every compiled es_CO catalog (msgid or "context\\x04msgid" -> translation)."""
    catalog: dict = {}
    for path in po_files():
        with open(path.with_suffix(".mo"), "rb") as fh:
            catalog.update(gnu.GNUTranslations(fh)._catalog)
    return catalog
