"""Every page, opened in es-CO, shows no English: each page of the URL table (recaudo/security/tests/urls_table.py)
is rendered for a user allowed to see it, in the security suite's world with today's cycle run, and its visible
text (text nodes, titles, placeholders, labels) is searched for the English of every catalog entry whose Spanish
differs. A whole text equal to an English msgid ("Debtor"), or a phrase of two words or more of one ("Nothing
went out today.", the words between the placeholders of "Blocked: %(reasons)s ..."), is English left on the page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from recaudo.security.tests.urls_table import ACCESS, GLOBAL, kwargs_for
from recaudo.security.tests.world import build_world
from recaudo.web.tests.catalogs import po_entries, po_files

pytestmark = pytest.mark.django_db
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
# Words that are Spanish as well ("Principal": the main menu), a language named in its own tongue in the
# language lists; the name of the English statement e-mail template (data, listed with the Spanish one).
DATA = {"SMS", "WhatsApp", "Principal", "English", "General", "Legal", "Manual", "Normal", "Final", "Total",
        "Statement of account"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre", "textarea"):
            self.skip += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label", "alt") and value:
                self.parts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre", "textarea") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def english_phrases() -> tuple[set[str], set[str]]:
    """(whole texts, phrases): the English of the catalogs' entries whose es-CO text differs."""
    whole, phrases = set(), set()
    for path in po_files():
        for e in po_entries(path):
            msgid, msgstr = e["msgid"], (e["msgstr"] or [""])[0]
            if not msgstr or msgstr == msgid or e["msgctxt"]:
                continue
            for part in PLACEHOLDER.split(msgid):
                part = part.strip(" .,:;·()[]\"'—-\n").replace("%%", "%")
                if not part or part in DATA or part in msgstr:
                    continue
                if part == msgid.strip(" .:") and " " not in part:
                    whole.add(part)
                elif len(part.split()) >= 2 and len(part) >= 8:
                    phrases.add(part)
    return whole, phrases


# English words that are never Spanish: they catch English not marked for translation at all.
ENGLISH_WORDS = re.compile(r"\b(the|and|with|this|from|was|has|have|your|which|been|would|could|should|there|"
                           r"none|missing|not|already|above|below|must|cannot|invalid|required)\b", re.I)


def english_on(texts: list[str], whole: set[str], phrases: set[str]) -> set[str]:
    found = set()
    for text in texts:
        found.update(f"{m.group(0)!r} in {text[:80]!r}" for m in ENGLISH_WORDS.finditer(text))
        for piece in re.split(r"\s*[·|:]\s*", text):
            if piece.strip(" .()") in whole:
                found.add(piece.strip(" .()"))
        found.update(p for p in phrases if p in text)
    return found


def test_the_check_finds_english_and_not_spanish():
    whole, phrases = english_phrases()
    assert {"Debtor", "Preventive"} <= whole and "Nothing went out today" in phrases
    page = '<p title="Deudor">Deudor · Preventiva</p><td>Nada salió hoy.</td><script>var x = "Debtor";</script>'
    assert english_on(visible_text(page), whole, phrases) == set()
    page = '<p>Debtor · 3</p><input placeholder="Nothing went out today."><td>Preventive</td>'
    assert english_on(visible_text(page), whole, phrases) == {"Debtor", "Nothing went out today", "Preventive"}
    found = english_on(["discount 40.00 % above 10 %"], whole, phrases)
    assert found == {"'above' in 'discount 40.00 % above 10 %'"}


def test_every_page_in_es_co_has_no_english():
    from recaudo.cycle.runner import cycle_run

    world = build_world()
    side, users = world["A"], world["users"]
    cycle_run(portfolio=side.portfolio, business_date=side.portfolio.today())
    admin = users["admin"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client = Client(HTTP_ACCEPT_LANGUAGE="es-CO")
    client.force_login(admin)
    whole, phrases = english_phrases()
    problems, pages = [], 0
    urls = [reverse(name, kwargs=kwargs_for(name, side)) for name, (get_role, _p, _k) in ACCESS.items() if get_role]
    urls += [reverse(name) for name in GLOBAL]
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages += 1
        found = english_on(visible_text(response.content.decode()), whole, phrases)
        if found:
            problems.append(f"{url}: {sorted(found)}")
    assert pages >= 40, pages
    assert not problems, "English on es-CO pages:\n" + "\n".join(problems)
