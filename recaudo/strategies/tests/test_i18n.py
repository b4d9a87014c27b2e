"""Spanish (es-CO, the default language) for the strategies, communications and agents pages, and the header links
to Estrategias, Hoy, Mensajes and Plantillas. The catalogs live per app (recaudo/<app>/locale/es_CO)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from recaudo.demo.testing import TEST_PASSWORD, make_user, sign_in
from recaudo.strategies.services import segment_save, strategy_ensure_default

pytestmark = pytest.mark.django_db
APPS = Path(__file__).resolve().parents[2]


@pytest.fixture
def sara(client, portfolio):
    user = make_user("sara", portfolio, role="supervisor")
    assert sign_in(client, username="sara", password=TEST_PASSWORD)
    return user


def page(client, name, portfolio, *args):
    response = client.get(reverse(name, args=[portfolio.slug, *args]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("name", "spanish", "english"), [
    ("strategy_list", ["Estrategias de cobranza", "Ciclo diario", "Fecha de operación"], "Collection strategies"),
    ("segment_list", ["Segmentos", "Agregar un segmento", "Deudores (último ciclo)"], "Add a segment"),
    ("segment_add", ["Nuevo segmento", "Saldo desde", "Días de mora hasta", "Tipo de deudor"], "Balance from"),
    ("hold_list", ["Suspensiones", "Agregar una suspensión", "Código de cliente",
                   '<option value="dispute">Disputa</option>', "Acuerdo de pago"], ">dispute<"),
    ("cycle_today", ["Qué sale hoy y por qué", "Bloqueados por cumplimiento"], "What goes out today"),
    ("comms_outbox", ["Bandeja de salida", "Todos los estados"], "All statuses"),
    ("comms_template_list", ["Plantillas de mensajes"], "Message templates"),
])
def test_pages_render_in_spanish(client, portfolio, sara, outbox, name, spanish, english):
    strategy_ensure_default(portfolio)
    html = page(client, name, portfolio)
    for text in spanish:
        assert text in html, text
    assert english not in html


def test_header_links_to_the_portfolio_pages(client, portfolio, sara, outbox):
    html = page(client, "debtor_list", portfolio)
    nav = html.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    for name, label in (("strategy_list", "Estrategias"), ("cycle_today", "Hoy"), ("comms_outbox", "Mensajes"),
                        ("comms_template_list", "Plantillas")):
        assert f'href="{reverse(name, args=[portfolio.slug])}"' in nav and f">{label}</a>" in nav
    today_nav = page(client, "cycle_today", portfolio).split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{reverse("cycle_today", args=[portfolio.slug])}" class="active"' in today_nav
    english = client.get(reverse("debtor_list", args=[portfolio.slug]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Strategies</a>" in english and ">Templates</a>" in english


def test_segment_form_errors_in_spanish(client, portfolio, sara):
    segment_save(portfolio=portfolio, name="A", conditions={}, order=10)
    response = client.post(reverse("segment_add", args=[portfolio.slug]),
                           {"name": "B", "order": 20, "weight": 1, "days_min": 60, "days_max": 30})
    assert "Debe ser al menos 60 (el valor de “Días de mora desde”)." in response.content.decode()
    response = client.post(reverse("segment_add", args=[portfolio.slug]),
                           {"name": "B", "order": 20, "weight": 1, "balance_min": "1.000.000,50", "balance_max": "500"})
    assert "Debe ser al menos 1.000.000,5 (el valor de “Saldo desde”)." in response.content.decode()  # not 1000000.50


def test_model_and_rule_labels_in_spanish():
    import gettext

    from recaudo.communications.models import Message
    from recaudo.strategies.models import Hold

    with translation.override("es-co"):
        assert str(Hold.Reason.PROMISE.label) == "Promesa de pago"
        assert str(Message.Status.CANCELLED.label) == "Cancelado"
    # the agents catalog (its workspace is being built elsewhere: read the compiled file itself)
    with open(APPS / "agents" / "locale" / "es_CO" / "LC_MESSAGES" / "django.mo", "rb") as fh:
        agents = gettext.GNUTranslations(fh)
    assert agents.gettext("Commission (% of collections)") == "Comisión (% del recaudo)"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("app", ["strategies", "cycle", "communications"])  # agents: its workspace is still being built
def test_catalogs_are_complete_and_compiled(app, tmp_path):
    folder = APPS / app / "locale" / "es_CO" / "LC_MESSAGES"
    po = (folder / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if e.rstrip().endswith('msgstr ""') or 'msgstr[1] ""' in e]
    assert not untranslated, untranslated[:3]
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(folder / "django.po")], check=True)
    assert compiled.read_bytes() == (folder / "django.mo").read_bytes(), "run msgfmt -o django.mo django.po"
