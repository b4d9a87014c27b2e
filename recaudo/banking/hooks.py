"""The payment gateways' notifications: POST /hooks/gateways/<provider>/<portfolio slug>/.

No session and no CSRF token (the provider is the caller); the body is bounded; the adapter verifies the provider's
signature. 200 once the notification is recorded (or was already), 401 on a bad signature (nothing changed but the
audit of the refusal), 400 on a body that is not the provider's shape, 404 for an unknown provider or portfolio or
one without an active account, 413 on a body too large, 503 when the provider's status query fails (the provider
retries: nothing was recorded)."""

from __future__ import annotations

import logging

from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from recaudo.core.errors import DomainError
from recaudo.portfolio.models import Portfolio

from .gateways import REGISTRY
from .gateways.base import GatewayError, Incoming, SignatureInvalid
from .services_gateways import GatewayProblem, gateway_notification_receive

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024


@csrf_exempt
@require_POST
def gateway_notification(request, provider, slug):
    if provider not in REGISTRY:
        raise Http404("unknown provider")
    portfolio = Portfolio.objects.filter(slug=slug).first()
    if portfolio is None:
        raise Http404("unknown portfolio")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return HttpResponse("body too large", status=413)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return HttpResponse("body too large", status=413)
    incoming = Incoming(method=request.method, headers={k.lower(): v for k, v in request.headers.items()},
                        query={k: request.GET.get(k, "") for k in request.GET}, body=body)
    try:
        received = gateway_notification_receive(portfolio=portfolio, provider=provider, incoming=incoming,
                                                remote_addr=request.META.get("REMOTE_ADDR", ""))
    except SignatureInvalid:
        return HttpResponse("bad signature", status=401)
    except GatewayProblem:
        raise Http404("no active account")
    except GatewayError as exc:
        log.warning("payment gateway %s: status query failed for %s: %s", provider, slug, exc)
        return HttpResponse("provider unavailable, retry", status=503)
    except DomainError as exc:
        return HttpResponse(str(exc)[:200], status=400)
    return JsonResponse({"outcome": received.outcome})
