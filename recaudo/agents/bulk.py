"""Bulk actions of the debtor list on a selection or on every debtor a filter finds: assign to an agent, add or
remove tags, hold with a reason and an end date, send a message template.

Here, in the agents' layer, because it is the lowest that sees everything an action needs (assignments, holds in
recaudo.strategies, messages in recaudo.communications). Each action is one transaction, all or nothing: every
debtor is done (or, for a message, queued or reported blocked with its reason) or none is. Permissions are checked
here, not only by the pages: tags need the "write" permission (agents too), everything else a supervisor or an
admin. At most BULK_MAX debtors per action. Each debtor gets its own audit event (from the service that does the
work), and the batch one more (`debtors.bulk_action`) with the list of debtors and the token of the confirmation
page, which also makes a second submission of the same confirmation refuse instead of doing it twice.

Sending a message template, and any action on more than BACKGROUND_ABOVE debtors, runs in the background worker
instead (bulk_jobs.bulk_submit): the confirmation records a BulkJob with the debtors confirmed (same checks, nothing
done), and bulk_job_run does them JOB_BATCH at a time. Not all or nothing there, but resumable: each batch is one
transaction with the job's progress and counts, so a debtor is never done twice and a job that stopped (a worker
killed, a failure, a right lost) goes on from its next batch when resumed. The permission and the size bound are
checked again at each batch; the job's state lives in the database, claimed by one worker at a time.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone, translation
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
from recaudo.portfolio.services import debtors_retag, parse_tags
from recaudo.strategies.models import Hold
from recaudo.strategies.services import hold_create

from .models import BulkJob
from .selectors import AGENT_ROLES
from .services import assign_debtors

BULK_MAX = 5_000
HOLD_MAX_DAYS = 366
ACTIONS = ("assign", "tag", "hold", "template")
SUPERVISOR_ACTIONS = ("assign", "hold", "template")
BATCH_EVENT = "debtors.bulk_action"
log = logging.getLogger(__name__)


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


def _visible_ids(portfolio: Portfolio, scope, wanted: list[int]) -> list[int]:
    """Those of `wanted` (ids) that are debtors of the portfolio the user sees (`scope`: assigned_only_agent), in
    the order of `wanted`."""
    qs = Debtor.objects.filter(portfolio=portfolio, pk__in=wanted)
    if scope is not None:
        qs = qs.filter(assignment__agent_id=scope)
    visible = set(qs.values_list("pk", flat=True))
    return [pk for pk in wanted if pk in visible]


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
            found = _visible_ids(portfolio, scope, wanted)
        elif wanted:
            found = wanted
    _check_size(len(found))
    return found


def _check_size(count: int) -> None:
    if count > BULK_MAX:
        raise BulkError(_("More than %(max)s debtors: narrow the filter or select fewer (at most %(max)s at a "
                          "time).") % {"max": _n(BULK_MAX)}, field="scope")
    if not count:
        raise BulkError(_("No debtors selected: tick some in the list or apply the action to the filter."),
                        field="scope")


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
    channel: str = ""
    # why messages were blocked, by kind (_reason_key): [kind, how many, some debtor codes]; said in the reader's
    # language by `reasons`, so a job's summary reads in the language of whoever opens its page
    blocked_kinds: list[list] = field(default_factory=list)

    @property
    def reasons(self) -> list[tuple[str, int, list[str]]]:
        return [(_blocked_reason(kind, self.channel), count, codes) for kind, count, codes in self.blocked_kinds]

    def summary(self) -> str:
        if self.action == "template":
            text = _("Queued %(queued)s, blocked %(blocked)s.") % {"queued": _n(self.queued),
                                                                    "blocked": _n(self.blocked)}
            if self.blocked_kinds:
                said = "; ".join(f"{reason} — {_n(count)} ({', '.join(codes)}{'…' if count > len(codes) else ''})"
                                 for reason, count, codes in self.reasons)
                text += " " + _("Why: %(reasons)s.") % {"reasons": said}
            return text
        if self.action == "tag":
            return _("Tags changed on %(n)s of %(m)s debtors.") % {"n": _n(self.changed), "m": _n(self.debtors)}
        if self.action == "hold":
            return _("%(n)s debtors put on hold.") % {"n": _n(self.changed)}
        return _("%(n)s debtors assigned.") % {"n": _n(self.changed)}

    def to_dict(self) -> dict:
        return {"debtors": self.debtors, "changed": self.changed, "queued": self.queued, "blocked": self.blocked,
                "channel": self.channel, "blocked_kinds": self.blocked_kinds}

    @classmethod
    def from_dict(cls, action: str, data: dict | None) -> BulkResult:
        data = data or {}
        return cls(action=action, debtors=int(data.get("debtors") or 0), changed=int(data.get("changed") or 0),
                   queued=int(data.get("queued") or 0), blocked=int(data.get("blocked") or 0),
                   channel=str(data.get("channel") or ""),
                   blocked_kinds=[list(k) for k in data.get("blocked_kinds") or []])


_REASON_KINDS = ("no collectable contact", "no active template", "never allowed")


def _reason_key(reason: str) -> str:
    """The kind of a blocked reason of message_enqueue_with_reason (its start), or the reason itself."""
    return next((kind for kind in _REASON_KINDS if reason.startswith(kind)), reason[:200])


def _blocked_reason(reason: str, channel: str) -> str:
    """A blocked reason of message_enqueue_with_reason (or its kind) said for a person, grouped by kind."""
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


def _template(portfolio: Portfolio, template: str) -> tuple[str, str]:
    code, _sep, channel = (template or "").partition("|")
    if not code or not channel or template_lookup(portfolio=portfolio, code=code, channel=channel,
                                                  language="es") is None:
        raise BulkError(_("Choose an active template."), field="template")
    return code, channel


def _check_inputs(*, portfolio: Portfolio, action: str, params: dict, as_of: date) -> None:
    """The action's own inputs, checked before anything is done (at the confirmation and when a job runs)."""
    if action == "assign":
        _agent(portfolio, params.get("agent_id"))
    elif action == "tag":
        add = parse_tags(",".join(params.get("add_tags") or []), "add_tags")
        remove = parse_tags(",".join(params.get("remove_tags") or []), "remove_tags")
        if not add and not remove:
            raise BulkError(_("Write the tags to add or to remove."), field="add_tags")
    elif action == "hold":
        _hold_checks(params.get("hold_reason") or "", params.get("hold_until"), as_of)
    else:
        _template(portfolio, params.get("template") or "")


def _check_token(portfolio: Portfolio, token: str) -> str:
    token = (token or "").strip()[:64]
    if not token:
        raise BulkError(_("Confirm the action first."), field="scope")
    if AuditEvent.objects.filter(portfolio=portfolio, event_type=BATCH_EVENT, changes__token=token).exists() or \
            BulkJob.objects.filter(portfolio=portfolio, token=token).exists():
        raise BulkError(_("This action was already done: it is not done twice."), field="scope")
    return token


def _do(*, portfolio: Portfolio, actor, action: str, params: dict, ids: list[int], token: str, now: datetime,
        result: BulkResult) -> dict:
    """Do the action on the debtors `ids`, adding to `result`; the details for the batch's audit event."""
    if action == "assign":
        agent = _agent(portfolio, params.get("agent_id"))
        result.changed += assign_debtors(portfolio=portfolio, debtor_ids=ids, agent=agent, actor=actor, now=now)
        return {"agent": agent.get_username() if agent is not None else None}
    if action == "tag":
        add, remove = list(params.get("add_tags") or []), list(params.get("remove_tags") or [])
        result.changed += debtors_retag(portfolio=portfolio, debtor_ids=ids, add=add, remove=remove, actor=actor,
                                        now=now)
        return {"add": add, "remove": remove}
    if action == "hold":
        for debtor in Debtor.objects.filter(portfolio=portfolio, pk__in=ids).select_related("portfolio"):
            hold_create(debtor=debtor, reason=params["hold_reason"], until=params["hold_until"],
                        notes=params.get("hold_notes") or "", actor=actor)
        result.changed += len(ids)
        return {"reason": params["hold_reason"], "until": params["hold_until"],
                "notes": (params.get("hold_notes") or "")[:500]}
    _send(portfolio=portfolio, actor=actor, template=params.get("template") or "", found=ids, token=token, now=now,
          result=result)
    return {"template": params.get("template") or ""}


@transaction.atomic
def bulk_apply(*, portfolio: Portfolio, actor, action: str, token: str, as_of: date, ids=None,
               filters: DebtorFilters | None = None, query: str = "", expected: int | None = None,
               agent_id=None, add_tags: list[str] = (), remove_tags: list[str] = (), hold_reason: str = "",
               hold_until: date | None = None, hold_notes: str = "", template: str = "",
               now: datetime | None = None) -> BulkResult:
    """Do `action` on the debtors of `ids` or of `filters` (see bulk_debtor_ids), all or nothing, now.
    `expected`: the count the user confirmed; a different count now (the list changed) refuses. `token`: the
    confirmation page's, once only. assign: `agent_id` ("-": unassign); tag: `add_tags`, `remove_tags`; hold:
    `hold_reason`, `hold_until` (from the portfolio's date, at most HOLD_MAX_DAYS ahead), `hold_notes`;
    template: "code|channel", each debtor checked by the contact rules, the blocked ones reported with why.
    Large actions go to the background worker instead: see bulk_submit (recaudo.agents.bulk_jobs)."""
    now = now or timezone.now()
    params = bulk_params(agent_id=agent_id, add_tags=add_tags, remove_tags=remove_tags, hold_reason=hold_reason,
                     hold_until=hold_until, hold_notes=hold_notes, template=template)
    token, found = _checked(portfolio=portfolio, actor=actor, action=action, token=token, as_of=as_of, ids=ids,
                            filters=filters, expected=expected, params=params)
    result = BulkResult(action=action, debtors=len(found))
    details = _do(portfolio=portfolio, actor=actor, action=action, params=params, ids=found, token=token, now=now,
                  result=result)
    _record_batch(portfolio=portfolio, actor=actor, action=action, token=token, query=query, found=found,
                  details=details, result=result, now=now)
    return result


def bulk_params(*, agent_id, add_tags, remove_tags, hold_reason, hold_until, hold_notes, template) -> dict:
    return {"agent_id": str(agent_id or ""), "add_tags": [str(t) for t in add_tags or []],
            "remove_tags": [str(t) for t in remove_tags or []], "hold_reason": hold_reason or "",
            "hold_until": hold_until, "hold_notes": (hold_notes or "")[:500], "template": template or ""}


def _checked(*, portfolio, actor, action, token, as_of, ids, filters, expected, params) -> tuple[str, list[int]]:
    """The checks of a confirmation (permission, once only, the debtors and their count, the action's inputs):
    the token and the debtors."""
    _check_allowed(actor, portfolio, action)
    token = _check_token(portfolio, token)
    found = bulk_debtor_ids(portfolio=portfolio, user=actor, as_of=as_of, ids=ids, filters=filters)
    if expected is not None and expected != len(found):
        raise BulkError(_("The list changed since you confirmed: %(n)s debtors now instead of %(m)s. Review and "
                          "confirm again.") % {"n": _n(len(found)), "m": _n(expected)}, field="scope")
    _check_inputs(portfolio=portfolio, action=action, params=params, as_of=as_of)
    return token, found


def _record_batch(*, portfolio, actor, action, token, query, found, details, result: BulkResult, now,
                  job_id: int | None = None) -> None:
    if action == "template":
        details = {**details, "queued": result.queued, "blocked": result.blocked}
    if job_id is not None:
        details = {**details, "job": job_id}
    audit_record(event_type=BATCH_EVENT, subject=portfolio, actor=actor, portfolio=portfolio, at=now,
                 changes={"action": action, "token": token, "count": len(found), "filter": query[:1000],
                          "debtors": found, **details})


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
    code, channel = _template(portfolio, template)
    result.channel = channel
    kinds = {kind: [count, codes] for kind, count, codes in result.blocked_kinds}
    for debtor in Debtor.objects.filter(portfolio=portfolio, pk__in=found).select_related("portfolio").order_by("pk"):
        message, reason = message_enqueue_with_reason(
            portfolio=portfolio, debtor=debtor, channel=channel, template_code=code,
            dedupe_key=f"bulk:{token}:{debtor.pk}", now=now, source="bulk", actor=actor)
        if message is not None:
            result.queued += 1
            continue
        result.blocked += 1
        entry = kinds.setdefault(_reason_key(reason), [0, []])
        entry[0] += 1
        if len(entry[1]) < 5:
            entry[1].append(debtor.code)
    result.blocked_kinds = [[kind, count, codes] for kind, (count, codes)
                            in sorted(kinds.items(), key=lambda item: -item[1][0])]


# ---------------------------------------------------------------------------------------------------------------
# In the background: recaudo.agents.bulk_jobs submits a BulkJob, recaudo.agents.tasks runs it with bulk_job_run
# ---------------------------------------------------------------------------------------------------------------
BACKGROUND_ABOVE = 300  # debtors from which an assignment, tags or a hold run in the background
JOB_BATCH = 200  # debtors per committed batch of a job
JOB_STALE = timedelta(minutes=5)  # a running job whose worker has not been heard of for this long may be resumed
JOB_EVENTS = ("debtors.bulk_submitted", "debtors.bulk_stopped", "debtors.bulk_resumed")


def runs_in_background(action: str, count: int) -> bool:
    """Whether a bulk action runs in the background worker: a message template always (each debtor is checked by
    the contact rules and rendered: about 5 ms a debtor), the others from BACKGROUND_ABOVE debtors."""
    return action == "template" or count > BACKGROUND_ABOVE


def job_params(params: dict) -> dict:
    """The action's inputs as the job stores them (JSON)."""
    until = params.get("hold_until")
    return {**params, "hold_until": until.isoformat() if isinstance(until, date) else None}


def _job_inputs(job: BulkJob) -> dict:
    params = dict(job.params or {})
    until = params.get("hold_until")
    params["hold_until"] = date.fromisoformat(until) if until else None
    return params


@transaction.atomic
def bulk_job_create(*, portfolio: Portfolio, actor, action: str, token: str, as_of: date, ids=None,
                    filters: DebtorFilters | None = None, query: str = "", expected: int | None = None,
                    params: dict, language: str = "") -> BulkJob:
    """Record a pending BulkJob after the same checks as bulk_apply (permission, once only, count, inputs); nothing
    is done to the debtors until bulk_job_run. Enqueueing the task is the caller's (bulk_jobs.bulk_submit)."""
    token, found = _checked(portfolio=portfolio, actor=actor, action=action, token=token, as_of=as_of, ids=ids,
                            filters=filters, expected=expected, params=params)
    job = BulkJob.objects.create(portfolio=portfolio, action=action, token=token, params=job_params(params)
                                 | {"query": query[:1000]}, debtors=found, total=len(found),
                                 result=BulkResult(action=action, debtors=len(found)).to_dict(),
                                 language=(language or "")[:10], created_by=actor)
    audit_record(event_type="debtors.bulk_submitted", subject=job, actor=actor, portfolio=portfolio,
                 changes={"action": action, "token": token, "count": len(found), "filter": query[:1000]})
    return job


def _now() -> datetime:
    """The clock of a job's batches (tests set it inside the contact hours)."""
    return timezone.now()


class _LostClaim(Exception):
    pass


def new_job_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def bulk_job_run(job_id: int, *, worker_id: str = "") -> BulkJob | None:
    """Run a BulkJob: claim it (pending, or running with a worker unheard of for JOB_STALE), then do its debtors
    JOB_BATCH at a time, each batch in one transaction with the job's progress and counts, so that a job never
    does a debtor twice and one stopped half-way (a worker killed, a failure) resumes at its next batch. Another
    worker that finds it claimed leaves it. Permission, the size bound and the inputs are checked again at each
    batch: a user who lost the right, or a template deactivated meanwhile, stops the job (status failed, with the
    reason). Returns the job, or None when there is no such job."""
    worker = worker_id or new_job_worker_id()
    now = timezone.now()
    claimed = BulkJob.objects.filter(pk=job_id).filter(
        Q(status=BulkJob.Status.PENDING) | Q(status=BulkJob.Status.RUNNING, heartbeat_at__lt=now - JOB_STALE)
    ).update(status=BulkJob.Status.RUNNING, claimed_by=worker, heartbeat_at=now, attempts=F("attempts") + 1,
             started_at=Coalesce("started_at", Value(now)))
    job = BulkJob.objects.filter(pk=job_id).first()
    if not claimed or job is None:
        return job
    with translation.override(job.language or translation.get_language()):
        while True:
            try:
                if _job_batch(job_id, worker):
                    break
            except _LostClaim:
                break
            except DomainError as exc:
                _job_stop(job_id, worker, exc.message)
                break
            except Exception as exc:  # the job must end in a state a person can read; the cause goes to the log
                log.exception("bulk job %s failed", job_id)
                _job_stop(job_id, worker, _("Internal error (%(kind)s): the debtors of the batch that failed were "
                                            "not touched.") % {"kind": exc.__class__.__name__})
                break
    return BulkJob.objects.get(pk=job_id)


@transaction.atomic
def _job_batch(job_id: int, worker: str) -> bool:
    """One batch of a claimed job, committed with its progress; True when the job is over."""
    job = BulkJob.objects.select_for_update(of=("self",)).select_related("portfolio", "created_by").get(pk=job_id)
    if job.status != BulkJob.Status.RUNNING or job.claimed_by != worker:
        raise _LostClaim
    portfolio, actor = job.portfolio, job.created_by
    if actor is None or not actor.is_active:
        raise BulkNotAllowed(_("The user who confirmed this action can no longer do it."))
    _check_allowed(actor, portfolio, job.action)
    _check_size(len(job.debtors))
    params = _job_inputs(job)
    now = _now()
    if job.action != "hold":  # a hold's end date was checked against the portfolio's date at the confirmation
        _check_inputs(portfolio=portfolio, action=job.action, params=params, as_of=portfolio.today())
    batch = [int(pk) for pk in job.debtors[job.done: job.done + JOB_BATCH]]
    ids = _visible_ids(portfolio, assigned_only_agent(actor, portfolio), batch)
    result = BulkResult.from_dict(job.action, job.result)
    details = _do(portfolio=portfolio, actor=actor, action=job.action, params=params, ids=ids, token=job.token,
                  now=now, result=result) if ids else {}
    job.done = min(job.done + len(batch), job.total)
    job.heartbeat_at = now
    if job.done >= job.total:
        job.status, job.finished_at, job.message = BulkJob.Status.DONE, now, ""
        _record_batch(portfolio=portfolio, actor=actor, action=job.action, token=job.token,
                      query=job.params.get("query") or "", found=list(job.debtors), details=details, result=result,
                      now=now, job_id=job.pk)
    job.result = result.to_dict()
    job.save(update_fields=["done", "heartbeat_at", "status", "finished_at", "message", "result"])
    return job.status == BulkJob.Status.DONE


@transaction.atomic
def _job_stop(job_id: int, worker: str, message: str) -> None:
    job = BulkJob.objects.select_for_update().get(pk=job_id)
    if job.status != BulkJob.Status.RUNNING or job.claimed_by != worker:
        return
    job.status, job.message, job.finished_at = BulkJob.Status.FAILED, message[:2000], timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])
    audit_record(event_type="debtors.bulk_stopped", subject=job, actor=None, portfolio=job.portfolio,
                 changes={"action": job.action, "done": job.done, "total": job.total, "reason": message[:500]})


def bulk_jobs_abandoned(now: datetime | None = None, limit: int = 20) -> list[int]:
    """Jobs no worker is doing: running with a worker unheard of for JOB_STALE (killed mid-job), or still pending
    JOB_STALE after they were submitted (the task worker is down or its task was lost). The cycle worker takes them
    over (cycle.runner.worker_tick); bulk_job_run's claim is atomic, so a job is never run by two at once."""
    now = now or timezone.now()
    stale = now - JOB_STALE
    return list(BulkJob.objects.filter(
        Q(status=BulkJob.Status.RUNNING, heartbeat_at__lt=stale)
        | Q(status=BulkJob.Status.PENDING, created_at__lt=stale)
    ).order_by("created_at", "id").values_list("pk", flat=True)[:limit])


def bulk_job_resumable(job: BulkJob, now: datetime | None = None) -> bool:
    """Whether a job may be resumed: stopped, or running with its worker unheard of for JOB_STALE."""
    now = now or timezone.now()
    return job.status == BulkJob.Status.FAILED or (
        job.status == BulkJob.Status.RUNNING and job.heartbeat_at is not None and job.heartbeat_at < now - JOB_STALE)


@transaction.atomic
def bulk_job_resume(*, job: BulkJob, actor) -> BulkJob:
    """Put a stopped job back in the queue (it goes on from its next batch); the caller enqueues the task."""
    _check_allowed(actor, job.portfolio, job.action)
    job = BulkJob.objects.select_for_update().get(pk=job.pk)
    if not bulk_job_resumable(job):
        raise BulkError(_("This action is not stopped: there is nothing to resume."), field="scope")
    job.status, job.claimed_by, job.message, job.finished_at = BulkJob.Status.PENDING, "", "", None
    job.save(update_fields=["status", "claimed_by", "message", "finished_at"])
    audit_record(event_type="debtors.bulk_resumed", subject=job, actor=actor, portfolio=job.portfolio,
                 changes={"action": job.action, "done": job.done, "total": job.total})
    return job
