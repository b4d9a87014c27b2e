"""Certificates' writes: issuing a paz y salvo (certificate_issue) and certificates of debt
(debt_certificate_issue, debt_certificates_issue for a batch), and revoking one (certificate_revoke).

Each issue is one transaction: the debtor row locked (a payment or a charge waits, so what is certified is what
the ledger holds), the portfolio's counter of that kind locked (SELECT ... FOR UPDATE: consecutive numbers, no gap,
no repeat; a rollback gives the number back), a random verification code (unique; a clash, 1 in 2^80, retried),
what it certifies kept in `content` as issued, and an audit event. The debtor portal calls certificate_issue with
its own actor label; pages and the `certificates` command call them too."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import role_in
from recaudo.audit.services import actor_label_for, audit_record
from recaudo.core.errors import DomainError
from recaudo.portfolio.models import Contact, Debtor, Obligation, Portfolio
from recaudo.portfolio.services import RecordNotAllowed, require_debtor_write

from .models import Certificate, CertificateCounter, CertificateKind
from .rules import (
    CODE_BYTES,
    IN_AGREEMENT,
    WRITTEN_OFF,
    ObligationState,
    code_from_bytes,
    debt_totals,
    no_debt_blockers,
)
from .selectors import debt_batch_debtors, debt_lines

LISTED = 5  # obligations a refusal names before "and N more"
BATCH_MAX = 5000  # debtors one batch of certificates of debt may cover


class CertificateRefused(DomainError):
    pass


def _creditor(portfolio: Portfolio) -> dict:
    return {"name": portfolio.creditor or portfolio.name, "nit": portfolio.creditor_nit,
            "address": portfolio.creditor_address, "contact": portfolio.creditor_contact,
            "legal_status": portfolio.legal_status, "representative": portfolio.legal_representative,
            "representative_id": portfolio.legal_representative_id, "city": portfolio.certificate_city}


def _debtor(debtor: Debtor) -> dict:
    return {"name": debtor.name, "code": debtor.code, "id_type": debtor.id_type, "id_number": debtor.id_number,
            "address": _postal_address(debtor)}


def _postal_address(debtor: Debtor) -> str:
    """The debtor's postal address on file (the unit of a building), the first one recorded; "" when none."""
    contact = Contact.objects.filter(debtor=debtor, channel=Contact.Channel.ADDRESS).order_by("pk").first()
    return contact.value if contact is not None else ""


def _actor_user(actor):
    return actor if actor is not None and not isinstance(actor, str) else None


def _number(portfolio: Portfolio, kind: str, count: int = 1) -> int:
    """Take `count` consecutive numbers of the portfolio's `kind` of certificate (the counter row locked); the
    first one."""
    CertificateCounter.objects.get_or_create(portfolio=portfolio, kind=kind)
    counter = CertificateCounter.objects.select_for_update().get(portfolio=portfolio, kind=kind)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return first


def _create(*, portfolio, kind, number, debtor, obligation, as_of, now, actor, content) -> Certificate:
    for _attempt in range(3):
        try:
            with transaction.atomic():  # a savepoint: a code clash retries with a new code
                return Certificate.objects.create(
                    portfolio=portfolio, kind=kind, number=number, debtor=debtor, obligation=obligation,
                    code=code_from_bytes(secrets.token_bytes(CODE_BYTES)), as_of=as_of, issued_at=now,
                    issued_by=_actor_user(actor), issued_by_label=actor_label_for(actor)[:150], content=content)
        except IntegrityError:
            if Certificate.objects.filter(portfolio=portfolio, kind=kind, number=number).exists():
                raise
    raise CertificateRefused(_("The certificate could not be issued; try again."))


def _refusal(blockers: list[tuple[str, str]]) -> str:
    reasons = {WRITTEN_OFF: _("written off; the debt is still owed"),
               IN_AGREEMENT: _("in a payment agreement that is still running")}
    shown = [f"{number} ({reasons[why]})" if why in reasons else number for number, why in blockers[:LISTED]]
    text = ", ".join(shown)
    if len(blockers) > LISTED:
        text += " " + _("and %(n)s more") % {"n": len(blockers) - LISTED}
    return ngettext("No paz y salvo: the obligation %(list)s is not settled.",
                    "No paz y salvo: the obligations %(list)s are not settled.", len(blockers)) % {"list": text}


@transaction.atomic
def certificate_issue(*, debtor: Debtor, actor, obligation: Obligation | None = None,
                      now: datetime | None = None) -> Certificate:
    """Issue a paz y salvo: of the whole debtor (every obligation they have settled) or, given `obligation`, of
    that one. Settled means balance 0 and paid, not written off and not in a running agreement, due or not
    (rules.no_debt_blockers); otherwise CertificateRefused says which obligations and why (field "obligation").
    A user needs the "write" permission on the debtor; a label actor ("portal", "cli") is the caller's check."""
    require_debtor_write(actor, debtor)
    now = now or timezone.now()
    debtor = Debtor.objects.select_for_update().select_related("portfolio").get(pk=debtor.pk)
    portfolio = debtor.portfolio
    obligations = Obligation.objects.filter(debtor=debtor).order_by("due_date", "number")
    if obligation is not None:
        obligations = obligations.filter(pk=obligation.pk)
    obligations = list(obligations)
    if obligation is not None and not obligations:
        raise CertificateRefused(_("That obligation is not this debtor's."), field="obligation")
    if not obligations:
        raise CertificateRefused(_("The debtor has no obligations: there is nothing to certify."), field="obligation")
    blockers = no_debt_blockers([ObligationState(o.number, o.balance_minor, o.status) for o in obligations])
    if blockers:
        raise CertificateRefused(_refusal(blockers), field="obligation")
    as_of = portfolio.today(now)
    content = {
        "creditor": _creditor(portfolio), "debtor": _debtor(debtor), "currency": str(portfolio.currency),
        "scope": "obligation" if obligation is not None else "debtor",
        "obligations": [{"number": o.number, "kind": o.kind, "description": o.description,
                         "due_date": o.due_date.isoformat(), "original_minor": o.original_minor}
                        for o in obligations],
    }
    certificate = _create(portfolio=portfolio, kind=CertificateKind.NO_DEBT,
                          number=_number(portfolio, CertificateKind.NO_DEBT), debtor=debtor,
                          obligation=obligations[0] if obligation is not None else None, as_of=as_of, now=now,
                          actor=actor, content=content)
    audit_record(event_type="certificate.no_debt_issued", subject=certificate, actor=actor, portfolio=portfolio,
                 debtor=debtor, changes={"certificate": certificate.label,
                                         "covers": obligations[0].number if obligation is not None else "*"})
    return certificate


def _debt_content(debtor: Debtor, as_of: date) -> dict:
    lines, problems = debt_lines(debtor, as_of)
    if problems:
        raise CertificateRefused(_("The interest cannot be liquidated: %(problems)s")
                                 % {"problems": "; ".join(problems[:LISTED])}, field="debtor")
    if not lines:
        raise CertificateRefused(_("The debtor has no overdue obligation: there is no debt to certify."),
                                 field="debtor")
    portfolio = debtor.portfolio
    return {
        "creditor": _creditor(portfolio), "debtor": _debtor(debtor), "currency": str(portfolio.currency),
        "lines": [{"number": x.number, "kind": x.kind, "description": x.description,
                   "due_date": x.due_date.isoformat(), "original_minor": x.original_minor, "paid_minor": x.paid_minor,
                   "principal_minor": x.principal_minor, "fees_minor": x.fees_minor,
                   "interest_minor": x.interest_minor, "total_minor": x.total_minor,
                   "payments": [[d.isoformat(), a] for d, a in x.payments]} for x in lines],
        "totals": debt_totals(lines),
    }


def _require_building(portfolio: Portfolio) -> None:
    missing = [label for label, value in ((_("the creditor's NIT"), portfolio.creditor_nit),
                                          (_("the legal representative"), portfolio.legal_representative))
               if not value]
    if missing:
        raise CertificateRefused(_("A certificate of debt names the building's NIT and legal representative: fill "
                                   "in %(missing)s in the portfolio's settings.") % {"missing": ", ".join(missing)},
                                 field="debtor")


@transaction.atomic
def debt_certificate_issue(*, debtor: Debtor, actor, now: datetime | None = None) -> Certificate:
    """Issue a certificate of debt (Ley 675 de 2001 art. 48) of the debtor as of the portfolio's date: each
    overdue fee with its due date, amount, partial payments, principal owed and late interest, and the totals
    (selectors.debt_lines, exact to the ledger). Refused (CertificateRefused) when nothing is overdue, when a
    month's rate is missing, or when the portfolio lacks the building's NIT or legal representative."""
    return debt_certificates_issue(debtors=[debtor], actor=actor, now=now)[0]


@transaction.atomic
def debt_certificates_issue(*, debtors: list[Debtor], actor, now: datetime | None = None) -> list[Certificate]:
    """Certificates of debt for several debtors of one portfolio (a batch for legal hand-off), numbered
    consecutively in the order given, in one transaction: one refusal refuses the batch (its message names the
    debtor). At most BATCH_MAX debtors."""
    if not debtors:
        return []
    if len(debtors) > BATCH_MAX:
        raise CertificateRefused(_("At most %(max)s certificates at a time.") % {"max": BATCH_MAX}, field="debtor")
    if len({d.portfolio_id for d in debtors}) != 1:
        raise CertificateRefused("certificates are numbered per portfolio: one portfolio at a time", field="debtor")
    for debtor in debtors:
        require_debtor_write(actor, debtor)
    now = now or timezone.now()
    locked = {d.pk: d for d in Debtor.objects.select_for_update().select_related("portfolio")
              .filter(pk__in=[d.pk for d in debtors])}
    portfolio = locked[debtors[0].pk].portfolio
    _require_building(portfolio)
    as_of = portfolio.today(now)
    contents = []
    for debtor in debtors:
        try:
            contents.append(_debt_content(locked[debtor.pk], as_of))
        except CertificateRefused as exc:
            if len(debtors) == 1:
                raise
            raise CertificateRefused(f"{debtor.code}: {exc.message}", field="debtor")
    first = _number(portfolio, CertificateKind.DEBT, len(debtors))
    out = []
    for i, (debtor, content) in enumerate(zip(debtors, contents, strict=True)):
        certificate = _create(portfolio=portfolio, kind=CertificateKind.DEBT, number=first + i,
                              debtor=locked[debtor.pk], obligation=None, as_of=as_of, now=now, actor=actor,
                              content=content)
        audit_record(event_type="certificate.debt_issued", subject=certificate, actor=actor, portfolio=portfolio,
                     debtor=debtor, changes={"certificate": certificate.label,
                                             "total_minor": content["totals"]["total_minor"],
                                             "fees": len(content["lines"])})
        out.append(certificate)
    return out


@transaction.atomic
def debt_batch_issue(*, portfolio: Portfolio, actor, min_days: int = 1, segment: str = "",
                     legal_handoff: bool = False, codes: list[str] | None = None,
                     now: datetime | None = None) -> list[Certificate]:
    """A batch of certificates of debt for legal hand-off (the office's batch page): the debtors
    selectors.debt_batch_debtors picks (overdue at least `min_days` days, the segment's, those marked for legal
    hand-off, the codes given) issued by debt_certificates_issue in one transaction. Supervisors and
    administrators (or a label actor). Refused when no debtor matches or there are more than BATCH_MAX."""
    user = _actor_user(actor)
    if user is not None and role_in(user, portfolio) not in (Role.SUPERVISOR, Role.ADMIN):
        raise RecordNotAllowed(_("Only supervisors and administrators issue certificates of debt in a batch."))
    try:
        min_days = int(min_days)
    except (TypeError, ValueError):
        raise CertificateRefused(_("Days past due: a whole number from 1 to 36500."), field="min_days") from None
    if not 1 <= min_days <= 36500:
        raise CertificateRefused(_("Days past due: a whole number from 1 to 36500."), field="min_days")
    codes = [c.strip()[:64] for c in (codes or []) if c and c.strip()]
    if len(codes) > BATCH_MAX:
        raise CertificateRefused(_("At most %(max)s certificates at a time.") % {"max": BATCH_MAX}, field="codes")
    now = now or timezone.now()
    debtors = debt_batch_debtors(portfolio, as_of=portfolio.today(now), min_days=min_days,
                                 segment=(segment or "").strip()[:100], legal_handoff=legal_handoff, codes=codes)
    if not debtors:
        raise CertificateRefused(_("No debtor matches: no certificate issued."), field="min_days")
    return debt_certificates_issue(debtors=debtors, actor=actor, now=now)


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, actor) -> Certificate:
    """Void a certificate issued by mistake: its verification page then says it is not valid, and why. A reason is
    required (at most 300 characters). Supervisors and administrators of the portfolio, or a label actor."""
    user = _actor_user(actor)
    if user is not None and role_in(user, certificate.portfolio) not in (Role.SUPERVISOR, Role.ADMIN):
        raise RecordNotAllowed(_("Only supervisors and administrators of the portfolio may revoke a certificate."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateRefused(_("Say why the certificate is revoked."), field="reason")
    if len(reason) > 300:
        raise CertificateRefused(_("At most %(max)d characters.") % {"max": 300}, field="reason")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise CertificateRefused(_("This certificate is already revoked."), field="reason")
    certificate.revoked_at, certificate.revoked_reason = timezone.now(), reason
    certificate.save(update_fields=["revoked_at", "revoked_reason"])
    audit_record(event_type="certificate.revoked", subject=certificate, actor=actor,
                 portfolio=certificate.portfolio, debtor=certificate.debtor,
                 changes={"certificate": certificate.label, "reason": reason})
    return certificate
