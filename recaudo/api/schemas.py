"""The API's request and answer shapes (pydantic, through django-ninja). Amounts are decimal strings in the
portfolio's currency ("150000.00"), never floats; dates are ISO 8601."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import field_validator


def text_problem(value) -> str | None:
    """Why a text cannot be stored (a NUL character, which PostgreSQL refuses; a lone surrogate, which is no
    UTF-8), looking into lists and dicts; None when it can."""
    if isinstance(value, str):
        if "\x00" in value:
            return _("must not contain a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _("is not valid Unicode text")
        return None
    if isinstance(value, (list, tuple)):
        return next((p for p in map(text_problem, value) if p), None)
    if isinstance(value, dict):
        return next((p for p in map(text_problem, [*value, *value.values()]) if p), None)
    return None


class In(Schema):
    """A request body: every text in it must be storable on both engines (422 naming the field otherwise)."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value):
        problem = text_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class ErrorOut(Schema):
    detail: str
    field: str | None = None
    location: str | None = None
    errors: list[dict] | None = None


class PortfolioOut(Schema):
    slug: str
    name: str
    country: str
    currency: str
    today: date


class PortfolioList(Schema):
    items: list[PortfolioOut]


class DebtorOut(Schema):
    code: str
    kind: str
    name: str
    id_type: str
    id_number: str
    tags: list[str]
    language: str
    balance: str
    credit: str
    open_count: int
    oldest_due_date: date | None
    disputed: bool
    updated_at: datetime


class DebtorPage(Schema):
    items: list[DebtorOut]
    next_cursor: str | None


class DebtorIn(In):
    """Only the fields sent change; a new debtor needs a name."""
    name: str | None = Field(None, max_length=200)
    kind: Literal["person", "company"] | None = None
    id_type: str | None = Field(None, max_length=10)
    id_number: str | None = Field(None, max_length=32)
    customer_since: date | None = None
    tags: list[str] | None = Field(None, max_length=50)
    language: Literal["es", "en", "pt"] | None = None
    timezone: str | None = Field(None, max_length=64)


class ConsentOut(Schema):
    channel: str
    status: str
    at: datetime


class ContactOut(Schema):
    id: int
    channel: str
    value: str
    role: str
    holder_name: str
    city: str
    is_primary: bool
    consents: list[ConsentOut]


class ContactList(Schema):
    items: list[ContactOut]


class ContactIn(In):
    channel: Literal["phone", "email", "whatsapp", "address"]
    value: str = Field(..., min_length=1, max_length=300)
    role: Literal["debtor", "co_debtor", "guarantor", "reference"] = "debtor"
    holder_name: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    consent: Literal["granted", "revoked"] | None = None
    consent_source: str = Field("", max_length=200)


class ConsentIn(In):
    channel: Literal["call", "sms", "whatsapp", "email", "letter", "visit"]
    status: Literal["granted", "revoked"]
    source: str = Field("", max_length=200)


class ObligationOut(Schema):
    number: str
    debtor_code: str
    kind: str
    issue_date: date
    due_date: date
    original: str
    balance: str
    currency: str
    status: str
    disputed: bool
    description: str
    external_ref: str
    updated_at: datetime


class ObligationPage(Schema):
    items: list[ObligationOut]
    next_cursor: str | None


class ObligationIn(In):
    debtor_code: str = Field(..., min_length=1, max_length=64)
    number: str = Field(..., min_length=1, max_length=64)
    kind: Literal["invoice", "installment", "loan", "hoa_fee", "fine", "other"] = "invoice"
    issue_date: date
    due_date: date
    amount: Decimal = Field(..., max_digits=20, decimal_places=4)
    description: str = Field("", max_length=500)
    external_ref: str = Field("", max_length=100)


class AllocationOut(Schema):
    obligation: str
    component: str
    amount: str


class PaymentOut(Schema):
    id: int
    debtor_code: str
    date: dt.date
    amount: str
    unapplied: str
    reference: str
    source_ref: str
    reversed: bool
    created: bool
    allocation: list[AllocationOut]


class PaymentIn(In):
    debtor_code: str = Field(..., min_length=1, max_length=64)
    amount: Decimal = Field(..., max_digits=20, decimal_places=4)
    date: dt.date
    source_ref: str = Field(..., min_length=1, max_length=120,
                            description="your own id of the payment: the same source_ref is never applied twice")
    reference: str = Field("", max_length=100)
    method: str = Field("", max_length=40)
    obligation_number: str = Field("", max_length=64)


class ReverseIn(In):
    reason: str = Field(..., min_length=1, max_length=300)


class BucketOut(Schema):
    label: str
    min_days: int | None
    max_days: int | None
    amount: str
    count: int


class AgingOut(Schema):
    as_of: date
    currency: str
    total: str
    buckets: list[BucketOut]


class StatementLineOut(Schema):
    value_date: date
    obligation: str
    kind: str
    description: str
    debit: str
    credit: str
    balance: str


class OpenObligationOut(Schema):
    number: str
    due_date: date
    days_past_due: int
    balance: str
    disputed: bool


class StatementOut(Schema):
    debtor_code: str
    currency: str
    start: date | None
    end: date | None
    as_of: date
    opening: str
    closing: str
    credit: str
    payment_reference: str
    lines: list[StatementLineOut]
    open_obligations: list[OpenObligationOut]


class PromiseOut(Schema):
    id: int
    amount: str
    promised_on: date
    due_date: date
    status: str
    channel: str


class PromiseList(Schema):
    items: list[PromiseOut]


class PromiseIn(In):
    amount: Decimal = Field(..., max_digits=20, decimal_places=4)
    due_date: date
    channel: str = Field("", max_length=20)
    notes: str = Field("", max_length=500)


class AgreementOut(Schema):
    id: int
    number: str
    status: str
    debt: str
    financed: str
    installments: int
    frequency: str
    first_due: date
    made_on: date


class AgreementList(Schema):
    items: list[AgreementOut]


class OfferOut(Schema):
    id: int
    kind: str
    status: str
    debt: str
    forgiven: str
    expires_on: date | None


class OfferList(Schema):
    items: list[OfferOut]


class HoldOut(Schema):
    id: int
    reason: str
    until: date | None
    obligation: str | None
    notes: str
    released: bool


class HoldList(Schema):
    items: list[HoldOut]


class HoldIn(In):
    reason: Literal["dispute", "promise", "agreement", "claim", "deceased", "bankruptcy", "other"]
    until: date | None = None
    obligation_number: str = Field("", max_length=64)
    notes: str = Field("", max_length=500)


class MessageOut(Schema):
    id: int
    channel: str
    template_code: str
    status: str
    scheduled_for: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    updated_at: datetime


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class EventOut(Schema):
    id: int
    at: datetime
    event_type: str
    actor: str
    subject_type: str
    subject_label: str
    changes: dict


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


class KpiOut(Schema):
    code: str
    label: str
    value: str | None
    unit: str


class KpiReportOut(Schema):
    start: date
    end: date
    kpis: list[KpiOut]


def _text(max_length: int, required: bool = False):
    return Field(... if required else None, max_length=max_length)


class BulkDebtorRow(In):
    """A debtor as a row of a debtors import (docs/imports.md): the same fields, the same checks."""
    code: str = _text(64, True)
    name: str | None = _text(200)
    kind: str | None = _text(20)
    id_type: str | None = _text(10)
    id_number: str | None = _text(32)
    phone: str | None = _text(40)
    email: str | None = _text(254)
    whatsapp: str | None = _text(40)
    address: str | None = _text(300)
    city: str | None = _text(100)
    customer_since: str | None = _text(10)
    tags: str | None = _text(500)
    language: str | None = _text(8)


class BulkObligationRow(In):
    """An obligation as a row of an obligations import (docs/imports.md); a debtor it names by a new code is
    created from the debtor_* fields. Amounts with a point for decimals ("150000.50"), dates ISO."""
    number: str = _text(64, True)
    debtor_code: str = _text(64, True)
    debtor_name: str | None = _text(200)
    debtor_id_type: str | None = _text(10)
    debtor_id_number: str | None = _text(32)
    debtor_phone: str | None = _text(40)
    debtor_email: str | None = _text(254)
    kind: str | None = _text(20)
    issue_date: str | None = _text(10)
    due_date: str | None = _text(10)
    amount: str | None = _text(24)
    currency: str | None = _text(3)
    description: str | None = _text(500)


class BulkOptions(In):
    skip_invalid: bool = Field(False, description="import the valid rows and report the others (default: all or "
                                                  "nothing)")
    dry_run: bool = Field(False, description="validate and count, write nothing")


class BulkDebtorsIn(BulkOptions):
    rows: list[BulkDebtorRow] = Field(..., min_length=1, max_length=5000)


class BulkObligationsIn(BulkOptions):
    rows: list[BulkObligationRow] = Field(..., min_length=1, max_length=5000)


class RowErrorOut(Schema):
    row: int
    column: str
    value: str
    reason: str


class BulkOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    debtors_created: int
    debtors_updated: int
    dry_run: bool
    committed: bool
    message: str
    errors: list[RowErrorOut]
