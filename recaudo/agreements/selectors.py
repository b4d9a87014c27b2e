"""Reads of promises, agreements and offers (the legal rate tables' reads are in recaudo.ledger.rates)."""

from __future__ import annotations

from datetime import date, timedelta

from recaudo.portfolio.masking import mask_free_text
from recaudo.portfolio.models import Obligation
from recaudo.portfolio.selectors import mask_debtor

from . import rules
from .models import Agreement, AgreementObligation, Offer, Promise

# ---------------------------------------------------------------------------------------------------------------
# Promises, agreements, offers
# ---------------------------------------------------------------------------------------------------------------
BROKEN_PROMISE_DAYS = 30


def broken_promise_debtors(portfolio, today: date, days: int = BROKEN_PROMISE_DAYS) -> set[int]:
    """Debtors with a promise found broken in the last `days` days (the strategy condition `promise_broken`)."""

    return set(Promise.objects.filter(portfolio=portfolio, status=Promise.Status.BROKEN,
                                      evaluated_on__gt=today - timedelta(days=days), evaluated_on__lte=today)
               .values_list("debtor_id", flat=True))


def debtor_promises(debtor):

    return Promise.objects.filter(debtor=debtor).select_related("created_by").order_by("-created_at", "-id")


def debtor_promises_page(debtor, limit: int = 50) -> list:
    """The debtor's latest promises, each with `decided` (rules.promise_decided: what was paid toward it is known)."""

    promises = list(debtor_promises(debtor)[:limit])
    for promise in promises:
        promise.decided = rules.promise_decided(promise.status)
    return promises


def debtor_agreements(debtor):

    return Agreement.objects.filter(debtor=debtor).order_by("-created_at", "-id")


def debtor_offers(debtor):

    return (Offer.objects.filter(debtor=debtor).select_related("requested_by", "decided_by")
            .order_by("-created_at", "-id"))


def approvals_queue(portfolio):

    return (Offer.objects.filter(portfolio=portfolio, status=Offer.Status.PENDING)
            .select_related("debtor", "requested_by").prefetch_related("obligations").order_by("created_at", "id"))


def recent_decisions(portfolio, limit: int = 20):

    return list(Offer.objects.filter(portfolio=portfolio, decided_at__isnull=False)
                .select_related("debtor", "requested_by", "decided_by").order_by("-decided_at")[:limit])


def mask_agreement(agreement):
    """An agreement as a viewer sees it (page and PDF): the debtor's ID and the acceptance evidence's contact data
    masked (recaudo.portfolio.masking; in memory, never saved)."""

    mask_debtor(agreement.debtor)
    acceptance = getattr(agreement, "acceptance", None)  # the reverse one-to-one raises AttributeError when absent
    if acceptance is not None:
        acceptance.evidence_text = mask_free_text(acceptance.evidence_text)
    return agreement


# ---------------------------------------------------------------------------------------------------------------
# What may be included, what may be done (the answers of rules, for the pages)
# ---------------------------------------------------------------------------------------------------------------
def in_accepted_agreements(obligation_ids) -> set[int]:
    """Those of the obligations that are in an accepted agreement."""

    return set(AgreementObligation.objects.filter(obligation_id__in=list(obligation_ids),
                                                  agreement__status=Agreement.Status.ACCEPTED)
               .values_list("obligation_id", flat=True))


def agreement_eligible_obligations(debtor):
    """The debtor's obligations an agreement or an offer may include (rules.obligation_problem), oldest due first."""

    candidates = list(Obligation.objects.filter(debtor=debtor, balance_minor__gt=0)
                      .values_list("pk", "balance_minor", "disputed"))
    busy = in_accepted_agreements(pk for pk, _b, _d in candidates)
    eligible = [pk for pk, balance, disputed in candidates
                if rules.obligation_problem(balance_minor=balance, disputed=disputed,
                                            in_accepted_agreement=pk in busy) is None]
    return Obligation.objects.filter(pk__in=eligible).order_by("due_date", "number")


def promise_eligible_obligations(debtor):
    """The debtor's obligations a promise may name (rules.promise_obligation_eligible), oldest due first."""

    candidates = Obligation.objects.filter(debtor=debtor, status=Obligation.Status.OPEN, balance_minor__gt=0)
    eligible = [pk for pk, status, balance in candidates.values_list("pk", "status", "balance_minor")
                if rules.promise_obligation_eligible(status=status, balance_minor=balance)]
    return Obligation.objects.filter(pk__in=eligible).order_by("due_date", "number")


def agreement_actions(agreement, *, can_write: bool) -> list[str]:
    """What the agreement's page offers (rules.agreement_actions): offer, cancel, accept."""

    return rules.agreement_actions(agreement.status, can_write=can_write)


def agreement_acceptance(agreement):
    """The agreement's acceptance record, when its state may have one (None for a draft or when absent)."""

    if not rules.agreement_has_acceptance(agreement.status):
        return None
    return getattr(agreement, "acceptance", None)  # the reverse one-to-one raises AttributeError when absent


def offer_actions(offer, *, can_write: bool, can_decide: bool) -> list[str]:
    """What the offer's page offers (rules.offer_actions): decide (a link to the approvals), accept."""

    return rules.offer_actions(offer.status, can_write=can_write, can_decide=can_decide)


def debtor_self_proposals(debtor) -> list:
    """The plans the debtor proposed in the portal beyond the self-service limits, newest first: each offer with its
    status (pending_approval, approved, rejected, countered, accepted, expired), the supervisor's reason and the
    agreement once accepted: what the portal tells the debtor. A counter-offer is the debtor's to accept too."""
    return list(Offer.objects.filter(debtor=debtor, requested_role="debtor").select_related("agreement")
                .prefetch_related("counters").order_by("-created_at", "-pk")[:20])
