"""Initial load on PostgreSQL: a flat obligations file into a portfolio that has no debtors and no obligations yet.

The general obligations import (recaudo.imports.obligations) looks every chunk's debtors up, draws ids from the
sequences and builds every row of every table in this process. For the first load of a book (the common way a
portfolio starts: the ERP's export of open invoices, customer columns included) none of that lookup is needed:
every debtor in the file is new the first time its code appears. So the parse process (recaudo.imports.parallel)
also turns each chunk into COPY text, and this process only streams that text to the server and runs three
set-based statements per chunk:

- new debtors, COPYed straight into portfolio_debtor (their cached summary included, as in the general path);
- contacts and obligations, COPYed into temporary stage tables that name the debtor by its code, then inserted
  with the debtor's id looked up by the server ((portfolio, code) is unique); the obligations' principal charges
  are inserted by the same statement, from the obligations' RETURNING rows, so no id comes back to Python.

Same results as the general path (tests compare the two): a debtor's data is the last valid row of the chunk in
which it first appears; when a later chunk brings different data for a debtor already created, that debtor
goes through the general path's upsert (update with an audit event, new contacts added); its obligations grow
its cached summary. Rows naming a debtor that was never created are rejected with the general path's reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import psycopg
from django.db import IntegrityError, connection

from recaudo.ledger.models import Component, Entry, EntryKind
from recaudo.portfolio.models import Contact, Debtor, Obligation

from .context import SeenKeys
from .debtors import DEBTOR_COLUMNS, DebtorData, upsert_debtors
from .obligations import debtor_summaries, unknown_debtor_reason
from .reading import ImportFileError

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if type(value) is str:
        return value.translate(_ESCAPES)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def enabled(ctx) -> bool:
    """The fast path applies: PostgreSQL, and the portfolio has neither debtors nor obligations (so that every
    debtor of the file is new). RECAUDO_IMPORT_FASTLOAD=0 turns it off."""
    if os.environ.get("RECAUDO_IMPORT_FASTLOAD", "").strip().lower() in ("0", "false", "no", "off"):
        return False
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {Debtor._meta.db_table} WHERE portfolio_id = %s) OR "
                       f"EXISTS (SELECT 1 FROM {Obligation._meta.db_table} WHERE portfolio_id = %s)",
                       [ctx.portfolio.pk, ctx.portfolio.pk])
        return not cursor.fetchone()[0]


@dataclass
class FastChunk:
    """What the parse process makes of one chunk for the fast path (COPY text, UTF-8)."""

    debtors: bytes = b""  # rows of portfolio_debtor (DEBTOR_COLUMNS)
    debtor_count: int = 0
    contacts: bytes = b""  # rows of the contact stage table
    obligations: bytes = b""  # rows of the obligation stage table
    obligation_count: int = 0
    grown: list[tuple] = field(default_factory=list)  # (balance, count, oldest due, code) of earlier chunks' debtors
    updates: dict[str, DebtorData] = field(default_factory=dict)  # debtors whose data changed since created


class FastBuilder:
    """Parse-process side: remembers the debtors created so far (a 64-bit hash of the code -> a hash of the data
    they were created or last updated with) and builds each chunk's COPY text."""

    def __init__(self, ctx, has_debtor_data: bool):
        self.ctx = ctx
        self.has_debtor_data = has_debtor_data
        self.created = SeenKeys()
        self.now = copy_text(ctx.now)
        self.portfolio = str(ctx.portfolio.pk)

    def build(self, items: list[tuple], debtors: dict[str, DebtorData], sink) -> FastChunk:
        out = FastChunk()
        p = copy_text
        now, pid = self.now, self.portfolio
        summaries = debtor_summaries(items)
        known: set[str] = set()
        debtor_lines, contact_lines = [], []
        for code, item in debtors.items():
            key = hash(code)
            fingerprint = hash((tuple(sorted(item.data.items())), tuple(item.contacts))) or 1
            before = self.created.get(key)
            if before is not None:
                known.add(code)
                balance, count, oldest = summaries[code]
                out.grown.append((balance, count, oldest, oldest, code))
                if before != fingerprint:
                    out.updates[code] = item
                    self.created.replace(key, fingerprint)
                continue
            if not item.data.get("name"):
                continue  # cannot be created: its rows are rejected below
            self.created.first_or_add(key, fingerprint)
            known.add(code)
            d = item.data
            balance, count, oldest = summaries[code]
            debtor_lines.append("\t".join((
                pid, p(code), p(d.get("kind", "person")), p(d.get("id_type", "")), p(d.get("id_number", "")),
                p(d["name"]), p(d.get("customer_since")), p(d.get("tags", "")), p(d.get("language", "es")), "",
                str(balance), str(count), p(oldest), "f", "0", p(item.search), now, now)))
            seen_channels = set()
            for channel, value, city in item.contacts:  # deduplicated by DebtorValidator
                contact_lines.append("\t".join((p(code), channel, p(value), p(city),
                                                "f" if channel in seen_channels else "t")))
                seen_channels.add(channel)
        out.debtor_count = len(debtor_lines)
        if debtor_lines:
            out.debtors = ("\n".join(debtor_lines) + "\n").encode()
        if contact_lines:
            out.contacts = ("\n".join(contact_lines) + "\n").encode()
        lines = []
        for it in items:
            if it[2] not in known:
                sink.reject(it[0], "debtor_code", it[2], unknown_debtor_reason(it[2], self.has_debtor_data))
                continue
            lines.append("\t".join((str(it[0]), p(it[1]), p(it[2]), it[3], it[4].isoformat(), it[5].isoformat(),
                                    str(it[6]), p(it[7]))))
        out.obligation_count = len(lines)
        if lines:
            out.obligations = ("\n".join(lines) + "\n").encode()
        return out


STAGE_CONTACT = "recaudo_stage_contact"
STAGE_OBLIGATION = "recaudo_stage_obligation"


class FastWriter:
    """Main-process side: streams a FastChunk to the server."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.staged = False
        self.debtors_loaded = 0
        self.analyzed_at = 1000

    def _stage(self, cursor) -> None:
        # Temporary tables (no WAL, dropped at the end of the import's transaction; IF NOT EXISTS and TRUNCATE
        # for a second import in one outer transaction, as in tests). Emptied by TRUNCATE after each chunk: DELETE
        # leaves dead rows that every later chunk reads again (measured: twice as slow overall).
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_CONTACT} (code text, channel text, "
                       "value text, city text, is_primary boolean) ON COMMIT DROP")
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_OBLIGATION} (seq integer, number text, "
                       "code text, kind text, issue_date date, due_date date, amount bigint, description text) "
                       "ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {STAGE_CONTACT}, {STAGE_OBLIGATION}")
        # Foreign keys checked at the end of each statement instead of all at the commit: the same checks, but
        # while the parse process works on the next chunks rather than alone at the end (measured on 1M rows:
        # 44.0 s deferred, 39.9 s immediate). A violation then fails the statement that caused it.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.staged = True

    def write(self, chunk: FastChunk) -> None:
        try:
            self._write(chunk)
        except (psycopg.errors.UniqueViolation, IntegrityError) as exc:
            # Another session added debtors or obligations to this portfolio while the import ran.
            raise ImportFileError(
                "the portfolio received debtors or obligations from elsewhere while this import ran, so nothing "
                f"was imported; run the import again ({str(exc).splitlines()[0]})") from exc

    def _write(self, chunk: FastChunk) -> None:
        ctx = self.ctx
        pid, cur = ctx.portfolio.pk, ctx.currency
        user = ctx.actor_user.pk if ctx.actor_user else None
        with connection.cursor() as cursor:
            if not self.staged:
                self._stage(cursor)
            raw = cursor.cursor
            if chunk.debtors:
                with raw.copy(f"COPY {Debtor._meta.db_table} ({', '.join(DEBTOR_COLUMNS)}) FROM STDIN") as copy:
                    copy.write(chunk.debtors)
                ctx.debtors_created += chunk.debtor_count
                self.debtors_loaded += chunk.debtor_count
                if self.debtors_loaded >= self.analyzed_at * 2:
                    self.analyzed_at = self.debtors_loaded
                    cursor.execute(f"ANALYZE {Debtor._meta.db_table}")
            if chunk.updates:
                upsert_debtors(ctx, chunk.updates)
            debtor_id = (f"(SELECT d.id FROM {Debtor._meta.db_table} d WHERE d.portfolio_id = {int(pid)} "
                         "AND d.code = s.code)")
            if chunk.contacts:
                with raw.copy(f"COPY {STAGE_CONTACT} FROM STDIN") as copy:
                    copy.write(chunk.contacts)
                cursor.execute(
                    f"INSERT INTO {Contact._meta.db_table} (debtor_id, channel, value, city, role, holder_name, "
                    f"is_primary, created_at) SELECT {debtor_id}, s.channel, s.value, s.city, 'debtor', '', "
                    f"s.is_primary, %s FROM {STAGE_CONTACT} s", [ctx.now])
                cursor.execute(f"TRUNCATE {STAGE_CONTACT}")
            if chunk.grown:
                cursor.executemany(
                    f"UPDATE {Debtor._meta.db_table} SET balance_minor = balance_minor + %s, "
                    "open_count = open_count + %s, oldest_due_date = CASE WHEN oldest_due_date IS NULL OR "
                    f"oldest_due_date > %s THEN %s ELSE oldest_due_date END WHERE portfolio_id = {int(pid)} "
                    "AND code = %s", chunk.grown)
            if chunk.obligations:
                with raw.copy(f"COPY {STAGE_OBLIGATION} FROM STDIN") as copy:
                    copy.write(chunk.obligations)
                cursor.execute(
                    f"WITH ob AS (INSERT INTO {Obligation._meta.db_table} (portfolio_id, debtor_id, number, kind, "
                    "issue_date, due_date, original_minor, currency, description, external_ref, disputed, "
                    "dispute_reason, balance_minor, status, created_at, updated_at) "
                    f"SELECT %s, {debtor_id}, s.number, s.kind, s.issue_date, s.due_date, s.amount, %s, "
                    "s.description, '', false, '', s.amount, 'open', %s, %s "
                    f"FROM {STAGE_OBLIGATION} s ORDER BY s.seq "
                    "RETURNING id, debtor_id, original_minor, issue_date, description) "
                    f"INSERT INTO {Entry._meta.db_table} (portfolio_id, debtor_id, obligation_id, kind, component, "
                    "amount_minor, value_date, created_at, payment_id, reverses_id, memo, created_by_id) "
                    "SELECT %s, ob.debtor_id, ob.id, %s, %s, ob.original_minor, ob.issue_date, %s, NULL, NULL, "
                    "left(ob.description, 300), %s FROM ob",
                    [pid, cur, ctx.now, ctx.now, pid, EntryKind.CHARGE.value, Component.PRINCIPAL.value, ctx.now,
                     user])
                cursor.execute(f"TRUNCATE {STAGE_OBLIGATION}")
                ctx.created += chunk.obligation_count
