"""KPIs of a portfolio over a period, read from the analytics' history (daily snapshots, flows, rolls) and, for
the counts of events that are history already (promises, contact attempts, messages, payments), from their own
tables, each with a filter on the period. The formulas are in rules.py and docs/analytics.md."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import SUPERVISING_ROLES, role_in
from recaudo.agents.models import AgentTask, Assignment, MonthlyTarget
from recaudo.agreements.models import Agreement, AgreementInstallment, Promise
from recaudo.communications.models import CHANNELS, Message
from recaudo.compliance.models import ContactAttempt
from recaudo.ledger.models import Payment
from recaudo.portfolio.aging import parse_buckets
from recaudo.portfolio.models import Obligation, Portfolio
from recaudo.portfolio.selectors import service_ratings_summary
from recaudo.reports.formatting import bucket_label, fmt_date
from recaudo.strategies.models import DebtorStrategyState, Segment, Strategy
from recaudo.strategies.rules import CHALLENGER, CHAMPION, arm_of

from . import rules
from .models import DailyFlow, DailySnapshot, ReportSubscription, RollSnapshot
from .services import PAID, AnalyticsError

BY_CHOICES = ("segment", "agent", "channel")
EFFECT_DAYS = 7  # a message is effective when its debtor pays within this many days after it
FORECAST_DAYS = 30


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str
    value: Decimal | int | None
    unit: str  # "days", "percent", "minor", "count"
    formula: str


@dataclass
class KpiReport:
    portfolio: Portfolio
    start: date
    end: date
    kpis: list[Kpi]
    by: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    forecast: dict[date, tuple[int, int]] = field(default_factory=dict)

    def kpi(self, code: str) -> Kpi:
        return next(k for k in self.kpis if k.code == code)

    def to_json(self) -> dict:
        def plain(v):
            return str(v) if isinstance(v, Decimal) else v
        return {
            "portfolio": self.portfolio.slug, "from": self.start.isoformat(), "to": self.end.isoformat(),
            "currency": self.portfolio.currency,
            "kpis": {k.code: {"label": k.label, "value": plain(k.value), "unit": k.unit, "formula": k.formula}
                     for k in self.kpis},
            "by": self.by, "rows": [{c: plain(r.get(c)) for c in ["key", "name", *self.columns]} for r in self.rows],
            "forecast": {d.isoformat(): {"due_minor": a, "expected_minor": b} for d, (a, b) in self.forecast.items()},
        }


FORMULAS = {
    "dso": lambda: _("receivables at the end / credit sales of the period x days of the period"),
    "dso_countback": lambda: _("months of credit sales, newest first, that the receivables at the end add up to"),
    "best_dso": lambda: _("current (not yet due) receivables / credit sales of the period x days of the period"),
    "add": lambda: _("DSO - best possible DSO"),
    "cei": lambda: _("(opening receivables + credit sales - ending receivables) / (opening receivables + credit "
                     "sales - ending current receivables) x 100; credit sales = the period's total"),
    "recovery": lambda: _("collected in the period / (receivables at its start + credit sales of the period) x 100"),
    "cure": lambda: _("obligations overdue at a month's end that are current or paid at the next, over the "
                      "period's month ends / obligations overdue at those month ends x 100"),
    "promise_kept": lambda: _("promises kept / promises that fell due in the period (kept or broken) x 100"),
    "agreement_compliance": lambda: _("agreement installments due in the period that are paid / installments due "
                                      "in the period x 100"),
    "rpc": lambda: _("calls and visits that reached the debtor / calls and visits attempted x 100"),
    "contact_to_promise": lambda: _("promises made by agents / calls and visits that reached the debtor x 100"),
    "collected": lambda: _("payments dated in the period, not reversed"),
    "credit_sales": lambda: _("original amount of the obligations issued in the period"),
    "receivables": lambda: _("balance of every obligation at the end of the period"),
    "satisfaction": lambda: _("average of the debtors' ratings (1 to 5) after an action in the portal"),
    "csat": lambda: _("ratings of 4 or 5 / all ratings x 100"),
}


def _label(code: str) -> str:
    return {
        "dso": _("DSO"), "dso_countback": _("DSO (countback)"), "best_dso": _("Best possible DSO"),
        "add": _("Average days delinquent"), "cei": _("Collection effectiveness index (CEI)"),
        "recovery": _("Recovery rate"), "cure": _("Cure rate"), "promise_kept": _("Promise-kept rate"),
        "agreement_compliance": _("Agreement compliance"), "rpc": _("Right-party-contact rate"),
        "contact_to_promise": _("Contact-to-promise conversion"), "collected": _("Collected"),
        "credit_sales": _("Credit sales"), "receivables": _("Receivables"),
        "satisfaction": _("Satisfaction (1-5)"), "csat": _("Satisfied debtors"),
    }[code]


def _kpi(code: str, value, unit: str) -> Kpi:
    return Kpi(code, _label(code), value, unit, FORMULAS[code]())


def _months_newest_first(portfolio: Portfolio, end: date) -> list[rules.MonthSales]:
    since = (end.replace(day=1) - timedelta(days=366)).replace(day=1)
    per_month: dict[tuple[int, int], int] = defaultdict(int)
    for day, sales in DailyFlow.objects.filter(portfolio=portfolio, day__gte=since, day__lte=end).values_list(
            "day", "credit_sales_minor"):
        per_month[(day.year, day.month)] += sales
    months = []
    for (y, m) in sorted(per_month, reverse=True):
        days = end.day if (y, m) == (end.year, end.month) else calendar.monthrange(y, m)[1]
        months.append(rules.MonthSales(per_month[(y, m)], days))
    return months


def snapshot_days(portfolio: Portfolio) -> tuple[date | None, date | None]:
    first = DailyFlow.objects.filter(portfolio=portfolio).order_by("day").values_list("day", flat=True).first()
    last = DailyFlow.objects.filter(portfolio=portfolio).order_by("-day").values_list("day", flat=True).first()
    return first, last


def kpi_report(*, portfolio: Portfolio, start: date, end: date, by: str | None = None) -> KpiReport:
    """The portfolio's KPIs over [start, end] (both included), optionally broken down by segment, agent or
    channel."""
    if start > end:
        raise AnalyticsError(_("the start date is after the end date"), field="from")
    if by is not None and by not in BY_CHOICES:
        raise AnalyticsError(_("unknown breakdown %(by)r: use segment, agent or channel") % {"by": by}, field="by")
    flows = DailyFlow.objects.filter(portfolio=portfolio, day__gte=start, day__lte=end)
    closing = flows.order_by("-day").first()
    if closing is None:
        raise AnalyticsError(_("there are no snapshots between %(start)s and %(end)s: the daily cycle writes them, "
                               "and `recaudo snapshots backfill` rebuilds past ones") % {
            "start": start.isoformat(), "end": end.isoformat()}, field="from")
    end = closing.day
    opening = DailyFlow.objects.filter(portfolio=portfolio, day__lt=start).order_by("-day").first()
    totals = flows.aggregate(sales=Sum("credit_sales_minor"), collected=Sum("collected_minor"))
    sales, collected = int(totals["sales"] or 0), int(totals["collected"] or 0)
    days = (end - start).days + 1
    receivables, current = closing.receivables_minor, closing.current_minor
    kpis = [
        _kpi("receivables", receivables, "minor"),
        _kpi("credit_sales", sales, "minor"),
        _kpi("collected", collected, "minor"),
        _kpi("dso", rules.dso_standard(receivables=receivables, credit_sales=sales, days=days), "days"),
        _kpi("dso_countback", rules.dso_countback(receivables=receivables,
                                                  months_newest_first=_months_newest_first(portfolio, end)), "days"),
        _kpi("best_dso", rules.best_possible_dso(current_receivables=current, credit_sales=sales, days=days), "days"),
        _kpi("add", rules.average_days_delinquent(receivables=receivables, current_receivables=current,
                                                  credit_sales=sales, days=days), "days"),
        _kpi("cei", None if opening is None else rules.cei(
            opening_receivables=opening.receivables_minor, credit_sales=sales, ending_receivables=receivables,
            ending_current_receivables=current), "percent"),
        _kpi("recovery", None if opening is None else rules.recovery_rate(
            collected=collected, placed=opening.receivables_minor + sales), "percent"),
    ]
    promises = Promise.objects.filter(portfolio=portfolio, due_date__gte=start, due_date__lte=end).aggregate(
        kept=Count("id", filter=Q(status=Promise.Status.KEPT)),
        broken=Count("id", filter=Q(status=Promise.Status.BROKEN)))
    kpis.append(_kpi("promise_kept", rules.promise_kept_rate(kept=promises["kept"],
                                                            fell_due=promises["kept"] + promises["broken"]), "percent"))
    installments = AgreementInstallment.objects.filter(agreement__portfolio=portfolio, due_date__gte=start,
                                                       due_date__lte=end, obligation__isnull=False).aggregate(
        due=Count("id"), paid=Count("id", filter=Q(obligation__balance_minor=0)))
    kpis.append(_kpi("agreement_compliance", rules.agreement_compliance_rate(
        installments_paid_on_time=installments["paid"], installments_due=installments["due"]), "percent"))
    attempts = ContactAttempt.objects.filter(portfolio=portfolio, at__date__gte=start, at__date__lte=end,
                                             direction=ContactAttempt.Direction.OUTBOUND,
                                             channel__in=["call", "visit"]).aggregate(
        total=Count("id"), reached=Count("id", filter=Q(outcome=ContactAttempt.Outcome.REACHED)))
    made = Promise.objects.filter(portfolio=portfolio, promised_on__gte=start, promised_on__lte=end,
                                  source=Promise.Source.AGENT).count()
    kpis.append(_kpi("rpc", rules.right_party_contact_rate(right_party_contacts=attempts["reached"],
                                                           attempts=attempts["total"]), "percent"))
    kpis.append(_kpi("contact_to_promise", rules.contact_to_promise_rate(
        promises=made, right_party_contacts=attempts["reached"]), "percent"))
    kpis.append(_kpi("cure", _cure(portfolio, start, end), "percent"))
    zone = ZoneInfo(portfolio.timezone)
    ratings = service_ratings_summary(portfolio, since=datetime.combine(start, time.min, tzinfo=zone),
                                      until=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))
    happy = rules.satisfaction_of_counts(ratings["by_score"])
    kpis.append(_kpi("satisfaction", happy.average, "score"))
    kpis.append(_kpi("csat", happy.satisfied_percent, "percent"))
    report = KpiReport(portfolio=portfolio, start=start, end=end, kpis=kpis)
    report.forecast = cash_forecast(portfolio=portfolio, start=end + timedelta(days=1),
                                    end=end + timedelta(days=FORECAST_DAYS))
    return broken_down(report, by) if by is not None else report


def broken_down(report: KpiReport, by: str) -> KpiReport:
    """The same report with its rows by segment, agent or channel (the KPIs computed once serve every breakdown:
    the analytics page shows two)."""
    portfolio = report.portfolio
    report = replace(report, by=by, columns=[], rows=[])
    if by == "segment":
        _by_snapshot(report, DailySnapshot.Dimension.SEGMENT, dict(
            Segment.objects.filter(portfolio=portfolio).values_list("pk", "name")), _("(no segment)"))
    elif by == "agent":
        users = {u.pk: (u.get_full_name() or u.get_username()) for u in get_user_model().objects.filter(
            pk__in=Assignment.objects.filter(portfolio=portfolio).values("agent_id").distinct())}
        _by_snapshot(report, DailySnapshot.Dimension.AGENT, users, _("(unassigned)"))
        _agent_collections(report)
    elif by == "channel":
        _by_channel(report)
    return report


def _cure(portfolio: Portfolio, start: date, end: date) -> Decimal | None:
    """Debtors overdue at the start that are current at the end, from the snapshots' counts is not possible
    (they are aggregates): the roll snapshots of month ends within the period give it per obligation, as the
    share of overdue obligations rolled to current or paid over the period's month ends."""
    rolls = RollSnapshot.objects.filter(portfolio=portfolio, month_end__gte=start, month_end__lte=end,
                                        from_bucket__gt=0)
    agg = rolls.aggregate(total=Sum("obligations"), cured=Sum("obligations", filter=Q(to_bucket__in=[0, PAID])))
    return rules.percent(int(agg["cured"] or 0), int(agg["total"] or 0))


def _by_snapshot(report: KpiReport, dimension: str, names: dict, none_label: str) -> None:
    rows: dict[int, dict] = {}
    for key, bucket, balance, obligations in DailySnapshot.objects.filter(
            portfolio=report.portfolio, day=report.end, dimension=dimension).values_list(
            "key", "bucket", "balance_minor", "obligations"):
        row = rows.setdefault(key, {"key": key, "name": names.get(key, none_label) if key else none_label,
                                    "receivables_minor": 0, "current_minor": 0, "obligations": 0})
        row["receivables_minor"] += balance
        row["obligations"] += obligations
        if bucket == 0:
            row["current_minor"] += balance
    for row in rows.values():
        row["overdue_percent"] = rules.percent(row["receivables_minor"] - row["current_minor"],
                                               row["receivables_minor"])
    report.columns = ["receivables_minor", "current_minor", "obligations", "overdue_percent"]
    report.rows = sorted(rows.values(), key=lambda r: (-r["receivables_minor"], r["key"]))


def _agent_collections(report: KpiReport) -> None:
    """Payments of the period by the debtor's agent (today's assignment), against the agents' monthly targets of
    the months the period touches."""
    per_agent = dict(Payment.objects.filter(portfolio=report.portfolio, date__gte=report.start, date__lte=report.end,
                                            reversed_at__isnull=True, debtor__assignment__isnull=False)
                     .values_list("debtor__assignment__agent_id").annotate(s=Sum("amount_minor")))
    targets = dict(MonthlyTarget.objects.filter(portfolio=report.portfolio, month__gte=report.start.replace(day=1),
                                                month__lte=report.end).values_list("agent_id")
                   .annotate(s=Sum("amount_minor")))
    for row in report.rows:
        row["collected_minor"] = int(per_agent.get(row["key"], 0) or 0)
        row["target_minor"] = int(targets.get(row["key"], 0) or 0)
        row["attainment_percent"] = rules.attainment(collected=row["collected_minor"], target=row["target_minor"])
    report.columns += ["collected_minor", "target_minor", "attainment_percent"]


def _by_channel(report: KpiReport) -> None:
    sent = [rules.Sent(d, ch, tpl, at.date()) for d, ch, tpl, at in Message.objects.filter(
        portfolio=report.portfolio, sent_at__date__gte=report.start, sent_at__date__lte=report.end).values_list(
        "debtor_id", "channel", "template_code", "sent_at").iterator(chunk_size=5000)]
    debtors = {s.debtor for s in sent}
    payments: dict[int, list[date]] = defaultdict(list)
    last = report.end + timedelta(days=EFFECT_DAYS)
    for debtor_id, day in Payment.objects.filter(portfolio=report.portfolio, date__gte=report.start, date__lte=last,
                                                 reversed_at__isnull=True).values_list("debtor_id", "date").iterator(
            chunk_size=5000):
        if debtor_id in debtors:
            payments[debtor_id].append(day)
    report.columns = ["template", "messages", "followed_by_payment", "rate_percent"]
    labels = dict(CHANNELS)
    report.rows = [{"key": e.channel, "name": str(labels.get(e.channel, e.channel)), "template": e.template,
                    "messages": e.messages, "followed_by_payment": e.followed_by_payment, "rate_percent": e.rate}
                   for e in rules.message_effectiveness(sent, payments, within_days=EFFECT_DAYS)]


def promise_kept_rates(portfolio: Portfolio, until: date) -> dict[str, Decimal | None]:
    """The kept rates that weigh the forecast: of promises and of agreement installments that fell due in the
    90 days before `until`."""
    since = until - timedelta(days=90)
    p = Promise.objects.filter(portfolio=portfolio, due_date__gt=since, due_date__lte=until).aggregate(
        kept=Count("id", filter=Q(status=Promise.Status.KEPT)),
        broken=Count("id", filter=Q(status=Promise.Status.BROKEN)))
    i = AgreementInstallment.objects.filter(agreement__portfolio=portfolio, due_date__gt=since, due_date__lte=until,
                                            obligation__isnull=False).aggregate(
        due=Count("id"), paid=Count("id", filter=Q(obligation__balance_minor=0)))
    return {"promise": rules.promise_kept_rate(kept=p["kept"], fell_due=p["kept"] + p["broken"]),
            "installment": rules.agreement_compliance_rate(installments_paid_on_time=i["paid"],
                                                           installments_due=i["due"])}


def cash_forecast(*, portfolio: Portfolio, start: date, end: date) -> dict[date, tuple[int, int]]:
    """Expected cash per day in [start, end]: pending promises (what is left of each) and open agreement
    installments (their balance), weighted by the kept rates of the 90 days before `start`."""
    expected = [rules.Expected(due, max(amount - paid, 0), "promise") for due, amount, paid in Promise.objects.filter(
        portfolio=portfolio, status=Promise.Status.PENDING, due_date__gte=start, due_date__lte=end).values_list(
        "due_date", "amount_minor", "paid_minor")]
    expected += [rules.Expected(due, bal, "installment") for due, bal in AgreementInstallment.objects.filter(
        agreement__portfolio=portfolio, due_date__gte=start, due_date__lte=end,
        obligation__status=Obligation.Status.OPEN).values_list("due_date", "obligation__balance_minor")]
    return rules.cash_forecast(expected, kept_rate=promise_kept_rates(portfolio, start - timedelta(days=1)),
                               start=start, end=end)


def _bucket_names(portfolio: Portfolio) -> dict[str, str]:
    """Stored bucket labels ("current", "1-30", "over 360") -> the words the reader's language uses for them."""
    return {b.label: bucket_label(b) for b in parse_buckets(portfolio.buckets)}


def trend(*, portfolio: Portfolio, start: date, end: date, dimension: str = "all", key: int = 0
          ) -> tuple[list[str], list[tuple[date, list[int]]]]:
    """Balance by bucket per day (the bucket labels of the last day), for the trend chart: the whole portfolio's,
    or one segment's or agent's (dimension "segment" / "agent" and its key)."""
    per_day: dict[date, dict[int, int]] = defaultdict(dict)
    labels: dict[int, str] = {}
    names = _bucket_names(portfolio)
    rows = DailySnapshot.objects.filter(portfolio=portfolio, day__gte=start, day__lte=end, dimension=dimension)
    if dimension != DailySnapshot.Dimension.ALL:
        rows = rows.filter(key=key)
    for day, bucket, label, balance in rows.order_by("day", "bucket").values_list(
            "day", "bucket", "bucket_label", "balance_minor"):
        per_day[day][bucket] = balance
        labels[bucket] = names.get(label, label)
    order = sorted(labels)
    return [labels[b] for b in order], [(d, [v.get(b, 0) for b in order]) for d, v in sorted(per_day.items())]


def roll_matrix(*, portfolio: Portfolio, month_end: date) -> rules.RollMatrix | None:
    rows = list(RollSnapshot.objects.filter(portfolio=portfolio, month_end=month_end).values_list(
        "from_bucket", "to_bucket", "balance_minor", "obligations"))
    if not rows:
        return None
    names = _bucket_names(portfolio)
    labels = {b: names.get(label, label) for b, label in DailySnapshot.objects.filter(
        portfolio=portfolio, day=month_end).values_list("bucket", "bucket_label").distinct()}
    paid = _("paid")

    def name(b: int) -> str:
        return paid if b == PAID else labels.get(b, str(b))

    buckets = [name(b) for b in sorted({b for b in labels} | {r[0] for r in rows})]
    moves = [rules.Move(name(frm), name(to), balance, count) for frm, to, balance, count in rows]
    return rules.roll_rates(moves, buckets=[b for b in buckets if b != paid])


@dataclass(frozen=True)
class Funnel:
    promises_made: int
    promises_due: int
    promises_kept: int
    promises_broken: int
    agreements_offered: int
    agreements_accepted: int
    agreements_completed: int
    agreements_broken: int


def funnel(*, portfolio: Portfolio, start: date, end: date) -> Funnel:
    """The promise and agreement funnel of the period: promises made in it, falling due in it, kept and broken;
    agreements offered (made) in it, accepted, completed and broken (of those made in the period)."""
    p_made = Promise.objects.filter(portfolio=portfolio, promised_on__gte=start, promised_on__lte=end).count()
    p_due = Promise.objects.filter(portfolio=portfolio, due_date__gte=start, due_date__lte=end).aggregate(
        due=Count("id", filter=Q(status__in=[Promise.Status.KEPT, Promise.Status.BROKEN])),
        kept=Count("id", filter=Q(status=Promise.Status.KEPT)),
        broken=Count("id", filter=Q(status=Promise.Status.BROKEN)))
    a = Agreement.objects.filter(portfolio=portfolio, made_on__gte=start, made_on__lte=end).exclude(
        status=Agreement.Status.DRAFT).aggregate(
        offered=Count("id"),
        accepted=Count("id", filter=Q(accepted_on__isnull=False)),
        completed=Count("id", filter=Q(status=Agreement.Status.COMPLETED)),
        broken=Count("id", filter=Q(status=Agreement.Status.BROKEN)))
    return Funnel(p_made, p_due["due"], p_due["kept"], p_due["broken"], a["offered"], a["accepted"], a["completed"],
                  a["broken"])


def collections_by_month(*, portfolio: Portfolio, start: date, end: date) -> list[tuple[date, int, int]]:
    """Per month touched by the period: (first day, collected, the agents' monthly targets summed)."""
    collected: dict[date, int] = defaultdict(int)
    for day, amount in DailyFlow.objects.filter(portfolio=portfolio, day__gte=start, day__lte=end).values_list(
            "day", "collected_minor"):
        collected[day.replace(day=1)] += amount
    targets = dict(MonthlyTarget.objects.filter(portfolio=portfolio, month__gte=start.replace(day=1),
                                                month__lte=end).values_list("month").annotate(s=Sum("amount_minor")))
    months = sorted(set(collected) | {m.replace(day=1) for m in targets})
    return [(m, collected.get(m, 0), int(targets.get(m, 0) or 0)) for m in months]


def month_ends(*, portfolio: Portfolio, start: date, end: date) -> list[date]:
    return list(RollSnapshot.objects.filter(portfolio=portfolio, month_end__gte=start, month_end__lte=end)
                .order_by("-month_end").values_list("month_end", flat=True).distinct())


@dataclass
class AnalyticsPage:
    """Everything the analytics page (and its XLSX and PDF exports) shows for one period and filter."""
    report: KpiReport
    trend_labels: list[str]
    trend_days: list[tuple[date, list[int]]]
    months: list[tuple[date, int, int]]
    month_ends: list[date]
    roll_month: date | None
    roll: rules.RollMatrix | None
    funnel: Funnel
    channels: list[dict]
    agents: list[dict]
    segments: dict[int, str]
    agent_names: dict[int, str]
    dimension: str
    key: int
    arms: list = field(default_factory=list)
    # when the period ends today: when today's snapshot was taken (payments recorded after it are not in it yet,
    # while the aging report reads the ledger live; the page says so)
    as_of: datetime | None = None


class NoSnapshotsOnPage(AnalyticsError):
    """The analytics page's period has no snapshot. Its message is for the person reading the page (dates as the
    app writes them, what to do in the app or whom to ask); `command` is the command line that rebuilds the
    period, for the portfolio's administrators only (the CLI and the API say it in kpi_report's own message)."""

    def __init__(self, message: str, command: str = ""):
        super().__init__(message, field="from")
        self.command = command


def no_snapshots_on_page(*, portfolio: Portfolio, start: date, end: date, reader=None) -> NoSnapshotsOnPage:
    """What the analytics page says when [start, end] has no snapshot, fit for `reader`: the snapshots there are
    and how to choose them; days before the first snapshot (or none at all) are rebuilt from the ledger by an
    administrator, who is shown the command."""
    language = get_language()
    first, last = snapshot_days(portfolio)
    today = portfolio.today()
    admin = reader is not None and role_in(reader, portfolio) == Role.ADMIN
    if first is None:
        parts = [_("This portfolio has no daily snapshots yet: the daily cycle takes one every day, and the "
                   "indicators appear after its next run.")]
    else:
        parts = [_("There are no daily snapshots from %(start)s to %(end)s. This portfolio has them from %(first)s "
                   "to %(last)s: choose dates in that range.") % {
            "start": fmt_date(start, language), "end": fmt_date(end, language), "first": fmt_date(first, language),
            "last": fmt_date(last, language)}]
    rebuild = start <= today and (first is None or start < first)
    command = ""
    if rebuild and admin:
        parts.append(_("Past days can be rebuilt from the ledger with the command below."))
        command = (f"recaudo snapshots backfill --portfolio {portfolio.slug} --from {start.isoformat()} "
                   f"--to {min(end, today).isoformat()}")
    elif rebuild:
        parts.append(_("To see earlier days, ask an administrator to rebuild them from the ledger."))
    return NoSnapshotsOnPage(" ".join(parts), command)


def analytics_page(*, portfolio: Portfolio, start: date, end: date, segment: int | None = None,
                   agent: int | None = None, roll_month: date | None = None, reader=None) -> AnalyticsPage:
    """The analytics page's data. The KPIs are the whole portfolio's; a segment or agent filter narrows the trend
    (its own snapshots) and the agents table. A period without snapshots is refused in words for `reader`, the
    user who reads the page (no_snapshots_on_page)."""
    if not DailyFlow.objects.filter(portfolio=portfolio, day__gte=start, day__lte=end).exists():
        raise no_snapshots_on_page(portfolio=portfolio, start=start, end=end, reader=reader)
    report = kpi_report(portfolio=portfolio, start=start, end=end)
    segments = dict(Segment.objects.filter(portfolio=portfolio).order_by("order", "name").values_list("pk", "name"))
    User = get_user_model()
    agent_names = {u.pk: (u.get_full_name() or u.get_username()) for u in User.objects.filter(
        pk__in=Assignment.objects.filter(portfolio=portfolio).values("agent_id").distinct()).order_by("username")}
    if segment is not None and segment not in segments and segment != 0:
        raise AnalyticsError(_("unknown segment"), field="segment")
    if agent is not None and agent not in agent_names and agent != 0:
        raise AnalyticsError(_("unknown agent"), field="agent")
    dimension, key = "all", 0
    if segment is not None:
        dimension, key = DailySnapshot.Dimension.SEGMENT, segment
    elif agent is not None:
        dimension, key = DailySnapshot.Dimension.AGENT, agent
    labels, days = trend(portfolio=portfolio, start=start, end=report.end, dimension=dimension, key=key)
    ends = month_ends(portfolio=portfolio, start=start.replace(day=1) - timedelta(days=366), end=report.end)
    chosen = roll_month if roll_month in ends else (ends[0] if ends else None)
    by_channel = broken_down(report, "channel")
    by_agent = broken_down(report, "agent")
    agents_rows = [r for r in by_agent.rows if agent is None or r["key"] == agent]
    return AnalyticsPage(
        report=report, trend_labels=labels, trend_days=days,
        months=collections_by_month(portfolio=portfolio, start=start, end=report.end), month_ends=ends,
        roll_month=chosen, roll=roll_matrix(portfolio=portfolio, month_end=chosen) if chosen else None,
        funnel=funnel(portfolio=portfolio, start=start, end=report.end), channels=by_channel.rows,
        agents=agents_rows, segments=segments, agent_names=agent_names, dimension=dimension, key=key,
        arms=arm_comparisons(portfolio=portfolio),
        as_of=DailyFlow.objects.filter(portfolio=portfolio, day=report.end).values_list("written_at", flat=True)
        .first() if report.end == portfolio.today() else None)


def summary_subscription(*, portfolio: Portfolio, user) -> tuple[bool, ReportSubscription | None]:
    """(may the user subscribe to the portfolio's e-mailed summary, their subscription if any)."""
    may = role_in(user, portfolio) in SUPERVISING_ROLES
    return may, (ReportSubscription.objects.filter(portfolio=portfolio, user=user).first() if may else None)


@dataclass(frozen=True)
class ArmResult:
    arm: str  # "champion" / "challenger"
    version: int
    debtors: int
    payers: int
    collected_minor: int
    balance_minor: int
    recovery_percent: Decimal | None  # collected / (collected + balance now)
    avg_days_to_pay: Decimal | None  # from the test's start to a payer's first payment
    messages_per_debtor: Decimal | None
    agent_tasks_per_debtor: Decimal | None


@dataclass(frozen=True)
class ArmComparison:
    strategy_id: int
    strategy: str
    since: date
    share: int
    champion: ArmResult
    challenger: ArmResult
    payers_ci: rules.Interval | None  # challenger - champion, share of debtors who paid, percentage points


def _arm_result(ids: list[int], arm: str, version, balances: dict, first_pay: dict, collected: dict,
                messages: dict, tasks: dict, since: date) -> ArmResult:
    n = len(ids)
    payers = [d for d in ids if d in first_pay]
    got = sum(collected[d] for d in ids)
    balance = sum(balances[d] or 0 for d in ids)
    return ArmResult(arm, version.number if version else 0, n, len(payers), got, balance,
                     rules.percent(got, got + balance), rules.average((first_pay[d] - since).days for d in payers),
                     rules.ratio(sum(messages.get(d, 0) for d in ids), n),
                     rules.ratio(sum(tasks.get(d, 0) for d in ids), n))


def arm_comparisons(*, portfolio: Portfolio, today: date | None = None) -> list[ArmComparison]:
    """For each strategy with a challenger: the debtors the last cycle put in its segment, split into the two arms
    by the same draw the cycle uses, and since the test's start: who paid, how much, how soon, and how many
    messages and agent tasks each arm took, with a 95 % interval for the difference in the share who paid. (Agent
    time is counted as tasks: the work queue records tasks, not minutes.)"""
    out = []
    for strategy in Strategy.objects.filter(portfolio=portfolio, challenger__isnull=False,
                                            challenger_share__gt=0).select_related("challenger"):
        since = strategy.challenger_since or portfolio.today()
        champion = strategy.versions.exclude(pk=strategy.challenger_id).order_by("-number").first()
        debtors = dict(DebtorStrategyState.objects.filter(portfolio=portfolio, segment_id=strategy.segment_id)
                       .values_list("debtor_id", "debtor__balance_minor"))
        arms = {d: arm_of(d, strategy.pk, strategy.challenger_share) for d in debtors}
        first_pay: dict[int, date] = {}
        collected: dict[int, int] = defaultdict(int)
        for debtor_id, day, amount in Payment.objects.filter(portfolio=portfolio, date__gte=since,
                                                             reversed_at__isnull=True).values_list(
                "debtor_id", "date", "amount_minor").iterator(chunk_size=5000):
            if debtor_id in arms:
                collected[debtor_id] += amount
                first_pay[debtor_id] = min(first_pay.get(debtor_id, day), day)
        messages: dict[int, int] = dict(Message.objects.filter(portfolio=portfolio, created_at__date__gte=since)
                                        .values_list("debtor_id").annotate(n=Count("id")))
        tasks: dict[int, int] = dict(AgentTask.objects.filter(portfolio=portfolio, created_at__date__gte=since)
                                     .values_list("debtor_id").annotate(n=Count("id")))

        facts = (debtors, first_pay, collected, messages, tasks, since)
        champ = _arm_result([d for d, a in arms.items() if a == CHAMPION], CHAMPION, champion, *facts)
        chall = _arm_result([d for d, a in arms.items() if a == CHALLENGER], CHALLENGER, strategy.challenger, *facts)
        out.append(ArmComparison(strategy.pk, strategy.name, since, strategy.challenger_share, champ, chall,
                                 rules.proportion_difference_ci(successes_a=chall.payers, n_a=chall.debtors,
                                                                successes_b=champ.payers, n_b=champ.debtors)))
    return out
