"""Ledger reads shaped for pages: the debtor page (debtor 360) with its obligations, ledger entries and timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Max

from recaudo.audit.models import AuditEvent
from recaudo.portfolio.aging import Aged, aged, days_past_due
from recaudo.portfolio.masking import mask_changes, mask_contact, mask_text
from recaudo.portfolio.models import Contact, Debtor, Obligation, Portfolio
from recaudo.portfolio.selectors import consents_prefetch, debtor_aging, mask_debtor

from .models import Entry

LEDGER_LIMIT = 100
LEDGER_ALL_LIMIT = 5_000
OBLIGATION_LIMIT = 300
TIMELINE_LIMIT = 100


@dataclass
class Debtor360:
    """Obligations carry `aging` (open ones: days past due and bucket as of `as_of`) and `days_at_agreement`
    (refinanced ones: how late they were when the agreement was accepted); `aging` is the debtor's own."""

    debtor: Debtor
    as_of: date
    contacts: list[Contact]
    obligations: list[Obligation]
    obligations_total: int
    entries: list[Entry]
    entries_more: bool
    events: list[AuditEvent]
    events_more: bool
    aging: Aged | None = None

    @property
    def open_obligations(self) -> list[Obligation]:
        return [o for o in self.obligations if o.status == Obligation.Status.OPEN]


def debtor_360(portfolio: Portfolio, debtor_id: int, as_of: date, ledger_all: bool = False) -> Debtor360:
    """Everything the debtor page shows. Raises Debtor.DoesNotExist for a debtor outside the portfolio."""
    debtor = Debtor.objects.get(portfolio=portfolio, pk=debtor_id)
    contacts = list(
        Contact.objects.filter(debtor=debtor)
        .prefetch_related(consents_prefetch())
        .order_by("role", "-is_primary", "channel", "pk")
    )
    obligations_qs = Obligation.objects.filter(debtor=debtor)
    # An obligation refinanced into an agreement shows how late it was when the agreement was accepted.
    obligations = list(obligations_qs.annotate(agreed_on=Max("agreements__accepted_on"))
                       .order_by("due_date", "number")[:OBLIGATION_LIMIT])
    obligations_total = len(obligations)
    if obligations_total == OBLIGATION_LIMIT:
        obligations_total = obligations_qs.count()
    for obligation in obligations:
        obligation.aging = (aged(obligation.due_date, as_of, portfolio.buckets)
                            if obligation.status == Obligation.Status.OPEN else None)
        obligation.days_at_agreement = (
            days_past_due(obligation.due_date, obligation.agreed_on)
            if obligation.status == Obligation.Status.IN_AGREEMENT and obligation.agreed_on else None)
    open_first = sorted(obligations, key=lambda o: (o.status != Obligation.Status.OPEN, o.due_date, o.number))
    limit = LEDGER_ALL_LIMIT if ledger_all else LEDGER_LIMIT
    entries = list(
        Entry.objects.filter(debtor=debtor)
        .select_related("obligation")
        .only("pk", "value_date", "kind", "component", "amount_minor", "memo", "created_at", "reverses_id",
              "obligation__number", "obligation__currency", "obligation__description")
        .order_by("-value_date", "-pk")[: limit + 1]
    )
    events = list(AuditEvent.objects.filter(debtor=debtor).order_by("-at", "-pk")[: TIMELINE_LIMIT + 1])
    return Debtor360(
        debtor=debtor, as_of=as_of, contacts=contacts, obligations=open_first, obligations_total=obligations_total,
        entries=entries[:limit], entries_more=len(entries) > limit,
        events=events[:TIMELINE_LIMIT], events_more=len(events) > TIMELINE_LIMIT,
        aging=debtor_aging(debtor, as_of, portfolio.buckets),
    )


def mask_360(view: Debtor360) -> Debtor360:
    """The debtor page as a viewer sees it: ID, contact values, holders and the timeline's contact data masked
    (recaudo.portfolio.masking; Ley 1581 de 2012 art. 4 (g)). In memory only."""
    mask_debtor(view.debtor)
    for contact in view.contacts:
        contact.value = mask_contact(contact.channel, contact.value)
        contact.holder_name = mask_text(contact.holder_name)
    for event in view.events:
        event.changes = mask_changes(event.changes)
    return view
