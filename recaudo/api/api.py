"""The REST API, version 1 (`/api/v1/`; docs/api.md): a bearer token per user or per integration, its portfolios and
its scope checked before anything else, then one domain call per endpoint over the services and selectors the
pages use. A DomainError answers 400 with its message and field, NotAllowed 403, a refused body 422 naming the
field, a spent rate 429. Writes accept an Idempotency-Key."""

from __future__ import annotations

import functools
import json
from datetime import date, datetime
from typing import Annotated

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer

from recaudo.accounts.selectors import can, masks_personal_data
from recaudo.agreements.selectors import debtor_agreements, debtor_offers, debtor_promises
from recaudo.agreements.services.payments import payment_receipt_reverse, payment_receive
from recaudo.agreements.services.promises import promise_record
from recaudo.analytics.selectors import kpi_report
from recaudo.core.errors import DomainError, NotAllowed
from recaudo.core.money import from_minor
from recaudo.imports.services import ImportOptions, import_rows
from recaudo.ledger.models import Payment
from recaudo.ledger.services import obligation_create
from recaudo.portfolio.models import Debtor, Obligation
from recaudo.portfolio.selectors import mask_debtor
from recaudo.portfolio.services import consent_set, contact_add, debtor_upsert
from recaudo.reports.render import render_statement_pdf, statement_filename, statement_language
from recaudo.reports.selectors import aging_report
from recaudo.reports.statements import statement_for
from recaudo.strategies.models import Hold
from recaudo.strategies.services import hold_create

from . import rules, selectors
from . import schemas as s
from .services import IdempotencyConflict, idempotent_write, token_use

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# What an operation may answer besides its success: refused (400), no token (401), not allowed (403), not found
# (404), an Idempotency-Key reused (409), a body refused (422), the rate spent (429).
ERRORS = {frozenset({400, 401, 403, 404, 409, 422, 429}): s.ErrorOut}


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__("rate limited")
        self.retry_after = retry_after


class TokenAuth(HttpBearer):
    """`Authorization: Bearer rc_...`. Before any parameter is read: the token is live, its rate not spent, the
    portfolio in the path one it reaches (404 otherwise, as for a portfolio that does not exist), and a write
    (any method but GET) needs the write scope (403), and for a user's token the user's write permission."""

    def authenticate(self, request, token):
        api_token = selectors.token_for_secret(token)
        if api_token is None:
            return None
        if not token_use(token=api_token):
            raise RateLimited(rules.retry_after_seconds(timezone.now()))
        match = getattr(request, "resolver_match", None)
        for name, value in [*(match.kwargs.items() if match is not None else ()), *request.GET.items()]:
            problem = s.text_problem(value)
            if problem:
                raise DomainError(problem, field=name)
        slug = match.kwargs.get("slug") if match is not None else None
        if slug is not None:
            portfolio = selectors.token_portfolio(api_token, slug)
            if portfolio is None:
                raise Http404
            if request.method not in SAFE_METHODS:
                if not api_token.writes:
                    raise NotAllowed(_("This token may only read."))
                if api_token.user_id is not None and not can(api_token.user, portfolio, "write"):
                    raise NotAllowed(_("The token's user may not change this portfolio's records."))
            request.api_portfolio = portfolio
        return api_token


class RecaudoAPI(NinjaAPI):
    """NinjaAPI whose answer to a method a path does not take (DELETE on a debtor) is the API's JSON error with its
    `Allow` header, not django-ninja's text/html "Method not allowed"."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_not_allowed(self, pattern.callback)
        return patterns, app_name, namespace


def _json_not_allowed(api_, view):
    @functools.wraps(view)  # keeps csrf_exempt
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allow = ", ".join(sorted(method.strip() for method in response["Allow"].split(",")))
            response = api_.create_response(request, {
                "detail": _("The method %(method)s is not allowed here; use %(allowed)s.")
                % {"method": request.method, "allowed": allow}, "field": None}, status=405)
            response["Allow"] = allow
        return response
    return wrapped


api = RecaudoAPI(
    title="Recaudo API", version="1", description="Collections and accounts receivable. See docs/api.md.",
    urls_namespace="api-v1", auth=TokenAuth(), docs=Swagger(), docs_url="/docs",
)


def _error(request, status: int, detail: str, field: str | None = None, **extra):
    return api.create_response(request, {"detail": detail, "field": field, **extra}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    status = 403 if isinstance(exc, NotAllowed) else 409 if isinstance(exc, IdempotencyConflict) else 400
    return _error(request, status, exc.message, exc.field)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    """Each refused value: `field` as the API has always named it (payload.amount), `location` (body.amount,
    query.limit), pydantic's `type` and a `message` in the request's language naming the location."""
    errors = [{"field": rules.validation_field(error.get("loc", ())),
               "location": rules.validation_location(error.get("loc", ())),
               "type": str(error.get("type", "")), "message": rules.validation_message(error)}
              for error in exc.errors]
    if not errors:
        return _error(request, 422, _("The request does not fit this operation."), errors=[])
    return _error(request, 422, errors[0]["message"], errors[0]["field"], location=errors[0]["location"],
                  errors=errors)


@api.exception_handler(RateLimited)
def _rate_limited(request, exc: RateLimited):
    response = _error(request, 429, _("Too many requests with this token; try again in %(seconds)d seconds.")
                      % {"seconds": exc.retry_after})
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    """django-ninja's own refusals; the one it raises is a body that is not JSON (400)."""
    detail = _("The request body is not valid JSON.") if exc.status_code == 400 else str(exc)
    return _error(request, exc.status_code, detail)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return _error(request, 413, _("The request body is too large: at most %(mb)d MB.")
                  % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)})


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    response = _error(request, 401, _("A valid API token is required: Authorization: Bearer <token>."))
    response["WWW-Authenticate"] = "Bearer"
    return response


# ---------------------------------------------------------------------------------------------------------------
# Helpers: the portfolio the auth resolved, the actor, amounts, answers of writes
# ---------------------------------------------------------------------------------------------------------------
def _portfolio(request):
    return request.api_portfolio


def _actor(request):
    token = request.auth
    return token.user if token.user_id is not None else f"api:{token.name}"[:150]


def _money(minor, portfolio) -> str:
    return str(from_minor(minor, portfolio.currency))


def _debtor(request, code: str) -> Debtor:
    debtor = selectors.debtor_by_code(request.auth, _portfolio(request), code)
    if debtor is None:
        raise Http404
    if request.auth.user_id is not None and masks_personal_data(request.auth.user, debtor.portfolio):
        mask_debtor(debtor)
    return debtor


def _write(request, call):
    """A write's answer, once per Idempotency-Key (services.idempotent_write): `call` makes the one domain call and
    returns the answer's status and dict."""
    def run():
        status, data = call()
        return status, json.dumps(data, cls=DjangoJSONEncoder)
    code, body = idempotent_write(token=request.auth, key=request.headers.get("Idempotency-Key"),
                                  request_hash=rules.request_hash(request.method, request.path, request.body), call=run)
    return HttpResponse(body, status=code, content_type="application/json")


def _debtor_out(debtor: Debtor) -> dict:
    p = debtor.portfolio
    return {"code": debtor.code, "kind": debtor.kind, "name": debtor.name, "id_type": debtor.id_type,
            "id_number": debtor.id_number, "tags": debtor.tag_list, "language": debtor.language,
            "balance": _money(debtor.balance_minor, p), "credit": _money(debtor.credit_minor, p),
            "open_count": debtor.open_count, "oldest_due_date": debtor.oldest_due_date, "disputed": debtor.disputed,
            "updated_at": debtor.updated_at}


def _contact_out(contact) -> dict:
    return {"id": contact.id, "channel": contact.channel, "value": contact.value, "role": contact.role,
            "holder_name": contact.holder_name, "city": contact.city, "is_primary": contact.is_primary,
            "consents": [{"channel": c.channel, "status": c.status, "at": c.at} for c in contact.consents.all()]}


def _obligation_out(obligation: Obligation, portfolio) -> dict:
    return {"number": obligation.number, "debtor_code": obligation.debtor.code, "kind": obligation.kind,
            "issue_date": obligation.issue_date, "due_date": obligation.due_date,
            "original": _money(obligation.original_minor, portfolio), "balance": _money(obligation.balance_minor,
                                                                                          portfolio),
            "currency": portfolio.currency, "status": obligation.status, "disputed": obligation.disputed,
            "description": obligation.description, "external_ref": obligation.external_ref,
            "updated_at": obligation.updated_at}


def _payment_out(payment: Payment, created: bool) -> dict:
    p = payment.portfolio
    return {"id": payment.id, "debtor_code": payment.debtor.code, "date": payment.date,
            "amount": _money(payment.amount_minor, p), "unapplied": _money(payment.unapplied_minor, p),
            "reference": payment.reference, "source_ref": payment.source_ref,
            "reversed": payment.reversed_at is not None, "created": created,
            "allocation": [{"obligation": row["obligation"], "component": row["component"],
                            "amount": _money(row["minor"], p)} for row in selectors.payment_allocation(payment)]}


def _hold_out(hold: Hold) -> dict:
    return {"id": hold.id, "reason": hold.reason, "until": hold.until,
            "obligation": hold.obligation.number if hold.obligation_id else None, "notes": hold.notes,
            "released": hold.released_at is not None}


v1 = Router()


# ---------------------------------------------------------------------------------------------------------------
# Portfolios
# ---------------------------------------------------------------------------------------------------------------
@v1.get("/portfolios", response={200: s.PortfolioList, **ERRORS}, tags=["portfolios"])
def portfolios_list(request):
    """The portfolios this token reaches."""
    return {"items": [{"slug": p.slug, "name": p.name, "country": p.country, "currency": p.currency,
                       "today": p.today()} for p in selectors.token_portfolios(request.auth)]}


# ---------------------------------------------------------------------------------------------------------------
# Debtors, contacts, consent
# ---------------------------------------------------------------------------------------------------------------
@v1.get("/portfolios/{slug}/debtors", response={200: s.DebtorPage, **ERRORS}, tags=["debtors"])
def debtors_list(request, slug: str, cursor: str | None = None, limit: int | None = None,
                 updated_since: datetime | None = None):
    """Debtors by id, a page at a time (`next_cursor`); `updated_since` for an incremental sync."""
    portfolio = _portfolio(request)
    rows, next_cursor = selectors.page(selectors.debtors_of(request.auth, portfolio).select_related("portfolio"),
                                       cursor=cursor, limit=limit, updated_since=updated_since,
                                       updated_field="updated_at")
    if request.auth.user_id is not None and masks_personal_data(request.auth.user, portfolio):
        rows = [mask_debtor(d) for d in rows]
    return {"items": [_debtor_out(d) for d in rows], "next_cursor": next_cursor}


@v1.get("/portfolios/{slug}/debtors/{code}", response={200: s.DebtorOut, **ERRORS}, tags=["debtors"])
def debtor_get(request, slug: str, code: str):
    return _debtor_out(_debtor(request, code))


@v1.put("/portfolios/{slug}/debtors/{code}", response={200: s.DebtorOut, 201: s.DebtorOut, **ERRORS},
        tags=["debtors"])
def debtor_put(request, slug: str, code: str, payload: s.DebtorIn):
    """Create the debtor with this customer code, or change the fields sent (201 created, 200 otherwise)."""
    portfolio = _portfolio(request)
    data = payload.dict(exclude_unset=True, exclude_none=True)  # null: not sent

    def call():
        debtor, outcome = debtor_upsert(portfolio=portfolio, code=code, data=data, actor=_actor(request))
        return 201 if outcome == "created" else 200, _debtor_out(debtor)
    return _write(request, call)


@v1.get("/portfolios/{slug}/debtors/{code}/contacts", response={200: s.ContactList, **ERRORS}, tags=["debtors"])
def contacts_list(request, slug: str, code: str):
    return {"items": [_contact_out(c) for c in selectors.debtor_contacts(_debtor(request, code))]}


@v1.post("/portfolios/{slug}/debtors/{code}/contacts", response={201: s.ContactOut, **ERRORS}, tags=["debtors"])
def contact_create(request, slug: str, code: str, payload: s.ContactIn):
    """Add a contact (the same channel and value again changes nothing), with its consent if given."""
    debtor = _debtor(request, code)
    return _write(request, lambda: (201, _contact_out(contact_add(
        debtor=debtor, channel=payload.channel, value=payload.value, role=payload.role,
        holder_name=payload.holder_name, city=payload.city, consent=payload.consent,
        consent_source=payload.consent_source, actor=_actor(request))[0])))


@v1.post("/portfolios/{slug}/debtors/{code}/contacts/{contact_id}/consent", response={200: s.ConsentOut, **ERRORS},
         tags=["debtors"])
def consent_create(request, slug: str, code: str, contact_id: int, payload: s.ConsentIn):
    """Record a contact's consent (or its withdrawal) for one channel."""
    contact = selectors.debtor_contacts(_debtor(request, code)).filter(pk=contact_id).first()
    if contact is None:
        raise Http404

    def call():
        consent = consent_set(contact=contact, channel=payload.channel, status=payload.status,
                              source=payload.source, actor=_actor(request))
        return 200, {"channel": consent.channel, "status": consent.status, "at": consent.at}
    return _write(request, call)


# ---------------------------------------------------------------------------------------------------------------
# Obligations
# ---------------------------------------------------------------------------------------------------------------
@v1.get("/portfolios/{slug}/obligations", response={200: s.ObligationPage, **ERRORS}, tags=["obligations"])
def obligations_list(request, slug: str, cursor: str | None = None, limit: int | None = None,
                     updated_since: datetime | None = None, debtor_code: str | None = None):
    portfolio = _portfolio(request)
    qs = selectors.obligations_of(request.auth, portfolio)
    if debtor_code is not None:
        qs = qs.filter(debtor__code=debtor_code)
    rows, next_cursor = selectors.page(qs, cursor=cursor, limit=limit, updated_since=updated_since,
                                       updated_field="updated_at")
    return {"items": [_obligation_out(o, portfolio) for o in rows], "next_cursor": next_cursor}


@v1.get("/portfolios/{slug}/obligations/{number}", response={200: s.ObligationOut, **ERRORS}, tags=["obligations"])
def obligation_get(request, slug: str, number: str):
    portfolio = _portfolio(request)
    obligation = selectors.obligations_of(request.auth, portfolio).filter(number=number).first()
    if obligation is None:
        raise Http404
    return _obligation_out(obligation, portfolio)


@v1.post("/portfolios/{slug}/obligations", response={201: s.ObligationOut, **ERRORS}, tags=["obligations"])
def obligation_post(request, slug: str, payload: s.ObligationIn):
    """Create an obligation and its principal charge."""
    portfolio = _portfolio(request)
    debtor = _debtor(request, payload.debtor_code)
    return _write(request, lambda: (201, _obligation_out(obligation_create(
        portfolio=portfolio, debtor=debtor, number=payload.number, amount=payload.amount,
        issue_date=payload.issue_date, due_date=payload.due_date, kind=payload.kind,
        description=payload.description, external_ref=payload.external_ref, actor=_actor(request)), portfolio)))


# ---------------------------------------------------------------------------------------------------------------
# Payments
# ---------------------------------------------------------------------------------------------------------------
@v1.post("/portfolios/{slug}/payments", response={201: s.PaymentOut, **ERRORS}, tags=["payments"])
def payment_post(request, slug: str, payload: s.PaymentIn):
    """Receive a payment the way every entry point does (installment interest, allocation, settlement discounts,
    receipt); the answer says where it went. The same `source_ref` again records nothing (`created` false)."""
    portfolio = _portfolio(request)
    debtor = _debtor(request, payload.debtor_code)
    obligation = None
    if payload.obligation_number:
        obligation = Obligation.objects.filter(debtor=debtor, number=payload.obligation_number).first()
        if obligation is None:
            raise DomainError(_("no obligation of this debtor has this number"), field="obligation_number")
    return _write(request, lambda: (201, _payment_out(*payment_receive(
        portfolio=portfolio, debtor=debtor, amount=payload.amount, date=payload.date,
        source=Payment.Source.IMPORT, source_ref=f"api:{payload.source_ref}", reference=payload.reference,
        method=payload.method, obligation=obligation, actor=_actor(request)))))


@v1.get("/portfolios/{slug}/payments/{payment_id}", response={200: s.PaymentOut, **ERRORS}, tags=["payments"])
def payment_get(request, slug: str, payment_id: int):
    payment = selectors.payment_of(request.auth, _portfolio(request), payment_id)
    if payment is None:
        raise Http404
    return _payment_out(payment, False)


@v1.post("/portfolios/{slug}/payments/{payment_id}/reverse", response={200: s.PaymentOut, **ERRORS},
         tags=["payments"])
def payment_reverse_post(request, slug: str, payment_id: int, payload: s.ReverseIn):
    """Reverse a payment (a settlement discount it earned goes with it); the receipt is marked void."""
    payment = selectors.payment_of(request.auth, _portfolio(request), payment_id)
    if payment is None:
        raise Http404
    return _write(request, lambda: (200, _payment_out(payment_receipt_reverse(
        payment=payment, reason=payload.reason, actor=_actor(request)), False)))


# ---------------------------------------------------------------------------------------------------------------
# Reports: aging, statements, KPIs
# ---------------------------------------------------------------------------------------------------------------
@v1.get("/portfolios/{slug}/aging", response={200: s.AgingOut, **ERRORS}, tags=["reports"])
def aging_get(request, slug: str, as_of: date | None = None):
    """Balances by days past due as of a date (default: the portfolio's today)."""
    portfolio = _portfolio(request)
    data = aging_report(portfolio=portfolio, as_of=as_of or portfolio.today()).to_json()
    return {k: data[k] for k in ("as_of", "currency", "total", "buckets")}


def _statement(request, code: str, start: date | None, end: date | None):
    debtor = _debtor(request, code)
    return statement_for(debtor=debtor, start=start, end=end)


@v1.get("/portfolios/{slug}/debtors/{code}/statement", response={200: s.StatementOut, **ERRORS}, tags=["reports"])
def statement_get(request, slug: str, code: str, start: date | None = None, end: date | None = None):
    """The statement of account between two dates (both optional)."""
    st = _statement(request, code, start, end)
    p = st.portfolio
    return {"debtor_code": st.debtor.code, "currency": p.currency, "start": st.start, "end": st.end,
            "as_of": st.as_of, "opening": _money(st.opening_minor, p), "closing": _money(st.closing_minor, p),
            "credit": _money(st.credit_minor, p), "payment_reference": st.payment_reference,
            "lines": [{"value_date": line.value_date, "obligation": line.obligation_number, "kind": line.kind,
                       "description": line.description, "debit": _money(line.debit_minor, p),
                       "credit": _money(line.credit_minor, p), "balance": _money(line.balance_minor, p)}
                      for line in st.lines],
            "open_obligations": [{"number": o.number, "due_date": o.due_date, "days_past_due": o.days_past_due,
                                  "balance": _money(o.balance_minor, p), "disputed": o.disputed}
                                 for o in st.open_obligations]}


@v1.get("/portfolios/{slug}/debtors/{code}/statement.pdf", response={200: None, **ERRORS}, tags=["reports"],
        openapi_extra={"responses": {200: {"description": "the statement as PDF",
                                           "content": {"application/pdf": {"schema": {"type": "string",
                                                                                       "format": "binary"}}}}}})
def statement_pdf(request, slug: str, code: str, start: date | None = None, end: date | None = None):
    st = _statement(request, code, start, end)
    content = render_statement_pdf(st, statement_language(st.debtor, get_language()))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement_filename(st, "pdf")}"'
    return response


@v1.get("/portfolios/{slug}/kpis", response={200: s.KpiReportOut, **ERRORS}, tags=["reports"])
def kpis_get(request, slug: str, start: Annotated[date, Query(alias="from")], end: Annotated[date, Query(alias="to")]):
    """The portfolio's KPIs over [from, to] (docs/analytics.md), from the daily snapshots; amounts in the
    portfolio's currency."""
    portfolio = _portfolio(request)
    report = kpi_report(portfolio=portfolio, start=start, end=end)
    return {"start": report.start, "end": report.end, "kpis": [
        {"code": k.code, "label": str(k.label), "unit": "amount" if k.unit == "minor" else k.unit,
         "value": None if k.value is None else _money(k.value, portfolio) if k.unit == "minor" else str(k.value)}
        for k in report.kpis]}


# ---------------------------------------------------------------------------------------------------------------
# Promises, agreements, offers, holds
# ---------------------------------------------------------------------------------------------------------------
@v1.get("/portfolios/{slug}/debtors/{code}/promises", response={200: s.PromiseList, **ERRORS}, tags=["agreements"])
def promises_list(request, slug: str, code: str):
    debtor = _debtor(request, code)
    p = debtor.portfolio
    return {"items": [{"id": pr.id, "amount": _money(pr.amount_minor, p), "promised_on": pr.promised_on,
                       "due_date": pr.due_date, "status": pr.status, "channel": pr.channel}
                      for pr in debtor_promises(debtor)]}


@v1.post("/portfolios/{slug}/debtors/{code}/promises", response={201: s.PromiseOut, **ERRORS}, tags=["agreements"])
def promise_post(request, slug: str, code: str, payload: s.PromiseIn):
    """Record a promise to pay (a pending one of the debtor is cancelled); reminders pause until its date."""
    debtor = _debtor(request, code)
    p = debtor.portfolio

    def call():
        pr = promise_record(portfolio=p, debtor=debtor, amount=payload.amount, due_date=payload.due_date,
                            channel=payload.channel, notes=payload.notes, actor=_actor(request))
        return 201, {"id": pr.id, "amount": _money(pr.amount_minor, p), "promised_on": pr.promised_on,
                     "due_date": pr.due_date, "status": pr.status, "channel": pr.channel}
    return _write(request, call)


@v1.get("/portfolios/{slug}/debtors/{code}/agreements", response={200: s.AgreementList, **ERRORS},
        tags=["agreements"])
def agreements_list(request, slug: str, code: str):
    debtor = _debtor(request, code)
    p = debtor.portfolio
    return {"items": [{"id": a.id, "number": a.number, "status": a.status, "debt": _money(a.debt_minor, p),
                       "financed": _money(a.financed_minor, p), "installments": a.installments,
                       "frequency": a.frequency, "first_due": a.first_due, "made_on": a.made_on}
                      for a in debtor_agreements(debtor)]}


@v1.get("/portfolios/{slug}/debtors/{code}/offers", response={200: s.OfferList, **ERRORS}, tags=["agreements"])
def offers_list(request, slug: str, code: str):
    debtor = _debtor(request, code)
    p = debtor.portfolio
    return {"items": [{"id": o.id, "kind": o.kind, "status": o.status, "debt": _money(o.debt_minor, p),
                       "forgiven": _money(o.forgiven_minor, p), "expires_on": o.expires_on}
                      for o in debtor_offers(debtor)]}


@v1.get("/portfolios/{slug}/debtors/{code}/holds", response={200: s.HoldList, **ERRORS}, tags=["agreements"])
def holds_list(request, slug: str, code: str):
    debtor = _debtor(request, code)
    return {"items": [_hold_out(h) for h in Hold.objects.filter(debtor=debtor).select_related("obligation")
                      .order_by("-id")[:rules.LIST_LIMIT_MAX]]}


@v1.post("/portfolios/{slug}/debtors/{code}/holds", response={201: s.HoldOut, **ERRORS}, tags=["agreements"])
def hold_post(request, slug: str, code: str, payload: s.HoldIn):
    """Pause collection of a debtor (or one obligation) for a reason, until a date."""
    debtor = _debtor(request, code)
    obligation = None
    if payload.obligation_number:
        obligation = Obligation.objects.filter(debtor=debtor, number=payload.obligation_number).first()
        if obligation is None:
            raise DomainError(_("no obligation of this debtor has this number"), field="obligation_number")
    return _write(request, lambda: (201, _hold_out(hold_create(
        debtor=debtor, reason=payload.reason, until=payload.until, obligation=obligation, notes=payload.notes,
        actor=_actor(request)))))


# ---------------------------------------------------------------------------------------------------------------
# Messages and audit events of a debtor
# ---------------------------------------------------------------------------------------------------------------
@v1.get("/portfolios/{slug}/debtors/{code}/messages", response={200: s.MessagePage, **ERRORS}, tags=["debtors"])
def messages_list(request, slug: str, code: str, cursor: str | None = None, limit: int | None = None,
                  updated_since: datetime | None = None):
    """The debtor's messages and their status (queued, sent, delivered, failed...)."""
    rows, next_cursor = selectors.page(selectors.debtor_messages(_debtor(request, code)), cursor=cursor, limit=limit,
                                       updated_since=updated_since, updated_field="updated_at")
    return {"items": [{"id": m.id, "channel": m.channel, "template_code": m.template_code, "status": m.status,
                       "scheduled_for": m.scheduled_for, "sent_at": m.sent_at, "delivered_at": m.delivered_at,
                       "updated_at": m.updated_at} for m in rows], "next_cursor": next_cursor}


@v1.get("/portfolios/{slug}/debtors/{code}/events", response={200: s.EventPage, **ERRORS}, tags=["debtors"])
def events_list(request, slug: str, code: str, cursor: str | None = None, limit: int | None = None,
                updated_since: datetime | None = None):
    """The debtor's audit trail, oldest first (`updated_since` filters on the event's time)."""
    rows, next_cursor = selectors.page(selectors.debtor_events(_debtor(request, code)), cursor=cursor, limit=limit,
                                       updated_since=updated_since, updated_field="at")
    return {"items": [{"id": e.id, "at": e.at, "event_type": e.event_type, "actor": e.actor_label,
                       "subject_type": e.subject_type, "subject_label": e.subject_label, "changes": e.changes}
                      for e in rows], "next_cursor": next_cursor}


# ---------------------------------------------------------------------------------------------------------------
# Bulk upserts through the import engine
# ---------------------------------------------------------------------------------------------------------------
def _bulk(request, kind: str, payload):
    token = request.auth
    portfolio = _portfolio(request)
    if token.user_id is not None and not can(token.user, portfolio, "import"):
        raise NotAllowed(_("The token's user may not import into this portfolio."))
    rows = [row.dict(exclude_none=True) for row in payload.rows]
    options = ImportOptions(decimal="point", skip_invalid=payload.skip_invalid, dry_run=payload.dry_run,
                            filename=f"api:{token.name}"[:150])

    def call():
        result = import_rows(portfolio=portfolio, kind=kind, rows=rows, options=options, actor=_actor(request))
        data = result.to_dict()
        return 200, {key: data[key] for key in s.BulkOut.model_fields}
    return _write(request, call)


@v1.post("/portfolios/{slug}/bulk/debtors", response={200: s.BulkOut, **ERRORS}, tags=["bulk"])
def bulk_debtors(request, slug: str, payload: s.BulkDebtorsIn):
    """Create or update up to 5,000 debtors by code, through the import engine (the same checks and report as a
    file). All or nothing unless `skip_invalid`; `committed` says whether anything was written."""
    return _bulk(request, "debtors", payload)


@v1.post("/portfolios/{slug}/bulk/obligations", response={200: s.BulkOut, **ERRORS}, tags=["bulk"])
def bulk_obligations(request, slug: str, payload: s.BulkObligationsIn):
    """Create or update up to 5,000 obligations by number (and the debtors they name), through the import engine."""
    return _bulk(request, "obligations", payload)


api.add_router("/", v1)
