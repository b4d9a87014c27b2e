"""ePayco (Colombia): the confirmation (server-to-server) is verified with ePayco's SHA-256 recipe, the transaction is
confirmed through ePayco's validation endpoint, and a payment link is an ePayco Smart Checkout session opened from
our own pay page.

Sources (checked December 2026):
- Confirmation signature, the official WooCommerce plugin (github.com/epayco/Plugin_ePayco_WooCommerce,
  src/Gateways/AbstractGateway.php `authSignature`) and docs.epayco.com "respuesta y confirmación":
  x_signature = SHA-256 hex of `p_cust_id_cliente^p_key^x_ref_payco^x_transaction_id^x_amount^x_currency_code`,
  with the values as RECEIVED (x_amount exactly as sent, "150000.00" and "150000" hash differently).
- State codes (x_cod_transaction_state, older x_cod_response): 1 Aceptada, 2 Rechazada, 3 Pendiente, 4 Fallida,
  6 Reversada, 7 Retenida, 8 Iniciada, 9 Expirada, 10 Abandonada, 11 Cancelada, 12 Antifraude. The same plugin
  treats 1 as paid, 2/4/10/11 as cancelled, 3/7 as on hold and 6 as refunded; STATE_MAP below follows it.
- Status query: GET https://secure.epayco.co/validation/v1/reference/<x_ref_payco> answers
  {"success": true, "data": {x_ref_payco, x_id_invoice, x_amount, x_currency_code, x_cod_transaction_state, ...}}
  (same plugin, `renderThankYouPage`). No credentials are needed.
- Smart Checkout session: POST {apify}/login with HTTP Basic (public key : private key) answers {"token"}; POST
  {apify}/payment/session/create with "Authorization: Bearer <token>" answers {"success", "data": {"sessionId"}}.
  The browser opens it with ePayco's checkout script (checkout-v2.js, `ePayco.checkout.configure({sessionId,
  type: "standard", test}).open()`). ePayco documents no plain URL a debtor can follow, and the classic form
  (POST to secure.payco.co/checkout.php) carries p_key, the confirmation secret, to the browser, so it is not used.

What the signature does NOT cover: x_cod_transaction_state and x_id_invoice (our reference). A captured genuine
confirmation could be replayed with another state or reference; so every notification comes back with
needs_status_query=True and query_status checks the provider's own record (reference, amount, currency) before
giving the status. Nothing is applied on the notification's word alone."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
from decimal import Decimal, InvalidOperation

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

VALIDATION_URL = "https://secure.epayco.co"
APIFY_URL = "https://apify.epayco.co"
# ePayco's checkout script, loaded by our pay page (its host is allowed in that page's script-src only).
CHECKOUT_SCRIPT_URL = "https://checkout.epayco.co/checkout-v2.js"

# x_cod_transaction_state -> our status (source: the module docstring).
STATE_MAP = {
    "1": APPROVED,    # Aceptada
    "2": DECLINED,    # Rechazada
    "3": PENDING,     # Pendiente
    "4": DECLINED,    # Fallida
    "6": REFUNDED,    # Reversada: the money went back to the payer
    "7": PENDING,     # Retenida: held for review, may still be approved
    "8": PENDING,     # Iniciada: started, not finished
    "9": EXPIRED,     # Expirada
    "10": DECLINED,   # Abandonada: the payer left without paying
    "11": VOIDED,     # Cancelada
    "12": DECLINED,   # Antifraude: refused by the anti-fraud check
}

SIGNED = ("x_ref_payco", "x_transaction_id", "x_amount", "x_currency_code")
REQUIRED = (*SIGNED, "x_signature", "x_id_invoice")


def signature(cust_id: str, p_key: str, fields: dict) -> str:
    """ePayco's x_signature for the received fields (see the module docstring)."""
    text = "^".join([cust_id, p_key, *(str(fields[name]) for name in SIGNED)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def state_code(fields: dict) -> str:
    """The state code as a string: x_cod_transaction_state, else the older x_cod_response."""
    for name in ("x_cod_transaction_state", "x_cod_response"):
        value = str(fields.get(name, "") or "").strip()
        if value:
            return value
    return ""


def status_for(code: str) -> str:
    """Our status for an ePayco state code; an unknown code is pending (nothing applied until it is known)."""
    return status_in(STATE_MAP, code)


def _required(config: dict, key: str) -> str:
    return required(config, key, "ePayco")


class EPayco(Adapter):
    name = "epayco"
    label = _("ePayco")
    needs_pay_page = True
    config_fields = (
        ConfigField("p_cust_id_cliente", _("ePayco customer ID (P_CUST_ID_CLIENTE)")),
        ConfigField("p_key", _("ePayco P_KEY (signs the confirmations)"), secret=True),
        ConfigField("public_key", _("ePayco public key (PUBLIC_KEY)")),
        ConfigField("private_key", _("ePayco private key (PRIVATE_KEY)"), secret=True),
        ConfigField("test", _("Test mode (true or false)"), required=False),
        ConfigField("validation_url", _("Address of the transaction validation service"), required=False),
        ConfigField("apify_url", _("Address of the checkout sessions API"), required=False),
    )

    # --- notifications -------------------------------------------------------------------------------------------

    def verify(self, config: dict, incoming: Incoming) -> Notification:
        fields = form_fields(incoming)
        missing = [name for name in REQUIRED if not str(fields.get(name, "")).strip()]
        code = state_code(fields)
        if not code:
            missing.append("x_cod_transaction_state")
        if missing:
            raise SignatureInvalid(f"ePayco confirmation without {', '.join(missing)}")
        cust_id = _required(config, "p_cust_id_cliente")
        expected = signature(cust_id, _required(config, "p_key"), fields)
        if not constant_time_equal(expected, fields["x_signature"].strip().lower()):
            raise SignatureInvalid("ePayco x_signature does not verify")
        received_cust = str(fields.get("x_cust_id_cliente", "")).strip()
        if received_cust and received_cust != cust_id:
            raise SignatureInvalid(f"ePayco confirmation for another customer ID ({received_cust})")
        return Notification(
            provider=self.name,
            transaction_id=fields["x_ref_payco"].strip(),
            reference=fields["x_id_invoice"].strip(),
            amount=signed_number("x_amount", fields["x_amount"]),
            currency=fields["x_currency_code"].strip().upper(),
            status=status_for(code),
            # one transaction is confirmed again when its state changes (pending -> approved -> reversed)
            event_id=f"{fields['x_ref_payco'].strip()}:{code}",
            needs_status_query=True,  # the state and our reference are not signed: ask ePayco
            raw=fields,
        )

    def query_status(self, config: dict, notification: Notification) -> str | None:
        """ePayco's own record of the transaction. It must name the same reference, amount and currency as the
        notification (SignatureInvalid otherwise); an unknown transaction or an unreachable ePayco is a
        GatewayError (nothing applied, the provider retries)."""
        base = str(config.get("validation_url") or VALIDATION_URL).rstrip("/")
        ref = urllib.parse.quote(notification.transaction_id, safe="")
        answer = http_json("GET", f"{base}/validation/v1/reference/{ref}")
        data = answer.get("data")
        if not answer.get("success") or not isinstance(data, dict) or not data:
            raise GatewayError(f"ePayco does not know the transaction {notification.transaction_id}: "
                               f"{answer.get('text_response') or answer.get('textResponse') or 'no data'}")
        disagree = []
        if str(data.get("x_ref_payco", notification.transaction_id)).strip() != notification.transaction_id:
            disagree.append("x_ref_payco")
        if str(data.get("x_id_invoice", "")).strip() != notification.reference:
            disagree.append("x_id_invoice")
        try:
            if Decimal(str(data.get("x_amount", ""))) != notification.amount:
                disagree.append("x_amount")
        except (InvalidOperation, ValueError):
            disagree.append("x_amount")
        if str(data.get("x_currency_code", "")).strip().upper() != notification.currency:
            disagree.append("x_currency_code")
        if disagree:
            raise SignatureInvalid(f"ePayco's record of {notification.transaction_id} disagrees with the "
                                   f"notification on {', '.join(disagree)}")
        code = state_code(data)
        if not code:
            raise GatewayError(f"ePayco's record of {notification.transaction_id} has no state")
        return status_for(code)

    # --- links ---------------------------------------------------------------------------------------------------

    def create_session(self, config: dict, request: LinkRequest) -> str:
        """An ePayco Smart Checkout session for the request; returns its sessionId."""
        base = str(config.get("apify_url") or APIFY_URL).rstrip("/")
        credentials = f"{_required(config, 'public_key')}:{_required(config, 'private_key')}"
        basic = base64.b64encode(credentials.encode("utf-8")).decode("ascii")
        login = http_json("POST", f"{base}/login", headers={"Authorization": f"Basic {basic}"})
        token = str(login.get("token") or "")
        if not token:
            raise GatewayError(f"ePayco login refused: {json.dumps(login)[:200]}")
        payload = {
            "checkout_version": "2",
            "name": request.description[:255],
            "description": request.description[:255],
            "invoice": request.reference,
            "currency": request.currency.upper(),
            "amount": f"{request.amount.quantize(Decimal('0.01'))}",
            "tax_base": "0",
            "tax": "0",
            "country": "CO",
            "lang": "ES",
            "test": "true" if truthy(config.get("test")) else "false",
            "method_confirmation": "POST",
            "confirmation": request.notification_url,
            "response": request.redirect_url,
        }
        if request.payer_email:
            payload["email_billing"] = request.payer_email
        answer = http_json("POST", f"{base}/payment/session/create", payload=payload,
                           headers={"Authorization": f"Bearer {token}"})
        session = (answer.get("data") or {}).get("sessionId") if isinstance(answer.get("data"), dict) else None
        if not answer.get("success") or not session:
            raise GatewayError(f"ePayco did not create the checkout session: "
                               f"{answer.get('textResponse') or answer.get('text_response') or 'no sessionId'}")
        return str(session)

    def create_link(self, config: dict, request: LinkRequest) -> LinkCreated:
        """ePayco has no link a debtor can follow by itself: the checkout opens from a page with ePayco's script.
        So: create the Smart Checkout session (provider_id = sessionId) and point the link at OUR pay page,
        config["pay_page_url"], a template with {reference} that the banking service supplies (not an
        administrator's setting); that page opens the session with ePayco's checkout script."""
        url = pay_page_link(config, request.reference, "ePayco")
        return LinkCreated(url=url, provider_id=self.create_session(config, request))
