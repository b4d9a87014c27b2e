"""The Today page: a preview before the day's cycle has run, then what it recorded."""

import pytest
from django.urls import reverse

from recaudo.demo.testing import TEST_PASSWORD, make_user, sign_in

from .helpers import debtor_owing

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(portfolio):
    return {"juan": make_user("juan", portfolio, role="agent")}


def login(client, user):
    assert sign_in(client, username=user.username, password=TEST_PASSWORD)
    return client


def test_today_page_preview_then_executed(client, portfolio, people, outbox):
    from django.utils import timezone

    from recaudo.cycle.runner import cycle_run

    debtor_owing(portfolio, "C1", days_past_due=3, today=timezone.localdate())
    login(client, people["juan"])
    url = reverse("cycle_today", args=[portfolio.slug])
    page = client.get(url).content.decode()
    assert "sms-overdue" in page and ("saldo" in page or "balance" in page)
    cycle_run(portfolio=portfolio)
    page = client.get(url).content.decode()
    assert "sms-overdue" in page and "v1" in page


def test_today_page_pages_filters_and_totals(client, portfolio, people, outbox):
    """A day with many steps comes a page at a time (highest priority first), filtered by outcome and channel,
    with the day's totals by outcome."""
    from django.utils import timezone

    from recaudo.cycle.runner import cycle_run
    from recaudo.cycle.selectors import today_page
    from recaudo.strategies.models import StepExecution

    for i in range(5):
        debtor_owing(portfolio, f"C{i}", days_past_due=3, today=timezone.localdate())
    cycle_run(portfolio=portfolio)
    today = portfolio.today()
    steps = StepExecution.objects.filter(portfolio=portfolio, business_date=today)
    total = steps.count()
    assert total >= 5
    first = today_page(portfolio=portfolio, today=today, lang="es", per_page=2)
    assert len(first["executed"]) == 2 and first["page_obj"].paginator.count == total == first["total"]
    priorities = [row["priority"] for row in first["executed"]]
    assert priorities == sorted(priorities, reverse=True)
    last = today_page(portfolio=portfolio, today=today, lang="es", per_page=2, page=99)  # clamped to the last
    assert last["page_obj"].number == last["page_obj"].paginator.num_pages
    outcome = steps.values_list("outcome", flat=True).first()
    only = today_page(portfolio=portfolio, today=today, lang="es", outcome=outcome)
    assert {row["s"].outcome for row in only["executed"]} == {outcome}
    assert today_page(portfolio=portfolio, today=today, lang="es", outcome="nonsense")["outcome"] == ""
    login(client, people["juan"])
    html = client.get(reverse("cycle_today", args=[portfolio.slug]) + "?page=x&channel=fax",
                      HTTP_ACCEPT_LANGUAGE="es-CO").content.decode()
    assert 'id="today-filters"' in html and "Resultado" in html


def test_today_page_names_templates_and_says_the_cycle_is_done(client, portfolio, people, outbox):
    """The Template column showed codes (overdue_notice) and the page read "se ejecutó (Terminada)" (issue 14)."""
    from django.utils import timezone

    from recaudo.communications.selectors import effective_templates
    from recaudo.cycle.runner import cycle_run
    from recaudo.strategies.models import StepExecution

    debtor_owing(portfolio, "C1", days_past_due=3, today=timezone.localdate())
    cycle_run(portfolio=portfolio)
    step = StepExecution.objects.filter(portfolio=portfolio).exclude(template="").first()
    name = next(t.name for t in effective_templates(portfolio)
                if (t.code, t.channel, t.language) == (step.template, step.channel, "es"))
    login(client, people["juan"])
    page = client.get(reverse("cycle_today", args=[portfolio.slug]), HTTP_ACCEPT_LANGUAGE="es-CO").content.decode()
    assert f"<td>{name}</td>" in page and f"<td>{step.template}</td>" not in page
    assert "El ciclo de hoy ya corrió." in page and "Terminada" not in page


def test_today_page_filters_by_stage_and_by_reason(client, portfolio, people, outbox):
    """Issue 14 asked for the Today page's filters by stage and by reason, besides outcome and channel: each
    narrows the rows to exactly the steps that have it, and an unknown value is ignored."""
    from django.utils import timezone

    from recaudo.cycle.runner import cycle_run
    from recaudo.cycle.selectors import today_page
    from recaudo.cycle.wording import decode, encode
    from recaudo.strategies.models import StepExecution

    for i in range(4):
        debtor_owing(portfolio, f"C{i}", days_past_due=3 + 20 * i, today=timezone.localdate())
    cycle_run(portfolio=portfolio)
    today = portfolio.today()
    steps = StepExecution.objects.filter(portfolio=portfolio, business_date=today).order_by("id")
    first, second = list(steps[:2])
    # the cycle stores each step's reason code beside its reason, and the filter reads the code
    assert all(s.reason_code == (decode(s.reason)["code"] if s.reason else "") for s in steps)
    StepExecution.objects.filter(pk=first.pk).update(
        outcome="blocked", reason=encode("blocked", rules=[{"rule": "CO-CONSENT-SMS", "detail": ""}]),
        reason_code="blocked")
    StepExecution.objects.filter(pk=second.pk).update(stage="legal")
    page = today_page(portfolio=portfolio, today=today, lang="es", reason="blocked")
    assert [row["s"].pk for row in page["executed"]] == [first.pk]
    assert ("blocked", "Bloqueado por cumplimiento", 1) in [(c, str(label), n) for c, label, n in page["reason_totals"]]
    assert all(decode(row["s"].reason)["code"] == "blocked" for row in page["executed"])
    page = today_page(portfolio=portfolio, today=today, lang="es", stage="legal")
    assert [row["s"].pk for row in page["executed"]] == [second.pk]
    everything = today_page(portfolio=portfolio, today=today, lang="es", stage="nope", reason="nope")
    assert everything["stage"] == everything["reason"] == "" and len(everything["executed"]) == steps.count()
    login(client, people["juan"])
    html = client.get(reverse("cycle_today", args=[portfolio.slug]) + "?reason=blocked",
                      HTTP_ACCEPT_LANGUAGE="es-CO").content.decode()
    assert 'id="today-stage"' in html and '<option value="blocked" selected>' in html
