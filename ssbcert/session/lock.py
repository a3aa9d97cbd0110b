"""One writer per session: an OS file lock on ``SESSION/session.lock``.

The lock is ``fcntl``/``msvcrt`` through :mod:`filelock`, so the kernel drops it when its process
dies, however it dies: after a ``kill -9`` the next process simply gets it (a stale lock file is
just a file). Who holds it (PID, command, since when) is written to ``session.lock.json`` while the
lock is held, so a refused second process can say "session in use by PID N since T".

Neither file is part of the recorded session: the manifest skips them.
"""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from ssbcert.errors import InputError

LOCK_FILE = "session.lock"
HOLDER_FILE = "session.lock.json"


class SessionInUse(InputError):
    """Another process holds the session's lock; the command stops before touching anything."""


def _holder(path: Path) -> dict[str, object]:
    try:
        data = json.loads((path / HOLDER_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


class SessionLock:
    """Exclusive lock on one session directory; ``acquire`` fails at once if it is taken."""

    def __init__(self, path: str | Path, command: str = "ssbcert") -> None:
        self.path = Path(path)
        self.command = command
        self._lock = FileLock(str(self.path / LOCK_FILE), timeout=0, is_singleton=False)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> "SessionLock":
        from ssbcert.session.store import utc_now

        self.path.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            h = _holder(self.path)
            who = f"PID {h.get('pid', '?')}" + (f" on {h['host']}" if h.get("host") not in (None, socket.gethostname()) else "")
            raise SessionInUse(f"session in use by {who} since {h.get('since', '?')} ({h.get('command', '?')}); "
                               "try again when it has finished", file=str(self.path)) from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command, "since": utc_now()}
        (self.path / HOLDER_FILE).write_text(json.dumps(holder) + "\n", encoding="utf-8")
        return self

    def release(self) -> None:
        if self._lock.is_locked:
            try:
                (self.path / HOLDER_FILE).unlink(missing_ok=True)
            finally:
                self._lock.release(force=True)

    def __enter__(self) -> "SessionLock":
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
