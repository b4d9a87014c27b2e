"""Every URL pattern of recaudo/urls.py, with who may use it and how its path parameters are filled.

A new URL pattern that is not here makes the security suite fail (test_access.py): add it to ACCESS (with the
lowest role that may GET and POST it) or to PUBLIC (with the reason it is open).

ACCESS[name] = (lowest role for GET, lowest role for POST, {parameter: attribute of a world Side or "=literal"})
Roles, lowest first: viewer < agent < supervisor < admin; None: the method is never allowed (405 for everyone).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

ORDER = ("viewer", "agent", "supervisor", "admin")

# Open to anonymous users on purpose, or protected by something other than a portfolio role.
PUBLIC = {
    "login": "the login form",
    "logout": "ends the session (POST); nothing to protect",
    "set_language": "Django's language switch: only sets a cookie",
    "hook_twilio_status": "provider webhook: authenticated by its signature (test_webhooks.py)",
    "hook_twilio_inbound": "provider webhook: authenticated by its signature (test_webhooks.py)",
    "hook_whatsapp": "provider webhook: authenticated by its signature / verify token (test_webhooks.py)",
    "hook_email_bounce": "provider webhook: authenticated by its signature (test_webhooks.py)",
    "hook_gateway": "payment gateway notifications: no session by design, authenticated by each provider's "
                    "signature, nothing changed on a bad one (banking/tests/test_gateways.py)",
    "pay_link": "a payment link's public pay page: no session by design (the debtor follows the link from a "
                "message); the random reference is the key, 404 otherwise; shows only the creditor, the amount and "
                "the description (banking/tests/test_pay_page.py)",
    "certificate_verify": "a certificate's public verification page: no session by design (anyone holding the "
                          "certificate checks it); the random 80-bit code printed on it is the key, 404 otherwise; "
                          "shows the creditor, the debtor's name with the ID masked, what it certifies and when "
                          "(web/tests/test_certificates.py)",
    "certificate_verify_form": "the form that asks for a certificate's verification code (no session by design)",
    "invitation_accept": "an invitee's one-time link (the token is the credential: stored hashed, expires, works "
                         "once; accounts/tests/test_users.py)",
    "two_factor_verify": "the second step of signing in, after the password: it needs a session that passed the "
                         "password and otherwise sends to the sign-in page (accounts/tests/test_two_factor.py)",
}
PUBLIC_PREFIXES = {
    "admin/": "the Django admin: staff only by AdminSite.admin_view (Django's own checks)",
    "portal/": "the debtor portal: its own sessions (a signed cookie), never a staff sign-in; every pattern is in "
               "PORTAL below and test_portal_access.py checks each with another debtor's objects and tokens",
    "api/v1/": "the REST API: token auth (Authorization: Bearer), never a session; api/tests/test_permissions.py "
               "checks every operation of its OpenAPI document with a token of another portfolio (404) and a "
               "read-only token (403 on writes), and without a token (401)",
}

# The debtor portal's patterns: (who may use it, {parameter: how it is filled}). "open": anyone (the entry, code and
# link pages, the creditor's colour and logo); "debtor": a debtor signed in to the portal of that portfolio, and then
# only their own objects. Sources: "obligation" or "agreement" (the signed-in debtor's or, for the attack, another
# debtor's) or "token" (a signed link). A new portal pattern that is not here fails test_portal_access.py.
PORTAL = {
    "portal_link_open": ("open", {"token": "token"}),
    "portal_enter": ("open", {}),
    "portal_code": ("open", {}),
    "portal_brand_css": ("open", {}),
    "portal_logo": ("open", {}),
    "portal_home": ("debtor", {}),
    "portal_obligation": ("debtor", {"pk": "obligation"}),
    "portal_statement": ("debtor", {}),
    "portal_pay": ("debtor", {}),
    "portal_logout": ("debtor", {}),
    "portal_promise": ("debtor", {}),
    "portal_dispute": ("debtor", {}),
    "portal_receipt": ("debtor", {}),
    "portal_habeas": ("debtor", {}),
    "portal_certificates": ("debtor", {}),  # ?pdf=<id>: another debtor's is 404 (portal/tests/test_actions.py)
    "portal_rating": ("debtor", {}),
    "portal_preferences": ("debtor", {}),
    "portal_plan": ("debtor", {}),
    "portal_agreement_pdf": ("debtor", {"pk": "agreement"}),  # only the debtor's own accepted agreements
}

# Signed-in pages that belong to no portfolio: any signed-in user (anonymous users go to the login page).
GLOBAL = {
    "dashboard": ("viewer", "viewer"),
    "password_change": ("viewer", "viewer"),
    "password_change_done": ("viewer", "viewer"),
    "two_factor_setup": ("viewer", "viewer"),  # a user's own second factor
    "two_factor_codes": ("viewer", "viewer"),  # a user's own backup codes
    "rates": ("staff", "staff"),  # the legal rate tables are global: superusers/staff only
    "user_list": ("admin", "admin"),  # administrators of some portfolio (and superusers): users and their roles
}

# Pages about one user, for the administrators of a portfolio where that user has a role: {name: {parameter: the
# role of the world's user of portfolio A it is filled with}}. An administrator of another portfolio is refused.
USER_PAGES = {
    "user_detail": {"pk": "agent"},
}

V, AG, SU, AD = ORDER
DEBTOR = {"pk": "debtor"}
ACCESS = {
    # imports (the "import" permission: supervisors and admins)
    "import_list": (SU, SU, {}),
    "import_mapping": (SU, SU, {"key": "=0123456789abcdef0123456789abcdef"}),  # an upload waiting in the session
    "import_detail": (SU, SU, {"job_id": "job"}),
    "import_rejected": (SU, SU, {"job_id": "job"}),
    # bank collection files and their review queue (supervisors and admins)
    "bank_upload": (SU, SU, {}),
    "bank_upload_detail": (SU, None, {"upload_id": "bank_upload"}),
    "bank_queue": (SU, None, {}),
    "bank_mappings": (SU, SU, {}),
    "bank_line_apply": (None, SU, {"line_id": "bank_line"}),
    "bank_line_dismiss": (None, SU, {"line_id": "bank_line"}),
    # transfer receipts debtors uploaded ("Por verificar"): the queue as the bank queue; deciding: supervisors
    "receipts_queue": (SU, None, {}),
    "receipt_approve": (None, SU, {"receipt_id": "transfer_receipt"}),
    "receipt_reject": (None, SU, {"receipt_id": "transfer_receipt"}),
    # convenios and payment references (administrators)
    # outgoing webhooks: subscriptions, their secrets and delivery log (administrators)
    "webhook_list": (AD, None, {}),
    "webhook_new": (AD, AD, {}),
    "webhook_detail": (AD, AD, {"pk": "webhook"}),
    "webhook_rotate": (None, AD, {"pk": "webhook"}),
    "webhook_test": (None, AD, {"pk": "webhook"}),
    "webhook_delivery": (AD, None, {"pk": "webhook", "delivery_id": "webhook_delivery"}),
    "webhook_redeliver": (None, AD, {"pk": "webhook", "delivery_id": "webhook_delivery"}),
    "convenio_list": (AD, None, {}),
    "convenio_new": (AD, AD, {}),
    "convenio_edit": (AD, AD, {"convenio_id": "convenio"}),
    "convenio_active": (None, AD, {"convenio_id": "convenio"}),
    "convenio_billing": (AD, None, {"convenio_id": "convenio"}),
    "reference_kind": (None, AD, {}),
    "references_assign": (None, AD, {}),
    "auto_apply_score": (None, AD, {}),
    # payment gateways (their keys: administrators) and a debtor's payment links (agents and up)
    "gateway_list": (AD, None, {}),
    "gateway_edit": (AD, AD, {"provider": "=wompi"}),
    # ERP connectors (their keys, test, run now and runs: administrators)
    "erp_list": (AD, None, {}),
    "erp_new": (AD, AD, {"kind": "=alegra"}),
    "erp_detail": (AD, AD, {"connector_id": "erp_connector"}),
    "erp_test": (None, AD, {"connector_id": "erp_connector"}),
    "erp_run": (None, AD, {"connector_id": "erp_connector"}),
    "payment_links": (AG, AG, DEBTOR),
    "payment_link_cancel": (None, AG, {"link_id": "payment_link"}),
    "bank_line_accept": (None, SU, {"line_id": "bank_line"}),
    "bank_line_split": (None, SU, {"line_id": "bank_line"}),
    "bank_applied": (SU, None, {}),
    "bank_line_undo": (None, SU, {"line_id": "bank_line"}),
    # communications
    "comms_outbox": (V, V, {}),
    "comms_message": (V, None, {"pk": "message"}),
    "comms_template_list": (V, V, {}),
    "comms_template_approvals": (SU, SU, {}),
    "comms_template_decide": (None, SU, {"pk": "revision"}),
    "comms_template_edit": (AG, AG, {"code": "=reminder", "channel": "=sms", "language": "=es"}),
    "comms_template_preview": (None, AG, {"code": "=reminder", "channel": "=sms", "language": "=es"}),
    # strategies
    "strategy_list": (V, V, {}),
    "strategy_detail": (V, V, {"pk": "strategy"}),
    "strategy_export": (V, V, {"pk": "strategy"}),
    "strategy_import": (None, SU, {"pk": "strategy"}),
    "strategy_challenger": (None, SU, {"pk": "strategy"}),
    "strategy_step_edit": (SU, SU, {"pk": "strategy", "key": "=sms-overdue"}),
    "strategy_dry_run": (V, V, {"version_id": "version"}),
    "segment_list": (V, V, {}),
    "segment_add": (SU, SU, {}),
    "segment_edit": (SU, SU, {"pk": "segment"}),
    "segment_move": (None, SU, {"pk": "segment"}),
    "segment_delete": (SU, SU, {"pk": "segment"}),
    "hold_list": (V, SU, {}),
    "hold_release": (None, SU, {"hold_id": "hold"}),
    "cycle_today": (V, V, {}),
    # agreements
    "approvals": (SU, SU, {}),
    "offer_decide": (None, SU, {"pk": "offer"}),
    "debtor_agreements": (V, V, DEBTOR),
    "promise_new": (None, AG, DEBTOR),
    "agreement_new": (AG, AG, DEBTOR),
    "agreement_preview": (V, V, DEBTOR),  # a schedule calculator: reads only
    "offer_new": (None, AG, DEBTOR),
    "agreement_detail": (V, V, {"pk": "agreement"}),
    "agreement_offer": (None, AG, {"pk": "agreement"}),
    "agreement_accept": (None, AG, {"pk": "agreement"}),
    "agreement_cancel": (None, AG, {"pk": "agreement"}),
    "agreement_pdf": (V, V, {"pk": "agreement"}),
    "offer_detail": (V, V, {"pk": "offer"}),
    "offer_accept": (None, AG, {"pk": "offer"}),
    # agents
    "agent_queue": (AG, None, {}),
    "agent_next": (None, AG, {}),
    "agent_work": (AG, AG, {"debtor_id": "debtor"}),
    "agent_callback_slots": (AG, AG, {"debtor_id": "debtor"}),
    "agent_team": (SU, SU, {}),
    "agent_assignments": (SU, SU, {}),
    "agent_targets": (SU, SU, {}),
    "agent_scripts": (SU, SU, {}),
    "agent_inbox": (AG, None, {}),  # what debtors wrote by SMS/WhatsApp for a person: agents see their debtors'
    "inbound_handled": (None, AG, {"inbound_id": "inbound"}),
    "debtor_bulk": (None, AG, {}),  # tags: agents; assign, hold, send a template: supervisors (agents/bulk.py)
    # a bulk action left to the worker: who confirmed it, and the supervisors (GET); POST resumes a stopped one
    "debtor_bulk_job": (SU, SU, {"job_id": "bulk_job"}),
    "interest_liquidation": (V, None, DEBTOR),
    # portfolio, privacy, reports
    "portfolio_home": (V, None, {}),  # a redirect to debtor_list
    "debtor_list": (V, V, {}),
    "debtor_list_export": (V, None, {}),  # what the list shows, IDs masked for viewers
    "saved_filter_add": (None, V, {}),
    "saved_filter_delete": (None, V, {"pk": "saved_filter"}),  # its owner only
    "debtor_detail": (V, V, DEBTOR),
    "payment_new": (AG, AG, DEBTOR),
    "payment_receipt": (V, V, {"payment_id": "payment"}),
    "certificate_no_debt_new": (AG, AG, DEBTOR),
    "certificate_debt_new": (AG, AG, DEBTOR),
    "certificate_pdf": (AG, None, {"certificate_id": "certificate"}),  # it carries the debtor's full ID
    "certificate_debt_batch": (SU, SU, {}),  # a ZIP of certificates of debt for legal hand-off
    "payment_reverse": (SU, SU, {"payment_id": "payment"}),
    # the debtor page's own records (issue 14 §2): agents and up write; viewers neither write nor download
    "debtor_note_new": (AG, AG, DEBTOR),
    "contact_new": (AG, AG, DEBTOR),
    "contact_edit": (AG, AG, {**DEBTOR, "contact_id": "contact"}),
    "obligation_dispute": (AG, AG, {**DEBTOR, "obligation_id": "obligation"}),
    "document_new": (AG, AG, DEBTOR),
    "document_download": (AG, None, {**DEBTOR, "document_id": "document"}),
    "statement_send": (AG, AG, DEBTOR),
    "debtor_export": (SU, SU, {**DEBTOR, "fmt": "=json"}),
    "debtor_anonymize": (AD, AD, DEBTOR),
    # habeas data requests: agents file one the debtor made by phone or at the office; supervisors handle them
    "habeas_request_new": (AG, AG, DEBTOR),
    "habeas_queue": (SU, None, {}),
    "habeas_request": (SU, SU, {"request_id": "habeas_request"}),
    "aging": (V, V, {}),
    "analytics": (V, V, {}),
    "analytics_summary": (None, SU, {}),
    "portfolio_settings": (AD, AD, {}),
    "statement": (V, V, {**DEBTOR, "fmt": "=html"}),
}


def all_patterns():
    """(route, name, parameter names) of every URL pattern, walking the resolver and its includes."""
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                yield route, p.name, tuple(p.pattern.converters) if hasattr(p.pattern, "converters") else ()

    out = []
    for route, name, _ in walk(get_resolver().url_patterns):
        params = tuple(part.split(">")[0].split(":")[-1] for part in route.split("<")[1:])
        out.append((route, name, params))
    return out


def public_reason(route: str, name: str | None) -> str | None:
    for prefix, reason in PUBLIC_PREFIXES.items():
        if route.startswith(prefix):
            return reason
    return PUBLIC.get(name)


def allowed(role: str, lowest: str | None) -> bool:
    if lowest is None:
        return False
    return ORDER.index(role) >= ORDER.index(lowest)


def kwargs_for(name: str, side, slug: str | None = None) -> dict:
    """The path parameters of URL `name` filled with the objects of `side` (a world Side)."""
    params = ACCESS[name][2]
    kwargs = {"slug": slug or side.portfolio.slug}
    for param, source in params.items():
        kwargs[param] = source[1:] if source.startswith("=") else getattr(side, source).pk
    return kwargs
