from datetime import UTC, datetime

from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.portfolio.services import contact_add

# Tuesday 10 March 2026, 10:00 in Bogotá: inside Colombia's contact hours (Mon-Fri 07:00-19:00).
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def debtor_with_phone(portfolio, code, name, amount="1000000", phone="300 123 4567", consent="granted", **kw):
    debtor = make_debtor(portfolio, code=code, name=name)
    contact_add(debtor=debtor, channel="phone", value=phone, consent=consent, consent_source="contrato")
    make_obligation(portfolio, debtor, number=f"F-{code}", amount=amount, issue=kw.get("issue", datetime(
        2026, 1, 1).date()), due=kw.get("due", datetime(2026, 1, 31).date()))
    debtor.refresh_from_db()
    return debtor
