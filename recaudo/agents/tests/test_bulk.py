"""Bulk actions of the debtor list (recaudo/agents/bulk.py): on a selection or on every debtor a filter finds;
assign, tags, hold, send a template; permissions in the service, the BULK_MAX bound, all or nothing, once only."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from recaudo.agents import bulk
from recaudo.agents.bulk import BulkError, bulk_apply, bulk_preview
from recaudo.agents.models import Assignment
from recaudo.agents.services import assign_debtors
from recaudo.audit.models import AuditEvent
from recaudo.communications.models import Message
from recaudo.core.errors import DomainError, NotAllowed
from recaudo.demo.testing import login, make_debtor, make_obligation, make_user
from recaudo.portfolio.models import Debtor
from recaudo.portfolio.selectors import DebtorFilters
from recaudo.portfolio.services import contact_add
from recaudo.strategies.models import Hold

pytestmark = pytest.mark.django_db

# A weekday morning in Bogotá: inside the contact hours, so a message is queued, not deferred or blocked.
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=ZoneInfo("America/Bogota"))


@pytest.fixture
def team(portfolio):
    return {"sofia": make_user("sofia", portfolio, role="supervisor"),
            "carlos": make_user("carlos", portfolio, role="agent"),
            "vera": make_user("vera", portfolio, role="viewer")}


@pytest.fixture
def book(portfolio, other_portfolio):
    """Three debtors tagged "norte" (two with a consented e-mail, one with none), one "sur", one of portfolio B."""
    today = portfolio.today()
    rows = {}
    for code, tags, email in (("N1", "norte", True), ("N2", "norte", True), ("N3", "norte", False),
                              ("S1", "sur", True)):
        debtor = make_debtor(portfolio, code=code, name=f"Deudor {code}", tags=tags)
        if email:
            contact_add(debtor=debtor, channel="email", value=f"{code.lower()}@example.com", consent="granted",
                        consent_source="contrato")
        make_obligation(portfolio, debtor, number=f"F-{code}", amount="1000000", issue=today - timedelta(days=90),
                        due=today - timedelta(days=40))
        rows[code] = debtor
    other = make_debtor(other_portfolio, code="B1", name="Deudor de B")
    make_obligation(other_portfolio, other, number="B-1", amount="100000")
    rows["B1"] = other
    return rows


def apply(portfolio, actor, action, **kwargs):
    kwargs.setdefault("token", f"t-{action}-{AuditEvent.objects.count()}")
    return bulk_apply(portfolio=portfolio, actor=actor, action=action, as_of=portfolio.today(), **kwargs)


NORTE = DebtorFilters(tag="norte")


def test_a_filter_based_assignment_touches_exactly_the_filtered_set(portfolio, team, book):
    result = apply(portfolio, team["sofia"], "assign", filters=NORTE, agent_id=str(team["carlos"].pk))
    assert result.debtors == result.changed == 3
    assigned = set(Assignment.objects.filter(agent=team["carlos"]).values_list("debtor__code", flat=True))
    assert assigned == {"N1", "N2", "N3"}
    batch = AuditEvent.objects.get(event_type="debtors.bulk_action")
    assert sorted(batch.changes["debtors"]) == sorted(book[c].pk for c in ("N1", "N2", "N3"))
    assert AuditEvent.objects.filter(event_type="agent.assigned").count() == 3  # and one per debtor


def test_a_selection_keeps_only_the_portfolios_debtors(portfolio, team, book):
    ids = [book["N1"].pk, book["B1"].pk, "x", book["N1"].pk]
    result = apply(portfolio, team["sofia"], "tag", ids=ids, add_tags=["revisar"])
    assert result.debtors == 1
    assert Debtor.objects.get(pk=book["N1"].pk).tag_list == ["norte", "revisar"]
    assert Debtor.objects.get(pk=book["B1"].pk).tags == ""


def test_tags_are_added_and_removed_with_one_event_per_debtor(portfolio, team, book):
    result = apply(portfolio, team["carlos"], "tag", filters=NORTE, add_tags=["VIP ", "llamar"], remove_tags=["norte"])
    assert result.changed == 3
    assert Debtor.objects.get(pk=book["N2"].pk).tag_list == ["llamar", "vip"]
    assert Debtor.objects.get(pk=book["S1"].pk).tag_list == ["sur"]
    events = AuditEvent.objects.filter(event_type="debtor.updated", debtor=book["N2"])
    assert events.count() == 1 and events.get().changes["tags"] == ["norte", "llamar, vip"]


@pytest.mark.parametrize("tag", ["a|b", "<b>", "x" * 61])
def test_a_bad_tag_is_refused_at_its_field(portfolio, team, book, tag):
    with pytest.raises(DomainError) as caught:
        apply(portfolio, team["sofia"], "tag", filters=NORTE, add_tags=[tag])
    assert caught.value.field == "add_tags"


def test_hold_with_reason_and_end_date(portfolio, team, book):
    until = portfolio.today() + timedelta(days=15)
    apply(portfolio, team["sofia"], "hold", filters=NORTE, hold_reason="claim", hold_until=until, hold_notes="PQR")
    holds = Hold.objects.filter(portfolio=portfolio)
    assert holds.count() == 3 and {h.until for h in holds} == {until} and {h.reason for h in holds} == {"claim"}
    assert AuditEvent.objects.filter(event_type="hold.created").count() == 3


@pytest.mark.parametrize("reason,days,field", [("", 5, "hold_reason"), ("claim", None, "hold_until"),
                                               ("claim", -1, "hold_until"), ("claim", 400, "hold_until")])
def test_a_hold_needs_a_reason_and_a_sensible_end_date(portfolio, team, book, reason, days, field):
    until = None if days is None else portfolio.today() + timedelta(days=days)
    with pytest.raises(BulkError) as caught:
        apply(portfolio, team["sofia"], "hold", filters=NORTE, hold_reason=reason, hold_until=until)
    assert caught.value.field == field and not Hold.objects.exists()


def test_nothing_is_half_done(portfolio, team, book, monkeypatch):
    calls = []
    original = bulk.hold_create

    def failing(**kwargs):
        calls.append(kwargs["debtor"].code)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(bulk, "hold_create", failing)
    with pytest.raises(RuntimeError):
        apply(portfolio, team["sofia"], "hold", filters=NORTE, hold_reason="claim",
              hold_until=portfolio.today() + timedelta(days=3))
    assert not Hold.objects.exists() and not AuditEvent.objects.filter(event_type="hold.created").exists()


def test_send_a_template_queues_some_and_reports_the_blocked_with_reasons(portfolio, team, book):
    result = apply(portfolio, team["sofia"], "template", filters=NORTE, template="reminder|email", now=NOW)
    assert (result.queued, result.blocked) == (2, 1)
    assert Message.objects.filter(source="bulk").count() == 2
    [(reason, count, codes)] = result.reasons
    assert count == 1 and codes == ["N3"] and reason in ("sin contacto con autorización para correo",
                                                         "no contact with consent for email")
    summary = result.summary()
    assert "2" in summary and "1" in summary and "N3" in summary
    assert AuditEvent.objects.filter(event_type="message.blocked", debtor=book["N3"]).exists()


def test_an_unknown_template_is_refused_before_anything_happens(portfolio, team, book):
    with pytest.raises(BulkError) as caught:
        apply(portfolio, team["sofia"], "template", filters=NORTE, template="nope|email", now=NOW)
    assert caught.value.field == "template" and not Message.objects.exists()


@pytest.mark.parametrize("action", ["assign", "hold", "template"])
def test_agents_may_only_tag(portfolio, team, book, action):
    with pytest.raises(NotAllowed):
        apply(portfolio, team["carlos"], action, filters=NORTE, agent_id=str(team["carlos"].pk),
              hold_reason="claim", hold_until=portfolio.today(), template="reminder|email")
    assert not Assignment.objects.exists() and not Hold.objects.exists() and not Message.objects.exists()


def test_a_viewer_may_do_nothing(portfolio, team, book):
    with pytest.raises(NotAllowed):
        apply(portfolio, team["vera"], "tag", filters=NORTE, add_tags=["x"])
    with pytest.raises(NotAllowed):
        bulk_preview(portfolio=portfolio, user=team["vera"], action="tag", as_of=portfolio.today(), filters=NORTE)


def test_over_the_limit_is_refused_with_a_clear_message(portfolio, team, book, monkeypatch):
    monkeypatch.setattr(bulk, "BULK_MAX", 2)
    with pytest.raises(BulkError) as caught:
        apply(portfolio, team["sofia"], "tag", filters=NORTE, add_tags=["x"])
    assert caught.value.field == "scope" and "2" in caught.value.message
    assert not Debtor.objects.filter(tags__contains="|x|").exists()


def test_the_same_confirmation_is_done_once(portfolio, team, book):
    apply(portfolio, team["sofia"], "hold", filters=NORTE, hold_reason="claim",
          hold_until=portfolio.today() + timedelta(days=3), token="abc")
    with pytest.raises(BulkError):
        apply(portfolio, team["sofia"], "hold", filters=NORTE, hold_reason="claim",
              hold_until=portfolio.today() + timedelta(days=3), token="abc")
    assert Hold.objects.count() == 3


def test_a_list_that_changed_since_the_confirmation_is_refused(portfolio, team, book):
    with pytest.raises(BulkError) as caught:
        apply(portfolio, team["sofia"], "tag", filters=NORTE, add_tags=["x"], expected=2)
    assert "3" in caught.value.message and not Debtor.objects.filter(tags__contains="|x|").exists()


# ------------------------------------------------------------------------------------------------ the pages
def test_the_page_confirms_the_count_then_applies_to_the_filter(client, portfolio, team, book):
    login(client, "sofia")
    url = reverse("debtor_bulk", args=[portfolio.slug])
    data = {"action": "hold", "scope": "filter", "query": "filtered=1&tag=norte&with_balance=on"}
    page = client.post(url, data)
    assert page.status_code == 200
    text = page.content.decode()
    assert page.context["count"] == 3 and 'name="apply"' in text
    token = page.context["form"].initial["token"]
    until = (portfolio.today() + timedelta(days=10)).isoformat()
    done = client.post(url, {**data, "apply": "1", "token": token, "expected": "3", "hold_reason": "claim",
                             "hold_until": until}, follow=True)
    assert done.redirect_chain and Hold.objects.count() == 3
    assert "tag=norte" in done.redirect_chain[-1][0]


def test_the_page_applies_to_the_ticked_debtors(client, portfolio, team, book):
    login(client, "carlos")
    url = reverse("debtor_bulk", args=[portfolio.slug])
    data = {"action": "tag", "scope": "selected", "ids": [book["N1"].pk, book["S1"].pk], "query": ""}
    page = client.post(url, data)
    assert page.context["count"] == 2
    token = page.context["form"].initial["token"]
    client.post(url, {**data, "apply": "1", "token": token, "expected": "2", "add_tags": "revisar"})
    assert set(Debtor.objects.filter(tags__contains="|revisar|").values_list("code", flat=True)) == {"N1", "S1"}


def test_an_agent_asking_for_a_supervisors_action_gets_403(client, portfolio, team, book):
    login(client, "carlos")
    response = client.post(reverse("debtor_bulk", args=[portfolio.slug]),
                           {"action": "assign", "scope": "filter", "query": "tag=norte"})
    assert response.status_code == 403


def test_a_viewer_is_refused(client, portfolio, team, book):
    login(client, "vera")
    response = client.post(reverse("debtor_bulk", args=[portfolio.slug]),
                           {"action": "tag", "scope": "filter", "query": "tag=norte"})
    assert response.status_code in (403, 404)


def test_nothing_selected_goes_back_with_a_message(client, portfolio, team, book):
    login(client, "sofia")
    response = client.post(reverse("debtor_bulk", args=[portfolio.slug]),
                           {"action": "tag", "scope": "selected", "query": "tag=norte"}, follow=True)
    assert response.redirect_chain
    assert any("No debtors selected" in str(m) or "Ningún deudor" in str(m) or "No hay" in str(m)
               for m in response.context["messages"])


def test_the_list_offers_the_actions_of_the_role(client, portfolio, team, book):
    login(client, "sofia")
    text = client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    assert 'value="assign"' in text and 'name="ids"' in text
    client.logout()
    login(client, "carlos")
    text = client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    assert 'value="tag"' in text and 'value="assign"' not in text
    client.logout()
    login(client, "vera")
    text = client.get(reverse("debtor_list", args=[portfolio.slug])).content.decode()
    assert 'id="debtor-bulk"' not in text and 'name="ids"' not in text


def test_all_that_match_on_the_lists_first_view_is_what_it_shows(client, portfolio, team, book):
    make_debtor(portfolio, code="Z0", name="Sin saldo")  # the first view shows debtors with a balance only
    login(client, "sofia")
    listed = client.get(reverse("debtor_list", args=[portfolio.slug]))
    assert listed.context["page"].total == 4 and listed.context["filter_query"] == ""
    page = client.post(reverse("debtor_bulk", args=[portfolio.slug]), {"action": "tag", "scope": "filter", "query": ""})
    assert page.context["count"] == 4


def test_an_agent_limited_to_their_debtors_acts_only_on_them(portfolio, team, book):
    portfolio.agents_see_assigned_only = True
    portfolio.save()
    assign_debtors(portfolio=portfolio, debtor_ids=[book["N1"].pk], agent=team["carlos"])
    result = apply(portfolio, team["carlos"], "tag", filters=NORTE, add_tags=["mio"])
    assert result.debtors == 1
    result = apply(portfolio, team["carlos"], "tag", ids=[book["N2"].pk, book["N1"].pk], add_tags=["otro"])
    assert result.debtors == 1 and Debtor.objects.filter(tags__contains="|otro|").get().code == "N1"


def test_a_hostile_filter_is_escaped_on_the_confirmation_page(client, portfolio, team, book):
    login(client, "sofia")
    page = client.post(reverse("debtor_bulk", args=[portfolio.slug]),
                       {"action": "tag", "scope": "filter", "query": 'q="><script>alert(1)</script>&tag=norte'})
    text = page.content.decode()
    assert "<script>alert(1)</script>" not in text and page.status_code in (200, 302)


def test_a_missing_input_shows_at_its_field_and_keeps_the_confirmation(client, portfolio, team, book):
    login(client, "sofia")
    url = reverse("debtor_bulk", args=[portfolio.slug])
    data = {"action": "hold", "scope": "filter", "query": "tag=norte"}
    token = client.post(url, data).context["form"].initial["token"]
    page = client.post(url, {**data, "apply": "1", "token": token, "expected": "3", "hold_reason": "claim"})
    assert page.status_code == 200 and page.context["form"].errors["hold_until"]
    text = page.content.decode()
    assert "3" in text and f'value="{token}"' in text and not Hold.objects.exists()
