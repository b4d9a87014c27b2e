"""Reading and parsing an import file in a second process, while this one writes to the database.

On a machine with two or more cores, a large import spends about half of its time reading, validating and
normalizing rows (pure Python, no database) and half writing. `parsed_chunks(..., parallel=True)` forks a child
process (start method "fork": it inherits the open file, the importer's parse state and Django's settings, with
nothing to pickle on the way in) that reads and parses chunk after chunk and sends each ParsedChunk through a
bounded queue; the parent writes them in order. Memory stays bounded: at most QUEUE_CHUNKS parsed chunks wait.

The child never touches the parent's database connection: it inherited the connection objects and must neither
use nor close them (multiprocessing ends a forked child with os._exit, so no finalizer of theirs runs there).
What needs the database in the child opens a connection of its own (recaudo.imports.fastload.IdBlocks) and
closes it in `finish`, which the child calls when it stops. An
exception in the child (an ImportFileError such as an encoding error in the middle of the file, or any other)
is sent back and raised in the parent with the same type and message. When the parent stops early (an error
while writing, or it stops reading), the child is terminated and reaped: no orphans, no zombies.

Memory: the child's address space may grow by at most RECAUDO_IMPORT_MEMORY_MB (default 2048) over what it
inherited (RLIMIT_AS); past it an allocation fails with MemoryError, which the parent raises and the import
reports as a failed import. `memory_limit()` puts the same cap around a whole import in the task worker.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import queue as queue_module
from collections.abc import Callable, Iterable, Iterator

QUEUE_CHUNKS = 3
COLLECT_EVERY = 10  # chunks between two collections of the garbage collector in the parse process
POLL_SECONDS = 1.0


DEFAULT_MEMORY_MB = 2048


def memory_budget() -> int:
    """Bytes an import may add to its process's address space: the setting RECAUDO_IMPORT_MEMORY_MB (0 means no
    limit; unset, the default)."""
    from django.conf import settings

    raw = getattr(settings, "RECAUDO_IMPORT_MEMORY_MB", None)
    try:
        megabytes = int(raw) if raw not in (None, "") else DEFAULT_MEMORY_MB
    except ValueError:
        megabytes = DEFAULT_MEMORY_MB
    return max(megabytes, 0) << 20


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def limit_memory(budget: int) -> tuple[int, int] | None:
    """Cap this process's address space at its current size plus `budget` bytes (soft RLIMIT_AS; never above
    the hard limit, never looser than a cap already set). Returns the limits to restore, or None if unchanged."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return None
    current = _address_space()
    if not budget or current is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + budget
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY and soft <= limit:
        return None
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return soft, hard


@contextlib.contextmanager
def memory_limit(budget: int | None = None):
    """limit_memory for the duration of the block (an import in the task worker), then the previous limits."""
    previous = limit_memory(memory_budget() if budget is None else budget)
    try:
        yield
    finally:
        if previous is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, previous)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def parsed_chunks(chunks: Callable[[], Iterable], parse: Callable, *, parallel: bool,
                  finish: Callable[[], None] | None = None) -> Iterator:
    """parse(chunk) for each chunk of chunks(), in order: in this process, or in a forked child. finish(), if
    given, runs where the parsing ran, once it stops (done, failed or stopped early)."""
    if not parallel:
        try:
            for chunk in chunks():
                yield parse(chunk)
        finally:
            if finish is not None:
                finish()
        return
    ctx = multiprocessing.get_context("fork")
    channel = ctx.Queue(maxsize=QUEUE_CHUNKS)
    child = ctx.Process(target=_child_main, args=(chunks, parse, channel, finish, memory_budget()),
                        name="recaudo-import-parse", daemon=True)
    child.start()
    finished = False
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=POLL_SECONDS)
            except queue_module.Empty:
                if child.is_alive():
                    continue
                try:  # it may have sent its last message just before ending
                    kind, payload = channel.get(timeout=POLL_SECONDS)
                except queue_module.Empty:
                    raise RuntimeError(f"the import's parse process ended unexpectedly (exit code {child.exitcode})")
            if kind == "ready":
                continue
            if kind == "chunk":
                yield payload
            elif kind == "done":
                finished = True
                return
            else:
                raise payload
    finally:
        if finished:
            child.join(timeout=10)
        if child.is_alive():
            child.terminate()
            child.join(timeout=10)
            if child.is_alive():  # pragma: no cover - SIGTERM is not handled in the child
                child.kill()
                child.join()
        channel.close()
        channel.join_thread()
        child.close()


def _child_main(chunks, parse, channel, finish=None, budget: int = 0) -> None:
    # The inherited objects are never collected here: keep the collector off their pages (copy-on-write). The
    # parse frees what it makes by reference counting; the collector runs only every COLLECT_EVERY chunks, for
    # whatever cycle a library may leave (measured: automatic collections were a tenth of the parse's CPU).
    gc.freeze()
    gc.disable()
    try:
        channel.put(("ready", None))  # starts the queue's feeder thread (its stack) before the cap
        limit_memory(budget)
        for n, chunk in enumerate(chunks(), start=1):
            channel.put(("chunk", parse(chunk)))
            if n % COLLECT_EVERY == 0:
                gc.collect()
        if finish is not None:
            finish()
    except BaseException as exc:  # noqa: BLE001 - every error goes back to the parent
        if finish is not None:
            try:
                finish()
            except Exception:  # noqa: S110 - the first error is the one reported
                pass
        channel.put(("error", _sendable(exc)))
    else:
        channel.put(("done", None))
    channel.close()
    channel.join_thread()


def _sendable(exc: BaseException) -> BaseException:
    """The exception itself when it pickles (ImportFileError does), else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes, a round-trip check
        exc.__traceback__ = None
        exc.__context__ = None
        exc.__cause__ = None
        pickle.dumps(exc)
        return exc
    except Exception:
        return RuntimeError(f"{exc.__class__.__name__}: {exc}")
