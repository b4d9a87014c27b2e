"""Provider webhooks: delivery statuses and inbound replies. Every request's signature is verified (403 if not).

/hooks/twilio/status    Twilio status callback (form; X-Twilio-Signature: HMAC-SHA1 of URL + sorted params)
/hooks/twilio/inbound   Twilio inbound SMS (same signature); STOP-like replies revoke the SMS consent
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
from .services import inbound_reply, message_status_update
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


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@csrf_exempt
@require_POST
def twilio_status(request):
    if not _twilio_verified(request):
        return HttpResponseForbidden("bad signature")
    from .services import TWILIO_STATUS

    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid", "")
    status = TWILIO_STATUS.get(request.POST.get("MessageStatus") or request.POST.get("SmsStatus", ""))
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
    inbound_reply(channel="sms", sender=request.POST.get("From", ""), text=request.POST.get("Body", ""),
                  provider="twilio")
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")


def _ts(value) -> datetime | None:
    number = _int(value)
    return datetime.fromtimestamp(number, tz=UTC) if number else None


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
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("not JSON")
    for entry in payload.get("entry", []) if isinstance(payload, dict) else []:
        for change in entry.get("changes", []):
            value = change.get("value") or {}
            for status in value.get("statuses", []):
                mapped = {"sent": "sent", "delivered": "delivered", "read": "delivered",
                          "failed": "failed"}.get(status.get("status"))
                if not mapped or not status.get("id"):
                    continue
                errors = status.get("errors") or [{}]
                code = _int(errors[0].get("code"))
                message_status_update(provider="whatsapp_cloud", provider_id=status["id"], status=mapped,
                                      at=_ts(status.get("timestamp")),
                                      error=f"WhatsApp {code}: {errors[0].get('title', '')}" if code else "",
                                      permanent=code in WA_PERMANENT, opt_out=code in WA_OPT_OUT)
            for message in value.get("messages", []):
                text = ((message.get("text") or {}).get("body") or (message.get("button") or {}).get("text")
                        or ((message.get("interactive") or {}).get("button_reply") or {}).get("title") or "")
                inbound_reply(channel="whatsapp", sender=message.get("from", ""), text=text,
                              provider="whatsapp_cloud", at=_ts(message.get("timestamp")))
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def email_bounce(request):
    """{"provider_id": "<Message-ID>", "event": "bounce"|"complaint"|"delivered", "permanent": true, "reason": ""}"""
    secret = setting("RECAUDO_EMAIL_WEBHOOK_SECRET", "")
    if not hmac_sha256_valid(secret, request.body, request.headers.get("X-Recaudo-Signature", "")):
        return HttpResponseForbidden("bad signature")
    try:
        payload = json.loads(request.body)
        provider_id = str(payload.get("provider_id") or payload.get("message_id") or "")
        event = str(payload.get("event") or "bounce")
    except (ValueError, AttributeError):
        return HttpResponseBadRequest("expected a JSON object")
    if not provider_id:
        return HttpResponseBadRequest("provider_id is required")
    reason = str(payload.get("reason") or "")[:500]
    if event == "delivered":
        found = message_status_update(provider="", channel="email", provider_id=provider_id, status="delivered")
    elif event == "complaint":
        found = message_status_update(provider="", channel="email", provider_id=provider_id, status="bounced",
                                      error=f"complaint: {reason}", permanent=True, opt_out=True)
    elif event == "bounce":
        permanent = bool(payload.get("permanent", True))
        found = message_status_update(provider="", channel="email", provider_id=provider_id, status="bounced",
                                      error=f"bounce: {reason}", permanent=permanent)
    else:
        return HttpResponseBadRequest(f"unknown event {event!r}")
    return JsonResponse({"ok": True, "found": found is not None})
