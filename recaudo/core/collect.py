"""Fewer garbage collections during a long loop that allocates many short-lived objects (a bank file's chunks)."""

from __future__ import annotations

import gc
from contextlib import contextmanager

YOUNG = 100_000  # allocations between collections of the youngest generation inside fewer_collections()


@contextmanager
def fewer_collections():
    """Inside: the objects alive on entry (Django, the app, the caches, the file read) are frozen out of every
    collection's scan, and the youngest generation is collected every YOUNG allocations instead of 700 (the rows
    of a chunk are freed by their reference counts; scanning the file's hundred thousand lines over and over is
    the cost). On exit the thresholds are restored and the frozen objects collected as usual again."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
