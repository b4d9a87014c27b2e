import pytest
from django.urls import reverse

from recaudo.demo.testing import TEST_PASSWORD, make_user, sign_in
from recaudo.strategies.models import Hold, StrategyVersion
from recaudo.strategies.services import latest_version, strategy_ensure_default

from .helpers import debtor_owing

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(portfolio):
    return {
        "ana": make_user("ana", portfolio, role="admin"),
        "sara": make_user("sara", portfolio, role="supervisor"),
        "juan": make_user("juan", portfolio, role="agent"),
        "otto": make_user("otto"),  # granted nothing
    }


def login(client, user):
    assert sign_in(client, username=user.username, password=TEST_PASSWORD)
    return client


def test_pages_need_login_and_grant(client, portfolio, people):
    url = reverse("strategy_list", args=[portfolio.slug])
    assert client.get(url).status_code == 302
    login(client, people["otto"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("cycle_today", args=[portfolio.slug])).status_code == 404


def test_agent_sees_but_cannot_edit(client, portfolio, people, outbox):
    strategy = strategy_ensure_default(portfolio)
    login(client, people["juan"])
    page = client.get(reverse("strategy_detail", args=[portfolio.slug, strategy.pk]))
    assert page.status_code == 200 and b"sms-overdue" in page.content and b"Edit" not in page.content
    edit = reverse("strategy_step_edit", args=[portfolio.slug, strategy.pk, "sms-overdue"])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"offset": 4, "channel": "sms", "template": "x"}).status_code == 404
    assert StrategyVersion.objects.filter(strategy=strategy).count() == 1


def test_supervisor_edits_a_step_new_version_and_dry_run(client, portfolio, people, outbox):
    strategy = strategy_ensure_default(portfolio)
    debtor_owing(portfolio, "C1", days_past_due=4, today=__import__("django.utils.timezone").utils.timezone.localdate())
    login(client, people["sara"])
    edit = reverse("strategy_step_edit", args=[portfolio.slug, strategy.pk, "sms-overdue"])
    response = client.post(edit, {"offset": 3, "channel": "whatsapp", "template": "overdue_notice"})
    assert response.status_code == 302
    v2 = latest_version(strategy)
    assert v2.number == 2 and "/dry-run/" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"whatsapp" in page.content


def test_invalid_step_edit_shows_the_precise_error(client, portfolio, people):
    strategy = strategy_ensure_default(portfolio)
    login(client, people["ana"])
    edit = reverse("strategy_step_edit", args=[portfolio.slug, strategy.pk, "email-reminder"])
    page = client.post(edit, {"offset": 3, "channel": "email", "template": "reminder"})
    assert page.status_code == 200
    assert "El paso sms-overdue ya se ejecuta a los 3 días; un paso por día de mora." in \
        page.context["form"].errors["offset"]


@pytest.mark.parametrize(("step", "data", "field", "message"), [
    ("sms-overdue", {"offset": -100000, "channel": "sms", "template": "overdue_notice"}, "offset",
     "El desfase es un número entero de días entre -3.650 y 3.650."),
    ("sms-overdue", {"offset": "99999999999999999999", "channel": "sms", "template": "overdue_notice"}, "offset",
     "El desfase es un número entero de días entre -3.650 y 3.650."),
    ("sms-overdue", {"offset": -40, "channel": "sms", "template": "overdue_notice"}, "offset",
     "Ninguna etapa cubre -40 días: la primera etapa empieza en -5 días."),
    ("sms-overdue", {"offset": 3, "channel": "sms", "template": " "}, "template",
     "Un paso que envía un mensaje necesita el código de su plantilla."),
])
def test_a_step_edit_the_stages_refuse_is_said_at_its_field_in_es_co(client, portfolio, people, step, data, field,
                                                                     message):
    """The schema's own wording (stages[4].steps[1].offset: -100000 is outside its stage 'legal' (91..)) was shown
    above the form, in English with the document's paths; an offset no day of arrears reaches was saved."""
    strategy = strategy_ensure_default(portfolio)
    login(client, people["ana"])
    page = client.post(reverse("strategy_step_edit", args=[portfolio.slug, strategy.pk, step]), data)
    assert page.status_code == 200
    assert message in page.context["form"].errors[field]
    assert "stages[" not in page.content.decode()
    assert StrategyVersion.objects.filter(strategy=strategy).count() == 1


def test_export_import_yaml(client, portfolio, people):
    strategy = strategy_ensure_default(portfolio)
    login(client, people["ana"])
    text = client.get(reverse("strategy_export", args=[portfolio.slug, strategy.pk])).content.decode()
    assert "legal-95" in text
    from django.core.files.uploadedfile import SimpleUploadedFile

    changed = text.replace("offset: 95", "offset: 100")
    client.post(reverse("strategy_import", args=[portfolio.slug, strategy.pk]),
                {"file": SimpleUploadedFile("s.yaml", changed.encode())})
    assert latest_version(strategy).number == 2
    bad = client.post(reverse("strategy_import", args=[portfolio.slug, strategy.pk]),
                      {"file": SimpleUploadedFile("s.yaml", b"name: x\nstages: []\n")}, follow=True)
    assert "stages: required" in bad.content.decode()


def test_holds_add_and_release(client, portfolio, people):
    debtor = debtor_owing(portfolio, "C1", days_past_due=3)
    login(client, people["sara"])
    url = reverse("hold_list", args=[portfolio.slug])
    assert client.post(url, {"debtor_code": "C1", "reason": "dispute", "until": "2030-01-01"}).status_code == 302
    hold = Hold.objects.get(debtor=debtor)
    assert hold.created_by == people["sara"]
    assert client.post(url, {"debtor_code": "NOPE", "reason": "dispute"}).status_code == 200
    client.post(reverse("hold_release", args=[portfolio.slug, hold.pk]))
    hold.refresh_from_db()
    assert hold.released_at is not None
    login(client, people["juan"])
    assert client.post(url, {"debtor_code": "C1", "reason": "dispute", "until": "2030-01-01"}).status_code == 404


def test_hold_for_unknown_codes_names_the_field(client, portfolio, people):
    debtor_owing(portfolio, "C1", days_past_due=3)
    login(client, people["sara"])
    url = reverse("hold_list", args=[portfolio.slug])
    page = client.post(url, {"debtor_code": "NOPE", "reason": "dispute", "until": "2030-01-01"})
    assert page.context["form"].errors == {"debtor_code": ["No hay ningún deudor con ese código."]}
    page = client.post(url, {"debtor_code": "C1", "obligation_number": "X-9", "reason": "dispute",
                             "until": "2030-01-01"})
    assert page.context["form"].errors == {"obligation_number": ["No hay ninguna obligación con ese número."]}
    assert not Hold.objects.exists()


def test_strategy_detail_says_step_conditions_in_words_in_the_page_language(client, portfolio, people):
    import copy

    from recaudo.strategies.services import strategy_version_create

    strategy = strategy_ensure_default(portfolio)
    content = copy.deepcopy(latest_version(strategy).content)
    step = content["stages"][1]["steps"][0]
    step["conditions"] = {"min_amount": 5000000, "promise_pending": False, "consent": True}
    strategy_version_create(strategy=strategy, content=content)
    login(client, people["juan"])
    url = reverse("strategy_detail", args=[portfolio.slug, strategy.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    row = html[html.index(f'id="step-{step["key"]}"'):]
    row = row[:row.index("</tr>")]
    assert "saldo ≥ $ 5.000.000 · solo sin promesa pendiente · con autorización para el canal" in row, row
    assert "min_amount" not in html and "promise_pending" not in html
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "balance ≥ COP 5,000,000 · only without a pending promise · with consent for the channel" in english


def test_the_version_history_says_its_notes_in_es_co(client, portfolio, people):
    """The notes were the services' English, a step edit's with Python's reprs ("step sms-overdue: offset=5,
    conditions={'consent': True}") on the es-CO strategy page."""
    strategy = strategy_ensure_default(portfolio)
    login(client, people["ana"])
    edit = reverse("strategy_step_edit", args=[portfolio.slug, strategy.pk, "sms-overdue"])
    assert client.post(edit, {"offset": 5, "channel": "sms", "template": "overdue_notice", "min_amount": "1.000.000",
                              "consent": "on"}).status_code == 302
    page = client.get(reverse("strategy_detail", args=[portfolio.slug, strategy.pk])).content.decode()
    assert "estrategia predeterminada" in page and "default strategy" not in page
    assert "paso sms-overdue: desfase 5 días · saldo ≥ $" in page
    assert "1.000.000, con autorización para el canal" in page
    assert "offset=" not in page and "{&#x27;consent&#x27;" not in page
