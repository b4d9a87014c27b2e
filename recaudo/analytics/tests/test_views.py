"""The analytics page: every section renders from the snapshots, its exports open, bad input is told not crashed,
and text is escaped."""

import re
from datetime import UTC, date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from recaudo.analytics.services import snapshot_backfill, snapshot_write
from recaudo.communications.models import Message
from recaudo.demo.testing import login, make_portfolio, make_user
from recaudo.portfolio.models import Debtor
from recaudo.reports.tests.factories import build_book
from recaudo.strategies.models import Segment

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
URL = "/p/pyme/analytics/"


@pytest.fixture
def book(client):
    portfolio = make_portfolio()
    build_book(portfolio)
    snapshot_backfill(portfolio=portfolio, start=date(2026, 9, 30), end=date(2026, 11, 22), now=NOW)
    make_user("sup", portfolio, role="supervisor")
    login(client, "sup")
    return portfolio


def test_the_page_shows_kpis_with_formulas_trend_and_roll(client, book):
    response = client.get(URL, {"from": "2026-10-01", "to": "2026-11-22", "month": "2026-10-31"},
                          HTTP_ACCEPT_LANGUAGE="es-co")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="kpi-dso"' in html and "108,94" in html  # DSO in es-CO
    assert "15,62 %" in html  # CEI
    assert "el total del período" in html  # CEI's credit sales, said on the page
    assert 'class="trend-chart"' in html and "band-0" in html
    assert "heat-6" in html  # current -> 1-30: 100 % of the balance on 31 Oct


def test_exports(client, book):
    xlsx = client.get(URL, {"from": "2026-10-01", "to": "2026-11-22", "format": "xlsx"})
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    workbook = load_workbook(BytesIO(xlsx.content))
    assert len(workbook.sheetnames) >= 5
    pdf = client.get(URL, {"from": "2026-10-01", "to": "2026-11-22", "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(URL, {"format": "exe"}).status_code == 404


def test_bad_dates_are_told_and_the_page_still_renders(client, book):
    response = client.get(URL, {"from": "31/02/2026", "to": "2026-11-22"}, HTTP_ACCEPT_LANGUAGE="es-co")
    assert response.status_code == 200
    assert "no es una fecha" in response.content.decode()
    response = client.get(URL, {"from": "2026-11-22", "to": "2026-10-01"}, HTTP_ACCEPT_LANGUAGE="es-co")
    assert "posterior" in response.content.decode()


def test_dates_at_the_start_of_the_calendar_are_not_a_500(client, book):
    for params in ({"to": "0001-01-01"}, {"from": "0001-01-01", "to": "0001-01-02"}, {"from": "0001-01-01"}):
        response = client.get(URL, params, HTTP_ACCEPT_LANGUAGE="es-co")
        assert response.status_code in (200, 400), (params, response.status_code)


def test_the_end_of_the_period_is_hasta_in_spanish(client, book):
    """"To" is "Para" (a message's recipient) in other apps' catalogs; the period's end is "Hasta"."""
    response = client.get(URL, {"to": "zz"}, HTTP_ACCEPT_LANGUAGE="es-co")
    html = response.content.decode()
    assert '<label for="to">Hasta</label>' in html and "Hasta: zz no es una fecha" in html


def test_channels_are_named_in_the_page_language_not_by_their_code(client, book):
    sent = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
    Message.objects.create(portfolio=book, debtor=Debtor.objects.get(portfolio=book, code="C001"), channel="email",
                           template_code="reminder", dedupe_key="m-1", scheduled_for=sent, next_attempt_at=sent,
                           sent_at=sent, status="sent", source="cycle")
    html = client.get(URL, {"from": "2026-10-01", "to": "2026-11-22"}, HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert "<td>Correo electrónico</td><td>reminder</td>" in html, html[html.find("channels-title"):][:1500]


def test_a_segment_filter_and_escaped_names(client, book):
    segment = Segment.objects.create(portfolio=book, name="<script>x</script>", order=1, conditions={})
    response = client.get(URL, {"segment": str(segment.pk)})
    html = response.content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert client.get(URL, {"segment": "999999"}).status_code == 400


def _alert(html: str) -> str:
    return re.search(r'<section class="card"><p role="alert">(.*?)</section>', html, re.S).group(1)


def test_without_snapshots_the_page_says_how_to_get_them(client):
    """An office user is told what happens and whom to ask; the command line is for administrators."""
    portfolio = make_portfolio()
    make_user("sup", portfolio, role="supervisor")
    make_user("boss", portfolio, role="admin")
    login(client, "sup")
    alert = _alert(client.get(URL, HTTP_ACCEPT_LANGUAGE="es-co").content.decode())
    assert "Esta cartera aún no tiene fotos diarias" in alert and "pida a un administrador" in alert, alert
    assert "recaudo snapshots" not in alert and "`" not in alert
    login(client, "boss")
    alert = _alert(client.get(URL, HTTP_ACCEPT_LANGUAGE="es-co").content.decode())
    assert "<code>recaudo snapshots backfill --portfolio pyme --from " in alert and "pida a" not in alert, alert


def test_a_period_without_snapshots_in_es_co_words_for_a_viewer(client, book):
    """The demo showed a viewer "no hay fotos diarias entre 2020-01-01 y 2020-02-01: ... `recaudo snapshots
    backfill` ...": ISO dates, a command and markdown on a web page."""
    make_user("ver", book, role="viewer")
    login(client, "ver")
    response = client.get(URL, {"from": "2020-01-01", "to": "2020-02-01"}, HTTP_ACCEPT_LANGUAGE="es-co")
    alert = _alert(response.content.decode())
    assert response.status_code == 400
    assert ("No hay fotos diarias del 01/01/2020 al 01/02/2020. Esta cartera las tiene del 30/09/2026 al "
            "22/11/2026: elija fechas dentro de ese rango. Para ver días anteriores, pida a un administrador que los "
            "reconstruya desde el libro.") in alert, alert
    assert "2020-01-01" not in alert and "`" not in alert and "recaudo snapshots" not in alert
    # after the last snapshot: nothing to rebuild, nobody to ask
    alert = _alert(client.get(URL, {"from": "2099-01-01", "to": "2099-01-31"}, HTTP_ACCEPT_LANGUAGE="es-co")
                   .content.decode())
    assert "elija fechas dentro de ese rango." in alert and "administrador" not in alert, alert


def test_a_period_ending_today_says_when_todays_snapshot_was_taken(client, book):
    """The demo's "Cartera" (today's snapshot) differed from the aging report (the live ledger) after a payment
    recorded later: the page says the time of today's snapshot and where the live balance is."""
    today = book.today()
    taken = timezone.now().replace(microsecond=0)
    snapshot_write(portfolio=book, day=today, now=taken)
    html = client.get(URL, {"to": today.isoformat()}, HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    at = taken.astimezone(ZoneInfo(book.timezone)).strftime("%H:%M")
    assert f"Las cifras de hoy son las de la foto diaria tomada a las {at}" in html
    html = client.get(URL, {"from": "2026-10-01", "to": "2026-11-22"}, HTTP_ACCEPT_LANGUAGE="es-co").content.decode()
    assert 'id="as-of"' not in html
