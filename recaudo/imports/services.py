"""The import engine: debtors, obligations and payments from CSV/XLSX, as ERPs and spreadsheets export them.

`import_file` reads the file as a stream (recaudo.imports.reading), validates each row (recaudo.imports.fields
and the portfolio validators), and writes in chunks of CHUNK_ROWS rows inside ONE transaction:

- default, all-or-nothing: any invalid row -> everything is rolled back and the report is returned
  (committed=False);
- skip_invalid: valid rows are imported, rejected rows are written with their reasons to a CSV;
- dry_run: everything is validated and counted as if imported, then rolled back.

Idempotent: re-importing the same file changes nothing (rows compare unchanged, payments carry a source
reference that is never applied twice).

Audit choice: one `import.completed` event per import (subject: the ImportJob when there is one, else the
portfolio) records the file name and the counts; it stands for every record the import CREATED, so that a
million-row import does not write a million audit events. Every UPDATE of an existing record (debtor fields or
contacts, obligation fields or amount) gets its own audit event with the diff, as any other write would.

Large files: memory stays bounded (streamed reading, per-chunk raw-SQL lookups, a compact table of 64-bit
hashes for in-file duplicates, a bounded cache of validated debtors); new rows are inserted with raw
executemany (SQLite) or COPY (PostgreSQL), with cached balances set directly; a debtor created by the import
gets its summary as its obligations arrive, the debtors that existed before are refreshed at the end.
Obligations are imported in two stages per chunk: a pure parse (ObligationImporter.parse_chunk) and the database
work (write); from PARALLEL_MIN_ROWS estimated rows (or RECAUDO_IMPORT_PARALLEL=1; =0 turns it off) the file is
read and parsed in a forked child process while this one writes (recaudo.imports.parse_process).
"""

from __future__ import annotations

import csv
import gc
import logging
import os
import tempfile
import threading
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from recaudo.audit.services import audit_record
from recaudo.core.dberrors import database_message_translated
from recaudo.core.errors import DomainError
from recaudo.core.exports import safe_cell

from .debtors import DebtorImporter
from .fields import FIELDS, FieldError, resolve_columns, text
from .models import ImportJob, ImportProfile
from .obligations import ObligationImporter, ParsedChunk
from .parse_process import can_fork, memory_budget, memory_limit, parsed_chunks
from .payments import PaymentImporter
from .reading import ImportFileError, Table, open_table
from .run_state import MAX_ERRORS_KEPT, Context, RowError
from .uploads import local_copy, store_rejected

__all__ = ["ImportFileError", "ImportOptions", "ImportProfileError", "ImportResult", "RowError", "import_file",
           "import_job_run", "import_profile_save", "import_rows", "load_mapping_file", "progress_key"]

log = logging.getLogger(__name__)
# Rows per chunk (per COPY or bulk statement). Measured on a million-row flat import on PostgreSQL, back to back:
# 10,000 took 28.2-30.2 s where 5,000 took 32.1-34.8 s (less server work per statement), for 15 MB more memory.
CHUNK_ROWS = 10_000
IMPORT_ROWS_MAX = 5_000  # rows given in memory per call (import_rows: the API's bulk upserts)
PARALLEL_MIN_ROWS = 50_000  # estimated rows from which the file is parsed in a second process
GC_YOUNG = 100_000  # allocations between collections of the youngest generation during an import (_freeze_gc)
IMPORTERS = {"debtors": DebtorImporter, "obligations": ObligationImporter, "payments": PaymentImporter}


@dataclass
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)  # canonical field -> file header
    date_format: str | None = None  # strptime format; default day first or ISO
    decimal: str = "auto"  # "comma" | "point" | "auto"
    encoding: str = "auto"  # "utf-8" | "latin-1" | "auto"
    sheet: str | None = None  # XLSX sheet name
    skip_invalid: bool = False
    dry_run: bool = False
    rejected_path: Path | None = None
    header_row: int = 1  # the row of the headers (title rows above it are skipped)
    delimiter: str | None = None  # CSV separator; None: detected
    filename: str | None = None  # the file's name as its user knows it (the web upload's), for the messages
    ui: str = "cli"  # "web": messages advise the page's options, never a command-line flag
    id_type: str = ""  # the ID type of the rows whose type no column gives (NIT, CC...); "" none

    def to_dict(self) -> dict:
        data = asdict(self)
        data["rejected_path"] = str(self.rejected_path) if self.rejected_path else None
        return data

    @classmethod
    def from_dict(cls, data: dict | None) -> ImportOptions:
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in (data or {}).items() if k in names}
        if data.get("rejected_path"):
            data["rejected_path"] = Path(data["rejected_path"])
        data["mapping"] = dict(data.get("mapping") or {})
        return cls(**data)


@dataclass
class ImportResult:
    kind: str
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowError]
    dry_run: bool
    committed: bool
    rows: int = 0
    debtors_created: int = 0
    debtors_updated: int = 0
    rejected_path: str | None = None
    message: str = ""
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": self.rejected, "debtors_created": self.debtors_created,
            "debtors_updated": self.debtors_updated, "dry_run": self.dry_run, "committed": self.committed,
            "rejected_path": self.rejected_path, "message": self.message,
            "error_count": max(self.error_count, len(self.errors)),
            "errors": [e.to_dict() for e in self.errors],
        }


def load_mapping_file(path) -> dict[str, str]:
    """TOML: [mapping] field = "Header" (a top-level table of strings is accepted too)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ImportFileError(f"mapping file not found: {path}")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"mapping file {path.name} is not valid TOML: {exc}")
    table = data.get("mapping", data)
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ImportFileError(f'mapping file {path.name}: expected [mapping] with lines like due_date = "Vence"')
    return {str(k).strip(): v for k, v in table.items()}


class _Rollback(Exception):
    pass


def _chunks(rows, size):
    chunk = []
    for row, values in rows:
        for v in values:  # blank rows are skipped; the first non-blank cell ends the check
            if v.strip() if type(v) is str else text(v):
                break
        else:
            continue
        chunk.append((row, values))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _RejectedWriter:
    def __init__(self, path: Path, headers: list[str], delimiter: str):
        self.path = path
        self.fh = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.fh, delimiter=delimiter)
        self.writer.writerow([*headers, "row", "errors"])
        self.width = len(headers)

    def write(self, row: int, values: list, errors: list[RowError]) -> None:
        # the file's own cells, but never a formula for the spreadsheet that opens this report (=HYPERLINK...)
        cells = [safe_cell(text(v)) for v in values[: self.width]]
        cells += [""] * (self.width - len(cells))
        reasons = "; ".join(f'column "{e.column}" (value "{e.value}"): {e.reason}' for e in errors)
        self.writer.writerow([*cells, row, safe_cell(reasons)])

    def close(self) -> None:
        self.fh.close()


class _WholeChunk:
    """Adapter for the importers that parse and write a chunk in one step (debtors, payments): in process."""

    parallel = False

    def __init__(self, importer):
        self.importer = importer

    def parse_chunk(self, chunk, keep_values):
        return ParsedChunk(rows=len(chunk), items=chunk, debtors={}, errors=[], values=chunk)

    def write(self, parsed) -> None:
        self.importer.process(parsed.items)


def _parallel(total_estimate: int | None) -> bool:
    """Parse in a child process? RECAUDO_IMPORT_PARALLEL=1/0 forces it; else for large files on 2+ cores."""
    forced = settings.RECAUDO_IMPORT_PARALLEL  # True, False or None (recaudo/settings.py)
    if not can_fork():
        return False
    if forced is not None:
        return bool(forced)
    return (os.cpu_count() or 1) > 1 and (total_estimate or 0) >= PARALLEL_MIN_ROWS


def _freeze_gc() -> tuple[int, int, int]:
    """Objects alive before the import (Django, the app, the caches) are not scanned by each collection of the
    import's loop (and the forked parse process does not copy their pages by touching them). The youngest
    generation is collected every GC_YOUNG allocations instead of 700: a chunk's ten thousand rows are freed by
    their reference counts, and scanning them over and over cost a sixth of the parse (measured: 0.53 s of 3.5 s
    for 200,000 rows, 0.11 s with this threshold). Returns the thresholds to restore."""
    gc.collect()
    gc.freeze()
    previous = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, *previous[1:])
    return previous


def _tune_connection() -> None:
    """Settings of the import's transaction (SET LOCAL: they end with it). SQLite keeps the settings' page
    cache (64 MB): measured, a 192 MB cache saved no time on a million rows and cost 130 MB of memory."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # synchronous_commit off: the commit does not wait for its WAL flush (a crash in the next fraction of
        # a second may lose the import as a whole, never part of it). In the general path foreign keys stay
        # DEFERRED (checked at the commit): measured, SET CONSTRAINTS ALL IMMEDIATE was not faster there; the
        # initial-load path (recaudo.imports.fastload) checks them after each statement.
        cursor.execute("SET LOCAL synchronous_commit = off")


def import_file(*, portfolio, kind: str, path: Path, options: ImportOptions, actor=None,
                progress: Callable[[int, int | None], None] | None = None, job: ImportJob | None = None,
                ) -> ImportResult:
    """Import one file into a portfolio. Raises ImportFileError for file-level problems (running out of memory
    included: nothing is written then); row problems are in the result's errors."""
    try:
        return _import_file(portfolio=portfolio, kind=kind, path=path, options=options, actor=actor,
                            progress=progress, job=job)
    except MemoryError:
        gc.collect()
        raise ImportFileError(_(
            "%(name)s: the import ran out of memory (the limit is %(limit)s MB, RECAUDO_IMPORT_MEMORY_MB) and "
            "nothing was imported; split the file into smaller ones"
        ) % {"name": options.filename or Path(path).name,
             "limit": number_format(memory_budget() >> 20, decimal_pos=0, force_grouping=True)})
    except DatabaseError as exc:  # the import's transaction rolled back: one line, not a traceback
        log.warning("import of %s refused by the database: %s", Path(path).name, exc)
        raise ImportFileError(_("%(name)s: nothing was imported: %(reason)s") % {
            "name": options.filename or Path(path).name, "reason": database_message_translated(exc)})


def _import_file(*, portfolio, kind: str, path: Path, options: ImportOptions, actor, progress, job) -> ImportResult:
    if kind not in IMPORTERS:
        raise ImportFileError(f"unknown import kind {kind!r}; use debtors, obligations or payments")
    if options.decimal not in ("auto", "comma", "point"):
        raise ImportFileError(f"unknown decimal style {options.decimal!r}; use comma, point or auto")
    path = Path(path)
    table = open_table(path, encoding=options.encoding, sheet=options.sheet, header_row=options.header_row,
                       delimiter=options.delimiter, name=options.filename, ui=options.ui)
    rejected_path = None
    if options.skip_invalid and not options.dry_run:
        rejected_path = Path(options.rejected_path or path.with_name(path.stem + ".rejected.csv"))
    return _import_table(portfolio=portfolio, kind=kind, table=table, name=options.filename or path.name,
                         options=options, actor=actor, progress=progress, job=job, rejected_path=rejected_path,
                         parallel_allowed=True)


def _import_table(*, portfolio, kind: str, table: Table, name: str, options: ImportOptions, actor, progress, job,
                  rejected_path: Path | None, parallel_allowed: bool) -> ImportResult:
    """The import of an open table (a file's, or rows given in memory): parse and write it a chunk at a time in
    one transaction; closes the table."""
    writer = None
    try:
        try:
            columns = _resolve(kind, table.headers, options.mapping, name, options.ui)
        except FieldError as exc:
            raise ImportFileError(str(exc))
        ctx = Context(portfolio=portfolio, kind=kind, headers=table.headers, columns=columns,
                      date_format=options.date_format, decimal=options.decimal, actor=actor, now=timezone.now(),
                      id_type=options.id_type or "")
        importer = IMPORTERS[kind](ctx)
        total = table.total_estimate
        if progress:
            progress(0, total)
        committed = False
        stage = importer if getattr(importer, "parallel", False) else _WholeChunk(importer)
        keep_values = rejected_path is not None
        size = CHUNK_ROWS
        source = parsed_chunks(lambda: _chunks(table.rows(), size),
                               lambda chunk: stage.parse_chunk(chunk, keep_values),
                               parallel=stage.parallel and parallel_allowed and _parallel(total),
                               finish=getattr(stage, "finish_parse", None))
        thresholds = _freeze_gc()
        try:
            with transaction.atomic():
                _tune_connection()
                if hasattr(stage, "prepare"):
                    stage.prepare()
                for parsed in source:
                    ctx.rows += parsed.rows
                    stage.write(parsed)
                    if ctx.chunk_rejected:
                        ctx.rejected += len(ctx.chunk_rejected)
                        if rejected_path is not None:
                            if writer is None:
                                writer = _RejectedWriter(rejected_path, table.headers,
                                                         getattr(table, "delimiter", ","))
                            for row, values in parsed.values:
                                if row in ctx.chunk_rejected:
                                    writer.write(row, values, ctx.chunk_rejected[row])
                        ctx.chunk_rejected.clear()
                    if progress:
                        progress(ctx.rows, max(total or 0, ctx.rows))
                if options.dry_run or (ctx.rejected and not options.skip_invalid):
                    raise _Rollback
                if hasattr(importer, "finish"):
                    importer.finish()
                audit_record(
                    event_type="import.completed", subject=job if job is not None else portfolio, actor=actor,
                    portfolio=portfolio,
                    changes={"kind": kind, "filename": job.filename if job is not None else name,
                             "rows": ctx.rows, "created": ctx.created, "updated": ctx.updated,
                             "unchanged": ctx.unchanged, "rejected": ctx.rejected,
                             "debtors_created": ctx.debtors_created, "debtors_updated": ctx.debtors_updated},
                )
                committed = True
        except _Rollback:
            pass
        finally:
            source.close()  # stops and reaps the parse process if it is still running
            gc.set_threshold(*thresholds)
            gc.unfreeze()
    finally:
        table.close()
        if writer is not None:
            writer.close()
    ctx.errors.sort(key=lambda e: e.row)
    result = ImportResult(
        kind=kind, created=ctx.created, updated=ctx.updated, unchanged=ctx.unchanged, rejected=ctx.rejected,
        errors=ctx.errors, dry_run=options.dry_run, committed=committed, rows=ctx.rows,
        debtors_created=ctx.debtors_created, debtors_updated=ctx.debtors_updated,
        rejected_path=str(rejected_path) if writer is not None else None, error_count=ctx.error_count,
    )
    result.message = _message(result, options.ui)
    return result


class RowsTable(Table):
    """Rows given in memory (the API's bulk upserts): one dict per row, keyed by the import's canonical field names
    (recaudo/imports/fields.py), which are the headers. Row n is the n-th dict (from 1)."""

    kind = "rows"

    def __init__(self, kind: str, rows: list[dict]):
        known = FIELDS[kind]
        present = {key for row in rows for key, value in row.items() if value not in (None, "")}
        self.headers = [name for name in known if name in present]
        self.total_estimate = len(rows)
        self._rows = rows

    def rows(self):
        for number, row in enumerate(self._rows, start=1):
            yield number, ["" if row.get(h) is None else str(row.get(h)) for h in self.headers]


def import_rows(*, portfolio, kind: str, rows: list[dict], options: ImportOptions, actor=None) -> ImportResult:
    """Import rows given in memory, exactly as a file of the same columns would be imported (the same parsing,
    validation, report and idempotency: the debtors' codes and the obligations' numbers), in one transaction,
    parsed in this process. At most IMPORT_ROWS_MAX rows a call."""
    if kind not in ("debtors", "obligations"):
        raise ImportFileError(_("rows can be imported for debtors or obligations"))
    if not rows:
        raise ImportFileError(_("no rows to import"))
    if len(rows) > IMPORT_ROWS_MAX:
        raise ImportFileError(_("at most %(max)s rows a call; split them") % {
            "max": number_format(IMPORT_ROWS_MAX, decimal_pos=0, force_grouping=True)})
    if options.decimal not in ("auto", "comma", "point"):
        raise ImportFileError(f"unknown decimal style {options.decimal!r}; use comma, point or auto")
    try:
        return _import_table(portfolio=portfolio, kind=kind, table=RowsTable(kind, rows),
                             name=options.filename or kind, options=options, actor=actor, progress=None, job=None,
                             rejected_path=None, parallel_allowed=False)
    except DatabaseError as exc:  # the import's transaction rolled back: one line, not a traceback
        log.warning("import of %s rows refused by the database: %s", kind, exc)
        raise ImportFileError(_("nothing was imported: %(reason)s") % {"reason": database_message_translated(exc)})


def _resolve(kind, headers, mapping, filename, ui="cli"):
    return resolve_columns(kind, headers, {k.strip(): v for k, v in (mapping or {}).items()}, filename, ui)


def _message(r: ImportResult, ui: str = "cli") -> str:
    if ui != "cli":
        return _web_message(r)
    counts = f"{r.created} created, {r.updated} updated, {r.unchanged} unchanged, {r.rejected} rejected"
    if r.dry_run:
        tail = "dry run: nothing was written" + ("; fix the rejected rows before importing" if r.rejected else "")
    elif not r.committed:
        tail = "nothing was imported: fix the rejected rows, or import the valid ones with --skip-invalid"
    elif r.rejected:
        tail = "valid rows imported" + (f"; rejected rows written to {r.rejected_path}" if r.rejected_path else "")
    else:
        tail = "imported"
    if len(r.errors) < r.error_count:
        tail += f" (showing the first {MAX_ERRORS_KEPT} of {r.error_count} errors)"
    return f"{counts}; {tail}"


def _web_message(r: ImportResult) -> str:
    """The result in the page's language, with the page's words (the rejected rows file is a download there)."""
    counts = _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected") % {
        "created": r.created, "updated": r.updated, "unchanged": r.unchanged, "rejected": r.rejected}
    if r.dry_run:
        tail = _("dry run: nothing was written") + (
            _("; fix the rejected rows before importing") if r.rejected else "")
    elif not r.committed:
        tail = _("nothing was imported: fix the rejected rows, or import the valid ones with the option "
                 "“Skip invalid rows”")
    elif r.rejected:
        tail = _("valid rows imported; the rejected rows can be downloaded")
    else:
        tail = _("imported")
    if len(r.errors) < r.error_count:
        tail += " " + _("(showing the first %(shown)s of %(total)s errors)") % {
            "shown": MAX_ERRORS_KEPT, "total": r.error_count}
    return f"{counts}; {tail}"


PROGRESS_SECONDS = 24 * 3600  # how long the cache keeps an import's progress


def progress_key(job_id: int) -> str:
    return f"import-progress-{job_id}"


def _publish_progress(key: str, value: dict) -> None:
    """cache.set from a short-lived thread of its own. With the database cache (the default on PostgreSQL) the
    thread has a database connection of its own, outside the import's transaction: the web processes see the
    progress while the import runs (written in the import's transaction it would show only at the end, and be
    rolled back with a rejected file). A cache that cannot be written costs the progress bar, not the import."""

    def write() -> None:
        try:
            cache.set(key, value, timeout=PROGRESS_SECONDS)
        except Exception:
            log.warning("import progress %s not saved", key, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=write, name="import-progress", daemon=True)
    thread.start()
    thread.join(timeout=30)


def import_job_run(job_id: int) -> ImportJob:
    """Run a saved ImportJob in the language of the page it was submitted from (job.options["language"])."""
    job = ImportJob.objects.only("options").get(pk=job_id)
    language = (job.options or {}).get("language")
    if language:
        with translation.override(language):
            return _import_job_run(job_id)
    return _import_job_run(job_id)


def _import_job_run(job_id: int) -> ImportJob:
    """Run a saved ImportJob: options from job.options, the file from the storage (job.stored_path). Stores status,
    result, rows and message on the job, and the rejected rows (with skip_invalid) as a file in the storage next
    to the upload; progress goes to the cache (the import's transaction is open meanwhile)."""
    job = ImportJob.objects.select_related("portfolio", "created_by").get(pk=job_id)
    job.status = ImportJob.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    key = progress_key(job.pk)

    def progress(done: int, total: int | None) -> None:
        _publish_progress(key, {"done": done, "total": total})

    options = ImportOptions.from_dict(job.options)
    options.filename = job.filename  # the messages name the user's file, not its name in the storage
    try:
        with memory_limit(), local_copy(job.stored_path) as path, \
                tempfile.TemporaryDirectory(prefix="recaudo-rejected-") as scratch:
            if options.skip_invalid and not options.dry_run:
                options.rejected_path = Path(scratch) / f"{path.stem}.rejected.csv"
            result = import_file(portfolio=job.portfolio, kind=job.kind, path=path, options=options,
                                 actor=job.created_by or f"import #{job.pk}", progress=progress, job=job)
            if result.rejected_path:
                result.rejected_path = store_rejected(Path(result.rejected_path), job.stored_path)
                result.message = _message(result, options.ui)
    except FileNotFoundError:
        message = _("the uploaded file %(name)s is no longer stored; upload it again") % {"name": job.filename}
        job.status, job.message, job.result = ImportJob.Status.FAILED, message, {"error": message}
    except ImportFileError as exc:
        job.status, job.message, job.result = ImportJob.Status.FAILED, str(exc), {"error": str(exc)}
    except Exception as exc:  # the job must end in a final state; the cause goes to the log
        log.exception("import job %s failed", job.pk)
        job.status, job.message = ImportJob.Status.FAILED, f"internal error: {exc.__class__.__name__}: {exc}"
        job.result = {"error": job.message}
    else:
        job.status = ImportJob.Status.REJECTED if result.rejected and not result.committed else ImportJob.Status.DONE
        job.result = result.to_dict()
        job.message = result.message
        job.rows_done = result.rows
        job.rows_total = result.rows
        job.rejected_path = result.rejected_path or ""
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result", "rows_done", "rows_total", "rejected_path",
                            "finished_at"])
    _publish_progress(key, {"done": job.rows_done, "total": job.rows_total, "finished": True})
    return job


class ImportProfileError(DomainError):
    """A mapping profile that cannot be saved; `field` names the form field."""

    field = "profile_name"


@transaction.atomic
def import_profile_save(*, portfolio, name: str, kind: str, mapping: dict[str, str], separator: str = "",
                        encoding: str = "auto", header_row: int = 1, id_type: str = "",
                        actor=None) -> ImportProfile:
    """Save the mapping step's choices as the portfolio's profile `name` (a profile of that name is replaced),
    with an audit event."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ImportProfileError(_("Give the profile a name."))
    if kind not in IMPORTERS:
        raise ImportProfileError(f"unknown import kind {kind!r}", field="kind")
    fields_of_kind = FIELDS[kind]
    mapping = {k: str(v).strip() for k, v in (mapping or {}).items() if k in fields_of_kind and str(v).strip()}
    if not mapping:
        raise ImportProfileError(_("The profile maps no column."))
    values = {"kind": kind, "mapping": mapping, "separator": separator or "", "encoding": encoding or "auto",
              "header_row": max(1, int(header_row or 1)), "id_type": str(id_type or "").strip().upper()[:12]}
    profile = ImportProfile.objects.select_for_update().filter(portfolio=portfolio, name__iexact=name).first()
    if profile is None:
        profile = ImportProfile.objects.create(portfolio=portfolio, name=name,
                                               created_by=actor if getattr(actor, "pk", None) else None, **values)
        changes = {"name": name, **values}
        event = "import.profile_created"
    else:
        changes = {k: {"from": getattr(profile, k), "to": v} for k, v in values.items() if getattr(profile, k) != v}
        for key, value in values.items():
            setattr(profile, key, value)
        profile.save()
        event = "import.profile_updated"
    audit_record(event_type=event, subject=profile, actor=actor, portfolio=portfolio, changes=changes)
    return profile
