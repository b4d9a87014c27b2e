"""Portfolio settings: the creditor's NIT (check digit), address, contact and logo (PNG/JPEG, bounded) and how
debtors pay, edited by the portfolio's administrators."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reportlab.lib.utils import ImageReader

from recaudo.audit.models import AuditEvent
from recaudo.core.errors import DomainError
from recaudo.demo.testing import make_user, sign_in
from recaudo.portfolio.models import LOGO_MAX_BYTES, Portfolio
from recaudo.portfolio.services import portfolio_creditor_set
from recaudo.portfolio.validation import ValidationProblem, creditor_nit_check, logo_check

pytestmark = pytest.mark.django_db


def png_bytes(width=120, height=40) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (31, 78, 121)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_nit_needs_its_check_digit():
    assert creditor_nit_check("900123456-8") == "900.123.456-8"
    assert creditor_nit_check(" 9001234568 ") == "900.123.456-8"
    assert creditor_nit_check("") == ""
    for bad in ("900123456-7", "900123456", "abc", "9" * 30):
        with pytest.raises(ValidationProblem) as exc:
            creditor_nit_check(bad)
        assert exc.value.field == "creditor_nit"


def test_logo_must_be_a_small_png_or_jpeg():
    assert logo_check(png_bytes(), LOGO_MAX_BYTES) == "image/png"
    with pytest.raises(ValidationProblem, match="PNG|JPEG"):
        logo_check(b"GIF89a" + b"\0" * 100, LOGO_MAX_BYTES)
    with pytest.raises(ValidationProblem):
        logo_check(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, LOGO_MAX_BYTES)
    with pytest.raises(ValidationProblem):
        logo_check(png_bytes(), 100)
    with pytest.raises(ValidationProblem):
        logo_check(b"", LOGO_MAX_BYTES)


def test_service_saves_bounds_and_audits(portfolio):
    portfolio_creditor_set(portfolio=portfolio, actor="cli", creditor_nit="900123456-8", payment_bank="Bancolombia",
                           payment_account="Cuenta corriente 123-456789-01", payment_agreement="12345",
                           creditor_address="Calle 10 # 20-30, Medellín", logo=png_bytes())
    portfolio.refresh_from_db()
    assert (portfolio.creditor_nit, portfolio.payment_bank, portfolio.creditor_logo_type) == (
        "900.123.456-8", "Bancolombia", "image/png")
    assert ImageReader(io.BytesIO(bytes(portfolio.creditor_logo))).getSize() == (120, 40)
    event = AuditEvent.objects.get(event_type="portfolio.creditor_settings")
    assert event.changes["creditor_nit"] == ["", "900.123.456-8"] and "bytes" in event.changes["logo"]
    with pytest.raises(DomainError) as exc:
        portfolio_creditor_set(portfolio=portfolio, actor="cli", payment_bank="x" * 101)
    assert exc.value.field == "payment_bank"
    with pytest.raises(DomainError) as exc:
        portfolio_creditor_set(portfolio=portfolio, actor="cli", payment_reference="nope")
    assert exc.value.field == "payment_reference"
    portfolio_creditor_set(portfolio=portfolio, actor="cli", remove_logo=True)
    portfolio.refresh_from_db()
    assert portfolio.creditor_logo_type == "" and not portfolio.creditor_logo


def test_settings_page_for_admins(client, portfolio):
    make_user("ana", portfolio, role="admin")
    sign_in(client, "ana")
    url = reverse("portfolio_settings", args=[portfolio.slug])
    page = client.get(url)
    assert page.status_code == 200 and "Cómo pagar" in page.content.decode()
    response = client.post(url, {"creditor": "Distribuciones Andinas S.A.S.", "creditor_nit": "900.123.456-8",
                                 "creditor_address": "Cra 43A # 1-50, Medellín", "payment_bank": "Bancolombia",
                                 "payment_reference": "code",
                                 "logo": SimpleUploadedFile("logo.png", png_bytes(), "image/png")})
    assert response.status_code == 302
    portfolio.refresh_from_db()
    assert portfolio.creditor_nit == "900.123.456-8" and portfolio.payment_reference == "code"
    shown = client.get(url).content.decode()
    assert "data:image/png;base64," in shown


def test_bad_nit_and_oversize_logo_are_refused_at_their_field(client, portfolio):
    make_user("ana", portfolio, role="admin")
    sign_in(client, "ana")
    url = reverse("portfolio_settings", args=[portfolio.slug])
    response = client.post(url, {"creditor_nit": "900123456-7", "payment_reference": "id_number"})
    assert response.status_code == 400
    assert "no es un NIT válido" in response.content.decode()
    big = png_bytes() + b"\0" * (LOGO_MAX_BYTES + 10)
    response = client.post(url, {"payment_reference": "id_number",
                                 "logo": SimpleUploadedFile("logo.png", big, "image/png")})
    assert response.status_code == 400 and "demasiado grande" in response.content.decode()
    response = client.post(url, {"payment_reference": "id_number",
                                 "logo": SimpleUploadedFile("logo.gif", b"GIF89a<script>", "image/gif")})
    assert response.status_code == 400 and "PNG o JPEG" in response.content.decode()
    assert Portfolio.objects.get(pk=portfolio.pk).creditor_logo_type == ""


def test_non_admins_cannot_open_settings(client, portfolio):
    make_user("sofia", portfolio, role="supervisor")
    sign_in(client, "sofia")
    url = reverse("portfolio_settings", args=[portfolio.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"creditor_nit": "900123456-8", "payment_reference": "code"}).status_code == 404
    assert Portfolio.objects.get(pk=portfolio.pk).creditor_nit == ""
