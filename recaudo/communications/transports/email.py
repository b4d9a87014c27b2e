"""Email over SMTP: Django's EmailMultiAlternatives on one connection per batch; statement PDF attached on request.

Settings (Django settings or environment): RECAUDO_SMTP_HOST, RECAUDO_SMTP_PORT (587), RECAUDO_SMTP_USER,
RECAUDO_SMTP_PASSWORD, RECAUDO_SMTP_TLS (STARTTLS, default on), RECAUDO_SMTP_SSL (implicit TLS, off),
RECAUDO_SMTP_TIMEOUT (30 s), RECAUDO_EMAIL_FROM (the From address), RECAUDO_EMAIL_REPLY_TO.
The provider id is the Message-ID header; bounce webhooks name it.
"""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import make_msgid

from ..conf import setting, setting_bool, setting_int
from .base import OnResult, Outgoing, Transport, TransportError

# SMTP reply codes that mean the address (or the message) will never be accepted
PERMANENT_CODES = {550, 551, 552, 553, 554, 501}


class EmailTransport(Transport):
    name = "smtp"

    def connection(self) -> EmailBackend:
        o = self.options
        return EmailBackend(
            host=o.get("host") or setting("RECAUDO_SMTP_HOST", "localhost"),
            port=int(o.get("port") or setting_int("RECAUDO_SMTP_PORT", 587)),
            username=o.get("user") or setting("RECAUDO_SMTP_USER", ""),
            password=o.get("password") or setting("RECAUDO_SMTP_PASSWORD", ""),
            use_tls=o.get("tls", setting_bool("RECAUDO_SMTP_TLS", True)),
            use_ssl=o.get("ssl", setting_bool("RECAUDO_SMTP_SSL", False)),
            timeout=float(o.get("timeout") or setting_int("RECAUDO_SMTP_TIMEOUT", 30)),
            fail_silently=False,
        )

    def build(self, message: Outgoing) -> tuple[EmailMultiAlternatives, str]:
        sender = self.options.get("from_email") or setting("RECAUDO_EMAIL_FROM", "cobranza@localhost")
        domain = sender.rsplit("@", 1)[-1] if "@" in sender else "localhost"
        message_id = make_msgid(idstring=f"recaudo.{message.message_id}", domain=domain)
        reply_to = setting("RECAUDO_EMAIL_REPLY_TO")
        email = EmailMultiAlternatives(
            subject=message.subject, body=message.text, from_email=sender, to=[message.to],
            reply_to=[reply_to] if reply_to else None,
            headers={"Message-ID": message_id, "X-Recaudo-Message": str(message.message_id)},
        )
        if message.html:
            email.attach_alternative(message.body, "text/html")
        for attachment in message.attachments:
            email.attach(attachment.filename, attachment.content, attachment.mimetype)
        return email, message_id

    def send(self, message: Outgoing) -> str:
        result = self.send_many([message])[0]
        if isinstance(result, TransportError):
            raise result
        return result

    def send_many(self, messages: list[Outgoing], on_result: OnResult | None = None) -> list[str | TransportError]:
        results: list[str | TransportError] = []

        def add(result: str | TransportError, count: int = 1) -> None:
            for _ in range(count):
                results.append(result)
                if on_result is not None:
                    on_result(len(results) - 1, result)

        connection = self.connection()
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as exc:
            add(TransportError(f"SMTP connection failed: {exc}", permanent=False, code="connect"), len(messages))
            return results
        try:
            for index, message in enumerate(messages):
                try:
                    email, message_id = self.build(message)
                    payload = email.message().as_bytes(linesep="\r\n")
                    connection.connection.sendmail(email.from_email, email.recipients(), payload)
                    add(message_id)
                except smtplib.SMTPRecipientsRefused as exc:
                    code, text = next(iter(exc.recipients.values()))
                    add(TransportError(f"recipient refused: {code} {text!r}", permanent=code in PERMANENT_CODES,
                                       code=str(code)))
                except smtplib.SMTPResponseException as exc:
                    add(TransportError(f"SMTP {exc.smtp_code} {exc.smtp_error!r}",
                                       permanent=exc.smtp_code in PERMANENT_CODES, code=str(exc.smtp_code)))
                except (smtplib.SMTPException, OSError) as exc:
                    # the connection is gone: this and the rest are retried later
                    add(TransportError(f"SMTP error: {exc}", permanent=False, code="smtp"), len(messages) - index)
                    return results
        finally:
            try:
                connection.close()
            except Exception:  # noqa: S110 (closing a broken connection must not hide the results)
                pass
        if len(results) < len(messages):
            add(TransportError("SMTP server disconnected", permanent=False, code="smtp"), len(messages) - len(results))
        return results
