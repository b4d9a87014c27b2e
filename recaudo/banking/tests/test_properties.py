"""Property: after any sequence of imports (repeats and overlapping files included), the applied payments plus the
lines queued for review hold exactly the money of the distinct payments in the files, each counted once."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.accounts.models import Role
from recaudo.banking import services
from recaudo.banking.models import BankLine
from recaudo.banking.tests import files
from recaudo.demo.testing import make_debtor, make_obligation, make_portfolio, make_user
from recaudo.ledger.models import Entry, Payment

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


# --- with the reconciliation queue's decisions ------------------------------------------------------------------

decision = st.tuples(st.sampled_from(["accept", "apply", "split", "dismiss", "undo"]), st.integers(0, 20))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(payment, min_size=1, max_size=6), st.data())
def test_allocated_plus_credit_plus_queued_is_the_money_received_after_any_decisions(pool, data):
    """After imports, accepted suggestions, choices, splits, dismissals and undos (reversals) in any order: what
    the ledger allocated from the bank's payments that stand (not reversed), plus their unapplied credit, plus the
    lines waiting and the lines said not to be collections, is the money of the distinct lines read."""
    picks = st.lists(st.integers(min_value=0, max_value=len(pool) - 1), min_size=1, max_size=len(pool), unique=True)
    imports = data.draw(st.lists(picks, min_size=1, max_size=3))
    decisions = data.draw(st.lists(decision, max_size=8))
    with transaction.atomic():
        portfolio = make_portfolio(slug="prop")
        luz = make_debtor(portfolio, code="C001", id_type="CC", id_number="52123456")
        pedro = make_debtor(portfolio, code="C002", name="Pedro")
        make_debtor(portfolio, code="1203", name="Otro")
        make_obligation(portfolio, luz, number="1203", amount="1000000")
        make_obligation(portfolio, pedro, number="FV-77", amount="500000")
        sofia = make_user("sofia-prop", portfolio, role=Role.SUPERVISOR)
        for indices in imports:
            services.bank_file_import(portfolio=portfolio, content=_file(pool, indices).encode(), actor="test")
        for what, pick in decisions:
            lines = list(BankLine.objects.filter(portfolio=portfolio).order_by("id"))
            line = lines[pick % len(lines)]
            try:
                if what == "accept" and line.suggestions:
                    services.bank_line_accept(portfolio=portfolio, line_id=line.pk, suggestion=0, actor=sofia)
                elif what == "apply":
                    services.bank_line_apply(portfolio=portfolio, line_id=line.pk, debtor_query="C002",
                                             actor=sofia)
                elif what == "split" and line.amount_minor >= 2:
                    half = line.amount_minor // 2
                    services.bank_line_split(portfolio=portfolio, line_id=line.pk, actor=sofia, parts=[
                        services.SplitPart("C001", "1203", Decimal(half) / 100),
                        services.SplitPart("C002", "", Decimal(line.amount_minor - half) / 100)])
                elif what == "dismiss":
                    services.bank_line_dismiss(portfolio=portfolio, line_id=line.pk, reason="prueba", actor=sofia)
                elif what == "undo":
                    services.bank_line_undo(portfolio=portfolio, line_id=line.pk, reason="prueba", actor=sofia)
            except services.BankingError:
                pass  # a decision the line's state refuses (undo a queued line, apply a dismissed one...)
        read_once = sum(pool[i][1] for i in {i for indices in imports for i in indices})
        standing = Payment.objects.filter(portfolio=portfolio, source="bank_file", reversed_at__isnull=True)
        allocated = -(Entry.objects.filter(payment__portfolio=portfolio, payment__source="bank_file",
                                           kind__in=["payment", "reversal"]).aggregate(s=Sum("amount_minor"))["s"]
                      or 0)
        credit = standing.aggregate(s=Sum("unapplied_minor"))["s"] or 0
        waiting = BankLine.objects.filter(portfolio=portfolio, status__in=["queued", "dismissed"]).aggregate(
            s=Sum("amount_minor"))["s"] or 0
        assert allocated + credit + waiting == read_once
        assert (standing.aggregate(s=Sum("amount_minor"))["s"] or 0) + waiting == read_once
        transaction.set_rollback(True)
