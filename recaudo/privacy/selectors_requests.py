"""Habeas data requests as pages, the command and the portal show them: the office's queue with the business days
left (Colombian holidays), a debtor's requests. Days are computed here from the rules, never in a template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from recaudo.portfolio.models import Debtor, Portfolio

from .models import HabeasRequest
from .rules import CountryHolidays, abandoned_on, business_days_left, completion_request_due, extension_refusal

QUEUE_LIMIT = 500
STATUS_FILTERS = ("pending", "overdue", "open", "incomplete", "answered", "closed", "all")


@dataclass
class RequestRow:
    request: HabeasRequest
    days_left: int | None  # business days to the due date (negative: overdue); None once answered or closed
    overdue: bool
    abandoned_on: date | None  # an incomplete claim: the day it counts as withdrawn
    may_extend: bool
    may_require_completion: bool
    completion_by: date | None  # the last day to send an open claim back to be completed

    @property
    def days_late(self) -> int:
        """Business days past the due date (0 when not overdue)."""
        return -self.days_left if self.overdue else 0

    def as_json(self) -> dict:
        r = self.request
        return {"number": r.number, "id": r.pk, "debtor": r.debtor.code, "kind": r.kind, "channel": r.channel,
                "status": r.status, "filed_at": r.filed_at.isoformat(), "received_on": r.received_on.isoformat(),
                "due_on": r.due_on.isoformat(), "days_left": self.days_left, "overdue": self.overdue,
                "extended": r.extended, "abandoned_on": self.abandoned_on.isoformat() if self.abandoned_on else None,
                "answered_at": r.answered_at.isoformat() if r.answered_at else None}


def request_row(request: HabeasRequest, today: date, holidays=None) -> RequestRow:
    holidays = holidays or CountryHolidays(request.portfolio.country)
    is_open = request.status == HabeasRequest.Status.OPEN
    days = business_days_left(today, request.due_on, holidays) if is_open else None
    completion_by = (completion_request_due(request.received_on, holidays)
                     if is_open and request.kind == HabeasRequest.Kind.RECLAMO else None)
    return RequestRow(
        request=request, days_left=days, overdue=days is not None and days < 0,
        abandoned_on=(abandoned_on(request.completion_requested_on)
                      if request.status == HabeasRequest.Status.INCOMPLETE else None),
        may_extend=is_open and not extension_refusal(extended=request.extended, today=today, due=request.due_on),
        may_require_completion=completion_by is not None and today <= completion_by,
        completion_by=completion_by)


def habeas_queue(portfolio: Portfolio, *, today: date, status: str = "pending", kind: str = "",
                 debtor_query: str = "") -> list[RequestRow]:
    """The portfolio's requests, due first: `status` one of STATUS_FILTERS ("pending": open or incomplete;
    "overdue": open past the due date), `kind` consulta/reclamo or "", `debtor_query` part of a customer code or
    name. At most QUEUE_LIMIT rows."""
    qs = HabeasRequest.objects.filter(portfolio=portfolio).select_related("debtor", "portfolio", "obligation")
    if status == "pending":
        qs = qs.filter(status__in=HabeasRequest.OPEN_STATUSES)
    elif status == "overdue":
        qs = qs.filter(status=HabeasRequest.Status.OPEN, due_on__lt=today)
    elif status in HabeasRequest.Status.values:
        qs = qs.filter(status=status)
    if kind in HabeasRequest.Kind.values:
        qs = qs.filter(kind=kind)
    debtor_query = (debtor_query or "").strip()[:100]
    if debtor_query:
        qs = qs.filter(Q(debtor__code__icontains=debtor_query) | Q(debtor__name__icontains=debtor_query))
    holidays = CountryHolidays(portfolio.country)
    return [request_row(r, today, holidays) for r in qs.order_by("due_on", "pk")[:QUEUE_LIMIT]]


def debtor_habeas_requests(debtor: Debtor, *, today: date, limit: int = 50) -> list[RequestRow]:
    """One debtor's requests, newest first (the debtor page, the portal)."""
    qs = (HabeasRequest.objects.filter(debtor=debtor).select_related("debtor", "portfolio", "obligation")
          .order_by("-filed_at", "-pk")[:limit])
    holidays = CountryHolidays(debtor.portfolio.country)
    return [request_row(r, today, holidays) for r in qs]
