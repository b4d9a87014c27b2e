import pytest

from recaudo.api.services import token_create
from recaudo.demo.testing import make_debtor, make_obligation


@pytest.fixture
def tokens(portfolio, other_portfolio):
    """Secrets of three integration tokens: write and read on portfolio A, write on portfolio B."""
    return {
        "write": token_create(name="erp", scope="write", portfolios=[portfolio], actor="test")[1],
        "read": token_create(name="bi", scope="read", portfolios=[portfolio], actor="test")[1],
        "other": token_create(name="other", scope="write", portfolios=[other_portfolio], actor="test")[1],
    }


@pytest.fixture
def luz(portfolio):
    debtor = make_debtor(portfolio, code="C001", name="Luz Marina Restrepo", id_type="CC", id_number="52123456")
    make_obligation(portfolio, debtor, number="F-1", amount="100000")
    make_obligation(portfolio, debtor, number="F-2", amount="50000")
    return debtor


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
