"""Letters: every batch of letters becomes one PDF for printing under RECAUDO_HOME/letters/ (or
RECAUDO_LETTERS_DIR); each letter starts on a new page. The provider id is "<file>#<first page>"."""

from __future__ import annotations

import io
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings

from ..conf import setting
from .base import OnResult, Outgoing, Transport, TransportError


def letters_dir(options: dict) -> Path:
    return Path(options.get("directory") or setting("RECAUDO_LETTERS_DIR") or settings.HOME / "letters")


def render_letters_pdf(messages: list[Outgoing]) -> tuple[bytes, list[int]]:
    """One PDF, a letter per message; returns the bytes and each letter's first page (1-based)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    first_pages: list[int] = []

    class Doc(SimpleDocTemplate):
        def afterFlowable(self, flowable):  # noqa: N802 (reportlab's hook name)
            marker = getattr(flowable, "_recaudo_letter", None)
            if marker is not None:
                first_pages.append(self.page)

    doc = Doc(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=25 * mm,
              bottomMargin=25 * mm, title="Recaudo letters")
    story = []
    for index, message in enumerate(messages):
        start = Paragraph(escape(message.debtor_name or ""), styles["Normal"])
        start._recaudo_letter = message.message_id
        story.append(start)
        for line in (message.to, message.address_city):
            if line:
                story.append(Paragraph(escape(line), styles["Normal"]))
        story.append(Spacer(1, 12 * mm))
        if message.subject:
            story.append(Paragraph(f"<b>{escape(message.subject)}</b>", styles["Normal"]))
            story.append(Spacer(1, 6 * mm))
        for paragraph in message.text.split("\n\n"):
            story.append(Paragraph(escape(paragraph).replace("\n", "<br/>"), styles["Normal"]))
            story.append(Spacer(1, 3 * mm))
        if index < len(messages) - 1:
            story.append(PageBreak())
    doc.build(story)
    return buffer.getvalue(), first_pages


class LetterTransport(Transport):
    name = "letter"
    _lock = threading.Lock()

    def send(self, message: Outgoing) -> str:
        result = self.send_many([message])[0]
        if isinstance(result, TransportError):
            raise result
        return result

    def send_many(self, messages: list[Outgoing], on_result: OnResult | None = None) -> list[str | TransportError]:
        """One provider call for the batch: one PDF file. on_result follows for each letter once it is written."""
        ok = [m for m in messages if m.to.strip()]
        results: dict[int, str | TransportError] = {
            m.message_id: TransportError("no postal address", permanent=True, code="no_address")
            for m in messages if not m.to.strip()}
        if ok:
            try:
                pdf, pages = render_letters_pdf(ok)
                folder = letters_dir(self.options)
                folder.mkdir(parents=True, exist_ok=True)
                name = f"letters-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.pdf"
                with self._lock:
                    (folder / name).write_bytes(pdf)
                for message, page in zip(ok, pages, strict=False):
                    results[message.message_id] = f"{name}#{page}"
            except OSError as exc:
                for message in ok:
                    results[message.message_id] = TransportError(f"cannot write the letter batch: {exc}",
                                                                 permanent=False, code="io")
        outcome = [results.get(m.message_id) or TransportError("letter not rendered", permanent=False)
                   for m in messages]
        if on_result is not None:
            for index, result in enumerate(outcome):
                on_result(index, result)
        return outcome
