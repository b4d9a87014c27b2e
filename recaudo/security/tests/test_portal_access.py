"""The debtor portal never shows one debtor another debtor's data (issue 16 §5): every portal URL pattern, with the
signed-in debtor's own objects and with another debtor's (same portfolio and another portfolio), anonymous, with a
staff sign-in, and with forged or foreign tokens. The portal's patterns are listed in urls_table.PORTAL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from recaudo.agreements.models import Agreement
from recaudo.agreements.services.plans import agreement_create
from recaudo.banking.models import PaymentLink
from recaudo.communications.models import Message
from recaudo.communications.rendering import PORTAL_SALT
from recaudo.demo.testing import login, make_debtor, make_luz, make_obligation, make_portfolio, make_user
from recaudo.portal import services
from recaudo.portal.access import SALT, SESSION_COOKIE

from .helpers import count
from .urls_table import PORTAL, all_patterns

pytestmark = [pytest.mark.security, pytest.mark.django_db]


def _signed_in(portfolio, identifier) -> Client:
    client = Client()
    client.post(reverse("portal_enter", args=[portfolio.slug]), {"identifier": identifier})
    body = Message.objects.filter(template_code="portal_code").latest("pk").body
    code = re.search(r"\b(\d{6})\b", body).group(1)
    response = client.post(reverse("portal_code", args=[portfolio.slug]), {"code": code})
    assert response.status_code == 302 and response["Location"].endswith("/inicio/")
    return client


def _accepted_agreement(portfolio, debtor):
    """An accepted agreement of the debtor (what the agreement PDF page serves)."""
    first = portfolio.today() + timedelta(days=30)
    agreement = agreement_create(portfolio=portfolio, debtor=debtor, obligations=list(debtor.obligations.all()),
                                 installments=2, first_due=first, actor=None)
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.ACCEPTED)
    return agreement


def test_every_portal_pattern_is_in_the_table():
    names = {name for route, name, _ in all_patterns() if route.startswith("portal/")}
    assert names == set(PORTAL), f"add to / remove from urls_table.PORTAL: {names ^ set(PORTAL)}"


def test_a_debtor_never_reaches_another_debtors_data():
    a = make_portfolio()
    b = make_portfolio(slug="edificio", name="Edificio Los Almendros P.H.")
    luz = make_luz(a)
    pedro = make_debtor(a, code="C900", name="Pedro Secreto", id_type="CC", id_number="80111222")
    theirs = make_obligation(a, pedro, number="SECRETO-1", amount="900000")
    far = make_luz(b)
    far_obligation = far.obligations.get()
    mine = luz.obligations.get()
    agreements = {"mine": _accepted_agreement(a, luz).pk, "theirs": _accepted_agreement(a, pedro).pk,
                  "far": _accepted_agreement(b, far).pk}
    client = _signed_in(a, "52123456")
    staff = Client()
    login(staff, make_user("ana", a, role="admin").username)
    anonymous = Client()
    problems = []

    def url(name, slug, source_objects):
        params = {param: source_objects[source] for param, source in PORTAL[name][1].items()}
        return reverse(name, kwargs={**({"slug": slug} if name != "portal_link_open" else {}), **params})

    forged = signing.dumps({"d": pedro.pk, "n": "forged"}, salt="not-the-portal", compress=True)
    for name, (who, _params) in PORTAL.items():
        own = url(name, a.slug, {"obligation": mine.pk, "agreement": agreements["mine"], "token": forged})
        foreign_same = url(name, a.slug, {"obligation": theirs.pk, "agreement": agreements["theirs"],
                                          "token": forged})
        foreign_other = url(name, b.slug, {"obligation": far_obligation.pk, "agreement": agreements["far"],
                                           "token": forged})
        for method in ("GET", "POST"):
            for label, target in (("another debtor's objects", foreign_same),
                                  ("another portfolio", foreign_other)):
                if target == own and who == "debtor" and method == "POST" and name == "portal_logout":
                    continue  # no objects in it: it is the debtor's own sign-out (checked in test_portal.py)
                response = client.get(target) if method == "GET" else client.post(target, {})
                body = response.content.decode("utf-8", "replace") if response.get("Content-Type", "").startswith(
                    "text/") else ""
                count("portal requests (foreign)")
                if "SECRETO" in body or "Pedro Secreto" in body or (
                        who == "debtor" and response.status_code == 200 and target != own):
                    problems.append(f"{label} {method} {target}: {response.status_code}")
            if who == "debtor":
                for label, other in (("anonymous", anonymous), ("staff", staff)):
                    response = other.get(own) if method == "GET" else other.post(own, {})
                    if not (response.status_code in (302, 403, 404, 405) and "inicio" not in response.get(
                            "Location", "")):
                        problems.append(f"{label} {method} {own}: {response.status_code}")
    # paying another debtor's obligation by its id: refused, no link made
    response = client.post(reverse("portal_pay", args=[a.slug]), {"target": "obligation", "obligation": theirs.pk})
    assert response.status_code == 400 and not PaymentLink.objects.exists()
    # a link naming another debtor but not signed with the portal's key, or tampered: refused
    assert client.post(reverse("portal_link_open", args=[forged])).status_code == 410
    good = signing.dumps({"d": pedro.pk, "n": "n1"}, salt=PORTAL_SALT, compress=True)
    assert client.post(reverse("portal_link_open", args=[good[:-3] + "abc"])).status_code == 410
    # the session cookie of a debtor, re-signed for nothing else, is not a staff session
    assert client.get(reverse("debtor_list", args=[a.slug])).status_code == 302
    # a tampered session cookie is no session
    tampered = Client()
    tampered.cookies[SESSION_COOKIE] = signing.get_cookie_signer(salt=SALT + SESSION_COOKIE).sign("guess")
    assert tampered.get(reverse("portal_home", args=[a.slug])).status_code == 302
    assert services  # the services module is what the pages call
    assert not problems, "\n".join(problems)
