from datetime import date, timedelta
from decimal import Decimal

from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.portfolio.services import contact_add

MONDAY = date(2026, 3, 2)  # a working Monday in Colombia


def debtor_owing(portfolio, code, *, days_past_due, amount="1000000", consent=True, today=MONDAY, n=1, **data):
    """A debtor with `n` obligations, the oldest `days_past_due` days past due on `today`, with contacts."""
    debtor = make_debtor(portfolio, code=code, name=f"Deudor {code}", **data)
    for i in range(n):
        due = today - timedelta(days=days_past_due - i)
        make_obligation(portfolio, debtor, number=f"{code}-{i}", amount=amount, issue=due - timedelta(days=30),
                        due=due)
    if consent:
        contact_add(debtor=debtor, channel="email", value=f"{code.lower()}@example.com", consent="granted")
        contact_add(debtor=debtor, channel="phone", value="+573001234567", consent="granted")
        contact_add(debtor=debtor, channel="whatsapp", value="+573001234567", consent="granted")
        contact_add(debtor=debtor, channel="address", value="Calle 1 # 2-3, Bogota", consent="granted")
    debtor.refresh_from_db()
    return debtor


def amount(value: str) -> Decimal:
    return Decimal(value)
