"""Template filters and tags for Recaudo pages: money, dates, days past due, aging badges, portfolio nav.

Numbers and dates follow the active language: es-CO "1.234.567,89" and 31/12/2026; English "1,234,567.89" and
ISO dates (2026-12-31), which read the same everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from recaudo.accounts.selectors import menu_for, portfolios_for_user
from recaudo.agreements.models import Acceptance
from recaudo.agreements.wording import approval_reason_text
from recaudo.communications.models import LANGUAGES as MESSAGE_LANGUAGES
from recaudo.compliance.wording import channel_label as compliance_channel_label
from recaudo.core.money import UnknownCurrency, format_amount, from_minor
from recaudo.cycle.wording import reason_text as cycle_reason_text
from recaudo.ledger.models import Component, PaymentMethod
from recaudo.portfolio.aging import bucket_choices
from recaudo.portfolio.models import Consent, Contact
from recaudo.portfolio.validation import display_id_number
from recaudo.strategies.models import Hold, StepExecution
from recaudo.strategies.wording import action_label, stage_label, step_conditions_text

register = template.Library()

BABEL_LOCALES = {"es": "es_CO", "en": "en_US", "pt": "pt_BR"}


def babel_locale() -> str:
    lang = (get_language() or "es-co").lower()
    if "-" in lang:
        base, region = lang.split("-", 1)
        return f"{base}_{region.upper()}" if base == "es" else BABEL_LOCALES.get(base, "es_CO")
    return BABEL_LOCALES.get(lang, "es_CO")


def _is_english() -> bool:
    return (get_language() or "").lower().startswith("en")


@register.filter
def money(minor, currency="COP"):
    """Integer minor units -> '1.234.567,89' (es-CO) or '1,234,567.89' (en). Empty for None."""
    if minor is None or minor == "":
        return ""
    try:
        amount = from_minor(int(minor), currency or "COP")
        return format_amount(amount, babel_locale(), currency or "COP")
    except (ValueError, TypeError, UnknownCurrency):
        return str(minor)


@register.filter
def id_number(debtor) -> str:
    """A debtor's ID number as displayed: a NIT with its dots and check digit (800.197.268-4), others as
    stored (recaudo.portfolio.validation.display_id_number)."""
    return display_id_number(getattr(debtor, "id_type", ""), getattr(debtor, "id_number", ""))


@register.filter
def money_dec(value, currency=None):
    """A Decimal (or numeric string) amount -> locale-formatted, with the currency's precision if given."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
        return format_amount(amount, babel_locale(), currency or None)
    except (InvalidOperation, ValueError, TypeError, UnknownCurrency):
        return str(value)


@register.filter
def cents(value, currency=None):
    """Whole hundredths (a bank file's amounts) -> locale-formatted: 1234550 -> 12.345,50 (es-CO)."""
    if value is None or value == "":
        return ""
    try:
        return money_dec(Decimal(int(value)) / 100, currency)
    except (ValueError, TypeError):
        return str(value)


@register.filter
def intlocal(value):
    """A whole number with the locale's grouping: 12.345 (es-CO), 12,345 (English)."""
    if value is None or value == "":
        return ""
    try:
        return format_amount(Decimal(int(value)), babel_locale(), "CLP")  # CLP: no decimals
    except (ValueError, TypeError, InvalidOperation):
        return str(value)


def _as_date(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@register.filter
def date_local(value):
    """A date -> 31/12/2026 (es-CO) or 2026-12-31 (English)."""
    d = _as_date(value)
    if d is None:
        return "" if value in (None, "") else str(value)
    return d.isoformat() if _is_english() else d.strftime("%d/%m/%Y")


register.filter("ddmmyyyy", date_local)


@register.filter
def datetime_local(value):
    """An aware datetime -> local '31/12/2026 14:05' (es-CO) or '2026-12-31 14:05' (English)."""
    if not isinstance(value, datetime):
        return date_local(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M" if _is_english() else "%d/%m/%Y %H:%M")


def bucket_css(bucket, index: int, count: int) -> str:
    if bucket.min_days is None:
        slug = "current" if bucket.max_days == 0 else f"upto-{bucket.max_days}"
    elif bucket.max_days is None:
        slug = f"over-{bucket.min_days - 1}"
    else:
        slug = f"{bucket.min_days}-{bucket.max_days}"
    severity = 0 if index == 0 else max(1, round(index * 6 / max(count - 1, 1)))
    return f"badge badge-{slug} badge-sev-{severity}"


@register.simple_tag
def bucket_badge(aging):
    """<span class="badge badge-31-60 badge-sev-2">31-60</span> for an aging the selector computed
    (recaudo.portfolio.aging.Aged); nothing for no aging or an invalid bucket setting."""
    if aging is None or aging == "" or getattr(aging, "bucket", None) is None:
        return ""
    return format_html('<span class="{}">{}</span>', bucket_css(aging.bucket, aging.index, aging.count), aging.label)


register.simple_tag(bucket_choices)


@register.simple_tag(takes_context=True)
def portfolio_nav(context):
    """The user's portfolios, the current one (from the page, else the first) and what the user may do in it."""

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"portfolios": [], "current": None, "may": menu_for(None, None)}
    portfolios = list(portfolios_for_user(user).only("pk", "slug", "name"))
    current = context.get("portfolio")
    if current is None:
        slug = getattr(getattr(request, "resolver_match", None), "kwargs", {}).get("slug")
        current = next((p for p in portfolios if p.slug == slug), None) or (portfolios[0] if portfolios else None)
    return {
        "portfolios": portfolios,
        "current": current,
        "may": menu_for(user, current),
    }


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (None or '' removes them), for sort/page links."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _event_labels() -> dict[str, str]:
    """A label for every event type the code writes (recaudo/web/tests/test_event_labels.py checks it)."""
    return {
        # debtors, contacts, consents
        "debtor.created": _("Debtor created"),
        "debtor.updated": _("Debtor details changed"),
        "debtor.exported": _("Personal data exported"),
        "debtor.anonymized": _("Debtor anonymized"),
        "habeas.filed": _("Habeas data request filed"),
        "habeas.extended": _("Habeas data request: term extended"),
        "habeas.completion_requested": _("Habeas data claim sent back to be completed"),
        "habeas.completed": _("Habeas data claim completed"),
        "habeas.answered": _("Habeas data request answered"),
        "habeas.closed": _("Habeas data request closed"),
        "debtor.note_added": _("Note"),
        "document.attached": _("Document attached"),
        "debtor_list.exported": _("Debtor list exported"),
        "debtors.bulk_action": _("Action on many debtors"),
        "debtors.bulk_submitted": _("Action on many debtors sent to the background"),
        "debtors.bulk_stopped": _("Action on many debtors stopped"),
        "debtors.bulk_resumed": _("Action on many debtors resumed"),
        "saved_filter.saved": _("Debtor list filter saved"),
        "saved_filter.deleted": _("Debtor list filter deleted"),
        "contact.added": _("Contact added"),
        "contact.updated": _("Contact corrected"),
        "contact.removed": _("Contact removed"),
        "contact.attempted": _("Contact attempted"),
        "consent.granted": _("Consent granted"),
        "consent.revoked": _("Consent revoked"),
        "consent.granted_bulk": _("Consent granted (in bulk)"),
        "consent.revoked_by_debtor": _("Consent withdrawn by the debtor"),
        "contact_preferences.set": _("Contact channels and hours chosen by the debtor"),
        "service.rated": _("Service rated by the debtor"),
        "transfer_receipt.submitted": _("Transfer receipt uploaded by the debtor"),
        "transfer_receipt.approved": _("Transfer receipt approved"),
        "transfer_receipt.rejected": _("Transfer receipt rejected"),
        # obligations and the ledger
        "obligation.created": _("Obligation created"),
        "obligation.updated": _("Obligation changed"),
        "obligation.disputed": _("Obligation disputed"),
        "obligation.dispute_resolved": _("Dispute resolved"),
        "obligation.disputed_by_debtor": _("Obligation disputed by the debtor"),
        "ledger.charge": _("Charge posted"),
        "ledger.interest": _("Interest charged"),
        "ledger.fee": _("Fee charged"),
        "ledger.payment": _("Payment posted"),
        "ledger.discount": _("Discount granted"),
        "ledger.write_off": _("Written off"),
        "ledger.adjustment": _("Adjustment posted"),
        "ledger.reversal": _("Entry reversed"),
        "payment.recorded": _("Payment received"),
        "payment.reversed": _("Payment reversed"),
        "receipt.issued": _("Receipt issued"),
        "certificate.no_debt_issued": _("Paz y salvo issued"),
        "certificate.debt_issued": _("Certificate of debt issued"),
        "certificate.revoked": _("Certificate revoked"),
        # promises, agreements, offers
        "promise.created": _("Promise to pay"),
        "promise.recorded": _("Promise to pay recorded"),
        "promise.self_service": _("Promise to pay made by the debtor"),
        "offer.self_service_proposed": _("Plan proposed by the debtor (waits for approval)"),
        "agreement.self_service_accepted": _("Plan accepted by the debtor in the portal"),
        "promise.pending": _("Promise to pay pending"),
        "promise.kept": _("Promise kept"),
        "promise.broken": _("Promise broken"),
        "promise.cancelled": _("Promise cancelled"),
        "agreement.created": _("Payment agreement drafted"),
        "agreement.offered": _("Payment agreement offered"),
        "agreement.accepted": _("Payment agreement accepted"),
        "agreement.broken": _("Payment agreement broken"),
        "agreement.completed": _("Payment agreement completed"),
        "agreement.cancelled": _("Payment agreement cancelled"),
        "offer.created": _("Settlement offer made"),
        "offer.pending_approval": _("Settlement offer awaiting approval"),
        "offer.approved": _("Settlement offer approved"),
        "offer.rejected": _("Settlement offer rejected"),
        "offer.countered": _("Settlement offer countered"),
        "offer.accepted": _("Settlement offer accepted"),
        "offer.expired": _("Settlement offer expired"),
        "offer.discount_booked": _("Settlement discount booked"),
        "offer.discount_cancelled": _("Settlement discount taken back"),
        "authority_limit.created": _("Authority limits set"),
        # messages
        "message.queued": _("Message queued"),
        "message.sending": _("Message being sent"),
        "message.sent": _("Message sent"),
        "message.delivered": _("Message delivered"),
        "message.failed": _("Message failed"),
        "message.bounced": _("Message bounced"),
        "message.cancelled": _("Message cancelled"),
        "message.blocked": _("Message blocked by the contact rules"),
        "inbound.received": _("Message received from the debtor (SMS/WhatsApp)"),
        "inbound.handled": _("Debtor's message marked as handled"),
        "message.late_status": _("Late delivery report"),
        "template.created": _("Template created"),
        "template.updated": _("Template changed"),
        "template.submitted": _("Template change submitted for approval"),
        "template.pending": _("Template change awaiting approval"),
        "template.approved": _("Template change approved"),
        "template.rejected": _("Template change rejected"),
        "template.superseded": _("Template change superseded"),
        # agents and supervision
        "note.added": _("Note"),
        "agent.next_debtor": _("Opened from the work queue"),
        "agent.outcome": _("Call outcome"),
        "agent.assigned": _("Assigned to an agent"),
        "agent.unassigned": _("Agent assignment removed"),
        "agent.script_saved": _("Call script saved"),
        "agent.target_set": _("Agent target set"),
        "agent.monthly_target_set": _("Agent monthly target set"),
        "agent.settings_changed": _("Agent settings changed"),
        "agent.segment_assigned": _("Segment assigned to an agent"),
        "hold.created": _("Collection paused (hold)"),
        "hold.released": _("Hold released"),
        # strategies, cycle, portfolio, imports, privacy, accounts
        "strategy.created": _("Strategy created"),
        "strategy.version_created": _("Strategy version created"),
        "strategy.challenger_set": _("Strategy challenger set"),
        "strategy.challenger_ended": _("Strategy challenger test ended"),
        "segment.created": _("Segment created"),
        "segment.updated": _("Segment changed"),
        "segment.reordered": _("Segments reordered"),
        "segment.deleted": _("Segment deleted"),
        "cycle.settings_changed": _("Daily cycle settings changed"),
        "portfolio.created": _("Portfolio created"),
        "portfolio.renamed": _("Portfolio renamed"),
        "portfolio.privacy_settings": _("Privacy settings changed"),
        "portfolio.creditor_settings": _("Creditor and payment details changed"),
        "import.submitted": _("Import submitted"),
        "import.completed": _("Import completed"),
        # ERP connectors
        "erp.connector_created": _("ERP connector created"),
        "erp.connector_updated": _("ERP connector changed"),
        "erp.run_requested": _("ERP sync requested"),
        "erp.synced": _("ERP sync imported"),
        "erp.sync_failed": _("ERP sync failed"),
        "erp.payment_pushed": _("Payment recorded in the ERP"),
        "analytics.snapshot_written": _("Daily analytics snapshot written"),
        "analytics.subscription_set": _("Subscribed to the e-mailed summary"),
        "analytics.subscription_cancelled": _("Unsubscribed from the e-mailed summary"),
        "analytics.summary_sent": _("Summary sent by e-mail"),
        "analytics.risk_trained": _("Payment-prediction model trained"),
        "analytics.risk_scored": _("Open obligations scored for payment risk"),
        "analytics.credit_limit_set": _("Credit limit set"),
        "banking.file_imported": _("Bank collection file imported"),
        "banking.convenio_saved": _("Collection agreement (convenio) saved"),
        "banking.convenio_deactivated": _("Collection agreement (convenio) deactivated"),
        "banking.convenio_activated": _("Collection agreement (convenio) activated again"),
        "banking.reference_settings": _("Payment reference settings changed"),
        "banking.references_assigned": _("Payment references generated"),
        "banking.billing_file": _("Bank billing file written"),
        "banking.line_applied": _("Bank payment applied from the review queue"),
        "banking.line_dismissed": _("Bank line marked as not a collection"),
        "banking.statement_imported": _("Bank statement imported"),
        "portal.code_requested": _("Portal: access code requested"),
        "portal.code_failed": _("Portal: wrong access code"),
        "portal.locked": _("Portal: access locked after too many attempts"),
        "portal.login": _("Portal: debtor signed in with a code"),
        "portal.link_used": _("Portal: debtor signed in with a message link"),
        "portal.link_refused": _("Portal: expired or used link refused"),
        "portal.logout": _("Portal: debtor signed out"),
        "portal.download": _("Portal: document downloaded"),
        "portal.payment_link": _("Portal: payment link opened"),
        "banking.statement_mapping_saved": _("Bank statement mapping saved"),
        "banking.gateway_saved": _("Payment gateway configured"),
        "banking.gateway_secrets_sealed": _("Payment gateway secrets sealed"),
        "banking.gateway_notification": _("Payment gateway notification received"),
        "banking.payment_link_created": _("Payment link created"),
        "banking.payment_link_cancelled": _("Payment link cancelled"),
        "banking.payment_links_expired": _("Payment links expired"),
        "banking.line_split": _("Bank payment split across several debtors or obligations"),
        "banking.line_undone": _("Applied bank payment undone (reversed, back in the queue)"),
        "banking.auto_apply_score": _("Score to apply bank payments by itself changed"),
        "webhook.subscription_created": _("Webhook created"),
        "webhook.subscription_updated": _("Webhook changed"),
        "webhook.secret_rotated": _("Webhook signing secret rotated"),
        "webhook.redelivered": _("Webhook delivery sent again"),
        "webhook.test_sent": _("Webhook test event sent"),
        "webhook.subscription_disabled": _("Webhook turned off after repeated failures"),
        "retention.applied": _("Retention policy applied"),
        "rates.load": _("Legal rates loaded"),
        "user.created": _("User created"),
        "membership.granted": _("Role granted"),
        "membership.revoked": _("Role revoked"),
        "user.invited": _("User invited"),
        "invitation.accepted": _("Invitation accepted"),
        "user.deactivated": _("User deactivated"),
        "user.reactivated": _("User reactivated"),
        "login.locked_out": _("Sign-in locked out"),
        "login.unlocked": _("Sign-in unlocked"),
        "two_factor.enabled": _("Two-step verification enabled"),
        "two_factor.reset": _("Two-step verification reset"),
        "two_factor.codes_renewed": _("Backup codes renewed"),
        "api_token.created": _("API token created"),
        "api_token.revoked": _("API token revoked"),
    }


@register.filter
def event_label(event_type):
    """A human label for an audit event type ("payment.recorded" -> "Payment received")."""
    label = _event_labels().get(event_type)
    if label:
        return label
    return str(event_type or "").replace(".", " · ").replace("_", " ").capitalize()


def _channel_label(value: str) -> str:
    """A channel by its label: contacts', consents' and messages' channels, and how an agreement was accepted."""
    labels = {**dict(Contact.Channel.choices), **dict(Consent.Channel.choices), **dict(Acceptance.Channel.choices),
              "portal": _("Portal"), "phone": _("Phone")}
    return str(labels.get(value, value))


def _source_label(value: str) -> str:
    """Who or what a record came from (a promise's, a payment's, a message's source) by its label."""
    labels = {"agent": _("Agent"), "debtor": _("Debtor"), "import": pgettext("source", "Import"),
              "manual": _("Manual"), "cycle": _("Daily cycle"), "portal": _("Portal"), "bank_file": _("Bank file"),
              "cli": _("Command line")}
    return str(labels.get(value, value))


@register.filter
def actor_name(label):
    """Who did it, as the timeline says it: a user's name as is; the system's own actors by a translated label
    ("system", "cli", "cycle 2026-12-06")."""
    label = str(label or "")
    if label == "system":
        return _("system")
    if label == "cli":
        return _("command line")
    if label.startswith("cycle "):
        return _("daily cycle %(date)s") % {"date": date_local(label[6:])}
    if label.startswith("portal:debtor:"):  # audit.services.portal_actor
        return _("the debtor, in the portal")
    return label


@register.filter
def payment_method(value):
    """A payment method code of the payment page by its label; free text (imports, the command) as written."""
    if not value:
        return "—"
    return str(dict(PaymentMethod.choices).get(value, value))


@register.filter
def component_label(value):
    """principal / interest / fee by its label."""
    return str(dict(Component.choices).get(value, value))


@register.filter
def event_detail(changes, currency="COP"):
    """A short, human summary of an audit event's changes."""
    if not isinstance(changes, dict):
        return ""
    if changes.get("disposition") and changes.get("direction") and not changes.get("memo"):
        return _outcome_detail(changes, currency)
    if set(changes) <= HOLD_KEYS and changes.get("reason") in Hold.Reason.values:
        return _hold_detail(changes)
    if "priority" in changes and "skipped" in changes and not changes.get("memo"):
        return _("work queue, priority %(priority)s") % {"priority": changes["priority"]}
    parts = []
    if changes.get("number"):
        parts.append(str(changes["number"]))
    if changes.get("amount") not in (None, ""):
        parts.append(f"{currency} {money_dec(changes['amount'], currency)}")
    if changes.get("channel"):
        parts.append(_channel_label(str(changes["channel"])))
    if changes.get("value"):
        parts.append(str(changes["value"]))
    for key in ("receipt", "reference", "source", "reason", "dispute_reason", "memo", "filename", "note"):
        if key == "source" and "reference" in changes:
            continue  # a payment's source (manual, import) says little next to its reference
        value = changes.get(key)
        if isinstance(value, list):
            value = value[-1] if value else ""
        if value and key == "note" and len(str(value)) > 300:
            value = str(value)[:299] + "…"
        if value:
            parts.append(_source_label(str(value)) if key == "source" else str(value))
    if changes.get("method") in Consent.Method.values:
        parts.append(str(Consent.Method(changes["method"]).label))
    if changes.get("given_on") and not isinstance(changes["given_on"], list):
        parts.append(date_local(changes["given_on"]))
    if changes.get("due_date") and not isinstance(changes["due_date"], list):
        parts.append(_("due %(date)s") % {"date": date_local(changes["due_date"])})
    if not parts:
        changed = [k for k, v in changes.items() if isinstance(v, list) and len(v) == 2]
        if changed:
            parts.append(_("changed: %(fields)s") % {"fields": ", ".join(changed)})
    return " · ".join(parts)


@register.filter
def channel_name(value):
    """A contact channel or task kind of the cycle by its label (call -> llamada, sms -> SMS)."""
    return compliance_channel_label(str(value or ""))


@register.filter
def language_name(value):
    """A debtor's or message's language code by its name in the page's language (es -> Español); an unknown code
    is shown as it is, in capitals."""
    code = str(value or "").strip().lower()
    name = dict(MESSAGE_LANGUAGES).get(code)
    return str(name)[:1].upper() + str(name)[1:] if name else code.upper()


@register.filter
def step_action(value):
    """A strategy step's action by its label (send_message -> Enviar mensaje)."""
    return action_label(str(value or ""))


@register.filter
def step_conditions(conditions, currency=""):
    """A strategy step's conditions in words ("saldo ≥ $ 5.000.000 · solo sin promesa pendiente")."""
    return " · ".join(step_conditions_text(conditions if isinstance(conditions, dict) else {}, str(currency or "")))


@register.filter
def stage_name(stage):
    """A strategy stage (its dict, or the key a step execution stores) by its name, the default ones translated."""
    return stage_label(stage)


@register.filter
def step_outcome(value):
    """A cycle step's outcome by its label (done -> Hecho)."""
    return str(dict(StepExecution.Outcome.choices).get(value, value or ""))


@register.filter
def step_reason(value):
    """A cycle step's stored reason said in the active language (recaudo.cycle.wording)."""
    return cycle_reason_text(str(value or ""))


@register.filter
def approval_reasons(reasons):
    """An offer's reasons for needing approval, each said in the active language, joined by "; "."""
    return "; ".join(approval_reason_text(r) for r in (reasons or []))


def _outcome_detail(changes: dict, currency: str) -> str:
    """A call outcome (agents.services.outcome_record's codes) said in the page's language: "Llamada entrante ·
    Promesa de pago · COP 500.000,00 · vence 10/12/2026 · notes" (English: "Inbound call · Promise to pay ...").
    Rows stored before the codes carry their Spanish text as a memo, shown as it is."""
    visit = changes.get("channel") == "visit"
    if changes.get("direction") == "inbound":
        parts = [_("Debtor's visit") if visit else _("Inbound call")]
    else:
        parts = [_("Visit")] if visit else []
    label = changes.get("label_en") if _is_english() else changes.get("label")
    parts.append(str(label or changes.get("label") or changes["disposition"]))
    if changes.get("amount") not in (None, ""):
        parts.append(f"{currency} {money_dec(changes['amount'], currency)}")
    if changes.get("due_date") and not isinstance(changes["due_date"], list):
        parts.append(_("due %(date)s") % {"date": date_local(changes["due_date"])})
    notes = str(changes.get("notes") or "").strip()
    if notes:
        parts.append(notes[:150])
    return " · ".join(parts)


HOLD_KEYS = {"reason", "until", "obligation"}  # what strategies.services records of a hold placed or released


def _hold_detail(changes: dict) -> str:
    """A hold placed or released: its reason by its label ("Promesa de pago"), the obligation, the last day."""
    parts = [str(Hold.Reason(changes["reason"]).label)]
    if changes.get("obligation"):
        parts.append(str(changes["obligation"]))
    if changes.get("until") and not isinstance(changes["until"], list):
        parts.append(_("until %(date)s") % {"date": date_local(changes["until"])})
    return " · ".join(parts)
