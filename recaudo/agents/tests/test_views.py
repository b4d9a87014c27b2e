"""Workspace pages: permissions, the work page (banner, script, tel: links), recording an outcome, the PDF."""

import pytest
from django.urls import reverse

from recaudo.agents.models import DailyTarget, Interaction
from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import TEST_PASSWORD, make_user, sign_in
from recaudo.ledger.models import InterestSettings
from recaudo.portfolio.services import contact_add

from .helpers import NOW, debtor_with_phone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr("recaudo.agents.views._now", lambda: NOW)


@pytest.fixture
def setup(portfolio, other_portfolio):
    agent = make_user("ana", portfolio, role="agent")
    supervisor = make_user("sofia", portfolio, role="supervisor")
    outsider = make_user("otro", other_portfolio, role="supervisor")
    debtor = debtor_with_phone(portfolio, "C001", "Luz Marina Restrepo")
    contact_add(debtor=debtor, channel="phone", value="310 999 8888", role="reference", holder_name="Vecina")
    return agent, supervisor, outsider, debtor


def login(client, user):
    assert sign_in(client, username=user.username, password=TEST_PASSWORD)


def test_permissions(client, portfolio, setup):
    agent, supervisor, outsider, debtor = setup
    slug = portfolio.slug
    login(client, outsider)
    assert client.get(reverse("agent_queue", args=[slug])).status_code == 404
    assert client.get(reverse("agent_work", args=[slug, debtor.pk])).status_code == 404
    assert client.get(reverse("agent_team", args=[slug])).status_code == 404
    client.logout()
    login(client, agent)
    assert client.get(reverse("agent_queue", args=[slug])).status_code == 200
    for name in ("agent_team", "agent_assignments", "agent_targets", "agent_scripts"):
        assert client.get(reverse(name, args=[slug])).status_code == 403, name
    client.logout()
    login(client, supervisor)
    for name in ("agent_team", "agent_assignments", "agent_targets", "agent_scripts"):
        assert client.get(reverse(name, args=[slug])).status_code == 200, name


def test_queue_next_and_work_page(client, portfolio, setup):
    agent, _s, _o, debtor = setup
    login(client, agent)
    page = client.get(reverse("agent_queue", args=[portfolio.slug])).content.decode()
    assert "Siguiente deudor" in page and "Luz Marina Restrepo" in page and "Puede llamar hasta las 19:00" in page
    response = client.post(reverse("agent_next", args=[portfolio.slug]))
    assert response.status_code == 302 and response["Location"] == reverse("agent_work", args=[portfolio.slug,
                                                                                                debtor.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Puede llamar hasta las 19:00" in page
    assert 'href="tel:+573001234567"' in page and "tel:+573109998888" not in page  # never references
    assert "Buenos días, ¿hablo con Luz Marina Restrepo?" in page and "$ 1.000.000,00" in page


def test_record_promise_from_the_page_and_see_it_in_the_timeline(client, portfolio, setup):
    agent, _s, _o, debtor = setup
    login(client, agent)
    url = reverse("agent_work", args=[portfolio.slug, debtor.pk])
    bad = client.post(url, {"disposition": "promise", "notes": "x"})
    assert bad.status_code == 200 and Interaction.objects.count() == 0
    response = client.post(url, {"disposition": "promise", "promise_amount": "250000", "promise_due": "2026-03-13",
                                 "notes": "paga el viernes"})
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert interaction.promise_amount_minor == 25000000 and interaction.promise_id
    page = client.get(url).content.decode()
    assert "Promesa de pago" in page and "250.000,00" in page
    assert AuditEvent.objects.filter(debtor=debtor, event_type="agent.outcome").exists()
    detail = client.get(reverse("debtor_detail", args=[portfolio.slug, debtor.pk])).content.decode()
    assert reverse("interest_liquidation", args=[portfolio.slug, debtor.pk]) in detail


def test_promise_amount_is_typed_the_es_co_way_with_the_portfolios_decimals(client, portfolio, setup):
    agent, _s, _o, debtor = setup
    login(client, agent)
    url = reverse("agent_work", args=[portfolio.slug, debtor.pk])
    data = {"disposition": "promise", "promise_due": "2026-03-13"}
    for typed, message in (("1.50", "«.» solo separa los miles"), ("250.000,505", "los montos en COP llevan máximo 2")):
        response = client.post(url, {**data, "promise_amount": typed})
        assert response.status_code == 200 and message in response.content.decode()
    assert Interaction.objects.count() == 0
    assert client.post(url, {**data, "promise_amount": "500.000,50"}).status_code == 302  # it owes 1.000.000
    assert Interaction.objects.get().promise_amount_minor == 50000050


def test_callback_outside_hours_refused_on_the_page(client, portfolio, setup):
    agent, _s, _o, debtor = setup
    login(client, agent)
    url = reverse("agent_work", args=[portfolio.slug, debtor.pk])
    response = client.post(url, {"disposition": "no_answer", "callback_at": "2026-03-10T20:30:00-05:00"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Fuera del horario permitido" in body and "11/03/2026 07:00" in body
    assert Interaction.objects.count() == 0
    slots = client.get(reverse("agent_callback_slots", args=[portfolio.slug, debtor.pk]),
                       {"callback_day": "2026-03-14", "disposition": "no_answer"}).content.decode()
    assert ">08:00<" in slots and ">14:30<" in slots and ">15:00<" not in slots  # Saturday 08:00-15:00


def test_supervisor_pages_post(client, portfolio, setup):
    agent, supervisor, _o, debtor = setup
    login(client, supervisor)
    r = client.post(reverse("agent_assignments", args=[portfolio.slug]), {"agent": agent.pk, "debtor_codes": "C001"})
    assert r.status_code == 302 and debtor.assignment.agent == agent
    assert "1 deudor asignado." in client.get(r["Location"]).content.decode()  # one debtor, in the singular
    # a count of contacts no team reaches is refused at its input (it was a database error: a 500)
    r = client.post(reverse("agent_targets", args=[portfolio.slug]), {
        "agent": agent.pk, "date": "2026-03-10", "contacts": "99999999999999999999", "promises": 5, "amount": 1000})
    assert r.status_code == 200 and "menor o igual a 1000000" in r.content.decode()
    r = client.post(reverse("agent_targets", args=[portfolio.slug]), {"agent": agent.pk, "date": "2026-03-10",
                                                                       "contacts": 40, "promises": 5, "amount": 1000})
    assert r.status_code == 302
    r = client.post(reverse("agent_targets", args=[portfolio.slug]), {"agent": agent.pk, "date": "0001-01-01",
                                                                       "contacts": 40, "promises": 5, "amount": 1000})
    assert r.status_code == 200 and "fecha: del " in r.content.decode()  # was saved and listed
    assert not DailyTarget.objects.filter(date__year=1).exists()
    r = client.post(reverse("agent_team", args=[portfolio.slug]), {"commission_percent": "2.5",
                                                                    "attribution_days": 30})
    assert r.status_code == 302
    r = client.post(reverse("agent_scripts", args=[portfolio.slug]),
                    {"language": "es", "body": "Hola {{ debtor_name }}"})
    assert r.status_code == 302
    board = client.get(reverse("agent_team", args=[portfolio.slug]), {"day": "2026-03-10"}).content.decode()
    assert "Tablero del equipo" in board and 'data-agent="ana"' in board


def test_interest_liquidation_pdf(client, portfolio, setup):
    _a, supervisor, _o, debtor = setup
    InterestSettings.objects.create(portfolio=portfolio, interest_enabled=True)
    login(client, supervisor)
    response = client.get(reverse("interest_liquidation", args=[portfolio.slug, debtor.pk]), {"as_of": "2026-03-10"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "liquidacion-intereses-C001" in response["Content-Disposition"]


def test_queue_days_past_due_are_the_portfolios_not_the_servers(portfolio):
    """The queue's days past due come from the selector, on the portfolio's own date (a debtor's oldest invoice
    due 3 local days ago shows 3 whatever the server's date)."""
    from datetime import UTC, datetime, timedelta

    from recaudo.agents.selectors import queue_rows
    from recaudo.demo.testing import make_debtor, make_obligation, make_user

    agent = make_user("dora", portfolio, role="agent")
    now = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)  # 22:30 on 2 March in Bogotá: the server (UTC) is on the 3rd
    local_today = datetime(2026, 3, 2).date()
    debtor = make_debtor(portfolio, code="Q1", name="Cola Uno")
    make_obligation(portfolio, debtor, number="Q1-1", amount="100000", issue=local_today - timedelta(days=33),
                    due=local_today - timedelta(days=3))
    rows = queue_rows(agent=agent, portfolio=portfolio, now=now)
    assert [(r.debtor.code, r.days_past_due) for r in rows] == [("Q1", 3)]


def test_the_risk_category_is_shown_beside_the_priority(client, portfolio, setup):
    from recaudo.strategies.models import DebtorStrategyState

    agent, _s, _o, debtor = setup
    login(client, agent)
    assert "Riesgo" not in client.get(reverse("agent_queue", args=[portfolio.slug])).content.decode()
    DebtorStrategyState.objects.create(debtor=debtor, portfolio=portfolio, risk_score=72, risk_category="D",
                                       risk_reasons=[["late_recent", 4, 5, 30], ["<b>x</b>"]])
    page = client.get(reverse("agent_queue", args=[portfolio.slug])).content.decode()
    assert "Riesgo D" in page and "4 de las últimas 5 obligaciones pagadas con más de 30 días de mora" in page
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    page = client.get(reverse("agent_work", args=[portfolio.slug, debtor.pk])).content.decode()
    assert 'id="debtor-risk"' in page and "Probabilidad de pago con mora: 72 %" in page
    english = client.get(reverse("agent_work", args=[portfolio.slug, debtor.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "4 of the last 5 obligations paid more than 30 days late" in english.content.decode()
