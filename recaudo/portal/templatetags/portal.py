"""Template filters of the portal's pages."""

from django import template
from django.utils.translation import get_language

from recaudo.ledger.interest import pct

register = template.Library()


@register.filter
def rate(value) -> str:
    """An E.A. rate as a fraction -> '25,00 %' (es-CO) or '25.00 %' (en), as the liquidation PDF prints it."""
    if value is None or value == "":
        return ""
    text = pct(value, 2)
    return text if (get_language() or "").startswith("en") else text.replace(".", ",")
