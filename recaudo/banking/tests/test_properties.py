"""Property: after any sequence of imports (repeats and overlapping files included), the applied payments plus the
lines queued for review hold exactly the money of the distinct payments in the files, each counted once."""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.banking import services
from recaudo.banking.models import BankLine
from recaudo.banking.tests import files
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio
from recaudo.ledger.models import Payment

pytestmark = pytest.mark.django_db(transaction=False)

REFERENCES = ["1203", "0001203", "C001", "C002", "52123456", "99999", "FV-77", ""]
payment = st.tuples(st.sampled_from(REFERENCES), st.integers(min_value=0, max_value=5_000_000_00))


def _file(pool, indices):
    lines = [files.header_2001(), files.lot_header()]
    for i in indices:
        reference, cents = pool[i]
        lines.append(files.detail(reference, cents, operation=str(i).rjust(6, "0"), sequence=str(i).rjust(7, "0")))
    total = sum(pool[i][1] for i in indices)
    lines += [files.lot_control(len(indices), total), files.file_control(len(indices), total)]
    return "\n".join(lines)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(payment, min_size=1, max_size=8), st.data())
def test_applied_plus_queued_is_the_money_received_once(pool, data):
    picks = st.lists(st.integers(min_value=0, max_value=len(pool) - 1), min_size=1, max_size=len(pool), unique=True)
    imports = data.draw(st.lists(picks, min_size=1, max_size=4))
    imports += data.draw(st.lists(st.sampled_from(imports), max_size=2))  # some files again
    with transaction.atomic():
        portfolio = make_portfolio(slug="prop")
        luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
        pedro = make_debtor(portfolio, code="C002", name="Pedro")
        make_obligation(portfolio, luz, number="1203", amount="1000000")
        make_obligation(portfolio, pedro, number="FV-77", amount="500000")
        for indices in imports:
            services.bank_file_import(portfolio=portfolio, content=_file(pool, indices).encode(), actor="test")
        read_once = sum(pool[i][1] for i in {i for indices in imports for i in indices})
        applied = Payment.objects.filter(portfolio=portfolio, source="bank_file").aggregate(s=Sum("amount_minor"))
        queued = BankLine.objects.filter(portfolio=portfolio, status="queued").aggregate(s=Sum("amount_minor"))
        assert (applied["s"] or 0) + (queued["s"] or 0) == read_once
        assert (BankLine.objects.filter(portfolio=portfolio).aggregate(s=Sum("amount_minor"))["s"] or 0) == read_once
        transaction.set_rollback(True)
