"""Stored script: a script payload in every text field of the domain models, and every page escapes it.

The fields are found by introspection (every CharField/TextField of the apps below, minus SKIP with its reason), so
a new text field is attacked without editing this file. Each field gets its own payload, numbered, so a failure
names the field and the page. Pages: every GET URL of urls_table.ACCESS as the admin and the viewer of portfolio A,
the htmx fragments of the list pages, and the template preview with a hostile template body."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from .helpers import count
from .urls_table import ACCESS, GLOBAL, allowed, kwargs_for
from .world import build_world

pytestmark = [pytest.mark.security, pytest.mark.django_db]

APPS = ("portfolio", "agreements", "strategies", "communications", "agents", "imports", "compliance", "accounts",
        "ledger", "audit")
SKIP_MODELS = {"ledger.Entry": "append-only (UPDATE refused by a trigger): its memo gets a payload when written, "
                               "see the payment recorded in the test"}
# Fields that are not free text shown on a page: they name a thing the code looks up or parses.
SKIP_NAMES = {
    "language": "a language code", "timezone": "a time zone name", "tz": "a time zone name",
    "country": "a country code", "currency": "a currency code", "slug": "in URLs", "search_text": "never shown",
    "dedupe_key": "never shown", "tags": "a |-separated list parsed into tags", "buckets": "parsed aging buckets",
    "password": "a hash", "template_code": "a template code looked up", "template": "a template code looked up",
    "step_key": "a step key of the strategy JSON", "provider_id": "a provider's id looked up by webhooks",
    "whatsapp_template_name": "sent to Meta, checked by the form", "stored_path": "a file path",
    "rejected_path": "a file path", "evidence_file": "a file path", "claimed_by": "a worker id",
}
SKIP_FIELDS = {
    "communications.Template.code": "a slug in URLs", "communications.TemplateRevision.code": "a slug in URLs",
    "portfolio.Portfolio.slug": "in URLs",
}
PAYLOADS = ('<script>x({n})</script>', '<img src=x onerror=x({n})>', '"><svg onload=x({n})>',
            "'><i onmouseover=x({n})>")
RAW = re.compile(r"<script>x\((\d+)\)|<img src=x onerror=x\((\d+)\)|<svg onload=x\((\d+)\)|<i onmouseover=x\((\d+)\)")


def text_fields():
    """(model, field) of every free-text field of the APPS' models."""
    out = []
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label in SKIP_MODELS:
                continue
            for f in model._meta.concrete_fields:
                if not isinstance(f, (models.CharField, models.TextField)) or f.choices or not f.editable:
                    continue
                if isinstance(f, (models.SlugField, models.EmailField, models.URLField, models.FileField)):
                    continue
                if f.name in SKIP_NAMES or f"{model._meta.label}.{f.name}" in SKIP_FIELDS:
                    continue
                if f.max_length is not None and f.max_length < 32:
                    continue  # too short for a payload (codes, types): counted as skipped
                out.append((model, f))
    return out


def plant(fields) -> dict[int, str]:
    """Write a numbered payload into each field of every row; {number: "app.Model.field"}."""
    names = {}
    for n, (model, f) in enumerate(fields, start=1):
        payload = PAYLOADS[n % len(PAYLOADS)].format(n=n)
        for pk in model.objects.values_list("pk", flat=True):  # one by one: some fields are unique
            model.objects.filter(pk=pk).update(**{f.name: f"{payload}~{pk}"})
        names[n] = f"{model._meta.label}.{f.name}"
    return names


def leaks(html: str, names: dict[int, str]) -> list[str]:
    names = {0: "a ledger entry's memo or the template body", **names}
    return sorted({names.get(int(next(g for g in m.groups() if g)), "?") for m in RAW.finditer(html)})


def test_every_shown_text_field_is_escaped_on_every_page():
    world = build_world()
    a, users = world["A"], world["users"]
    from django.utils import timezone

    from recaudo.communications.models import Message

    now = timezone.now()
    Message.objects.create(portfolio=a.portfolio, debtor=a.debtor, channel="sms", to="+573001234567",
                           template_code="reminder", language="es", subject="s", body="b", dedupe_key="xss-1",
                           status="failed", last_error="e", scheduled_for=now, next_attempt_at=now)
    from datetime import timedelta
    from decimal import Decimal

    from recaudo.ledger.services import payment_record

    payment_record(portfolio=a.portfolio, debtor=a.debtor, amount=Decimal("1000"), date=now.date() - timedelta(days=1),
                   source_ref="<script>x(0)</script>", reference="<img src=x onerror=x(0)>")
    fields = text_fields()
    names = plant(fields)
    count("text fields given a script payload", len(names))
    problems = []
    pages = 0
    for role in ("admin", "viewer"):
        client = Client()
        client.force_login(users[role])
        urls = [reverse(name, kwargs=kwargs_for(name, a)) for name, (get_role, _p, _k) in ACCESS.items()
                if allowed(role, get_role)]
        urls += [reverse(n) for n, (r, _p) in GLOBAL.items() if r != "staff"]
        for url in urls:
            response = client.get(url)
            pages += 1
            if response.status_code >= 500:
                problems.append(f"{role} GET {url}: {response.status_code}")
            if "html" not in response.get("Content-Type", ""):
                continue
            found = leaks(response.content.decode(errors="replace"), names)
            if found:
                problems.append(f"{role} GET {url}: unescaped {found}")
        for name in ("debtor_list", "comms_outbox", "import_detail"):  # htmx fragments
            if allowed(role, ACCESS[name][0]):
                response = client.get(reverse(name, kwargs=kwargs_for(name, a)), HTTP_HX_REQUEST="true")
                pages += 1
                found = leaks(response.content.decode(errors="replace"), names)
                if found:
                    problems.append(f"{role} htmx {name}: unescaped {found}")
    # A hostile template body rendered in the live preview (issue 12, item 1) and on the edit page.
    client = Client()
    client.force_login(users["admin"])
    body = "Hola {{ debtor.name }} <img src=x onerror=x(0)> <script>x(0)</script>"
    for channel in ("sms", "whatsapp", "email"):
        url = reverse("comms_template_preview", args=[a.portfolio.slug, "reminder", channel, "es"])
        html = client.post(url, {"body": body, "subject": "<svg onload=x(0)>", "active": "on"}).content.decode()
        pages += 1
        if RAW.search(html):
            problems.append(f"template preview ({channel}): unescaped {leaks(html, names)}")
    count("pages and fragments searched for a script", pages)
    assert not problems, "\n".join(problems)
