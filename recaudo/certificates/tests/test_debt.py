"""Certificates of debt (Ley 675 de 2001 art. 48): the worked example, exact to the ledger; the batch command."""

import csv
import shutil
import subprocess
from datetime import date
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recaudo.audit.models import AuditEvent
from recaudo.certificates.models import Certificate
from recaudo.certificates.pdf import render_certificate_pdf
from recaudo.certificates.selectors import debt_lines
from recaudo.certificates.services import CertificateRefused, debt_certificate_issue, debt_certificates_issue
from recaudo.demo.testing import make_debtor, make_obligation
from recaudo.ledger.services import ledger_verify
from recaudo.portfolio.models import Obligation
from recaudo.portfolio.services import portfolio_creditor_set

from .conftest import AS_OF, NOW

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def _index(folder):
    with open(folder / "index.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_worked_example_exact_to_the_ledger(owner):
    # January: 10.000.000 due 20/01; late interest 21-31/01 11 days = 65.721,39 (posted by the cycle) and
    # 1-10/02 10 days = 61.657,87 (not posted yet): 127.379,26. February: 500.000 due 05/02, 200.000 paid on 01/02,
    # 300.000 owed x 5 days (6-10/02) x daily rate 0,0616579 % = 924,87.
    lines, problems = debt_lines(owner, AS_OF)
    assert problems == []
    assert [(x.number, x.original_minor, x.paid_minor, x.principal_minor, x.interest_minor, x.total_minor,
             x.payments) for x in lines] == [
        ("CA-202601-T1-101", 1000000000, 0, 1000000000, 12737926, 1012737926, []),
        ("CA-202602-T1-101", 50000000, 20000000, 30000000, 92487, 30092487, [(date(2026, 2, 1), 20000000)]),
    ]
    cert = debt_certificate_issue(debtor=owner, actor="test", now=NOW)
    assert cert.label == "CD-000001" and cert.as_of == AS_OF
    assert cert.content["totals"] == {"original_minor": 1050000000, "paid_minor": 20000000,
                                      "principal_minor": 1030000000, "fees_minor": 0, "interest_minor": 12830413,
                                      "total_minor": 1042830413}
    # the ledger's balances plus the interest not posted yet (61.657,87 + 924,87) are the certificate's total
    balances = sum(Obligation.objects.filter(debtor=owner).values_list("balance_minor", flat=True))
    assert balances == 1000000000 + 6572139 + 30000000
    assert balances + 6165787 + 92487 == cert.content["totals"]["total_minor"]
    assert ledger_verify(owner.portfolio) == []
    event = AuditEvent.objects.get(event_type="certificate.debt_issued")
    assert event.changes == {"certificate": "CD-000001", "total_minor": 1042830413, "fees": 2}


def test_pdf_says_it_in_spanish_with_es_co_amounts(owner, tmp_path):
    cert = debt_certificate_issue(debtor=owner, actor="test", now=NOW)
    text = pdf_text(render_certificate_pdf(cert, verify_url="https://cobros.example.co/verificar/X/"), tmp_path)
    flat = " ".join(text.split())
    for expected in ("CERTIFICADO DE DEUDA", "CD-000001", "Edificio Mirador del Parque P.H.", "900.123.456-8",
                     "Marta Lucía Gómez Arango", "CC 51.234.567", "artículo 48 de la Ley 675 de 2001",
                     "Jorge Iván Peña Ruiz", "20/01/2026", "10.000.000,00", "127.379,26", "924,87", "200.000,00",
                     "10.428.304,13", "diez millones cuatrocientos veintiocho mil trescientos cuatro pesos",
                     "Bogotá D.C.", "https://cobros.example.co/verificar/X/", "título ejecutivo"):
        assert expected in flat, expected


def test_refused_without_overdue_fees_or_the_building_details(owner, building):
    clean = make_debtor(building, code="T1-102", name="Al día")
    make_obligation(building, clean, number="CA-X", amount="100", issue=date(2026, 2, 1), due=date(2026, 2, 28))
    with pytest.raises(CertificateRefused, match="no tiene obligaciones vencidas"):
        debt_certificate_issue(debtor=clean, actor="test", now=NOW)
    building.legal_representative = ""
    building.save(update_fields=["legal_representative"])
    with pytest.raises(CertificateRefused, match="representante legal"):
        debt_certificate_issue(debtor=owner, actor="test", now=NOW)
    assert not Certificate.objects.exists()


def test_batch_numbers_consecutively_and_one_refusal_refuses_all(owner, building):
    other = make_debtor(building, code="T1-201", name="Ana Ruiz")
    make_obligation(building, other, number="CA-202601-T1-201", amount="400000", issue=date(2026, 1, 1),
                    due=date(2026, 1, 20), kind="hoa_fee")
    clean = make_debtor(building, code="T1-301", name="Sin deuda")
    with pytest.raises(CertificateRefused, match="T1-301"):
        debt_certificates_issue(debtors=[owner, other, clean], actor="test", now=NOW)
    assert not Certificate.objects.exists()
    certs = debt_certificates_issue(debtors=[owner, other], actor="test", now=NOW)
    assert [c.label for c in certs] == ["CD-000001", "CD-000002"]
    assert debt_certificate_issue(debtor=other, actor="test", now=NOW).label == "CD-000003"


def test_command_writes_one_pdf_per_debtor_and_an_index(owner, building, tmp_path, settings):
    clock = mock.patch("django.utils.timezone.now", return_value=NOW)
    clock.start()
    settings.RECAUDO_PUBLIC_URL = "https://cobros.example.co"
    other = make_debtor(building, code="T1-201", name="Ana Ruiz")
    make_obligation(building, other, number="CA-202602-T1-201", amount="400000", issue=date(2026, 2, 1),
                    due=date(2026, 2, 5), kind="hoa_fee")
    call_command("certificates", "debt", "--portfolio", building.slug, "--min-days", "10",
                 "--output", str(tmp_path / "out"))
    rows = _index(tmp_path / "out")
    assert [(r["certificate"], r["customer_code"], r["total"], r["overdue_fees"]) for r in rows] == [
        ("CD-000001", "T1-101", "10428304.13", "2")]  # T1-201 is 5 days past due: under --min-days 10
    assert rows[0]["verification_url"].startswith("https://cobros.example.co/verificar/")
    assert (tmp_path / "out" / rows[0]["file"]).read_bytes().startswith(b"%PDF")
    call_command("certificates", "debt", "--portfolio", building.slug, "--output", str(tmp_path / "all"))
    rows = _index(tmp_path / "all")
    assert [r["certificate"] for r in rows] == ["CD-000002", "CD-000003"]
    with pytest.raises(CommandError, match="--portfolio"):
        call_command("certificates", "debt", "--portfolio", "nope", "--output", str(tmp_path))
    clock.stop()


def test_batch_selection_by_segment_days_and_legal_handoff(owner, building):
    from recaudo.certificates.selectors import debt_batch_debtors
    from recaudo.strategies.models import DebtorStrategyState
    from recaudo.strategies.services import segment_save

    other = make_debtor(building, code="T1-201", name="Ana Ruiz")
    make_obligation(building, other, number="CA-202602-T1-201", amount="400000", issue=date(2026, 2, 1),
                    due=date(2026, 2, 5), kind="hoa_fee")
    segment = segment_save(portfolio=building, name="Prejurídico", conditions={"days_min": 1}, order=10)
    DebtorStrategyState.objects.create(debtor=other, portfolio=building, segment=segment,
                                       legal_handoff_on=date(2026, 2, 9))

    def codes(**kw):
        return [d.code for d in debt_batch_debtors(building, as_of=AS_OF, **kw)]

    assert codes() == ["T1-101", "T1-201"]
    assert codes(min_days=10) == ["T1-101"]  # T1-201's oldest fee is 5 days past due
    assert codes(segment="Prejurídico") == ["T1-201"]
    assert codes(legal_handoff=True) == ["T1-201"]
    assert codes(codes=["T1-101"]) == ["T1-101"]
    assert codes(segment="otro") == []


def test_pdf_without_the_representatives_id_prints_no_dash(owner, tmp_path):
    """Without the legal representative's ID on file the certificate does not say "identified with —" nor print an
    empty ID line under the signature."""
    portfolio_creditor_set(portfolio=owner.portfolio, actor="test", legal_representative_id="")
    cert = debt_certificate_issue(debtor=owner, actor="test", now=NOW)
    flat = " ".join(pdf_text(render_certificate_pdf(cert, verify_url="https://x.example/v/"), tmp_path).split())
    assert "identificado(a) con —" not in flat and "Documento:" not in flat, flat
    assert "El (la) suscrito(a) Marta Lucía Gómez Arango, administrador(a) y representante legal de" in flat, flat
