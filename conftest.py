import pytest


@pytest.fixture
def portfolio(db):
    from recaudo.core.testing import make_portfolio

    return make_portfolio()


@pytest.fixture
def other_portfolio(db):
    from recaudo.core.testing import make_portfolio

    return make_portfolio(slug="edificio", name="Edificio Los Almendros P.H.")
