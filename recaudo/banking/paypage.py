"""The public pay page (GET /pagar/<portfolio slug>/<reference>/): what a debtor who follows a payment link sees.

No session: the link's reference (RC + 12 random hex digits) is the only key, so an unknown one is a plain 404 and
the page shows nothing about the debtor beyond the creditor, the amount and the link's description (no national
ID, no other debts). An open link, before its expiry:
- PayU (a signed form POSTed to PayU's WebCheckout): the form, rebuilt from the stored link and the portfolio's
  PayU account, with a "Pay with PayU" button; PayU's checkout origin is added to that page's form-action.
- ePayco (a Smart Checkout session, provider_id): ePayco's checkout script and our own static/banking/
  epayco-pay.js, which opens the session (read from a data- attribute) on a button click; ePayco's script host is
  added to that page's script-src. No inline script either way.
- Wompi and Mercado Pago give their own address: the page redirects to it.
A link expired (or past its expiry before the daily sweep), cancelled or paid shows "this link expired" in Spanish.
A read: nothing is written."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from recaudo.core.money import format_money, from_minor
from recaudo.portfolio.models import Portfolio

from .gateways import REGISTRY, epayco, payu
from .gateways.base import GatewayError, LinkRequest, truthy
from .models import GatewayAccount, PaymentLink
from .services_gateways import _notification_url, link_description

OPEN = "open"          # the debtor can pay
CLOSED = "closed"      # expired, cancelled or paid: the "expired" page
REDIRECT = "redirect"  # the provider's own address (Wompi, Mercado Pago)
UNAVAILABLE = "unavailable"  # the portfolio's account with the provider is gone or incomplete


@dataclass
class PayPage:
    state: str
    provider: str = ""
    creditor: str = ""
    amount: str = ""
    description: str = ""
    reference: str = ""                # the link's reference, which the debtor may quote
    redirect_url: str = ""
    form_action: str = ""              # PayU
    form_fields: dict[str, str] = field(default_factory=dict)
    session_id: str = ""               # ePayco
    test: bool = False
    script_url: str = ""
    csp_extra: dict[str, list[str]] = field(default_factory=dict)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise GatewayError(f"{url}: not an http(s) address")
    return f"{parts.scheme}://{parts.netloc}"


def pay_page(slug: str, reference: str, now: datetime | None = None) -> PayPage | None:
    """The page for the link `reference` of the portfolio `slug`; None when there is no such link (404)."""
    link = (PaymentLink.objects.select_related("portfolio", "debtor", "obligation", "installment")
            .filter(portfolio__slug=slug, reference=reference).first())
    if link is None:
        return None
    portfolio: Portfolio = link.portfolio
    now = now or timezone.now()
    page = PayPage(state=CLOSED, provider=link.provider, creditor=portfolio.creditor or portfolio.name,
                   amount=format_money(from_minor(link.amount_minor, link.currency), link.currency),
                   description=link_description(portfolio, link.debtor, link.obligation, link.installment),
                   reference=link.reference)
    if link.status != PaymentLink.Status.OPEN or link.expires_at <= now:
        return page
    adapter = REGISTRY.get(link.provider)
    if adapter is None:
        page.state = UNAVAILABLE
        return page
    if not adapter.needs_pay_page:
        page.state, page.redirect_url = REDIRECT, link.url
        return page
    account = GatewayAccount.objects.filter(portfolio=portfolio, provider=link.provider, active=True).first()
    if account is None:
        page.state = UNAVAILABLE
        return page
    try:
        config = account.full_config()
        if link.provider == "payu":
            action, fields = payu.checkout_form(config, LinkRequest(
                reference=link.reference, amount=from_minor(link.amount_minor, link.currency),
                currency=link.currency, description=page.description,
                expires_at=link.expires_at.isoformat(timespec="seconds"),
                notification_url=_notification_url(link.provider, portfolio)))
            page.form_action, page.form_fields = action, fields
            page.csp_extra = {"form-action": [_origin(action)]}
        elif link.provider == "epayco":
            if not link.provider_id:
                page.state = UNAVAILABLE
                return page
            page.session_id = link.provider_id
            page.test = truthy(config.get("test"))
            page.script_url = epayco.CHECKOUT_SCRIPT_URL
            page.csp_extra = {"script-src": [_origin(page.script_url)]}
        else:  # a provider that needs the page but that this page does not know yet
            page.state = UNAVAILABLE
            return page
    except GatewayError:
        page.state = UNAVAILABLE
        return page
    page.state = OPEN
    return page
