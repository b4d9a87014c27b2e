"""The daily cycle of a portfolio: aging, segments, priorities, the step due per debtor, the compliance check, and
the messages and agent tasks it creates. Set-based: debtors are read in chunks of ids with a few queries each
(cached Debtor columns, GROUP BY over obligations only for debtors with disputed or held obligations, history,
contact attempts and consents in bulk); writes are bulk inserts that ignore conflicts, so a chunk that is done again
(a resumed run, a second worker) creates nothing more. Each chunk commits with the run's progress and heartbeat.
"""

from __future__ import annotations

import heapq
import logging
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from recaudo.agents.models import AgentTask
from recaudo.agreements.selectors import broken_promise_debtors
from recaudo.compliance.models import ComplianceDecision, ContactAttempt
from recaudo.compliance.rules import ComplianceError, ContactEvent, decide, decide_bureau_report
from recaudo.compliance.services import HISTORY_DAYS, compliance_settings
from recaudo.core.money import precision
from recaudo.cycle import comms, wording
from recaudo.portfolio.models import Consent, Contact, Debtor, Obligation, Portfolio
from recaudo.strategies.models import (
    CycleRun,
    DebtorStrategyState,
    Hold,
    PortfolioCycleSettings,
    StepExecution,
    StrategyVersion,
    reason_code_of,
)
from recaudo.strategies.rules import (
    CHALLENGER,
    CONDITIONS,
    HELD,
    DebtorFacts,
    History,
    Priority,
    SegmentDef,
    arm_of,
    match_segment,
    next_step,
    priority,
    stage_for,
)
from recaudo.strategies.schema import all_steps
from recaudo.strategies.selectors import (
    active_holds,
    challengers_in_force,
    segments_in_order,
    strategies_in_force,
)

log = logging.getLogger(__name__)
CHUNK = 10_000


def cycle_setting(name: str, default: float) -> float:
    """A number from the setting `name` (recaudo/settings.py reads it from the environment), else `default`."""
    from django.conf import settings

    value = getattr(settings, name, None)
    return float(default if value is None else value)


def chunk_size() -> int:
    """Debtors per chunk (RECAUDO_CYCLE_CHUNK, default 10,000): each chunk commits with the run's progress."""
    return max(1, int(cycle_setting("RECAUDO_CYCLE_CHUNK", CHUNK)))
CONTACT_ACTIONS = {"send_message", "create_task"}


class LostClaim(RuntimeError):
    """Another worker took this run over (our heartbeat went stale): stop without writing."""


class Interrupted(RuntimeError):
    """The worker is stopping (SIGTERM): the run stopped after its last committed chunk."""


@dataclass
class PlanRow:
    debtor_id: int
    days: int | None
    priority: Priority | None
    segment_id: int | None
    version: StrategyVersion | None = None
    step: dict | None = None
    episode: date | None = None
    stage: str = ""
    outcome: str = ""  # done / blocked / skipped
    reason: str = ""
    scheduled_for: datetime | None = None
    decision: object = None  # compliance Decision (blocked: stored as evidence)
    debtor_name: str = ""

    @property
    def action(self) -> str:
        return self.step["action"] if self.step else ""

    @property
    def channel(self) -> str:
        return (self.step.get("channel") or self.step.get("task") or "") if self.step else ""

    @property
    def template(self) -> str:
        return self.step.get("template", "") if self.step else ""

    @property
    def step_key(self) -> str:
        return self.step["key"] if self.step else ""

    def dedupe_key(self) -> str:
        return f"cycle:{self.version.strategy_id}:{self.debtor_id}:{self.episode:%Y%m%d}:{self.step_key}"

    def as_json(self, minor_per_unit: int = 100) -> dict:
        return {
            "debtor_id": self.debtor_id, "debtor": self.debtor_name, "days_past_due": self.days,
            "step": self.step_key, "action": self.action, "channel": self.channel, "template": self.template,
            "outcome": self.outcome, "reason": wording.reason_text(self.reason),
            "reason_code": wording.decode(self.reason), "stage": self.stage,
            "strategy_version": self.version.number if self.version else None,
            "scheduled_for": self.scheduled_for.isoformat() if self.scheduled_for else None,
            "priority": self.priority.score if self.priority else 0,
            "priority_explanation": self.priority.explain("en", minor_per_unit) if self.priority else "",
        }


@dataclass
class CycleResult:
    portfolio: str
    business_date: date
    dry_run: bool
    status: str = "done"
    run_id: int | None = None
    counts: dict = field(default_factory=dict)
    rows: list[PlanRow] = field(default_factory=list)

    def as_json(self, minor_per_unit: int = 100) -> dict:
        return {"portfolio": self.portfolio, "business_date": self.business_date.isoformat(),
                "dry_run": self.dry_run, "status": self.status, "run_id": self.run_id, "counts": self.counts,
                "rows": [r.as_json(minor_per_unit) for r in self.rows]}


def _bump(counts: dict, *keys: str, n: int = 1) -> None:
    for key in keys:
        counts[key] = counts.get(key, 0) + n


def cycle_instant(portfolio: Portfolio, business_date: date, now: datetime | None,
                  run_time: time | None = None) -> datetime:
    """The instant the cycle's contacts are checked for: the run time on the business date (portfolio zone), or
    `now` when the cycle runs later that same local day."""
    zone = ZoneInfo(portfolio.timezone)
    if run_time is None:
        settings = PortfolioCycleSettings.objects.filter(portfolio=portfolio).first()
        run_time = settings.run_time if settings else time(8, 0)
    planned = datetime.combine(business_date, run_time, tzinfo=zone).astimezone(ZoneInfo("UTC"))
    if now is not None and now.astimezone(zone).date() == business_date and now > planned:
        return now
    return planned


class Cycle:
    """One portfolio's cycle for one business date. `versions` overrides the strategies in force (dry runs of a
    new version); `dry_run` plans without writing (and ignores what ran on the business date itself)."""

    def __init__(self, *, portfolio: Portfolio, business_date: date, now: datetime | None = None,
                 dry_run: bool = False, versions: dict | None = None, collect: int = 0):
        self.portfolio = portfolio
        self.today = business_date
        self.dry_run = dry_run
        self.collect = collect
        self.at = cycle_instant(portfolio, business_date, now)
        self.minor = 10 ** precision(portfolio.currency)
        self.segments = [SegmentDef(s.pk, s.name, s.conditions, s.weight) for s in segments_in_order(portfolio)]
        self.versions = versions if versions is not None else strategies_in_force(portfolio)
        self.steps = {seg: all_steps(v.content) for seg, v in self.versions.items()}
        # champion/challenger tests (not in a dry run of one version: that shows the version alone)
        self.challengers = challengers_in_force(portfolio) if versions is None else {}
        self.challenger_steps = {seg: all_steps(v.content) for seg, (v, _share) in self.challengers.items()}
        offsets = [s["offset"] for steps in self.steps.values() for s in steps]
        self.min_offset = min(offsets) if offsets else 0
        self.settings = compliance_settings()
        self.decisions: dict = {}
        holds = active_holds(portfolio, business_date).values_list("debtor_id", "obligation_id", "reason")
        self.debtor_holds: dict[int, set[str]] = defaultdict(set)
        self.held_obligations: set[int] = set()
        self.debtors_with_held_obligations: set[int] = set()
        for debtor_id, obligation_id, reason in holds:
            if obligation_id is None:
                self.debtor_holds[debtor_id].add(reason)
            else:
                self.held_obligations.add(obligation_id)
                self.debtors_with_held_obligations.add(debtor_id)
        self.chunk = chunk_size()
        self.pause = cycle_setting("RECAUDO_CYCLE_PAUSE", 0)
        self.broken_promises = broken_promise_debtors(portfolio, business_date)
        self.counts: dict = {}
        self.top: list = []  # heap of (priority, debtor_id, row) for `collect`

    # ------------------------------------------------------------------------------------------------------------
    # Reading one chunk
    # ------------------------------------------------------------------------------------------------------------
    def _debtors(self, after: int) -> list[tuple]:
        return list(
            Debtor.objects.filter(portfolio=self.portfolio, id__gt=after, balance_minor__gt=0)
            .order_by("id")
            .values_list("id", "balance_minor", "open_count", "oldest_due_date", "disputed", "kind",
                         "customer_since", "tags", "timezone")[:self.chunk]
        )

    def _collectable(self, debtor_ids: list[int]) -> dict[int, tuple[int, int, date | None, int]]:
        """debtor -> (collectable balance, open count, oldest due date, disputed balance) for the given debtors:
        open obligations, not disputed, not held. Only for debtors whose cached columns do not say it already."""
        result = {d: (0, 0, None, 0) for d in debtor_ids}
        if not debtor_ids:
            return result
        base = Obligation.objects.filter(debtor_id__in=debtor_ids, balance_minor__gt=0)
        rows = (base.filter(disputed=False).exclude(id__in=self.held_obligations).order_by().values("debtor_id")
                .annotate(s=Sum("balance_minor"), c=Count("id"), d=Min("due_date")))
        for r in rows:
            result[r["debtor_id"]] = (r["s"], r["c"], r["d"], 0)
        for r in base.filter(disputed=True).order_by().values("debtor_id").annotate(s=Sum("balance_minor")):
            s, c, d, _ = result[r["debtor_id"]]
            result[r["debtor_id"]] = (s, c, d, r["s"])
        return result

    def _history(self, lo: int, hi: int) -> tuple[dict, set[int]]:
        """(debtor, strategy, episode) -> highest offset run; debtors that had a step on the business date."""
        rows = StepExecution.objects.filter(portfolio=self.portfolio, debtor_id__gt=lo, debtor_id__lte=hi)
        if self.dry_run:
            rows = rows.filter(business_date__lt=self.today)
        last = {(r["debtor_id"], r["strategy_id"], r["episode"]): r["m"] for r in
                rows.order_by().values("debtor_id", "strategy_id", "episode").annotate(m=Max("offset"))}
        ran_today = set() if self.dry_run else set(
            rows.filter(business_date=self.today).values_list("debtor_id", flat=True))
        return last, ran_today

    def _contacts(self, lo: int, hi: int) -> tuple[dict, dict]:
        history: dict[int, list[ContactEvent]] = defaultdict(list)
        attempts = (ContactAttempt.objects.filter(portfolio=self.portfolio, debtor_id__gt=lo, debtor_id__lte=hi,
                                                  at__lte=self.at, at__gt=self.at - timedelta(days=HISTORY_DAYS))
                    .order_by("at", "id").values_list("debtor_id", "at", "channel", "effective"))
        for debtor_id, at, channel, effective in attempts:
            history[debtor_id].append(ContactEvent(at=at, channel=channel, effective=effective))
        consents: dict[int, dict[str, str]] = defaultdict(dict)
        rows = (Consent.objects.filter(contact__debtor__portfolio=self.portfolio, contact__debtor_id__gt=lo,
                                       contact__debtor_id__lte=hi)
                .exclude(contact__role=Contact.Role.REFERENCE).values_list("contact__debtor_id", "channel", "status"))
        for debtor_id, channel, status in rows:
            if consents[debtor_id].get(channel) != Consent.Status.GRANTED:
                consents[debtor_id][channel] = status
        return history, consents

    # ------------------------------------------------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------------------------------------------------
    def _decide(self, channel: str, tz: str, history: list[ContactEvent], consents: dict):
        key = (channel, tz, tuple(history), tuple(sorted(consents.items())))
        decision = self.decisions.get(key)
        if decision is None:
            try:
                decision = decide(country=self.portfolio.country, channel=channel, at=self.at, tz=tz,
                                  history=history, consents=consents, settings=self.settings)
            except ComplianceError as exc:
                decision = exc
            if len(self.decisions) > 50_000:
                self.decisions.clear()
            self.decisions[key] = decision
        return decision

    def plan_chunk(self, after: int) -> tuple[list[PlanRow], list[PlanRow], int | None]:
        """(rows with a step, all rows for the state table, last debtor id) of the next chunk after `after`."""
        debtors = self._debtors(after)
        if not debtors:
            return [], [], None
        lo, hi = after, debtors[-1][0]
        special = [d[0] for d in debtors if d[4] or d[0] in self.debtors_with_held_obligations]
        collectable = self._collectable(special)
        last, ran_today = self._history(lo, hi)
        need_contacts = any(d[3] is not None and (self.today - d[3]).days >= self.min_offset for d in debtors)
        history, consents = self._contacts(lo, hi) if need_contacts else ({}, {})
        risks = dict(DebtorStrategyState.objects.filter(debtor_id__gt=lo, debtor_id__lte=hi, risk_score__isnull=False)
                     .values_list("debtor_id", "risk_score"))
        stepped: list[PlanRow] = []
        states: list[PlanRow] = []
        for debtor_id, balance, open_count, oldest, disputed, kind, since, tags, tz in debtors:
            disputed_minor = 0
            if debtor_id in collectable:
                balance, open_count, oldest, disputed_minor = collectable[debtor_id]
            granted = consents.get(debtor_id, {})
            facts = DebtorFacts(
                debtor_id=debtor_id, balance_minor=balance, oldest_due_date=oldest, open_count=open_count, kind=kind,
                customer_since=since, tags=frozenset(t for t in tags.split("|") if t) if tags else frozenset(),
                disputed=disputed, disputed_minor=disputed_minor,
                hold_reasons=frozenset(self.debtor_holds.get(debtor_id, ())), risk_score=risks.get(debtor_id),
                consents=frozenset(c for c, s in granted.items() if s == Consent.Status.GRANTED),
                promise_broken=debtor_id in self.broken_promises,
            )
            days = facts.days_past_due(self.today)
            segment = match_segment(facts, self.segments, self.today, self.minor)
            prio = priority(balance, days or 0, segment, self.minor, facts.risk_score) if balance > 0 else None
            row = PlanRow(debtor_id=debtor_id, days=days, priority=prio, segment_id=segment.id if segment else None)
            states.append(row)
            if days is None or days < self.min_offset:
                continue
            seg_key = segment.id if segment is not None and segment.id in self.versions else None
            version = self.versions.get(seg_key)
            if version is None:
                continue
            strategy_steps = self.steps[seg_key]
            test = self.challengers.get(seg_key)
            if test is not None and arm_of(debtor_id, version.strategy_id, test[1]) == CHALLENGER:
                version, strategy_steps = test[0], self.challenger_steps[seg_key]
            choice = next_step(strategy_steps, facts, self.today,
                               History(last.get((debtor_id, version.strategy_id, oldest)), debtor_id in ran_today),
                               self.minor)
            stage = stage_for(version.content["stages"], days)
            row.version, row.episode, row.stage = version, oldest, stage["key"] if stage else ""
            if choice.step is None:
                if choice.reason in (HELD, CONDITIONS):
                    row.outcome, row.reason = "skipped", _skip_reason(choice.reason, choice.detail)
                    _bump(self.counts, "skipped", f"skipped:{choice.reason}")
                    self._keep(row)
                continue
            row.step = choice.step
            self._check(row, tz or self.portfolio.timezone, history.get(debtor_id, []), granted, facts)
            stepped.append(row)
            _bump(self.counts, "steps", f"outcome:{row.outcome}", f"step:{row.step_key}")
            if row.channel and row.outcome == "done":
                _bump(self.counts, f"channel:{row.channel}")
            self._keep(row)
        _bump(self.counts, "debtors", n=len(debtors))
        return stepped, states, hi

    def _check(self, row: PlanRow, tz: str, history: list, consents: dict, facts: DebtorFacts) -> None:
        step = row.step
        if step["action"] in CONTACT_ACTIONS:
            decision = self._decide(row.channel, tz, history, consents)
            if isinstance(decision, Exception):
                row.outcome, row.reason = "blocked", wording.encode("compliance_error", error=str(decision))
            elif decision.allowed:
                row.outcome, row.scheduled_for = "done", self.at
            elif decision.next_allowed_at is not None:
                row.outcome, row.scheduled_for = "done", decision.next_allowed_at
                row.reason = wording.encode("scheduled", rules=wording.rules_of(decision.reasons))
            else:
                row.outcome, row.decision = "blocked", decision
                row.reason = wording.encode("blocked", rules=wording.rules_of(decision.reasons))
        elif step["action"] == "report_bureau":
            row.outcome = "pending_bureau"  # decided per chunk with the notice dates (one query)
        else:
            row.outcome = "done"

    def _bureau(self, rows: list[PlanRow]) -> None:
        pending = [r for r in rows if r.outcome == "pending_bureau"]
        if not pending:
            return
        keys = {k for r in pending for k in r.step.get("notice_steps", [])}
        notices: dict[tuple, list[date]] = defaultdict(list)
        for debtor_id, strategy_id, episode, day in StepExecution.objects.filter(
                debtor_id__in=[r.debtor_id for r in pending], step_key__in=keys, outcome="done"
        ).values_list("debtor_id", "strategy_id", "episode", "business_date"):
            notices[(debtor_id, strategy_id, episode)].append(day)
        for r in pending:
            try:
                decision = decide_bureau_report(
                    country=self.portfolio.country, notice_dates=notices[(r.debtor_id, r.version.strategy_id,
                                                                          r.episode)],
                    report_date=self.today, debt_minor=r.priority.balance_minor if r.priority else 0,
                    currency=self.portfolio.currency, arrears_since=r.episode + timedelta(days=1),
                    settings=self.settings)
            except ComplianceError as exc:
                r.outcome, r.reason = "blocked", wording.encode("compliance_error", error=str(exc))
                continue
            r.outcome = "done" if decision.allowed else "blocked"
            r.reason = (wording.encode("bureau_blocked", rules=wording.rules_of(decision.reasons))
                        if not decision.allowed else wording.encode("bureau_marked"))
        for r in pending:
            _bump(self.counts, "outcome:pending_bureau", n=-1)
            _bump(self.counts, f"outcome:{r.outcome}")

    def _keep(self, row: PlanRow) -> None:
        if not self.collect:
            return
        item = (row.priority.score if row.priority else 0, -row.debtor_id, id(row), row)
        if len(self.top) < self.collect:
            heapq.heappush(self.top, item)
        elif item[:2] > self.top[0][:2]:
            heapq.heapreplace(self.top, item)

    def rows(self) -> list[PlanRow]:
        rows = [item[3] for item in sorted(self.top, key=lambda i: (-i[0], -i[1]))]
        names = dict(Debtor.objects.filter(pk__in=[r.debtor_id for r in rows]).values_list("id", "name"))
        for r in rows:
            r.debtor_name = names.get(r.debtor_id, "")
        return rows

    # ------------------------------------------------------------------------------------------------------------
    # Writing one chunk
    # ------------------------------------------------------------------------------------------------------------
    def write_chunk(self, stepped: list[PlanRow], states: list[PlanRow], run: CycleRun, worker_id: str,
                    last_id: int) -> None:
        now = timezone.now()
        with transaction.atomic():
            # The claim check comes first: on PostgreSQL it locks the run row until commit, so a worker that
            # would take a stale run over waits for us and then sees a fresh heartbeat.
            claimed = CycleRun.objects.filter(pk=run.pk, claimed_by=worker_id, status=CycleRun.Status.RUNNING).update(
                heartbeat_at=now, progress_debtor_id=last_id, counts=self.counts)
            if not claimed:
                raise LostClaim(f"cycle run {run.pk} was taken over")
            blocked = [r for r in stepped if r.decision is not None]
            evidence = ComplianceDecision.objects.bulk_create([
                ComplianceDecision(
                    portfolio=self.portfolio, debtor_id=r.debtor_id, country=self.portfolio.country,
                    action=r.channel, at=self.at, tz=r.decision.tz, allowed=False,
                    reasons=[x.as_dict() for x in r.decision.reasons], next_allowed_at=None,
                    rule_version=r.decision.rule_version, actor_label=f"cycle {self.today.isoformat()}",
                    context={"cycle_run": run.pk, "step": r.step_key, "settings": r.decision.settings},
                ) for r in blocked
            ])
            for r, ev in zip(blocked, evidence, strict=True):
                r.decision_id = ev.pk
            ops = connection.ops
            at = ops.adapt_datetimefield_value
            _insert("strategies_stepexecution", (
                "portfolio_id", "debtor_id", "strategy_id", "strategy_version_id", "cycle_run_id", "episode",
                "step_key", '"offset"', "stage", "business_date", "action", "channel", "template", "outcome", "reason",
                "reason_code", "scheduled_for", "dedupe_key", "decision_id", "created_at"), [
                (self.portfolio.pk, r.debtor_id, r.version.strategy_id, r.version.pk, run.pk,
                 ops.adapt_datefield_value(r.episode), r.step_key, r.step["offset"], r.stage,
                 ops.adapt_datefield_value(self.today), r.action, r.channel, r.template, r.outcome, r.reason[:2000],
                 reason_code_of(r.reason), at(r.scheduled_for), r.dedupe_key() if r.action in CONTACT_ACTIONS else "",
                 getattr(r, "decision_id", None), at(now))
                for r in stepped
            ], conflict="ON CONFLICT DO NOTHING")
            # Act only on the steps that are now recorded for the business date (a concurrent run may have
            # recorded another step for a debtor: then it, not we, acts on it).
            recorded = {
                (d, k): pk for pk, d, k in StepExecution.objects.filter(
                    portfolio=self.portfolio, business_date=self.today, debtor_id__gt=run.progress_debtor_id,
                    debtor_id__lte=last_id).values_list("id", "debtor_id", "step_key")
            }
            acting = [r for r in stepped if r.outcome == "done" and (r.debtor_id, r.step_key) in recorded]
            self._act(acting, recorded, run, now)
            self._states(states, stepped)
        run.progress_debtor_id = last_id

    def _act(self, rows: list[PlanRow], recorded: dict, run: CycleRun, now: datetime) -> None:
        messages = [
            {"portfolio_id": self.portfolio.pk, "debtor_id": r.debtor_id, "channel": r.channel,
             "template_code": r.template, "dedupe_key": r.dedupe_key(),
             "attach_statement": bool(r.step.get("attach_statement")), "cycle_run_id": run.pk,
             "scheduled_for": r.scheduled_for, "next_attempt_at": r.scheduled_for, "context": _allow_holds(r.step)}
            for r in rows if r.action == "send_message"
        ]
        if messages:
            comms.enqueue_bulk(messages, now=now)
        tasks = [
            AgentTask(portfolio=self.portfolio, debtor_id=r.debtor_id, kind=r.channel, due_at=r.scheduled_for,
                      created_by_step_id=recorded[(r.debtor_id, r.step_key)], dedupe_key=r.dedupe_key(),
                      notes=f"{r.step_key} ({r.template})" if r.template else r.step_key)
            for r in rows if r.action == "create_task"
        ]
        if tasks:
            AgentTask.objects.bulk_create(tasks, ignore_conflicts=True)
        holds = [
            Hold(portfolio=self.portfolio, debtor_id=r.debtor_id, reason=r.step.get("reason", "other"),
                 until=self.today + timedelta(days=r.step.get("days", 30)),
                 notes=gettext("strategy step %(step)s") % {"step": r.step_key},
                 created_by_step_id=recorded[(r.debtor_id, r.step_key)])
            for r in rows if r.action == "hold"
        ]
        if holds:
            Hold.objects.bulk_create(holds)
        legal = [r.debtor_id for r in rows if r.action == "mark_legal"]
        bureau = [r.debtor_id for r in rows if r.action == "report_bureau"]
        moves = defaultdict(list)
        for r in rows:
            if r.action == "move_stage":
                moves[r.step["stage"]].append(r.debtor_id)
        self._pending_marks = (legal, bureau, moves)

    def _states(self, states: list[PlanRow], stepped: list[PlanRow]) -> None:
        day = connection.ops.adapt_datefield_value(self.today)
        _insert("strategies_debtorstrategystate", (
            "debtor_id", "portfolio_id", "segment_id", "priority", "priority_balance_minor", "priority_days",
            "segment_name", "computed_on", "stage"), [
            (r.debtor_id, self.portfolio.pk, r.segment_id, r.priority.score if r.priority else 0,
             r.priority.balance_minor if r.priority else 0, r.days or 0, r.priority.segment if r.priority else "",
             day, "")
            for r in states
        ], conflict=("ON CONFLICT (debtor_id) DO UPDATE SET segment_id = excluded.segment_id, "
                     "priority = excluded.priority, priority_balance_minor = excluded.priority_balance_minor, "
                     "priority_days = excluded.priority_days, segment_name = excluded.segment_name, "
                     "computed_on = excluded.computed_on"))
        legal, bureau, moves = getattr(self, "_pending_marks", ([], [], {}))
        if legal:
            DebtorStrategyState.objects.filter(debtor_id__in=legal).update(legal_handoff_on=self.today)
        if bureau:
            DebtorStrategyState.objects.filter(debtor_id__in=bureau).update(bureau_report_on=self.today)
        for stage, ids in moves.items():
            DebtorStrategyState.objects.filter(debtor_id__in=ids).update(stage=stage)
        self._pending_marks = ([], [], {})

    # ------------------------------------------------------------------------------------------------------------
    def execute(self, run: CycleRun | None = None, worker_id: str = "", should_stop=None) -> None:
        """Plan (and unless dry_run write) every chunk, starting after the run's progress. `should_stop` (a
        callable) is asked after each committed chunk: when true, raise Interrupted (the caller releases the run,
        which the next worker resumes after the last committed chunk)."""
        after = run.progress_debtor_id if run is not None else 0
        if run is not None and run.counts:
            self.counts = dict(run.counts)
        while True:
            stepped, states, last_id = self.plan_chunk(after)
            if last_id is None:
                break
            self._bureau(stepped)
            if not self.dry_run:
                self.write_chunk(stepped, states, run, worker_id, last_id)
            after = last_id
            if should_stop is not None and should_stop():
                raise Interrupted(f"stopped after debtor {after}")
            if self.pause and not self.dry_run:
                clock.sleep(self.pause)


def _skip_reason(code: str, detail: str) -> str:
    """The stored reason of a step that did not run (strategies.rules: HELD "promise, dispute", CONDITIONS
    "step-key: condition")."""
    if code == HELD:
        return wording.encode("held", holds=[h.strip() for h in detail.split(",") if h.strip()])
    step, _sep, condition = detail.partition(": ")
    return wording.encode("conditions", step=step, condition=condition)


def _allow_holds(step: dict) -> dict:
    """The message context that lets the outbox's send-time check (strategies.selectors.debtors_not_collectable)
    pass a promise/agreement hold, for a step that asked for it explicitly (as the cycle's rules did)."""
    c = step.get("conditions") or {}
    allowed = [r for r, k in (("promise", "promise_pending"), ("agreement", "agreement_active")) if c.get(k) is True]
    return {"allow_holds": allowed} if allowed else {}


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple], conflict: str = "") -> None:
    """Plain multi-row INSERT (executemany: pipelined on PostgreSQL), no model instances: the cycle's hot path."""
    if not rows:
        return
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) {conflict}"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def cycle_dry_run(*, portfolio: Portfolio, business_date: date, now: datetime | None = None,
                  versions: dict | None = None, collect: int = 200) -> CycleResult:
    """What the cycle (or a new strategy version, via `versions`) would do on the business date; writes nothing."""
    cycle = Cycle(portfolio=portfolio, business_date=business_date, now=now, dry_run=True, versions=versions,
                  collect=collect)
    cycle.execute()
    return CycleResult(portfolio=portfolio.slug, business_date=business_date, dry_run=True, status="dry_run",
                       counts=cycle.counts, rows=cycle.rows())


def version_dry_run(*, version: StrategyVersion, business_date: date, now: datetime | None = None,
                    collect: int = 200) -> CycleResult:
    """The dry run of one version: the strategies in force with this version in place of its strategy's."""
    portfolio = version.strategy.portfolio
    versions = dict(strategies_in_force(portfolio))
    versions[version.strategy.segment_id] = version
    return cycle_dry_run(portfolio=portfolio, business_date=business_date, now=now, versions=versions,
                         collect=collect)


def steps_run_on(portfolio: Portfolio, business_date: date) -> Q:
    return Q(portfolio=portfolio, business_date=business_date)
