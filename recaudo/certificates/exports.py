"""A batch of certificates of debt as files (docs/certificates.md): one PDF per debtor and index.csv, written to a
folder by `recaudo certificates debt` or packed in a ZIP by the office's batch page. Both get the same files."""

from __future__ import annotations

import csv
import io
import zipfile

from recaudo.core.money import from_minor

from .models import Certificate
from .pdf import render_certificate_pdf
from .rules import code_display
from .selectors import certificate_verify_url

INDEX_HEADER = ["certificate", "customer_code", "name", "id_type", "id_number", "overdue_fees", "principal",
                "interest", "total", "currency", "as_of", "verification_code", "verification_url", "file"]


def safe_name(code: str) -> str:
    """A customer code made safe for a file name."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)[:64]


def debt_batch_files(certificates: list[Certificate], fallback_base: str = "") -> list[tuple[str, bytes]]:
    """(file name, content) of each certificate's PDF, then index.csv (plain decimals with a point). The
    verification URL starts with RECAUDO_PUBLIC_URL, else `fallback_base` (the request's host), else it is a path."""
    rows, files = [], []
    for certificate in certificates:
        content = certificate.content
        name = f"certificado-deuda-{certificate.label}-{safe_name(content['debtor']['code'])}.pdf"
        url = certificate_verify_url(certificate, fallback_base)
        files.append((name, render_certificate_pdf(certificate, verify_url=url)))
        totals, cur = content["totals"], content["currency"]
        rows.append([certificate.label, content["debtor"]["code"], content["debtor"]["name"],
                     content["debtor"]["id_type"], content["debtor"]["id_number"], len(content["lines"]),
                     str(from_minor(totals["principal_minor"], cur)), str(from_minor(totals["interest_minor"], cur)),
                     str(from_minor(totals["total_minor"], cur)), cur, certificate.as_of.isoformat(),
                     code_display(certificate.code), url, name])
    index = io.StringIO()
    writer = csv.writer(index, lineterminator="\n")
    writer.writerow(INDEX_HEADER)
    writer.writerows(rows)
    files.append(("index.csv", index.getvalue().encode("utf-8")))
    return files


def debt_batch_zip(certificates: list[Certificate], fallback_base: str = "") -> bytes:
    """The batch's files (debt_batch_files) in one ZIP."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in debt_batch_files(certificates, fallback_base):
            archive.writestr(name, data)
    return out.getvalue()
