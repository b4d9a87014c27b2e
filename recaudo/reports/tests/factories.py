"""Small builders for report tests (real services, real ledger entries)."""

from datetime import date
from decimal import Decimal

from recaudo.agreements.services.payments import payment_receive
from recaudo.demo.testing import make_debtor, make_obligation


def pay(portfolio, obligation, amount, on: date, ref: str):
    payment, _ = payment_receive(portfolio=portfolio, debtor=obligation.debtor, amount=Decimal(amount), date=on,
                                source_ref=ref, obligation=obligation)
    return payment


def build_book(portfolio):
    """Two debtors, five obligations, as of 2026-11-22:

    C001 F-1 100.000,00 due 2026-11-22 (current)                 -> 100.000,00
    C001 F-2 200.000,00 due 2026-10-01 (52 days), paid 50.000 on 2026-11-01 -> 150.000,00 (31-60)
    C002 F-3  80.000,50 due 2026-11-10 (12 days)                 ->  80.000,50 (1-30)
    C002 F-4  40.000,00 due 2025-06-30 (510 days), disputed      ->  40.000,00 (over 360)
    C002 F-5  30.000,00 due 2026-09-01, paid in full 2026-09-05  -> not counted
    """
    from recaudo.ledger.services import obligation_set_dispute

    c1 = make_debtor(portfolio, code="C001", name="Luz Marina Restrepo")
    c2 = make_debtor(portfolio, code="C002", name="Ferretería El Tornillo S.A.S.")
    f1 = make_obligation(portfolio, c1, number="F-1", amount="100000", issue=date(2026, 10, 23),
                         due=date(2026, 11, 22))
    f2 = make_obligation(portfolio, c1, number="F-2", amount="200000", issue=date(2026, 9, 1),
                         due=date(2026, 10, 1))
    f3 = make_obligation(portfolio, c2, number="F-3", amount="80000.50", issue=date(2026, 10, 11),
                         due=date(2026, 11, 10))
    f4 = make_obligation(portfolio, c2, number="F-4", amount="40000", issue=date(2025, 6, 1),
                         due=date(2025, 6, 30))
    f5 = make_obligation(portfolio, c2, number="F-5", amount="30000", issue=date(2026, 8, 1),
                         due=date(2026, 9, 1))
    pay(portfolio, f2, "50000", date(2026, 11, 1), "P-1")
    pay(portfolio, f5, "30000", date(2026, 9, 5), "P-2")
    obligation_set_dispute(obligation=f4, disputed=True, reason="mercancía devuelta")
    return {"c1": c1, "c2": c2, "f1": f1, "f2": f2, "f3": f3, "f4": f4, "f5": f5}
