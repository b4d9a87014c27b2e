"""What every transport gets and returns: an Outgoing message in, a provider id out, or a TransportError."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field


class TransportError(Exception):
    """A send failed. `permanent`: retrying will not help (invalid address, opt-out, unknown template)."""

    def __init__(self, message: str, *, permanent: bool, code: str = ""):
        super().__init__(message)
        self.permanent = permanent
        self.code = str(code or "")


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


@dataclass
class Outgoing:
    message_id: int
    channel: str
    to: str
    subject: str
    body: str  # HTML when `html`, else text
    text: str
    html: bool = False
    language: str = "es"
    debtor_name: str = ""
    address_city: str = ""
    whatsapp_template: str = ""
    whatsapp_params: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)


OnResult = Callable[[int, "str | TransportError"], None]


class Transport:
    """One channel provider. Subclasses implement `send` (or `send_many` to share a connection)."""

    name = "base"

    def __init__(self, **options):
        self.options = options

    def send(self, message: Outgoing) -> str:
        raise NotImplementedError

    def send_many(self, messages: list[Outgoing], on_result: OnResult | None = None) -> list[str | TransportError]:
        """Provider id or TransportError per message, in order. Never raises for one message's failure.
        on_result(index, result), when given, is called right after each provider call returns, before the next
        one: the outbox records each message there, so a crash resends at most the one in flight."""
        results: list[str | TransportError] = []
        for message in messages:
            try:
                result = self.send(message)
            except TransportError as exc:
                result = exc
            results.append(result)
            if on_result is not None:
                on_result(len(results) - 1, result)
        return results


@dataclass
class HttpResponse:
    status: int
    body: bytes

    def json(self):
        try:
            return json.loads(self.body.decode() or "null")
        except (ValueError, UnicodeDecodeError):
            return None


def http_request(method: str, url: str, *, data: bytes | None = None, headers: dict | None = None,
                 timeout: float = 15.0) -> HttpResponse:
    """A plain HTTP call (urllib); network failures become a retryable TransportError."""
    if not url.startswith(("http://", "https://")):
        raise TransportError(f"not an http(s) URL: {url!r}", permanent=True, code="config")
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            return HttpResponse(response.status, response.read())
    except urllib.error.HTTPError as exc:
        return HttpResponse(exc.code, exc.read())
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise TransportError(f"network error: {exc}", permanent=False, code="network")


def http_status_error(response: HttpResponse, message: str, code: str = "") -> TransportError:
    """429 and 5xx are retryable; other 4xx are permanent unless the caller knows better."""
    retryable = response.status == 429 or response.status >= 500 or response.status in (401, 403, 408)
    return TransportError(f"HTTP {response.status}: {message}", permanent=not retryable,
                          code=code or str(response.status))
