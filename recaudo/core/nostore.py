"""Cache-Control: no-store on everything that may carry personal data, so no browser or proxy keeps a copy.

Why (issue 12): a signed-in page shows debtors' names, balances and contacts; an export or a statement is a file
of them. A shared or lost computer should not hold them in its cache after the session ends, and a proxy must
never store them. Static files never reach this middleware (WhiteNoise answers them earlier) and keep their
cache headers.
"""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers


def carries_personal_data(request, response) -> bool:
    """Every response to a signed-in user, and every file download (Content-Disposition), whoever asked."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    return "Content-Disposition" in response.headers


class NoStoreMiddleware:
    """Adds Cache-Control: no-store (with Django's other never-cache headers) to responses with personal data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if carries_personal_data(request, response):
            add_never_cache_headers(response)
        return response
