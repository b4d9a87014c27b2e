"""What every ERP connector adapter is (Alegra, Siigo Nube), like the payment gateways' adapters: one module per ERP,
registered in `adapters.REGISTRY`, configured per portfolio (`ErpConnector`). Adapters are pure of the database: they
speak the ERP's HTTP API through `Session` (auth, pacing under the documented rate limit, backoff on 429 and 5xx)
and turn its records into the neutral `Customer`, `Invoice` and `ErpPayment` the connector's rules turn into import
rows. Writing them is the import engine's work (recaudo.imports), never the adapter's.

Errors: `ErpPermanent` (wrong credentials, a refused request, an answer that is not the documented shape: retrying
does not help, an administrator must act) and `ErpRetryable` (the network, 429 or 5xx after the retries: the next
scheduled run tries again). Both are DomainErrors with a message fit for the connector's page."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from recaudo.core.errors import DomainError


class ErpError(DomainError):
    """An ERP call that failed; `retryable` says whether the next run may succeed without anyone acting."""

    retryable = False


class ErpPermanent(ErpError):
    """Credentials refused, a request the ERP rejects, an answer not in the documented shape, a missing setting."""


class ErpRetryable(ErpError):
    """The network, or the ERP busy (429, 5xx) after the retries: the next run tries again."""

    retryable = True


@dataclass(frozen=True)
class ConfigField:
    key: str
    label: str            # shown on the connector's page (lazy translation)
    secret: bool = False  # sealed at rest (core/sealed.py), never shown back once saved
    required: bool = True
    help: str = ""


@dataclass
class Customer:
    external_id: str
    code: str             # the debtor's code in Recaudo: the ID number when the ERP has one, else kind-id
    name: str
    id_type: str = ""
    id_number: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    city: str = ""


@dataclass
class Invoice:
    external_id: str
    number: str           # the obligation's number in Recaudo (the ERP's full number: FV-2-22, FE-101)
    customer_id: str      # the ERP's id of its customer (Customer.external_id)
    issue_date: object    # as the ERP gave it (text); the import engine validates it
    due_date: object
    total: object         # the invoice's total: the obligation's amount (payments come as payments)
    balance: object       # what the ERP says is still owed (compared after the import, never written)
    currency: str = ""
    push_ref: dict = field(default_factory=dict)  # what a payment pushed back needs to name the invoice


@dataclass
class ErpPayment:
    external_id: str      # the ERP's id of the payment (receipt); with the invoice, the idempotency key
    invoice_id: str       # Invoice.external_id it pays ("" when the ERP names the invoice by its number only)
    invoice_number: str   # Invoice.number it pays ("" when the ERP names it by id only)
    date: object
    amount: object
    method: str = ""


@dataclass
class Pulled:
    customers: list[Customer] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[ErpPayment] = field(default_factory=list)
    requests: int = 0


@dataclass(frozen=True)
class PushRequest:
    """A Recaudo payment's part on one invoice, to record in the ERP."""
    date: str             # ISO date
    amount: str           # decimal text in currency units ("150000.00")
    invoice_ref: dict     # Invoice.push_ref saved at the last pull
    customer_code: str
    reference: str        # the receipt's number or the payment's id, to find it in the ERP


# Tests replace these (no real sleeping); the worker uses the real clock.
SLEEP = time.sleep
MONOTONIC = time.monotonic
MAX_RETRIES = 4           # attempts after the first on 429 / 5xx / network errors
MAX_WAIT = 60.0           # seconds: the longest single wait (a Retry-After beyond it is cut to it)
MAX_BODY = 10 * 1024 * 1024  # bytes read of one answer
MAX_PAGES = 20_000       # pages of one list in one run (a list that never ends is an ERP bug, not ours to follow)


def backoff_seconds(attempt: int, retry_after: str | None) -> float:
    """How long to wait before retry `attempt` (1, 2...): the server's Retry-After seconds when it sends them,
    else 1, 2, 4, 8... seconds; never more than MAX_WAIT. Worked example: attempt 3 with no header -> 4.0."""
    if retry_after:
        try:
            return max(0.0, min(float(retry_after.strip()), MAX_WAIT))
        except ValueError:
            pass
    return min(float(2 ** (attempt - 1)), MAX_WAIT)


class Session:
    """HTTP calls to one ERP account: JSON in and out, the auth header of `auth()`, at most one call every
    `min_interval` seconds (the documented rate limit), retries with backoff on 429, 502, 503, 504 and network
    errors, and a message naming the ERP and what to do for the others."""

    def __init__(self, *, label: str, base_url: str, min_interval: float, timeout: float = 30.0):
        if not base_url.startswith(("https://", "http://")):
            raise ErpPermanent(_("%(erp)s: the API address must start with https://") % {"erp": label})
        self.label = label
        self.base_url = base_url.rstrip("/")
        self.min_interval = min_interval
        self.timeout = timeout
        self.requests = 0
        self.retries = MAX_RETRIES  # 0 for a connection test: it answers at once
        self._last = None

    def auth(self) -> dict[str, str]:
        return {}

    def on_unauthorized(self) -> bool:
        """A 401: True when the session renewed its credentials and the call may be repeated once."""
        return False

    def _pace(self) -> None:
        if self._last is not None:
            wait = self.min_interval - (MONOTONIC() - self._last)
            if wait > 0:
                SLEEP(wait)
        self._last = MONOTONIC()

    def call(self, method: str, path: str, *, query: dict | None = None, payload=None, auth: bool = True):
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v not in (None, "")})
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            self._pace()
            self.requests += 1
            headers = {"Accept": "application/json", **(self.auth() if auth else {})}
            data = None
            if payload is not None:
                data = json.dumps(payload).encode()
                headers["Content-Type"] = "application/json"
            request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (http(s) only)
                    body = response.read(MAX_BODY)
                break
            except urllib.error.HTTPError as exc:
                status = exc.code
                detail = _detail(exc)
                if status == 401 and auth and not renewed and self.on_unauthorized():
                    renewed = True
                    continue
                if status in (401, 403):
                    raise ErpPermanent(_("%(erp)s: the credentials were refused (HTTP %(status)s%(detail)s); check "
                                         "the user and the key on the connector's page") % {
                        "erp": self.label, "status": status, "detail": detail}) from None
                if status in (429, 502, 503, 504):
                    if attempt > self.retries:
                        raise ErpRetryable(_("%(erp)s: still busy after %(retries)s retries (HTTP %(status)s); the "
                                             "next run tries again") % {
                            "erp": self.label, "retries": self.retries, "status": status}) from None
                    SLEEP(backoff_seconds(attempt, exc.headers.get("Retry-After") if exc.headers else None))
                    continue
                if status >= 500:
                    raise ErpRetryable(_("%(erp)s: server error HTTP %(status)s%(detail)s") % {
                        "erp": self.label, "status": status, "detail": detail}) from None
                raise ErpPermanent(_("%(erp)s: %(method)s %(path)s refused with HTTP %(status)s%(detail)s") % {
                    "erp": self.label, "method": method, "path": path, "status": status, "detail": detail}) from None
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                if attempt > self.retries:
                    raise ErpRetryable(_("%(erp)s: cannot be reached (%(reason)s)") % {
                        "erp": self.label, "reason": exc}) from None
                SLEEP(backoff_seconds(attempt, None))
        try:
            return json.loads(body.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError):
            raise ErpPermanent(_("%(erp)s: %(path)s answered something that is not JSON") % {
                "erp": self.label, "path": path}) from None


def _detail(exc: urllib.error.HTTPError) -> str:
    """A short reason from an error answer's JSON (message / Errors[].Message), for the message."""
    try:
        data = json.loads(exc.read(64 * 1024).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, OSError):
        return ""
    text = ""
    if isinstance(data, dict):
        if isinstance(data.get("message"), str):
            text = data["message"]
        elif isinstance(data.get("Errors"), list) and data["Errors"] and isinstance(data["Errors"][0], dict):
            text = str(data["Errors"][0].get("Message") or "")
        elif isinstance(data.get("error"), str):
            text = data["error"]
    return f": {text[:200]}" if text else ""


def basic_auth(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")


def text_of(value) -> str:
    return "" if value is None else str(value).strip()


def amount_text(value) -> str:
    """An amount as the ERP gave it (a JSON number or a string such as "19928.00") as text for the import engine
    (decimal point); a float is written as its shortest form (119000.5), never in exponent form."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float):
        return format(value, ".15g") if abs(value) < 1e15 else format(value, "f")
    return str(value).strip()


def expect_list(value, where: str, label: str) -> list:
    if not isinstance(value, list):
        raise ErpPermanent(_("%(erp)s: %(where)s is not a list as the API documents it") % {
            "erp": label, "where": where})
    return value


def dict_of(value) -> dict:
    return value if isinstance(value, dict) else {}


def iso_day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


class Adapter:
    name = ""
    label = ""
    default_base_url = ""
    config_fields: tuple[ConfigField, ...] = ()
    can_push = False

    def session(self, config: dict) -> Session:
        raise NotImplementedError

    def check(self, session: Session) -> str:
        """One cheap authenticated call; what it found, for the page (ErpError when it fails)."""
        raise NotImplementedError

    def pull(self, session: Session, *, since: datetime | None) -> Pulled:
        raise NotImplementedError

    def push_payment(self, session: Session, config: dict, push: PushRequest) -> str:
        """Record the payment in the ERP; the ERP's id of what was created."""
        raise ErpPermanent(_("%(erp)s: recording payments is not supported") % {"erp": self.label})

    def required(self, config: dict, key: str) -> str:
        value = text_of(config.get(key))
        if not value:
            raise ErpPermanent(_("%(erp)s: the setting %(key)s is missing") % {"erp": self.label, "key": key},
                               field=key)
        return value
