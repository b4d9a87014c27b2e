"""The debtor page is where work happens (issue 14 §2): a note, a contact and its consent (how and when), a dispute
per obligation, documents stored in the database, the statement of account sent now through the compliance check
and the outbox. Each service checks the role itself: viewers may not; another portfolio's debtor is a 404."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from recaudo.audit.models import AuditEvent
from recaudo.communications.models import Message
from recaudo.compliance.services import contact_schedule
from recaudo.demo.testing import MONDAY, TEST_PASSWORD, at_local, make_luz, make_portfolio, make_user, sign_in
from recaudo.ledger.services import obligation_set_dispute
from recaudo.portfolio.models import Consent, Contact, Document, DocumentContent, Note, Portfolio
from recaudo.portfolio.rules import DOCUMENT_MAX_BYTES, NOTE_MAX_CHARS, safe_filename, sniff_document_type
from recaudo.portfolio.services import (
    RecordNotAllowed,
    consent_record,
    contact_save,
    debtor_note_add,
    document_attach,
    document_bytes,
)
from recaudo.portfolio.validation import ValidationProblem
from recaudo.reports.services import StatementSendError, statement_send

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _today():
    with mock.patch.object(Portfolio, "today", return_value=MONDAY):
        yield


@pytest.fixture
def book(portfolio):
    return {"debtor": make_luz(portfolio), "agent": make_user("ana", portfolio, role="agent"),
            "supervisor": make_user("sofia", portfolio, role="supervisor"),
            "viewer": make_user("vera", portfolio, role="viewer")}


@pytest.fixture
def es():
    with translation.override("es-co"):
        yield


def login(client, user):
    assert sign_in(client, username=user.username, password=TEST_PASSWORD)
    client.cookies["django_language"] = "es-co"
    return client


def debtor_url(debtor):
    return reverse("debtor_detail", args=[debtor.portfolio.slug, debtor.pk])


# --------------------------------------------------------------------------------------------------- rules
def test_document_type_is_told_by_content_not_name():
    assert sniff_document_type(PDF) == "application/pdf"
    assert sniff_document_type(PNG) == "image/png"
    assert sniff_document_type(b"\xff\xd8\xff\xe0JFIF") == "image/jpeg"
    assert sniff_document_type(b"PK\x03\x04zip") is None
    assert sniff_document_type(b"<html><script>") is None


def test_safe_filename_keeps_only_a_plain_base_name_with_the_real_extension():
    assert safe_filename("C:\\fakepath\\Factura 12.pdf", "application/pdf") == "Factura_12.pdf"
    assert safe_filename('a"; x=.exe', "image/png") == "a_x.png"
    assert safe_filename("", "image/jpeg") == "documento.jpg"
    assert len(safe_filename("x" * 500 + ".pdf", "application/pdf")) <= 104


# --------------------------------------------------------------------------------------------------- notes
def test_note_is_added_and_shows_in_the_timeline_escaped(client, book):
    login(client, book["agent"])
    debtor = book["debtor"]
    url = reverse("debtor_note_new", args=[debtor.portfolio.slug, debtor.pk])
    response = client.post(url, {"text": "Llamó <script>alert(1)</script> y promete pagar el viernes"})
    assert response.status_code == 302
    note = Note.objects.get(debtor=debtor)
    assert note.author == "ana"
    event = AuditEvent.objects.get(event_type="debtor.note_added")
    assert event.debtor_id == debtor.pk and "promete pagar" in event.changes["note"]
    page = client.get(debtor_url(debtor)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Nota" in page


def test_note_bad_input_is_said_at_the_field(client, book, es):
    debtor = book["debtor"]
    with pytest.raises(ValidationProblem) as empty:
        debtor_note_add(debtor=debtor, text="   ", actor=book["agent"])
    assert empty.value.field == "text" and "nota" in empty.value.message
    with pytest.raises(ValidationProblem) as long:
        debtor_note_add(debtor=debtor, text="x" * (NOTE_MAX_CHARS + 1), actor=book["agent"])
    assert long.value.field == "text" and str(NOTE_MAX_CHARS) in long.value.message
    login(client, book["agent"])
    response = client.post(reverse("debtor_note_new", args=[debtor.portfolio.slug, debtor.pk]), {"text": ""})
    assert response.status_code == 200 and not Note.objects.exists()


def test_viewer_may_not_write_and_sees_no_forms(client, book):
    debtor = book["debtor"]
    with pytest.raises(RecordNotAllowed):
        debtor_note_add(debtor=debtor, text="hola", actor=book["viewer"])
    login(client, book["viewer"])
    slug = debtor.portfolio.slug
    assert client.post(reverse("debtor_note_new", args=[slug, debtor.pk]), {"text": "hola"}).status_code == 403
    page = client.get(debtor_url(debtor)).content.decode()
    assert "debtor-actions" not in page and "note-drawer" not in page and "dispute-link" not in page
    assert not Note.objects.exists()


def test_other_portfolios_debtor_is_not_found(client, book):
    other = make_portfolio(slug="edificio", name="Edificio")
    stranger = make_luz(other)
    login(client, book["agent"])
    for name in ("debtor_note_new", "contact_new", "document_new", "statement_send"):
        url = reverse(name, args=[book["debtor"].portfolio.slug, stranger.pk])
        assert client.get(url).status_code == 404, name
        assert client.post(url, {}).status_code == 404, name
    url = reverse("obligation_dispute", args=[book["debtor"].portfolio.slug, book["debtor"].pk,
                                              stranger.obligations.get().pk])
    assert client.post(url, {"reason": "x"}).status_code == 404


# --------------------------------------------------------------------------------------------------- contacts
def test_contact_is_added_validated_and_corrected(client, book, es):
    debtor = book["debtor"]
    login(client, book["agent"])
    url = reverse("contact_new", args=[debtor.portfolio.slug, debtor.pk])
    bad = client.post(url, {"channel": "phone", "value": "12", "role": "debtor"})
    assert bad.status_code == 200 and "no es un número de teléfono válido" in bad.content.decode()
    bad = client.post(url, {"channel": "email", "value": "no-es-correo", "role": "debtor"})
    assert "no es un correo electrónico válido" in bad.content.decode()
    ok = client.post(url, {"channel": "phone", "value": "310 555 1234", "role": "co_debtor",
                           "holder_name": "Pedro Restrepo"})
    contact = Contact.objects.get(debtor=debtor, value="+573105551234")
    assert ok.status_code == 302 and ok["Location"].endswith(f"/contacts/{contact.pk}/")
    assert contact.role == "co_debtor" and contact.holder_name == "Pedro Restrepo"
    dup = client.post(url, {"channel": "phone", "value": "+57 310 555 1234", "role": "debtor"})
    assert "ya tiene este contacto" in dup.content.decode()
    edit = reverse("contact_edit", args=[debtor.portfolio.slug, debtor.pk, contact.pk])
    assert client.post(edit, {"value": "311 555 0000", "city": "Cali"}).status_code == 302
    contact.refresh_from_db()
    assert contact.value == "+573115550000" and contact.city == "Cali"
    assert AuditEvent.objects.filter(event_type="contact.updated", debtor=debtor).exists()


def test_consent_records_how_and_when_and_revocation(client, book, es):
    debtor = book["debtor"]
    contact = debtor.contacts.get(channel="phone")
    login(client, book["agent"])
    url = reverse("contact_edit", args=[debtor.portfolio.slug, debtor.pk, contact.pk])
    missing = client.post(url, {"channel": "sms", "status": "granted", "method": "", "given_on": "2026-02-20"})
    assert "Diga cómo se dio la autorización" in missing.content.decode()
    future = client.post(url, {"channel": "sms", "status": "granted", "method": "recorded_call",
                               "given_on": "2026-03-10"})
    assert "no puede ser posterior a hoy" in future.content.decode()
    ancient = client.post(url, {"channel": "sms", "status": "granted", "method": "recorded_call",
                                "given_on": "1800-01-01"})  # was recorded
    assert "no puede ser anterior al " in ancient.content.decode()
    assert not Consent.objects.filter(given_on__year=1800).exists()
    assert client.post(url, {"channel": "sms", "status": "granted", "method": "recorded_call",
                             "given_on": "2026-02-20", "detail": "grabación 4455"}).status_code == 302
    consent = Consent.objects.get(contact=contact, channel="sms")
    assert (consent.status, consent.method, consent.given_on, consent.source) == (
        "granted", "recorded_call", date(2026, 2, 20), "grabación 4455")
    assert client.post(url, {"channel": "call", "status": "revoked", "given_on": "2026-03-01"}).status_code == 302
    assert Consent.objects.get(contact=contact, channel="call").status == "revoked"
    event = AuditEvent.objects.filter(event_type="consent.revoked", debtor=debtor).get()
    assert event.changes["previous"] == "granted"
    # compliance reads the latest state: a call is now blocked for lack of consent
    decision = contact_schedule(debtor=debtor, channel="call", requested_at=at_local(MONDAY, "10:00"),
                                contact=contact)
    assert not decision.allowed
    page = client.get(url).content.decode()
    assert "Verbalmente, en llamada grabada" in page and "20/02/2026" in page


def test_consent_channel_must_fit_the_contact_and_references_never_consent(book, es):
    debtor = book["debtor"]
    email = debtor.contacts.get(channel="email")
    with pytest.raises(ValidationProblem) as wrong:
        consent_record(contact=email, channel="sms", status="granted", method="written", given_on=None,
                       actor=book["agent"])
    assert wrong.value.field == "channel"
    ref = contact_save(debtor=debtor, channel="phone", value="3205550000", role="reference", actor=book["agent"])
    with pytest.raises(ValidationProblem) as refused:
        consent_record(contact=ref, channel="call", status="granted", method="written", given_on=None,
                       actor=book["agent"])
    assert refused.value.field == "status"
    with pytest.raises(RecordNotAllowed):
        consent_record(contact=email, channel="email", status="revoked", method="", given_on=None,
                       actor=book["viewer"])


# --------------------------------------------------------------------------------------------------- disputes
def test_dispute_per_obligation_with_reason_then_resolved(client, book, es):
    debtor = book["debtor"]
    obligation = debtor.obligations.get()
    login(client, book["agent"])
    url = reverse("obligation_dispute", args=[debtor.portfolio.slug, debtor.pk, obligation.pk])
    assert url.replace("/dispute/", "") and url in client.get(debtor_url(debtor)).content.decode()
    missing = client.post(url, {"reason": "   "})
    assert missing.status_code == 200
    obligation.refresh_from_db()
    assert not obligation.disputed
    assert client.post(url, {"reason": "La mercancía llegó dañada"}).status_code == 302
    obligation.refresh_from_db()
    assert obligation.disputed and obligation.dispute_reason == "La mercancía llegó dañada"
    page = client.get(debtor_url(debtor)).content.decode()
    assert "Resolver disputa" in page and "La mercancía llegó dañada" in page
    assert client.post(url, {"reason": "Nota crédito NC-12 emitida"}).status_code == 302
    obligation.refresh_from_db()
    assert not obligation.disputed and obligation.dispute_reason == ""
    resolved = AuditEvent.objects.get(event_type="obligation.dispute_resolved")
    assert resolved.changes["reason"] == "Nota crédito NC-12 emitida"
    assert "Nota crédito NC-12 emitida" in client.get(debtor_url(debtor)).content.decode()


def test_a_dispute_form_sent_twice_or_from_a_stale_page_never_resolves_it(client, book, es):
    """The page says what it asks for: the same "mark as disputed" sent again (a double click, a page left open
    while a colleague disputed it) keeps the obligation disputed; it used to flip it back to resolved."""
    debtor = book["debtor"]
    obligation = debtor.obligations.get()
    login(client, book["agent"])
    url = reverse("obligation_dispute", args=[debtor.portfolio.slug, debtor.pk, obligation.pk])
    form = client.get(url).content.decode()
    assert 'name="disputed" value="1"' in form
    for _ in range(2):
        assert client.post(url, {"reason": "La mercancía llegó dañada", "disputed": "1"}).status_code == 302
        obligation.refresh_from_db()
        assert obligation.disputed
    assert 'name="disputed" value="0"' in client.get(url).content.decode()
    for _ in range(2):
        assert client.post(url, {"reason": "Nota crédito NC-12", "disputed": "0"}).status_code == 302
        obligation.refresh_from_db()
        assert not obligation.disputed
    assert AuditEvent.objects.filter(event_type="obligation.dispute_resolved").count() == 1


def test_dispute_service_needs_a_reason_and_the_write_role(book, es):
    obligation = book["debtor"].obligations.get()
    with pytest.raises(ValidationProblem) as missing:
        obligation_set_dispute(obligation=obligation, disputed=True, reason="", actor=book["agent"])
    assert missing.value.field == "reason" and "disputa" in missing.value.message
    with pytest.raises(RecordNotAllowed):
        obligation_set_dispute(obligation=obligation, disputed=True, reason="x", actor=book["viewer"])


# --------------------------------------------------------------------------------------------------- documents
def test_document_attached_stored_in_the_database_and_downloaded(client, book):
    debtor = book["debtor"]
    obligation = debtor.obligations.get()
    login(client, book["agent"])
    url = reverse("document_new", args=[debtor.portfolio.slug, debtor.pk])
    upload = SimpleUploadedFile("../Factura F-100 (copia).PDF", PDF, content_type="text/html")
    response = client.post(url, {"file": upload, "kind": "invoice", "obligation": obligation.pk})
    assert response.status_code == 302
    document = Document.objects.get(debtor=debtor)
    assert (document.filename, document.content_type, document.size, document.obligation_id) == (
        "Factura_F-100_copia.pdf", "application/pdf", len(PDF), obligation.pk)
    assert bytes(DocumentContent.objects.get(document=document).data) == PDF
    page = client.get(debtor_url(debtor)).content.decode()
    assert "Factura_F-100_copia.pdf" in page and "Documento adjuntado" in page
    download = client.get(reverse("document_download", args=[debtor.portfolio.slug, debtor.pk, document.pk]))
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="Factura_F-100_copia.pdf"'


def test_document_refused_by_type_size_and_role(client, book, es):
    debtor = book["debtor"]
    login(client, book["agent"])
    url = reverse("document_new", args=[debtor.portfolio.slug, debtor.pk])
    fake = SimpleUploadedFile("factura.pdf", b"<html><script>alert(1)</script></html>")
    response = client.post(url, {"file": fake, "kind": "invoice"})
    assert response.status_code == 200 and "Solo se pueden adjuntar archivos PDF, JPG o PNG" in (
        response.content.decode())
    big = SimpleUploadedFile("grande.pdf", PDF + b"0" * DOCUMENT_MAX_BYTES)
    response = client.post(url, {"file": big, "kind": "invoice"})
    assert "demasiado grande" in response.content.decode()
    assert not Document.objects.exists()
    with pytest.raises(ValidationProblem) as empty:
        document_attach(debtor=debtor, upload=b"", filename="x.pdf", actor=book["agent"])
    assert empty.value.field == "file"
    with pytest.raises(RecordNotAllowed):
        document_attach(debtor=debtor, upload=PNG, filename="x.png", actor=book["viewer"])
    document = document_attach(debtor=debtor, upload=PNG, filename="foto.png", kind="other", actor=book["agent"])
    with pytest.raises(RecordNotAllowed):
        document_bytes(document=document, actor=book["viewer"])
    client.logout()
    login(client, book["viewer"])
    download = reverse("document_download", args=[debtor.portfolio.slug, debtor.pk, document.pk])
    assert client.get(download).status_code == 403
    assert "foto.png" in client.get(debtor_url(debtor)).content.decode()  # listed, not downloadable
    other = make_portfolio(slug="edificio", name="Edificio")
    stranger = make_luz(other)
    theirs = document_attach(debtor=stranger, upload=PNG, filename="otro.png", actor="cli")
    client.logout()
    login(client, book["agent"])
    assert client.get(reverse("document_download", args=[debtor.portfolio.slug, debtor.pk, theirs.pk])
                      ).status_code == 404
    assert client.get(reverse("document_download", args=[other.slug, stranger.pk, theirs.pk])).status_code == 404


# --------------------------------------------------------------------------------------------------- statement
def test_statement_sent_now_is_queued_with_the_pdf_and_shows_in_the_timeline(client, book):
    debtor = book["debtor"]
    login(client, book["agent"])
    page = client.get(debtor_url(debtor)).content.decode()
    assert "luz.restrepo@example.com" in page and "send-statement" in page
    url = reverse("statement_send", args=[debtor.portfolio.slug, debtor.pk])
    with mock.patch("recaudo.reports.services.timezone.now", return_value=at_local(MONDAY, "10:00")):
        response = client.post(url, {"channel": "email", "token": "abc123"})
        assert response.status_code == 302
        again = client.post(url, {"channel": "email", "token": "abc123"})  # a double submit queues one
        assert again.status_code == 302
    message = Message.objects.get(debtor=debtor)
    assert (message.channel, message.to, message.template_code, message.attach_statement, message.status) == (
        "email", "luz.restrepo@example.com", "statement", True, "queued")
    assert "Estado de cuenta" in message.subject and debtor.name in message.body
    assert AuditEvent.objects.filter(event_type="message.queued", debtor=debtor).count() == 1
    timeline = client.get(debtor_url(debtor)).content.decode()
    assert "Mensaje en cola" in timeline


def test_statement_blocked_by_compliance_says_why_in_spanish_and_queues_nothing(client, book):
    debtor = book["debtor"]

    def blocked(**kwargs):  # a real blocked decision: WhatsApp has no consent for this debtor
        return contact_schedule(**{**kwargs, "channel": "whatsapp"})

    login(client, book["agent"])
    url = reverse("statement_send", args=[debtor.portfolio.slug, debtor.pk])
    with mock.patch("recaudo.reports.services.contact_schedule", side_effect=blocked):
        response = client.post(url, {"channel": "email", "token": "t1"})
    assert response.status_code == 200
    assert "Bloqueado" in response.content.decode()
    assert not Message.objects.exists()


def test_statement_needs_a_consented_email_and_the_write_role(client, book, es):
    debtor = book["debtor"]
    email = debtor.contacts.get(channel="email")
    with pytest.raises(RecordNotAllowed):
        statement_send(debtor=debtor, channel="email", token="t", actor=book["viewer"])
    with pytest.raises(StatementSendError) as sms:
        statement_send(debtor=debtor, channel="sms", token="t", actor=book["agent"])
    assert sms.value.field == "channel"
    consent_record(contact=email, channel="email", status="revoked", method="", given_on=None, actor=book["agent"])
    with pytest.raises(StatementSendError) as none:
        statement_send(debtor=debtor, channel="email", token="t", actor=book["agent"])
    assert "no tiene un contacto con autorización" in none.value.message
    login(client, book["agent"])
    page = client.get(debtor_url(debtor)).content.decode()
    assert "no-statement-channel" in page
    assert not Message.objects.exists()


def test_anonymizing_the_debtor_removes_notes_text_and_documents(book):
    from recaudo.privacy.services import debtor_anonymize

    debtor = book["debtor"]
    debtor_note_add(debtor=debtor, text="La señora Luz vive con su hija Marta", actor=book["agent"])
    document_attach(debtor=debtor, upload=PDF, filename="cedula.pdf", actor=book["agent"])
    result = debtor_anonymize(debtor=debtor, reason="solicitud del titular", force=True, actor="cli")
    assert result.counts["notes"] == 1 and result.counts["documents"] == 1
    assert not Document.objects.exists() and not DocumentContent.objects.exists()
    assert "Marta" not in Note.objects.get().text
    assert "Marta" not in str(AuditEvent.objects.get(event_type="debtor.note_added").changes)


def test_the_outbox_sends_the_queued_statement_with_its_pdf(book, settings):
    from recaudo.communications.transports.console import MemoryTransport
    from recaudo.cycle.outbox import outbox_process

    settings.RECAUDO_TRANSPORTS = {"email": "memory", "sms": "memory", "whatsapp": "memory", "letter": "memory"}
    MemoryTransport.reset()
    now = at_local(MONDAY, "10:00")
    message = statement_send(debtor=book["debtor"], channel="email", token="t-1", actor=book["agent"], now=now)
    outbox_process(now=now, worker_id="w1")
    message.refresh_from_db()
    assert message.status == "sent"
    assert MemoryTransport.sent[0]["to"] == "luz.restrepo@example.com"
    assert MemoryTransport.sent[0]["attachments"] == ["estado-de-cuenta-C001-2026-03-02.pdf"]
    MemoryTransport.reset()


def test_the_habeas_data_export_lists_notes_documents_and_how_consent_was_given(book):
    from recaudo.privacy.selectors import debtor_export_data

    debtor = book["debtor"]
    debtor_note_add(debtor=debtor, text="Prefiere que la llamen en la tarde", actor=book["agent"])
    document_attach(debtor=debtor, upload=PDF, filename="contrato.pdf", kind="agreement", actor=book["agent"])
    consent_record(contact=debtor.contacts.get(channel="email"), channel="email", status="granted",
                   method="web_form", given_on=date(2026, 1, 2), actor=book["agent"])
    data = debtor_export_data(debtor)
    assert data["notes"][0]["text"] == "Prefiere que la llamen en la tarde"
    assert data["documents"][0]["filename"] == "contrato.pdf" and data["documents"][0]["kind"] == "agreement"
    email = next(c for c in data["contacts"] if c["channel"] == "email")
    assert email["consents"][0]["method"] == "web_form" and email["consents"][0]["given_on"] == "2026-01-02"
