"""Where the debtor's actions plug into the portal's home page (issue 16 §2-§3). Each action is a page of its own
(under /portal/<slug>/..., guarded by recaudo.portal.access.portal_page) listed here by its URL name: the home page
shows a link to every one whose URL exists, in this order, so an action that is not built yet simply does not show.
Add an action by adding its URL pattern to recaudo/portal/urls.py (and to the security suite's PORTAL table) and
its entry here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Action:
    url_name: str  # reversed with the portfolio's slug only
    label: str | Promise
    hint: str | Promise = ""


ACTIONS: list[Action] = [
    Action("portal_promise", _("Promise to pay"), _("a date and an amount")),
    Action("portal_plan", _("Propose a payment plan"), _("installments within the creditor's policy")),
    Action("portal_receipt", _("Upload a transfer receipt"), _("the office verifies it")),
    Action("portal_dispute", _("Dispute an obligation"), _("with a reason and a document")),
    Action("portal_preferences", _("Contact channels and hours"), _("how and when we may contact you")),
    Action("portal_habeas", _("My personal data"), _("consultations and claims (Ley 1581)")),
    Action("portal_certificates", _("Certificates"), _("paz y salvo and certificate of debt")),
    Action("portal_rating", _("Rate the service"), ""),
]
