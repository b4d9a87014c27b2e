"""A debtor's dispute from the portal leaves collection as an agent's does, with an optional attachment checked by
its first bytes, and the office finds it where disputes show (the debtor list's "disputed" filter)."""

from datetime import date

import pytest

from recaudo.audit.models import AuditEvent
from recaudo.audit.services import portal_actor
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.services import debtor_dispute_file
from recaudo.portfolio.models import Document
from recaudo.portfolio.rules import DOCUMENT_MAX_BYTES
from recaudo.portfolio.selectors import DebtorFilters, debtor_search
from recaudo.portfolio.validation import ValidationProblem

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


@pytest.fixture
def owing(portfolio):
    debtor = make_debtor(portfolio)
    return debtor, make_obligation(portfolio, debtor, number="F-9", amount="250000")


def test_dispute_with_attachment(portfolio, owing):
    debtor, obligation = owing
    actor = portal_actor(debtor.pk)
    debtor_dispute_file(obligation=obligation, reason="Ya pagué esta factura", attachment=PNG,
                        filename="pago.png", actor=actor)
    obligation.refresh_from_db()
    debtor.refresh_from_db()
    assert obligation.disputed and obligation.dispute_reason == "Ya pagué esta factura" and debtor.disputed
    doc = Document.objects.get(obligation=obligation)
    assert (doc.content_type, doc.filename, doc.uploaded_by) == ("image/png", "pago.png", actor)
    assert AuditEvent.objects.filter(event_type="obligation.disputed", actor_label=actor).exists()
    assert AuditEvent.objects.filter(event_type="obligation.disputed_by_debtor", actor_label=actor).exists()
    found = debtor_search(portfolio, DebtorFilters(disputed=True), date(2026, 3, 2))
    assert list(found) == [debtor]  # the office sees it where disputes show


@pytest.mark.parametrize("attachment, reason, field", [
    (b"PK\x03\x04 a zip named .pdf", "No reconozco la deuda", "file"),
    (b"%PDF-1.7" + b"\0" * DOCUMENT_MAX_BYTES, "No reconozco la deuda", "file"),  # 10 MB + 8 bytes
    (None, "   ", "reason"),
    (None, "x" * 501, "reason"),
])
def test_bad_dispute_writes_nothing(owing, attachment, reason, field):
    debtor, obligation = owing
    with pytest.raises(ValidationProblem) as exc:
        debtor_dispute_file(obligation=obligation, reason=reason, attachment=attachment, filename="f.pdf",
                            actor=portal_actor(debtor.pk))
    assert exc.value.field == field
    obligation.refresh_from_db()
    assert not obligation.disputed and not Document.objects.exists()


def test_twice_and_another_debtor(portfolio, owing):
    debtor, obligation = owing
    other = make_debtor(portfolio, code="OTRO")
    with pytest.raises(NotAllowed):
        debtor_dispute_file(obligation=obligation, reason="No es mía", actor=portal_actor(other.pk))
    debtor_dispute_file(obligation=obligation, reason="No es mía", actor=portal_actor(debtor.pk))
    with pytest.raises(ValidationProblem) as exc:
        debtor_dispute_file(obligation=obligation, reason="Otra vez", actor=portal_actor(debtor.pk))
    assert exc.value.field == "obligation"
