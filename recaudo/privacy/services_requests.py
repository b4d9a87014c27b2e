"""Habeas data requests (Ley 1581 de 2012, arts. 14 and 15): filing a consultation or a claim, extending its term
once, asking to complete an incomplete claim, answering and closing. One transaction each, audit event inside.

While a complete claim is open the debtor carries the "reclamo en trámite" mark (`Debtor.habeas_claim_since`), which
the debtor page and the statement show and which blocks a negative credit-bureau report
(compliance.bureau_report_check). Notices and the answer go to the debtor through the outbox. docs/habeas-data.md.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.accounts.selectors import SUPERVISING_ROLES, role_in
from recaudo.audit.services import PORTAL_DEBTOR_PREFIX, actor_label_for, audit_record, portal_actor
from recaudo.communications.services import message_enqueue_with_reason
from recaudo.core.errors import NotAllowed
from recaudo.portfolio.models import Debtor, Document, Obligation
from recaudo.portfolio.services import document_attach, require_debtor_write

from .models import ANSWER_MAX_CHARS, REASON_MAX_CHARS, TEXT_MAX_CHARS, HabeasRequest
from .rules import (
    CountryHolidays,
    abandoned_on,
    completion_request_due,
    extended_due,
    extension_refusal,
    response_due,
)
from .services import PrivacyError

PORTAL_ACTOR_PREFIX = PORTAL_DEBTOR_PREFIX  # one label for a debtor in the portal (audit.services)
MAX_OPEN_PER_DEBTOR = 10
# the channels a notice tries, in order, by the channel the request came in through
NOTICE_CHANNELS = {"phone": ("sms", "email"), "email": ("email", "sms"), "portal": ("email", "sms"),
                   "office": ("email", "sms")}


class HabeasRequestError(PrivacyError):
    """A habeas data request that cannot be filed or moved as asked; `field` names the input."""


class HabeasNotAllowed(HabeasRequestError, NotAllowed):
    """The actor may not do this to the request."""


def _user(actor):
    return actor if actor is not None and not isinstance(actor, str) else None


def _require_filer(actor, debtor: Debtor) -> None:
    """The debtor themself through the portal (its label names this debtor), staff who may change the debtor's
    records, or a system label (cli)."""
    if isinstance(actor, str) and actor.startswith(PORTAL_ACTOR_PREFIX):
        if actor != portal_actor(debtor.pk):
            raise HabeasNotAllowed(_("A debtor may file requests only about themself."))
        return
    if actor is None:
        raise HabeasNotAllowed(_("Say who files the request."))
    require_debtor_write(actor, debtor)


def _require_handler(actor, request: HabeasRequest) -> None:
    """Supervisors and administrators of the portfolio handle requests (or a system label such as 'cli')."""
    if actor is None or (isinstance(actor, str) and actor.startswith(PORTAL_ACTOR_PREFIX)):
        raise HabeasNotAllowed(_("Only supervisors and administrators of the portfolio handle habeas data requests."))
    user = _user(actor)
    if user is not None and role_in(user, request.portfolio) not in SUPERVISING_ROLES:
        raise HabeasNotAllowed(_("Only supervisors and administrators of the portfolio handle habeas data requests."))


def _clean(text: str, *, field: str, limit: int, empty: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise HabeasRequestError(empty, field=field)
    if len(text) > limit:
        raise HabeasRequestError(_("At most %(max)s characters (this text has %(n)s).") % {"max": limit,
                                                                                          "n": len(text)}, field=field)
    return text


def _locked(request: HabeasRequest) -> HabeasRequest:
    return HabeasRequest.objects.select_for_update().select_related("portfolio", "debtor").get(pk=request.pk)


def _holidays(request_or_portfolio) -> CountryHolidays:
    portfolio = getattr(request_or_portfolio, "portfolio", request_or_portfolio)
    return CountryHolidays(portfolio.country)


def claim_mark_refresh(debtor: Debtor) -> tuple:
    """Set the debtor's 'reclamo en trámite' mark to the filing time of its oldest open complete claim (None when
    there is none). Called inside the services below; returns (old, new)."""
    since = (HabeasRequest.objects.filter(debtor=debtor, kind=HabeasRequest.Kind.RECLAMO,
                                          status=HabeasRequest.Status.OPEN)
             .aggregate(m=Min("filed_at"))["m"])
    old = Debtor.objects.filter(pk=debtor.pk).values_list("habeas_claim_since", flat=True).get()
    if old != since:
        Debtor.objects.filter(pk=debtor.pk).update(habeas_claim_since=since)
        debtor.habeas_claim_since = since
    return old, since


def _notify(request: HabeasRequest, code: str, context: dict, now: datetime, actor) -> str:
    """Queue a notice to the debtor (template `code`) on the first channel with consent; what happened, in words
    for the office ("" never: either the channel or why nothing could be queued)."""
    base = {"request_number": request.number, "request_kind": request.get_kind_display().lower(),
            "request_filed_on": request.portfolio.today(request.filed_at).isoformat(),
            "request_due_on": request.due_on.isoformat(), **context}
    reasons = []
    for channel in NOTICE_CHANNELS[request.channel]:
        message, reason = message_enqueue_with_reason(
            portfolio=request.portfolio, debtor=request.debtor, channel=channel, template_code=code,
            dedupe_key=f"habeas-{request.pk}-{code}", now=now, context=base, source="habeas", actor=actor)
        if message is not None:
            return f"{channel}: message {message.pk}"
        reasons.append(f"{channel}: {reason}")
    return ("not sent (" + "; ".join(reasons) + ")")[:500]


def _attach(*, debtor, attachment, attachment_name: str, obligation, actor) -> Document | None:
    if attachment is None:
        return None
    return document_attach(debtor=debtor, upload=attachment, filename=attachment_name or "adjunto.pdf",
                           kind=Document.Kind.CORRESPONDENCE, obligation=obligation, actor=actor)


@transaction.atomic
def habeas_request_file(*, debtor: Debtor, kind: str, channel: str, text: str, actor,
                        obligation: Obligation | None = None, attachment=None, attachment_name: str = "",
                        now: datetime | None = None) -> HabeasRequest:
    """File a consultation (`kind="consulta"`) or a claim (`"reclamo"`) received on `channel` (portal, email,
    phone, office). `actor`: `audit.services.portal_actor(debtor.pk)` from the debtor portal, else a staff user who
    may change the debtor's records (or "cli"). `attachment`: bytes or an uploaded file (PDF, JPG or PNG, at most
    the documents' size), stored as a document of the debtor. The due date is counted in business days of the
    portfolio's country from its business date. A claim puts the 'reclamo en trámite' mark on the debtor."""
    _require_filer(actor, debtor)
    if kind not in HabeasRequest.Kind.values:
        raise HabeasRequestError(_("Choose a consultation or a claim."), field="kind")
    if channel not in HabeasRequest.Channel.values:
        raise HabeasRequestError(_("Choose how the request was received."), field="channel")
    text = _clean(text, field="text", limit=TEXT_MAX_CHARS, empty=_("Write the request."))
    if obligation is not None and obligation.debtor_id != debtor.pk:
        raise HabeasRequestError(_("This obligation belongs to another debtor."), field="obligation")
    debtor = Debtor.objects.select_for_update().select_related("portfolio").get(pk=debtor.pk)
    if debtor.anonymized_at is not None:
        raise HabeasRequestError(_("This debtor's data was anonymized."), field="text")
    open_count = HabeasRequest.objects.filter(debtor=debtor, status__in=HabeasRequest.OPEN_STATUSES).count()
    if open_count >= MAX_OPEN_PER_DEBTOR:
        raise HabeasRequestError(_("There are already %(n)s open requests of this debtor: wait for their answers.")
                                 % {"n": open_count}, field="text")
    now = now or timezone.now()
    portfolio = debtor.portfolio
    received = portfolio.today(now)
    document = _attach(debtor=debtor, attachment=attachment, attachment_name=attachment_name,
                       obligation=obligation, actor=actor)
    request = HabeasRequest.objects.create(
        portfolio=portfolio, debtor=debtor, obligation=obligation, kind=kind, channel=channel, text=text,
        attachment=document, filed_at=now, filed_by=actor_label_for(actor)[:150], received_on=received,
        due_on=response_due(kind, received, _holidays(portfolio)))
    old, new = claim_mark_refresh(debtor)
    audit_record(event_type="habeas.filed", subject=request, actor=actor, portfolio=portfolio, debtor=debtor,
                 at=now, changes={"number": request.number, "kind": kind, "channel": channel,
                                  "received_on": received, "due_on": request.due_on, "chars": len(text),
                                  "attachment": document.filename if document else "",
                                  "obligation": obligation.number if obligation else "",
                                  **({"claim_mark": [old, new]} if old != new else {})})
    return request


@transaction.atomic
def habeas_request_extend(*, request: HabeasRequest, reason: str, actor, now: datetime | None = None
                          ) -> HabeasRequest:
    """Extend the term once (5 business days for a consultation, 8 for a claim, after the first term), before it
    ends, with the reason; the notice with the reason and the new date goes to the debtor."""
    _require_handler(actor, request)
    reason = _clean(reason, field="reason", limit=REASON_MAX_CHARS,
                    empty=_("Say why the request cannot be answered in time: the debtor is told."))
    request = _locked(request)
    if request.status != HabeasRequest.Status.OPEN:
        raise HabeasRequestError(_("Only an open request can be extended."), field="reason")
    now = now or timezone.now()
    today = request.portfolio.today(now)
    refusal = extension_refusal(extended=request.extended, today=today, due=request.due_on)
    if refusal == "once":
        raise HabeasRequestError(_("The term was already extended: the law allows it once."), field="reason")
    if refusal == "late":
        raise HabeasRequestError(_("The term ended on %(date)s: an extension must be notified before it ends.")
                                 % {"date": request.due_on.isoformat()}, field="reason")
    old_due = request.due_on
    request.due_on = extended_due(request.kind, old_due, _holidays(request))
    request.extended, request.extension_reason, request.extended_at = True, reason, now
    request.save(update_fields=["due_on", "extended", "extension_reason", "extended_at", "updated_at"])
    delivery = _notify(request, "habeas_extension", {"extension_reason": reason}, now, actor)
    audit_record(event_type="habeas.extended", subject=request, actor=actor, portfolio=request.portfolio,
                 debtor=request.debtor, at=now, changes={"due_on": [old_due, request.due_on], "reason": reason,
                                                         "notice": delivery})
    return request


@transaction.atomic
def habeas_request_require_completion(*, request: HabeasRequest, missing: str, actor, now: datetime | None = None
                                      ) -> HabeasRequest:
    """An incomplete claim goes back to the requester, saying what is missing, within 5 business days of its
    receipt; it leaves the 'reclamo en trámite' mark until completed, and counts as withdrawn 2 months later."""
    _require_handler(actor, request)
    missing = _clean(missing, field="missing", limit=REASON_MAX_CHARS, empty=_("Say what the claim is missing."))
    request = _locked(request)
    if request.kind != HabeasRequest.Kind.RECLAMO or request.status != HabeasRequest.Status.OPEN:
        raise HabeasRequestError(_("Only an open claim can be sent back to be completed."), field="missing")
    now = now or timezone.now()
    today = request.portfolio.today(now)
    last = completion_request_due(request.received_on, _holidays(request))
    if today > last:
        raise HabeasRequestError(_("An incomplete claim must be sent back within 5 business days of its receipt "
                                   "(by %(date)s); answer it as it is.") % {"date": last.isoformat()},
                                 field="missing")
    request.status, request.completion_requested_on, request.completion_missing = (
        HabeasRequest.Status.INCOMPLETE, today, missing)
    request.save(update_fields=["status", "completion_requested_on", "completion_missing", "updated_at"])
    old, new = claim_mark_refresh(request.debtor)
    delivery = _notify(request, "habeas_incomplete", {"missing_text": missing}, now, actor)
    audit_record(event_type="habeas.completion_requested", subject=request, actor=actor, portfolio=request.portfolio,
                 debtor=request.debtor, at=now,
                 changes={"missing": missing, "abandoned_on": abandoned_on(today), "notice": delivery,
                          **({"claim_mark": [old, new]} if old != new else {})})
    return request


@transaction.atomic
def habeas_request_complete(*, request: HabeasRequest, text: str, actor, attachment=None, attachment_name: str = "",
                            now: datetime | None = None) -> HabeasRequest:
    """The requester completes an incomplete claim (the portal, or staff who received it): the text is added, the
    15 business days count again from the completion, and the 'reclamo en trámite' mark is set."""
    _require_filer(actor, request.debtor)
    text = _clean(text, field="text", limit=TEXT_MAX_CHARS, empty=_("Write what the claim was missing."))
    request = _locked(request)
    if request.status != HabeasRequest.Status.INCOMPLETE:
        raise HabeasRequestError(_("This request is not waiting to be completed."), field="text")
    now = now or timezone.now()
    today = request.portfolio.today(now)
    if today > abandoned_on(request.completion_requested_on):
        raise HabeasRequestError(_("More than 2 months passed: the claim counts as withdrawn; file a new one."),
                                 field="text")
    combined = f"{request.text}\n\n---\n{text}"
    if len(combined) > TEXT_MAX_CHARS * 2:
        raise HabeasRequestError(_("At most %(max)s characters (this text has %(n)s).")
                                 % {"max": TEXT_MAX_CHARS, "n": len(text)}, field="text")
    document = _attach(debtor=request.debtor, attachment=attachment, attachment_name=attachment_name,
                       obligation=request.obligation, actor=actor)
    old_due = request.due_on
    request.text, request.status, request.received_on = combined, HabeasRequest.Status.OPEN, today
    request.due_on = response_due(request.kind, today, _holidays(request))
    if document is not None and request.attachment_id is None:
        request.attachment = document
    request.save(update_fields=["text", "status", "received_on", "due_on", "attachment", "updated_at"])
    old, new = claim_mark_refresh(request.debtor)
    audit_record(event_type="habeas.completed", subject=request, actor=actor, portfolio=request.portfolio,
                 debtor=request.debtor, at=now,
                 changes={"due_on": [old_due, request.due_on], "chars": len(text),
                          "attachment": document.filename if document else "",
                          **({"claim_mark": [old, new]} if old != new else {})})
    return request


@transaction.atomic
def habeas_request_answer(*, request: HabeasRequest, answer: str, actor, now: datetime | None = None
                          ) -> HabeasRequest:
    """Answer an open request: the answer is kept with who and when, goes to the debtor through the outbox (an
    e-mail or SMS with consent, by the channel it came in through) and the 'reclamo en trámite' mark is lifted.
    When no channel has consent the request says so (`answer_delivery`) and the office delivers it otherwise."""
    _require_handler(actor, request)
    answer = _clean(answer, field="answer", limit=ANSWER_MAX_CHARS, empty=_("Write the answer."))
    request = _locked(request)
    if request.status != HabeasRequest.Status.OPEN:
        raise HabeasRequestError(_("Only an open request can be answered."), field="answer")
    now = now or timezone.now()
    request.status, request.answer, request.answered_at = HabeasRequest.Status.ANSWERED, answer, now
    request.answered_by = _user(actor)
    request.answered_by_label = actor_label_for(actor)[:150]
    request.save(update_fields=["status", "answer", "answered_at", "answered_by", "answered_by_label",
                                "updated_at"])
    old, new = claim_mark_refresh(request.debtor)
    request.answer_delivery = _notify(request, "habeas_answer", {"answer_text": answer}, now, actor)
    request.save(update_fields=["answer_delivery"])
    late = request.portfolio.today(now) > request.due_on
    audit_record(event_type="habeas.answered", subject=request, actor=actor, portfolio=request.portfolio,
                 debtor=request.debtor, at=now,
                 changes={"chars": len(answer), "due_on": request.due_on, "late": late,
                          "delivery": request.answer_delivery,
                          **({"claim_mark": [old, new]} if old != new else {})})
    return request


@transaction.atomic
def habeas_request_close(*, request: HabeasRequest, reason: str, actor, now: datetime | None = None
                         ) -> HabeasRequest:
    """Close a request: `reason` "withdrawn" (the requester desisted; an open or incomplete request), "abandoned"
    (an incomplete claim 2 months after the request to complete it) or "done" (an answered request). Lifts the mark.
    The debtor may withdraw their own request from the portal."""
    if reason == HabeasRequest.CloseReason.WITHDRAWN and isinstance(actor, str) and actor.startswith(
            PORTAL_ACTOR_PREFIX):
        _require_filer(actor, request.debtor)
    else:
        _require_handler(actor, request)
    if reason not in HabeasRequest.CloseReason.values:
        raise HabeasRequestError(_("Choose why the request is closed."), field="reason")
    request = _locked(request)
    now = now or timezone.now()
    today = request.portfolio.today(now)
    allowed = {HabeasRequest.CloseReason.WITHDRAWN: request.is_open,
               HabeasRequest.CloseReason.ABANDONED: request.status == HabeasRequest.Status.INCOMPLETE,
               HabeasRequest.CloseReason.DONE: request.status == HabeasRequest.Status.ANSWERED}[reason]
    if not allowed:
        raise HabeasRequestError(_("A request in status '%(status)s' cannot be closed as '%(reason)s'.")
                                 % {"status": request.get_status_display(),
                                    "reason": HabeasRequest.CloseReason(reason).label}, field="reason")
    if reason == HabeasRequest.CloseReason.ABANDONED and today <= abandoned_on(request.completion_requested_on):
        raise HabeasRequestError(_("The requester has until %(date)s to complete the claim.")
                                 % {"date": abandoned_on(request.completion_requested_on).isoformat()},
                                 field="reason")
    old_status = request.status
    request.status, request.close_reason, request.closed_at = HabeasRequest.Status.CLOSED, reason, now
    request.save(update_fields=["status", "close_reason", "closed_at", "updated_at"])
    old, new = claim_mark_refresh(request.debtor)
    audit_record(event_type="habeas.closed", subject=request, actor=actor, portfolio=request.portfolio,
                 debtor=request.debtor, at=now,
                 changes={"status": [old_status, request.status], "reason": reason,
                          **({"claim_mark": [old, new]} if old != new else {})})
    return request


def habeas_abandoned_close(*, portfolio, actor, now: datetime | None = None) -> list[HabeasRequest]:
    """Close as abandoned every incomplete claim of the portfolio whose 2 months have passed (the command's
    `--close-abandoned`); each in its own transaction."""
    now = now or timezone.now()
    today = portfolio.today(now)
    closed = []
    for request in HabeasRequest.objects.filter(portfolio=portfolio, status=HabeasRequest.Status.INCOMPLETE):
        if today > abandoned_on(request.completion_requested_on):
            closed.append(habeas_request_close(request=request, reason=HabeasRequest.CloseReason.ABANDONED,
                                               actor=actor, now=now))
    return closed
