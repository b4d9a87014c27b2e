"""Cross-portfolio and beyond-role access over every URL pattern of recaudo/urls.py.

For each pattern (walking the resolver, includes and all): anonymous users are sent to the login page; a user of
another portfolio, and every user of portfolio A asking for A's URL filled with B's objects or for B's URL, get
403/404 (405 for a method the URL never takes); each role of A may GET and POST what urls_table.ACCESS says and is
refused the rest; no refused request changes anything. A pattern missing from the table fails the suite."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from .helpers import count
from .urls_table import ACCESS, GLOBAL, ORDER, USER_PAGES, all_patterns, allowed, kwargs_for, public_reason
from .world import build_world

pytestmark = [pytest.mark.security, pytest.mark.django_db]
REFUSED = (403, 404, 405)


def fingerprint() -> dict:
    """Row counts of what a write would add or change, and the latest audit event: equal before and after a batch
    of refused requests means none of them wrote anything."""
    from django.apps import apps

    out = {}
    for model in apps.get_models():
        if model._meta.app_label in ("sessions", "admin", "contenttypes", "auth", "django_tasks_database"):
            continue
        out[model._meta.label] = model.objects.count()
    from recaudo.portfolio.models import Debtor, Obligation

    out["debtor-state"] = list(Debtor.objects.order_by("pk").values_list("pk", "name", "balance_minor",
                                                                          "anonymized_at"))
    out["obligation-state"] = list(Obligation.objects.order_by("pk").values_list("pk", "status", "balance_minor"))
    return out


def test_every_url_pattern_is_classified():
    missing = []
    for route, name, _params in all_patterns():
        if public_reason(route, name) or name in ACCESS or name in GLOBAL or name in USER_PAGES:
            continue
        missing.append(f"{route} (name={name!r})")
    count("URL patterns walked", len(all_patterns()))
    assert not missing, ("URL patterns not covered by the security suite; add each to "
                         "recaudo/security/tests/urls_table.py (ACCESS, GLOBAL or PUBLIC with a reason): "
                         + ", ".join(missing))
    stale = [n for n in ACCESS if n not in {name for _, name, _ in all_patterns()}]
    assert not stale, f"urls_table.ACCESS names URLs that no longer exist: {stale}"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_access_over_every_url(django_db_blocker):
    world = build_world()
    a, b, users = world["A"], world["B"], world["users"]
    clients = {role: _client(user) for role, user in users.items()}
    anonymous = _client()
    problems: list[str] = []
    login_url = reverse("login")

    def check(label, client, method, url, expect):
        response = client.get(url) if method == "GET" else client.post(url, {})
        status = response.status_code
        count("requests (access)")
        if expect == "login":
            ok = status == 302 and response["Location"].startswith(login_url)
        elif expect == "refused":
            ok = status in REFUSED
        else:  # allowed: anything but a refusal, a 5xx or the login page
            ok = status not in (403, 404) and status < 500 and not (
                status == 302 and response["Location"].startswith(login_url))
        if expect != "allowed":
            count(f"requests refused as expected ({expect})" if ok else "requests not refused")
        if not ok:
            problems.append(f"{label} {method} {url}: {status}, expected {expect}")

    # 1. Refused requests first, all of them, with the database fingerprinted around the batch.
    before = fingerprint()
    for name, (get_role, post_role, params) in ACCESS.items():
        own = reverse(name, kwargs=kwargs_for(name, a))
        objects = any(not source.startswith("=") for source in params.values())
        foreign = reverse(name, kwargs=kwargs_for(name, b, slug=a.portfolio.slug)) if objects else None
        theirs = reverse(name, kwargs=kwargs_for(name, b))
        for method, lowest in (("GET", get_role), ("POST", post_role)):
            check("anonymous", anonymous, method, own, "login")
            check("outsider", clients["outsider"], method, own, "refused")
            for role in ORDER:
                if foreign:
                    check(f"{role} of A, B's objects", clients[role], method, foreign, "refused")
                check(f"{role} of A, B's URL", clients[role], method, theirs, "refused")
                if not allowed(role, lowest):
                    check(f"{role} (beyond role)", clients[role], method, own, "refused")
    after = fingerprint()
    changed = [k for k in before if before[k] != after.get(k)]
    assert not changed, f"refused requests changed: {changed}"

    # 2. What each role may do answers: a GET for every role allowed, then an empty POST by the lowest role
    # allowed (a form error is fine, a refusal is not; a POST may delete its object, so only one).
    for name, (get_role, _post_role, _params) in ACCESS.items():
        own = reverse(name, kwargs=kwargs_for(name, a))
        for role in ORDER:
            if allowed(role, get_role):
                check(role, clients[role], "GET", own, "allowed")
    for name, (_get_role, post_role, _params) in ACCESS.items():
        if post_role is not None:
            check(post_role, clients[post_role], "POST", reverse(name, kwargs=kwargs_for(name, a)), "allowed")

    # 3. Pages of no portfolio: anonymous users go to the login page.
    for name, (get_role, _post_role) in GLOBAL.items():
        url = reverse(name)
        check("anonymous", anonymous, "GET", url, "login")
        if get_role == "staff":
            check("admin of A (not staff)", clients["admin"], "GET", url, "refused")
            check("outsider", clients["outsider"], "GET", url, "refused")
        else:
            check("outsider", clients["outsider"], "GET", url, "allowed")
            for role in ORDER:
                check(role, clients[role], "GET", url, "allowed" if allowed(role, get_role) else "refused")

    # 4. Pages about one user: the administrators of a portfolio where the user has a role, no one else.
    for name, params in USER_PAGES.items():
        url = reverse(name, kwargs={param: users[role].pk for param, role in params.items()})
        check("anonymous", anonymous, "GET", url, "login")
        check("outsider", clients["outsider"], "GET", url, "refused")
        check("outsider", clients["outsider"], "POST", url, "refused")
        for role in ORDER:
            check(role, clients[role], "GET", url, "allowed" if role == "admin" else "refused")
            if role != "admin":
                check(role, clients[role], "POST", url, "refused")
    count("URL patterns checked for access", len(ACCESS) + len(GLOBAL) + len(USER_PAGES))
    assert not problems, f"{len(problems)} access problems:\n" + "\n".join(problems)
