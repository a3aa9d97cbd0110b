"""Stage reports from a long certification (analysis, signing, rendering) to whoever is watching.

A context variable, not a parameter: the terminal spinner of `demo`/`certify` and any other
watcher set it around the call, and the pipeline below never knows who listens.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_listener: ContextVar[Callable[[str], None] | None] = ContextVar("ssbcert_certify_progress", default=None)


def report(stage: str) -> None:
    """Say which stage starts now (a no-op when nobody listens)."""
    listener = _listener.get()
    if listener is not None:
        listener(stage)


@contextmanager
def listening(listener: Callable[[str], None]) -> Iterator[None]:
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
