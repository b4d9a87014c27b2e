"""Content-Security-Policy: the browser runs scripts and styles from this site only, never inline ones.

Why (issue 12): text written by users (message templates, debtors' names from imports) is shown on pages; if an
escaping bug ever let markup through, the policy keeps it from running. So no page may use inline <script>,
inline event handlers (on*=), inline style attributes or <style> blocks: JavaScript lives in recaudo/web/static/recaudo/
*.js, styles in the stylesheets, and htmx is configured (base.html, <meta name="htmx-config">) not to evaluate code
or inject its indicator styles. Django 5.2 has no built-in CSP support, hence this small middleware.
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def policy() -> str:
    """The policy sent with every response; settings.RECAUDO_CONTENT_SECURITY_POLICY replaces it ("" disables)."""
    return getattr(settings, "RECAUDO_CONTENT_SECURITY_POLICY", DEFAULT_POLICY)


def policy_allowing(extra: dict[str, list[str]]) -> str:
    """The policy with more sources in some directives, for one page that needs a provider's host (the public pay
    page: PayU's checkout in form-action, ePayco's script in script-src). Sources are origins, never 'unsafe-*';
    a directive the policy lacks is added. A disabled policy ("") stays disabled."""
    value = policy()
    if not value:
        return value
    directives: list[list[str]] = [part.split() for part in value.split(";") if part.strip()]
    for name, sources in extra.items():
        if any(source.startswith("'") for source in sources):
            raise ValueError("only hosts may be added to the policy")
        for directive in directives:
            if directive[0] == name:
                directive.extend(source for source in sources if source not in directive)
                break
        else:
            directives.append([name, "'self'", *sources])
    return "; ".join(" ".join(directive) for directive in directives)


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header to every response that does not set one itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = policy()
        if value and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = value
        return response
