"""Obligations import, one chunk at a time.

New obligations are inserted in bulk (raw SQL) with their cached balance set directly (= amount, status open); their
principal charges are written by the ledger's posting module (principal_charges_insert). Existing ones (same number
in the portfolio) are compared field by field: unchanged rows write nothing; a changed amount posts an adjustment
entry for the difference (value date = issue date; the principal may not go below what was already paid); other
changed fields are updated in place. Every update is audited (obligation.updated). Debtor summaries are refreshed
set-based for the debtors touched."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from recaudo.audit.services import audit_record, diff
from recaudo.core.money import from_minor
from recaudo.ledger.models import Component, EntryKind
from recaudo.ledger.posting import (
    debtor_summaries_grow,
    entry_build,
    entry_save,
    principal_charges_insert,
    refresh_portfolio_debtors,
    refresh_summaries,
)
from recaudo.ledger.services import component_balances
from recaudo.portfolio.models import Obligation

from . import fastload
from .bulk import analyze, db_datetime, exists, fetch_by_keys, insert_returning_ids
from .debtors import DebtorData, DebtorValidator, upsert_debtors
from .fields import FieldError, parse_amount, parse_currency, parse_date, parse_kind, text
from .rows import OBLIGATION_COLUMNS, debtor_summaries, unknown_debtor_reason
from .run_state import ChunkErrors, Context, SeenKeys

EXISTING_COLUMNS = ("number", "id", "debtor_id", "kind", "issue_date", "due_date", "original_minor", "description")
COMPARED = ("kind", "issue_date", "due_date", "original_minor", "description")


@dataclass
class ParsedChunk:
    """One chunk after the pure parse pass (no database access; may come from the parse process).

    rows: the chunk's (non-blank) row count; items: the valid rows as (row, number, debtor code, kind, issue date,
    due date, amount minor, description); debtors: code -> validated debtor data (the last valid row of the
    chunk wins); errors: ChunkErrors.items; values: the raw (row, values) of the chunk, only when the rejected
    rows are written to a CSV."""

    rows: int
    items: list[tuple]
    debtors: dict[str, DebtorData]
    errors: list[tuple]
    values: list[tuple[int, list]] | None = None
    fast: object = None  # a recaudo.imports.fastload.FastChunk on the initial-load path (items are then empty)


class ObligationParser:
    """The pure half of the obligations import: fields, debtor columns, in-file duplicates. Never touches the
    database, so that it can run in a child process (recaudo.imports.services)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.debtors = DebtorValidator(ctx, prefix="debtor_")
        self.seen = SeenKeys()
        self.sink: ChunkErrors | Context = ctx
        self.fast = None  # a recaudo.imports.fastload.FastBuilder when the initial-load path applies
        self.date_format, self.decimal, self.currency = ctx.date_format, ctx.decimal, ctx.currency
        # values are padded to width; a field absent from the file reads the always-empty last cell
        self.width = len(ctx.headers) + 1
        col = {f: ctx.columns.get(f, self.width - 1) for f in ("number", "kind", "issue_date", "due_date", "amount",
                                                               "currency", "description")}
        self.i_number, self.i_issue, self.i_due = col["number"], col["issue_date"], col["due_date"]
        self.i_description = col["description"]
        self.i_kind, self.i_amount, self.i_currency = col["kind"], col["amount"], col["currency"]
        self.parsers = [("kind", col["kind"], parse_kind, False), ("issue_date", col["issue_date"], self._date, True),
                        ("due_date", col["due_date"], self._date, True), ("amount", col["amount"], self._amount, True),
                        ("currency", col["currency"], self._currency, False)]
        # valid raw values already parsed (few distinct ones in a file): kind, date, currency
        self.kinds: dict = {}
        self.dates: dict = {}
        self.amounts: dict = {}
        self.currencies: set = set()

    def parse_chunk(self, chunk: list[tuple[int, list]], keep_values: bool = False) -> ParsedChunk:
        """The rows of one chunk, in one loop: every lookup bound to a local name, and each field's raw value
        looked up among the values already parsed before it is parsed (a file holds few distinct kinds, dates,
        currencies and, often, amounts). Measured: a row's parse is a third of a million-row import's parse
        process, so a method call and a dozen attribute lookups per row showed."""
        sink = self.sink = ChunkErrors(self.ctx)
        items, debtors = [], {}
        width = self.width
        i_number, i_kind, i_issue, i_due = self.i_number, self.i_kind, self.i_issue, self.i_due
        i_amount, i_currency, i_description = self.i_amount, self.i_currency, self.i_description
        first_or_add = self.seen.first_or_add
        debtor_of = self.debtors.validate_shared
        kind_of, date_of, amount_of, currencies = self.kinds.get, self.dates.get, self.amounts.get, self.currencies
        for row, values in chunk:
            if len(values) < width:
                values = values + [""] * (width - len(values))
            ok = True
            number = values[i_number]
            number = number.strip() if type(number) is str else text(number)
            if not number:
                sink.reject(row, "number", "", "required")
                ok = False
            elif len(number) > 64:
                sink.reject(row, "number", number, "longer than 64 characters")
                ok = False
            else:
                first = first_or_add(hash(number), row)
                if first is not None:
                    sink.reject(row, "number", number, f"duplicate obligation number (also on row {first})")
                    sink.note(first, "number", number, f"duplicate obligation number (also on row {row})")
                    ok = False
            debtor = debtor_of(row, values, sink)
            kind, issue, due, amount = (kind_of(values[i_kind]), date_of(values[i_issue]), date_of(values[i_due]),
                                        amount_of(values[i_amount]))
            if kind is None or issue is None or due is None or amount is None or values[i_currency] not in currencies:
                kind, issue, due, amount, fields_ok = self._fields(row, values)
                ok = ok and fields_ok
            if issue is not None and due is not None and due < issue:
                sink.reject(row, "due_date", values[i_due],
                            f"due date is before the issue date ({text(values[i_issue])})")
                ok = False
            if not ok or debtor is None:
                continue
            description = values[i_description]
            description = (description.strip() if type(description) is str else text(description))[:500]
            items.append((row, number, debtor.code, kind, issue, due, amount, description))
            debtors[debtor.code] = debtor
        fast = None
        if self.fast is not None:
            fast = self.fast.build(items, debtors, sink)
            items, debtors = [], {}
        self.sink = self.ctx
        return ParsedChunk(rows=len(chunk), items=items, debtors=debtors, errors=sink.items,
                           values=chunk if keep_values else None, fast=fast)

    def _fields(self, row: int, values: list) -> tuple:
        """(kind, issue date, due date, amount minor, all valid) of a row whose values were not all known: each
        parsed (and remembered), each error reported; None for the invalid ones."""
        try:  # every field valid (the common case): no per-field bookkeeping
            kind = self._kind(values[self.i_kind])
            issue = self._date(values[self.i_issue])
            due = self._date(values[self.i_due])
            amount = self._amount(values[self.i_amount])
            self._currency(values[self.i_currency])
        except FieldError:
            return (*self._fields_with_errors(row, values), False)
        return kind, issue, due, amount, True

    def _fields_with_errors(self, row: int, values: list) -> list:
        """Each field parsed on its own, each error reported; None for the invalid ones."""
        ctx = self.sink
        parsed = []
        for name, index, parser, required in self.parsers:
            value = values[index]
            try:
                parsed.append(parser(value))
            except FieldError as exc:
                if required and text(value) == "":
                    ctx.reject(row, name, "", "required")
                else:
                    ctx.reject(row, name, value, str(exc))
                parsed.append(None)
        return parsed[:4]

    def _kind(self, value):
        kind = self.kinds.get(value)
        if kind is None:
            kind = parse_kind(value)
            if len(self.kinds) < 1000 and type(value) is str:
                self.kinds[value] = kind
        return kind

    def _currency(self, value):
        if value not in self.currencies:
            parse_currency(value, self.currency)
            if len(self.currencies) < 1000 and type(value) is str:
                self.currencies.add(value)

    def _date(self, value):
        day = self.dates.get(value)
        if day is None:
            day = parse_date(value, self.date_format)
            if type(value) is str:
                if len(self.dates) >= 100_000:
                    self.dates.clear()
                self.dates[value] = day
        return day

    def _amount(self, value):
        minor = parse_amount(value, self.decimal, self.currency)
        if type(value) is str:
            if len(self.amounts) >= 20_000:  # a few MB: a file's repeated amounts (HOA fees, installments) stay
                self.amounts.clear()
            self.amounts[value] = minor
        return minor


class ObligationImporter:
    """parse_chunk (pure, ObligationParser) then write (the database work of one chunk)."""

    parallel = True  # parse_chunk may run in a child process

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.parser = ObligationParser(ctx)
        self.has_debtor_data = "debtor_name" in ctx.columns
        self.inserted = 0
        self.touched_debtors: set[int] = set()
        self.analyzed_at = 1000
        self.lookup_existing: bool | None = None  # whether the portfolio had obligations when the import began
        self.created_debtors: set[int] = set()  # debtors this import created (their summaries are kept current)
        self.postgres = connection.vendor == "postgresql"
        self.iso_dates: dict = {}

    def parse_chunk(self, chunk: list[tuple[int, list]], keep_values: bool = False) -> ParsedChunk:
        return self.parser.parse_chunk(chunk, keep_values)

    def prepare(self) -> None:
        """Inside the import's transaction, before the first chunk is parsed: take the initial-load path
        (recaudo.imports.fastload) when it applies. The parse process is forked after this, with the flag."""
        if fastload.enabled(self.ctx):
            self.parser.fast = fastload.FastBuilder(self.ctx, self.has_debtor_data)
            self.fast_writer = fastload.FastWriter(self.ctx)

    def finish_parse(self) -> None:
        """Where the parsing ran (maybe the parse process), once it stops."""
        if self.parser.fast is not None:
            self.parser.fast.close()

    def process(self, chunk: list[tuple[int, list]]) -> None:
        self.write(self.parse_chunk(chunk))

    def write(self, parsed: ParsedChunk) -> None:
        ctx = self.ctx
        if parsed.errors:
            ctx.apply(parsed.errors)
        if parsed.fast is not None:
            self.fast_writer.write(parsed.fast)
            return
        items = parsed.items
        if not items:
            return
        if self.lookup_existing is None:
            # Numbers repeated in the file are rejected by the parse, so the rows this import inserts never
            # match a later row: when the portfolio had no obligations, there is nothing to look up.
            self.lookup_existing = exists(Obligation._meta.db_table, ctx.portfolio.pk)
        existing = {}
        if self.lookup_existing:
            existing = {r[0]: r for r in fetch_by_keys(Obligation._meta.db_table, EXISTING_COLUMNS, "number",
                                                        [p[1] for p in items], portfolio_id=ctx.portfolio.pk,
                                                        dates=(4, 5))}
        # The open obligations each debtor receives in this chunk: a debtor created now gets them as its cached
        # summary on insert (an existing obligation never goes to a new debtor: it belongs to another one).
        db_date = self.db_date
        summaries = debtor_summaries(p for p in items if p[1] not in existing)
        debtor_ids = upsert_debtors(ctx, parsed.debtors, {c: (b, n, db_date(d)) for c, (b, n, d) in summaries.items()})
        rows = []
        for p in items:
            if p[2] not in debtor_ids:
                ctx.reject(p[0], "debtor_code", p[2], unknown_debtor_reason(p[2], self.has_debtor_data))
            else:
                rows.append(p)
        if existing:
            new = [p for p in rows if p[1] not in existing]
            old = [p for p in rows if p[1] in existing]
        else:
            new, old = rows, []
        touched_debtors = set()
        if old:
            touched_debtors |= self._update_existing(old, existing, debtor_ids)
        if new:
            self._insert(new, debtor_ids)
            grown = []  # debtors created by an earlier chunk of this import: add to their summary
            for code, (balance, count, oldest) in summaries.items():
                debtor_id, outcome = debtor_ids.get(code, (None, ""))
                if debtor_id is None or outcome == "created":
                    continue
                if debtor_id in self.created_debtors:
                    grown.append((balance, count, db_date(oldest), db_date(oldest), debtor_id))
                else:
                    touched_debtors.add(debtor_id)
            debtor_summaries_grow(grown)
        self.created_debtors.update(i for i, outcome in debtor_ids.values() if outcome == "created")
        self.touched_debtors |= touched_debtors

    def finish(self) -> None:
        """Summaries of the debtors that existed before the import, once at the end (a debtor's invoices may span
        several chunks); the debtors the import created carry theirs already."""
        touched = list(self.touched_debtors)
        if len(touched) > 20000:
            refresh_portfolio_debtors(self.ctx.portfolio.pk)
            return
        for start in range(0, len(touched), 5000):
            refresh_summaries(debtor_ids=touched[start:start + 5000])

    def _insert(self, new, debtor_ids) -> None:
        ctx = self.ctx
        pid, cur, now = ctx.portfolio.pk, ctx.currency, db_datetime(ctx.now)
        db_date = self.db_date
        ids = insert_returning_ids(Obligation._meta.db_table, OBLIGATION_COLUMNS, [
            (pid, debtor_ids[p[2]][0], p[1], p[3], db_date(p[4]), db_date(p[5]), p[6], cur, p[7], "", False, "",
             p[6], "open", now, now)
            for p in new
        ])
        user = ctx.actor_user.pk if ctx.actor_user else None
        principal_charges_insert([
            (pid, debtor_ids[p[2]][0], ob_id, p[6], db_date(p[4]), now, user)
            for p, ob_id in zip(new, ids, strict=True)
        ])
        ctx.created += len(new)
        self.inserted += len(new)
        if self.inserted >= self.analyzed_at * 2:
            self.analyzed_at = self.inserted
            tables = ["portfolio_debtor", "portfolio_contact"]
            if self.lookup_existing:
                tables.append(Obligation._meta.db_table)
            analyze(*tables)

    def db_date(self, value):
        """A date as the database takes it: the date on PostgreSQL, ISO text on SQLite (memoized: few dates)."""
        if self.postgres or value is None:
            return value
        iso = self.iso_dates.get(value)
        if iso is None:
            if len(self.iso_dates) > 100_000:
                self.iso_dates.clear()
            iso = self.iso_dates[value] = value.isoformat()
        return iso

    def _update_existing(self, rows, existing, debtor_ids) -> set[int]:
        ctx = self.ctx
        changed = []
        for p in rows:
            old_row = existing[p[1]]
            if old_row[2] != debtor_ids[p[2]][0]:
                ctx.reject(p[0], "debtor_code", p[2],
                           f"obligation {p[1]} belongs to another debtor; it cannot be moved by an import")
                continue
            old = dict(zip(COMPARED, old_row[3:], strict=True))
            new = {"kind": p[3], "issue_date": p[4], "due_date": p[5], "original_minor": p[6], "description": p[7]}
            changes = {k: v for k, v in new.items() if old[k] != v}
            if not changes:
                ctx.unchanged += 1
                continue
            changed.append((p, old_row, old, changes))
        if not changed:
            return set()
        amounts = [c for c in changed if "original_minor" in c[3]]
        balances = component_balances([c[1][1] for c in amounts]) if amounts else {}
        touched = set()
        user = ctx.actor_user
        for p, old_row, old, changes in changed:
            ob_id = old_row[1]
            if "original_minor" in changes:
                delta = changes["original_minor"] - old["original_minor"]
                principal = balances.get(ob_id, {}).get(Component.PRINCIPAL, 0)
                if principal + delta < 0:
                    paid = old["original_minor"] - principal
                    ctx.reject(p[0], "amount", from_minor(p[6], ctx.currency),
                               f"the new amount is below what was already paid "
                               f"({from_minor(paid, ctx.currency)})")
                    continue
            Obligation.objects.filter(pk=ob_id).update(**changes, updated_at=ctx.now)
            obligation = Obligation.objects.select_related("debtor").get(pk=ob_id)
            if "original_minor" in changes:
                entry_save(entry_build(obligation, kind=EntryKind.ADJUSTMENT, component=Component.PRINCIPAL,
                                       amount_minor=delta, value_date=p[4], now=ctx.now, actor=user,
                                       memo="import: amount changed"), debtor_ids=[])
            shown = {**old, "original_minor": from_minor(old["original_minor"], ctx.currency)}
            new_shown = {**changes}
            if "original_minor" in changes:
                new_shown["original_minor"] = from_minor(changes["original_minor"], ctx.currency)
            audit_record(event_type="obligation.updated", subject=obligation, actor=ctx.actor,
                         debtor=obligation.debtor, changes={**diff(shown, new_shown), "source": "import"})
            if "original_minor" not in changes:
                refresh_summaries(obligation_ids=[ob_id], debtor_ids=[])
            touched.add(old_row[2])
            ctx.updated += 1
        return touched
