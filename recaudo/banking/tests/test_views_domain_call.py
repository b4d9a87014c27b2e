"""The bank pages make their one domain call through core.errors.domain_call: no view catches a domain error by
itself, NotAllowed is a 403 on every page (also those without a form) and a refusal is shown at its field."""

import ast
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recaudo.banking import views
from recaudo.banking.services_gateways import GatewayProblem
from recaudo.core.errors import DomainError, NotAllowed
from recaudo.demo.testing import login, make_portfolio, make_user

BANK_VIEWS = [Path(views.__file__), Path(views.__file__).with_name("pay_views.py")]


@pytest.mark.parametrize("path", BANK_VIEWS, ids=lambda p: p.name)
def test_no_bank_view_catches_a_domain_error_itself(path):
    caught = [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
              if isinstance(node, ast.ExceptHandler) and node.type is not None
              and any(getattr(t, "id", "") in ("DomainError", "NotAllowed")
                      for t in (node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]))]
    assert caught == [], f"{path.name}: use domain_call (lines {caught})"


@pytest.fixture
def portfolio(db):
    portfolio = make_portfolio()
    make_user("ana", portfolio, role="admin")
    return portfolio


def _refuse(error):
    def service(**kwargs):
        raise error
    return service


@pytest.mark.django_db
def test_not_allowed_on_a_page_without_a_form_is_a_403(client, portfolio, monkeypatch):
    monkeypatch.setattr(views, "payment_references_assign", _refuse(NotAllowed("solo administradores")))
    login(client, "ana")
    response = client.post(reverse("references_assign", args=[portfolio.slug]))
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_refusal_on_a_page_without_a_form_is_a_message(client, portfolio, monkeypatch):
    monkeypatch.setattr(views, "payment_references_assign", _refuse(DomainError("no hay deudores")))
    login(client, "ana")
    page = client.post(reverse("references_assign", args=[portfolio.slug]), follow=True).content.decode()
    assert "no hay deudores" in page


@pytest.mark.django_db
def test_a_refused_upload_is_shown_at_its_field(client, portfolio, monkeypatch):
    monkeypatch.setattr(views, "bank_upload_submit", _refuse(GatewayProblem("el convenio está inactivo",
                                                                             field="convenio")))
    login(client, "ana")
    response = client.post(reverse("bank_upload", args=[portfolio.slug]),
                           {"file": SimpleUploadedFile("recaudo.txt", b"01"), "layout": "auto"})
    assert response.status_code == 200
    assert "el convenio está inactivo" in response.context["form"].errors["convenio"]
