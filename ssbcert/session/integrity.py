"""Is this session still what was recorded? The check every command runs before it uses one.

Checked against ``manifest.json``: every listed file's SHA-256 (a changed file is named with both
hashes; lines appended after the manifest was written are told apart from edits), the number of
record and transcript lines, and the logs' own sequence numbers (a duplicated or missing point or
transcript entry, as two concurrent writers would leave, is named even if the hashes were redone).

    check_session(path)   -> list of problems (empty: intact)
    require_intact(path)  -> the manifest's SHA-256, or SessionTampered naming the file
    guard(path, command)  -> context: hold the session's lock and require it intact
"""
from __future__ import annotations

import atexit
import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ssbcert.errors import InputError
from ssbcert.session.files import sha256_file
from ssbcert.session.lock import SessionLock
from ssbcert.session.store import IO, MANIFEST, RECORDS, SESSION, count_lines

_N = re.compile(rb'^\{"n":\s*(\d+)\s*,')


class SessionTampered(InputError):
    """The session differs from its manifest: it was changed after it was recorded, or is unfinished."""


@dataclass(frozen=True)
class Problem:
    file: str  # relative to the session directory
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


def _prefix_sha256(path: Path, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        left = size
        while left > 0:
            block = fh.read(min(left, 1 << 20))
            if not block:
                break
            h.update(block)
            left -= len(block)
    return h.hexdigest()


def _file_problem(root: Path, rel: str, entry: dict[str, object]) -> Problem | None:
    f = root / rel
    expected = str(entry.get("sha256", ""))
    if not f.is_file():
        return Problem(rel, f"missing (the manifest lists it with sha256 {expected})")
    found = sha256_file(f)
    if found == expected:
        return None
    size, listed = f.stat().st_size, entry.get("bytes")
    if isinstance(listed, int) and size > listed and _prefix_sha256(f, listed) == expected:
        return Problem(rel, f"{size - listed} bytes were appended after the manifest was written (sha256 is {found}, "
                            f"the manifest says {expected}): the run was interrupted; resume it first")
    return Problem(rel, f"changed after it was recorded: sha256 is {found}, the manifest says {expected}")


def _sequence_problems(root: Path) -> list[Problem]:
    """Each log line carries ``n``; records also a point id. Both must run 0, 1, 2, … without repeats."""
    out: list[Problem] = []
    for name in (RECORDS, IO):
        f = root / name
        if not f.is_file():
            continue
        expected, points = 0, set()
        with open(f, "rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                if not raw.endswith(b"\n"):
                    break  # a torn last line: readers ignore it too
                m = _N.match(raw)
                n = int(m.group(1)) if m else -1
                if n != expected:
                    out.append(Problem(name, f"line {lineno}: entry n={n} where n={expected} was expected "
                                             "(a duplicated, missing or reordered line)"))
                    break
                expected += 1
                if name == RECORDS:
                    point = json.loads(raw).get("point")
                    if point in points:
                        out.append(Problem(name, f"line {lineno}: point {point} is recorded twice"))
                        break
                    points.add(point)
    return out


def _count_problems(root: Path, manifest: dict[str, object]) -> list[Problem]:
    out = []
    for name, key in ((RECORDS, "records"), (IO, "transcript")):
        want = manifest.get(key)
        if isinstance(want, int):
            have = count_lines(root / name)
            if have != want:
                out.append(Problem(name, f"holds {have} lines, the manifest says {want}"))
    return out


def manifest_sha256(path: str | Path) -> str:
    return sha256_file(Path(path) / MANIFEST)


def check_session(path: str | Path) -> list[Problem]:
    """Every way the session differs from its manifest; empty when intact."""
    root = Path(path)
    if not (root / SESSION).is_file():
        return [Problem(SESSION, "not a session directory")]
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        files = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [Problem(MANIFEST, f"missing or unreadable ({type(exc).__name__}): the session cannot be vouched for")]
    out = [p for rel, entry in sorted(files.items()) if (p := _file_problem(root, rel, entry)) is not None]
    if not out:
        out += _count_problems(root, manifest)
    return out + _sequence_problems(root)


def require_intact(path: str | Path, lock_as: str | None = None) -> str:
    """Refuse a changed session, naming the file and both hashes; returns the manifest's SHA-256.

    With ``lock_as`` (a command name) the session's lock is also taken and held until the process
    ends, for commands that use a session for their whole run (one call at the top suffices).
    """
    root = Path(path)
    if lock_as is not None:
        _hold(root, lock_as)
    problems = check_session(root)
    if problems:
        if lock_as is not None:
            _held.pop(root.resolve()).release()
        first = problems[0]
        more = f" (and {len(problems) - 1} more: {'; '.join(str(p) for p in problems[1:3])})" if len(problems) > 1 else ""
        raise SessionTampered(f"session refused: {first.message}{more}", file=str(root / first.file))
    return manifest_sha256(root)


_held: dict[Path, SessionLock] = {}


def _hold(root: Path, command: str) -> None:
    key = root.resolve()
    if key not in _held:
        _held[key] = SessionLock(root, command).acquire()


@atexit.register
def release_held() -> None:
    """Let go of every lock taken by ``require_intact(..., lock_as=...)``."""
    while _held:
        _held.popitem()[1].release()


@contextmanager
def guard(path: str | Path, command: str) -> Iterator[str]:
    """Hold the session's lock and require it intact for the duration; yields the manifest hash."""
    with SessionLock(path, command):
        yield require_intact(path)
