"""PayU Latam: the confirmation page's POST is verified with PayU's `sign` recipe, the transaction is confirmed
through PayU's reports API, and a payment link is PayU's WebCheckout, a signed form POSTed from our own pay page.

Sources (developers.payulatam.com, checked December 2026):
- Confirmation page: a form-encoded POST with merchant_id, reference_sale, value, currency, state_pol, sign,
  transaction_id, reference_pol, response_code_pol... `sign` = MD5 (or the algorithm chosen in the payment form's
  algorithmSignature: SHA = SHA-1, SHA256) of `ApiKey~merchant_id~reference_sale~new_value~currency~state_pol`,
  where new_value is `value` as received with ONE decimal when its second decimal is 0 (150.00 -> "150.0",
  150.10 -> "150.1") and two otherwise (150.26 -> "150.26"). Checked vector: MD5("4Vj8eK4rloUd272L48hsrarnUA~
  508029~TestPayU05~150.26~USD~4") = 1d95778a651e11a0ab93c2169a519cd6 (the docs' one-decimal example does not
  reproduce and is not used). state_pol: 4 approved, 5 expired, 6 declined (7 pending and 104 error appear in
  the response page's table). A retried payment keeps reference_sale with a new transaction_id.
- Reports API: POST https://api.payulatam.com/reports-api/4.0/service.cgi (sandbox: sandbox.api.payulatam.com),
  {"language", "command": "ORDER_DETAIL_BY_REFERENCE_CODE", "merchant": {"apiLogin", "apiKey"}, "details":
  {"referenceCode"}, "test"} answers {"code": "SUCCESS", "result": {"payload": [orders]}}; an order has
  "status" (NEW, IN_PROGRESS, AUTHORIZED, CAPTURED, CANCELLED, DECLINED, REFUNDED) and "transactions", each
  with "id", "type" (AUTHORIZATION_AND_CAPTURE, REFUND, VOID...) and "transactionResponse": {"state":
  APPROVED, DECLINED, ERROR, EXPIRED, PENDING, SUBMITTED}.
- WebCheckout ("payment form"): the form is sent with HTTP POST to
  https://checkout.payulatam.com/ppp-web-gateway-payu/ (sandbox: sandbox.checkout.payulatam.com); signature =
  MD5 of `ApiKey~merchantId~referenceCode~amount~currency` (published: "4Vj8eK4rloUd272L48hsrarnUA~508029~
  TestPayU~20000~COP" -> 7ee7cf808ce6a39b17481c54f2c57acc). PayU documents POST only, so a link cannot carry the
  form as a query string: the link points at OUR pay page, which renders `checkout_form(config, request)`.

What the signature does NOT cover: transaction_id. A captured genuine confirmation replayed with another
transaction_id would not be caught by the dedupe on (provider, transaction id); so every notification comes back
with needs_status_query=True and query_status finds that very transaction under that reference at PayU."""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .base import (
    APPROVED,
    DECLINED,
    EXPIRED,
    PENDING,
    REFUNDED,
    VOIDED,
    Adapter,
    ConfigField,
    GatewayError,
    Incoming,
    LinkCreated,
    LinkRequest,
    Notification,
    SignatureInvalid,
    constant_time_equal,
    form_fields,
    http_json,
    pay_page_link,
    required,
    signed_number,
    status_in,
    truthy,
)

CHECKOUT_URL = "https://checkout.payulatam.com/ppp-web-gateway-payu/"
SANDBOX_CHECKOUT_URL = "https://sandbox.checkout.payulatam.com/ppp-web-gateway-payu/"
REPORTS_URL = "https://api.payulatam.com/reports-api/4.0/service.cgi"
SANDBOX_REPORTS_URL = "https://sandbox.api.payulatam.com/reports-api/4.0/service.cgi"

# state_pol of the confirmation -> our status (source: the module docstring).
STATE_POL = {
    "4": APPROVED,
    "5": EXPIRED,
    "6": DECLINED,
    "7": PENDING,
    "104": DECLINED,  # error
}

# transactionResponse.state of the reports API -> our status.
TRANSACTION_STATE = {
    "APPROVED": APPROVED,
    "DECLINED": DECLINED,
    "ERROR": DECLINED,
    "EXPIRED": EXPIRED,
    "PENDING": PENDING,
    "SUBMITTED": PENDING,
}

ALGORITHMS = {"md5": "md5", "sha": "sha1", "sha1": "sha1", "sha256": "sha256"}
REQUIRED = ("merchant_id", "reference_sale", "value", "currency", "state_pol", "sign", "transaction_id")


def _digest(algorithm: str, text: str) -> str:
    name = ALGORITHMS.get(str(algorithm or "md5").strip().lower().replace("-", ""))
    if name is None:
        raise GatewayError(f"PayU: unknown signature algorithm {algorithm!r} (MD5, SHA or SHA256)")
    return hashlib.new(name, text.encode("utf-8")).hexdigest()


def new_value(value: str) -> str:
    """PayU's new_value: the received value with two decimals (half-even), then one when the second is 0."""
    number = signed_number("value", value)
    text = f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):f}"
    return text[:-1] if text.endswith("0") else text


def confirmation_sign(api_key: str, merchant_id: str, reference: str, value: str, currency: str, state_pol: str,
                      algorithm: str = "md5") -> str:
    text = "~".join([api_key, merchant_id, reference, new_value(value), currency, state_pol])
    return _digest(algorithm, text)


def form_amount(amount: Decimal) -> str:
    """The payment form's amount: whole numbers without decimals (20000), else two (150.26)."""
    amount = Decimal(amount)
    if amount == amount.to_integral_value():
        return f"{amount.to_integral_value():f}"
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):f}"


def form_signature(api_key: str, merchant_id: str, reference: str, amount: str, currency: str,
                   algorithm: str = "md5") -> str:
    return _digest(algorithm, "~".join([api_key, merchant_id, reference, amount, currency]))


def _required(config: dict, key: str) -> str:
    return required(config, key, "PayU")


def checkout_form(config: dict, request: LinkRequest) -> tuple[str, dict[str, str]]:
    """PayU WebCheckout for a link: (the address to POST to, the form's fields, signed). Our pay page renders
    them as hidden inputs and a "Pay with PayU" button (POST; PayU documents no GET)."""
    api_key = _required(config, "api_key")
    merchant_id = _required(config, "merchant_id")
    algorithm = str(config.get("signature_algorithm") or "MD5").strip().upper()
    amount = form_amount(request.amount)
    currency = request.currency.upper()
    fields = {
        "merchantId": merchant_id,
        "accountId": _required(config, "account_id"),
        "description": request.description[:255],
        "referenceCode": request.reference,
        "amount": amount,
        "tax": "0",
        "taxReturnBase": "0",
        "currency": currency,
        "algorithmSignature": algorithm,
        "signature": form_signature(api_key, merchant_id, request.reference, amount, currency, algorithm),
        "test": "1" if truthy(config.get("test")) else "0",
    }
    if request.payer_email:
        fields["buyerEmail"] = request.payer_email
    if request.redirect_url:
        fields["responseUrl"] = request.redirect_url
    if request.notification_url:
        fields["confirmationUrl"] = request.notification_url
    default = SANDBOX_CHECKOUT_URL if truthy(config.get("test")) else CHECKOUT_URL
    return str(config.get("checkout_url") or default), fields


class PayU(Adapter):
    name = "payu"
    label = _("PayU Latam")
    needs_pay_page = True
    config_fields = (
        ConfigField("merchant_id", _("PayU merchant ID (merchantId)")),
        ConfigField("account_id", _("PayU account ID (accountId)")),
        ConfigField("api_login", _("PayU API login")),
        ConfigField("api_key", _("PayU API key (signs forms and confirmations)"), secret=True),
        ConfigField("signature_algorithm", _("Signature algorithm (MD5, SHA or SHA256)"), required=False),
        ConfigField("test", _("Test mode (true or false)"), required=False),
        ConfigField("checkout_url", _("Address of the web checkout"), required=False),
        ConfigField("reports_url", _("Address of the reports API"), required=False),
    )

    # --- notifications -------------------------------------------------------------------------------------------

    def verify(self, config: dict, incoming: Incoming) -> Notification:
        fields = form_fields(incoming)
        missing = [name for name in REQUIRED if not str(fields.get(name, "")).strip()]
        if missing:
            raise SignatureInvalid(f"PayU confirmation without {', '.join(missing)}")
        merchant_id = _required(config, "merchant_id")
        received = {name: fields[name].strip() for name in REQUIRED}
        expected = confirmation_sign(_required(config, "api_key"), received["merchant_id"],
                                     received["reference_sale"], received["value"], received["currency"],
                                     received["state_pol"], str(config.get("signature_algorithm") or "md5"))
        if not constant_time_equal(expected, received["sign"].lower()):
            raise SignatureInvalid("PayU sign does not verify")
        if received["merchant_id"] != merchant_id:
            raise SignatureInvalid(f"PayU confirmation for another merchant ({received['merchant_id']})")
        state = received["state_pol"]
        return Notification(
            provider=self.name,
            transaction_id=received["transaction_id"],
            reference=received["reference_sale"],
            amount=Decimal(received["value"]),
            currency=received["currency"].upper(),
            status=status_in(STATE_POL, state),  # an unknown state: pending, nothing applied until known
            event_id=f"{received['transaction_id']}:{state}",
            needs_status_query=True,  # transaction_id is not signed: find it at PayU
            raw=fields,
        )

    def query_status(self, config: dict, notification: Notification) -> str | None:
        """The transaction as PayU's reports API knows it under the notification's reference. Not found (yet) or
        PayU unreachable: GatewayError (nothing applied, PayU retries). Found with another amount or currency:
        SignatureInvalid. A refund or void approved on the same order turns an approved payment into
        refunded/voided."""
        test = truthy(config.get("test"))
        url = str(config.get("reports_url") or (SANDBOX_REPORTS_URL if test else REPORTS_URL))
        payload = {
            "test": test,
            "language": "es",
            "command": "ORDER_DETAIL_BY_REFERENCE_CODE",
            "merchant": {"apiLogin": _required(config, "api_login"), "apiKey": _required(config, "api_key")},
            "details": {"referenceCode": notification.reference},
        }
        answer = http_json("POST", url, payload=payload)
        if answer.get("code") != "SUCCESS":
            raise GatewayError(f"PayU reports API: {answer.get('error') or answer.get('code') or 'no answer'}")
        orders = (answer.get("result") or {}).get("payload") or []
        if isinstance(orders, dict):
            orders = [orders]
        for order in orders:
            if not isinstance(order, dict):
                continue
            transactions = [t for t in order.get("transactions") or [] if isinstance(t, dict)]
            found = next((t for t in transactions if str(t.get("id", "")) == notification.transaction_id), None)
            if found is None:
                continue
            if str(order.get("referenceCode", notification.reference)) != notification.reference:
                raise SignatureInvalid(f"PayU has {notification.transaction_id} under another reference")
            _check_value(order, notification)
            state = str((found.get("transactionResponse") or {}).get("state", "")).upper()
            status = TRANSACTION_STATE.get(state, PENDING)
            if status == APPROVED:
                for other in transactions:
                    approved = str((other.get("transactionResponse") or {}).get("state", "")).upper() == "APPROVED"
                    if approved and other.get("type") == "REFUND":
                        return REFUNDED
                    if approved and other.get("type") == "VOID":
                        return VOIDED
                if order.get("status") == "REFUNDED":
                    return REFUNDED
                if order.get("status") == "CANCELLED":
                    return VOIDED
            return status
        raise GatewayError(f"PayU does not (yet) know the transaction {notification.transaction_id} "
                           f"under the reference {notification.reference}")

    # --- links ---------------------------------------------------------------------------------------------------

    def create_link(self, config: dict, request: LinkRequest) -> LinkCreated:
        """PayU's WebCheckout is a POSTed form, so the link points at OUR pay page, config["pay_page_url"], a
        template with {reference} that the banking service supplies (not an administrator's setting); that page
        renders checkout_form(config, request). The form is built here too, so a missing setting fails now."""
        checkout_form(config, request)
        return LinkCreated(url=pay_page_link(config, request.reference, "PayU"))


def _check_value(order: dict, notification: Notification) -> None:
    tx_value = ((order.get("additionalValues") or {}).get("TX_VALUE") or {})
    if not tx_value:
        return
    try:
        same_amount = Decimal(str(tx_value.get("value"))) == notification.amount
    except (InvalidOperation, ValueError):
        same_amount = False
    same_currency = str(tx_value.get("currency", notification.currency)).upper() == notification.currency
    if not (same_amount and same_currency):
        raise SignatureInvalid(f"PayU's order for {notification.reference} is for {tx_value.get('value')} "
                               f"{tx_value.get('currency')}, not {notification.amount} {notification.currency}")
