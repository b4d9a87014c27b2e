"""Bulk actions of the debtor list on a selection or on every debtor a filter finds: assign to an agent, add or
remove tags, hold with a reason and an end date, send a message template.

Here, in the agents' layer, because it is the lowest that sees everything an action needs (assignments, holds in
recaudo.strategies, messages in recaudo.communications). Each action is one transaction, all or nothing: every
debtor is done (or, for a message, queued or reported blocked with its reason) or none is. Permissions are checked
here, not only by the pages: tags need the "write" permission (agents too), everything else a supervisor or an
admin. At most BULK_MAX debtors per action. Each debtor gets its own audit event (from the service that does the
work), and the batch one more (`debtors.bulk_action`) with the list of debtors and the token of the confirmation
page, which also makes a second submission of the same confirmation refuse instead of doing it twice.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from recaudo.accounts.models import PERMISSIONS, Role
from recaudo.accounts.selectors import assigned_only_agent, role_in
from recaudo.audit.models import AuditEvent
from recaudo.audit.services import audit_record
from recaudo.communications.models import Template
from recaudo.communications.rendering import template_lookup
from recaudo.communications.services import message_enqueue_with_reason
from recaudo.compliance.wording import channel_label
from recaudo.core.errors import DomainError, NotAllowed
from recaudo.portfolio.models import Debtor, Portfolio
from recaudo.portfolio.selectors import DebtorFilters, debtor_search
from recaudo.portfolio.services import debtors_retag
from recaudo.strategies.models import Hold
from recaudo.strategies.services import hold_create

from .selectors import AGENT_ROLES
from .services import assign_debtors

BULK_MAX = 5_000
HOLD_MAX_DAYS = 366
ACTIONS = ("assign", "tag", "hold", "template")
SUPERVISOR_ACTIONS = ("assign", "hold", "template")
BATCH_EVENT = "debtors.bulk_action"


class BulkError(DomainError):
    pass


class BulkNotAllowed(BulkError, NotAllowed):
    pass


def _n(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def bulk_actions_for(user, portfolio: Portfolio) -> list[str]:
    """The bulk actions the user may take in the portfolio: none for a viewer, tags for an agent, all for a
    supervisor or an admin."""
    role = role_in(user, portfolio)
    if role is None or "write" not in PERMISSIONS[Role(role)]:
        return []
    if role in (Role.SUPERVISOR, Role.ADMIN):
        return list(ACTIONS)
    return [a for a in ACTIONS if a not in SUPERVISOR_ACTIONS]


def _check_allowed(user, portfolio: Portfolio, action: str) -> None:
    if action not in ACTIONS:
        raise BulkError(_("Choose an action."), field="action")
    if action not in bulk_actions_for(user, portfolio):
        raise BulkNotAllowed(_("Your role in this portfolio may not do this action on many debtors."))


def bulk_debtor_ids(*, portfolio: Portfolio, user, as_of: date, ids=None, filters: DebtorFilters | None = None
                    ) -> list[int]:
    """The debtors an action would touch: those of `ids` in the portfolio that the user sees, or every debtor the
    list shows for `filters` (all its pages, in its order). BulkError when there are none or more than BULK_MAX."""
    scope = assigned_only_agent(user, portfolio)
    if filters is not None:
        found = list(debtor_search(portfolio, filters, as_of, scope).values_list("pk", flat=True)[: BULK_MAX + 1])
    else:
        wanted: list[int] = []
        for value in ids or []:
            text = str(value).strip()
            if text.isdigit() and int(text) not in wanted:
                wanted.append(int(text))
            if len(wanted) > BULK_MAX:
                break
        found = []
        if wanted and len(wanted) <= BULK_MAX:
            qs = Debtor.objects.filter(portfolio=portfolio, pk__in=wanted)
            if scope is not None:
                qs = qs.filter(assignment__agent_id=scope)
            visible = set(qs.values_list("pk", flat=True))
            found = [pk for pk in wanted if pk in visible]
        elif wanted:
            found = wanted
    if len(found) > BULK_MAX:
        raise BulkError(_("More than %(max)s debtors: narrow the filter or select fewer (at most %(max)s at a "
                          "time).") % {"max": _n(BULK_MAX)}, field="scope")
    if not found:
        raise BulkError(_("No debtors selected: tick some in the list or apply the action to the filter."),
                        field="scope")
    return found


@dataclass(frozen=True)
class BulkPreview:
    count: int
    token: str  # for bulk_apply: the confirmation is done once


def bulk_preview(*, portfolio: Portfolio, user, action: str, as_of: date, ids=None,
                 filters: DebtorFilters | None = None) -> BulkPreview:
    """How many debtors the action would touch (the confirmation step), with the same checks as bulk_apply."""
    _check_allowed(user, portfolio, action)
    count = len(bulk_debtor_ids(portfolio=portfolio, user=user, as_of=as_of, ids=ids, filters=filters))
    return BulkPreview(count=count, token=secrets.token_hex(16))


def template_choices(portfolio: Portfolio) -> list[tuple[str, str]]:
    """Active templates the portfolio can send, one per (code, channel): ("code|channel", "name · channel")."""
    seen: dict[tuple[str, str], str] = {}
    rows = Template.objects.filter(Q(portfolio=portfolio) | Q(portfolio__isnull=True), active=True)
    for template in rows.order_by("code", "channel", "language"):
        key = (template.code, template.channel)
        if key not in seen or template.portfolio_id:
            seen[key] = f"{template.name or template.code} · {channel_label(template.channel)}"
    return [(f"{code}|{channel}", label) for (code, channel), label in sorted(seen.items())]


@dataclass
class BulkResult:
    action: str
    debtors: int
    changed: int = 0
    queued: int = 0
    blocked: int = 0
    reasons: list[tuple[str, int, list[str]]] = field(default_factory=list)  # (reason, how many, some codes)

    def summary(self) -> str:
        if self.action == "template":
            text = _("Queued %(queued)s, blocked %(blocked)s.") % {"queued": _n(self.queued),
                                                                    "blocked": _n(self.blocked)}
            if self.reasons:
                said = "; ".join(f"{reason} — {_n(count)} ({', '.join(codes)}{'…' if count > len(codes) else ''})"
                                 for reason, count, codes in self.reasons)
                text += " " + _("Why: %(reasons)s.") % {"reasons": said}
            return text
        if self.action == "tag":
            return _("Tags changed on %(n)s of %(m)s debtors.") % {"n": _n(self.changed), "m": _n(self.debtors)}
        if self.action == "hold":
            return _("%(n)s debtors put on hold.") % {"n": _n(self.changed)}
        return _("%(n)s debtors assigned.") % {"n": _n(self.changed)}


def _blocked_reason(reason: str, channel: str) -> str:
    """A blocked reason of message_enqueue_with_reason said for a person, grouped by kind."""
    if reason.startswith("no collectable contact"):
        return _("no contact with consent for %(channel)s") % {"channel": channel_label(channel)}
    if reason.startswith("no active template"):
        return _("no active template in the debtor's language")
    if reason.startswith("never allowed"):
        return _("the contact rules do not allow it")
    return reason


def _agent(portfolio: Portfolio, agent_id):
    if str(agent_id or "") == "-":
        return None
    agent = get_user_model().objects.filter(pk=agent_id).first() if str(agent_id or "").isdigit() else None
    if agent is None or not (agent.is_superuser or agent.memberships.filter(
            portfolio=portfolio, role__in=[r.value for r in AGENT_ROLES]).exists()):
        raise BulkError(_("Choose an agent of this portfolio."), field="agent")
    return agent


@transaction.atomic
def bulk_apply(*, portfolio: Portfolio, actor, action: str, token: str, as_of: date, ids=None,
               filters: DebtorFilters | None = None, query: str = "", expected: int | None = None,
               agent_id=None, add_tags: list[str] = (), remove_tags: list[str] = (), hold_reason: str = "",
               hold_until: date | None = None, hold_notes: str = "", template: str = "",
               now: datetime | None = None) -> BulkResult:
    """Do `action` on the debtors of `ids` or of `filters` (see bulk_debtor_ids), all or nothing.
    `expected`: the count the user confirmed; a different count now (the list changed) refuses. `token`: the
    confirmation page's, once only. assign: `agent_id` ("-": unassign); tag: `add_tags`, `remove_tags`; hold:
    `hold_reason`, `hold_until` (from the portfolio's date, at most HOLD_MAX_DAYS ahead), `hold_notes`;
    template: "code|channel", each debtor checked by the contact rules, the blocked ones reported with why."""
    now = now or timezone.now()
    _check_allowed(actor, portfolio, action)
    token = (token or "").strip()[:64]
    if not token:
        raise BulkError(_("Confirm the action first."), field="scope")
    if AuditEvent.objects.filter(portfolio=portfolio, event_type=BATCH_EVENT, changes__token=token).exists():
        raise BulkError(_("This action was already done: it is not done twice."), field="scope")
    found = bulk_debtor_ids(portfolio=portfolio, user=actor, as_of=as_of, ids=ids, filters=filters)
    if expected is not None and expected != len(found):
        raise BulkError(_("The list changed since you confirmed: %(n)s debtors now instead of %(m)s. Review and "
                          "confirm again.") % {"n": _n(len(found)), "m": _n(expected)}, field="scope")
    result = BulkResult(action=action, debtors=len(found))
    details: dict = {}
    if action == "assign":
        agent = _agent(portfolio, agent_id)
        result.changed = assign_debtors(portfolio=portfolio, debtor_ids=found, agent=agent, actor=actor, now=now)
        details["agent"] = agent.get_username() if agent is not None else None
    elif action == "tag":
        result.changed = debtors_retag(portfolio=portfolio, debtor_ids=found, add=list(add_tags),
                                       remove=list(remove_tags), actor=actor, now=now)
        details.update(add=list(add_tags), remove=list(remove_tags))
    elif action == "hold":
        _hold_checks(hold_reason, hold_until, as_of)
        for debtor in Debtor.objects.filter(portfolio=portfolio, pk__in=found).select_related("portfolio"):
            hold_create(debtor=debtor, reason=hold_reason, until=hold_until, notes=hold_notes, actor=actor)
        result.changed = len(found)
        details.update(reason=hold_reason, until=hold_until, notes=hold_notes[:500])
    else:
        _send(portfolio=portfolio, actor=actor, template=template, found=found, token=token, now=now,
              result=result)
        details.update(template=template, queued=result.queued, blocked=result.blocked)
    audit_record(event_type=BATCH_EVENT, subject=portfolio, actor=actor, portfolio=portfolio, at=now,
                 changes={"action": action, "token": token, "count": len(found), "filter": query[:1000],
                          "debtors": found, **details})
    return result


def _hold_checks(reason: str, until: date | None, as_of: date) -> None:
    if reason not in Hold.Reason.values:
        raise BulkError(_("Choose the reason of the hold."), field="hold_reason")
    if until is None:
        raise BulkError(_("Give the last day of the hold."), field="hold_until")
    if until < as_of:
        raise BulkError(_("The last day of the hold cannot be before the portfolio's date (%(d)s).")
                        % {"d": formats.date_format(as_of, "SHORT_DATE_FORMAT")}, field="hold_until")
    if until > as_of + timedelta(days=HOLD_MAX_DAYS):
        raise BulkError(_("A hold on many debtors lasts at most %(n)s days.") % {"n": HOLD_MAX_DAYS},
                        field="hold_until")


def _send(*, portfolio, actor, template, found, token, now, result: BulkResult) -> None:
    code, _sep, channel = (template or "").partition("|")
    if not code or not channel or template_lookup(portfolio=portfolio, code=code, channel=channel,
                                                  language="es") is None:
        raise BulkError(_("Choose an active template."), field="template")
    reasons: Counter = Counter()
    examples: dict[str, list[str]] = {}
    for debtor in Debtor.objects.filter(portfolio=portfolio, pk__in=found).select_related("portfolio").order_by("pk"):
        message, reason = message_enqueue_with_reason(
            portfolio=portfolio, debtor=debtor, channel=channel, template_code=code,
            dedupe_key=f"bulk:{token}:{debtor.pk}", now=now, source="bulk", actor=actor)
        if message is not None:
            result.queued += 1
            continue
        result.blocked += 1
        said = _blocked_reason(reason, channel)
        reasons[said] += 1
        codes = examples.setdefault(said, [])
        if len(codes) < 5:
            codes.append(debtor.code)
    result.reasons = [(reason, count, examples[reason]) for reason, count in reasons.most_common()]
