"""Payment agreements (installment plans): create, offer, cancel, accept, charge installment interest as it falls
due, break and complete. The ledger is never edited: settling and reinstating are entries.

Ledger effects (sign convention of recaudo.ledger: negative lowers the debt):

- agreement_accept: each original obligation gets negative *adjustment* entries that bring every component to 0
  (memo "Settled into payment agreement AC-n") and the status "in_agreement"; each installment (and the down
  payment, number 00) becomes an obligation of kind installment for its principal. The debtor's balance does not
  change: after acceptance the debtor owes the plan's principal.
- installment_interest_post: an installment's interest is charged when it falls due (value date its due date),
  exactly once (AgreementInstallment.interest_entry), by the daily cycle, by a payment dated on or after the due
  date and by a breach (docs/decisions/0010-payments-go-to-what-is-due-first.md).
- breach, clause "revert": the settlement entries are reversed (the original debt is back), what was paid on the
  installments is credited to it (negative adjustments, oldest obligation first), and what is left on the unpaid
  installments is written off (memo: cancelled by the breach). Late interest on the original debt follows the
  portfolio's liquidation (recaudo.ledger.interest), not this module.
- breach, clause "accelerate": unearned interest of installments not yet due (only charged ahead by agreements
  accepted before decision 0010) is discounted, the rest of every
  unpaid installment moves (negative adjustment) to one new obligation AC-n-A due on the breach date.

Which state may go to which is rules.agreement_may (the pages show the actions of rules.agreement_actions).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from recaudo.accounts.selectors import role_in
from recaudo.audit.services import actor_label_for, audit_record
from recaudo.core.amounts import MAX_MINOR, limit_text
from recaudo.core.bulk import select_any
from recaudo.core.money import from_minor, to_minor
from recaudo.ledger.interest import MissingRate, RateAboveCap, RateTable
from recaudo.ledger.models import Component, Entry, EntryKind
from recaudo.ledger.posting import entry_post
from recaudo.ledger.rates import has_rate_table, rate_periods
from recaudo.ledger.services import component_balances, entry_reverse, obligation_create
from recaudo.portfolio.models import Debtor, Obligation, Portfolio
from recaudo.strategies.services import hold_create, hold_release

from .. import rules
from ..models import Acceptance, Agreement, AgreementInstallment, AgreementObligation, AgreementSettings, Offer
from ..rules import PlanError, check_plan_rate, needs_approval, simulate_plan
from .common import (
    AgreementError,
    NotAllowed,
    acting_user,
    agreement_settings,
    credits_post,
    field_label,
    included_obligations,
    plan_problem,
    today_for,
)
from .permissions import limits_for, plan_terms


def legal_cap(country: str, day: date) -> tuple[Decimal | None, str]:
    """(usury rate E.A. in force on the day, its source) where the country has a rate table; (None, "") else."""
    cap, source, _provisional = legal_cap_detail(country, day)
    return cap, source


def legal_cap_detail(country: str, day: date) -> tuple[Decimal | None, str, bool]:
    """(usury rate E.A. in force on the day, its source in the active language, whether it is provisional: the
    month's certified rate not loaded yet, the latest known month's standing in) where the country has a rate
    table; (None, "", False) else."""
    if not has_rate_table(country):
        return None, "", False
    try:
        period = RateTable(rate_periods(country, day, day)).at(day)
    except MissingRate as exc:
        raise AgreementError(gettext("%(field)s: no legal rate for %(country)s in %(month)s; load it in the admin")
                             % {"field": field_label("rate"), "country": country, "month": exc.month},
                             field="rate") from None
    if period.provisional:
        basis = period.source.removeprefix("provisional:").strip()
        source = gettext("%(country)s usury rate of %(month)s: provisionally that of %(basis)s") % {
            "country": country, "month": period.month, "basis": basis}
    else:
        source = (gettext("%(country)s usury rate of %(month)s") % {"country": country, "month": period.month}
                  + (f", {period.source}" if period.source else ""))
    return period.usury_rate, source, period.provisional


@transaction.atomic
def agreement_create(*, portfolio: Portfolio, debtor: Debtor, obligations, installments: int, first_due: date,
                     frequency: str = "monthly", rate=0, rate_kind: str = "none", down_payment=0,
                     due_day: int | None = None, breach_installments: int | None = None,
                     breach_days: int | None = None, breach_clause: str | None = None, language: str | None = None,
                     actor=None, today: date | None = None, now: datetime | None = None) -> Agreement:
    """A draft agreement financing the balance of the obligations (less the down payment) in installments.

    The rate must be within the legal cap in force on the day it is made (Colombia: the usury rate)."""
    now = now or timezone.now()
    today = today_for(portfolio, today, now)
    if debtor.portfolio_id != portfolio.pk:
        raise AgreementError(gettext("debtor: belongs to another portfolio"))
    found = included_obligations(debtor, obligations)
    if first_due < today:
        raise AgreementError(gettext("first due date: %(date)s is before today (%(today)s)")
                             % {"date": date_format(first_due, "SHORT_DATE_FORMAT"),
                                "today": date_format(today, "SHORT_DATE_FORMAT")}, field="first_due")
    conf = agreement_settings(portfolio)
    clause = breach_clause or conf.breach_clause
    if clause not in AgreementSettings.Clause.values:
        raise AgreementError(gettext("breach_clause: revert or accelerate"))
    rate = Decimal(str(rate or 0))
    cap, cap_source = legal_cap(portfolio.country, today)
    try:
        rate_ea = check_plan_rate(rate, rate_kind, cap, cap_source)
    except RateAboveCap as exc:
        raise AgreementError(gettext("%(field)s: %(reason)s") % {"field": field_label("rate"), "reason": exc.message},
                             field="rate") from None
    except PlanError as exc:
        raise plan_problem(exc) from None
    debt = sum(o.balance_minor for o in found)
    currency = portfolio.currency
    try:
        schedule = simulate_plan(amount=from_minor(debt, currency), installments=int(installments), rate=rate,
                                 rate_kind=rate_kind, start=first_due, frequency=frequency,
                                 down_payment=Decimal(str(down_payment or 0)), currency=currency, due_day=due_day)
    except PlanError as exc:
        raise plan_problem(exc) from None
    down = to_minor(Decimal(str(down_payment or 0)), currency)
    # each installment becomes an obligation on acceptance: at most MAX_MINOR, like any amount (docs/amounts.md)
    for number, minor in [(0, down), *((i.number, to_minor(i.installment, currency)) for i in schedule)]:
        if minor > MAX_MINOR:
            what = "down_payment" if number == 0 else f"installment {number}"
            raise AgreementError(f"{what}: too large: at most {limit_text(currency)}; use more installments")
    agreement = Agreement.objects.create(
        portfolio=portfolio, debtor=debtor, status=Agreement.Status.DRAFT, currency=currency, debt_minor=debt,
        down_payment_minor=down, financed_minor=debt - down,
        interest_minor=sum(to_minor(i.interest, currency) for i in schedule), installments=len(schedule),
        frequency=frequency, rate=rate, rate_kind=rate_kind, rate_ea=rate_ea, cap_ea=cap, cap_source=cap_source[:200],
        first_due=first_due, due_day=due_day,
        breach_installments=breach_installments if breach_installments is not None else conf.breach_installments,
        breach_days=breach_days if breach_days is not None else conf.breach_days, breach_clause=clause,
        language=(language or debtor.language or "es")[:2], made_on=today, created_by=acting_user(actor),
        created_at=now,
    )
    agreement.number = f"AC-{agreement.pk}"
    agreement.save(update_fields=["number"])
    AgreementObligation.objects.bulk_create(
        AgreementObligation(agreement=agreement, obligation=o, balance_minor=o.balance_minor) for o in found)
    rows = []
    if down:
        rows.append(AgreementInstallment(agreement=agreement, number=0, due_date=today, amount_minor=down,
                                         principal_minor=down, balance_after_minor=debt - down))
    for i in schedule:
        rows.append(AgreementInstallment(
            agreement=agreement, number=i.number, due_date=i.due_date, amount_minor=to_minor(i.installment, currency),
            interest_minor=to_minor(i.interest, currency), principal_minor=to_minor(i.principal, currency),
            balance_after_minor=to_minor(i.balance, currency)))
    AgreementInstallment.objects.bulk_create(rows)
    audit_record(event_type="agreement.created", subject=agreement, actor=actor, debtor=debtor, changes={
        "number": agreement.number, "obligations": [o.number for o in found], "debt": from_minor(debt, currency),
        "down_payment": from_minor(down, currency), "installments": len(schedule), "frequency": frequency,
        "rate": rate, "rate_kind": rate_kind, "first_due": first_due, "breach_clause": clause})
    return agreement


@transaction.atomic
def agreement_offer(*, agreement: Agreement, actor=None, now: datetime | None = None) -> Agreement:
    if not rules.agreement_may(agreement.status, "offer"):
        raise AgreementError(gettext("only a draft can be offered"))
    agreement.status, agreement.offered_at = Agreement.Status.OFFERED, now or timezone.now()
    agreement.save(update_fields=["status", "offered_at"])
    audit_record(event_type="agreement.offered", subject=agreement, actor=actor, debtor=agreement.debtor)
    return agreement


@transaction.atomic
def agreement_cancel(*, agreement: Agreement, actor=None, reason: str = "", now: datetime | None = None) -> Agreement:
    if not rules.agreement_may(agreement.status, "cancel"):
        raise AgreementError(gettext("only a draft or offered agreement can be cancelled"))
    agreement.status, agreement.end_reason = Agreement.Status.CANCELLED, reason[:300]
    agreement.ended_on = agreement.portfolio.today(now)
    agreement.save(update_fields=["status", "end_reason", "ended_on"])
    audit_record(event_type="agreement.cancelled", subject=agreement, actor=actor, debtor=agreement.debtor,
                 changes={"reason": reason})
    return agreement


def _check_evidence(channel: str, evidence_file, evidence_text: str, checkbox: bool) -> None:
    if channel not in Acceptance.Channel.values:
        raise AgreementError(f"channel: one of {', '.join(Acceptance.Channel.values)}")
    if channel == Acceptance.Channel.SIGNED_UPLOAD and not evidence_file:
        raise AgreementError(gettext("evidence_file: upload the signed document"))
    if channel == Acceptance.Channel.EMAIL_REPLY and not (evidence_text or "").strip():
        raise AgreementError(gettext("evidence_text: paste the debtor's email reply"))
    if channel == Acceptance.Channel.PORTAL_CHECKBOX and not checkbox:
        raise AgreementError(gettext("checkbox: the debtor must tick the acceptance box"))
    if channel == Acceptance.Channel.IN_PERSON and not (evidence_text or "").strip():
        raise AgreementError(gettext("evidence_text: note how and when the debtor accepted"))


@transaction.atomic
def agreement_accept(*, agreement: Agreement, channel: str, actor=None, evidence_file=None, evidence_text: str = "",
                     checkbox: bool = False, today: date | None = None, now: datetime | None = None,
                     approved_offer: Offer | None = None) -> Agreement:
    """Accept: record the evidence, settle the original obligations into the plan (adjustment entries to 0; they
    show "in agreement"), make each installment an obligation for its principal, and hold the debtor's ordinary
    collection (Hold "agreement"). A user accepts only a plan within their role's authority (installments, term,
    interest); beyond it, the plan goes through a settlement offer a supervisor approves (`approved_offer`)."""
    now = now or timezone.now()
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    portfolio = agreement.portfolio
    today = today_for(portfolio, today, now)
    if not rules.agreement_may(agreement.status, "accept"):
        raise AgreementError(gettext("agreement %(number)s is %(status)s; it cannot be accepted")
                             % {"number": agreement.number, "status": agreement.get_status_display().lower()})
    _check_evidence(channel, evidence_file, evidence_text, checkbox)
    if approved_offer is None and acting_user(actor) is not None:
        beyond, reasons = needs_approval(plan_terms(agreement, today),
                                         limits_for(portfolio, role_in(actor, portfolio)))
        if beyond:
            raise NotAllowed("this plan is beyond your authority (" + "; ".join(reasons)
                             + "); make it a settlement offer for a supervisor's approval")
    included = list(agreement.included.select_related("obligation"))
    obligation_ids = [i.obligation_id for i in included]
    current = dict(Obligation.objects.filter(pk__in=obligation_ids).values_list("pk", "balance_minor"))
    changed = [i.obligation.number for i in included if current[i.obligation_id] != i.balance_minor]
    if changed:
        raise AgreementError(gettext("balances changed since the agreement was made (%(obligations)s); make it again")
                             % {"obligations": ", ".join(changed)})
    currency = agreement.currency
    memo = f"Settled into payment agreement {agreement.number}"
    balances = component_balances(obligation_ids)
    for inc in included:
        entries = []
        for component in (Component.FEE, Component.INTEREST, Component.PRINCIPAL):
            owed = balances.get(inc.obligation_id, {}).get(component, 0)
            if owed > 0:
                entries.append(entry_post(obligation=inc.obligation, kind=EntryKind.ADJUSTMENT,
                                          amount=-from_minor(owed, currency), component=component, value_date=today,
                                          memo=memo, actor=actor))
        inc.settlement_entries.set(entries)
    Obligation.objects.filter(pk__in=obligation_ids, balance_minor=0).update(status=Obligation.Status.IN_AGREEMENT)
    for inst in agreement.schedule.all():
        obligation = obligation_create(
            portfolio=portfolio, debtor=agreement.debtor, number=f"{agreement.number}-{inst.number:02d}",
            amount=from_minor(inst.principal_minor, currency), issue_date=min(today, inst.due_date),
            due_date=inst.due_date, kind="installment",
            description=f"Acuerdo de pago {agreement.number}, {_installment_label(agreement, inst.number)}",
            actor=actor)
        inst.obligation = obligation
        inst.save(update_fields=["obligation"])
    last_due = max(agreement.schedule.values_list("due_date", flat=True))
    hold = hold_create(debtor=agreement.debtor, reason="agreement",
                       until=last_due + timedelta(days=agreement.breach_days),
                       notes=f"payment agreement {agreement.number}", actor=actor)
    Acceptance.objects.create(agreement=agreement, channel=channel, at=now, evidence_file=evidence_file or "",
                              evidence_text=evidence_text or "", checkbox=bool(checkbox), actor=acting_user(actor),
                              actor_label=actor_label_for(actor))
    agreement.status, agreement.accepted_on, agreement.hold = Agreement.Status.ACCEPTED, today, hold
    agreement.save(update_fields=["status", "accepted_on", "hold"])
    # Interest is charged as each installment falls due (installment_interest_post), never ahead: after acceptance
    # the debtor owes the plan's principal. An installment already due today is charged now.
    installment_interest_post(agreement=agreement, through=today, actor=actor)
    audit_record(event_type="agreement.accepted", subject=agreement, actor=actor, debtor=agreement.debtor, changes={
        "channel": channel, "settled": {i.obligation.number: from_minor(i.balance_minor, currency) for i in included},
        "installments": agreement.schedule.count(), "total": from_minor(agreement.total_minor, currency)})
    return agreement


def _installment_label(agreement: Agreement, number: int) -> str:
    return "cuota inicial" if number == 0 else f"cuota {number}/{agreement.installments}"


def installment_interest_post(*, through: date, portfolio: Portfolio | None = None, debtor: Debtor | None = None,
                              agreement: Agreement | None = None, debtor_ids: list[int] | None = None,
                              actor=None) -> int:
    """Charge the interest of every installment of an accepted agreement that has fallen due by `through` (due date
    on or before it) and is not charged yet: one interest entry per installment, value date its due date, linked to
    the installment so it is charged exactly once (the rows are locked first; a second run finds them linked).
    The daily cycle calls it for the portfolio, payment_receive for the debtor up to the payment date (so a payment
    on the due date pays the whole installment, interest first; the ledger's payments_record for the debtors of a
    batch, `debtor_ids`). Each installment is its own transaction (inside the caller's, if any). Returns how many
    were charged."""
    # raw SQL (core.bulk.select_any): a bank file's chunk asks for thousands of debtors, most without an agreement
    sql = (f"SELECT i.id, a.debtor_id, i.due_date FROM {AgreementInstallment._meta.db_table} i "
           f"JOIN {Agreement._meta.db_table} a ON a.id = i.agreement_id WHERE a.status = %s AND i.interest_minor > 0 "
           "AND i.interest_entry_id IS NULL AND i.obligation_id IS NOT NULL AND i.due_date <= %s")
    params = [Agreement.Status.ACCEPTED.value, through]
    for column, value in (("a.portfolio_id", portfolio), ("a.debtor_id", debtor), ("i.agreement_id", agreement)):
        if value is not None:
            sql += f" AND {column} = %s"
            params.append(value.pk)
    if debtor_ids is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            due = cursor.fetchall()
    else:
        due = select_any(sql + " AND {any}", "a.debtor_id", debtor_ids, params)
    due = [(pk, debtor_id) for pk, debtor_id, _due in sorted(due, key=lambda row: (row[2], row[0]))]
    charged = 0
    for pk, debtor_id in due:
        with transaction.atomic():
            # The debtor's row first, then the installment's: payment_receive holds the debtor's lock when it calls
            # this, so both take the locks in the same order (no deadlock), and one of two runs charges it.
            Debtor.objects.select_for_update().filter(pk=debtor_id).first()
            inst = (AgreementInstallment.objects.select_for_update(of=("self",))
                    .select_related("agreement", "obligation")
                    .filter(pk=pk, interest_entry__isnull=True, agreement__status=Agreement.Status.ACCEPTED).first())
            if inst is None:
                continue
            a = inst.agreement
            entry = entry_post(obligation=inst.obligation, kind=EntryKind.INTEREST,
                               amount=from_minor(inst.interest_minor, a.currency), value_date=inst.due_date,
                               memo=f"{a.number} interés de la {_installment_label(a, inst.number)}",
                               actor=actor if actor is not None else f"cycle {through.isoformat()}")
            inst.interest_entry = entry
            inst.save(update_fields=["interest_entry"])
            charged += 1
    return charged


@transaction.atomic
def agreement_break(*, agreement: Agreement, today: date, actor=None, reason: str = "",
                    now: datetime | None = None) -> Agreement:
    """Break an accepted agreement and apply its clause (see the module docstring)."""
    now = now or timezone.now()
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if not rules.agreement_may(agreement.status, "break"):
        raise AgreementError(gettext("agreement %(number)s is %(status)s, not accepted")
                             % {"number": agreement.number, "status": agreement.get_status_display().lower()})
    currency = agreement.currency
    installment_interest_post(agreement=agreement, through=today, actor=actor)  # what fell due is owed in full
    schedule = list(agreement.schedule.select_related("obligation").order_by("number"))
    balances = component_balances([i.obligation_id for i in schedule])
    unpaid = [i for i in schedule if i.obligation.balance_minor > 0]
    changes: dict = {"clause": agreement.breach_clause, "reason": reason}
    if agreement.breach_clause == AgreementSettings.Clause.REVERT:
        for inc in agreement.included.select_related("obligation"):
            for entry in inc.settlement_entries.all():
                entry_reverse(entry=entry, value_date=today, actor=actor,
                              reason=f"Agreement {agreement.number} broken: original debt reinstated")
        # Paid under the plan: the payments on its installments (less reversals). Not "amount - balance": an
        # installment not yet due owes no interest yet, so its balance is below its amount without any payment.
        paid = -(Entry.objects.filter(obligation_id__in=[i.obligation_id for i in schedule], payment__isnull=False)
                 .aggregate(s=Sum("amount_minor"))["s"] or 0)
        originals = [inc.obligation for inc in agreement.included.select_related("obligation")
                     .order_by("obligation__due_date", "obligation__number")]
        for o in originals:
            o.refresh_from_db()
        credited = credits_post(originals, paid, EntryKind.ADJUSTMENT,
                               f"Paid under agreement {agreement.number} (broken)", today, actor)
        for inst in unpaid:
            for component, owed in balances.get(inst.obligation_id, {}).items():
                if owed > 0:
                    entry_post(obligation=inst.obligation, kind=EntryKind.WRITE_OFF, component=component,
                               amount=-from_minor(owed, currency), value_date=today, actor=actor,
                               memo=f"Installment cancelled: agreement {agreement.number} broken, debt reverted")
        changes.update({"paid_under_plan": from_minor(paid, currency),
                        "credited": from_minor(-sum(e.amount_minor for e in credited), currency),
                        "cancelled_installments": [i.obligation.number for i in unpaid]})
    else:
        moved = {Component.PRINCIPAL: 0, Component.INTEREST: 0, Component.FEE: 0}
        for inst in unpaid:
            owed = dict(balances.get(inst.obligation_id, {}))
            if inst.due_date > today and owed.get(Component.INTEREST, 0) > 0:
                entry_post(obligation=inst.obligation, kind=EntryKind.DISCOUNT, component=Component.INTEREST,
                           amount=-from_minor(owed[Component.INTEREST], currency), value_date=today, actor=actor,
                           memo=f"Unearned interest cancelled: agreement {agreement.number} accelerated")
                owed[Component.INTEREST] = 0
            for component, value in owed.items():
                if value > 0:
                    entry_post(obligation=inst.obligation, kind=EntryKind.ADJUSTMENT, component=component,
                               amount=-from_minor(value, currency), value_date=today, actor=actor,
                               memo=f"Moved to {agreement.number}-A: agreement accelerated")
                    moved[component] += value
        if moved[Component.PRINCIPAL] > 0:
            accelerated = obligation_create(
                portfolio=agreement.portfolio, debtor=agreement.debtor, number=f"{agreement.number}-A",
                amount=from_minor(moved[Component.PRINCIPAL], currency), issue_date=today, due_date=today,
                kind="installment", description=f"Acuerdo de pago {agreement.number}: saldo acelerado", actor=actor)
            for kind, component in ((EntryKind.INTEREST, Component.INTEREST), (EntryKind.FEE, Component.FEE)):
                if moved[component] > 0:
                    entry_post(obligation=accelerated, kind=kind, amount=from_minor(moved[component], currency),
                               value_date=today, actor=actor, memo=f"{agreement.number} accelerated")
            agreement.accelerated_obligation = accelerated
        changes.update({"accelerated": from_minor(sum(moved.values()), currency),
                        "obligation": f"{agreement.number}-A" if moved[Component.PRINCIPAL] else None})
    if agreement.hold_id and agreement.hold.released_at is None:
        hold_release(hold=agreement.hold, actor=actor, now=now)
    agreement.status, agreement.ended_on, agreement.end_reason = Agreement.Status.BROKEN, today, reason[:300]
    agreement.save(update_fields=["status", "ended_on", "end_reason", "accelerated_obligation"])
    audit_record(event_type="agreement.broken", subject=agreement, actor=actor, debtor=agreement.debtor,
                 changes=changes)
    return agreement


@transaction.atomic
def agreements_check_breach(*, portfolio: Portfolio, today: date, now: datetime | None = None) -> dict:
    """Daily: break accepted agreements with N installments overdue more than D days (each its own N and D) and
    complete those whose installments are all paid. Reads are set-based; each break then writes its entries."""
    now = now or timezone.now()
    overdue: dict[int, list[date]] = defaultdict(list)
    for agreement_id, due in AgreementInstallment.objects.filter(
            agreement__portfolio=portfolio, agreement__status=Agreement.Status.ACCEPTED,
            obligation__balance_minor__gt=0, due_date__lt=today).values_list("agreement_id", "due_date"):
        overdue[agreement_id].append(due)
    broken = [a for a in Agreement.objects.filter(pk__in=list(overdue))
              if rules.agreement_breached(overdue[a.pk], today, a.breach_installments, a.breach_days)]
    for agreement in broken:
        agreement_break(agreement=agreement, today=today, actor=f"cycle {today.isoformat()}", now=now,
                        reason=f"{agreement.breach_installments} installments overdue more than "
                               f"{agreement.breach_days} days")
    unpaid = AgreementInstallment.objects.filter(agreement=OuterRef("pk"), obligation__balance_minor__gt=0)
    completed = list(Agreement.objects.filter(portfolio=portfolio, status=Agreement.Status.ACCEPTED)
                     .exclude(Exists(unpaid)).select_related("hold", "debtor"))
    for agreement in completed:
        agreement.status, agreement.ended_on = Agreement.Status.COMPLETED, today
        agreement.save(update_fields=["status", "ended_on"])
        Obligation.objects.filter(pk__in=agreement.included.values("obligation_id"), balance_minor=0,
                                  status=Obligation.Status.IN_AGREEMENT).update(status=Obligation.Status.PAID)
        if agreement.hold_id and agreement.hold.released_at is None:
            hold_release(hold=agreement.hold, actor=f"cycle {today.isoformat()}", now=now)
        audit_record(event_type="agreement.completed", subject=agreement, actor=f"cycle {today.isoformat()}",
                     debtor=agreement.debtor, changes={"installments": agreement.installments})
    return {"broken": len(broken), "completed": len(completed)}
