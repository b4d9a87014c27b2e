"""Every user-visible string has its es-CO translation: the catalogs have no empty or fuzzy entry, the compiled
.mo files match their .po files, and every string marked for translation in the code and templates is in a
catalog (the check makemessages + msgfmt would make, without xgettext: see catalogs.py)."""

from __future__ import annotations

import gettext as gnu
import subprocess

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from recaudo.web.tests.catalogs import Msg, _msgs, mo_catalog, po_entries, po_files, source_msgids


def test_no_empty_or_fuzzy_entry_in_any_es_co_catalog():
    problems = []
    for path in po_files():
        for e in po_entries(path):
            if e["fuzzy"] or not all(e["msgstr"]):
                problems.append(f"{path.relative_to(path.parents[4])}:{e['line']}: {e['msgid']!r}"
                                f"{' (fuzzy)' if e['fuzzy'] else ' (empty)'}")
    assert not problems, "es-CO catalog entries to translate:\n" + "\n".join(problems)


def test_every_mo_file_is_compiled_from_its_po_file(tmp_path):
    stale = []
    for path in po_files():
        fresh = tmp_path / "fresh.mo"
        subprocess.run(["msgfmt", "-c", "-o", str(fresh), str(path)], check=True, capture_output=True)
        with open(fresh, "rb") as a, open(path.with_suffix(".mo"), "rb") as b:
            if gnu.GNUTranslations(a)._catalog != gnu.GNUTranslations(b)._catalog:
                stale.append(str(path))
    assert not stale, "recompile (msgfmt -c -o django.mo django.po): " + ", ".join(stale)


def test_every_string_marked_for_translation_has_an_es_co_translation():
    catalog = mo_catalog()
    missing = sorted(f"{where}: {msg.msgid!r}" + (f" (context {msg.context!r})" if msg.context else "")
                     for msg, where in source_msgids().items()
                     if msg.key not in catalog and (msg.key, 0) not in catalog)
    assert not missing, f"{len(missing)} strings without es-CO translation:\n" + "\n".join(missing)


def test_the_extraction_finds_python_and_template_strings():
    """The extractor itself, on worked examples (a check that finds nothing would pass forever)."""
    found = _msgs('x = _("One") + gettext_lazy("Two " "parts")\n'
                  'y = ngettext("%(n)s day", "%(n)s days", n) % {"n": n}\n'
                  'z = pgettext("month", "May"); w = _(f"no {x}"); v = obj._("skip")\n')
    assert found == {Msg("One"), Msg("Two parts"), Msg("%(n)s day", plural="%(n)s days"), Msg("May", "month")}
    from django.utils.translation.template import templatize

    text = templatize('{% load i18n %}{% translate "Save" %} {% blocktranslate with a=b %}Hi {{ a }}'
                      '{% endblocktranslate %} {% translate "50 % off" %}', origin="t.html")
    text = "\n".join(line.lstrip() for line in text.splitlines())
    assert _msgs(text) == {Msg("Save"), Msg("Hi %(a)s"), Msg("50 %% off")}


def test_an_empty_upload_says_archivo_not_djangos_fichero():
    with translation.override("es-co"), pytest.raises(forms.ValidationError) as caught:
        forms.FileField().clean(SimpleUploadedFile("pagos.csv", b""))
    assert caught.value.messages == ["El archivo enviado está vacío."]
    with translation.override("es-co"), pytest.raises(forms.ValidationError) as caught:
        forms.FileField().clean(None)
    assert "fichero" not in caught.value.messages[0]
