"""Reads of the banking app: which debtors and obligations a set of references names, set-based (a few queries per
thousand references, by the unique indexes, whatever the size of the portfolio)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max, Q
from django.db.models.functions import Length
from django.utils import timezone

from recaudo.agreements.models import AgreementInstallment
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from . import rules
from .gateways import REGISTRY
from .models import (
    BankLine,
    BankUpload,
    Convenio,
    GatewayAccount,
    GatewayNotification,
    PaymentLink,
    PaymentReference,
    ReferenceKind,
    ReferenceSettings,
    StatementMapping,
)

BATCH = 500  # parameters per IN list (SQLite allows 999 by default on old builds)


def reference_kind(portfolio: Portfolio) -> str:
    settings = ReferenceSettings.objects.filter(portfolio=portfolio).first()
    return settings.kind if settings else ReferenceKind.OBLIGATION_NUMBER


def convenio_by_name(portfolio: Portfolio, name: str) -> Convenio | None:
    return Convenio.objects.filter(portfolio=portfolio, name=name).first()


def convenios(portfolio: Portfolio) -> list[Convenio]:
    return list(Convenio.objects.filter(portfolio=portfolio, active=True).order_by("name"))


def _batches(values):
    values = list(values)
    for start in range(0, len(values), BATCH):
        yield values[start:start + BATCH]


def targets(portfolio: Portfolio, field: str, wanted: dict[str, int]) -> dict[str, list[rules.Target]]:
    """For each unpadded value (with the width of the field that carried it), the debtors or obligations it names
    under `field` (obligation_number, debtor_code, national_id or generated), compared without padding zeros."""
    found: dict[str, set[rules.Target]] = defaultdict(set)
    if not wanted:
        return {}
    if field == rules.GENERATED:
        values = [v for v in wanted if rules.luhn_valid(v)]
        for batch in _batches(values):
            rows = PaymentReference.objects.filter(portfolio=portfolio, value__in=batch)
            for value, debtor_id, obligation_id in rows.values_list("value", "debtor_id", "obligation_id"):
                found[value].add(rules.Target(debtor_id, obligation_id))
        return {v: sorted(found.get(v, ()), key=repr) for v in wanted}
    model, column = (Obligation, "number") if field == rules.OBLIGATION_NUMBER else \
        (Debtor, "code" if field == rules.DEBTOR_CODE else "id_number")
    # No stored value is longer than the longest one: pad only up to it (a few forms per value, not 48).
    longest = model.objects.filter(portfolio=portfolio).aggregate(n=Max(Length(column)))["n"] or 0
    forms = [form for value, width in wanted.items() for form in rules.padded_forms(value, min(width, longest))
             if len(form) <= longest]
    for batch in _batches(forms):
        if field == rules.OBLIGATION_NUMBER:
            rows = Obligation.objects.filter(portfolio=portfolio, number__in=batch).values_list(
                "number", "debtor_id", "id")
            for number, debtor_id, obligation_id in rows:
                found[rules.unpadded(number)].add(rules.Target(debtor_id, obligation_id))
        elif field in (rules.DEBTOR_CODE, rules.NATIONAL_ID):
            rows = Debtor.objects.filter(portfolio=portfolio, **{f"{column}__in": batch}).values_list(column, "id")
            for value, debtor_id in rows:
                found[rules.unpadded(value)].add(rules.Target(debtor_id))
    return {v: sorted(found.get(v, ()), key=repr) for v in wanted}


def known_keys(portfolio: Portfolio, keys: list[str]) -> set[str]:
    """The source keys already read: a bank line (applied or queued), or a bank-file or statement payment with that
    key."""
    seen: set[str] = set()
    for batch in _batches(keys):
        payments = Payment.objects.filter(portfolio=portfolio, source_ref__in=batch,
                                          source__in=[Payment.Source.BANK_FILE, Payment.Source.STATEMENT])
        seen.update(payments.values_list("source_ref", flat=True))
        seen.update(BankLine.objects.filter(portfolio=portfolio, source_key__in=batch)
                    .values_list("source_key", flat=True))
    return seen


def queued_lines(portfolio: Portfolio) -> list[BankLine]:
    """The bank lines waiting for a person, oldest first."""
    return list(BankLine.objects.filter(portfolio=portfolio, status=BankLine.Status.QUEUED)
                .order_by("bank_date", "id"))


def queued_lines_page(portfolio: Portfolio):
    """The queued bank lines as a queryset, oldest first (the page pages it)."""
    return BankLine.objects.filter(portfolio=portfolio, status=BankLine.Status.QUEUED).order_by("bank_date", "id")


def debtors_named(portfolio: Portfolio, query: str) -> list[Debtor]:
    """The debtors of the portfolio whose code or national ID is `query`, or who owe obligation number `query`
    (compared exactly, then without padding zeros); at most a few."""
    query = (query or "").strip()
    if not query:
        return []
    forms = {query, rules.unpadded(query)} - {""}
    ids = set(Debtor.objects.filter(portfolio=portfolio).filter(
        Q(code__in=forms) | Q(id_number__in=forms)).values_list("id", flat=True)[:10])
    ids |= set(Obligation.objects.filter(portfolio=portfolio, number__in=forms)
               .values_list("debtor_id", flat=True)[:10])
    return list(Debtor.objects.filter(pk__in=ids).order_by("code"))


def bank_line_exists(portfolio: Portfolio, line_id: int) -> bool:
    return BankLine.objects.filter(portfolio=portfolio, pk=line_id).exists()


# --- convenios, for their page -----------------------------------------------------------------------------------

def convenios_all(portfolio: Portfolio) -> list[Convenio]:
    """Every convenio of the portfolio, active ones first, by name; each with `layout_parts`, its reference layout
    as [(field label, first position, last position)]."""
    rows = list(Convenio.objects.filter(portfolio=portfolio).order_by("-active", "name"))
    for convenio in rows:
        convenio.layout_parts = [(rules.field_label(s.get("field", "")), s.get("start"),
                                  (s.get("start") or 0) + (s.get("length") or 0) - 1)
                                 for s in convenio.reference_layout if isinstance(s, dict)]
    return rows


def convenio_or_none(portfolio: Portfolio, convenio_id: int) -> Convenio | None:
    return Convenio.objects.filter(portfolio=portfolio, pk=convenio_id).first()


def active_convenio(portfolio: Portfolio) -> Convenio | None:
    """The convenio a statement shows to pay into: the portfolio's first active one by name, if any."""
    return Convenio.objects.filter(portfolio=portfolio, active=True).order_by("name").first()


SAMPLE_REFERENCE = "0" * 22 + "000000001203" + "0052123456" + "2603"  # the example of docs/bank-files.md


@dataclass(frozen=True)
class LayoutPreview:
    """A sample main reference and the values a layout cuts from it, by position: [(field label, start, end,
    value)]; `problems` when the layout cannot be used (rules.parse_layout's messages)."""

    sample: str
    parts: list[tuple[str, int, int, str]]
    problems: list[str]


def layout_preview(segments_data: list, sample: str = "") -> LayoutPreview:
    """How a convenio's layout splits a 48-digit reference (rules.split_reference), for the convenio page."""
    sample = "".join(ch for ch in (sample or "") if ch.isdigit())[:rules.MAIN_REFERENCE_LENGTH] \
        or SAMPLE_REFERENCE
    sample = sample.rjust(rules.MAIN_REFERENCE_LENGTH, "0")
    try:
        segments = rules.parse_layout(segments_data)
    except rules.ReferenceError as exc:
        return LayoutPreview(sample, [], list(exc.problems))
    values = rules.split_reference(sample, segments)
    slots = segments or [rules.Segment(rules.REFERENCE, 1, rules.MAIN_REFERENCE_LENGTH)]
    parts = [(rules.field_label(s.field), s.start, s.start + s.length - 1, values.get(s.field, "") or "0")
             for s in sorted(slots, key=lambda s: s.start)]
    return LayoutPreview(sample, parts, [])


# --- payment references of debtors and obligations ---------------------------------------------------------------

@dataclass(frozen=True)
class References:
    """The payment reference of each debtor and obligation asked for, by the portfolio's kind."""

    kind: str
    debtors: dict[int, str]
    obligations: dict[int, str]
    by_id_number: frozenset = frozenset()  # the debtors whose reference is their ID number (masked for viewers)

    def of_debtor(self, debtor_id: int) -> str:
        return self.debtors.get(debtor_id, "")

    def of_obligation(self, obligation_id: int | None, debtor_id: int | None = None) -> str:
        if obligation_id in self.obligations:
            return self.obligations[obligation_id]
        return self.debtors.get(debtor_id, "") if debtor_id is not None else ""


def payment_references(portfolio: Portfolio, debtor_ids) -> References:
    """The payment reference of each of `debtor_ids` and of each of their obligations, as the bank matches it
    (docs/bank-files.md): by the portfolio's kind, the obligation's number (the debtor's own: the customer code,
    or the ID number when the portfolio's statements quote it), the debtor's code, the debtor's national ID (the
    code when it has none) or the generated reference (PaymentReference; the code until one is assigned). A few
    queries whatever the number of debtors."""
    debtor_ids = sorted(set(debtor_ids))
    people: dict[int, tuple[str, str]] = {}
    obligations: dict[int, tuple[int, str]] = {}
    for batch in _batches(debtor_ids):
        people.update({pk: (code, id_number) for pk, code, id_number in Debtor.objects.filter(
            portfolio=portfolio, pk__in=batch).values_list("pk", "code", "id_number")})
        obligations.update({pk: (debtor_id, number) for pk, debtor_id, number in Obligation.objects.filter(
            portfolio=portfolio, debtor_id__in=batch).values_list("pk", "debtor_id", "number")})
    return _references(portfolio, people, obligations)


def debtor_references(portfolio: Portfolio, debtor: Debtor, obligations: list[Obligation]) -> References:
    """payment_references for one debtor and the obligations a page already holds (one query, two when the
    references are generated)."""
    return _references(portfolio, {debtor.pk: (debtor.code, debtor.id_number)},
                       {o.pk: (o.debtor_id, o.number) for o in obligations})


def _references(portfolio: Portfolio, people: dict[int, tuple[str, str]],
                obligations: dict[int, tuple[int, str]]) -> References:
    kind = reference_kind(portfolio)
    generated_debtor: dict[int, str] = {}
    generated_obligation: dict[int, str] = {}
    if kind == ReferenceKind.GENERATED:
        for batch in _batches(sorted(people)):
            for value, debtor_id, obligation_id in PaymentReference.objects.filter(
                    portfolio=portfolio, debtor_id__in=batch).values_list("value", "debtor_id", "obligation_id"):
                if obligation_id is None:
                    generated_debtor[debtor_id] = value
                else:
                    generated_obligation[obligation_id] = value

    def of_debtor(pk: int) -> str:
        code, id_number = people[pk]
        if kind == ReferenceKind.NATIONAL_ID or (kind == ReferenceKind.OBLIGATION_NUMBER
                                                  and portfolio.payment_reference == "id_number"):
            return id_number or code
        if kind == ReferenceKind.GENERATED:
            return generated_debtor.get(pk) or code
        return code

    debtors = {pk: of_debtor(pk) for pk in people}
    by_id_number = frozenset(pk for pk, (code, id_number) in people.items()
                             if id_number and debtors[pk] == id_number)
    by_obligation = {}
    for pk, (debtor_id, number) in obligations.items():
        if kind == ReferenceKind.OBLIGATION_NUMBER:
            by_obligation[pk] = number
        elif kind == ReferenceKind.GENERATED:
            by_obligation[pk] = generated_obligation.get(pk) or debtors.get(debtor_id, "")
        else:
            by_obligation[pk] = debtors.get(debtor_id, "")
    return References(kind=kind, debtors=debtors, obligations=by_obligation, by_id_number=by_id_number)


# --- a debtor's payments and where each came from ----------------------------------------------------------------

@dataclass(frozen=True)
class PaymentSource:
    """Where a payment came from, for the debtor page: the source (Payment.Source) and, for a bank file's or a
    statement's payment, its bank line (bank, date, line number, id)."""

    source: str
    label: str
    line_id: int | None = None
    bank_code: str = ""
    bank_date: object = None
    line_number: int | None = None


def payments_with_source(payments: list[Payment]) -> list[Payment]:
    """Give each payment `source_info` (a PaymentSource): one query for the bank lines of all of them."""
    lines = {}
    ids = [p.pk for p in payments if p.source in (Payment.Source.BANK_FILE, Payment.Source.STATEMENT)]
    for batch in _batches(ids):
        lines.update({line.payment_id: line for line in BankLine.objects.filter(payment_id__in=batch).only(
            "id", "payment_id", "bank_code", "bank_date", "line_number")})
    labels = dict(Payment.Source.choices)
    for payment in payments:
        line = lines.get(payment.pk)
        payment.source_info = PaymentSource(
            source=payment.source, label=str(labels.get(payment.source, payment.source)),
            line_id=line.pk if line else None, bank_code=line.bank_code if line else "",
            bank_date=line.bank_date if line else None, line_number=line.line_number if line else None)
    return payments


def debtor_payments(portfolio: Portfolio, debtor_id: int, limit: int = 50) -> list[Payment]:
    """A debtor's latest payments, newest first, each with its receipt and `source_info`: two queries whatever
    their number."""
    payments = list(Payment.objects.filter(portfolio=portfolio, debtor_id=debtor_id).select_related("receipt")
                    .order_by("-date", "-pk")[:limit])
    return payments_with_source(payments)
def statement_mappings(portfolio: Portfolio) -> list[StatementMapping]:
    return list(StatementMapping.objects.filter(portfolio=portfolio).order_by("name"))


def statement_mapping_by_name(portfolio: Portfolio, name: str) -> StatementMapping | None:
    return StatementMapping.objects.filter(portfolio=portfolio, name=name).first()


def recent_uploads(portfolio: Portfolio, limit: int = 10) -> list[BankUpload]:
    """The portfolio's latest bank file uploads, newest first (without their bytes)."""
    return list(BankUpload.objects.filter(portfolio=portfolio).defer("content", "lines").select_related("created_by")
                .order_by("-created_at", "-id")[:limit])


def upload_or_none(portfolio: Portfolio, upload_id: int) -> BankUpload | None:
    return BankUpload.objects.filter(portfolio=portfolio, pk=upload_id).defer("content").first()


# --- payment gateways and links ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class GatewayRow:
    name: str
    label: str
    configured: bool     # every required key saved ("configurado"); the keys themselves are never shown
    active: bool


def gateway_rows(portfolio: Portfolio) -> list[GatewayRow]:
    accounts = {a.provider: a for a in GatewayAccount.objects.filter(portfolio=portfolio)}
    rows = []
    for name, adapter in sorted(REGISTRY.items()):
        account = accounts.get(name)
        config = account.config if account else {}
        configured = account is not None and all(config.get(f.key) for f in adapter.config_fields if f.required)
        rows.append(GatewayRow(name=name, label=adapter.label, configured=configured,
                               active=bool(account and account.active)))
    return rows


def gateway_account(portfolio: Portfolio, provider: str) -> GatewayAccount | None:
    return GatewayAccount.objects.filter(portfolio=portfolio, provider=provider).first()


def active_gateway(portfolio: Portfolio | int) -> str:
    """The provider of the portfolio's active gateway (the first by name when several are), or ""."""
    portfolio_id = portfolio if isinstance(portfolio, int) else portfolio.pk
    return (GatewayAccount.objects.filter(portfolio_id=portfolio_id, active=True, provider__in=list(REGISTRY))
            .order_by("provider").values_list("provider", flat=True).first() or "")


def debtor_payment_links(debtor: Debtor, limit: int = 50) -> list[PaymentLink]:
    return list(PaymentLink.objects.filter(debtor=debtor).select_related("obligation", "installment")[:limit])


def open_payment_link_url(debtor_id: int, now=None) -> str:
    """The address of the debtor's newest open, unexpired link for its total or one of its obligations, if its
    portfolio has an active gateway; "" otherwise (messages and statements show it as "Pague en línea")."""
    url = (PaymentLink.objects.filter(debtor_id=debtor_id, status=PaymentLink.Status.OPEN,
                                      expires_at__gt=now or timezone.now(),
                                      portfolio__gateway_accounts__active=True,
                                      portfolio__gateway_accounts__provider__in=list(REGISTRY))
           .order_by("-created_at", "-id").values_list("url", flat=True).first())  # one query
    return url or ""


def payment_link(portfolio: Portfolio, link_id: int) -> PaymentLink | None:
    return PaymentLink.objects.filter(portfolio=portfolio, pk=link_id).first()


def recent_payment_links(portfolio: Portfolio, limit: int = 20) -> list[PaymentLink]:
    return list(PaymentLink.objects.filter(portfolio=portfolio).select_related("debtor")[:limit])


def recent_notifications(portfolio: Portfolio, limit: int = 20) -> list[GatewayNotification]:
    return list(GatewayNotification.objects.filter(portfolio=portfolio).select_related("link")[:limit])


def payable_obligations(debtor: Debtor) -> list[Obligation]:
    return list(Obligation.objects.filter(debtor=debtor, balance_minor__gt=0).order_by("due_date", "number")[:200])


def payable_installments(debtor: Debtor) -> list:
    return list(AgreementInstallment.objects.filter(agreement__debtor=debtor, agreement__status="accepted",
                                                    obligation__balance_minor__gt=0)
                .order_by("due_date", "number")[:100])


def debtor_obligation(debtor: Debtor, pk: str) -> Obligation | None:
    return Obligation.objects.filter(debtor=debtor, pk=int(pk)).first() if pk.isdigit() else None


def debtor_installment(debtor: Debtor, pk: str):
    if not pk.isdigit():
        return None
    return AgreementInstallment.objects.filter(agreement__debtor=debtor, pk=int(pk)).select_related(
        "agreement", "obligation").first()
