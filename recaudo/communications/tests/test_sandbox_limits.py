"""Issue 12, item 4: the sandbox caps output size, loop iterations, numeric filter arguments and render time; going
over gives a clear es-CO error in the preview and a permanent send failure (with the reason) in the worker."""

import time

import pytest
from django.utils import translation

from recaudo.communications import sandbox
from recaudo.communications.models import Message, Template
from recaudo.communications.rendering import RenderError, render_source
from recaudo.communications.services import TemplateInvalid, messages_enqueue_bulk, template_save
from recaudo.cycle.outbox import outbox_process
from recaudo.demo.testing import login

from .conftest import NOW

pytestmark = pytest.mark.django_db

CENTER_ATTACK = "{{ debtor.name|center:'300000000' }}"
THOUSAND = '"' + "x" * 1000 + '"'
NESTED_LOOPS_ATTACK = (f"{{% for a in {THOUSAND} %}}{{% for b in {THOUSAND} %}}{{% for c in {THOUSAND} %}}."
                       "{% endfor %}{% endfor %}{% endfor %}")
CONTEXT = {"debtor": {"name": "Luz Marina Restrepo"}}


def render(source, *, max_chars=sandbox.MAX_OUTPUT_CHARS, context=CONTEXT):
    return render_source(source, context, html=False, locale="es_CO", max_chars=max_chars)


def test_the_center_attack_is_refused_at_once_without_building_300_mb():
    started = time.monotonic()
    with translation.override("es-co"), pytest.raises(RenderError) as caught:
        render(CENTER_ATTACK)
    assert time.monotonic() - started < 1
    assert str(caught.value) == ("el argumento del filtro “center” es 300000000; se permite como máximo 1.000")
    with translation.override("en"), pytest.raises(RenderError, match="at most 1,000 is allowed"):
        render(CENTER_ATTACK)


def test_three_nested_loops_of_1000_stop_at_10000_iterations():
    started = time.monotonic()
    with translation.override("es-co"), pytest.raises(RenderError) as caught:
        render(NESTED_LOOPS_ATTACK)
    assert time.monotonic() - started < 1
    assert str(caught.value) == "los ciclos se repiten más de 10.000 veces en total"


def test_exactly_10000_iterations_are_allowed_and_10001_are_not():
    hundred, ninety_nine = '"' + "x" * 100 + '"', '"' + "x" * 99 + '"'
    # the outer loop's own iterations count too: 100 + 100 x 99 = 10,000
    source = f"{{% for a in {hundred} %}}{{% for b in {ninety_nine} %}}.{{% endfor %}}{{% endfor %}}"
    assert len(render(source)) == 9_900
    with pytest.raises(RenderError, match="10,000"), translation.override("en"):
        render(source + "{% for c in 'x' %}{% endfor %}")


@pytest.mark.parametrize("expression", [
    "debtor.name|center:{n}", "debtor.name|ljust:{n}", "debtor.name|rjust:{n}", "debtor.name|truncatechars:{n}",
    "debtor.name|truncatewords:{n}", "debtor.name|wordwrap:{n}", "3.14159|floatformat:{n}",
    "3.14159|floatformat:'{n}g'", "3.14159|floatformat:'-{n}'",
])
def test_numeric_filter_arguments_are_capped_at_1000(expression):
    render("{{ " + expression.format(n=1000) + " }}")
    with pytest.raises(RenderError, match="at most 1,000"), translation.override("en"):
        render("{{ " + expression.format(n=1001) + " }}")


def test_output_is_capped_at_20000_characters_for_texts_and_200000_for_emails_and_letters():
    source = '{% for a in "' + "x" * 21 + '" %}{{ debtor.name|center:1000 }}{% endfor %}'  # 21 x 1,000 characters
    with translation.override("es-co"), pytest.raises(RenderError) as caught:
        render(source)
    assert str(caught.value) == "el resultado supera los 20.000 caracteres"
    assert len(render(source, max_chars=sandbox.MAX_DOCUMENT_CHARS)) == 21_000
    assert len(render('{% for a in "' + "x" * 20 + '" %}{{ debtor.name|center:1000 }}{% endfor %}')) == 20_000


def doubling(levels: int) -> str:
    """{% with v0=name+name %}{% with v1=v0+v0 %}... {{ vN }}: 19 characters x 2^(levels + 1)."""
    source = "{% with v0=debtor.name|add:debtor.name %}"
    for level in range(1, levels + 1):
        source += f"{{% with v{level}=v{level - 1}|add:v{level - 1} %}}"
    return source + f"{{{{ v{levels} }}}}" + "{% endwith %}" * (levels + 1)


def test_doubling_with_add_is_stopped_before_it_grows():
    assert len(render(doubling(9))) == 19_456  # 19 x 2^10
    with translation.override("en"), pytest.raises(RenderError, match="longer than 20,000 characters"):
        render(doubling(10))  # 38,912
    with pytest.raises(RenderError):
        render(doubling(60))  # 19 x 2^61 characters, were it not stopped at the first one over 20,000


def test_many_variables_outside_loops_count_against_the_output_size():
    source = "{{ debtor.name|center:1000 }}" * 21
    with pytest.raises(RenderError):
        render(source)


def test_join_is_checked_before_it_builds_the_string():
    context = {"items": ["x" * 1000] * 21}
    with pytest.raises(RenderError):
        render("{{ items|join:'' }}", context=context)
    assert len(render("{{ items|join:'' }}", context={"items": ["x" * 1000] * 20})) == 20_000


def test_render_time_is_bounded(monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_RENDER_SECONDS", 0.0)
    with translation.override("es-co"), pytest.raises(RenderError) as caught:
        render('{% for a in "xy" %}{{ a }}{% endfor %}')
    assert str(caught.value) == "la generación tardó más de 0 segundos; simplifique la plantilla"


def test_template_text_is_capped():
    with pytest.raises(RenderError):
        render("x" * (sandbox.MAX_SOURCE_CHARS + 1))
    assert len(render("x" * 20_000)) == 20_000


def test_saving_the_attacks_is_refused(portfolio):
    for attack in (CENTER_ATTACK, NESTED_LOOPS_ATTACK):
        with pytest.raises(TemplateInvalid):
            template_save(portfolio=portfolio, code="reminder", channel="sms", language="es", subject="",
                          body="Hola " + attack, now=NOW)


def test_the_preview_shows_a_clear_spanish_error(client, people, luz):
    login(client, "ana")
    url = f"/p/{luz.portfolio.slug}/comms/templates/reminder/sms/es/preview/"
    for attack, expected in ((CENTER_ATTACK, "se permite como máximo 1.000"),
                             (NESTED_LOOPS_ATTACK, "los ciclos se repiten más de 10.000 veces en total")):
        started = time.monotonic()
        page = client.post(url, {"body": attack, "debtor_code": "C001", "active": "on"}, HTTP_HX_REQUEST="true")
        assert page.status_code == 200 and time.monotonic() - started < 2
        assert expected in page.content.decode()


def test_the_worker_fails_the_message_permanently_with_the_reason(luz):
    # a template stored before the limits existed (or through the admin): only the worker meets it
    Template.objects.create(portfolio=luz.portfolio, code="reminder", channel="sms", language="es",
                            body="Hola " + NESTED_LOOPS_ATTACK)
    messages_enqueue_bulk([{"portfolio": luz.portfolio, "debtor": luz, "channel": "sms", "template_code": "reminder",
                            "dedupe_key": "attack"}], now=NOW)
    with translation.override("en"):
        outbox_process(now=NOW, worker_id="test")
    message = Message.objects.get(dedupe_key="attack")
    assert message.status == Message.Status.FAILED and message.permanent
    assert message.last_error == "render: the loops repeat more than 10,000 times in total"
