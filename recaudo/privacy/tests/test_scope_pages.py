"""The pages that list messages, steps and holds of many debtors follow the same habeas data rules as the debtor
pages: an agent of a portfolio with agents_see_assigned_only sees only their assigned debtors' rows (and previews
no other debtor), a viewer sees recipients, IDs and quoted contact data masked (docs/habeas-data.md)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from recaudo.agents.services import assign_debtors
from recaudo.agreements.services.plans import agreement_accept, agreement_create
from recaudo.demo.testing import make_user
from recaudo.portfolio.masking import mask_free_text
from recaudo.portfolio.models import Debtor
from recaudo.privacy.services import privacy_settings_set
from recaudo.strategies.models import CycleRun, StepExecution
from recaudo.strategies.services import hold_create, latest_version, strategy_ensure_default
from recaudo.strategies.tests.helpers import debtor_owing

from .conftest import make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(portfolio):
    """carlos (agent) has Luz; otra (agent) has Pedro; vera is a viewer; sofia a supervisor. Both owe 5 days."""
    today = portfolio.today()
    carlos = make_user("carlos", portfolio, role="agent")
    otra = make_user("otra", portfolio, role="agent")
    make_user("vera", portfolio, role="viewer")
    make_user("sofia", portfolio, role="supervisor")
    luz = debtor_owing(portfolio, "C001", days_past_due=5, today=today, id_type="CC", id_number="52123456")
    pedro = debtor_owing(portfolio, "C002", days_past_due=5, today=today, id_type="CC", id_number="79000111")
    Debtor.objects.filter(pk=luz.pk).update(name="Luz Marina Restrepo")
    Debtor.objects.filter(pk=pedro.pk).update(name="Pedro Pérez")
    assign_debtors(portfolio=portfolio, debtor_ids=[luz.pk], agent=carlos)
    assign_debtors(portfolio=portfolio, debtor_ids=[pedro.pk], agent=otra)
    return {"luz": Debtor.objects.get(pk=luz.pk), "pedro": Debtor.objects.get(pk=pedro.pk), "today": today}


def get(client, user, url, data=None, **extra):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=user))
    response = client.get(url, data or {}, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def limit_agents(portfolio):
    privacy_settings_set(portfolio=portfolio, agents_see_assigned_only=True)


def test_outbox_is_limited_for_agents_and_masked_for_viewers(client, portfolio, team):
    make_message(team["luz"], to="+573001234567", key="m-luz")
    failed = make_message(team["pedro"], to="pedro@example.com", key="m-pedro", status="failed")
    type(failed).objects.filter(pk=failed.pk).update(last_error="invalid recipient pedro@example.com")
    url = reverse("comms_outbox", args=[portfolio.slug])
    assert "Pedro Pérez" in get(client, "carlos", url)
    limit_agents(portfolio)
    for extra in ({}, {"HTTP_HX_REQUEST": "true"}):  # the page and its htmx fragment
        page = get(client, "carlos", url, **extra)
        assert "Luz Marina Restrepo" in page and "Pedro Pérez" not in page and "pedro@example.com" not in page
    assert "Pedro Pérez" in get(client, "sofia", url)  # supervisors are not limited
    page = get(client, "vera", url)
    assert "Pedro Pérez" in page and "Luz Marina Restrepo" in page  # viewers see every debtor, masked
    for secret in ("+573001234567", "pedro@example.com"):
        assert secret not in page, secret
    assert "+57 300 *** **67" in page and "p***@example.com" in page


def _steps(portfolio, team):
    strategy = strategy_ensure_default(portfolio)
    version = latest_version(strategy)
    run = CycleRun.objects.create(portfolio=portfolio, business_date=team["today"], status=CycleRun.Status.DONE)
    for debtor in (team["luz"], team["pedro"]):
        StepExecution.objects.create(
            portfolio=portfolio, debtor=debtor, strategy=strategy, strategy_version=version, cycle_run=run,
            episode=team["today"] - timedelta(days=5), step_key="sms-overdue", offset=4,
            business_date=team["today"], action="send", channel="sms", template="overdue_notice", outcome="blocked",
            reason=f"compliance: no consent for +573001234567 ({debtor.code})")
    return strategy


def test_today_page_and_strategy_history_are_limited_and_masked(client, portfolio, team):
    strategy = _steps(portfolio, team)
    today = reverse("cycle_today", args=[portfolio.slug])
    detail = reverse("strategy_detail", args=[portfolio.slug, strategy.pk])
    for url in (today, detail):
        assert "Pedro Pérez" in get(client, "carlos", url)
    limit_agents(portfolio)
    for url in (today, detail):
        page = get(client, "carlos", url)
        assert "Luz Marina Restrepo" in page and "Pedro Pérez" not in page, url
    page = get(client, "vera", today)
    assert "Pedro Pérez" in page and "+573001234567" not in page and "+57 300 *** **67" in page


def test_today_preview_and_dry_run_are_limited_for_agents(client, portfolio, team):
    strategy = strategy_ensure_default(portfolio)
    version = latest_version(strategy)
    today = reverse("cycle_today", args=[portfolio.slug])  # the cycle has not run: a preview
    dry_run = reverse("strategy_dry_run", args=[portfolio.slug, version.pk])
    for url in (today, dry_run):
        page = get(client, "carlos", url)
        assert f"/debtors/{team['pedro'].pk}/" in page and f"/debtors/{team['luz'].pk}/" in page, url
    limit_agents(portfolio)
    for url in (today, dry_run):
        page = get(client, "carlos", url)
        assert f"/debtors/{team['pedro'].pk}/" not in page and f"/debtors/{team['luz'].pk}/" in page, url


def test_holds_are_limited_for_agents(client, portfolio, team):
    for debtor in (team["luz"], team["pedro"]):
        hold_create(debtor=debtor, reason="claim", until=None, notes="")
    url = reverse("hold_list", args=[portfolio.slug])
    assert "Pedro Pérez" in get(client, "carlos", url)
    limit_agents(portfolio)
    page = get(client, "carlos", url)
    assert "Luz Marina Restrepo" in page and "Pedro Pérez" not in page


def test_template_preview_renders_only_for_debtors_the_agent_may_see(client, portfolio, team):
    edit = reverse("comms_template_edit", args=[portfolio.slug, "reminder", "sms", "es"])
    preview = reverse("comms_template_preview", args=[portfolio.slug, "reminder", "sms", "es"])
    data = {"body": "Hola {{ debtor.name }}", "active": "on", "debtor_code": "C002"}
    get(client, "carlos", edit)
    assert "Hola Pedro Pérez" in client.post(preview, data).content.decode()
    limit_agents(portfolio)
    page = client.post(preview, data).content.decode()
    assert "Pedro Pérez" not in page and "No hay ningún deudor con ese código" in page
    assert "Hola Luz Marina Restrepo" in client.post(preview, {**data, "debtor_code": "C001"}).content.decode()
    # the default preview debtor (the most overdue) is one of the agent's own
    assert "Pedro Pérez" not in get(client, "carlos", edit)


def _pdf_text(data: bytes) -> str:
    from recaudo.security.tests.helpers import pdf_text

    return pdf_text(data)


def test_agreement_page_and_pdf_are_masked_for_viewers(client, portfolio, team):
    luz = team["luz"]
    agreement = agreement_create(portfolio=portfolio, debtor=luz, obligations=list(luz.obligations.all()),
                                 installments=3, first_due=team["today"] + timedelta(days=30), today=team["today"])
    agreement_accept(agreement=agreement, channel="email_reply", today=team["today"], checkbox=True,
                     evidence_text="Acepto. Luz, luz.m@example.com 3001234567")
    detail = reverse("agreement_detail", args=[portfolio.slug, agreement.pk])
    pdf = reverse("agreement_pdf", args=[portfolio.slug, agreement.pk])
    assert "luz.m@example.com" in get(client, "sofia", detail)
    assert "52123456" in _pdf_text(client.get(pdf).content)
    page = get(client, "vera", detail)
    assert "luz.m@example.com" not in page and "3001234567" not in page and "l***@example.com" in page
    text = _pdf_text(client.get(pdf).content)
    assert "52123456" not in text and "*****3456" in text


@pytest.mark.parametrize("text, masked", [
    ("invalid To +573001234567", "invalid To +57 300 *** **67"),
    ("bounce for luz.m@example.com (550)", "bounce for l***@example.com (550)"),
    ("cédula 52.123.456 y tel 300 123 4567", "cédula *****3456 y tel *****4567"),
    ("cuota 3 de 12, 2026-03-01", "cuota 3 de 12, 2026-03-01"),
])
def test_mask_free_text(text, masked):
    assert mask_free_text(text) == masked
