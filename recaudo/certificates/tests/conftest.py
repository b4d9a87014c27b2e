from datetime import date
from decimal import Decimal

import pytest

from recaudo.demo.testing import at_local, make_debtor, make_obligation
from recaudo.ledger.accruals import interest_post
from recaudo.ledger.models import InterestSettings
from recaudo.portfolio.services import contact_add, portfolio_creditor_set

AS_OF = date(2026, 2, 10)
NOW = at_local(AS_OF, "10:00")


@pytest.fixture
def building(portfolio):
    portfolio_creditor_set(portfolio=portfolio, actor="test", creditor="Edificio Mirador del Parque P.H.",
                           creditor_nit="900.123.456-8", creditor_address="Carrera 7 # 72-41, Bogotá",
                           legal_status="Propiedad horizontal, personería jurídica Resolución 123 de 2010, "
                                        "Alcaldía Local de Chapinero",
                           legal_representative="Marta Lucía Gómez Arango", legal_representative_id="CC 51.234.567",
                           certificate_city="Bogotá D.C.")
    InterestSettings.objects.create(portfolio=portfolio, interest_enabled=True)
    return portfolio


@pytest.fixture
def owner(building):
    """Unit T1-101: January's fee 10.000.000 due 20/01/2026 (interest posted through 31/01) and February's fee
    500.000 due 05/02/2026 with a partial payment of 200.000 on 01/02/2026."""
    from recaudo.agreements.services.payments import payment_receive

    debtor = make_debtor(building, code="T1-101", name="Jorge Iván Peña Ruiz", id_type="CC", id_number="79123456")
    contact_add(debtor=debtor, channel="address", value="Carrera 7 # 72-41 Torre 1 Apto 101")
    make_obligation(building, debtor, number="CA-202601-T1-101", amount="10000000", issue=date(2026, 1, 1),
                    due=date(2026, 1, 20), kind="hoa_fee", description="Cuota de administración enero 2026")
    feb = make_obligation(building, debtor, number="CA-202602-T1-101", amount="500000", issue=date(2026, 2, 1),
                          due=date(2026, 2, 5), kind="hoa_fee", description="Cuota de administración febrero 2026")
    interest_post(portfolio=building, through=date(2026, 1, 31))
    payment_receive(portfolio=building, debtor=debtor, amount=Decimal("200000"), date=date(2026, 2, 1),
                    obligation=feb, source_ref="abono-1")
    debtor.refresh_from_db()
    return debtor
