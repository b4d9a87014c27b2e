import pytest
from django.db import transaction

from recaudo.audit.models import AuditEvent
from recaudo.audit.services import audit_record, diff
from recaudo.demo.testing import make_debtor

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_audit_refuses_to_run_outside_a_transaction(portfolio):
    assert not transaction.get_connection().in_atomic_block
    with pytest.raises(RuntimeError, match="inside the write's transaction"):
        audit_record(event_type="x", subject=portfolio)


def test_write_and_audit_roll_back_together(portfolio):
    with pytest.raises(ValueError), transaction.atomic():
        make_debtor(portfolio, code="Z1")
        raise ValueError("boom")
    assert not AuditEvent.objects.filter(event_type="debtor.created").exists()


def test_audit_records_actor_subject_and_change(portfolio, django_user_model):
    user = django_user_model.objects.create_user("ana", password="x-very-long-pass")
    with transaction.atomic():
        event = audit_record(event_type="portfolio.renamed", subject=portfolio, actor=user,
                             changes=diff({"name": "A"}, {"name": "B"}))
    assert (event.actor, event.actor_label, event.portfolio, event.subject_type) == (user, "ana", portfolio,
                                                                                      "portfolio")
    assert event.changes == {"name": ["A", "B"]}
