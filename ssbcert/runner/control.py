"""Pause/abort requests. Ctrl-C once: finish the current point, then stop safely. Twice: stop now
(the bench still closes, so outputs go off).

Other processes (the web monitor) ask through a request file, `control.jsonl` in the session
directory: one JSON line per request, `{"action": "pause" | "resume" | "abort", "by": ..., "time": ...}`,
appended with `send_request`. The runner reads only lines written after it started (a request
left in a killed session does not act on its resume) and acts on them at its next safe stopping
place, the same places Ctrl-C uses. The file stays in the session as the log of operator requests.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any, Callable

from ssbcert.session.files import Tail

ACTIONS = ("pause", "resume", "abort")
PAUSE_POLL_S = 0.1  # wall seconds between looks at the request file while paused


class Aborted(Exception):
    """Raised inside a step when a stop was requested at a place where stopping is safe."""


def send_request(path: str | Path, action: str, by: str = "monitor") -> dict[str, Any]:
    """Append one request line (O_APPEND: whole lines even with several writers)."""
    if action not in ACTIONS:
        raise ValueError(f"control action: expected one of {', '.join(ACTIONS)}, found {action!r}")
    line = {"action": action, "by": by, "time": time.time()}
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(line) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return line


class RequestChannel:
    """Reads the request lines appended to a file since the channel was opened."""

    def __init__(self, path: str | Path) -> None:
        self._tail = Tail(Path(path), from_end=True)

    def poll(self) -> list[dict[str, Any]]:
        return [r for r in self._tail.read() if isinstance(r, dict) and r.get("action") in ACTIONS]


class RunControl:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._pause = threading.Event()
        self.reason = ""
        self._previous: Any = None
        self.checks = 0  # safe stopping places passed; a stop document records where it stopped
        self.stop_at_check: int | None = None  # replay: stop where the original run stopped
        self.stop_after_points: set[str] = set()
        self.channel: RequestChannel | None = None
        self.on_note: Callable[[str], None] | None = None  # the engine journals pauses as notes

    def attach(self, path: str | Path) -> None:
        """Also take requests from a request file (see the module docstring)."""
        self.channel = RequestChannel(path)

    def request_stop(self, reason: str = "stop requested") -> None:
        if not self._stop.is_set():
            self.reason = reason
        self._stop.set()

    def request_pause(self) -> None:
        self._pause.set()

    def request_resume(self) -> None:
        self._pause.clear()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return self._pause.is_set()

    def _poll(self) -> None:
        if self.channel is None:
            return
        for req in self.channel.poll():
            by = req.get("by", "?")
            if req["action"] == "abort":
                self.request_stop(f"aborted by {by}")
            elif req["action"] == "pause":
                self.request_pause()
            else:
                self.request_resume()

    def _note(self, text: str) -> None:
        if self.on_note is not None:
            self.on_note(text)

    def check(self) -> None:
        self.checks += 1
        if self.stop_at_check is not None and self.checks >= self.stop_at_check:
            self.request_stop("stopped here in the original run")
        self._poll()
        if self._pause.is_set() and not self._stop.is_set():
            self._note("paused by operator request")
            while self._pause.is_set() and not self._stop.is_set():
                self._stop.wait(PAUSE_POLL_S)
                self._poll()
            if not self._stop.is_set():
                self._note("resumed by operator request")
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
