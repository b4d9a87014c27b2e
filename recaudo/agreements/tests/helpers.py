from datetime import date
from decimal import Decimal

from recaudo.demo.testing import at_local, make_debtor, make_obligation
from recaudo.ledger.posting import entry_post

MONDAY = date(2026, 3, 2)
NOW = at_local(MONDAY, "10:00")


def debtor_with_debt(portfolio, code="D1"):
    """F-1: 1.000.000 principal + 20.000 interest (due 31 Jan); F-2: 500.000 (due 15 Feb). Debt 1.520.000."""
    debtor = make_debtor(portfolio, code=code, name=f"Deudor {code}")
    f1 = make_obligation(portfolio, debtor, number=f"{code}-F1", amount="1000000", issue=date(2026, 1, 1),
                         due=date(2026, 1, 31))
    entry_post(obligation=f1, kind="interest", amount=Decimal("20000"), value_date=date(2026, 2, 28))
    f2 = make_obligation(portfolio, debtor, number=f"{code}-F2", amount="500000", issue=date(2026, 1, 15),
                         due=date(2026, 2, 15))
    debtor.refresh_from_db()
    f1.refresh_from_db()
    return debtor, f1, f2


def minor(value: str) -> int:
    return int(Decimal(value) * 100)
