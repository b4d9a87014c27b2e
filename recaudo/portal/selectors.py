"""Portal reads: who an ID typed names, a portal session, and what a signed-in debtor may see (their own
obligations and the ones they are bound to as co-debtor or guarantor, never anyone else's), already computed for
the pages (aging as an `Aged` on the portfolio's date)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils.html import strip_tags

from recaudo.agreements.models import Agreement, AgreementInstallment, Offer
from recaudo.banking.models import Convenio
from recaudo.banking.selectors import References, active_convenio, payment_references
from recaudo.banking.services_gateways import active_account
from recaudo.certificates.models import Certificate
from recaudo.communications.contacts import contacts_for
from recaudo.communications.models import REQUESTED_SOURCES, Message
from recaudo.compliance.services import compliance_settings
from recaudo.ledger.accruals import ObligationLiquidation, debtor_liquidation
from recaudo.ledger.models import Entry, Payment
from recaudo.portfolio.aging import Aged, aged
from recaudo.portfolio.models import ContactPreference, Debtor, Obligation, ObligationParty, Portfolio
from recaudo.strategies.models import DebtorStrategyState, StepExecution
from recaudo.strategies.schema import all_steps

from .models import Challenge, PortalSession, Throttle

MESSAGE_LIMIT = 50
PAYMENT_LIMIT = 50
OBLIGATION_LIMIT = 300
SHOWN_MESSAGE_STATUSES = (Message.Status.SENT, Message.Status.DELIVERED)


def debtor_by_identifier(portfolio: Portfolio, normalized: str, typed: str) -> Debtor | None:
    """The debtor an ID number or customer code names (not anonymized), the oldest when several share it."""
    typed = (typed or "").strip()[:64]
    values = {v for v in (normalized, typed) if v}
    if not values:
        return None
    code = Q()
    for value in values:
        code |= Q(code__iexact=value)
    return (Debtor.objects.filter(portfolio=portfolio, anonymized_at__isnull=True)
            .filter(Q(id_number__in=values) | code).order_by("pk").first())


def sample_debtor(portfolio: Portfolio) -> Debtor | None:
    """A debtor to try the portal with (the demo prints it): owes something, has an ID number and a contact with
    consent for SMS, the first channel a portal code tries."""
    candidates = list(Debtor.objects.filter(portfolio=portfolio, balance_minor__gt=0, anonymized_at__isnull=True)
                      .exclude(id_number="").order_by("pk").values_list("pk", flat=True)[:200])
    found = contacts_for(candidates, "sms")
    first = next((pk for pk in candidates if pk in found), None)
    return Debtor.objects.get(pk=first) if first is not None else None


def throttle_times(*, portfolio: Portfolio, kind: str, identifier_hash: str = "", address: str = "",
                   destination_hash: str = "", since: datetime) -> dict[str, list[datetime]]:
    """The times of `kind` events since `since`, per key: {"id": [...], "address": [...], "destination": [...]}."""
    rows = Throttle.objects.filter(kind=kind, at__gt=since)
    out = {"id": list(rows.filter(portfolio=portfolio, identifier_hash=identifier_hash).values_list("at", flat=True)),
           "address": [], "destination": []}
    if address:
        out["address"] = list(rows.filter(address=address).values_list("at", flat=True))
    if destination_hash:
        out["destination"] = list(rows.filter(destination_hash=destination_hash).values_list("at", flat=True))
    return out


def challenge_by_key(portfolio: Portfolio, key_hash: str) -> Challenge | None:
    return Challenge.objects.filter(portfolio=portfolio, key_hash=key_hash).select_related("debtor").first()


def session_by_key(key_hash: str, now: datetime) -> PortalSession | None:
    """The open, unexpired portal session with that key (any portfolio: the caller compares it)."""
    if not key_hash:
        return None
    return (PortalSession.objects.filter(key_hash=key_hash, ended_at__isnull=True, expires_at__gt=now)
            .select_related("debtor", "portfolio").first())


def visible_obligations_q(debtor: Debtor) -> Q:
    """The obligations a debtor may see in the portal: their own and those they are a party to. The parties'
    obligations are read first (a few ids): `debtor = X OR id IN (subquery)` made PostgreSQL scan every obligation
    of the book (80 ms a page at 1,000,000), where `debtor = X OR id IN (ids)` reads two indexes."""
    bound = list(ObligationParty.objects.filter(debtor_id=debtor.pk).values_list("obligation_id", flat=True))
    mine = Q(debtor_id=debtor.pk) | Q(pk__in=bound) if bound else Q(debtor_id=debtor.pk)
    return Q(portfolio_id=debtor.portfolio_id) & mine


def visible_obligation(debtor: Debtor, pk: int) -> Obligation | None:
    """One obligation the debtor may see, or None (another debtor's: the caller answers 404)."""
    return Obligation.objects.filter(visible_obligations_q(debtor), pk=pk).select_related("debtor").first()


@dataclass
class PortalObligation:
    obligation: Obligation
    aging: Aged | None
    role: str  # "own", "co_debtor" or "guarantor"
    reference: str


@dataclass
class PortalOverview:
    portfolio: Portfolio
    debtor: Debtor
    as_of: date
    obligations: list[PortalObligation]
    total_minor: int  # what the debtor owes on their own obligations
    bound_minor: int  # what they are bound to on others' obligations
    payments: list[Payment]
    agreements: list[Agreement]
    next_installment: AgreementInstallment | None
    messages: list[Message]
    reference: str
    convenio: Convenio | None
    can_pay_online: bool
    bureau_report_on: date | None = None
    bureau_notice: BureauNotice | None = None
    more_obligations: bool = False
    extra: dict = field(default_factory=dict)


def _roles(debtor: Debtor, obligations: list[Obligation]) -> dict[int, str]:
    roles = dict(ObligationParty.objects.filter(debtor=debtor, obligation_id__in=[o.pk for o in obligations])
                 .values_list("obligation_id", "role"))
    return {o.pk: ("own" if o.debtor_id == debtor.pk else roles.get(o.pk, "co_debtor")) for o in obligations}


def next_installment(debtor: Debtor) -> AgreementInstallment | None:
    """The first installment of the debtor's accepted agreements that still owes something."""
    return (AgreementInstallment.objects
            .filter(agreement__debtor=debtor, agreement__status=Agreement.Status.ACCEPTED,
                    obligation__balance_minor__gt=0)
            .select_related("agreement", "obligation").order_by("due_date", "number").first())


def portal_overview(debtor: Debtor, now: datetime) -> PortalOverview:
    """Everything the portal's home page shows a signed-in debtor (a fixed number of queries)."""
    portfolio = debtor.portfolio
    as_of = portfolio.today(now)
    rows = list(Obligation.objects.filter(visible_obligations_q(debtor)).exclude(status=Obligation.Status.PAID,
                                                                                 balance_minor=0)
                .order_by("due_date", "number")[:OBLIGATION_LIMIT + 1])
    more = len(rows) > OBLIGATION_LIMIT
    rows = rows[:OBLIGATION_LIMIT]
    roles = _roles(debtor, rows)
    references: References = payment_references(portfolio, {o.debtor_id for o in rows} | {debtor.pk})
    obligations = [PortalObligation(
        obligation=o, role=roles[o.pk], reference=references.of_obligation(o.pk, o.debtor_id),
        aging=aged(o.due_date, as_of, portfolio.buckets) if o.status == Obligation.Status.OPEN else None)
        for o in rows]
    agreements = list(Agreement.objects.filter(debtor=debtor, status__in=[
        Agreement.Status.OFFERED, Agreement.Status.ACCEPTED, Agreement.Status.BROKEN, Agreement.Status.COMPLETED])
        .prefetch_related("schedule").order_by("-made_on", "-pk")[:20])
    messages = list(Message.objects.filter(debtor=debtor, status__in=SHOWN_MESSAGE_STATUSES)
                    .exclude(source__in=REQUESTED_SOURCES)
                    .only("pk", "channel", "subject", "sent_at", "created_at", "status", "provider_payload", "body",
                          "html").order_by("-created_at", "-pk")[:MESSAGE_LIMIT])
    for m in messages:  # what the debtor read: the plain text (an e-mail's HTML without its tags)
        m.shown_text = ((m.provider_payload or {}).get("text") or strip_tags(m.body or ""))[:600]
    state = DebtorStrategyState.objects.filter(debtor=debtor).only("bureau_report_on").first()
    return PortalOverview(
        portfolio=portfolio, debtor=debtor, as_of=as_of, obligations=obligations,
        total_minor=sum(o.obligation.balance_minor for o in obligations if o.role == "own"),
        bound_minor=sum(o.obligation.balance_minor for o in obligations if o.role != "own"),
        payments=list(Payment.objects.filter(debtor=debtor).order_by("-date", "-pk")[:PAYMENT_LIMIT]),
        agreements=agreements, next_installment=next_installment(debtor), messages=messages,
        reference=references.of_debtor(debtor.pk), convenio=active_convenio(portfolio),
        can_pay_online=active_account(portfolio) is not None,
        bureau_report_on=state.bureau_report_on if state else None, more_obligations=more,
        bureau_notice=bureau_notice(debtor))


@dataclass(frozen=True)
class BureauNotice:
    """A prior notice of a negative credit-bureau report (Ley 1266 de 2008 art. 12, Ley 2157 de 2021): sent on
    `sent_on`; no report before `report_from` (the notice date plus the compliance settings' days)."""

    sent_on: date
    report_from: date


def bureau_notice(debtor: Debtor) -> BureauNotice | None:
    """The debtor's latest bureau notice still pending: a strategy step named as a `notice_steps` of a
    `report_bureau` step ran (outcome done) and that report has not been made in the same episode."""
    executions = list(StepExecution.objects.filter(debtor=debtor, outcome="done")
                      .select_related("strategy_version").order_by("-business_date", "-pk")[:200])
    if not executions:
        return None
    reports: dict[int, dict[str, str]] = {}  # version id -> notice step key -> its report step key
    for version in {e.strategy_version for e in executions}:
        reports[version.pk] = {notice: step["key"] for step in all_steps(version.content or {"stages": []})
                               if step.get("action") == "report_bureau" for notice in step.get("notice_steps", [])}
    done = {(e.strategy_id, e.episode, e.step_key) for e in executions}
    for e in executions:
        report_key = reports[e.strategy_version_id].get(e.step_key)
        if report_key and (e.strategy_id, e.episode, report_key) not in done:
            days = compliance_settings().bureau_min_days_after_notice
            return BureauNotice(sent_on=e.business_date, report_from=e.business_date + timedelta(days=days))
    return None


@dataclass
class ObligationDetail:
    obligation: Obligation
    aging: Aged | None
    role: str
    liquidation: ObligationLiquidation | None
    entries: list[Entry]
    as_of: date


def obligation_detail(debtor: Debtor, obligation: Obligation, now: datetime) -> ObligationDetail:
    """One visible obligation: its aging, its late-interest liquidation line by line (ledger's
    debtor_liquidation, the same the office's PDF prints) and its ledger lines (charges, interest, payments)."""
    portfolio = debtor.portfolio
    as_of = portfolio.today(now)
    owner = obligation.debtor
    owner.portfolio = portfolio
    liquidation = next((row for row in debtor_liquidation(owner, as_of) if row.obligation.pk == obligation.pk), None)
    entries = list(Entry.objects.filter(obligation=obligation).order_by("value_date", "pk")[:500])
    return ObligationDetail(
        obligation=obligation, role=_roles(debtor, [obligation])[obligation.pk], liquidation=liquidation,
        entries=entries, as_of=as_of,
        aging=aged(obligation.due_date, as_of, portfolio.buckets)
        if obligation.status == Obligation.Status.OPEN else None)


def own_obligations(debtor: Debtor, *, disputable: bool = False) -> list[Obligation]:
    """The obligations the debtor owes themselves (not those they are only co-debtor or guarantor of): what they may
    dispute or name in a receipt. `disputable`: only those with a balance and not disputed yet."""
    rows = Obligation.objects.filter(portfolio_id=debtor.portfolio_id, debtor_id=debtor.pk)
    if disputable:
        rows = rows.filter(balance_minor__gt=0, disputed=False)
    return list(rows.order_by("number", "pk")[:OBLIGATION_LIMIT])


def debtor_certificate(debtor: Debtor, pk: int) -> Certificate | None:
    """One of the debtor's own certificates by id, or None (another debtor's: the caller answers 404)."""
    return Certificate.objects.filter(debtor_id=debtor.pk, portfolio_id=debtor.portfolio_id, pk=pk) \
        .select_related("portfolio").first()


def contact_preference(debtor: Debtor) -> ContactPreference | None:
    """The channels and hours the debtor chose, or None."""
    return ContactPreference.objects.filter(debtor_id=debtor.pk).first()


# Agreements that were accepted (in force, completed or broken): the ones whose PDF the debtor may download.
ACCEPTED_AGREEMENT_STATUSES = (Agreement.Status.ACCEPTED, Agreement.Status.COMPLETED, Agreement.Status.BROKEN)


def debtor_agreement(debtor: Debtor, pk: int) -> Agreement | None:
    """One of the debtor's own accepted agreements by id, or None (another debtor's, or one the debtor is only
    co-debtor or guarantor of: the PDF names the debtor who signed it; the caller answers 404)."""
    return (Agreement.objects.filter(debtor_id=debtor.pk, portfolio_id=debtor.portfolio_id, pk=pk,
                                     status__in=ACCEPTED_AGREEMENT_STATUSES)
            .select_related("portfolio", "debtor").first())


def _acceptable_offers_q(debtor: Debtor, today: date) -> Q:
    return (Q(debtor_id=debtor.pk, portfolio_id=debtor.portfolio_id, status=Offer.Status.APPROVED)
            & (Q(requested_role="debtor") | Q(counter_of__requested_role="debtor"))
            & (Q(expires_on__isnull=True) | Q(expires_on__gte=today)))


def acceptable_offers(debtor: Debtor, today: date) -> list[Offer]:
    """The debtor's proposals (or a supervisor's counter-offers to them) approved and not expired: what the
    portal offers to accept with the checkbox (agreements.services.selfservice.self_offer_accept)."""
    return list(Offer.objects.filter(_acceptable_offers_q(debtor, today)).select_related("counter_of")
                .order_by("-created_at", "-pk")[:10])


def acceptable_offer(debtor: Debtor, pk: int, today: date) -> Offer | None:
    """One of acceptable_offers by id, or None (another debtor's, pending, rejected, expired)."""
    return Offer.objects.filter(_acceptable_offers_q(debtor, today), pk=pk).select_related("counter_of").first()
