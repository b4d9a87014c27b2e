"""The public pay page's view (no login: the link is what the debtor receives); see paypage.py."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from recaudo.core.csp import policy_allowing

from .paypage import CLOSED, OPEN, REDIRECT, pay_page


@require_GET
def pay_link(request, slug, reference):
    page = pay_page(slug, reference)
    if page is None:
        raise Http404("unknown payment link")
    if page.state == REDIRECT:
        return redirect(page.redirect_url)
    status = 200 if page.state == OPEN else 410 if page.state == CLOSED else 503
    response = render(request, "banking/pay_link.html", {"page": page}, status=status)
    if page.csp_extra:
        # the provider's host on this page only (the middleware leaves a header the view set)
        response.headers["Content-Security-Policy"] = policy_allowing(page.csp_extra)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
