"""Writes of the banking app: a portfolio's payment reference settings and generated references, its convenios, and
importing a bank collection file (each detail received through agreements' payment_receive, the single payment
path, or kept for review)."""

from __future__ import annotations

import hashlib
import os
import queue
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recaudo.accounts.models import Role
from recaudo.accounts.selectors import SUPERVISING_ROLES, role_in
from recaudo.agreements.services.payments import payment_receipt_reverse, payment_receive, payments_receive
from recaudo.audit.services import actor_label_for, audit_record, require_portal_debtor
from recaudo.core.amounts import MAX_MINOR, AmountError, parse_amount
from recaudo.core.bulk import insert_instances, new_instances
from recaudo.core.collect import collect_young, fewer_collections
from recaudo.core.errors import DomainError, NotAllowed, several
from recaudo.core.money import active_locale, format_amount, format_number, from_minor, precision, to_minor
from recaudo.ledger.models import Payment, Receipt
from recaudo.ledger.services import PaymentIn
from recaudo.portfolio.models import Debtor, Document, Obligation, Portfolio
from recaudo.portfolio.rules import DOCUMENT_MAX_BYTES
from recaudo.portfolio.services import document_attach

from . import asobancaria, matching, rules, selectors, statements
from .models import (
    BankLine,
    BankLinePart,
    Convenio,
    PaymentReference,
    ReferenceKind,
    ReferenceSettings,
    StatementMapping,
    TransferReceipt,
)

MAX_FILE_BYTES = 64 * 1024 * 1024


class BankingError(DomainError):
    """A bank file, a convenio or a reference setting that cannot be used; `problems` lists each one."""

    def __init__(self, message: str = "", field: str | None = None, problems: list[str] | None = None):
        super().__init__(message or "\n".join(problems or []), field)
        self._problems = problems


# --- payment references ------------------------------------------------------------------------------------------

@transaction.atomic
def reference_settings_set(*, portfolio: Portfolio, kind: str, actor=None) -> ReferenceSettings:
    """Choose what the portfolio's payment reference is (ReferenceKind)."""
    if kind not in ReferenceKind.values:
        raise BankingError(_("unknown payment reference kind %(kind)r (use %(known)s)")
                           % {"kind": kind, "known": ", ".join(ReferenceKind.values)}, field="kind")
    settings, _created = ReferenceSettings.objects.select_for_update().get_or_create(portfolio=portfolio)
    before = settings.kind
    settings.kind = kind
    settings.save(update_fields=["kind"])
    audit_record(event_type="banking.reference_settings", subject=settings, actor=actor, portfolio=portfolio,
                 changes={"kind": [before, kind]})
    return settings


@transaction.atomic
def payment_references_assign(*, portfolio: Portfolio, actor=None) -> int:
    """Give every debtor and obligation of the portfolio that has none a generated reference (a number and its
    Luhn check digit, numbered on from the portfolio's counter). Returns how many were created."""
    settings, _created = ReferenceSettings.objects.select_for_update().get_or_create(portfolio=portfolio)
    number = settings.next_number
    have_debtor = set(PaymentReference.objects.filter(portfolio=portfolio, obligation__isnull=True)
                      .values_list("debtor_id", flat=True))
    have_obligation = set(PaymentReference.objects.filter(portfolio=portfolio, obligation__isnull=False)
                          .values_list("obligation_id", flat=True))
    rows = []
    for debtor_id in Debtor.objects.filter(portfolio=portfolio).order_by("id").values_list("id", flat=True):
        if debtor_id not in have_debtor:
            rows.append(PaymentReference(portfolio=portfolio, debtor_id=debtor_id,
                                         value=rules.generated_reference(number)))
            number += 1
    obligations = Obligation.objects.filter(portfolio=portfolio).order_by("id").values_list("id", "debtor_id")
    for obligation_id, debtor_id in obligations:
        if obligation_id not in have_obligation:
            rows.append(PaymentReference(portfolio=portfolio, debtor_id=debtor_id, obligation_id=obligation_id,
                                         value=rules.generated_reference(number)))
            number += 1
    PaymentReference.objects.bulk_create(rows, batch_size=1000)
    settings.next_number = number
    settings.save(update_fields=["next_number"])
    audit_record(event_type="banking.references_assigned", subject=settings, actor=actor, portfolio=portfolio,
                 changes={"created": len(rows)})
    return len(rows)


# --- convenios ---------------------------------------------------------------------------------------------------

def _digits(value: str, name: str, size: int, *, required: bool = False) -> str:
    """`value` of the convenio's field `name`, checked to be up to `size` digits; the message names the field in
    words (its label), not by its key."""
    value = (value or "").strip()
    if not value and not required:
        return ""
    if not value.isdigit() or not value.isascii() or len(value) > size:
        label = Convenio._meta.get_field(name).verbose_name
        raise BankingError(_("%(name)s: up to %(size)d digits") % {"name": label, "size": size}, field=name)
    return value


@transaction.atomic
def convenio_save(*, portfolio: Portfolio, name: str, bank_code: str, account_number: str = "",
                  account_type: str = "", company_nit: str = "", service_code: str = "",
                  reference_layout: list | None = None, new: bool = False, actor=None) -> Convenio:
    """Create or change the portfolio's convenio called `name` (new: only create, refusing a name in use)."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise BankingError(_("a convenio needs a name of up to 60 characters"), field="name")
    values, errors = {}, []  # every field checked, every refusal said at once
    for key, value, size, required in (
            ("bank_code", bank_code, 3, True), ("account_number", account_number, 17, False),
            ("account_type", account_type, 2, False), ("company_nit", company_nit, 13, False),
            ("service_code", service_code, 13, False)):
        try:
            values[key] = _digits(value, key, size, required=required)
        except BankingError as exc:
            errors.append(exc)
    segments = []
    try:
        segments = rules.parse_layout(reference_layout or [])
    except rules.ReferenceError as exc:
        errors.append(BankingError(field="reference_layout", problems=exc.problems))
    if errors:
        raise several(errors)
    values["bank_code"] = values["bank_code"].zfill(3)
    values["reference_layout"] = [{"field": s.field, "start": s.start, "length": s.length} for s in segments]
    convenio, created = Convenio.objects.select_for_update().get_or_create(portfolio=portfolio, name=name,
                                                                           defaults=values)
    if not created and new:
        raise BankingError(_("there is already a convenio called %(name)s") % {"name": name}, field="name")
    if not created:
        for key, value in values.items():
            setattr(convenio, key, value)
        convenio.save()
    audit_record(event_type="banking.convenio_saved", subject=convenio, actor=actor, portfolio=portfolio,
                 changes={"name": name, "created": created, **values})
    return convenio


@transaction.atomic
def convenio_set_active(*, portfolio: Portfolio, convenio_id: int, active: bool, actor=None) -> Convenio:
    """Deactivate a convenio (its bank lines keep it; imports no longer pick it, statements no longer show it) or
    activate it again. Setting the state it has changes nothing and records nothing. Convenio.DoesNotExist for
    one of another portfolio."""
    convenio = Convenio.objects.select_for_update().get(portfolio=portfolio, pk=convenio_id)
    if convenio.active == bool(active):
        return convenio
    convenio.active = bool(active)
    convenio.save(update_fields=["active"])
    audit_record(event_type="banking.convenio_activated" if active else "banking.convenio_deactivated",
                 subject=convenio, actor=actor, portfolio=portfolio,
                 changes={"name": convenio.name, "active": [not convenio.active, convenio.active]})
    return convenio


# --- importing a collection file ---------------------------------------------------------------------------------

@dataclass
class LineOutcome:
    line: int
    reference: str
    amount_cents: int
    outcome: str  # applied | queued | duplicate
    reason: str = ""
    payment_id: int | None = None
    description: str = ""  # a statement line's description


@dataclass
class ImportResult:
    layout: str
    file_sha256: str
    bank_date: object
    dry_run: bool
    lines: list[LineOutcome] = field(default_factory=list)
    debits_skipped: int = 0  # a statement's debits (money out) and zero lines: read, not kept
    debits_skipped_total_cents: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    def total_cents(self, outcome: str | None = None) -> int:
        return sum(line.amount_cents for line in self.lines if outcome is None or line.outcome == outcome)

    def summary(self) -> dict:
        outcomes = ("applied", "queued", "duplicate")
        return {
            "layout": self.layout, "file_sha256": self.file_sha256, "bank_date": str(self.bank_date),
            "dry_run": self.dry_run, "read": len(self.lines), "read_total_cents": self.total_cents(),
            **{o: self.count(o) for o in outcomes},
            **{f"{o}_total_cents": self.total_cents(o) for o in outcomes},
            "refused": 0, "refused_total_cents": 0,
            "debits_skipped": self.debits_skipped, "debits_skipped_total_cents": self.debits_skipped_total_cents,
        }


def source_keys(file: asobancaria.CollectionFile) -> list[str]:
    """Each detail's idempotency key: a SHA-256 of what identifies the payment at the bank (the company's NIT, the
    bank, the account, the service, the bank's date, the reference without padding zeros, the amount, the
    operation, authorization and sequence numbers), so the same payment in another file or a repeated file has the
    same key. Identical lines in one file get -2, -3... in order, so they count as distinct payments."""
    h = file.header
    seen: Counter = Counter()
    keys = []
    for d in file.details:
        text = "|".join([file.layout, rules.unpadded(h.nit), h.bank_code, rules.unpadded(h.account),
                         rules.unpadded(d.service_code), h.collection_date.isoformat(), rules.unpadded(d.reference),
                         str(d.amount_cents), d.operation, d.authorization, d.sequence])
        digest = hashlib.sha256(text.encode()).hexdigest()
        seen[digest] += 1
        keys.append(f"asob:{digest}" + (f"-{seen[digest]}" if seen[digest] > 1 else ""))
    return keys


def _check_convenio(file: asobancaria.CollectionFile, convenio: Convenio) -> list[str]:
    problems = []
    h = file.header
    if convenio.company_nit and rules.unpadded(h.nit) != rules.unpadded(convenio.company_nit):
        problems.append(_("line %(line)d, NIT: the file is of NIT %(file)s, the convenio %(name)s of %(nit)s")
                        % {"line": h.line, "file": h.nit, "name": convenio.name, "nit": convenio.company_nit})
    if h.bank_code and rules.unpadded(h.bank_code) != rules.unpadded(convenio.bank_code):
        problems.append(_("line %(line)d, bank code: the file comes from bank %(file)s, the convenio %(name)s is "
                          "with bank %(bank)s") % {"line": h.line, "file": h.bank_code, "name": convenio.name,
                                                   "bank": convenio.bank_code})
    if convenio.service_code:
        for lot in file.lots:
            if lot.service_code and rules.unpadded(lot.service_code) != rules.unpadded(convenio.service_code):
                problems.append(_("line %(line)d, service code: lot %(lot)s collects service %(file)s, the "
                                  "convenio %(name)s service %(code)s")
                                % {"line": lot.line, "lot": lot.number, "file": lot.service_code,
                                   "name": convenio.name, "code": convenio.service_code})
    return problems


def _convenio_for(portfolio, file, name) -> Convenio | None:
    if name:
        convenio = selectors.convenio_by_name(portfolio, name)
        if convenio is None:
            raise BankingError(_("no convenio %(name)r in this portfolio") % {"name": name}, field="convenio")
        return convenio
    # Without a name: the one active convenio of the file's bank whose service code is the file's, if exactly one.
    codes = {rules.unpadded(lot.service_code) for lot in file.lots}
    matching = [c for c in selectors.convenios(portfolio)
                if rules.unpadded(c.bank_code) == rules.unpadded(file.header.bank_code)
                and c.service_code and rules.unpadded(c.service_code) in codes]
    return matching[0] if len(matching) == 1 else None


def _decisions(portfolio, file, convenio) -> tuple[list[rules.Decision], list[list[tuple]]]:
    return _reference_decisions(portfolio, [d.reference for d in file.details],
                                asobancaria.REFERENCE_WIDTH[file.layout], convenio)


def _reference_decisions(portfolio, references: list[str], width: int,
                         convenio) -> tuple[list[rules.Decision], list[list[tuple]]]:
    """For each reference, the one debtor (and obligation) it names (rules.decide, or the reason's code why not):
    through the convenio's layout, or, without one, the whole reference tried as every kind of reference
    (set-based: a few queries for the whole list); and what it named, as (kind, value, Target), for the scoring
    of the lines without a decision."""
    kind = selectors.reference_kind(portfolio)
    segments = [rules.Segment(**s) for s in convenio.reference_layout] if convenio else []
    split = [rules.split_reference(r, segments, width) for r in references]
    widths = {s.field: s.length for s in segments}

    def kind_of(name):
        return kind if name == rules.REFERENCE else name

    # each line: {field: value}; with a layout the fields are the segments', without one the whole reference is
    # tried as every kind
    tries = []
    for values in split:
        if segments:
            tries.append({f: v for f, v in values.items() if f in rules.IDENTIFYING and v})
        else:
            whole = values[rules.REFERENCE]
            tries.append({k: whole for k in rules.REFERENCE_KINDS} if whole else {})
    wanted: dict[str, dict[str, int]] = {k: {} for k in rules.REFERENCE_KINDS}
    for values in tries:
        for f, v in values.items():
            wanted[kind_of(f)][v] = widths.get(f, width)
    found = {k: selectors.targets(portfolio, k, w) for k, w in wanted.items()}
    decisions, hits = [], []
    for values in tries:
        hits.append([(kind_of(f), v, t) for f, v in values.items() for t in found[kind_of(f)].get(v, [])])
        # a layout's generated-reference segment with a wrong check digit (without a layout the whole reference is
        # only tried as a generated one among the other kinds: a wrong digit there just finds nothing)
        bad_digit = [f for f, v in values.items()
                     if kind_of(f) == rules.GENERATED and not rules.luhn_valid(v)] if segments else []
        if bad_digit:
            decisions.append(rules.Decision(None, "wrong_check_digit",
                                            (("field", bad_digit[0]), ("value", values[bad_digit[0]]))))
            continue
        matches = {f: found[kind_of(f)].get(v, []) for f, v in values.items()}
        decisions.append(rules.decide(matches, each_must_match=bool(segments)))
    return decisions, hits


CHUNK = 2000  # lines applied per transaction


def bank_file_import(*, portfolio: Portfolio, content: bytes, layout: str = "auto", convenio_name: str = "",
                     dry_run: bool = False, actor=None, progress=None) -> ImportResult:
    """Import a bank collection file: read it and check its record order and every control (asobancaria.read);
    a file with any problem is refused whole (BankingError listing them) and nothing is applied. Then each
    detail whose reference names exactly one debtor (and at most one obligation) is received as a payment through
    agreements' payments_receive (payment_receive's path, a chunk at a time), with the bank's date; the others wait
    as queued bank lines. Every detail has an idempotency key (source_keys): one already applied or queued is a
    duplicate and changes nothing.

    The lines are applied CHUNK at a time, each chunk its own transaction (inside the caller's, if any), so a file
    of 100,000 payments holds no lock for minutes and its memory stays bounded: a failure midway (a crash, the
    server stopping) leaves the chunks already applied applied, and importing the file again applies the rest
    (the applied lines are duplicates). The file's audit event is written at the end. dry_run: the same result,
    nothing kept (everything in one transaction, rolled back). `progress(stage, done, total)`, if given, is called
    after reading ("read"), after matching ("match") and after each chunk ("apply")."""
    if len(content) > MAX_FILE_BYTES:
        raise BankingError(_("the file is larger than %(mb)d MB") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
                           field="file")
    if layout not in ("auto", *asobancaria.LAYOUTS):
        raise BankingError(_("unknown layout %(layout)r (use auto, %(known)s)")
                           % {"layout": layout, "known": ", ".join(asobancaria.LAYOUTS)}, field="layout")
    if dry_run:
        with transaction.atomic():
            result = _import(portfolio, content, layout, convenio_name, True, actor, progress)
            transaction.set_rollback(True)
        return result
    return _import(portfolio, content, layout, convenio_name, False, actor, progress)


def _import(portfolio, content, layout, convenio_name, dry_run, actor, progress) -> ImportResult:
    def report(stage, done, total):
        if progress:
            progress(stage, done, total)

    reading = asobancaria.read(content, layout)
    if reading.problems:
        raise BankingError(field="file", problems=[str(p) for p in reading.problems])
    file = reading.file
    details = file.details
    report("read", len(details), len(details))
    convenio = _convenio_for(portfolio, file, convenio_name)
    if convenio is not None:
        problems = _check_convenio(file, convenio)
        if problems:
            raise BankingError(field="convenio", problems=problems)
    sha = hashlib.sha256(content if isinstance(content, bytes) else content.encode()).hexdigest()
    result = ImportResult(layout=file.layout, file_sha256=sha, bank_date=file.header.collection_date,
                          dry_run=dry_run)
    keys = source_keys(file)
    known = selectors.known_keys(portfolio, keys)
    decisions, hits = _decisions(portfolio, file, convenio)
    # the lines no reference names exactly one debtor of are scored (matching), all at once
    to_score = [i for i, (d, key) in enumerate(zip(decisions, keys, strict=True))
                if d.target is None and key not in known and details[i].amount_cents > 0]
    scored = selectors.line_candidates(portfolio, [
        selectors.LineToScore(amount_minor=_minor(details[i].amount_cents, portfolio), reference_hits=hits[i])
        for i in to_score])
    candidates = dict(zip(to_score, scored, strict=True))
    user = actor if actor is not None and not isinstance(actor, str) else None
    threshold = selectors.auto_apply_score(portfolio)
    report("match", len(keys), len(keys))
    todo = []
    for index, (detail, key, decision) in enumerate(zip(details, keys, decisions, strict=True)):
        outcome = LineOutcome(line=detail.line, reference=rules.unpadded(detail.reference),
                              amount_cents=detail.amount_cents, outcome="duplicate")
        result.lines.append(outcome)
        if key in known:
            continue
        known.add(key)
        found = candidates.get(index, [])
        todo.append(_Todo(outcome, detail, key, decision, found, *_line_target(
            _minor(detail.amount_cents, portfolio), decision, found, threshold)))
    del keys, decisions, known, candidates
    context = _Context(portfolio, convenio, file, sha, user, actor, threshold)
    own_transactions = not connection.in_atomic_block  # each chunk commits by itself
    with fewer_collections():
        _apply_all(context, todo, own_transactions, report)
    summary = result.summary()
    # a synchronous commit (the default): it also waits for the chunks' commits, made without waiting
    with transaction.atomic():
        audit_record(event_type="banking.file_imported", subject=portfolio, actor=actor, portfolio=portfolio,
                     changes={k: v for k, v in summary.items() if k != "dry_run"}
                     | {"convenio": convenio.name if convenio else ""})
    return result


WORKERS = 2  # PostgreSQL, more than one core: threads applying a file's chunks at once (decision 0014)
SWITCH_INTERVAL = 0.0005  # seconds: Python's thread switch interval while they run (_quick_handovers)
ANALYZE_AFTER = (1, 4, 16)  # chunks applied, after which the grown tables' statistics are refreshed (_analyze)


def _apply_all(context: _Context, todo: list[_Todo], own_transactions: bool, report) -> None:
    """The lines to apply, CHUNK at a time, each chunk its own transaction (_apply_chunk_committed). On PostgreSQL,
    when the chunks are top-level transactions, by WORKERS threads at once (_apply_parallel); else one after the
    other."""
    if own_transactions and connection.vendor == "postgresql" and min(WORKERS, os.cpu_count() or 1) > 1 \
            and len(todo) > CHUNK:
        _apply_parallel(context, todo, report)
        return
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start:start + CHUNK]
        _apply_chunk_committed(context, chunk, own_transactions)
        collect_young()
        report("apply", start + len(chunk), len(todo))
        if start // CHUNK + 1 in ANALYZE_AFTER:
            _analyze()
    if len(todo) > CHUNK:
        _analyze()


def _apply_chunk_committed(context: _Context, chunk: list[_Todo], own_transactions: bool) -> None:
    """One chunk in its own transaction. On PostgreSQL, when the chunks are top-level transactions, each commits
    without waiting for its WAL to reach the disk (synchronous_commit off, as the imports' transaction): a crash in
    that fraction of a second loses whole chunks, never part of one, and importing the file again applies them
    (their keys are not taken); the file's audit event is committed synchronously after the last chunk, which
    flushes theirs, so a finished import is on disk."""
    try:
        with transaction.atomic():
            if own_transactions and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            _apply_chunk(context, chunk)
    except (IntegrityError, DomainError):
        # A concurrent import took some of these lines, or a payment's rules refused it midway: the chunk is
        # undone and its lines go one by one, each in its own savepoint (what fails is queued or skipped).
        for item in chunk:
            item.outcome.outcome, item.outcome.reason, item.outcome.payment_id = "duplicate", "", None
            _apply_one(context, item)


def _apply_parallel(context: _Context, todo: list[_Todo], report) -> None:
    """PostgreSQL: the chunks applied by WORKERS threads at once, each with its own connection and its own
    transaction per chunk, so that one thread's Python work runs while the other's statements run on the server
    (the import used one of the two cores at a time). The lines are shared out by the debtor they go to
    (_Todo.target, _line_target's choice made once per line), so no two threads write the same debtor (no lock
    waits, no deadlock) and a debtor's lines keep the file's order; lines that go to nobody are shared out evenly.
    Receipts stay consecutive, with no gap and no repeat (the counter row is locked per chunk); across threads they
    are numbered in the order the chunks commit. Progress is reported, and statistics refreshed, from the calling
    thread. A failure in one thread stops the others after their current chunk; the chunks committed stay, as in
    one thread, and the error is raised."""
    groups: list[list] = [[] for _n in range(WORKERS)]
    nobody = 0
    for item in todo:
        debtor_id = item.target.debtor_id if item.target is not None else None
        if debtor_id is None:
            debtor_id, nobody = nobody, nobody + 1
        groups[debtor_id % WORKERS].append(item)
    done_queue: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work(items: list) -> None:
        try:
            for start in range(0, len(items), CHUNK):
                if stop.is_set():
                    return
                chunk = items[start:start + CHUNK]
                _apply_chunk_committed(context, chunk, True)
                collect_young(every_generation=True)  # else two threads' garbage peaked at 706 MB (decision 0014)
                done_queue.put(len(chunk))
        except BaseException:
            stop.set()
            raise
        finally:
            done_queue.put(None)
            connections.close_all()  # this thread's connections

    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="bank-file") as pool, _quick_handovers():
        futures = [pool.submit(work, items) for items in groups if items]
        running, done, chunks = len(futures), 0, 0
        try:
            while running:
                size = done_queue.get()
                if size is None:
                    running -= 1
                    continue
                done, chunks = done + size, chunks + 1
                report("apply", done, len(todo))
                if chunks in ANALYZE_AFTER:
                    _analyze()
        except BaseException:  # the progress callback failed: the threads stop after their current chunk
            stop.set()
            raise
        for future in futures:
            future.result()  # a thread's error, raised here
    _analyze()


@contextmanager
def _quick_handovers():
    """Python's switch interval at SWITCH_INTERVAL while the threads run. With the default (5 ms) a thread whose
    statement has returned waits for the other, busy in Python, to give up the interpreter, at every read and write
    of its connection: the server's work then queued behind the Python work instead of running beside it (apply
    took 92 s with two threads, 94 s with one; 63 s with 0.5 ms)."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _analyze() -> None:
    """PostgreSQL: refresh the planner's statistics of the tables a file grows, looked up by key in each chunk
    (payments by source reference and debtor, receipts, bank lines): planned from statistics taken when they were
    small, those look-ups scan the table, each chunk slower than the one before (decision 0004, the imports' same
    cure). After the 1st, 4th and 16th chunk and at the end."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Payment, Receipt, BankLine):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


@dataclass
class _Context:
    portfolio: Portfolio
    convenio: Convenio | None
    file: asobancaria.CollectionFile
    sha: str
    user: object
    actor: object
    threshold: int  # the portfolio's auto-apply score


@dataclass(slots=True)
class _Todo:
    """A collection-file line to apply: its outcome (filled in when applied), detail, key, the reference's decision
    and the scored candidates, and whom its payment goes to (_line_target's choice, made once: the threads share
    the lines out by it) or, when nobody, the reason's code and parameters."""

    outcome: LineOutcome
    detail: asobancaria.Detail
    key: str
    decision: rules.Decision
    found: list
    target: rules.Target | None
    code: str
    params: tuple


def _apply_chunk(context: _Context, chunk: list[_Todo]) -> None:
    """A chunk's lines at once: the payments of those that name one debtor (or whose best scored candidate reaches
    the threshold clearly, _line_target) through payments_receive, then every line's BankLine (bulk) with its
    suggestions and, when it waits, its reason code; a line whose key a payment already carries is skipped
    (_AlreadyPaid's case)."""
    lines = _bank_lines_build(context, [(item.detail, item.key) for item in chunk])
    wanted: list[tuple[int, PaymentIn]] = []
    for position, (item, line) in enumerate(zip(chunk, lines, strict=True)):
        line.suggestions = [c.as_json() for c in item.found]
        target = item.target
        if target is not None:
            wanted.append((position, PaymentIn(
                debtor_id=target.debtor_id, obligation_id=target.obligation_id, minor=line.amount_minor,
                source_ref=line.source_key, reference=(rules.unpadded(line.reference) or line.reference)[:100],
                method=_line_method(line))))
        else:
            line.reason_code, line.reason_params = item.code, dict(item.params)
    outs = payments_receive(portfolio=context.portfolio, payments=[p for _position, p in wanted],
                            date=context.file.header.collection_date, source=Payment.Source.BANK_FILE,
                            actor=context.actor)
    skipped = set()
    for (position, _payment), out in zip(wanted, outs, strict=True):
        line = lines[position]
        if out.error is not None:  # the payment's own rules (a date after the portfolio's today...)
            line.reason_code, line.reason_params = "payment_refused", {"message": out.error.message[:250]}
            line.reason = out.error.message[:300]
        elif not out.created:
            skipped.add(position)
        else:
            line.status, line.payment = BankLine.Status.APPLIED, out.payment
    insert_instances([line for i, line in enumerate(lines) if i not in skipped])
    for position, (item, line) in enumerate(zip(chunk, lines, strict=True)):
        if position not in skipped:
            item.outcome.outcome, item.outcome.reason, item.outcome.payment_id = (line.status, line.reason_text,
                                                                                  line.payment_id)


def _apply_one(context: _Context, item: _Todo) -> None:
    """One line in its own savepoint: its BankLine first (a key another import took meanwhile: skipped), then its
    payment through payment_receive, or queued."""
    outcome, detail, key, decision, found = item.outcome, item.detail, item.key, item.decision, item.found
    debtor_ids = {c.debtor_id for c in found} | ({decision.target.debtor_id} if decision.target else set())
    obligation_ids = {c.obligation_id for c in found if c.obligation_id} | (
        {decision.target.obligation_id} if decision.target and decision.target.obligation_id else set())
    try:
        with transaction.atomic():
            line = _bank_lines_build(context, [(detail, key)])[0]
            line.save(force_insert=True)
            _apply(line, decision, found, context.threshold, Debtor.objects.in_bulk(debtor_ids),
                   Obligation.objects.in_bulk(obligation_ids), context.actor)
    except (IntegrityError, _AlreadyPaid):  # read meanwhile by a concurrent import of the same line
        return
    outcome.outcome, outcome.reason = line.status, line.reason_text
    outcome.payment_id = line.payment_id


class _AlreadyPaid(Exception):
    """A payment with the line's key exists without its bank line: nothing is kept for the line."""


def _bank_lines_build(context: _Context, details: list[tuple]) -> list[BankLine]:
    """The BankLines of (detail, key) pairs, not saved yet, queued (core.bulk.new_instances: a chunk's thousands
    of lines at once)."""
    file, portfolio = context.file, context.portfolio
    header = file.header
    common = {"convenio_id": context.convenio.pk if context.convenio else None, "layout": file.layout,
              "file_sha256": context.sha, "bank_date": header.collection_date, "bank_code": header.bank_code[:3],
              "status": BankLine.Status.QUEUED, "created_by_id": context.user.pk if context.user else None}
    return new_instances(BankLine, (
        {**common, "source_key": key, "line_number": detail.line, "service_code": detail.service_code[:13],
         "reference": detail.reference[:48], "amount_minor": _minor(detail.amount_cents, portfolio),
         "origin": detail.origin.strip()[:2], "channel": detail.channel.strip()[:2],
         "operation": detail.operation[:6], "authorization": detail.authorization[:6],
         "debited_bank": detail.debited_bank[:3], "branch": detail.branch[:4], "sequence": detail.sequence[:7]}
        for detail, key in details), cached={"portfolio": portfolio})


def bank_lines_match(*, portfolio: Portfolio, lines: list[BankLine], actor=None) -> None:
    """Score and apply (or queue) bank lines already saved as queued, such as a statement's (kind statement): each
    line's reference is tried whole, without padding zeros, as an obligation number, a debtor code, a national ID
    and a generated reference; its description's tokens and its payer's name are scored too (matching). The best
    candidate is applied when it reaches the portfolio's auto-apply score clearly (matching.choose); the others wait
    with their suggestions and reason code. Call it inside the import's transaction; the payments' source is the
    line's (statement or bank file), their source_ref the line's key."""
    lines = [line for line in lines if line.status == BankLine.Status.QUEUED]
    if not lines:
        return
    hits = selectors.reference_hits(portfolio, [line.reference for line in lines])
    scored = selectors.line_candidates(portfolio, [
        selectors.LineToScore(amount_minor=line.amount_minor, reference_hits=found, description=line.description,
                              payer_name=line.payer_name) for line, found in zip(lines, hits, strict=True)])
    debtors = Debtor.objects.in_bulk({c.debtor_id for found in scored for c in found})
    obligations = Obligation.objects.in_bulk({c.obligation_id for found in scored for c in found if c.obligation_id})
    threshold = selectors.auto_apply_score(portfolio)
    for line, found in zip(lines, scored, strict=True):
        with transaction.atomic():
            try:
                _apply(line, rules.Decision(None), found, threshold, debtors, obligations, actor)
            except _AlreadyPaid:
                line.reason_code, line.reason_params = "payment_refused", {}
                line.save(update_fields=["reason_code", "reason_params"])


def _minor(cents: int, portfolio) -> int:
    return to_minor(Decimal(cents) / 100, portfolio.currency)


def _line_target(amount_minor: int, decision: rules.Decision, candidates: list, threshold: int):
    """Whom the line's payment goes to (a rules.Target, or None) and, when nobody, why (a reason code and its
    parameters): the debtor its reference names, else its best scored candidate when it reaches the threshold
    clearly (matching.choose); a zero amount goes to nobody."""
    target, code, params = decision.target, decision.code, decision.params
    if amount_minor <= 0:
        return None, "zero_amount", ()
    if target is None and candidates:
        choice = matching.choose(candidates, threshold)
        if code in ("", "no_reference", "names_nothing"):  # else the reference's reason (two debtors...) says more
            code, params = choice.code, choice.params
        if choice.candidate is not None:
            target = rules.Target(choice.candidate.debtor_id, choice.candidate.obligation_id)
    return target, code, params


def _apply(line: BankLine, decision: rules.Decision, candidates: list, threshold: int, debtors, obligations,
           actor) -> None:
    """Receive the line's payment when its reference names one debtor (a collection file's line), or when its
    best scored candidate reaches the portfolio's threshold clearly (matching.choose); else leave it queued with
    its suggestions and the reason's code."""
    line.suggestions = [c.as_json() for c in candidates]
    target, code, params = _line_target(line.amount_minor, decision, candidates, threshold)
    if target is not None:
        try:
            with transaction.atomic():
                payment, created = payment_receive(
                    portfolio=line.portfolio, debtor=debtors[target.debtor_id],
                    amount=from_minor(line.amount_minor, line.portfolio.currency), date=line.bank_date,
                    source=_payment_source(line), source_ref=line.source_key,
                    reference=(rules.unpadded(line.reference) or line.reference)[:100], method=_line_method(line),
                    obligation=obligations.get(target.obligation_id), actor=actor)
        except DomainError as exc:  # the payment's own rules (a date after the portfolio's today...)
            code, params = "payment_refused", (("message", exc.message[:250]),)
            line.reason = exc.message[:300]
        else:
            if not created:
                raise _AlreadyPaid
            line.status, line.payment = BankLine.Status.APPLIED, payment
            line.save(update_fields=["status", "payment", "suggestions"])
            return
    line.reason_code, line.reason_params = code, dict(params)
    line.save(update_fields=["reason", "reason_code", "reason_params", "suggestions"])


def _payment_source(line: BankLine) -> str:
    return Payment.Source.STATEMENT if line.kind == BankLine.Kind.STATEMENT else Payment.Source.BANK_FILE


# --- importing a bank statement ----------------------------------------------------------------------------------

IMPORT_LAYOUTS = ("auto", *asobancaria.LAYOUTS, *statements.LAYOUTS)


def _fold(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _account_key(account: str) -> str:
    return rules.unpadded("".join(ch for ch in (account or "") if ch.isalnum()).upper())


def statement_keys(lines: list[statements.Line]) -> list[str]:
    """Each statement line's idempotency key, "stmt:" + a SHA-256 of: the account and the bank's transaction id
    when the line has one; else the account, the booking date, the reference without padding zeros (the
    description when there is no reference), the amount and the counterparty, normalised (blanks collapsed, no
    case). Identical lines in one file get -2, -3... in order, so they count as distinct payments."""
    seen: Counter = Counter()
    keys = []
    for line in lines:
        account = _account_key(line.account)
        if line.transaction_id:
            text = "|".join(["id", account, line.transaction_id.strip()])
        else:
            text = "|".join(["line", account, line.booking_date.isoformat(),
                             rules.unpadded(_fold(line.reference)) or "d:" + _fold(line.description),
                             str(line.amount.quantize(Decimal("0.01"))), _fold(line.payer_name)])
        digest = hashlib.sha256(text.encode()).hexdigest()
        seen[digest] += 1
        keys.append(f"stmt:{digest}" + (f"-{seen[digest]}" if seen[digest] > 1 else ""))
    return keys


def _statement_decisions(portfolio, lines: list[statements.Line],
                         convenio) -> tuple[list[rules.Decision], list[list[tuple]]]:
    """Which debtor (and obligation) each credit line's reference names (through the convenio's layout, or the
    whole reference tried as obligation number, debtor code, national ID and generated reference), and what it
    named; the lines it does not name exactly are scored (matching: the description, the amount, the payer)."""
    return _reference_decisions(portfolio, [line.reference for line in lines], rules.MAIN_REFERENCE_LENGTH,
                                convenio)


def _statement_method(layout: str) -> str:
    return (_("Bank statement %(layout)s") % {"layout": layout.upper()})[:40]


def _mapping_for(portfolio, name: str) -> StatementMapping:
    if name:
        mapping = selectors.statement_mapping_by_name(portfolio, name)
        if mapping is None:
            raise BankingError(_("no statement mapping %(name)r in this portfolio") % {"name": name},
                               field="mapping")
        return mapping
    mappings = selectors.statement_mappings(portfolio)
    if len(mappings) != 1:
        raise BankingError(_("choose the statement mapping of this file (the portfolio has %(n)d)")
                           % {"n": len(mappings)}, field="mapping")
    return mappings[0]


def _mapping_spec(mapping: StatementMapping) -> statements.Mapping:
    return statements.Mapping(**{name: getattr(mapping, name) for name in statements.MAPPING_FIELDS})


def _where(layout: str, line: statements.Line) -> str:
    if layout in statements.MAPPED:
        return _("row %(row)d") % {"row": line.line}
    if layout == statements.MT940:
        return _("line %(n)d") % {"n": line.line}
    return _("movement %(n)d") % {"n": line.line}


def _statement_problems(portfolio, statement: statements.Statement) -> list[str]:
    """What the portfolio cannot take: a movement in another currency, an amount with more decimals than the
    currency has or beyond the largest amount."""
    problems = []
    currency = portfolio.currency
    digits = min(precision(currency), 2)
    for line in statement.lines:
        where = _where(statement.layout, line)
        if line.currency and line.currency != currency:
            problems.append(_("%(where)s, currency: the movement is in %(currency)s and the portfolio in %(own)s")
                            % {"where": where, "currency": line.currency, "own": currency})
        elif line.amount != line.amount.quantize(Decimal(1).scaleb(-digits)):
            problems.append(_("%(where)s, amount: %(amount)s has more than %(n)d decimals")
                            % {"where": where, "amount": line.amount, "n": digits})
        elif abs(to_minor(line.amount, currency)) > MAX_MINOR:
            problems.append(_("%(where)s, amount: %(amount)s is more than the largest amount")
                            % {"where": where, "amount": line.amount})
        if len(problems) >= 200:
            break
    return problems


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


@transaction.atomic
def bank_statement_import(*, portfolio: Portfolio, content: bytes, layout: str = "auto", mapping_name: str = "",
                          convenio_name: str = "", dry_run: bool = False, actor=None,
                          progress=None) -> ImportResult:
    """Import a bank statement (CSV or XLSX through a saved mapping, OFX, CAMT.053 or MT940): read it
    (statements.read); a file with any problem, a movement in another currency than the portfolio's or an
    amount out of bounds refuses it whole (BankingError listing them) and nothing is kept. Debits (money out) and
    zero lines are counted and skipped. Each credit is kept once as a statement bank line (statement_keys: a
    line already read is a duplicate and changes nothing) and received as a payment (source statement) when
    _statement_decisions names one debtor, else it waits for review. dry_run: the same result, nothing kept.
    `progress(stage, done, total)`, if given, is told the stages (one transaction: others see it at the end)."""
    if len(content) > MAX_FILE_BYTES:
        raise BankingError(_("the file is larger than %(mb)d MB") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
                           field="file")
    if layout not in ("auto", *statements.LAYOUTS):
        raise BankingError(_("unknown statement layout %(layout)r (use auto, %(known)s)")
                           % {"layout": layout, "known": ", ".join(statements.LAYOUTS)}, field="layout")
    if layout == "auto":
        layout = statements.detect_layout(content) or statements.CSV
    mapping = _mapping_for(portfolio, mapping_name) if layout in statements.MAPPED else None
    reading = statements.read(content, layout, _mapping_spec(mapping) if mapping else None)
    if reading.problems:
        raise BankingError(field="file", problems=[str(p) for p in reading.problems])
    statement = reading.statement
    convenio = None
    if convenio_name:
        convenio = selectors.convenio_by_name(portfolio, convenio_name)
        if convenio is None:
            raise BankingError(_("no convenio %(name)r in this portfolio") % {"name": convenio_name},
                               field="convenio")
    problems = _statement_problems(portfolio, statement)
    if problems:
        raise BankingError(field="file", problems=problems)
    sha = hashlib.sha256(content).hexdigest()
    credits = [line for line in statement.lines if line.amount > 0]
    skipped = [line for line in statement.lines if line.amount <= 0]
    result = ImportResult(layout=statement.layout, file_sha256=sha,
                          bank_date=max((line.booking_date for line in statement.lines), default=None),
                          dry_run=dry_run, debits_skipped=len(skipped),
                          debits_skipped_total_cents=sum(-_cents(line.amount) for line in skipped))
    keys = statement_keys(credits)
    known = selectors.known_keys(portfolio, keys)
    decisions, hits = _statement_decisions(portfolio, credits, convenio)
    # the credits no reference names exactly one debtor of are scored: reference, description, amount, payer
    to_score = [i for i, (d, key) in enumerate(zip(decisions, keys, strict=True)) if d.target is None
                and key not in known]
    scored = selectors.line_candidates(portfolio, [
        selectors.LineToScore(amount_minor=to_minor(credits[i].amount, portfolio.currency), reference_hits=hits[i],
                              description=credits[i].description, payer_name=credits[i].payer_name)
        for i in to_score])
    candidates = dict(zip(to_score, scored, strict=True))
    threshold = selectors.auto_apply_score(portfolio)
    wanted_debtors = {d.target.debtor_id for d in decisions if d.target}
    wanted_obligations = {d.target.obligation_id for d in decisions if d.target and d.target.obligation_id}
    for found in scored:
        wanted_debtors |= {c.debtor_id for c in found}
        wanted_obligations |= {c.obligation_id for c in found if c.obligation_id}
    debtors = Debtor.objects.in_bulk(wanted_debtors)
    obligations = Obligation.objects.in_bulk(wanted_obligations)
    user = actor if actor is not None and not isinstance(actor, str) else None
    for index, (item, key, decision) in enumerate(zip(credits, keys, decisions, strict=True)):
        if progress and index % 500 == 0:
            progress("apply", index, len(credits))
        outcome = LineOutcome(line=item.line, reference=rules.unpadded(item.reference),
                              amount_cents=_cents(item.amount), outcome="duplicate",
                              description=item.description[:300])
        result.lines.append(outcome)
        if key in known:
            continue
        known.add(key)
        try:
            with transaction.atomic():
                line = _statement_line(portfolio, convenio, statement, item, key, sha, user)
                _apply(line, decision, candidates.get(index, []), threshold, debtors, obligations, actor)
        except (IntegrityError, _AlreadyPaid):  # read meanwhile by a concurrent import of the same line
            continue
        outcome.outcome, outcome.reason = line.status, line.reason_text
        outcome.payment_id = line.payment_id
    summary = result.summary()
    audit_record(event_type="banking.statement_imported", subject=portfolio, actor=actor, portfolio=portfolio,
                 changes={k: v for k, v in summary.items() if k != "dry_run"}
                 | {"convenio": convenio.name if convenio else "", "mapping": mapping.name if mapping else ""})
    if dry_run:
        transaction.set_rollback(True)
    return result


def _statement_line(portfolio, convenio, statement, item: statements.Line, key, sha, user) -> BankLine:
    return BankLine.objects.create(
        portfolio=portfolio, convenio=convenio, source_key=key, kind=BankLine.Kind.STATEMENT,
        layout=statement.layout, file_sha256=sha, line_number=item.line, bank_date=item.booking_date,
        reference=item.reference[:48], amount_minor=to_minor(item.amount, portfolio.currency),
        transaction_id=item.transaction_id[:80], description=item.description[:300],
        payer_name=item.payer_name[:120], status=BankLine.Status.QUEUED, created_by=user)


def looks_like_asobancaria(content: bytes) -> bool:
    """Whether a file is an Asobancaria collection file rather than a statement: its first line is a file header
    (01) whose first 20 characters are digits (a CSV's first line is a header or a title)."""
    first = next((line for line in asobancaria.decode(content[:2048]).splitlines() if line.strip()), "")
    return first.startswith("01") and len(first) >= 20 and first[:20].isdigit()


def bank_import(*, portfolio: Portfolio, content: bytes, layout: str = "auto", mapping_name: str = "",
                convenio_name: str = "", dry_run: bool = False, actor=None, progress=None) -> ImportResult:
    """Import any bank file: an Asobancaria collection file (bank_file_import) or a statement
    (bank_statement_import). layout auto: Asobancaria when the file starts with a file header 01 and no mapping
    is named, OFX, CAMT.053, MT940 and XLSX by their content, else CSV through the mapping. `progress(stage,
    done, total)`, if given, hears how far the import got."""
    if layout not in IMPORT_LAYOUTS:
        raise BankingError(_("unknown layout %(layout)r (use %(known)s)")
                           % {"layout": layout, "known": ", ".join(IMPORT_LAYOUTS)}, field="layout")
    if layout in asobancaria.LAYOUTS or (layout == "auto" and not mapping_name
                                         and statements.detect_layout(content) is None
                                         and looks_like_asobancaria(content)):
        return bank_file_import(portfolio=portfolio, content=content, layout=layout, convenio_name=convenio_name,
                                dry_run=dry_run, actor=actor, progress=progress)
    return bank_statement_import(portfolio=portfolio, content=content, layout=layout, mapping_name=mapping_name,
                                 convenio_name=convenio_name, dry_run=dry_run, actor=actor, progress=progress)


MAPPING_DEFAULTS = {name: f.default for name, f in statements.Mapping.__dataclass_fields__.items()
                    if name != "date_column"}


@transaction.atomic
def statement_mapping_save(*, portfolio: Portfolio, name: str, actor=None, **values) -> StatementMapping:
    """Create or change the portfolio's statement mapping called `name` (the fields of statements.Mapping; the
    ones not given keep their value, or their default on a new mapping). BankingError lists every problem."""
    name = " ".join((name or "").split())
    if not name or len(name) > 60:
        raise BankingError(_("a statement mapping needs a name of up to 60 characters"), field="name")
    unknown = set(values) - set(statements.MAPPING_FIELDS)
    if unknown:
        raise BankingError(_("unknown mapping fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    mapping = StatementMapping.objects.select_for_update().filter(portfolio=portfolio, name=name).first()
    current = {n: getattr(mapping, n) for n in statements.MAPPING_FIELDS} if mapping else \
        {"date_column": "", **MAPPING_DEFAULTS}
    merged = {**current, **{k: v for k, v in values.items() if v is not None}}
    for key in statements.MAPPING_FIELDS:
        if isinstance(merged[key], str) and key != "separator":
            merged[key] = merged[key].strip()
    if merged["separator"] == "\\t":
        merged["separator"] = "\t"
    problems = statements.mapping_problems(statements.Mapping(**merged))
    if problems:
        raise BankingError(field="mapping", problems=problems)
    created = mapping is None
    if created:
        mapping = StatementMapping(portfolio=portfolio, name=name)
    for key, value in merged.items():
        setattr(mapping, key, value)
    mapping.save()
    audit_record(event_type="banking.statement_mapping_saved", subject=mapping, actor=actor, portfolio=portfolio,
                 changes={"name": name, "created": created, **{k: v for k, v in merged.items()
                                                               if v != current.get(k) or created}})
    return mapping


# --- the billing file --------------------------------------------------------------------------------------------

@dataclass
class BillingFile:
    text: str
    obligations: int
    total_cents: int
    skipped: list[str]  # "FV-12: why", obligations left out


def billing_refusal(count: int, first: str, kind: str, has_layout: bool) -> str:
    """Why no obligation went in a billing file, and what to do: a bank's reference is digits only."""
    message = ngettext("No obligation could go in the billing file: the only open one was left out (%(first)s).",
                       "No obligation could go in the billing file: all %(n)s open ones were left out (first: "
                       "%(first)s).", count) % {"n": format_number(count), "first": first}
    if has_layout:
        return message + " " + _("Check the convenio's reference layout: each of its fields must be digits that "
                                 "fit its positions.")
    if kind != rules.GENERATED:
        return message + " " + _("A bank reference holds digits only, and the portfolio's payment reference is "
                                 "%(kind)s: where those have letters, choose the generated reference (digits "
                                 "with a check digit) under Payment reference on the Convenios page, then generate "
                                 "the missing references.") % {"kind": rules.field_label(kind)}
    return message


@transaction.atomic
def billing_file_build(*, portfolio: Portfolio, convenio_name: str, actor=None) -> BillingFile:
    """The billing file (company -> bank) of a convenio: every open obligation with a balance, its main reference
    composed by the convenio's layout (rules.compose_reference), its due date and balance. An obligation whose
    reference cannot be written (letters in a numeric field, too long) is left out and named. Audited (it carries
    names and IDs)."""
    convenio = selectors.convenio_by_name(portfolio, convenio_name)
    if convenio is None:
        raise BankingError(_("no convenio %(name)r in this portfolio") % {"name": convenio_name}, field="convenio")
    if not convenio.company_nit or not convenio.service_code:
        raise BankingError(_("the convenio needs the company's NIT and the service code to write a billing file"),
                           field="convenio")
    kind = selectors.reference_kind(portfolio)
    segments = [rules.Segment(**s) for s in convenio.reference_layout]
    generated = dict(PaymentReference.objects.filter(portfolio=portfolio, obligation__isnull=False)
                     .values_list("obligation_id", "value"))
    details, skipped = [], []
    rows = (Obligation.objects.filter(portfolio=portfolio, status=Obligation.Status.OPEN, balance_minor__gt=0)
            .select_related("debtor").order_by("due_date", "number"))
    for obligation in rows:
        debtor = obligation.debtor
        values = {rules.OBLIGATION_NUMBER: obligation.number, rules.DEBTOR_CODE: debtor.code,
                  rules.NATIONAL_ID: debtor.id_number, rules.GENERATED: generated.get(obligation.id, ""),
                  rules.PERIOD: obligation.due_date.strftime("%Y%m")[-4:]}
        values[rules.REFERENCE] = values[kind]
        values = {k: rules.unpadded(v) if k != rules.PERIOD else v for k, v in values.items()}
        try:
            reference = rules.compose_reference(values, segments)
        except rules.ReferenceError as exc:
            skipped.append(f"{obligation.number}: {exc.message}")
            continue
        cents = int(from_minor(obligation.balance_minor, portfolio.currency) * 100)
        details.append(asobancaria.BillingDetail(
            reference=reference, amount_cents=cents, due_date=obligation.due_date,
            secondary_reference=debtor.code, customer_id=debtor.id_number, customer_name=debtor.name))
    if skipped and not details:  # an empty file the bank would take as "nothing to collect"
        raise BankingError(billing_refusal(len(skipped), skipped[0], kind, bool(segments)), field="convenio")
    now = timezone.localtime()
    text = asobancaria.write_billing(nit=rules.unpadded(convenio.company_nit) or "0", bank_code=convenio.bank_code,
                                     service_code=convenio.service_code, service_name=portfolio.name,
                                     created=portfolio.today(), time=now.strftime("%H%M"), details=details)
    result = BillingFile(text=text, obligations=len(details), total_cents=sum(d.amount_cents for d in details),
                         skipped=skipped)
    audit_record(event_type="banking.billing_file", subject=convenio, actor=actor, portfolio=portfolio,
                 changes={"obligations": result.obligations, "total_cents": result.total_cents,
                          "skipped": len(skipped)})
    return result


# --- the reconciliation queue ------------------------------------------------------------------------------------

MAX_REASON = 300


class BankingNotAllowed(BankingError, NotAllowed):
    """Only a supervisor or an administrator of the portfolio handles its bank lines."""


def _require_supervising(actor, portfolio: Portfolio) -> None:
    if actor is None or isinstance(actor, str) or role_in(actor, portfolio) not in SUPERVISING_ROLES:
        raise BankingNotAllowed(_("only a supervisor or an administrator of the portfolio handles bank lines"))


def _queued_line(portfolio: Portfolio, line_id: int) -> BankLine:
    """The portfolio's bank line, locked; BankLine.DoesNotExist when it is not the portfolio's."""
    return BankLine.objects.select_for_update().get(portfolio=portfolio, pk=line_id)


def _handled_error(line: BankLine) -> BankingError:
    return BankingError(_("this bank line was already handled (%(status)s)") % {"status": line.get_status_display()},
                        field="line")


def _resolve(portfolio: Portfolio, debtor_query: str, obligation_number: str, part: int | None = None):
    """The debtor (and obligation) a person named: `debtor_query` a code, national ID or obligation number that
    names exactly one debtor; `obligation_number` optionally one of its obligations. BankingError at the field,
    naming the part of a split."""
    def error(message, field):
        if part is not None:
            message = _("part %(n)d: %(message)s") % {"n": part, "message": message}
        return BankingError(message, field=field)

    debtor_query = (debtor_query or "").strip()[:60]
    obligation_number = (obligation_number or "").strip()[:60]
    if not debtor_query and not obligation_number:
        raise error(_("write the debtor's code, ID or an obligation number"), "debtor")
    obligation = None
    if obligation_number:
        obligation = Obligation.objects.filter(portfolio=portfolio, number=obligation_number).first()
        if obligation is None:
            raise error(_("no obligation %(number)s in this portfolio") % {"number": obligation_number},
                        "obligation")
    if not debtor_query:
        return obligation.debtor, obligation
    debtors = selectors.debtors_named(portfolio, debtor_query)
    if not debtors:
        raise error(_("no debtor with code, ID or obligation %(query)s") % {"query": debtor_query}, "debtor")
    if len(debtors) > 1:
        raise error(_("%(query)s names %(n)d debtors: write the debtor's code")
                    % {"query": debtor_query, "n": len(debtors)}, "debtor")
    debtor = debtors[0]
    if obligation is not None and obligation.debtor_id != debtor.pk:
        raise error(_("obligation %(number)s is not of debtor %(code)s")
                    % {"number": obligation.number, "code": debtor.code}, "obligation")
    return debtor, obligation


def line_source_ref(line: BankLine, part: int | None = None) -> str:
    """The source_ref of a line's payment: the line's key; once undone and applied again, "~2", "~3"... after it;
    a part of a split, "/1", "/2"... after that. The ledger's unique (portfolio, source, source_ref) keeps each
    applied once."""
    base = line.source_key if line.round <= 1 else f"{line.source_key}~{line.round}"
    return base if part is None else f"{base}/{part}"


def _receive(line: BankLine, debtor, obligation, amount_minor: int, actor, part: int | None = None):
    if amount_minor <= 0:  # a zero line waits only to be marked as not a collection
        raise BankingError(_("a payment of zero has nothing to apply: mark it as not a collection"), field="debtor")
    payment, _created = payment_receive(
        portfolio=line.portfolio, debtor=debtor, amount=from_minor(amount_minor, line.portfolio.currency),
        date=line.bank_date, source=_payment_source(line), source_ref=line_source_ref(line, part),
        reference=rules.unpadded(line.reference), method=_line_method(line), obligation=obligation, actor=actor)
    return payment


def _line_applied(line: BankLine, payment, debtor, obligation, actor, how: str, extra: dict | None = None):
    line.status, line.payment = BankLine.Status.APPLIED, payment
    line.handled_at, line.handled_by = timezone.now(), actor
    line.save(update_fields=["status", "payment", "handled_at", "handled_by"])
    audit_record(event_type="banking.line_applied", subject=line, actor=actor, portfolio=line.portfolio,
                 debtor=debtor, changes={"line": line.pk, "how": how, "debtor": debtor.code,
                                         "obligation": obligation.number if obligation else "",
                                         "payment": payment.pk, "amount_minor": line.amount_minor,
                                         "bank_date": str(line.bank_date), **(extra or {})})
    return line


@transaction.atomic
def bank_line_apply(*, portfolio: Portfolio, line_id: int, debtor_query: str, obligation_number: str = "",
                    actor) -> BankLine:
    """Apply a queued bank line to the debtor a person chose: `debtor_query` is the debtor's code, national ID or
    the number of one of its obligations (it must name exactly one debtor); `obligation_number` optionally the
    obligation of that debtor to pay. The payment is received through payment_receive with the bank's date and
    the line's key (so a line is applied once whatever is clicked twice); the line becomes applied. Only a
    supervisor or an administrator; a line of another portfolio does not exist (BankLine.DoesNotExist)."""
    _require_supervising(actor, portfolio)
    line = _queued_line(portfolio, line_id)
    if line.status == BankLine.Status.APPLIED:
        return line  # applied once: a second submit changes nothing
    if line.status != BankLine.Status.QUEUED:
        raise _handled_error(line)
    debtor, obligation = _resolve(portfolio, debtor_query, obligation_number)
    payment = _receive(line, debtor, obligation, line.amount_minor, actor)
    return _line_applied(line, payment, debtor, obligation, actor, "chosen")


@transaction.atomic
def bank_line_accept(*, portfolio: Portfolio, line_id: int, suggestion: int, actor) -> BankLine:
    """Apply a queued bank line to one of its suggestions (`suggestion`: its position, 0 the best), as a person
    decided. Only a supervisor or an administrator; a second submit changes nothing."""
    _require_supervising(actor, portfolio)
    line = _queued_line(portfolio, line_id)
    if line.status == BankLine.Status.APPLIED:
        return line
    if line.status != BankLine.Status.QUEUED:
        raise _handled_error(line)
    if not isinstance(suggestion, int) or isinstance(suggestion, bool) \
            or not 0 <= suggestion < len(line.suggestions or []):
        raise BankingError(_("this line has no such suggestion"), field="suggestion")
    chosen = line.suggestions[suggestion]
    debtor = Debtor.objects.filter(portfolio=portfolio, pk=chosen.get("debtor_id")).first()
    obligation = None
    if chosen.get("obligation_id"):
        obligation = Obligation.objects.filter(portfolio=portfolio, debtor=debtor,
                                               pk=chosen["obligation_id"]).first()
    if debtor is None or (chosen.get("obligation_id") and obligation is None):
        raise BankingError(_("the suggested debtor or obligation no longer exists: choose another"),
                           field="suggestion")
    payment = _receive(line, debtor, obligation, line.amount_minor, actor)
    return _line_applied(line, payment, debtor, obligation, actor, "suggestion",
                         {"suggestion": suggestion, "score": chosen.get("score")})


MAX_PARTS = 20


@dataclass
class SplitPart:
    debtor: str  # the debtor's code, ID or an obligation number (as bank_line_apply)
    obligation: str = ""
    amount: object = ""  # text as typed in es-CO ("150.000,50") or a Decimal


@transaction.atomic
def bank_line_split(*, portfolio: Portfolio, line_id: int, parts: list[SplitPart], actor) -> BankLine:
    """Split a queued bank line across several debtors or obligations: each part a payment received through
    payment_receive with the bank's date, its source_ref the line's key and the part's number ("/1", "/2"...).
    The parts' amounts must add up to the line's exactly (BankingError saying both sums; nothing is written), each
    above zero, 2 to MAX_PARTS parts. Only a supervisor or an administrator; a second submit changes nothing."""
    _require_supervising(actor, portfolio)
    line = _queued_line(portfolio, line_id)
    if line.status == BankLine.Status.APPLIED:
        return line
    if line.status != BankLine.Status.QUEUED:
        raise _handled_error(line)
    parts = [p for p in parts if (p.debtor or "").strip() or (p.obligation or "").strip() or str(p.amount).strip()]
    if len(parts) < 2:
        raise BankingError(_("a split needs at least two parts"), field="parts")
    if len(parts) > MAX_PARTS:
        raise BankingError(_("a split has at most %(n)d parts") % {"n": MAX_PARTS}, field="parts")
    currency = portfolio.currency
    resolved = []
    for number, part in enumerate(parts, start=1):
        try:
            amount = part.amount if isinstance(part.amount, Decimal) else parse_amount(
                str(part.amount), currency=currency)
            minor = to_minor(amount, currency)
        except (AmountError, ValueError, ArithmeticError) as exc:
            message = exc.translated() if isinstance(exc, AmountError) else str(exc)
            raise BankingError(_("part %(n)d, amount: %(message)s") % {"n": number, "message": message},
                               field="parts")
        if minor <= 0:
            raise BankingError(_("part %(n)d, amount: more than zero") % {"n": number}, field="parts")
        debtor, obligation = _resolve(portfolio, part.debtor, part.obligation, part=number)
        resolved.append((number, debtor, obligation, minor))
    total = sum(minor for *_rest, minor in resolved)
    if total != line.amount_minor:
        raise BankingError(_("the parts add up to %(parts)s and the line is %(line)s: they must be equal")
                           % {"parts": format_amount(from_minor(total, currency), active_locale(), currency, 2),
                              "line": format_amount(from_minor(line.amount_minor, currency), active_locale(),
                                                    currency, 2)},
                           field="parts")
    made = []
    for number, debtor, obligation, minor in resolved:
        payment = _receive(line, debtor, obligation, minor, actor, part=number)
        BankLinePart.objects.create(line=line, round=line.round, number=number, debtor=debtor,
                                    obligation=obligation, amount_minor=minor, payment=payment)
        made.append({"part": number, "debtor": debtor.code, "obligation": obligation.number if obligation else "",
                     "amount_minor": minor, "payment": payment.pk})
    line.status, line.payment = BankLine.Status.APPLIED, None
    line.handled_at, line.handled_by = timezone.now(), actor
    line.save(update_fields=["status", "payment", "handled_at", "handled_by"])
    audit_record(event_type="banking.line_split", subject=line, actor=actor, portfolio=portfolio,
                 changes={"line": line.pk, "amount_minor": line.amount_minor, "bank_date": str(line.bank_date),
                          "parts": made})
    return line


def line_payments(line: BankLine) -> list[Payment]:
    """The payments a line's current application made: its payment, or its split parts' of this round."""
    if line.payment_id:
        return [line.payment]
    return [part.payment for part in line.parts.filter(round=line.round).select_related("payment")]


@transaction.atomic
def bank_line_undo(*, portfolio: Portfolio, line_id: int, reason: str, actor) -> BankLine:
    """Undo an applied bank line (applied by an import or by a person, whole or split): each of its payments is
    reversed through payment_receipt_reverse with the reason (its receipt voided, a discount it earned taken
    back), and the line waits in the queue again with its suggestions, its reason "undone". Applied again, its
    payments get new keys (line_source_ref). Only a supervisor or an administrator; a line not applied (undone
    already, queued, dismissed) is refused."""
    _require_supervising(actor, portfolio)
    line = _queued_line(portfolio, line_id)
    if line.status != BankLine.Status.APPLIED:
        raise BankingError(_("this bank line is not applied (%(status)s): there is nothing to undo")
                           % {"status": line.get_status_display()}, field="line")
    reason = " ".join((reason or "").split())
    if not reason:
        raise BankingError(_("reason: say why the line is undone"), field="reason")
    if len(reason) > MAX_REASON:
        raise BankingError(_("reason: up to %(n)d characters") % {"n": MAX_REASON}, field="reason")
    reversed_ids = []
    for payment in line_payments(line):
        if payment.reversed_at is None:
            payment_receipt_reverse(payment=payment, reason=reason, actor=actor)
            reversed_ids.append(payment.pk)
    line.status, line.payment, line.round = BankLine.Status.QUEUED, None, line.round + 1
    line.reason_code, line.reason_params = "undone", {"reason": reason}
    line.handled_at, line.handled_by = timezone.now(), actor
    line.save(update_fields=["status", "payment", "round", "reason_code", "reason_params", "handled_at",
                             "handled_by"])
    audit_record(event_type="banking.line_undone", subject=line, actor=actor, portfolio=portfolio,
                 changes={"line": line.pk, "reason": reason, "payments_reversed": reversed_ids,
                          "amount_minor": line.amount_minor, "bank_date": str(line.bank_date)})
    return line


@transaction.atomic
def auto_apply_score_set(*, portfolio: Portfolio, score: int, actor) -> ReferenceSettings:
    """The score (1-100) from which a bank line's best suggestion is applied without a person. Only an
    administrator of the portfolio (the command line may)."""
    if actor != "cli" and (actor is None or isinstance(actor, str) or role_in(actor, portfolio) != Role.ADMIN):
        raise BankingNotAllowed(_("only an administrator of the portfolio changes the score to apply by itself"))
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 100:
        raise BankingError(_("the score to apply by itself is a whole number from 1 to 100"), field="auto_apply_score")
    settings, _created = ReferenceSettings.objects.select_for_update().get_or_create(portfolio=portfolio)
    before = settings.auto_apply_score
    settings.auto_apply_score = score
    settings.save(update_fields=["auto_apply_score"])
    audit_record(event_type="banking.auto_apply_score", subject=settings, actor=actor, portfolio=portfolio,
                 changes={"auto_apply_score": [before, score]})
    return settings


@transaction.atomic
def bank_line_dismiss(*, portfolio: Portfolio, line_id: int, reason: str, actor) -> BankLine:
    """Mark a queued bank line as no collection (a transfer between own accounts, a test...), with the reason.
    Only a supervisor or an administrator; a line dismissed twice stays dismissed once."""
    _require_supervising(actor, portfolio)
    line = _queued_line(portfolio, line_id)
    if line.status == BankLine.Status.DISMISSED:
        return line
    if line.status != BankLine.Status.QUEUED:
        raise _handled_error(line)
    reason = " ".join((reason or "").split())
    if not reason:
        raise BankingError(_("reason: say why this line is not a collection"), field="reason")
    if len(reason) > MAX_REASON:
        raise BankingError(_("reason: up to %(n)d characters") % {"n": MAX_REASON}, field="reason")
    before = line.reason
    line.status, line.reason = BankLine.Status.DISMISSED, reason
    line.handled_at, line.handled_by = timezone.now(), actor
    line.save(update_fields=["status", "reason", "handled_at", "handled_by"])
    audit_record(event_type="banking.line_dismissed", subject=line, actor=actor, portfolio=portfolio,
                 changes={"line": line.pk, "reason": [before, reason], "amount_minor": line.amount_minor,
                          "bank_date": str(line.bank_date)})
    return line


def _line_method(line: BankLine) -> str:
    if line.kind == BankLine.Kind.STATEMENT:
        return _statement_method(line.layout)
    label = asobancaria.CHANNELS.get(line.channel, "")
    return (f"Asobancaria {line.channel} {label}".strip() if line.channel else "Asobancaria")[:40]


# --- transfer receipts a debtor uploads ("Por verificar", issue 16 section 2) --------------------------------------

RECEIPT_PENDING_MAX = 5  # waiting receipts per debtor: a sixth is refused until the office handles one
RECEIPT_MAX_AGE_DAYS = 365


@transaction.atomic
def transfer_receipt_submit(*, portfolio: Portfolio, debtor: Debtor, amount, paid_on, file, filename: str = "",
                            reference: str = "", obligation: Obligation | None = None, actor,
                            now=None) -> TransferReceipt:
    """A debtor uploads the receipt of a transfer: `amount` (a Decimal or text "1.234,56"), `paid_on` (a date, not
    in the future nor older than RECEIPT_MAX_AGE_DAYS), an optional `reference` (at most 100 characters) and the file
    (PDF, JPG or PNG by its first bytes, at most 10 MB: kept as a portfolio Document "payment_proof"). It waits in
    the office's "Por verificar" queue. Idempotent: the same file again returns the receipt already there. At most
    RECEIPT_PENDING_MAX waiting per debtor."""
    now = now or timezone.now()
    require_portal_debtor(actor, debtor.pk)
    if debtor.portfolio_id != portfolio.pk:
        raise BankingError(_("debtor: belongs to another portfolio"), field="debtor")
    if obligation is not None and obligation.debtor_id != debtor.pk:
        raise BankingError(_("This obligation belongs to another debtor."), field="obligation")
    try:
        value = parse_amount(amount, decimal="auto", currency=portfolio.currency, allow_zero=False)
    except AmountError as exc:
        raise BankingError(f"{_('amount')}: {exc.message}", field="amount") from None
    minor = to_minor(value, portfolio.currency)
    if not 0 < minor <= MAX_MINOR:
        raise BankingError(_("amount: must be positive and at most the largest amount"), field="amount")
    today = portfolio.today(now)
    if not isinstance(paid_on, date):
        try:
            paid_on = date.fromisoformat(str(paid_on).strip())
        except ValueError:
            raise BankingError(_("transfer date: not a date (YYYY-MM-DD)"), field="paid_on") from None
    if paid_on > today or (today - paid_on).days > RECEIPT_MAX_AGE_DAYS:
        raise BankingError(_("transfer date: from %(first)s to today (%(today)s)")
                           % {"first": today - timedelta(days=RECEIPT_MAX_AGE_DAYS), "today": today},
                           field="paid_on")
    reference = (reference or "").strip()
    if len(reference) > 100:
        raise BankingError(_("reference: at most 100 characters"), field="reference")
    debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
    data = file if isinstance(file, bytes | bytearray) else None
    if data is None:
        file.seek(0)
        data = file.read(DOCUMENT_MAX_BYTES + 1)
    digest = hashlib.sha256(bytes(data)).hexdigest()
    same = TransferReceipt.objects.filter(debtor=debtor, document__sha256=digest).first()
    if same is not None:
        return same
    if TransferReceipt.objects.filter(debtor=debtor, status=TransferReceipt.Status.PENDING).count() \
            >= RECEIPT_PENDING_MAX:
        raise BankingError(_("You have %(n)s receipts waiting to be verified; wait for the answer before sending "
                             "another.") % {"n": RECEIPT_PENDING_MAX}, field="file")
    document = document_attach(debtor=debtor, upload=bytes(data), filename=filename or "comprobante",
                               kind=Document.Kind.PAYMENT_PROOF, obligation=obligation, actor=actor)
    receipt = TransferReceipt.objects.create(
        portfolio=portfolio, debtor=debtor, obligation=obligation, amount_minor=minor, paid_on=paid_on,
        reference=reference, document=document, submitted_by=actor_label_for(actor)[:150], submitted_at=now)
    audit_record(event_type="transfer_receipt.submitted", subject=receipt, actor=actor, portfolio=portfolio,
                 debtor=debtor, changes={"amount": from_minor(minor, portfolio.currency), "paid_on": paid_on,
                                         "reference": reference, "document": document.pk})
    return receipt


def _pending_receipt(portfolio: Portfolio, receipt_id: int) -> TransferReceipt:
    receipt = TransferReceipt.objects.select_for_update().get(portfolio=portfolio, pk=receipt_id)
    if receipt.status != TransferReceipt.Status.PENDING:
        raise BankingError(_("this receipt was already handled (%(status)s)")
                           % {"status": receipt.get_status_display()}, field="receipt")
    return receipt


@transaction.atomic
def transfer_receipt_approve(*, portfolio: Portfolio, receipt_id: int, actor, now=None) -> TransferReceipt:
    """A supervisor checked the transfer: the payment is received (agreements' payment_receive, source "portal",
    key "receipt:<id>", so never twice) with the receipt's amount, date, reference and obligation."""
    _require_supervising(actor, portfolio)
    receipt = _pending_receipt(portfolio, receipt_id)
    payment, _created = payment_receive(
        portfolio=portfolio, debtor=receipt.debtor, amount=from_minor(receipt.amount_minor, portfolio.currency),
        date=receipt.paid_on, source=Payment.Source.PORTAL, source_ref=f"receipt:{receipt.pk}",
        reference=receipt.reference, method="transfer", obligation=receipt.obligation, actor=actor)
    receipt.status, receipt.payment = TransferReceipt.Status.APPROVED, payment
    receipt.decided_by, receipt.decided_at = actor, now or timezone.now()
    receipt.save(update_fields=["status", "payment", "decided_by", "decided_at"])
    audit_record(event_type="transfer_receipt.approved", subject=receipt, actor=actor, portfolio=portfolio,
                 debtor=receipt.debtor, changes={"payment": payment.pk,
                                                 "amount": from_minor(receipt.amount_minor, portfolio.currency)})
    return receipt


@transaction.atomic
def transfer_receipt_reject(*, portfolio: Portfolio, receipt_id: int, reason: str, actor,
                            now=None) -> TransferReceipt:
    """A supervisor rejects the receipt with a reason (at most MAX_REASON characters) that the debtor sees in the
    portal (selectors.debtor_transfer_receipts)."""
    _require_supervising(actor, portfolio)
    reason = (reason or "").strip()
    if not reason:
        raise BankingError(_("reason: say why the receipt is rejected"), field="reason")
    if len(reason) > MAX_REASON:
        raise BankingError(_("reason: at most %(max)s characters") % {"max": MAX_REASON}, field="reason")
    receipt = _pending_receipt(portfolio, receipt_id)
    receipt.status, receipt.reason = TransferReceipt.Status.REJECTED, reason
    receipt.decided_by, receipt.decided_at = actor, now or timezone.now()
    receipt.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit_record(event_type="transfer_receipt.rejected", subject=receipt, actor=actor, portfolio=portfolio,
                 debtor=receipt.debtor, changes={"reason": reason})
    return receipt
