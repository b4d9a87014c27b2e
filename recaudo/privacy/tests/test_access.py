"""Who sees what: agents limited to their assigned debtors (portfolio setting agents_see_assigned_only) on every
debtor URL, viewers with masked contact data and IDs, the export and anonymization buttons by role."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from recaudo.agents.services import assign_debtors, queue_queryset
from recaudo.agreements.services.plans import agreement_create
from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import TEST_PASSWORD, make_debtor, make_obligation, make_user, sign_in
from recaudo.portfolio.models import Debtor
from recaudo.portfolio.services import contact_add
from recaudo.privacy.services import privacy_settings_set

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Bogotá


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr("recaudo.agents.views._now", lambda: NOW)


@pytest.fixture
def team(portfolio, luz):
    """carlos (agent) has luz assigned; pedro is assigned to nobody: otra (agent) has him."""
    carlos = make_user("carlos", portfolio, role="agent")
    otra = make_user("otra", portfolio, role="agent")
    pedro = make_debtor(portfolio, code="C002", name="Pedro Pérez", id_type="CC", id_number="79000111")
    contact_add(debtor=pedro, channel="phone", value="310 555 1234", consent="granted", consent_source="contrato")
    make_obligation(portfolio, pedro, number="F-200", amount="500000", issue=date(2026, 1, 1), due=date(2026, 1, 31))
    assign_debtors(portfolio=portfolio, debtor_ids=[luz.pk], agent=carlos)
    assign_debtors(portfolio=portfolio, debtor_ids=[pedro.pk], agent=otra)
    agreement = agreement_create(portfolio=portfolio, debtor=Debtor.objects.get(pk=pedro.pk),
                                 obligations=list(pedro.obligations.all()), installments=3,
                                 first_due=date(2026, 4, 1), today=date(2026, 3, 3), now=NOW)
    return {"carlos": carlos, "luz": luz, "pedro": Debtor.objects.get(pk=pedro.pk), "agreement": agreement}


def debtor_urls(slug, debtor, agreement=None):
    urls = [
        reverse("debtor_detail", args=[slug, debtor.pk]),
        reverse("statement", args=[slug, debtor.pk, "html"]),
        reverse("statement", args=[slug, debtor.pk, "pdf"]),
        reverse("agent_work", args=[slug, debtor.pk]),
        reverse("agent_callback_slots", args=[slug, debtor.pk]),
        reverse("interest_liquidation", args=[slug, debtor.pk]),
        reverse("debtor_agreements", args=[slug, debtor.pk]),
    ]
    if agreement is not None:
        urls += [reverse("agreement_detail", args=[slug, agreement.pk]),
                 reverse("agreement_pdf", args=[slug, agreement.pk])]
    return urls


def login(client, username):
    assert sign_in(client, username=username, password=TEST_PASSWORD)
    return client


def test_every_debtor_url_for_an_agent_with_and_without_the_setting(client, portfolio, team):
    slug = portfolio.slug
    login(client, "carlos")
    pedro_urls = debtor_urls(slug, team["pedro"], team["agreement"])
    luz_urls = debtor_urls(slug, team["luz"])
    # Off (the default): the agent opens every debtor of the portfolio.
    for url in pedro_urls + luz_urls:
        assert client.get(url).status_code == 200, url
    assert client.post(reverse("promise_new", args=[slug, team["pedro"].pk]), {}).status_code == 200
    list_codes = [d.code for d in client.get(reverse("debtor_list", args=[slug])).context["page"].items]
    assert list_codes == ["C001", "C002"]

    privacy_settings_set(portfolio=portfolio, agents_see_assigned_only=True)
    for url in pedro_urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("promise_new", args=[slug, team["pedro"].pk]), {}).status_code == 404
    for url in luz_urls:
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("debtor_list", args=[slug])).context["page"]
    assert [d.code for d in page.items] == ["C001"]
    search = client.get(reverse("debtor_list", args=[slug]), {"q": "79000111"}).context["page"]
    assert search.items == []  # an exact ID of another agent's debtor finds nothing
    search = client.get(reverse("debtor_list", args=[slug]), {"q": "Pérez"}).context["page"]
    assert search.items == []
    assert [d.code for d in queue_queryset(agent=team["carlos"], portfolio=portfolio, now=NOW)] == ["C001"]
    aging = client.get(reverse("aging", args=[slug]), {"by": "debtor", "format": "csv"}).content.decode()
    assert "C001" in aging and "C002" not in aging and "Pérez" not in aging


def test_unassigned_debtors_leave_the_queue_when_agents_see_assigned_only(portfolio, team):
    assign_debtors(portfolio=portfolio, debtor_ids=[team["pedro"].pk], agent=None)  # unassigned
    assert [d.code for d in queue_queryset(agent=team["carlos"], portfolio=portfolio, now=NOW)] == ["C001", "C002"]
    privacy_settings_set(portfolio=portfolio, agents_see_assigned_only=True)
    assert [d.code for d in queue_queryset(agent=team["carlos"], portfolio=portfolio, now=NOW)] == ["C001"]


def test_supervisors_and_viewers_are_not_limited_by_the_setting(client, portfolio, team):
    make_user("sofia", portfolio, role="supervisor")
    make_user("vera", portfolio, role="viewer")
    privacy_settings_set(portfolio=portfolio, agents_see_assigned_only=True)
    for user in ("sofia", "vera"):
        login(client, user)
        assert client.get(reverse("debtor_detail", args=[portfolio.slug, team["pedro"].pk])).status_code == 200
        assert len(client.get(reverse("debtor_list", args=[portfolio.slug])).context["page"].items) == 2


def test_viewers_see_masked_contacts_and_ids_everywhere(client, portfolio, luz):
    make_user("vera", portfolio, role="viewer")
    login(client, "vera")
    listing = client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    assert "52123456" not in listing and "*****3456" in listing
    # Search by the full ID is allowed; the result is masked.
    found = client.get(reverse("debtor_list", args=[portfolio.slug]), {"q": "52123456"})
    assert [d.code for d in found.context["page"].items] == ["C001"]
    # (the query the viewer typed stays in the search box; the row shows the masked ID)
    assert "CC 52123456" not in found.content.decode() and "CC *****3456" in found.content.decode()
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    for secret in ("52123456", "+573001234567", "300 123 4567", "luz.restrepo@example.com"):
        assert secret not in page, secret
    for masked in ("*****3456", "+57 300 *** **67", "l***@example.com"):
        assert masked in page, masked
    assert 'id="export-json"' not in page and 'id="anonymize-link"' not in page
    statement = client.get(reverse("statement", args=[portfolio.slug, luz.pk, "html"])).content.decode()
    assert "52123456" not in statement
    assert client.get(reverse("debtor_export", args=[portfolio.slug, luz.pk, "json"])).status_code == 403
    assert client.get(reverse("debtor_anonymize", args=[portfolio.slug, luz.pk])).status_code == 404


def test_other_roles_see_the_real_values(client, portfolio, luz):
    make_user("carlos", portfolio, role="agent")
    login(client, "carlos")
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    assert "52123456" in page and "+573001234567" in page
    assert 'id="export-json"' not in page
    assert client.get(reverse("debtor_export", args=[portfolio.slug, luz.pk, "json"])).status_code == 403


def test_supervisor_exports_and_admin_anonymizes(client, portfolio, luz):
    from .conftest import pay_off

    make_user("sofia", portfolio, role="supervisor")
    make_user("ana", portfolio, role="admin")
    login(client, "sofia")
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    assert 'id="export-json"' in page and 'id="export-pdf"' in page and 'id="anonymize-link"' not in page
    response = client.get(reverse("debtor_export", args=[portfolio.slug, luz.pk, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith('attachment; filename="datos-deudor-C001-')
    assert AuditEvent.objects.filter(event_type="debtor.exported", actor_label="sofia").count() == 1
    assert client.get(reverse("debtor_anonymize", args=[portfolio.slug, luz.pk])).status_code == 404

    login(client, "ana")
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    assert 'id="anonymize-link"' in page
    url = reverse("debtor_anonymize", args=[portfolio.slug, luz.pk])
    refused = client.post(url, {"reason": "solicitud del titular", "confirm": "on"})
    assert refused.status_code == 200
    assert "still owes money" in refused.content.decode()
    pay_off(luz)
    unconfirmed = client.post(url, {"reason": "solicitud del titular"})
    assert unconfirmed.status_code == 200 and Debtor.objects.get(pk=luz.pk).anonymized_at is None
    done = client.post(url, {"reason": "solicitud del titular", "confirm": "on"})
    assert done.status_code == 302
    assert Debtor.objects.get(pk=luz.pk).name == f"Anonimizado {luz.pk}"
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    assert 'id="anonymized-badge"' in page and 'id="anonymize-link"' not in page


def test_pages_speak_spanish(client, portfolio, luz):
    from recaudo.privacy.services import debtor_export

    make_user("ana", portfolio, role="admin")
    login(client, "ana")
    debtor_export(debtor=luz, fmt="json", actor="cli")
    page = client.get(reverse("debtor_detail", args=[portfolio.slug, luz.pk])).content.decode()
    assert "Datos personales:" in page and "Anonimizar" in page and "Datos personales exportados" in page
    form = client.get(reverse("debtor_anonymize", args=[portfolio.slug, luz.pk])).content.decode()
    assert "Anonimizar deudor" in form and "Forzarla aunque el deudor tenga saldo" in form
