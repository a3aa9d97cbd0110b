"""Keep CPython's full garbage collections off the long-lived heap while a certificate is drawn.

A certifying process holds ~2·10^5 objects that will never be garbage (modules, matplotlib's font
and rc state, pydantic models, the session's records). Drawing figures and laying out the PDF
allocates so many container objects that CPython runs full (generation 2) collections in between,
and each one walks that whole heap: on the demo 0.1–0.4 s per collection, one or two per figures
pass and per PDF (measured with `gc.callbacks`, issue #10). `gc.freeze()` moves the objects that
exist at entry into the permanent generation, which collections skip; what the stage allocates is
collected as usual, and the frozen objects return to the oldest generation at exit.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0
_froze = False


@contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Freeze the heap as it is for the length of the block (nesting and threads share one freeze;
    a freeze somebody else made, e.g. a pre-forking server's, is left alone)."""
    global _depth, _froze
    with _lock:
        if _depth == 0:
            _froze = gc.isenabled() and gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _froze:
                gc.unfreeze()
                _froze = False
