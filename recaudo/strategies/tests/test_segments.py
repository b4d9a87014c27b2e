"""Segments editable in the app (list, add, edit, reorder, delete with confirmation; audited; supervisors and
admins only), their YAML export/import, and the cycle's segment and priority on the debtor 360 header."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from recaudo.audit.models import AuditEvent
from recaudo.cycle.runner import cycle_run
from recaudo.demo.testing import TEST_PASSWORD, make_user, sign_in
from recaudo.strategies.forms import SegmentForm
from recaudo.strategies.models import DebtorStrategyState, Segment, Strategy
from recaudo.strategies.schema import StrategyFormatError
from recaudo.strategies.services import segment_save, segments_import, strategy_ensure_default

from .helpers import MONDAY, debtor_owing

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(portfolio):
    return {"sara": make_user("sara", portfolio, role="supervisor"), "juan": make_user("juan", portfolio, role="agent"),
            "vera": make_user("vera", portfolio, role="viewer")}


def login(client, user):
    assert sign_in(client, username=user.username, password=TEST_PASSWORD)
    return client


def form(**data):
    return SegmentForm({"name": "PYME-alto", "order": 10, "weight": "1.5", **data})


def test_form_turns_fields_into_conditions():
    f = form(balance_min="1000000", balance_max="5.000.000,50", days_min="31", days_max="60", kind="company",
             seniority_days_min="365", tags_any="VIP, norte ;vip", tags_all="", open_count_min="2",
             promise="none", agreement="active", risk_min="-5", risk_max="80")
    assert f.is_valid(), f.errors
    assert f.conditions() == {
        "balance_min": "1000000", "balance_max": "5000000.5", "days_min": 31, "days_max": 60, "kind": "company",
        "seniority_days_min": 365, "tags_any": ["norte", "vip"], "open_count_min": 2, "promise": "none",
        "agreement": "active", "risk_min": -5, "risk_max": 80}


def test_form_round_trips_the_broken_promise_condition():
    from recaudo.strategies.schema import SEGMENT_CONDITIONS

    if "promise_broken" not in SEGMENT_CONDITIONS:
        pytest.skip("no promise_broken condition in this version of the rules")
    f = form(promise_broken="false", days_min="0")
    assert f.is_valid(), f.errors
    assert f.conditions() == {"promise_broken": False, "days_min": 0}
    segment = Segment(name="X", order=1, weight=1, conditions={"promise_broken": True})
    assert SegmentForm(segment=segment).initial["promise_broken"] == "true"


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"balance_min": "500", "balance_max": "100"}, "balance_max", "500"),
    ({"days_min": "61", "days_max": "30"}, "days_max", "61"),
    ({"seniority_days_min": "10", "seniority_days_max": "5"}, "seniority_days_max", "10"),
    ({"open_count_min": "3", "open_count_max": "1"}, "open_count_max", "3"),
    ({"risk_min": "90", "risk_max": "10"}, "risk_max", "90"),
    ({"kind": "robot"}, "kind", "robot"),
    ({"balance_min": "-1"}, "balance_min", "no puede ser negativo"),
    ({"balance_min": "1.50"}, "balance_min", "«.» solo separa los miles"),  # es-CO: not one and a half, not 150
    ({"weight": "0"}, "weight", "0"),
    ({"tags_any": "a|b"}, "tags_any", "a|b"),
    ({"name": "   "}, "name", ""),
])
def test_form_errors_are_precise(data, field, words):
    f = form(**data)
    assert not f.is_valid()
    assert list(f.errors) == [field]
    assert words in " ".join(f.errors[field])


def test_only_supervisors_and_admins_edit(client, portfolio, people):
    segment = segment_save(portfolio=portfolio, name="A", conditions={"days_min": 1}, order=10)
    urls = [reverse("segment_add", args=[portfolio.slug]), reverse("segment_edit", args=[portfolio.slug, segment.pk]),
            reverse("segment_delete", args=[portfolio.slug, segment.pk])]
    for who in ("juan", "vera"):
        client.logout()
        login(client, people[who])
        page = client.get(reverse("segment_list", args=[portfolio.slug]))
        assert page.status_code == 200 and b"A" in page.content
        assert reverse("segment_add", args=[portfolio.slug]).encode() not in page.content
        for url in urls:
            assert client.get(url).status_code == 404
            assert client.post(url, {"name": "B", "order": 1, "weight": 1}).status_code == 404
        assert client.post(reverse("segment_move", args=[portfolio.slug, segment.pk]),
                           {"direction": "down"}).status_code == 404
    assert list(Segment.objects.values_list("name", flat=True)) == ["A"]


def test_add_edit_and_audit(client, portfolio, people):
    login(client, people["sara"])
    add = reverse("segment_add", args=[portfolio.slug])
    assert b'value="10"' in client.get(add).content  # the next order is proposed
    response = client.post(add, {"name": "PYME-alto", "order": 10, "weight": "2", "balance_min": "1000000",
                                 "kind": "company"})
    assert response.status_code == 302 and response["Location"].endswith("/segments/")
    segment = Segment.objects.get(portfolio=portfolio)
    assert segment.conditions == {"balance_min": "1000000", "kind": "company"} and segment.weight == 2
    created = AuditEvent.objects.get(event_type="segment.created")
    assert created.actor == people["sara"] and created.changes["name"] == "PYME-alto"

    edit = reverse("segment_edit", args=[portfolio.slug, segment.pk])
    page = client.get(edit)
    assert b'value="PYME-alto"' in page.content and b'value="1.000.000"' in page.content
    response = client.post(edit, {"name": "PYME alto", "order": 10, "weight": "2", "balance_min": "1000000",
                                  "days_min": "31", "days_max": "20"})
    assert response.status_code == 200 and "days_max" in response.context["form"].errors  # precise, nothing saved
    assert Segment.objects.get().name == "PYME-alto"
    response = client.post(edit, {"name": "PYME alto", "order": 10, "weight": "2", "days_min": "31"})
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.name == "PYME alto" and segment.conditions == {"days_min": 31}
    updated = AuditEvent.objects.get(event_type="segment.updated")
    assert updated.changes["old"]["conditions"] == {"balance_min": "1000000", "kind": "company"}
    assert updated.changes["new"]["name"] == "PYME alto"


def test_duplicate_name_is_a_form_error(client, portfolio, people):
    segment_save(portfolio=portfolio, name="A", conditions={}, order=10)
    login(client, people["sara"])
    response = client.post(reverse("segment_add", args=[portfolio.slug]), {"name": "A", "order": 20, "weight": 1})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert Segment.objects.count() == 1


def test_reorder(client, portfolio, people):
    for i, name in enumerate("ABC"):
        segment_save(portfolio=portfolio, name=name, conditions={"days_min": i}, order=i)
    login(client, people["sara"])
    c = Segment.objects.get(name="C")
    assert client.post(reverse("segment_move", args=[portfolio.slug, c.pk]), {"direction": "up"}).status_code == 302
    assert list(Segment.objects.order_by("order").values_list("name", "order")) == [("A", 10), ("C", 20),
                                                                                    ("B", 30)]
    a = Segment.objects.get(name="A")
    client.post(reverse("segment_move", args=[portfolio.slug, a.pk]), {"direction": "up"})  # already first
    client.post(reverse("segment_move", args=[portfolio.slug, a.pk]), {"direction": "down"})
    assert list(Segment.objects.order_by("order").values_list("name", flat=True)) == ["C", "A", "B"]
    event = AuditEvent.objects.filter(event_type="segment.reordered").order_by("-pk").first()
    assert event.changes["order"] == ["C", "A", "B"] and event.actor == people["sara"]


def test_delete_asks_for_confirmation_and_refuses_a_segment_with_a_strategy(client, portfolio, people):
    keep = segment_save(portfolio=portfolio, name="Con estrategia", conditions={"days_min": 90}, order=10)
    Strategy.objects.create(portfolio=portfolio, segment=keep, name="Legal")
    gone = segment_save(portfolio=portfolio, name="Temporal", conditions={"kind": "person"}, order=20)
    login(client, people["sara"])
    url = reverse("segment_delete", args=[portfolio.slug, gone.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Temporal" in page.content and b'id="segment-delete"' in page.content
    assert Segment.objects.filter(pk=gone.pk).exists()  # GET deletes nothing
    assert client.post(url).status_code == 302
    assert not Segment.objects.filter(pk=gone.pk).exists()
    assert AuditEvent.objects.get(event_type="segment.deleted").changes["name"] == "Temporal"
    client.post(reverse("segment_delete", args=[portfolio.slug, keep.pk]))
    assert Segment.objects.filter(pk=keep.pk).exists()


def test_segments_yaml_round_trip(portfolio, tmp_path, capsys):
    segment_save(portfolio=portfolio, name="PYME-alto", conditions={"balance_min": "1000000", "kind": "company"},
                 order=10, weight="1.5")
    segment_save(portfolio=portfolio, name="Pequeños", conditions={"balance_max": "100000"}, order=20)
    out = tmp_path / "segments.yaml"
    call_command("strategy", "segments-export", "--portfolio", portfolio.slug, "-o", str(out))
    text = out.read_text()
    assert "PYME-alto" in text and "weight: 1.5" in text
    Segment.objects.all().delete()
    call_command("strategy", "segments-import", "--portfolio", portfolio.slug, str(out))
    assert list(Segment.objects.order_by("order").values_list("name", "conditions", "weight")) == [
        ("PYME-alto", {"balance_min": "1000000", "kind": "company"}, 1.5),
        ("Pequeños", {"balance_max": "100000"}, 1)]


def test_segments_import_lists_every_problem_and_writes_nothing(portfolio):
    text = """segments:
- name: A
  conditions: {days_min: 60, days_max: 30, colour: red}
- name: B
  weight: -1
- name: A
"""
    with pytest.raises(StrategyFormatError) as exc:
        segments_import(portfolio=portfolio, text=text)
    problems = "\n".join(exc.value.problems)
    assert "segments[0]: segment 'A'.conditions.colour: unknown condition" in problems
    assert "days_min (60) is above days_max (30)" in problems
    assert "segments[1]: segment 'B'.weight: must be above 0" in problems
    assert not Segment.objects.exists()


def test_debtor_360_shows_the_cycle_segment_and_priority(client, portfolio, people, outbox):
    debtor = debtor_owing(portfolio, "C1", days_past_due=47, amount="4200000", kind="company")
    segment_save(portfolio=portfolio, name="PYME-alto", conditions={"kind": "company"}, order=10, weight=2)
    strategy_ensure_default(portfolio)
    login(client, people["juan"])
    url = reverse("debtor_detail", args=[portfolio.slug, debtor.pk])
    assert b'id="debtor-priority"' not in client.get(url).content  # not scored yet
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    html = client.get(url).content.decode()
    assert 'id="debtor-priority"' in html and "PYME-alto" in html
    assert "saldo 4,2 M, 47 días, segmento PYME-alto" in html
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "balance 4.2M, 47 days, segment PYME-alto" in english
    # the analytics' risk (recaudo risk score) beside it, with its reasons
    assert 'id="debtor-risk"' not in html
    DebtorStrategyState.objects.filter(debtor=debtor).update(risk_score=12, risk_category="A",
                                                             risk_reasons=[["on_time", 5]])
    html = client.get(url).content.decode()
    assert 'id="debtor-risk"' in html and "las últimas 5 obligaciones pagadas a tiempo" in html


def test_the_cycle_weighs_the_priority_by_the_risk_the_analytics_wrote(portfolio):
    low = debtor_owing(portfolio, "C1", days_past_due=47, amount="4200000")
    high = debtor_owing(portfolio, "C2", days_past_due=47, amount="4200000")
    segment_save(portfolio=portfolio, name="Riesgo alto", conditions={"risk_min": 60}, order=10, weight=1)
    strategy_ensure_default(portfolio)
    DebtorStrategyState.objects.create(debtor=high, portfolio=portfolio, risk_score=80, risk_category="D")
    cycle_run(portfolio=portfolio, business_date=MONDAY)
    states = {s.debtor_id: s for s in DebtorStrategyState.objects.all()}
    assert states[high.pk].segment_name == "Riesgo alto" and states[low.pk].segment_name == ""
    assert states[high.pk].priority == states[low.pk].priority + 25  # x1.8: 644 -> 669
    assert (states[high.pk].risk_score, states[high.pk].risk_category) == (80, "D")  # the cycle keeps them


@pytest.mark.parametrize("order", ["99999999999999999999", "-3000000000"])
def test_an_order_beyond_the_column_is_a_form_error_not_a_crash(client, portfolio, people, order):
    """Posted past the page (a number input takes any digits): an order the database cannot hold is said at the
    field in es-CO, and nothing is saved."""
    login(client, people["sara"])
    response = client.post(reverse("segment_add", args=[portfolio.slug]), {"name": "A", "order": order, "weight": 1})
    assert response.status_code == 200
    assert "El orden es un número entero entre -1.000.000 y 1.000.000." in response.context["form"].errors["order"]
    assert not Segment.objects.exists()
