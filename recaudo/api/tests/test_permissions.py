"""Every operation of the API, taken from its own OpenAPI document (so a new endpoint cannot escape): without a
token 401; with a token of another portfolio 404 (as for a portfolio that does not exist), whatever the method;
with a read-only token every write 403, before the body is even read; and another portfolio's objects are never
reached through the token's own portfolio."""

import re

import pytest

from recaudo.agreements.services.payments import payment_receive
from recaudo.api.api import SAFE_METHODS, api
from recaudo.api.models import IdempotentRequest
from recaudo.api.services import token_create
from recaudo.audit.models import AuditEvent
from recaudo.demo.testing import make_user
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Contact
from recaudo.portfolio.services import contact_add

from .conftest import bearer

pytestmark = pytest.mark.django_db
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def operations():
    paths = api.get_openapi_schema()["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item if method in HTTP_METHODS]


OPERATIONS = operations()
WRITES = [(m, p) for m, p in OPERATIONS if m not in SAFE_METHODS]


def test_the_document_lists_the_operations_and_every_one_but_the_list_is_under_a_portfolio():
    assert len(OPERATIONS) >= 25 and len(WRITES) >= 8
    for _method, path in OPERATIONS:
        assert path == "/api/v1/portfolios" or path.startswith("/api/v1/portfolios/{slug}/"), path


def fill(path: str, slug: str, objects: dict) -> str:
    path = path.replace("{slug}", slug)
    return re.sub(r"\{(\w+)\}", lambda m: str(objects.get(m.group(1), "1")), path)


def call(client, method, url, secret=None):
    headers = bearer(secret) if secret else {}
    return client.generic(method, url, data="{}", content_type="application/json", **headers)


@pytest.fixture
def objects(portfolio, luz, tokens):
    """Real objects of portfolio A for the path parameters: a debtor, an obligation, a contact, a payment."""
    contact, _ = contact_add(debtor=luz, channel="phone", value="3001234567")
    payment, _ = payment_receive(portfolio=portfolio, debtor=luz, amount=1000, date=luz.obligations.first().due_date,
                                 source_ref="P-1")
    return {"code": "C001", "number": "F-1", "contact_id": contact.pk, "payment_id": payment.pk}


@pytest.mark.parametrize("method,path", OPERATIONS)
def test_without_a_token_every_operation_is_401(client, method, path, portfolio, objects):
    assert call(client, method, fill(path, "pyme", objects)).status_code == 401


@pytest.mark.parametrize("method,path", OPERATIONS)
def test_a_token_never_reaches_another_portfolio(client, method, path, portfolio, other_portfolio, tokens, objects):
    before = (AuditEvent.objects.count(), Payment.objects.count(), Contact.objects.count())
    answer = call(client, method, fill(path, "pyme", objects), tokens["other"])
    if path == "/api/v1/portfolios":
        assert answer.status_code == 200 and "pyme" not in answer.content.decode()
    else:
        assert answer.status_code == 404, (method, path, answer.content)
    assert (AuditEvent.objects.count(), Payment.objects.count(), Contact.objects.count()) == before


@pytest.mark.parametrize("method,path", [(m, p) for m, p in OPERATIONS if "{" in p.replace("{slug}", "")])
def test_a_portfolio_own_token_does_not_reach_another_portfolio_objects(client, method, path, portfolio,
                                                                      other_portfolio, tokens, objects):
    """Portfolio A's debtor, obligation, contact and payment through portfolio B's path with B's token: 404 (or,
    for a PUT of a debtor, a new debtor of B: never A's)."""
    answer = call(client, method, fill(path, "edificio", objects), tokens["other"])
    if method == "PUT":
        assert answer.status_code in (201, 400, 422) and "Luz" not in answer.content.decode()
    else:
        assert answer.status_code in (404, 422), (method, path, answer.content)
        assert "Luz" not in answer.content.decode()


@pytest.mark.parametrize("method,path", WRITES)
def test_a_read_token_never_writes(client, method, path, portfolio, tokens, objects):
    before = (AuditEvent.objects.count(), Payment.objects.count(), IdempotentRequest.objects.count())
    answer = call(client, method, fill(path, "pyme", objects), tokens["read"])
    assert answer.status_code == 403 and answer.json()["detail"], (method, path, answer.content)
    assert (AuditEvent.objects.count(), Payment.objects.count(), IdempotentRequest.objects.count()) == before


@pytest.mark.parametrize("method,path", WRITES)
def test_a_user_token_of_a_viewer_never_writes(client, method, path, portfolio, objects):
    vera = make_user("vera", portfolio, role="viewer")
    _token, secret = token_create(name="vera", scope="write", portfolios=[portfolio], user=vera, actor=vera)
    assert call(client, method, fill(path, "pyme", objects), secret).status_code == 403
