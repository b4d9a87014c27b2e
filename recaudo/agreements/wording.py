"""Why an offer needs a supervisor's approval, said in the active language with its numbers formatted (es-CO
"descuento de 40,00 % por encima del límite de 10 %").

rules.needs_approval says each reason in one fixed English shape ("discount 40.00 % above 10 %", "12 installments
above 6", ...), stored with the offer (approval_reasons); approval_reason_text reads the code and numbers back from
that shape, for offers stored before as well, and says it in the page's language. A text of no known shape is
shown as stored."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from recaudo.core.money import format_number

_SHAPES = [
    ("discount", re.compile(r"^discount (?P<pct>[\d.]+) % above (?P<max>[\d.]+) %$")),
    ("cumulative", re.compile(r"^with what was already forgiven to this debtor in (?P<days>\d+) days the discount "
                              r"is (?P<pct>[\d.]+) %, above (?P<max>[\d.]+) %$")),
    ("installments", re.compile(r"^(?P<n>\d+) installments above (?P<max>\d+)$")),
    ("term", re.compile(r"^term of (?P<n>\d+) months above (?P<max>\d+)$")),
]


def _num(text: str) -> str:
    """A number as the rule wrote it ("40.00", "10") in the active language, with as many decimals."""
    return format_number(text, len(text.split(".", 1)[1]) if "." in text else 0)


def approval_reason_text(reason: str) -> str:
    reason = str(reason or "")
    fixed = {
        "no authority in this portfolio": _("no authority to grant offers in this portfolio"),
        "forgives part of the debt": _("it forgives part of the debt"),
        "a plan that charges interest": _("a plan that charges interest"),
    }
    if reason in fixed:
        return fixed[reason]
    for code, shape in _SHAPES:
        match = shape.match(reason)
        if not match:
            continue
        g = {k: _num(v) for k, v in match.groupdict().items()}
        if code == "discount":
            return _("discount of %(pct)s %% above the limit of %(max)s %%") % g
        if code == "cumulative":
            return _("with what this debtor was already forgiven in %(days)s days the discount is %(pct)s %%, "
                     "above the limit of %(max)s %%") % g
        if code == "installments":
            return _("%(n)s installments, above the limit of %(max)s") % g
        return _("a term of %(n)s months, above the limit of %(max)s") % g
    return reason
