"""The creditor's own host name for the debtor portal (issue 16 §1): a portfolio may set `portal_host`
(pagos.edificio.com); a request to that host reaches that portfolio's portal at "/" without the slug.

On such a host the path is read as the portal's: "/" is /portal/<slug>/ (the entry page), "/codigo/" is
/portal/<slug>/codigo/ and so on; the portal's own addresses (/portal/...), a payment link's pay page (/pagar/...),
a certificate's verification page (/verificar/...), the language switch and webhooks are left as they are. Nothing
else of the office is reachable there (every other path is a portal path that does not exist: 404). The host must
also be in ALLOWED_HOSTS (Django refuses any other Host before this runs): settings.py reads it from the environment.
"""

from __future__ import annotations

from django.http.request import split_domain_port

from recaudo.portfolio.selectors import portal_host_slugs

KEPT_PREFIXES = ("/portal/", "/pagar/", "/verificar/", "/i18n/", "/hooks/", "/static/")


class PortalHostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        hosts = portal_host_slugs()
        if hosts:
            domain, _port = split_domain_port(request.get_host())
            slug = hosts.get(domain)
            if slug is not None and not request.path_info.startswith(KEPT_PREFIXES):
                request.path_info = f"/portal/{slug}{request.path_info}"
                request.portal_host = domain
        return self.get_response(request)
