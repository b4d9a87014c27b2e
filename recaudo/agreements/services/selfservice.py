"""What a debtor does alone in the portal (issue 16 section 2): promise to pay within the portfolio's policy (held
exactly like an agent's promise, promises.promise_record), and plans within the self-service limits (the authority
matrix's agent row, narrowed by the portfolio's self-service settings): accepting one with the checkbox records the
evidence (time, client address, the text's version and SHA-256) and produces the accepted agreement; a proposal
beyond the limits becomes a settlement offer waiting in the approvals queue, and its status is what the portal
tells the debtor. The actor is the debtor's portal label (audit.services.portal_actor)."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from recaudo.accounts.models import Role
from recaudo.audit.services import actor_label_for, audit_record, require_portal_debtor
from recaudo.core.money import active_locale, format_amount, from_minor
from recaudo.ledger.interest import RateAboveCap
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .. import rules
from ..models import Acceptance, Agreement, Offer, Promise
from ..rules import OfferTerms, PlanError, SelfPromiseWindow, check_plan_rate, needs_approval, simulate_plan
from ..selectors import in_accepted_agreements
from .common import (
    AgreementError,
    agreement_settings,
    field_label,
    included_obligations,
    money_minor,
    not_a,
    today_for,
)
from .offers import is_self_proposal, offer_accept, offer_evaluate
from .permissions import limits_for
from .plans import agreement_accept, agreement_create, legal_cap
from .promises import promise_record

TEXT_MAX_CHARS = 20_000  # the acceptance text the debtor read (kept whole as evidence)
SELF_ROLE = "debtor"  # Offer.requested_role of a debtor's own proposal


def _date(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise not_a("date", field, value) from None


def _check_debtor(portfolio: Portfolio, debtor: Debtor, actor) -> None:
    if debtor.portfolio_id != portfolio.pk:
        raise AgreementError(gettext("debtor: belongs to another portfolio"), field="debtor")
    require_portal_debtor(actor, debtor.pk)


def _owed(debtor: Debtor, today: date) -> tuple[int, int]:
    """(overdue, owed) of the debtor's open obligations with a balance, in minor units."""
    overdue = owed = 0
    for due, balance in Obligation.objects.filter(debtor=debtor, status=Obligation.Status.OPEN,
                                                  balance_minor__gt=0).values_list("due_date", "balance_minor"):
        owed += balance
        if due < today:
            overdue += balance
    return overdue, owed


# ---------------------------------------------------------------------------------------------------------------
# Promise to pay
# ---------------------------------------------------------------------------------------------------------------
def self_promise_window_for(*, portfolio: Portfolio, debtor: Debtor, today: date | None = None,
                            now: datetime | None = None) -> SelfPromiseWindow:
    """The latest date and the least and largest amounts the debtor may promise today (a read, for the form)."""
    today = today_for(portfolio, today, now)
    conf = agreement_settings(portfolio)
    overdue, owed = _owed(debtor, today)
    return rules.self_promise_window(today=today, overdue_minor=overdue, owed_minor=owed,
                                     max_days=conf.self_promise_max_days, min_pct=conf.self_promise_min_pct,
                                     min_minor=conf.self_promise_min_minor)


@transaction.atomic
def self_promise_record(*, portfolio: Portfolio, debtor: Debtor, amount, due_date, actor, channel: str = "portal",
                        now: datetime | None = None) -> Promise:
    """The debtor promises to pay `amount` by `due_date` (a date or "YYYY-MM-DD"): within the window of
    self_promise_window_for, else AgreementError at the field ("amount", "due_date"). Recorded by
    promises.promise_record (source "debtor"): one pending promise per debtor, reminders pause, judged kept or broken
    like an agent's."""
    now = now or timezone.now()
    _check_debtor(portfolio, debtor, actor)
    today = portfolio.today(now)
    due = _date(due_date, "due_date")
    minor = money_minor(amount, portfolio.currency, "amount")
    window = self_promise_window_for(portfolio=portfolio, debtor=debtor, today=today)
    problem = rules.self_promise_problem(amount_minor=minor, due_date=due, today=today, window=window)
    if problem is not None:
        field, code = problem
        # amounts and dates as the portal's pages write them (1.234.567,89 and 31/12/2026 in es-CO)
        money = {"minimum": format_amount(from_minor(window.minimum_minor, portfolio.currency), active_locale(),
                                          portfolio.currency),
                 "maximum": format_amount(from_minor(window.maximum_minor, portfolio.currency), active_locale(),
                                          portfolio.currency),
                 "latest": date_format(window.latest, "SHORT_DATE_FORMAT"),
                 "today": date_format(today, "SHORT_DATE_FORMAT"), "currency": portfolio.currency}
        money["field"] = gettext("promised date") if field == "due_date" else field_label("amount")
        texts = {
            "nothing_owed": gettext("%(field)s: there is nothing open to promise"),
            "past": gettext("%(field)s: choose today (%(today)s) or a later day"),
            "too_late": gettext("%(field)s: at the latest %(latest)s"),
            "too_small": gettext("%(field)s: at least %(minimum)s %(currency)s"),
            "too_large": gettext("%(field)s: at most what you owe, %(maximum)s %(currency)s"),
        }
        raise AgreementError(texts[code] % money, field=field)
    promise = promise_record(portfolio=portfolio, debtor=debtor, amount=from_minor(minor, portfolio.currency),
                             due_date=due, channel=channel, source=Promise.Source.DEBTOR, actor=actor, now=now,
                             notes=gettext("Promise made by the debtor in the portal"))
    audit_record(event_type="promise.self_service", subject=promise, actor=actor, portfolio=portfolio, debtor=debtor,
                 changes={"amount": from_minor(minor, portfolio.currency), "due_date": due,
                          "latest": window.latest, "minimum": from_minor(window.minimum_minor, portfolio.currency)})
    return promise


# ---------------------------------------------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanOffer:
    """A plan the debtor may accept alone: the down payment today, then `installments` monthly installments."""

    installments: int
    down_payment: Decimal
    installment: Decimal  # the first regular installment (the last may differ by the rounding)
    total_interest: Decimal
    total: Decimal  # down payment + installments
    first_due: date
    last_due: date
    rate: Decimal  # monthly effective (0: interest-free)
    currency: str


@dataclass(frozen=True)
class SelfPlanResult:
    """What a debtor's plan came to: "accepted" (the agreement) or "pending_approval" (the offer waiting in the
    approvals queue, with the reasons it needs one)."""

    status: str
    agreement: Agreement | None = None
    offer: Offer | None = None
    reasons: tuple[str, ...] = ()


def _self_terms(portfolio: Portfolio, today: date):
    """(limits, rate, rate_kind, first_due, cap_ok) of the portfolio's self-service plans."""
    conf = agreement_settings(portfolio)
    limits = rules.self_service_limits(limits_for(portfolio, Role.AGENT),
                                       max_installments=conf.self_plan_max_installments)
    rate = Decimal(conf.self_plan_rate or 0)
    kind = "monthly" if rate > 0 else "none"
    cap, source = legal_cap(portfolio.country, today)
    try:
        check_plan_rate(rate, kind, cap, source)
        cap_ok = True
    except (RateAboveCap, PlanError):
        cap_ok = False
    first_due = rules.due_dates(today, 2)[1]  # one month from today (clamped to the month's end)
    return conf, limits, rate, kind, first_due, cap_ok


def self_plan_offers(*, portfolio: Portfolio, debtor: Debtor, obligations=None, today: date | None = None,
                     now: datetime | None = None) -> list[PlanOffer]:
    """The plans the debtor may accept alone for `obligations` (default: every open one with a balance, not
    disputed, not already in an agreement): the least down payment (the portfolio's %), 1 to the self-service
    maximum of monthly installments at the portfolio's self-service rate, each within the authority matrix's agent
    limits (installments, term, interest) and the legal cap. Nothing when the rate is above the cap or the agent may
    not grant it. A read: nothing is written."""
    today = today_for(portfolio, today, now)
    found = _plan_obligations(debtor, obligations)
    conf, limits, rate, kind, first_due, cap_ok = _self_terms(portfolio, today)
    if not cap_ok or not found:
        return []
    currency = portfolio.currency
    debt = sum(o.balance_minor for o in found)
    down = rules.self_down_payment_minor(debt, conf.self_plan_min_down_pct)
    offers = []
    for n in range(1, (limits.max_installments or 0) + 1):
        try:
            schedule = simulate_plan(amount=from_minor(debt, currency), installments=n, rate=rate, rate_kind=kind,
                                     start=first_due, down_payment=from_minor(down, currency), currency=currency)
        except PlanError:
            continue
        terms = OfferTerms(installments=n, term_months=rules.months_between(today, schedule[-1].due_date),
                           interest_bearing=rate > 0)
        if needs_approval(terms, limits)[0]:
            continue
        totals = rules.plan_totals(schedule)
        offers.append(PlanOffer(installments=n, down_payment=from_minor(down, currency),
                                installment=schedule[0].installment, total_interest=totals["total_interest"],
                                total=totals["total_paid"] + from_minor(down, currency), first_due=schedule[0].due_date,
                                last_due=schedule[-1].due_date, rate=rate, currency=currency))
    return offers


def _plan_obligations(debtor: Debtor, obligations) -> list[Obligation]:
    if obligations is None:
        ids = list(Obligation.objects.filter(debtor=debtor, status=Obligation.Status.OPEN, balance_minor__gt=0,
                                             disputed=False).values_list("pk", flat=True))
        busy = in_accepted_agreements(ids) if ids else set()
        obligations = [pk for pk in ids if pk not in busy]
        if not obligations:
            return []
    return included_obligations(debtor, obligations)


def _evidence_text(text: str, text_version: str) -> tuple[str, str, str]:
    text = (text or "").strip()
    text_version = (text_version or "").strip()
    if not text:
        raise AgreementError(gettext("text: the text the debtor accepted is required"), field="text")
    if len(text) > TEXT_MAX_CHARS:
        raise AgreementError(gettext("text: at most %(max)s characters") % {"max": TEXT_MAX_CHARS}, field="text")
    if not text_version or len(text_version) > 40:
        raise AgreementError(gettext("text version: required, at most 40 characters"), field="text_version")
    return text, text_version, hashlib.sha256(text.encode("utf-8")).hexdigest()


def _client_address(value) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise AgreementError(gettext("client address: not an IP address"), field="client_address") from None


@transaction.atomic
def self_plan_propose(*, portfolio: Portfolio, debtor: Debtor, installments, down_payment, actor, accepted: bool,
                      text: str, text_version: str, client_address: str | None = None, obligations=None,
                      today: date | None = None, now: datetime | None = None) -> SelfPlanResult:
    """The debtor chose a plan: `installments` monthly installments after `down_payment` (paid today), for
    `obligations` (default: every one self_plan_offers covers), at the portfolio's self-service rate.

    Within the self-service limits (those of self_plan_offers, and a down payment of at least the portfolio's %):
    the debtor must have ticked the box (`accepted`); the agreement is made and accepted (channel "portal_checkbox")
    with the evidence: the time, `client_address`, `text_version` and the SHA-256 of `text` (kept whole). Result
    "accepted" with the agreement (its PDF: web's agreement_pdf).

    Beyond them: a restructuring offer waiting in the approvals queue (requested_role "debtor", the reasons); result
    "pending_approval" with the offer; the portal shows its status (selectors.debtor_self_proposals). One waiting
    proposal per debtor."""
    now = now or timezone.now()
    today = today_for(portfolio, today, now)
    _check_debtor(portfolio, debtor, actor)
    debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
    found = _plan_obligations(debtor, obligations)
    if not found:
        raise AgreementError(gettext("obligations: nothing to include in a plan"), field="obligations")
    conf, limits, rate, kind, first_due, cap_ok = _self_terms(portfolio, today)
    try:
        n = int(str(installments).strip())
    except (TypeError, ValueError):
        raise not_a("whole", "installments", installments) from None
    if not 1 <= n <= rules.MAX_INSTALLMENTS:
        raise AgreementError(gettext("installments: from 1 to %(max)s") % {"max": rules.MAX_INSTALLMENTS},
                             field="installments")
    currency = portfolio.currency
    down = money_minor(down_payment if down_payment not in (None, "") else 0, currency, "down_payment")
    debt = sum(o.balance_minor for o in found)
    if not 0 <= down < debt:
        raise AgreementError(gettext("down payment: from 0 to less than what you owe (%(debt)s %(currency)s)")
                             % {"debt": from_minor(debt, currency), "currency": currency}, field="down_payment")
    least_down = rules.self_down_payment_minor(debt, conf.self_plan_min_down_pct)
    try:
        schedule = simulate_plan(amount=from_minor(debt, currency), installments=n, rate=rate, rate_kind=kind,
                                 start=first_due, down_payment=from_minor(down, currency), currency=currency)
    except PlanError as exc:
        raise AgreementError(f"{exc.field}: {exc.message}", field=exc.field) from None
    terms = OfferTerms(installments=n, term_months=rules.months_between(today, schedule[-1].due_date),
                       interest_bearing=rate > 0)
    beyond, reasons = needs_approval(terms, limits)
    if down < least_down:
        beyond = True
        reasons = [*reasons, f"down payment {from_minor(down, currency)} below {from_minor(least_down, currency)}"]
    if not cap_ok:
        beyond = True
        reasons = [*reasons, "the self-service rate is above the legal cap"]
    params = {"installments": n, "frequency": "monthly", "first_due": first_due.isoformat(), "rate": str(rate),
              "rate_kind": kind, "down_payment": str(from_minor(down, currency)), "discount_pct": "0"}
    if beyond:
        if Offer.objects.filter(debtor=debtor, requested_role=SELF_ROLE, status=Offer.Status.PENDING).exists():
            raise AgreementError(gettext("installments: you already have a proposal waiting for an answer"),
                                 field="installments")
        clean, debt_minor, forgiven, offer_terms = offer_evaluate(
            portfolio=portfolio, kind=Offer.Kind.RESTRUCTURING, obligations=found, params=params, today=today)
        offer = Offer.objects.create(
            portfolio=portfolio, debtor=debtor, kind=Offer.Kind.RESTRUCTURING, params=clean, debt_minor=debt_minor,
            forgiven_minor=forgiven, discount_pct=offer_terms.discount_pct, installments=offer_terms.installments,
            term_months=offer_terms.term_months, status=Offer.Status.PENDING, approval_reasons=reasons,
            requested_role=SELF_ROLE, reason=gettext("Proposed by the debtor in the portal"), created_at=now)
        offer.obligations.set(found)
        audit_record(event_type="offer.self_service_proposed", subject=offer, actor=actor, portfolio=portfolio,
                     debtor=debtor, changes={"params": clean, "debt": from_minor(debt_minor, currency),
                                             "approval_reasons": reasons})
        return SelfPlanResult(status=Offer.Status.PENDING, offer=offer, reasons=tuple(reasons))
    if not accepted:
        raise AgreementError(gettext("checkbox: tick the box to accept the plan"), field="checkbox")
    text, text_version, digest = _evidence_text(text, text_version)
    address = _client_address(client_address)
    agreement = agreement_create(portfolio=portfolio, debtor=debtor, obligations=found, installments=n,
                                 first_due=first_due, rate=rate, rate_kind=kind,
                                 down_payment=from_minor(down, currency), actor=actor, today=today, now=now)
    agreement = agreement_accept(agreement=agreement, channel=Acceptance.Channel.PORTAL_CHECKBOX, actor=actor,
                                 checkbox=True, evidence_text=text, today=today, now=now)
    Acceptance.objects.filter(agreement=agreement).update(client_address=address, text_version=text_version,
                                                          text_sha256=digest)
    audit_record(event_type="agreement.self_service_accepted", subject=agreement, actor=actor, portfolio=portfolio,
                 debtor=debtor, changes={"number": agreement.number, "installments": n,
                                         "down_payment": from_minor(down, currency), "at": now,
                                         "client_address": address, "text_version": text_version,
                                         "text_sha256": digest, "actor": actor_label_for(actor)})
    return SelfPlanResult(status="accepted", agreement=agreement)


@transaction.atomic
def self_offer_accept(*, offer: Offer, debtor: Debtor, actor, accepted: bool, text: str, text_version: str,
                      client_address: str | None = None, today: date | None = None,
                      now: datetime | None = None) -> SelfPlanResult:
    """The debtor accepts the proposal a supervisor approved (offers.offer_accept, channel "portal_checkbox"), with
    the same evidence as self_plan_propose. Only the debtor's own proposal (requested_role "debtor") or a
    supervisor's counter-offer to it (is_self_proposal)."""
    now = now or timezone.now()
    _check_debtor(offer.portfolio, debtor, actor)
    if offer.debtor_id != debtor.pk or not is_self_proposal(offer):
        raise AgreementError(gettext("offer: not one of your proposals"), field="offer")
    if not accepted:
        raise AgreementError(gettext("checkbox: tick the box to accept the plan"), field="checkbox")
    text, text_version, digest = _evidence_text(text, text_version)
    address = _client_address(client_address)
    offer = offer_accept(offer=offer, actor=actor, channel=Acceptance.Channel.PORTAL_CHECKBOX, checkbox=True,
                         evidence_text=text, today=today, now=now)
    if offer.status != Offer.Status.ACCEPTED:
        return SelfPlanResult(status=offer.status, offer=offer)
    Acceptance.objects.filter(agreement=offer.agreement).update(client_address=address, text_version=text_version,
                                                                text_sha256=digest)
    audit_record(event_type="agreement.self_service_accepted", subject=offer.agreement, actor=actor,
                 portfolio=offer.portfolio, debtor=debtor,
                 changes={"number": offer.agreement.number, "offer": offer.pk, "at": now, "client_address": address,
                          "text_version": text_version, "text_sha256": digest})
    return SelfPlanResult(status="accepted", agreement=offer.agreement, offer=offer)
