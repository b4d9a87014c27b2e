"""Compliance writes: every contact check and bureau check is stored as evidence, in its own transaction.

The rules themselves are pure (recaudo.compliance.rules); this module loads the debtor's contact history and
consents, calls them, and records the decision with the rule-set version and the inputs it saw.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction

from recaudo.audit.services import actor_label_for, audit_record
from recaudo.portfolio.models import Consent, Contact, ContactPreference, Debtor, Portfolio

from .models import ComplianceDecision, ContactAttempt
from .rules import (
    OUTBOUND,
    RULES,
    BureauDecision,
    ComplianceError,
    ComplianceSettings,
    ContactEvent,
    Decision,
    decide,
    decide_bureau_report,
    resolve_zone,
)
from .wording import blocked_text

HISTORY_DAYS = 35  # the longest look-back of any rule is a calendar week; keep a margin


class ContactBlocked(ComplianceError):
    """A contact was attempted where the rules block it; `decision` says why and when it may happen."""

    def __init__(self, decision: Decision):
        self.decision = decision
        when = decision.next_allowed_at.isoformat() if decision.next_allowed_at else "never"
        super().__init__(f"contact blocked (next allowed: {when}): " + "; ".join(str(r) for r in decision.reasons))

    @property
    def message(self) -> str:
        return blocked_text(self.decision)


def compliance_settings(overrides: dict | None = None) -> ComplianceSettings:
    """The installation's settings: data defaults, then settings.RECAUDO_COMPLIANCE, then `overrides`."""
    values = dict(getattr(django_settings, "RECAUDO_COMPLIANCE", {}) or {})
    values.update(overrides or {})
    return ComplianceSettings.from_rules(RULES, values)


def debtor_timezone(debtor: Debtor | None, portfolio: Portfolio | None, country: str) -> str:
    if debtor is not None and debtor.timezone:
        return debtor.timezone
    if portfolio is not None and portfolio.timezone:
        return portfolio.timezone
    return RULES.capital_tz.get(country, "UTC")


def debtor_history(debtor: Debtor, until: datetime, days: int = HISTORY_DAYS) -> list[ContactEvent]:
    rows = ContactAttempt.objects.filter(debtor=debtor, at__lte=until, at__gt=until - timedelta(days=days))
    return [ContactEvent(at=a.at, channel=a.channel, effective=a.effective, direction=a.direction)
            for a in rows.order_by("at", "id")]


def debtor_consents(debtor: Debtor, contact: Contact | None = None) -> dict[str, str]:
    """channel -> granted/revoked. One contact: its own consents. Whole debtor: granted if any collectable contact
    granted the channel; references never count."""
    consents = Consent.objects.filter(contact__debtor=debtor).exclude(contact__role=Contact.Role.REFERENCE)
    if contact is not None:
        consents = Consent.objects.filter(contact=contact)
    result: dict[str, str] = {}
    for consent in consents:
        if result.get(consent.channel) != Consent.Status.GRANTED:
            result[consent.channel] = str(consent.status)
    return result


def debtor_preferences(debtor: Debtor) -> dict | None:
    """The channels and hours the debtor chose (portfolio.ContactPreference) as rules.decide reads them, or None."""
    pref = ContactPreference.objects.filter(debtor=debtor).first()
    if pref is None:
        return None
    hours = ([pref.hours_from.strftime("%H:%M"), pref.hours_to.strftime("%H:%M")]
             if pref.hours_from is not None and pref.hours_to is not None else None)
    return {"channels": list(pref.channels or []), "hours": hours}


def _resolve(portfolio, debtor, country):
    if debtor is not None:
        if portfolio is not None and debtor.portfolio_id != portfolio.pk:
            raise ComplianceError("the debtor belongs to another portfolio")
        portfolio = debtor.portfolio
    country = (country or (portfolio.country if portfolio is not None else "")).strip().upper()
    if not country:
        raise ComplianceError("a country is needed (or a portfolio)")
    return portfolio, country


def _event_json(e: ContactEvent) -> dict[str, Any]:
    return {"at": e.at.isoformat(), "channel": e.channel, "effective": e.effective, "direction": e.direction}


def _store(*, portfolio, debtor, country, action, at, tz, allowed, reasons, next_allowed_at, rule_version, context,
           actor) -> ComplianceDecision:
    with transaction.atomic():
        return ComplianceDecision.objects.create(
            portfolio=portfolio, debtor=debtor, country=country, action=action, at=at, tz=tz, allowed=allowed,
            reasons=[r.as_dict() for r in reasons], next_allowed_at=next_allowed_at, rule_version=rule_version,
            context=context, actor=actor if actor is not None and not isinstance(actor, str) else None,
            actor_label=actor_label_for(actor),
        )


def compliance_check(
    *,
    channel: str,
    at: datetime,
    portfolio: Portfolio | None = None,
    debtor: Debtor | None = None,
    contact: Contact | None = None,
    country: str | None = None,
    tz: str | None = None,
    contact_role: str | None = None,
    record: bool = True,
    actor=None,
    settings: ComplianceSettings | None = None,
    direction: str = OUTBOUND,
) -> Decision:
    """Decide whether a `channel` contact at `at` is allowed; store the decision as evidence when `record`.
    `direction` "inbound": the debtor started it (see rules.decide); it is still decided and stored as evidence.

    With a debtor, its contact history and consents count (a given `contact`: that contact's role and consents);
    without one, only hours, holidays and fixed bans are checked. The time zone is `tz`, else the debtor's, else
    the portfolio's, else the country's capital."""
    if contact is not None:
        debtor = debtor or contact.debtor
        if contact.debtor_id != debtor.pk:
            raise ComplianceError("the contact belongs to another debtor")
    portfolio, country = _resolve(portfolio, debtor, country)
    tz = tz or debtor_timezone(debtor, portfolio, country)
    resolve_zone(tz)
    settings = settings or compliance_settings()
    history: list[ContactEvent] = []
    consents = None
    preferences = None
    role = contact_role or (contact.role if contact is not None else "debtor")
    if debtor is not None:
        history = debtor_history(debtor, at)
        consents = debtor_consents(debtor, contact)
        preferences = debtor_preferences(debtor)
    decision = decide(country=country, channel=channel, at=at, tz=tz, history=history, consents=consents,
                      contact_role=role, settings=settings, direction=direction, preferences=preferences)
    if not record:
        return decision
    context = {
        "history": [_event_json(e) for e in history],
        "consents": consents,
        "preferences": preferences,
        "contact_role": role,
        "direction": direction,
        "contact_id": contact.pk if contact is not None else None,
        "settings": decision.settings,
        "checked_at_local": decision.at.isoformat(),
    }
    row = _store(portfolio=portfolio, debtor=debtor, country=country, action=channel, at=at, tz=tz,
                 allowed=decision.allowed, reasons=decision.reasons, next_allowed_at=decision.next_allowed_at,
                 rule_version=decision.rule_version, context=context, actor=actor)
    return dataclasses.replace(decision, evidence_id=row.pk)


def contact_attempt_record(
    *,
    debtor: Debtor,
    channel: str,
    at: datetime,
    effective: bool = False,
    outcome: str = ContactAttempt.Outcome.OTHER,
    contact: Contact | None = None,
    notes: str = "",
    actor=None,
    enforce: bool = True,
    direction: str = OUTBOUND,
) -> ContactAttempt:
    """Record a contact attempt after checking it. Blocked and `enforce`: the evidence is kept and ContactBlocked is
    raised (nothing is recorded as attempted). `enforce=False` records history that happened anyway (imports), with
    the decision linked so a violation stays visible. `direction` "inbound" (the debtor started it): the hours and
    frequency rules do not block it, but it is recorded, with its decision as evidence, and counts where the law
    counts it."""
    decision = compliance_check(debtor=debtor, contact=contact, channel=channel, at=at, actor=actor,
                                direction=direction)
    if not decision.allowed and enforce:
        raise ContactBlocked(decision)
    outcome = ContactAttempt.Outcome(outcome)
    with transaction.atomic():
        attempt = ContactAttempt.objects.create(
            portfolio=debtor.portfolio, debtor=debtor, contact=contact, channel=channel, at=at,
            effective=effective, direction=direction, outcome=outcome, notes=notes[:500],
            decision_id=decision.evidence_id,
            created_by=actor if actor is not None and not isinstance(actor, str) else None,
        )
        audit_record(event_type="contact.attempted", subject=attempt, actor=actor, portfolio=debtor.portfolio,
                     debtor=debtor, changes={"channel": channel, "direction": direction, "at": at,
                                             "effective": effective,
                                             "outcome": outcome, "allowed": decision.allowed,
                                             "compliance_decision": decision.evidence_id})
    return attempt


def contact_schedule(*, debtor: Debtor, channel: str, requested_at: datetime, contact: Contact | None = None,
                     actor=None, direction: str = OUTBOUND) -> Decision:
    """When a message or agent task asked for `requested_at` may go out: `decision.send_at` is `requested_at` when
    allowed, else the next allowed instant (never earlier); None means it may never go and the caller must surface
    the reasons (never drop it silently). `direction` "inbound": an answer the debtor asked for. The decision is
    stored as evidence. Re-check at send time: contacts made in between can move the time further."""
    return compliance_check(debtor=debtor, contact=contact, channel=channel, at=requested_at, actor=actor,
                            direction=direction)


def _claim_since(debtor: Debtor, portfolio) -> date | None:
    """The business date the debtor's 'reclamo en tramite' mark was set (Debtor.habeas_claim_since, kept by
    privacy's habeas data services), or None."""
    since = Debtor.objects.filter(pk=debtor.pk).values_list("habeas_claim_since", flat=True).first()
    return portfolio.today(since) if since is not None else None


def bureau_report_check(
    *,
    debtor: Debtor,
    report_date: date,
    notice_dates: list[date],
    debt_minor: int | None = None,
    arrears_since: date | None = None,
    record: bool = True,
    actor=None,
    settings: ComplianceSettings | None = None,
) -> BureauDecision:
    """Whether a negative credit-bureau report of `debtor` may go on `report_date`; stored as evidence. A debtor
    with a habeas data claim in progress (the 'reclamo en tramite' mark) is never reported until it is answered."""
    portfolio = debtor.portfolio
    debt_minor = debtor.balance_minor if debt_minor is None else debt_minor
    if arrears_since is None and debtor.oldest_due_date is not None:
        arrears_since = debtor.oldest_due_date + timedelta(days=1)
    settings = settings or compliance_settings()
    claim_since = _claim_since(debtor, portfolio)
    decision = decide_bureau_report(country=portfolio.country, notice_dates=notice_dates, report_date=report_date,
                                    debt_minor=debt_minor, currency=portfolio.currency, arrears_since=arrears_since,
                                    settings=settings, claim_open_since=claim_since)
    if not record:
        return decision
    tz = debtor_timezone(debtor, portfolio, portfolio.country)
    zone = resolve_zone(tz)
    next_at = (datetime.combine(decision.next_allowed_on, time(0), tzinfo=zone).astimezone(UTC)
               if decision.next_allowed_on else None)
    context = {"notice_dates": [d.isoformat() for d in notice_dates], "debt_minor": debt_minor,
               "currency": portfolio.currency, "arrears_since": arrears_since.isoformat() if arrears_since else None,
               "report_date": report_date.isoformat(), "settings": decision.settings,
               "claim_open_since": claim_since.isoformat() if claim_since else None}
    row = _store(portfolio=portfolio, debtor=debtor, country=portfolio.country, action="bureau_report",
                 at=datetime.combine(report_date, time(0), tzinfo=zone), tz=tz, allowed=decision.allowed,
                 reasons=decision.reasons, next_allowed_at=next_at, rule_version=decision.rule_version,
                 context=context, actor=actor)
    return dataclasses.replace(decision, evidence_id=row.pk)
