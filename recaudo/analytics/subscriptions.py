"""Scheduled summaries (services): a supervisor or administrator subscribes to a weekly or monthly summary of a
portfolio by e-mail, with the analytics PDF of the period attached. The subscription row is its own outbox: the
worker claims due rows atomically (a claim token in one UPDATE), sends through the messages' e-mail transport
(RECAUDO_SMTP_*), and moves each to its next period; a failed send retries with backoff (1 h, 2 h, 4 h... at most a
day) and its error shows on the analytics page."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from recaudo.accounts.selectors import SUPERVISING_ROLES, role_in
from recaudo.audit.services import audit_record
from recaudo.communications.transports import Attachment, Outgoing, TransportError, transport_for
from recaudo.core.errors import NotAllowed
from recaudo.portfolio.models import Portfolio
from recaudo.portfolio.validation import ValidationProblem, normalize_email

from . import rules
from .models import ReportSubscription
from .render import render_pdf
from .selectors import analytics_page
from .services import AnalyticsError

CLAIM_TIMEOUT = timedelta(minutes=15)
MAX_BACKOFF = timedelta(days=1)
BATCH = 20


def _due_at(portfolio: Portfolio, frequency: str, after) -> datetime:
    day = rules.report_next_due(frequency, after)
    return datetime.combine(day, time(rules.REPORT_HOUR), tzinfo=ZoneInfo(portfolio.timezone))


@transaction.atomic
def subscription_set(*, portfolio: Portfolio, user, frequency: str, language: str = "es-co", actor=None,
                     now: datetime | None = None) -> ReportSubscription | None:
    """Subscribe `user` to the portfolio's weekly or monthly summary ("" / "none" cancels). Supervisors and
    administrators only; the summary goes to the user's e-mail address."""
    now = now or timezone.now()
    if role_in(user, portfolio) not in SUPERVISING_ROLES:
        raise NotAllowed(_("Only supervisors and administrators receive the portfolio's summary."))
    existing = ReportSubscription.objects.select_for_update().filter(portfolio=portfolio, user=user).first()
    if frequency in ("", "none"):
        if existing:
            existing.delete()
            audit_record(event_type="analytics.subscription_cancelled", subject=portfolio, actor=actor or user,
                         portfolio=portfolio, changes={"user": user.get_username()}, at=now)
        return None
    if frequency not in ReportSubscription.Frequency.values:
        raise AnalyticsError(_("Choose weekly or monthly."), field="frequency")
    try:
        email = normalize_email(user.email or "")
    except ValidationProblem:
        email = ""
    if not email:
        raise AnalyticsError(_("Your user has no valid e-mail address; ask an administrator to add one."),
                             field="frequency")
    due = _due_at(portfolio, frequency, portfolio.today(now))
    sub = existing or ReportSubscription(portfolio=portfolio, user=user, created_at=now)
    sub.frequency, sub.email, sub.language = frequency, email, (language or "es-co")[:8]
    sub.next_due_at, sub.attempts, sub.last_error = due, 0, ""
    sub.claim_token = None
    sub.save()
    audit_record(event_type="analytics.subscription_set", subject=portfolio, actor=actor or user, portfolio=portfolio,
                 changes={"user": user.get_username(), "frequency": frequency, "next": due.isoformat()}, at=now)
    return sub


def _claim(now: datetime, worker_id: str) -> tuple[str, list[ReportSubscription]]:
    token = secrets.token_hex(16)
    with transaction.atomic():
        ids = list(ReportSubscription.objects.filter(
            Q(claim_token__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT), next_due_at__lte=now)
            .order_by("next_due_at").values_list("id", flat=True)[:BATCH])
        if ids:
            ReportSubscription.objects.filter(Q(claim_token__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT),
                                              id__in=ids).update(claim_token=token, claimed_at=now)
    return token, list(ReportSubscription.objects.filter(claim_token=token).select_related("portfolio", "user"))


def _outgoing(sub: ReportSubscription, now: datetime) -> Outgoing:
    portfolio = sub.portfolio
    due_day = sub.next_due_at.astimezone(ZoneInfo(portfolio.timezone)).date()
    start, end = rules.report_period(sub.frequency, due_day)
    with translation.override(sub.language):
        try:
            page = analytics_page(portfolio=portfolio, start=start, end=end)
        except AnalyticsError:
            page = None
        period = f"{start.strftime('%d/%m/%Y')} - {end.strftime('%d/%m/%Y')}"
        subject = _("Summary of %(portfolio)s · %(period)s") % {"portfolio": portfolio.name, "period": period}
        if page is None:
            text = _("There are no snapshots of %(portfolio)s for %(period)s yet.") % {
                "portfolio": portfolio.name, "period": period}
            attachments = []
        else:
            lines = [f"{k.label}: {'-' if k.value is None else k.value}" for k in page.report.kpis]
            text = "\n".join([subject, "", *lines, "", _("The PDF attached has the trends, the roll rates, the "
                                                         "funnel, channels and agents.")])
            attachments = [Attachment(f"resumen-{portfolio.slug}-{end.isoformat()}.pdf",
                                      render_pdf(page, sub.language))]
    return Outgoing(message_id=sub.pk, channel="email", to=sub.email, subject=subject, body=text, text=text,
                    html=False, language=sub.language, attachments=attachments)


def summaries_send_due(*, now: datetime | None = None, worker_id: str = "worker") -> dict:
    """Send every summary that is due (in batches of 20 per call). Returns counts: sent, failed."""
    now = now or timezone.now()
    stats = {"sent": 0, "failed": 0}
    token, subs = _claim(now, worker_id)
    if not subs:
        return stats
    transport = transport_for("email")
    for sub in subs:
        try:
            transport.send(_outgoing(sub, now))
        except TransportError as exc:
            backoff = min(timedelta(hours=2 ** sub.attempts), MAX_BACKOFF)
            ReportSubscription.objects.filter(pk=sub.pk, claim_token=token).update(
                claim_token=None, claimed_at=None, attempts=sub.attempts + 1, next_due_at=now + backoff,
                last_error=str(exc)[:500])
            stats["failed"] += 1
            continue
        with transaction.atomic():
            due_day = sub.next_due_at.astimezone(ZoneInfo(sub.portfolio.timezone)).date()
            following = _due_at(sub.portfolio, sub.frequency, max(due_day, sub.portfolio.today(now)))
            updated = ReportSubscription.objects.filter(pk=sub.pk, claim_token=token).update(
                claim_token=None, claimed_at=None, attempts=0, last_error="", last_sent_at=now,
                next_due_at=following)
            if updated:
                audit_record(event_type="analytics.summary_sent", subject=sub.portfolio, actor="worker",
                             portfolio=sub.portfolio, changes={"user": sub.user.get_username(),
                                                               "frequency": sub.frequency}, at=now)
        stats["sent"] += 1
    return stats
