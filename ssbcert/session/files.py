"""Crash-safe file primitives: append-only JSON lines and atomically replaced files.

A line is either wholly on disk or not at all as far as readers are concerned: a torn last line
(the process died mid-write) is ignored by readers and cut off before the next append.
"""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any, Iterator


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name, fsync, rename over the target, fsync the directory.

    The temporary name is unique per process and call, so two writers never rename each other's
    half-written file (``manifest.json.tmp`` vanishing under a second process was such a race).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def dumps(obj: Any) -> str:
    """One JSON line; floats as repr so values survive bit for bit."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True)


def repair_tail(path: Path) -> int:
    """Cut a torn last line; returns the number of bytes removed."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return 0
        chunk = 1 << 16
        pos = size
        while pos > 0:
            start = max(0, pos - chunk)
            fh.seek(start)
            block = fh.read(pos - start)
            idx = block.rfind(b"\n")
            if idx >= 0:
                keep = start + idx + 1
                break
            pos = start
        else:
            keep = 0
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
        return size - keep


class AppendLog:
    """An append-only JSON-lines file. `append(..., sync=True)` returns once the line is on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        repair_tail(path)
        self._fh = open(path, "ab", buffering=0)
        self._dirty = False

    def append(self, obj: Any, sync: bool = True) -> None:
        self._fh.write((dumps(obj) + "\n").encode("ascii"))
        self._dirty = True
        if sync:
            self.sync()

    def sync(self) -> None:
        if self._dirty:
            os.fsync(self._fh.fileno())
            self._dirty = False

    def close(self) -> None:
        if not self._fh.closed:
            self.sync()
            self._fh.close()


def read_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Every complete line; a torn last line is skipped."""
    if not path.exists():
        return
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break
            raw = raw.strip()
            if raw:
                yield json.loads(raw)


class Tail:
    """The complete JSON lines appended to a growing file since the last read (a torn last line
    waits for its end; a line that is not JSON is skipped). For readers that follow a live session."""

    def __init__(self, path: Path, from_end: bool = False) -> None:
        self.path = path
        self.offset = path.stat().st_size if from_end and path.exists() else 0
        self._partial = b""

    def read(self) -> list[Any]:
        try:
            if self.path.stat().st_size <= self.offset:
                return []
        except FileNotFoundError:
            return []
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            chunk = fh.read()
        self.offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        out = []
        for raw in lines:
            try:
                out.append(json.loads(raw))
            except ValueError:
                continue
        return out


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
