"""Paz y salvo: only when nothing is owed (balance 0 and paid: not written off, not in a running agreement),
numbered per portfolio without gaps, a verification code, an audit event; refused with a clear Spanish message."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from recaudo.agreements.services.payments import payment_receive
from recaudo.audit.models import AuditEvent
from recaudo.certificates.models import Certificate
from recaudo.certificates.pdf import render_certificate_pdf
from recaudo.certificates.rules import code_normalize
from recaudo.certificates.selectors import certificate_by_code
from recaudo.certificates.services import CertificateRefused, certificate_issue, certificate_revoke
from recaudo.demo.testing import make_debtor, make_obligation, make_user
from recaudo.ledger.models import EntryKind
from recaudo.ledger.posting import entry_build, entry_save
from recaudo.portfolio.services import RecordNotAllowed, portfolio_creditor_set

from .conftest import NOW
from .test_debt import pdf_text

pytestmark = pytest.mark.django_db


def _paid(portfolio, code="C1", amount="100000"):
    debtor = make_debtor(portfolio, code=code, name="Luz Marina Restrepo", id_type="CC", id_number="52123456")
    ob = make_obligation(portfolio, debtor, number=f"F-{code}", amount=amount, issue=date(2026, 1, 1),
                         due=date(2026, 1, 31))
    payment_receive(portfolio=portfolio, debtor=debtor, amount=Decimal(amount), date=date(2026, 1, 15),
                    source_ref=f"pay-{code}")
    debtor.refresh_from_db()
    ob.refresh_from_db()
    return debtor, ob


def test_refused_in_spanish_naming_what_is_owed(portfolio):
    debtor, _ob = _paid(portfolio)
    make_obligation(portfolio, debtor, number="F-2", amount="5000", issue=date(2026, 2, 1), due=date(2026, 12, 31))
    with translation.override("es-co"), pytest.raises(CertificateRefused) as exc:
        certificate_issue(debtor=debtor, actor="test", now=NOW)
    assert exc.value.message == "No se puede expedir el paz y salvo: la obligación F-2 no está saldada."
    assert exc.value.field == "obligation"
    assert not Certificate.objects.exists()


def test_written_off_is_not_paid(portfolio):
    debtor = make_debtor(portfolio, code="W1", name="Castigado")
    ob = make_obligation(portfolio, debtor, number="W-1", amount="1000", issue=date(2026, 1, 1),
                         due=date(2026, 1, 31))
    entry_save(entry_build(ob, kind=EntryKind.WRITE_OFF, component="principal", amount_minor=-100000,
                           value_date=date(2026, 2, 1)), debtor_ids=[debtor.pk])
    ob.refresh_from_db()
    assert (ob.balance_minor, ob.status) == (0, "written_off")
    with translation.override("es-co"), pytest.raises(CertificateRefused, match="castigada"):
        certificate_issue(debtor=debtor, actor="test", now=NOW)


def test_issued_numbered_and_verifiable(portfolio):
    debtor, ob = _paid(portfolio)
    other, _ = _paid(portfolio, code="C2")
    first = certificate_issue(debtor=debtor, actor="test", now=NOW)
    second = certificate_issue(debtor=other, obligation=None, actor="test", now=NOW)
    third = certificate_issue(debtor=debtor, obligation=ob, actor="test", now=NOW)
    assert [c.label for c in (first, second, third)] == ["PS-000001", "PS-000002", "PS-000003"]
    assert len({c.code for c in (first, second, third)}) == 3 and code_normalize(first.code) == first.code
    assert first.content["scope"] == "debtor" and third.content["scope"] == "obligation"
    assert third.obligation == ob and first.obligation is None
    assert certificate_by_code(first.code.lower()[:4] + "-" + first.code[4:]) == first
    assert certificate_by_code("AAAA-AAAA-AAAA-AAAA") is None
    event = AuditEvent.objects.filter(event_type="certificate.no_debt_issued").order_by("pk").last()
    assert event.changes == {"certificate": "PS-000003", "covers": ob.number}
    # another portfolio numbers on its own
    from recaudo.demo.testing import make_portfolio

    other_portfolio = make_portfolio(slug="otra")
    elsewhere, _ = _paid(other_portfolio, code="X1")
    assert certificate_issue(debtor=elsewhere, actor="test", now=NOW).label == "PS-000001"


def test_an_obligation_of_another_debtor_and_a_debtor_without_obligations(portfolio):
    debtor, _ob = _paid(portfolio)
    _other, foreign = _paid(portfolio, code="C2")
    with pytest.raises(CertificateRefused, match="no es de este deudor"):
        certificate_issue(debtor=debtor, obligation=foreign, actor="test", now=NOW)
    empty = make_debtor(portfolio, code="E1", name="Sin obligaciones")
    with pytest.raises(CertificateRefused, match="nada que certificar"):
        certificate_issue(debtor=empty, actor="test", now=NOW)


def test_viewers_may_not_issue_and_only_supervisors_revoke(portfolio):
    debtor, _ob = _paid(portfolio)
    viewer = make_user("vera", portfolio, role="viewer")
    agent = make_user("carlos", portfolio, role="agent")
    with pytest.raises(RecordNotAllowed):
        certificate_issue(debtor=debtor, actor=viewer, now=NOW)
    cert = certificate_issue(debtor=debtor, actor=agent, now=NOW)
    assert cert.issued_by == agent and cert.issued_by_label == "carlos"
    with pytest.raises(RecordNotAllowed):
        certificate_revoke(certificate=cert, reason="error", actor=agent)
    supervisor = make_user("sofia", portfolio, role="supervisor")
    with pytest.raises(CertificateRefused):
        certificate_revoke(certificate=cert, reason="  ", actor=supervisor)
    certificate_revoke(certificate=cert, reason="expedido por error", actor=supervisor)
    cert.refresh_from_db()
    assert cert.revoked_reason == "expedido por error" and cert.revoked_at is not None
    assert AuditEvent.objects.filter(event_type="certificate.revoked").count() == 1


def test_pdf_without_a_legal_representative_has_no_blank_name_or_dash(portfolio, tmp_path):
    """The demo's paz y salvo printed "Documento: —" under an unnamed "Representante legal": with no representative
    on file the certificate is signed as the creditor's authorized signature, and nothing unknown is printed."""
    portfolio_creditor_set(portfolio=portfolio, actor="test", creditor="Distribuciones Andinas S.A.S.",
                           creditor_nit="900.123.456-8")
    debtor, _ob = _paid(portfolio)
    cert = certificate_issue(debtor=debtor, actor="test", now=NOW)
    with translation.override("es-co"):
        text = pdf_text(render_certificate_pdf(cert, verify_url="https://x.example/v/", language="es-co"), tmp_path)
    flat = " ".join(text.split())
    assert "Documento:" not in flat and "Representante legal" not in flat, flat
    assert "Firma autorizada Distribuciones Andinas S.A.S." in flat, flat
    portfolio_creditor_set(portfolio=portfolio, actor="test", legal_representative="Marta Lucía Gómez Arango")
    cert = certificate_issue(debtor=debtor, actor="test", now=NOW)
    flat = " ".join(pdf_text(render_certificate_pdf(cert, verify_url="https://x.example/v/", language="es-co"),
                             tmp_path).split())
    assert "Marta Lucía Gómez Arango Representante legal" in flat and "Documento:" not in flat, flat
