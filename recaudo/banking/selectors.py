"""Reads of the banking app: which debtors and obligations a set of references names, set-based (a few queries per
thousand references, by the unique indexes, whatever the size of the portfolio)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Max, Q
from django.db.models.functions import Length
from django.utils import timezone

from recaudo.agreements.models import Agreement, AgreementInstallment, Promise
from recaudo.core.bulk import select_any
from recaudo.ledger.models import Payment
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from . import matching, rules
from .gateways import REGISTRY
from .gateways.base import GatewayError
from .matching import DebtorFacts
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
    TransferReceipt,
)

BATCH = 500  # parameters per IN list (SQLite allows 999 by default on old builds)


def auto_apply_score(portfolio: Portfolio) -> int:
    """The score from which a bank line's best suggestion is applied without a person (matching.choose)."""
    value = ReferenceSettings.objects.filter(portfolio=portfolio).values_list("auto_apply_score", flat=True).first()
    return value or matching.DEFAULT_THRESHOLD


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
        for value, debtor_id, obligation_id in select_any(
                f"SELECT value, debtor_id, obligation_id FROM {PaymentReference._meta.db_table} "
                "WHERE portfolio_id = %s AND {any}", "value", values, [portfolio.pk]):
            found[value].add(rules.Target(debtor_id, obligation_id))
        return {v: sorted(found.get(v, ()), key=repr) for v in wanted}
    model, column = (Obligation, "number") if field == rules.OBLIGATION_NUMBER else \
        (Debtor, "code" if field == rules.DEBTOR_CODE else "id_number")
    # No stored value is longer than the longest one: pad only up to it (a few forms per value, not 48).
    longest = model.objects.filter(portfolio=portfolio).aggregate(n=Max(Length(column)))["n"] or 0
    forms = [form for value, width in wanted.items() for form in rules.padded_forms(value, min(width, longest))
             if len(form) <= longest]
    # raw look-ups by the portfolio's unique or plain index, thousands of forms a statement (core.bulk.select_any)
    if field == rules.OBLIGATION_NUMBER:
        for number, debtor_id, obligation_id in select_any(
                f"SELECT number, debtor_id, id FROM {Obligation._meta.db_table} WHERE portfolio_id = %s AND {{any}}",
                "number", forms, [portfolio.pk]):
            found[rules.unpadded(number)].add(rules.Target(debtor_id, obligation_id))
    elif field in (rules.DEBTOR_CODE, rules.NATIONAL_ID):
        for value, debtor_id in select_any(
                f"SELECT {column}, id FROM {Debtor._meta.db_table} WHERE portfolio_id = %s AND {{any}}", column,
                forms, [portfolio.pk]):
            found[rules.unpadded(value)].add(rules.Target(debtor_id))
    return {v: sorted(found.get(v, ()), key=repr) for v in wanted}


def reference_hits(portfolio: Portfolio, references: list[str]) -> list[list[tuple]]:
    """For each whole reference (a statement's, no convenio layout), what it names without padding zeros as an
    obligation number, a debtor code, a national ID or a generated reference: (kind, value, Target)."""
    values = [rules.unpadded(r) for r in references]
    wanted = {v: max(len(v), rules.MAIN_REFERENCE_LENGTH) for v in values if v}
    found = {kind: targets(portfolio, kind, wanted) for kind in rules.REFERENCE_KINDS} if wanted else {}
    return [[(kind, v, t) for kind in rules.REFERENCE_KINDS for t in found.get(kind, {}).get(v, [])] if v else []
            for v in values]


def known_keys(portfolio: Portfolio, keys: list[str]) -> set[str]:
    """The source keys already read: a bank line (applied or queued), or a bank-file or statement payment with that
    key."""
    seen = {ref for (ref,) in select_any(
        f"SELECT source_ref FROM {Payment._meta.db_table} WHERE portfolio_id = %s AND source IN (%s, %s) AND {{any}}",
        "source_ref", keys, [portfolio.pk, Payment.Source.BANK_FILE.value, Payment.Source.STATEMENT.value])}
    seen.update(key for (key,) in select_any(
        f"SELECT source_key FROM {BankLine._meta.db_table} WHERE portfolio_id = %s AND {{any}}", "source_key", keys,
        [portfolio.pk]))
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
    statement: bool = False  # the line is a statement's (no bank code, branch or channel)


def _line_key(source_ref: str) -> str:
    """The bank line's key in a payment's source reference: the key itself, `<key>/2` for a part of a split line,
    `<key>~2` for a line applied again after an undo (services: the ledger's source references stay unique)."""
    return source_ref.split("~", 1)[0].split("/", 1)[0]


def payments_with_source(payments: list[Payment]) -> list[Payment]:
    """Give each payment `source_info` (a PaymentSource): one query for the bank lines of all of them, found by
    the payment's source reference (so a part of a split line and a payment undone since still find theirs)."""
    lines = {}
    wanted = [(p.portfolio_id, _line_key(p.source_ref)) for p in payments
              if p.source in (Payment.Source.BANK_FILE, Payment.Source.STATEMENT)]
    for portfolio_id in {pid for pid, _key in wanted}:
        keys = [key for pid, key in wanted if pid == portfolio_id]
        for batch in _batches(keys):
            lines.update({(portfolio_id, line.source_key): line for line in BankLine.objects.filter(
                portfolio_id=portfolio_id, source_key__in=batch).only(
                "id", "source_key", "kind", "bank_code", "bank_date", "line_number", "layout")})
    labels = dict(Payment.Source.choices)
    for payment in payments:
        line = lines.get((payment.portfolio_id, _line_key(payment.source_ref))) \
            if payment.source in (Payment.Source.BANK_FILE, Payment.Source.STATEMENT) else None
        payment.source_info = PaymentSource(
            source=payment.source, label=str(labels.get(payment.source, payment.source)),
            line_id=line.pk if line else None, bank_code=line.bank_code if line else "",
            bank_date=line.bank_date if line else None, line_number=line.line_number if line else None,
            statement=bool(line and line.kind == BankLine.Kind.STATEMENT))
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
        saved = account.saved_keys() if account else set()
        configured = account is not None and all(f.key in saved for f in adapter.config_fields if f.required)
        rows.append(GatewayRow(name=name, label=adapter.label, configured=configured,
                               active=bool(account and account.active)))
    return rows


@dataclass(frozen=True)
class GatewaySealing:
    portfolio: str
    provider: str
    active: bool
    secrets: str    # "sealed", "plain" (saved before sealing), "unreadable" (the keys changed) or "none"


def gateway_accounts_sealing() -> list[GatewaySealing]:
    """Every portfolio's gateway accounts and the state of their secrets (`recaudo bank gateways`)."""
    rows = []
    for account in GatewayAccount.objects.select_related("portfolio").order_by("portfolio__slug", "provider"):
        adapter = REGISTRY.get(account.provider)
        secret_keys = {spec.key for spec in adapter.config_fields if spec.secret} if adapter else set()
        if secret_keys & set(account.config or {}):
            state = "plain"
        elif not account.secrets_sealed:
            state = "none"
        else:
            try:
                account.secret_values()
                state = "sealed"
            except GatewayError:
                state = "unreadable"
        rows.append(GatewaySealing(portfolio=account.portfolio.slug, provider=account.provider,
                                   active=account.active, secrets=state))
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


# --- what a line's scoring compares with (matching.candidates) ---------------------------------------------------

MAX_INSTALLMENTS = 3  # the next unpaid installments of each accepted agreement compared with an amount
MAX_NAME_MATCHES = 10  # debtors a payer's name may propose


def description_hits(portfolio: Portfolio, tokens_per_line: list[list[str]]) -> list[list[tuple[str, str, object]]]:
    """For each line's description tokens (matching.description_tokens), what they name, set-based: (kind, token,
    Target) with kind obligation_number, debtor_code or national_id. A token is compared as written, and without
    its padding zeros when it is digits."""
    wanted: dict[str, int] = {}
    for tokens in tokens_per_line:
        for token in tokens:
            core = rules.unpadded(token)
            if core:
                wanted[core] = max(wanted.get(core, 0), len(token))
    if not wanted:
        return [[] for _ in tokens_per_line]
    found = {kind: targets(portfolio, kind, wanted)
             for kind in (rules.OBLIGATION_NUMBER, rules.DEBTOR_CODE, rules.NATIONAL_ID)}
    out = []
    for tokens in tokens_per_line:
        hits, seen = [], set()
        for token in tokens:
            core = rules.unpadded(token)
            for kind, by_value in found.items():
                for target in by_value.get(core, []):
                    if (kind, target) not in seen:
                        seen.add((kind, target))
                        hits.append((kind, token, target))
        out.append(hits)
    return out


def debtors_by_name(portfolio: Portfolio, words: set[str]) -> list[int]:
    """Debtors whose search text (lower case, accent-free) holds the two longest of a payer's name words, at most
    MAX_NAME_MATCHES: a substring search over the portfolio's debtors, so it is asked only for statement lines that
    nothing else identifies."""
    chosen = sorted(words, key=lambda w: (-len(w), w))[:2]
    if len(chosen) < 2:
        return []
    condition = Q()
    for word in chosen:
        condition &= Q(search_text__contains=word)
    return list(Debtor.objects.filter(portfolio=portfolio).filter(condition)
                .order_by("id").values_list("id", flat=True)[:MAX_NAME_MATCHES])


def debtor_facts(portfolio: Portfolio, debtor_ids) -> dict:
    """For each debtor, what an amount or a name is compared with (matching.DebtorFacts): its name, total balance,
    its obligations (number and balance), the next unpaid installments of its accepted agreements and its pending
    promises. A few queries per 500 debtors."""
    facts: dict[int, DebtorFacts] = {}
    ids = sorted(set(debtor_ids))
    for batch in _batches(ids):
        for pk, name, balance in Debtor.objects.filter(portfolio=portfolio, pk__in=batch).values_list(
                "id", "name", "balance_minor"):
            facts[pk] = DebtorFacts(pk, name=name, balance_minor=balance)
        for oid, debtor_id, number, balance in Obligation.objects.filter(
                portfolio=portfolio, debtor_id__in=batch).values_list("id", "debtor_id", "number", "balance_minor"):
            if debtor_id in facts:
                facts[debtor_id].obligations[oid] = (number, balance)
        rows = (AgreementInstallment.objects
                .filter(agreement__portfolio=portfolio, agreement__debtor_id__in=batch,
                        agreement__status=Agreement.Status.ACCEPTED)
                .filter(Q(obligation__isnull=True) | Q(obligation__balance_minor__gt=0))
                .order_by("agreement_id", "number")
                .values_list("agreement__debtor_id", "agreement_id", "agreement__number", "number", "amount_minor"))
        per_agreement: dict[int, int] = defaultdict(int)
        for debtor_id, agreement_id, agreement_number, number, amount in rows:
            per_agreement[agreement_id] += 1
            if debtor_id in facts and per_agreement[agreement_id] <= MAX_INSTALLMENTS:
                facts[debtor_id].installments.append((agreement_number or str(agreement_id), number, amount))
        for debtor_id, due, amount in (Promise.objects.filter(portfolio=portfolio, debtor_id__in=batch,
                                                               status=Promise.Status.PENDING)
                                       .order_by("due_date").values_list("debtor_id", "due_date", "amount_minor")):
            if debtor_id in facts:
                facts[debtor_id].promises.append((due.isoformat(), amount))
    return facts


@dataclass
class LineToScore:
    """A bank line as scoring sees it: its amount, what its reference named (kind, value, Target) with kind
    obligation_number, debtor_code, national_id or generated, its description and payer's name (statements)."""

    amount_minor: int
    reference_hits: list = field(default_factory=list)
    description: str = ""
    payer_name: str = ""


MAX_NAME_SEARCHES = 200  # lines of one import whose payer's name is searched among the debtors


def line_candidates(portfolio: Portfolio, lines: list[LineToScore]) -> list[list[matching.Candidate]]:
    """The scored candidates of each line (matching.candidates), the facts gathered set-based for all lines at
    once: what the references and the descriptions name, then the names of the payers of the lines nothing else
    identifies (at most MAX_NAME_SEARCHES lines), then those debtors' balances, installments and promises."""
    desc_hits = description_hits(portfolio, [matching.description_tokens(x.description) for x in lines])
    named: list[set[int]] = []
    searches = 0
    for line, hits in zip(lines, desc_hits, strict=True):
        ids = {t.debtor_id for _k, _v, t in line.reference_hits} | {t.debtor_id for _k, _v, t in hits}
        if not ids and searches < MAX_NAME_SEARCHES:
            words = matching.name_words(line.payer_name or line.description)
            if len(words) >= 2:
                searches += 1
                ids = set(debtors_by_name(portfolio, words))
        named.append(ids)
    facts = debtor_facts(portfolio, set().union(*named) if named else set())
    out = []
    for line, hits, ids in zip(lines, desc_hits, named, strict=True):
        evidence = []
        for kind, value, target in line.reference_hits:
            evidence.append(_evidence("reference", kind, value, target, facts))
        for kind, token, target in hits:
            evidence.append(_evidence("description", kind, token, target, facts))
        out.append(matching.candidates(amount_minor=line.amount_minor, evidence=evidence,
                                       debtors={d: facts[d] for d in ids if d in facts},
                                       payer_text=line.payer_name or line.description))
    return out


def _evidence(source: str, kind: str, value: str, target: rules.Target, facts: dict) -> matching.Evidence:
    if target.obligation_id is not None:
        debtor = facts.get(target.debtor_id)
        number = debtor.obligations.get(target.obligation_id, (value, 0))[0] if debtor else value
        if source == "reference":
            return matching.Evidence("reference_obligation", target, (("ref", value), ("number", number)))
        return matching.Evidence("description_obligation", target, (("number", number),))
    if source == "reference":
        return matching.Evidence("reference_debtor", target, (("ref", value), ("field", kind)))
    if kind == rules.NATIONAL_ID:
        return matching.Evidence("description_national_id", target, (("id", value),))
    return matching.Evidence("description_debtor_code", target, (("code", value),))


# --- the reconciliation pages ------------------------------------------------------------------------------------

def suggestions_shown(lines) -> dict[int, list[dict]]:
    """For each line, its stored suggestions as the page shows them: position, score, the debtor's code and name,
    the obligation's number and balance, the reasons said in the active language (matching.reasons_text)."""
    debtor_ids, obligation_ids = set(), set()
    for line in lines:
        for s in line.suggestions or []:
            debtor_ids.add(s.get("debtor_id"))
            if s.get("obligation_id"):
                obligation_ids.add(s["obligation_id"])
    debtors = {pk: (code, name) for pk, code, name in
               Debtor.objects.filter(pk__in=debtor_ids - {None}).values_list("id", "code", "name")}
    obligations = {pk: (number, balance) for pk, number, balance in
                   Obligation.objects.filter(pk__in=obligation_ids).values_list("id", "number", "balance_minor")}
    out: dict[int, list[dict]] = {}
    for line in lines:
        rows = []
        for index, s in enumerate(line.suggestions or []):
            code, name = debtors.get(s.get("debtor_id"), ("", ""))
            number, balance = obligations.get(s.get("obligation_id"), ("", None))
            rows.append({"index": index, "score": s.get("score", 0), "debtor_code": code, "debtor_name": name,
                         "obligation_number": number, "obligation_balance": balance,
                         "reasons": matching.reasons_text(s.get("reasons", [])), "exists": bool(code)})
        out[line.pk] = rows
    return out


def applied_lines_page(portfolio: Portfolio, q: str = "", date_from=None, date_to=None):
    """The applied bank lines, most recent bank date first, with their payments; `q` a reference (compared without
    padding zeros), a debtor's code or an obligation's number."""
    rows = BankLine.objects.filter(portfolio=portfolio, status=BankLine.Status.APPLIED)
    q = (q or "").strip()
    if q:
        core = rules.unpadded(q) or q
        rows = rows.filter(Q(reference__endswith=core) | Q(payment__debtor__code=q) | Q(payment__obligation__number=q)
                           | Q(parts__debtor__code=q) | Q(parts__obligation__number=q)).distinct()
    if date_from:
        rows = rows.filter(bank_date__gte=date_from)
    if date_to:
        rows = rows.filter(bank_date__lte=date_to)
    return (rows.select_related("payment__debtor", "payment__obligation", "handled_by")
            .prefetch_related("parts__debtor", "parts__obligation", "parts__payment")
            .order_by("-bank_date", "-id"))


def line_payment_rows(line: BankLine) -> list[dict]:
    """What an applied line paid: each payment's debtor, obligation and amount (one, or the parts of its round)."""
    if line.payment_id:
        p = line.payment
        return [{"debtor": p.debtor, "obligation": p.obligation, "amount_minor": p.amount_minor, "part": None}]
    return [{"debtor": part.debtor, "obligation": part.obligation, "amount_minor": part.amount_minor,
             "part": part.number} for part in line.parts.all() if part.round == line.round]


def receipts_to_verify(portfolio):
    """The "Por verificar" queue: the transfer receipts debtors uploaded that wait for a supervisor, oldest first,
    with their debtor, obligation and document (a queryset to page)."""
    return (TransferReceipt.objects.filter(portfolio=portfolio, status=TransferReceipt.Status.PENDING)
            .select_related("debtor", "obligation", "document").order_by("submitted_at", "pk"))


def debtor_transfer_receipts(debtor, limit: int = 20) -> list:
    """The receipts a debtor uploaded, newest first, with their status and a rejection's reason: what the portal
    tells the debtor."""
    return list(TransferReceipt.objects.filter(debtor=debtor).order_by("-submitted_at", "-pk")[:limit])


def transfer_receipt_exists(portfolio, receipt_id: int) -> bool:
    return TransferReceipt.objects.filter(portfolio=portfolio, pk=receipt_id).exists()
