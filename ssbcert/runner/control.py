"""Pause/abort requests. Ctrl-C once: finish the current point, then stop safely. Twice: stop now
(the bench still closes, so outputs go off)."""
from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any


class Aborted(Exception):
    """Raised inside a step when a stop was requested at a place where stopping is safe."""


class RunControl:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self.reason = ""
        self._previous: Any = None
        self.checks = 0  # safe stopping places passed; a stop document records where it stopped
        self.stop_at_check: int | None = None  # replay: stop where the original run stopped
        self.stop_after_points: set[str] = set()

    def request_stop(self, reason: str = "stop requested") -> None:
        if not self._stop.is_set():
            self.reason = reason
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def check(self) -> None:
        self.checks += 1
        if self.stop_at_check is not None and self.checks >= self.stop_at_check:
            self.request_stop("stopped here in the original run")
        if self._stop.is_set():
            raise Aborted(self.reason)

    def point_done(self, point_id: str) -> None:
        if point_id in self.stop_after_points:
            self.request_stop("stopped here in the original run")

    # ---- SIGINT --------------------------------------------------------------------------
    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if self._stop.is_set():
            raise KeyboardInterrupt
        self.request_stop("interrupted (Ctrl-C): finishing the current point")

    def install_sigint(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)

    def restore_sigint(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
