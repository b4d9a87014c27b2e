"""Provider webhooks: delivery statuses and inbound replies. Every request's signature is verified (403 if not).

/hooks/twilio/status    Twilio status callback (form; X-Twilio-Signature: HMAC-SHA1 of URL + sorted params)
/hooks/twilio/inbound   Twilio inbound SMS (same signature): STOP-like replies revoke the SMS consent, SALDO/PAGAR/
                        ACUERDO/AYUDA are answered, anything else goes to the agents' inbox (services_inbound)
/hooks/whatsapp         WhatsApp Cloud: GET verify-token handshake; POST statuses and inbound messages
                        (X-Hub-Signature-256: HMAC-SHA256 of the body with the app secret)
/hooks/email/bounce     generic JSON bounce/complaint/delivery (X-Recaudo-Signature: sha256=HMAC of the body)
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .conf import public_url, setting
from .services import TWILIO_STATUS, message_status_update
from .services_inbound import inbound_receive
from .signatures import hmac_sha256_valid, twilio_valid
from .transports.sms_twilio import OPT_OUT_CODES as TWILIO_OPT_OUT
from .transports.sms_twilio import PERMANENT_CODES as TWILIO_PERMANENT
from .transports.whatsapp_cloud import OPT_OUT_CODES as WA_OPT_OUT
from .transports.whatsapp_cloud import PERMANENT_CODES as WA_PERMANENT

log = logging.getLogger(__name__)


def _callback_url(request) -> str:
    """The URL the provider signed: RECAUDO_PUBLIC_URL + path when set (behind a proxy), else the request's."""
    base = public_url()
    return base + request.get_full_path() if base else request.build_absolute_uri()


def _twilio_verified(request) -> bool:
    token = setting("RECAUDO_TWILIO_AUTH_TOKEN", "")
    params = {key: request.POST.getlist(key) for key in request.POST}
    return twilio_valid(token, _callback_url(request), params, request.headers.get("X-Twilio-Signature", ""))


class Malformed(ValueError):
    """A signed body that does not have the provider's shape: answered 400 before anything is applied."""


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _text(value, what: str, *, default: str = "", limit: int = 4096) -> str:
    """A string field: absent/null is `default`; numbers are accepted as text; anything else is malformed."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Malformed(f"{what}: expected text")
    value = str(value)
    if "\x00" in value or len(value) > limit:
        raise Malformed(f"{what}: NUL byte or longer than {limit} characters")
    return value


def _items(value, what: str) -> list[dict]:
    """A list of objects: absent/null is empty; anything else is malformed."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Malformed(f"{what}: expected a list of objects")
    return value


def _object(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Malformed(f"{what}: expected an object")
    return value


def _flag(value, what: str, *, default: bool) -> bool:
    """true/false, 1/0, "true"/"false", "yes"/"no" (a string "false" is false)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no"):
        return False
    raise Malformed(f"{what}: expected true or false")


def _json(body: bytes):
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
        raise Malformed("not JSON")


@csrf_exempt
@require_POST
def twilio_status(request):
    if not _twilio_verified(request):
        return HttpResponseForbidden("bad signature")

    try:
        sid = _text(request.POST.get("MessageSid") or request.POST.get("SmsSid"), "MessageSid", limit=200)
        reported = _text(request.POST.get("MessageStatus") or request.POST.get("SmsStatus"), "MessageStatus")
    except Malformed as exc:
        return HttpResponseBadRequest(str(exc))
    status = TWILIO_STATUS.get(reported)
    if sid and status:
        code = _int(request.POST.get("ErrorCode"))
        message_status_update(provider="twilio", provider_id=sid, status=status,
                              error=f"Twilio {code}" if code else "", permanent=code in TWILIO_PERMANENT,
                              opt_out=code in TWILIO_OPT_OUT)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound(request):
    if not _twilio_verified(request):
        return HttpResponseForbidden("bad signature")
    try:
        sender = _text(request.POST.get("From"), "From", limit=200)
        text = _text(request.POST.get("Body"), "Body", limit=10_000)
        sid = _text(request.POST.get("MessageSid") or request.POST.get("SmsSid"), "MessageSid", limit=200)
    except Malformed as exc:
        return HttpResponseBadRequest(str(exc))
    inbound_receive(channel="sms", sender=sender, text=text, provider="twilio", provider_id=sid)
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")


def _ts(value) -> datetime | None:
    number = _int(value)
    if not number:
        return None
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise Malformed(f"timestamp {str(value)[:20]!r} is out of range")


WA_STATUS = {"sent": "sent", "delivered": "delivered", "read": "delivered", "failed": "failed"}


def _whatsapp_events(payload) -> tuple[list[dict], list[dict]]:
    """Status updates and inbound messages of a Cloud API webhook, checked whole before any is applied."""
    statuses, messages = [], []
    for entry in _items(_object(payload, "body").get("entry"), "entry"):
        for change in _items(entry.get("changes"), "changes"):
            value = _object(change.get("value"), "value")
            for status in _items(value.get("statuses"), "statuses"):
                mapped = WA_STATUS.get(_text(status.get("status"), "status"))
                provider_id = _text(status.get("id"), "status id", limit=200)
                errors = _items(status.get("errors"), "errors") or [{}]
                code = _int(errors[0].get("code"))
                title = _text(errors[0].get("title"), "error title")
                at = _ts(status.get("timestamp"))
                if mapped and provider_id:
                    statuses.append({
                        "provider_id": provider_id, "status": mapped, "at": at,
                        "error": f"WhatsApp {code}: {title}" if code else "", "permanent": code in WA_PERMANENT,
                        "opt_out": code in WA_OPT_OUT})
            for message in _items(value.get("messages"), "messages"):
                text = (_text(_object(message.get("text"), "text").get("body"), "text body", limit=10_000)
                        or _text(_object(message.get("button"), "button").get("text"), "button text")
                        or _text(_object(_object(message.get("interactive"), "interactive").get("button_reply"),
                                         "button_reply").get("title"), "button_reply title"))
                messages.append({"sender": _text(message.get("from"), "from", limit=200), "text": text,
                                 "at": _ts(message.get("timestamp")),
                                 "provider_id": _text(message.get("id"), "message id", limit=200)})
    return statuses, messages


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp(request):
    if request.method == "GET":
        verify = setting("RECAUDO_WHATSAPP_VERIFY_TOKEN", "")
        if (request.GET.get("hub.mode") == "subscribe" and verify
                and request.GET.get("hub.verify_token") == verify):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden("bad verify token")
    secret = setting("RECAUDO_WHATSAPP_APP_SECRET", "")
    if not hmac_sha256_valid(secret, request.body, request.headers.get("X-Hub-Signature-256", "")):
        return HttpResponseForbidden("bad signature")
    try:
        statuses, messages = _whatsapp_events(_json(request.body))
    except Malformed as exc:
        return HttpResponseBadRequest(str(exc))
    for status in statuses:
        message_status_update(provider="whatsapp_cloud", **status)
    for message in messages:
        inbound_receive(channel="whatsapp", provider="whatsapp_cloud", **message)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def email_bounce(request):
    """{"provider_id": "<Message-ID>", "event": "bounce"|"complaint"|"delivered", "permanent": true, "reason": ""}

    `permanent` is true or false (also "true"/"false", 1/0); absent means a hard (permanent) bounce."""
    secret = setting("RECAUDO_EMAIL_WEBHOOK_SECRET", "")
    if not hmac_sha256_valid(secret, request.body, request.headers.get("X-Recaudo-Signature", "")):
        return HttpResponseForbidden("bad signature")
    try:
        payload = _json(request.body)
        if not isinstance(payload, dict):
            raise Malformed("expected a JSON object")
        provider_id = _text(payload.get("provider_id") or payload.get("message_id"), "provider_id", limit=200)
        event = _text(payload.get("event"), "event", default="bounce")
        reason = _text(payload.get("reason"), "reason", limit=100_000)[:500]
        permanent = _flag(payload.get("permanent"), "permanent", default=True)
    except Malformed as exc:
        return HttpResponseBadRequest(str(exc))
    if not provider_id:
        return HttpResponseBadRequest("provider_id is required")
    if event == "delivered":
        found = message_status_update(provider="", channel="email", provider_id=provider_id, status="delivered")
    elif event == "complaint":
        found = message_status_update(provider="", channel="email", provider_id=provider_id, status="bounced",
                                      error=f"complaint: {reason}", permanent=True, opt_out=True)
    elif event == "bounce":
        found = message_status_update(provider="", channel="email", provider_id=provider_id, status="bounced",
                                      error=f"bounce: {reason}", permanent=permanent)
    else:
        return HttpResponseBadRequest(f"unknown event {event!r}")
    return JsonResponse({"ok": True, "found": found is not None})
