"""Reads of the banking app: which debtors and obligations a set of references names, set-based (a few queries per
thousand references, by the unique indexes, whatever the size of the portfolio)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Max, Q
from django.db.models.functions import Length

from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from . import rules
from .models import BankLine, Convenio, PaymentReference, ReferenceKind, ReferenceSettings, StatementMapping

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


def statement_mappings(portfolio: Portfolio) -> list[StatementMapping]:
    return list(StatementMapping.objects.filter(portfolio=portfolio).order_by("name"))


def statement_mapping_by_name(portfolio: Portfolio, name: str) -> StatementMapping | None:
    return StatementMapping.objects.filter(portfolio=portfolio, name=name).first()
