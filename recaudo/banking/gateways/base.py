"""What every payment gateway adapter is (Wompi, Mercado Pago, ePayco, PayU), like the message channels' transports:
one module per provider, registered in `gateways.REGISTRY`, configured per portfolio. Adapters are pure of the
database: they read a portfolio's settings (`config`, a dict of the provider's keys), speak the provider's HTTP API
through `http_json` (the base URL is part of the config, so tests point it at a local server that speaks the
provider's shape) and turn a provider's notification into a `Notification`. Applying it (dedupe on provider +
transaction id, check against the link, payment or reversal) is the banking services' work, never the adapter's."""

from __future__ import annotations

import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from recaudo.core.errors import DomainError


class GatewayError(DomainError):
    """A provider that cannot be reached, answers with an error, or a configuration that is incomplete."""


class SignatureInvalid(GatewayError):
    """A notification whose signature does not verify: nothing is applied, the attempt is logged."""


class Ignored(GatewayError):
    """A verified notification about something other than a payment (another topic or event type): answered 200,
    nothing recorded."""


# What a provider's transaction became, in our words.
APPROVED = "approved"
DECLINED = "declined"
EXPIRED = "expired"
PENDING = "pending"
VOIDED = "voided"        # cancelled before settlement
REFUNDED = "refunded"
CHARGEBACK = "chargeback"
STATUSES = (APPROVED, DECLINED, EXPIRED, PENDING, VOIDED, REFUNDED, CHARGEBACK)
REVERSING = (REFUNDED, CHARGEBACK)


@dataclass(frozen=True)
class ConfigField:
    key: str
    label: str           # shown on the gateways page (lazy translation)
    secret: bool = False  # never shown back once saved
    required: bool = True


@dataclass(frozen=True)
class Incoming:
    """An HTTP request as the notification endpoint received it: header names lower-cased."""
    method: str
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes

    def json(self) -> dict:
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise SignatureInvalid("the body is not JSON") from exc
        if not isinstance(data, dict):
            raise SignatureInvalid("the body is not a JSON object")
        return data


@dataclass(frozen=True)
class Notification:
    """A verified notification: the provider's transaction and what became of it."""
    provider: str
    transaction_id: str
    reference: str                   # our link's reference as the provider carries it back
    amount: Decimal                  # in the currency's units (150000.00), as the provider sent it
    currency: str
    status: str                      # one of STATUSES
    event_id: str = ""
    needs_status_query: bool = False  # the notification carries only an id: ask the provider (query_status)
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LinkRequest:
    reference: str        # unique per portfolio and provider; comes back in the notification
    amount: Decimal       # in currency units; the provider gets its own form (cents for Wompi...)
    currency: str
    description: str
    expires_at: str       # ISO 8601 with offset
    payer_email: str = ""
    redirect_url: str = ""
    notification_url: str = ""


@dataclass(frozen=True)
class LinkCreated:
    url: str              # where the debtor pays
    provider_id: str = ""  # the provider's id of the link or preference, if it has one


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def http_json(method: str, url: str, *, payload: dict | None = None, headers: dict[str, str] | None = None,
              timeout: float = 10.0) -> dict:
    """One JSON call to a provider; a network failure or a non-2xx answer is a GatewayError naming the status."""
    if not url.startswith(("https://", "http://")):
        raise GatewayError(f"{url}: only http(s) addresses are called")
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url, data=data, method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(1024 * 1024)
    except urllib.error.HTTPError as exc:
        raise GatewayError(f"{url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise GatewayError(f"{url}: {exc}") from exc
    try:
        answer = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError) as exc:
        raise GatewayError(f"{url}: the answer is not JSON") from exc
    return answer if isinstance(answer, dict) else {"data": answer}


# --- settings and answers shared by the adapters --------------------------------------------------------------------

def required(config: dict, key: str, provider: str) -> str:
    """A setting the call cannot do without, stripped; GatewayError naming the provider and the key when empty."""
    value = str(config.get(key) or "").strip()
    if not value:
        raise GatewayError(f"{provider}: the setting {key} is missing")
    return value


YES_WORDS = ("1", "true", "yes", "si", "sí", "on")
NO_WORDS = ("0", "false", "no", "off")


def truthy(value) -> bool:
    """A yes/no setting as an administrator types it ("true", "1", "sí"...)."""
    return str(value or "").strip().lower() in YES_WORDS


def yes_or_no(value) -> bool:
    """Whether `value` is a yes/no word truthy() reads (or empty: no), so that a typo ("verdadero") is refused
    rather than read as no."""
    return str(value or "").strip().lower() in ("", *YES_WORDS, *NO_WORDS)


def status_in(table: dict[str, str], code) -> str:
    """Our status for a provider's state code by the provider's table; an unknown code is pending (nothing applied
    until the provider says what it is)."""
    return table.get(str(code).strip(), PENDING)


def signed_number(name: str, text) -> Decimal:
    """A notification's amount, a finite number; SignatureInvalid naming the field otherwise."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError) as exc:
        raise SignatureInvalid(f"{name} {text!r} is not a number") from exc
    if not value.is_finite():
        raise SignatureInvalid(f"{name} {text!r} is not a number")
    return value


def form_fields(incoming: Incoming) -> dict[str, str]:
    """A notification posted as a form (ePayco, PayU): its form-encoded body (a JSON object is read too), else the
    query string (a GET)."""
    if incoming.body:
        if "json" in incoming.headers.get("content-type", "") or incoming.body.lstrip()[:1] == b"{":
            return {str(k): "" if v is None else str(v) for k, v in incoming.json().items()}
        try:
            text = incoming.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SignatureInvalid("the body is not UTF-8") from exc
        parsed = urllib.parse.parse_qs(text, keep_blank_values=True)
        if parsed:
            return {k: v[-1] for k, v in parsed.items()}
    return {str(k): str(v) for k, v in incoming.query.items()}


def pay_page_link(config: dict, reference: str, provider: str) -> str:
    """Our pay page's address for a link (config["pay_page_url"], a template with {reference} that the banking
    service supplies, not an administrator's setting) for a provider that needs it (needs_pay_page)."""
    page = str(config.get("pay_page_url") or "")
    if "{reference}" not in page:
        raise GatewayError(f"{provider}: pay_page_url (our pay page, with {{reference}}) is missing")
    return page.format(reference=urllib.parse.quote(reference, safe=""))


def api_base(config: dict, default: str) -> str:
    """The provider's API address: the account's base_url (tests point it at a local server), else the default."""
    return (config.get("base_url") or default).rstrip("/")


def bearer(config: dict, key: str, missing: str) -> dict[str, str]:
    """The Authorization header with the account's token `key`; GatewayError(`missing`) when it is not set."""
    if not config.get(key):
        raise GatewayError(missing)
    return {"Authorization": f"Bearer {config[key]}"}


def signing_secret(config: dict, key: str, name: str) -> str:
    """The secret that signs the provider's notifications; SignatureInvalid when it is not configured (nothing can
    be verified, so nothing is applied)."""
    secret = config.get(key) or ""
    if not secret:
        raise SignatureInvalid(f"the {name} is not configured")
    return secret


class Adapter:
    """A provider. Subclasses set `name` (stored, stable), `label` and `config_fields`, and implement the three
    calls; a provider without a status query returns None from query_status."""

    name: str = ""
    label: str = ""
    config_fields: tuple[ConfigField, ...] = ()
    amount_places: int = 2   # decimals the provider's amounts carry
    # The provider gives no address a debtor can follow by itself (PayU: a POSTed form; ePayco: a checkout session
    # opened by its script): its links point at our public pay page, config["pay_page_url"], supplied by the
    # banking service from RECAUDO_PUBLIC_URL.
    needs_pay_page: bool = False

    def create_link(self, config: dict, request: LinkRequest) -> LinkCreated:
        raise NotImplementedError

    def verify(self, config: dict, incoming: Incoming) -> Notification:
        """Check the notification's signature with the provider's own recipe, in constant time; SignatureInvalid
        when it does not verify or a signed field is missing."""
        raise NotImplementedError

    def query_status(self, config: dict, notification: Notification) -> str | None:
        """Ask the provider what became of the transaction (one of STATUSES); None: the provider has no such call."""
        return None

    def confirm(self, config: dict, notification: Notification) -> Notification | None:
        """The notification as the provider's status query tells it (status, and amount, currency and reference
        where the notification lacked them); None: the provider has no status query. By default the status from
        query_status; a provider whose notification carries only an id (needs_status_query) overrides it."""
        status = self.query_status(config, notification)
        if status is None:
            return None
        return replace(notification, status=status)
