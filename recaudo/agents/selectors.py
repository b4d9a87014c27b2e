"""Agent workspace reads: the queue with priorities and compliance status, the work page, call scripts, callback
slots, the compliance banner and the team board."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import assigned_only_agent, role_in
from recaudo.agreements.models import Agreement, Promise
from recaudo.agreements.selectors import promise_eligible_obligations
from recaudo.communications.rendering import RenderError, render_source
from recaudo.communications.sandbox import RENDER_LOCALE, babel_locale, money, unknown_variables
from recaudo.compliance.rules import RULES, ComplianceError, ContactEvent, Decision, decide
from recaudo.compliance.services import (
    compliance_check,
    compliance_settings,
    debtor_consents,
    debtor_history,
    debtor_timezone,
)
from recaudo.compliance.wording import blocked_reasons, blocked_text
from recaudo.core.money import from_minor, precision
from recaudo.ledger.models import Payment
from recaudo.portfolio.aging import days_past_due
from recaudo.portfolio.models import Contact, Debtor, Obligation, Portfolio
from recaudo.strategies.models import Hold, Segment
from recaudo.strategies.rules import Priority, explain_risk_reason

from .models import (
    AgentTask,
    Assignment,
    BulkJob,
    CallScript,
    DailyTarget,
    Disposition,
    Interaction,
    MonthlyTarget,
    WorkspaceSettings,
)
from .rules import (
    ContactFact,
    PaymentFact,
    WorkspaceError,
    attribute_payments,
    commission_minor,
    day_slots,
    month_bounds,
    overdue_minor,
    progress_percent,
    script_context,
    window_for,
)

QUEUE_LIMIT = 50
DEFAULT_SCRIPT = {
    "es": ("Buenos días, ¿hablo con {{ debtor_name }}? Mi nombre es {{ agent_name }} y le llamo de parte de "
           "{{ creditor }}\nLe comento que registra un saldo vencido de {{ overdue }}, con {{ days_past_due }} días "
           "de mora{% if oldest_invoice %} (factura más antigua: {{ oldest_invoice }}){% endif %}; el saldo total de "
           "su cuenta es {{ balance }}.\n"
           "¿Podemos acordar una fecha de pago hoy?"),
    "en": ("Good morning, am I speaking with {{ debtor_name }}? My name is {{ agent_name }}, calling on behalf of "
           "{{ creditor }}\nYour account shows an overdue amount of {{ overdue }}, {{ days_past_due }} days past due"
           "{% if oldest_invoice %} (oldest invoice: {{ oldest_invoice }}){% endif %}; the total balance of your "
           "account is {{ balance }}.\n"
           "Can we agree on a payment date today?"),
}


def _lang(language: str | None) -> str:
    return "en" if (language or "").lower().startswith("en") else "es"


def minor_per_unit(currency: str) -> int:
    return 10 ** precision(currency)


# ---------------------------------------------------------------------------------------------------------------
# Compliance banner
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Banner:
    allowed: bool
    text: str
    reasons: list[str] = field(default_factory=list)
    until: datetime | None = None


def banner_for(decision: Decision, portfolio: Portfolio) -> Banner:
    """"You may call until 19:00" / "Blocked: already contacted today by SMS · until 12/03/2026 07:00"."""
    local = decision.at.astimezone(ZoneInfo(decision.tz))
    if decision.allowed:
        window = window_for(RULES, decision.country, "call", local.date())
        if window is not None:
            return Banner(True, _("You may call until %(time)s") % {"time": window[1].strftime("%H:%M")})
        return Banner(True, _("You may call now"))
    reasons = blocked_reasons(decision)
    text = blocked_text(decision)
    return Banner(False, text, reasons, decision.next_allowed_at)


# ---------------------------------------------------------------------------------------------------------------
# Queue
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class QueueRow:
    debtor: Debtor
    score: int
    explanation: str
    task_due: bool
    banner: Banner | None
    assigned_to: str = ""
    days_past_due: int | None = None  # of the oldest open obligation, on the portfolio's own date
    overdue: bool = True  # False: not yet due, in the queue for a preventive call a strategy step asked for
    risk: str = ""  # the analytics' risk category A-D (empty: not scored)
    risk_reasons: str = ""


def explanation_for(debtor: Debtor, portfolio: Portfolio, language: str) -> str:
    state = getattr(debtor, "strategy_state", None)
    if state is None or state.computed_on is None:
        if debtor.balance_minor <= 0:  # the daily cycle scores only debtors who owe something
            return _("nothing owed: the daily cycle does not score this debtor")
        return _("not scored yet (the daily cycle has not run)")
    priority = Priority(score=state.priority, balance_minor=state.priority_balance_minor, days=state.priority_days,
                        segment=state.segment_name)
    return priority.explain(_lang(language), minor_per_unit(portfolio.currency))


def _risk(debtor: Debtor, language: str) -> dict:
    state = getattr(debtor, "strategy_state", None)
    if state is None or not state.risk_category:
        return {}
    return {"risk": state.risk_category,
            "risk_reasons": "; ".join(explain_risk_reason(r, _lang(language)) for r in state.risk_reasons or []
                                      if isinstance(r, list))}


def queue_rows(*, agent, portfolio: Portfolio, now: datetime, language: str = "es",
               limit: int = QUEUE_LIMIT) -> list[QueueRow]:
    rows = []
    today = local_day_start(portfolio, now).date()
    for debtor in queue_queryset(agent=agent, portfolio=portfolio, now=now)[:limit]:
        banner = None
        if debtor.has_phone:
            banner = banner_for(compliance_check(channel="call", at=now, debtor=debtor, record=False), portfolio)
        assignment = getattr(debtor, "assignment", None)
        rows.append(QueueRow(debtor=debtor, score=debtor.score,
                             explanation=explanation_for(debtor, portfolio, language),
                             task_due=debtor.task_due, banner=banner,
                             assigned_to=assignment.agent.get_username() if assignment else "",
                             days_past_due=(days_past_due(debtor.oldest_due_date, today)
                                            if debtor.oldest_due_date else None),
                             overdue=debtor.overdue, **_risk(debtor, language)))
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Call script
# ---------------------------------------------------------------------------------------------------------------
def script_for(debtor: Debtor, language: str = "es") -> tuple[CallScript | None, str]:
    """The script of the debtor's segment in the language, else the portfolio's default script, else the built-in
    one. Returns (script row or None, body)."""
    lang = _lang(language)
    state = getattr(debtor, "strategy_state", None) if hasattr(debtor, "strategy_state") else None
    segment_id = state.segment_id if state is not None else None
    scripts = list(CallScript.objects.filter(portfolio_id=debtor.portfolio_id).filter(
        Q(segment_id=segment_id) | Q(segment__isnull=True)).select_related("segment"))
    for want_segment in ([segment_id] if segment_id else []) + [None]:
        for want_lang in (lang, "es", "en"):
            for s in scripts:
                if s.segment_id == want_segment and s.language == want_lang:
                    return s, s.body
    return None, DEFAULT_SCRIPT[lang]


def script_values(debtor: Debtor, agent, as_of: date) -> dict:
    """The placeholders' values on the portfolio's date `as_of`: {{ balance }} is the total owed, {{ overdue }} the
    balances of the open obligations due before `as_of` (rules.overdue_minor)."""
    portfolio = debtor.portfolio
    open_obligations = Obligation.objects.filter(debtor=debtor, status=Obligation.Status.OPEN, balance_minor__gt=0)
    oldest = open_obligations.order_by("due_date", "number").first()
    days = max((as_of - debtor.oldest_due_date).days, 0) if debtor.oldest_due_date else 0
    overdue = overdue_minor(open_obligations.values_list("due_date", "balance_minor"), as_of)
    return script_context({
        "debtor_name": debtor.name,
        "balance": from_minor(debtor.balance_minor, portfolio.currency),
        "overdue": from_minor(overdue, portfolio.currency),
        "days_past_due": days,
        "oldest_invoice": oldest.number if oldest else "",
        "agent_name": (agent.get_full_name() or agent.get_username()) if agent is not None else "",
        "creditor": portfolio.creditor or portfolio.name,
    })


def script_render_text(body: str, context: dict, language: str, country: str, strict: bool = False) -> str:
    """Render a script in the communications sandbox; amounts get the currency format."""
    try:
        return render_source(body, dict(context), html=False, locale=babel_locale(_lang(language), country),
                             strict=strict)
    except RenderError as exc:
        raise WorkspaceError(_("The script cannot be read: %(error)s") % {"error": exc.message}, field="body")


def script_check(body: str, language: str, country: str) -> None:
    """Raise WorkspaceError (field "body") when a script would not render, or names a variable agents would see
    blank ({{ nombre }}, a typo of {{ debtor_name }}): checked against every placeholder filled with a sample."""
    sample = script_context({"debtor_name": "Luz Marina Restrepo", "balance": "$ 1.500.000,00",
                             "overdue": "$ 900.000,00", "days_past_due": 40, "oldest_invoice": "F-100",
                             "agent_name": "Ana", "creditor": "Distribuciones Andinas"})
    out = script_render_text(body, sample, language, country, strict=True)
    unknown = unknown_variables(out)
    if unknown:
        raise WorkspaceError(_("Unknown variables: %(names)s. Use only the variables listed under the script.")
                             % {"names": ", ".join(unknown)}, field="body")


def script_text(debtor: Debtor, agent, as_of: date, language: str = "es") -> str:
    portfolio = debtor.portfolio
    _script, body = script_for(debtor, language)
    values = script_values(debtor, agent, as_of)

    token = RENDER_LOCALE.set(babel_locale(_lang(language), portfolio.country))
    try:
        for name in ("balance", "overdue"):
            values[name] = money(values[name], portfolio.currency)
    finally:
        RENDER_LOCALE.reset(token)
    try:
        return script_render_text(body, values, language, portfolio.country)
    except ValueError as exc:
        return str(exc)


# ---------------------------------------------------------------------------------------------------------------
# Callback slots
# ---------------------------------------------------------------------------------------------------------------
def callback_slots(*, debtor: Debtor, day: date, now: datetime, effective_now: bool = False) -> list[tuple[str, str]]:
    """Allowed callback times on `day` (local) as (ISO instant, "HH:MM"): each candidate checked by the compliance
    rules against the debtor's history plus the call being recorded now (effective or not)."""
    tz = tz_for(debtor)
    zone = ZoneInfo(tz)
    portfolio = debtor.portfolio
    window = window_for(RULES, portfolio.country, "call", day)
    history = debtor_history(debtor, now + timedelta(days=8)) + [ContactEvent(at=now, channel="call",
                                                                              effective=effective_now)]
    history.sort(key=lambda e: e.at)
    consents = debtor_consents(debtor)
    settings = compliance_settings()
    slots = []
    for t in day_slots(day, window):
        at = datetime.combine(day, t, tzinfo=zone)
        if at <= now:
            continue
        decision = decide(country=portfolio.country, channel="call", at=at, tz=tz, history=history,
                          consents=consents, contact_role="debtor", settings=settings)
        if decision.allowed:
            slots.append((at.isoformat(), t.strftime("%H:%M")))
    return slots


def first_callback_day(*, debtor: Debtor, now: datetime, effective_now: bool = False, horizon: int = 14) -> date:
    tz = ZoneInfo(tz_for(debtor))
    day = now.astimezone(tz).date()
    for offset in range(horizon):
        if callback_slots(debtor=debtor, day=day + timedelta(days=offset), now=now, effective_now=effective_now):
            return day + timedelta(days=offset)
    return day


# ---------------------------------------------------------------------------------------------------------------
# Work page
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Phone:
    contact: Contact
    tel: str
    label: str


def phones_for(debtor: Debtor) -> list[Phone]:
    """Collectable phone numbers only (references never appear)."""
    rows = Contact.objects.filter(debtor=debtor, channel=Contact.Channel.PHONE).exclude(
        role=Contact.Role.REFERENCE).order_by("role", "-is_primary", "pk")
    result = []
    for c in rows:
        tel = re.sub(r"[^\d+]", "", c.value)
        label = c.get_role_display() if c.role != Contact.Role.DEBTOR else ""
        result.append(Phone(contact=c, tel=tel, label=str(label)))
    return result


def dispositions(language: str = "es") -> list[Disposition]:
    return list(Disposition.objects.filter(active=True).order_by("order", "code"))


def recent_interactions(debtor: Debtor, limit: int = 10) -> list[Interaction]:
    return list(Interaction.objects.filter(debtor=debtor).select_related("disposition", "agent")
                .order_by("-at", "-pk")[:limit])


# ---------------------------------------------------------------------------------------------------------------
# Team board
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class MonthProgress:
    """An agent's month to date (from the first of the month to the end of the board's day) against the monthly
    target; the percents are None without a target."""

    contacts: int = 0
    promises_made: int = 0
    agreements_made: int = 0
    promised_minor: int = 0
    target: MonthlyTarget | None = None

    def percent(self, name: str) -> int | None:
        if self.target is None:
            return None
        goal = self.target.amount_minor if name == "promised_minor" else getattr(self.target, name.split("_")[0])
        return progress_percent(getattr(self, name), goal)

    @property
    def contacts_pct(self):
        return self.percent("contacts")

    @property
    def promises_pct(self):
        return self.percent("promises_made")

    @property
    def agreements_pct(self):
        return self.percent("agreements_made")

    @property
    def amount_pct(self):
        return self.percent("promised_minor")


@dataclass
class BoardRow:
    agent: object
    contacts: int = 0
    right_party: int = 0
    promises_made: int = 0
    promises_kept: int = 0
    promised_minor: int = 0
    agreements_made: int = 0
    collected_minor: int = 0
    commission_minor: int = 0
    target: DailyTarget | None = None
    month: MonthProgress = field(default_factory=MonthProgress)


def _day_bounds(portfolio: Portfolio, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(portfolio.timezone or "UTC")
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


@dataclass
class _Activity:
    contacts: int = 0
    right_party: int = 0
    promises_made: int = 0
    promises_kept: int = 0
    promised_minor: int = 0
    agreements_made: int = 0


def _activity(portfolio: Portfolio, start: datetime, end: datetime) -> dict[int, _Activity]:
    """Per agent, between two instants: contacts and right-party contacts (interactions recorded), the promises the
    agent recorded (agreements.Promise by created_by: on the work page or on the agreements pages; a promise without
    created_by counts for the agent of the interaction that made it) and of those the kept ones and their amount,
    and the payment agreements the agent created (cancelled ones left out)."""
    result: dict[int, _Activity] = {}
    interactions = Interaction.objects.filter(portfolio=portfolio, at__gte=start, at__lt=end)
    for s in interactions.values("agent_id").annotate(
            contacts=Count("pk"), rpc=Count("pk", filter=Q(right_party_contact=True))).order_by():
        act = result.setdefault(s["agent_id"], _Activity())
        act.contacts, act.right_party = s["contacts"], s["rpc"]
    by_interaction = dict(Interaction.objects.filter(portfolio=portfolio, promise_id__isnull=False)
                          .filter(at__gte=start - timedelta(days=1), at__lt=end + timedelta(days=1))
                          .values_list("promise_id", "agent_id"))
    for pk, created_by, amount, status in Promise.objects.filter(
            portfolio=portfolio, created_at__gte=start, created_at__lt=end).values_list(
            "pk", "created_by_id", "amount_minor", "status"):
        agent_id = created_by or by_interaction.get(pk)
        if agent_id is None:
            continue  # imported or made by the debtor: nobody's
        act = result.setdefault(agent_id, _Activity())
        act.promises_made += 1
        act.promised_minor += amount
        act.promises_kept += status == Promise.Status.KEPT
    for s in (Agreement.objects.filter(portfolio=portfolio, created_at__gte=start, created_at__lt=end,
                                       created_by__isnull=False)
              .exclude(status=Agreement.Status.CANCELLED).values("created_by_id").annotate(n=Count("pk"))
              .order_by()):
        result.setdefault(s["created_by_id"], _Activity()).agreements_made = s["n"]
    return result


def team_board(portfolio: Portfolio, day: date) -> list[BoardRow]:
    """Per agent, for the local day: contacts (calls recorded), right-party contacts, promises made (and of those,
    kept) and the amount promised, payment agreements made, amount collected attributed to the agent (payments that
    day within the attribution window after the agent's latest right-party contact with the debtor) and the
    commission on it; the day's target; and the month to date against the monthly target."""
    settings = workspace_settings(portfolio)
    start, end = _day_bounds(portfolio, day)
    rows = {u.pk: BoardRow(agent=u) for u in agent_users(portfolio)}
    for agent_id, act in _activity(portfolio, start, end).items():
        row = rows.setdefault(agent_id, BoardRow(agent=None))
        for name in ("contacts", "right_party", "promises_made", "promises_kept", "promised_minor",
                     "agreements_made"):
            setattr(row, name, getattr(act, name))
    first, _next_first = month_bounds(day)
    month_start_at, _ = _day_bounds(portfolio, first)
    for agent_id, act in _activity(portfolio, month_start_at, end).items():
        row = rows.setdefault(agent_id, BoardRow(agent=None))
        row.month.contacts, row.month.promises_made = act.contacts, act.promises_made
        row.month.agreements_made, row.month.promised_minor = act.agreements_made, act.promised_minor
    payments = [PaymentFact(pk, debtor_id, d, amount) for pk, debtor_id, d, amount in Payment.objects.filter(
        portfolio=portfolio, date=day, reversed_at__isnull=True).values_list("pk", "debtor_id", "date",
                                                                             "amount_minor")]
    if payments:
        window_start, _ = _day_bounds(portfolio, day - timedelta(days=settings.attribution_days))
        zone = ZoneInfo(portfolio.timezone or "UTC")
        contacts = [ContactFact(agent_id, debtor_id, at.astimezone(zone).date(), at) for agent_id, debtor_id, at in
                    Interaction.objects.filter(portfolio=portfolio, right_party_contact=True,
                                               debtor_id__in={p.debtor_id for p in payments},
                                               at__gte=window_start, at__lt=end)
                    .values_list("agent_id", "debtor_id", "at")]
        for agent_id, minor in attribute_payments(payments, contacts, settings.attribution_days).items():
            row = rows.setdefault(agent_id, BoardRow(agent=None))
            row.collected_minor = minor
    for target in DailyTarget.objects.filter(portfolio=portfolio, date=day):
        if target.agent_id in rows:
            rows[target.agent_id].target = target
    for target in MonthlyTarget.objects.filter(portfolio=portfolio, month=first):
        if target.agent_id in rows:
            rows[target.agent_id].month.target = target
    missing = [pk for pk, r in rows.items() if r.agent is None]
    if missing:
        for user in get_user_model().objects.filter(pk__in=missing):
            rows[user.pk].agent = user
    for row in rows.values():
        row.commission_minor = commission_minor(row.collected_minor, settings.commission_percent)
    return sorted(rows.values(), key=lambda r: (-r.collected_minor, -r.contacts, r.agent.get_username()))


PLACEHOLDER_HELP = [("debtor_name", "Luz Marina Restrepo", gettext_lazy("the debtor's name")),
                    ("overdue", "$ 900.000,00", gettext_lazy("overdue amount: open obligations due before today")),
                    ("balance", "$ 1.500.000,00", gettext_lazy("total owed, overdue or not")),
                    ("days_past_due", "40", gettext_lazy("days past due of the oldest open obligation")),
                    ("oldest_invoice", "F-100", gettext_lazy("number of the oldest open obligation")),
                    ("agent_name", "Ana", gettext_lazy("your name")),
                    ("creditor", "Distribuciones Andinas", gettext_lazy("the creditor"))]


def assignment_load(portfolio: Portfolio, agents) -> list[dict]:
    """Per agent: debtors assigned (with a balance) and their total balance; plus the unassigned ones."""

    rows = {r["agent_id"]: r for r in Assignment.objects.filter(portfolio=portfolio, debtor__balance_minor__gt=0)
            .values("agent_id").annotate(n=Count("pk"), balance=Sum("debtor__balance_minor")).order_by()}
    result = [{"agent": a, "debtors": rows.get(a.pk, {}).get("n", 0), "balance_minor":
               rows.get(a.pk, {}).get("balance", 0) or 0} for a in agents]
    unassigned = Debtor.objects.filter(portfolio=portfolio, balance_minor__gt=0, assignment__isnull=True).aggregate(
        n=Count("pk"), balance=Sum("balance_minor"))
    result.append({"agent": None, "debtors": unassigned["n"], "balance_minor": unassigned["balance"] or 0})
    return result

AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
CALLBACK_PREFIX = "callback:"


def workspace_settings(portfolio: Portfolio) -> WorkspaceSettings:
    return WorkspaceSettings.objects.filter(portfolio=portfolio).first() or WorkspaceSettings(portfolio=portfolio)


def local_day_start(portfolio: Portfolio, now: datetime) -> datetime:
    zone = ZoneInfo(portfolio.timezone) if portfolio.timezone else timezone.get_default_timezone()
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def agent_users(portfolio: Portfolio) -> QuerySet:
    """Users who may work the portfolio's queue (agents, supervisors, admins), by name."""
    return get_user_model().objects.filter(
        memberships__portfolio=portfolio, memberships__role__in=[r.value for r in AGENT_ROLES]).order_by("username")


def queue_queryset(*, agent, portfolio: Portfolio, now: datetime) -> QuerySet[Debtor]:
    """The agent's workable debtors, best first (rules.queue_includes / rules.queue_key): overdue debtors (oldest open
    obligation due before the portfolio's date) before not-yet-due ones, which appear only when a strategy step asked
    for preventive work (a due call task); within each, a due call task (a callback or a strategy's call) first, then
    the cycle's priority score, then the balance. Left out: debtors with nothing owed, not yet due without a due
    call task, assigned to someone else (or unassigned when the supervisor does not allow them), on a debtor-level
    hold, already worked today without a due call task, or with a callback set for later."""
    settings = workspace_settings(portfolio)
    today = local_day_start(portfolio, now)
    mine = Q(assignment__agent=agent)
    # An agent limited to their assigned debtors (the portfolio's agents_see_assigned_only) never sees others.
    if settings.allow_unassigned and assigned_only_agent(agent, portfolio) is None:
        mine |= Q(assignment__isnull=True)
    local_today = today.date()
    held = Hold.objects.filter(debtor=OuterRef("pk"), obligation__isnull=True, released_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gte=local_today))
    open_calls = AgentTask.objects.filter(debtor=OuterRef("pk"), kind=AgentTask.Kind.CALL,
                                          status=AgentTask.Status.OPEN)
    worked_today = Interaction.objects.filter(debtor=OuterRef("pk"), at__gte=today)
    phones = Contact.objects.filter(debtor=OuterRef("pk"), channel=Contact.Channel.PHONE).exclude(
        role=Contact.Role.REFERENCE)
    return (
        Debtor.objects.filter(portfolio=portfolio, balance_minor__gt=0).filter(mine)
        .annotate(
            task_due=Exists(open_calls.filter(due_at__lte=now)),
            callback_later=Exists(open_calls.filter(due_at__gt=now, dedupe_key__startswith=CALLBACK_PREFIX)),
            worked_today=Exists(worked_today),
            held=Exists(held),
            has_phone=Exists(phones),
            score=Coalesce("strategy_state__priority", Value(0)),
            overdue=Case(When(oldest_due_date__lt=local_today, then=Value(True)), default=Value(False),
                         output_field=BooleanField()),
        )
        .filter(held=False, callback_later=False)
        .filter(Q(overdue=True) | Q(task_due=True))
        .exclude(Q(worked_today=True) & Q(task_due=False))
        .select_related("strategy_state", "assignment")
        .order_by("-overdue", "-task_due", "-score", "-balance_minor", "pk")
    )


def tz_for(debtor: Debtor) -> str:
    try:
        return debtor_timezone(debtor, debtor.portfolio, debtor.portfolio.country)
    except ComplianceError:
        return "UTC"


# ---------------------------------------------------------------------------------------------------------------
# Reads for the workspace pages
# ---------------------------------------------------------------------------------------------------------------
def work_debtors(portfolio: Portfolio) -> QuerySet[Debtor]:
    """The debtors an agent opens, with what the workspace shows about them."""
    return Debtor.objects.filter(portfolio=portfolio).select_related("portfolio", "strategy_state")


def open_obligations(debtor: Debtor) -> QuerySet[Obligation]:
    """What a promise or a dispute may name: the debtor's open obligations with a balance, oldest first (the
    agreements' rule, rules.promise_obligation_eligible, which promise_record enforces too)."""
    return promise_eligible_obligations(debtor)


def debtor_obligation(debtor: Debtor, obligation_id) -> Obligation | None:
    """One of the debtor's obligations by its id (None for none, another debtor's or not a number)."""
    if not str(obligation_id or "").isdigit():
        return None
    return Obligation.objects.filter(debtor=debtor, pk=int(obligation_id)).first()


def segments(portfolio: Portfolio) -> list[Segment]:
    return list(Segment.objects.filter(portfolio=portfolio).order_by("order", "id"))


def targets_on(portfolio: Portfolio, day: date) -> QuerySet[DailyTarget]:
    return DailyTarget.objects.filter(portfolio=portfolio, date=day).select_related("agent").order_by(
        "agent__username")


def monthly_targets_on(portfolio: Portfolio, day: date) -> QuerySet[MonthlyTarget]:
    return MonthlyTarget.objects.filter(portfolio=portfolio, month=month_bounds(day)[0]).select_related(
        "agent").order_by("agent__username")


def scripts(portfolio: Portfolio) -> QuerySet[CallScript]:
    return CallScript.objects.filter(portfolio=portfolio).select_related("segment", "updated_by")


def script(portfolio: Portfolio, script_id) -> CallScript | None:
    if not str(script_id or "").isdigit():
        return None
    return CallScript.objects.filter(portfolio=portfolio, pk=int(script_id)).first()


def bulk_job_for_user_or_404(user, portfolio: Portfolio, job_id: int) -> BulkJob:
    """A bulk action of the portfolio's debtor list, for the user who confirmed it or a supervisor or admin of the
    portfolio; a 404 for anyone else (another portfolio's job included)."""
    job = BulkJob.objects.filter(portfolio=portfolio, pk=job_id).select_related("created_by").first()
    if job is None or not (job.created_by_id == user.pk or user.is_superuser
                           or role_in(user, portfolio) in (Role.SUPERVISOR, Role.ADMIN)):
        raise Http404("no such bulk action")
    return job
