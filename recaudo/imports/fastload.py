"""Initial load on PostgreSQL: a flat obligations file into a portfolio that has no debtors and no obligations yet.

The general obligations import (recaudo.imports.obligations) looks every chunk's debtors up, draws ids from the
sequences and builds every row of every table in this process. For the first load of a book (the common way a
portfolio starts: the ERP's export of open invoices, customer columns included) none of that lookup is needed:
every debtor in the file is new the first time its code appears. So the parse process (recaudo.imports.parse_process)
also turns each chunk into COPY text for the four tables, with the ids of the new debtors and obligations drawn
ahead from their sequences (IdBlocks, through a connection of its own: sequences are outside transactions), and
this process only streams that text to the server: one COPY per table per chunk, no lookup, no staging. The
principal charges are the ledger's: their COPY lines and their COPY come from recaudo.ledger.posting.

Same results as the general path (tests compare the two): a debtor's data is the last valid row of the chunk in
which it first appears; when a later chunk brings other values for a debtor already created (even values that
validate to the same data), that debtor goes through the general path's upsert, which updates what changed (with
an audit event) and adds new contacts; its obligations grow its cached summary. Rows naming a debtor that was
never created are rejected with the general path's reason.
Ids drawn and not used (a rolled-back or dry-run import, the rest of the last block) are gaps in the sequence,
as a rolled-back insert leaves.
"""

from __future__ import annotations

import os
import queue
import re
import threading
from array import array
from dataclasses import dataclass, field
from operator import itemgetter

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection

from recaudo.ledger.posting import debtor_summaries_grow, principal_charge_copy_line, principal_charges_copy
from recaudo.portfolio.models import Contact, Debtor, Obligation

from .debtors import DEBTOR_COLUMNS, DebtorData, upsert_debtors
from .reading import ImportFileError
from .rows import OBLIGATION_COLUMNS, debtor_summaries, unknown_debtor_reason

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search
_NUMBER, _DESCRIPTION = itemgetter(1), itemgetter(7)  # of a parsed obligation row (ParsedChunk.items)

# created_at and updated_at are left to their PostgreSQL default, the transaction's start (the initial migrations):
# the server parses no timestamp.
_TIMES = ("created_at", "updated_at")
DEBTOR_COPY = ("id", *(c for c in DEBTOR_COLUMNS if c not in _TIMES))
CONTACT_COPY = ("debtor_id", "channel", "value", "city", "role", "holder_name", "is_primary")
OBLIGATION_COPY = ("id", *(c for c in OBLIGATION_COLUMNS if c not in _TIMES))


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
    if not settings.RECAUDO_IMPORT_FASTLOAD:
        return False
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {Debtor._meta.db_table} WHERE portfolio_id = %s) OR "
                       f"EXISTS (SELECT 1 FROM {Obligation._meta.db_table} WHERE portfolio_id = %s)",
                       [ctx.portfolio.pk, ctx.portfolio.pk])
        return not cursor.fetchone()[0]


class IdBlocks:
    """Ids for new rows of one table, drawn from its sequence. nextval is outside transactions, so the ids drawn are
    never given to another row, whatever the import's transaction does.

    In the process that created it, they are drawn through the import's own connection when asked for. In the
    parse process (forked), a thread draws blocks of PREFETCH ids ahead through a connection of its own, opened on
    first use and closed by close() (the forked process must not touch the connection it inherited): the server
    draws the next block while the parse process parses (measured: 4 ms of waiting per block of 10,000, some
    0.6 s per million rows when asked for)."""

    PREFETCH = 10_000
    SQL = "SELECT string_agg(nextval(%s::regclass)::text, ',') FROM generate_series(1, %s)"  # one value, not n rows

    def __init__(self, table: str):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            self.sequence = cursor.fetchone()[0]
        self.owner = os.getpid()
        self.own: psycopg.Connection | None = None  # the drawing thread's connection, while it runs
        self._ready: list[int] = []
        self._ahead: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def take(self, n: int) -> list[int]:
        """n new ids, ascending."""
        if n <= 0:
            return []
        if os.getpid() == self.owner:
            with connection.cursor() as cursor:
                cursor.execute(self.SQL, [self.sequence, n])
                return _ids(cursor.fetchone()[0])
        if self._thread is None:
            self._ahead = queue.Queue(maxsize=1)
            self._thread = threading.Thread(target=self._draw_ahead, name="recaudo-import-ids", daemon=True)
            self._thread.start()
        while len(self._ready) < n:  # the sequence only grows: each block's ids follow the last block's
            block = self._ahead.get()
            if isinstance(block, BaseException):
                raise block
            self._ready.extend(block)
        ids = self._ready[:n]
        del self._ready[:n]
        return ids

    def _draw_ahead(self) -> None:
        try:
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            self.own = psycopg.connect(**params, autocommit=True)
            while not self._stop.is_set():
                block = _ids(self.own.execute(self.SQL, [self.sequence, self.PREFETCH]).fetchone()[0])
                while not self._stop.is_set():
                    try:
                        self._ahead.put(block, timeout=0.2)
                        break
                    except queue.Full:
                        continue
        except Exception as exc:  # noqa: BLE001 - raised where the ids are taken
            self._ahead.put(exc)
        finally:
            if self.own is not None:
                self.own.close()

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            while self._thread.is_alive():
                try:  # a block waiting to be put
                    self._ahead.get(timeout=0.05)
                except queue.Empty:
                    pass
            self._thread.join()
            self._thread = None
        self.own = None


def _ids(drawn: str) -> list[int]:
    ids = list(map(int, drawn.split(",")))
    ids.sort()
    return ids


class CreatedDebtors:
    """The debtors this import created: code -> (id, hash of the data they were created or last updated with), in
    an open-addressing table keyed by two independent 64-bit hashes of the code (a 128-bit key: a collision is
    out of reach of any file), 32 bytes a slot; bounded as recaudo.imports.run_state.SeenKeys is."""

    def __init__(self, capacity: int = 1 << 16):
        self._mask = capacity - 1
        self._k1 = array("q", bytes(8 * capacity))
        self._k2 = array("q", bytes(8 * capacity))
        self._ids = array("q", bytes(8 * capacity))
        self._prints = array("q", bytes(8 * capacity))
        self._size = 0

    @staticmethod
    def keys(code: str) -> tuple[int, int]:
        return hash(code) or 1, hash(code + "\x1f")

    def _slot(self, k1: int, k2: int) -> int:
        """The slot of the key, or of the empty slot where it would go."""
        k1s, k2s, mask = self._k1, self._k2, self._mask
        i = k1 & mask
        while True:
            k = k1s[i]
            if k == 0 or (k == k1 and k2s[i] == k2):
                return i
            i = (i + 1) & mask

    def get(self, code: str) -> tuple[int, int] | None:
        """(id, data hash) of a debtor created by this import, or None."""
        i = self._slot(*self.keys(code))
        return None if self._k1[i] == 0 else (self._ids[i], self._prints[i])

    def set(self, code: str, debtor_id: int, fingerprint: int) -> None:
        k1, k2 = self.keys(code)
        i = self._slot(k1, k2)
        if self._k1[i] == 0:
            self._k1[i], self._k2[i] = k1, k2
            self._size += 1
        self._ids[i], self._prints[i] = debtor_id, fingerprint
        if self._size * 2 > self._mask:
            self._grow()

    def _grow(self) -> None:
        old = (self._k1, self._k2, self._ids, self._prints)
        self.__init__((self._mask + 1) * 2)
        for k1, k2, debtor_id, fingerprint in zip(*old, strict=True):
            if k1:
                i = self._slot(k1, k2)
                self._k1[i], self._k2[i], self._ids[i], self._prints[i] = k1, k2, debtor_id, fingerprint
                self._size += 1


@dataclass
class FastChunk:
    """What the parse process makes of one chunk for the fast path (COPY text, UTF-8)."""

    debtors: bytes = b""  # rows of portfolio_debtor (DEBTOR_COPY)
    debtor_count: int = 0
    contacts: bytes = b""  # rows of portfolio_contact (CONTACT_COPY)
    obligations: bytes = b""  # rows of portfolio_obligation (OBLIGATION_COPY)
    entries: bytes = b""  # their principal charges (recaudo.ledger.posting.principal_charge_copy_line)
    obligation_count: int = 0
    grown: list[tuple] = field(default_factory=list)  # (balance, count, oldest due, oldest due, id): earlier debtors
    updates: dict[str, DebtorData] = field(default_factory=dict)  # debtors whose raw values changed since created


class FastBuilder:
    """Parse-process side: remembers the debtors created so far and builds each chunk's COPY text. Created in
    the import's process before the parse process is forked (it looks the sequences up)."""

    def __init__(self, ctx, has_debtor_data: bool):
        self.ctx = ctx
        self.has_debtor_data = has_debtor_data
        self.created = CreatedDebtors()
        self.portfolio = str(ctx.portfolio.pk)
        self.currency = ctx.currency
        self.user = str(ctx.actor_user.pk) if ctx.actor_user else "\\N"
        self.debtor_ids = IdBlocks(Debtor._meta.db_table)
        self.obligation_ids = IdBlocks(Obligation._meta.db_table)
        self.iso: dict = {}

    def close(self) -> None:
        self.debtor_ids.close()
        self.obligation_ids.close()

    def build(self, items: list[tuple], debtors: dict[str, DebtorData], sink) -> FastChunk:
        out = FastChunk()
        p = copy_text
        pid = self.portfolio
        summaries = debtor_summaries(items)
        ids: dict[str, int] = {}  # code -> id of the debtors the chunk's rows may go to
        new = []
        for code, item in debtors.items():
            # The hash of the debtor's raw values (DebtorValidator): other values, even ones that validate to the
            # same data, send the debtor through the general upsert, which finds what, if anything, changed.
            fingerprint = item.fingerprint
            before = self.created.get(code)
            if before is not None:
                debtor_id, before_print = before
                ids[code] = debtor_id
                balance, count, oldest = summaries[code]
                out.grown.append((balance, count, oldest, oldest, debtor_id))
                if before_print != fingerprint:
                    out.updates[code] = item
                    self.created.set(code, debtor_id, fingerprint)
                continue
            if not item.data.get("name"):
                continue  # cannot be created: its rows are rejected below
            new.append((code, item, fingerprint))
        debtor_lines, contact_lines = [], []
        for (code, item, fingerprint), debtor_id in zip(new, self.debtor_ids.take(len(new)), strict=True):
            self.created.set(code, debtor_id, fingerprint)
            ids[code] = debtor_id
            d = item.data
            balance, count, oldest = summaries[code]
            did = str(debtor_id)
            texts = (code, d.get("kind", "person"), d.get("id_type", ""), d.get("id_number", ""), d["name"])
            tags, search = d.get("tags", ""), item.search  # DebtorValidator sets search for a debtor with a name
            if _NEEDS_ESCAPE("".join(texts) + tags + search):
                texts, tags, search = tuple(map(p, texts)), p(tags), p(search)
            since = d.get("customer_since")
            debtor_lines.append("\t".join((
                did, pid, *texts, "\\N" if since is None else since.isoformat(), tags, d.get("language", "es"), "",
                str(balance), str(count), oldest.isoformat(), "f", "0", search)))  # a new debtor has an obligation
            seen_channels = set()
            for channel, value, city in item.contacts:  # deduplicated by DebtorValidator
                if _NEEDS_ESCAPE(value) or (city and _NEEDS_ESCAPE(city)):
                    value, city = p(value), p(city)
                contact_lines.append("\t".join((did, channel, value, city, "debtor", "",
                                                "f" if channel in seen_channels else "t")))
                seen_channels.add(channel)
        out.debtor_count = len(debtor_lines)
        if debtor_lines:
            out.debtors = ("\n".join(debtor_lines) + "\n").encode()
        if contact_lines:
            out.contacts = ("\n".join(contact_lines) + "\n").encode()
        if len(ids) == len(summaries):  # every debtor of the chunk's rows exists (ids holds only theirs)
            kept = items
        else:
            kept = []
            for it in items:
                if it[2] in ids:
                    kept.append(it)
                else:
                    sink.reject(it[0], "debtor_code", it[2], unknown_debtor_reason(it[2], self.has_debtor_data))
        if kept:
            self._obligations(kept, ids, out)
        return out

    def _obligations(self, items: list[tuple], ids: dict[str, int], out: FastChunk) -> None:
        """items: (row, number, debtor code, kind, issue date, due date, amount minor, description)."""
        pid, cur, user = self.portfolio, self.currency, self.user
        iso = self.iso
        if len(iso) > 100_000:
            iso.clear()
        obligation_lines, entry_lines = [], []
        charge_line = principal_charge_copy_line
        # One search over the chunk's numbers and descriptions instead of one per row: text needing COPY's escapes
        # (a backslash, tab or line break) is rare.
        escape = bool(_NEEDS_ESCAPE("".join(map(_NUMBER, items))) or _NEEDS_ESCAPE("".join(map(_DESCRIPTION, items))))
        for it, obligation_id in zip(items, self.obligation_ids.take(len(items)), strict=True):
            _, number, code, kind, issue, due, amount, description = it
            if escape:
                number, description = copy_text(number), copy_text(description)
            issue_text = iso.get(issue)
            if issue_text is None:
                issue_text = iso[issue] = issue.isoformat()
            due_text = iso.get(due)
            if due_text is None:
                due_text = iso[due] = due.isoformat()
            oid, did, minor = str(obligation_id), str(ids[code]), str(amount)
            obligation_lines.append(f"{oid}\t{pid}\t{did}\t{number}\t{kind}\t{issue_text}\t{due_text}\t{minor}\t{cur}\t"
                                    f"{description}\t\tf\t\t{minor}\topen")
            entry_lines.append(charge_line(pid, did, oid, minor, issue_text, user))
        out.obligation_count = len(obligation_lines)
        out.obligations = ("\n".join(obligation_lines) + "\n").encode()
        out.entries = ("\n".join(entry_lines) + "\n").encode()


class FastWriter:
    """Main-process side: streams a FastChunk to the server, one COPY per table."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.started = False

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
        with connection.cursor() as cursor:
            if not self.started:
                # Foreign keys checked at the end of each statement instead of all at the commit: the same
                # checks, but while the parse process works on the next chunks rather than alone at the end
                # (measured on 1M rows: 44.0 s deferred, 39.9 s immediate). A violation fails its statement.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self.started = True
            raw = cursor.cursor

            def copy(table: str, columns: tuple, data: bytes) -> None:
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
                    stream.write(data)

            if chunk.debtors:
                copy(Debtor._meta.db_table, DEBTOR_COPY, chunk.debtors)
                ctx.debtors_created += chunk.debtor_count
            if chunk.updates:
                upsert_debtors(ctx, chunk.updates)
            if chunk.contacts:
                copy(Contact._meta.db_table, CONTACT_COPY, chunk.contacts)
            debtor_summaries_grow(chunk.grown)
            if chunk.obligations:
                copy(Obligation._meta.db_table, OBLIGATION_COPY, chunk.obligations)
                principal_charges_copy(raw, chunk.entries)
                ctx.created += chunk.obligation_count
