"""Issue 12: a strict Content-Security-Policy on every response, and no page template that it would break."""

import re
from pathlib import Path

import pytest

from recaudo.core.csp import DEFAULT_POLICY
from recaudo.demo.testing import login

ROOT = Path(__file__).resolve().parents[2]  # the recaudo package
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "inline event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "<style> block": re.compile(r"<style[\s>]", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "htmx code (needs eval)": re.compile(r"\shx-on[:-]|\shx-vars\s*=|hx-vals\s*=\s*['\"]\s*js:", re.I),
}


def test_the_policy_is_the_strict_one():
    assert DEFAULT_POLICY == ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                              "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def test_no_template_has_inline_script_or_style():
    templates = [p for p in ROOT.rglob("*.html") if "static" not in p.parts]
    assert len(templates) > 40
    found = [f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}: {what}"
             for path in templates for text in [path.read_text()]
             for what, pattern in INLINE.items() for m in pattern.finditer(text)]
    assert found == []


def test_htmx_is_configured_for_the_policy():
    base = (ROOT / "web" / "templates" / "base.html").read_text()
    assert ('<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false, '
            '"allowScriptTags": false}\'>') in base


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/p/pyme/debtors/", "/p/pyme/comms/templates/"])
def test_every_response_carries_the_header(client, people, url):
    login(client, "ana")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == DEFAULT_POLICY


@pytest.mark.django_db
def test_a_setting_replaces_or_disables_it(client, settings):
    settings.RECAUDO_CONTENT_SECURITY_POLICY = "default-src 'none'"
    assert client.get("/accounts/login/").headers["Content-Security-Policy"] == "default-src 'none'"
    settings.RECAUDO_CONTENT_SECURITY_POLICY = ""
    assert "Content-Security-Policy" not in client.get("/accounts/login/").headers
