"""The session directory: everything needed to trust, resume, replay and re-analyse a run.

    session.json     id, operator, created, protocol hash
    protocol/        the protocol files as written (main + includes), protocol.json (resolved)
    plan.json        the flat plan (step ids the records refer to)
    bench.json       the bench configuration; sample.json: the sample record
    journal.jsonl    documents: start / descriptor / event / step_done / suspend / stop
    io.jsonl         every instrument exchange: segment, step id, resource, direction, bytes
    records.jsonl    every measured record, keyed by step id and point id
    control.jsonl    operator requests (pause / resume / abort) from other processes, see runner/control.py;
                     not recorded (the journal records what the runner did with them)
    manifest.json    SHA-256 of every file, record and transcript line counts (rewritten atomically
                     at checkpoints and at stop; checked by :mod:`ssbcert.session.integrity`)
    session.lock     held by the one process writing (:mod:`ssbcert.session.lock`); not recorded

Append-only. A record line is fsynced before the run moves on (it is the commit of its point);
the I/O lines before it are flushed per line and fsynced with it. `segment` counts process runs:
0 for the first, +1 for each resume.
"""
from __future__ import annotations

import getpass
import json
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ssbcert.records import ImpedanceSpectrum, PolarizationTrace
from ssbcert.session.files import AppendLog, read_lines, sha256_file, write_atomic
from ssbcert.session.lock import HOLDER_FILE, LOCK_FILE, SessionLock

SESSION = "session.json"
PROTOCOL_DIR = "protocol"
PROTOCOL_JSON = "protocol.json"
PLAN = "plan.json"
BENCH = "bench.json"
SAMPLE = "sample.json"
JOURNAL = "journal.jsonl"
IO = "io.jsonl"
RECORDS = "records.jsonl"
MANIFEST = "manifest.json"
CONTROL = "control.jsonl"
CERTIFICATE_DIR = "certificate"  # certify's default output folder: beside the data, not part of it
NOT_RECORDED = (MANIFEST, LOCK_FILE, HOLDER_FILE, CONTROL)


def recorded_files(path: Path) -> list[Path]:
    """The files the manifest covers: everything but itself, the lock, temporaries and certificates."""
    out = []
    for f in sorted(path.rglob("*")):
        rel = f.relative_to(path).as_posix()
        if (f.is_file() and rel not in NOT_RECORDED and not rel.endswith(".tmp")
                and not rel.startswith(CERTIFICATE_DIR + "/")):
            out.append(f)
    return out


def count_lines(path: Path) -> int:
    """Complete lines (what readers see; a torn last line does not count)."""
    return sum(1 for _ in read_lines(path)) if path.exists() else 0


def _command() -> str:
    """What this process is, for the lock's holder note (e.g. ``ssbcert resume``)."""
    argv = sys.argv or ["python"]
    name = Path(argv[0]).name
    return " ".join(["ssbcert" if name in ("ssbcert", "__main__.py") else name, *argv[1:2]])


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode()


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class IOLog:
    """The IORecorder handed to transports (and the recording clock): one line per exchange."""

    def __init__(self, log: AppendLog, segment: int, start_n: int = 0) -> None:
        self._log = log
        self.segment = segment
        self.step: str | None = None
        self.n = start_n

    def record(self, resource: str, direction: str, data: bytes) -> None:
        self._log.append(
            {
                "n": self.n,
                "seg": self.segment,
                "step": self.step,
                "res": resource,
                "dir": direction,
                "data": data.decode("latin-1"),
                "wall": time.time(),
            },
            sync=False,
        )
        self.n += 1

    def sync(self) -> None:
        self._log.sync()


class SessionWriter:
    """Appends to one session directory. Create with `create` (new) or `reopen` (resume)."""

    def __init__(self, path: Path, lock: SessionLock | None = None) -> None:
        """Take the session's lock (unless the caller holds it already), then read its state.

        Taking the lock first means a second process never even reads the completed points, so two
        resumes cannot measure the same point twice: the second one stops with ``SessionInUse``.
        """
        self.path = Path(path)
        self.lock = lock if lock is not None else SessionLock(self.path, _command()).acquire()
        try:
            self._load()
        except BaseException:
            self.lock.release()
            raise

    def _load(self) -> None:
        self.info: dict[str, Any] = json.loads((self.path / SESSION).read_text())
        self.completed_points: set[str] = set()
        self.completed_steps: set[str] = set()
        starts = 0
        for doc in read_lines(self.path / JOURNAL):
            if doc.get("doc") == "start":
                starts += 1
            elif doc.get("doc") == "step_done":
                self.completed_steps.add(doc["step"])
        for line in read_lines(self.path / RECORDS):
            self.completed_points.add(line["point"])
        io_count, last_seg = 0, -1
        for line in read_lines(self.path / IO):
            io_count += 1
            last_seg = max(last_seg, int(line.get("seg", 0)))
        self.segment = max(starts, last_seg + 1)  # a run killed before its start document still used a number
        self.journal = AppendLog(self.path / JOURNAL)
        self.records = AppendLog(self.path / RECORDS)
        self.io = IOLog(AppendLog(self.path / IO), self.segment, io_count)
        self._seq: dict[str, int] = {}

    @classmethod
    def create(
        cls,
        path: str | Path,
        protocol_sources: list[tuple[str, str]],
        protocol: dict[str, Any],
        plan: dict[str, Any],
        bench: dict[str, Any],
        sample: dict[str, Any] | None = None,
        operator: str | None = None,
    ) -> "SessionWriter":
        """Write the static part of a new session; refuses a directory that already holds one."""
        p = Path(path)
        if (p / SESSION).exists():
            raise FileExistsError(f"{p} already holds a session; use `ssbcert resume {p}`")
        lock = SessionLock(p, _command()).acquire()
        try:
            return cls._create_locked(p, lock, protocol_sources, protocol, plan, bench, sample, operator)
        except BaseException:
            lock.release()
            raise

    @classmethod
    def _create_locked(cls, p: Path, lock: SessionLock, protocol_sources: list[tuple[str, str]], protocol: dict[str, Any],
                       plan: dict[str, Any], bench: dict[str, Any], sample: dict[str, Any] | None,
                       operator: str | None) -> "SessionWriter":
        if (p / SESSION).exists():  # created by another process while we waited for nothing
            raise FileExistsError(f"{p} already holds a session; use `ssbcert resume {p}`")
        (p / PROTOCOL_DIR).mkdir(parents=True, exist_ok=True)
        names = []
        for i, (source, text) in enumerate(protocol_sources):
            name = f"{i:02d}-{Path(source).name}"
            write_atomic(p / PROTOCOL_DIR / name, text.encode("utf-8"))
            names.append({"file": f"{PROTOCOL_DIR}/{name}", "source": source})
        write_atomic(p / PROTOCOL_JSON, _json_bytes({**protocol, "files": names}))
        write_atomic(p / PLAN, _json_bytes(plan))
        write_atomic(p / BENCH, _json_bytes(bench))
        write_atomic(p / SAMPLE, _json_bytes(sample or {}))
        info = {
            "id": uuid.uuid4().hex,
            "created_utc": utc_now(),
            "operator": operator or _operator(),
            "protocol_name": plan.get("name"),
            "protocol_sha256": plan.get("protocol_sha256"),
        }
        write_atomic(p / SESSION, _json_bytes(info))
        for name in (JOURNAL, IO, RECORDS):
            (p / name).touch()
        w = cls(p, lock)
        w.write_manifest()
        return w

    @classmethod
    def reopen(cls, path: str | Path) -> "SessionWriter":
        p = Path(path)
        if not (p / SESSION).exists():
            raise FileNotFoundError(f"{p}: not a session directory (no {SESSION})")
        return cls(p)

    # ---- appending ----------------------------------------------------------------------
    def document(self, doc: dict[str, Any], sync: bool = True) -> None:
        if sync:
            self.io.sync()
        self.journal.append({**doc, "seg": self.segment, "wall_utc": utc_now()}, sync=sync)
        if doc.get("doc") == "step_done":
            self.completed_steps.add(doc["step"])

    def add_record(self, step_id: str, point_id: str, record: ImpedanceSpectrum | PolarizationTrace) -> int:
        """Commit one measured point. Returns its index in records.jsonl."""
        if point_id in self.completed_points:
            raise ValueError(f"point {point_id} is already recorded; refusing a duplicate")
        self.io.sync()
        n = len(self.completed_points)
        self.records.append({"n": n, "seg": self.segment, "step": step_id, "point": point_id, "record": record.to_dict()})
        self.completed_points.add(point_id)
        return n

    # ---- manifest ----------------------------------------------------------------------
    def write_manifest(self) -> dict[str, Any]:
        for log in (self.journal, self.records):
            log.sync()
        self.io.sync()
        files = {}
        for f in recorded_files(self.path):
            files[f.relative_to(self.path).as_posix()] = {"sha256": sha256_file(f), "bytes": f.stat().st_size}
        manifest = {"session": self.info["id"], "updated_utc": utc_now(), "files": files,
                    "records": count_lines(self.path / RECORDS), "transcript": count_lines(self.path / IO)}
        write_atomic(self.path / MANIFEST, _json_bytes(manifest))
        return manifest

    def close(self) -> None:
        try:
            for log in (self.journal, self.records):
                log.close()
            self.io._log.close()
        finally:
            self.lock.release()


def _operator() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment and no password entry for the uid
        return "unknown"


def verify_manifest(path: str | Path) -> list[str]:
    """Files whose hash differs from the manifest (appended-to logs after a crash show up here)."""
    p = Path(path)
    manifest = json.loads((p / MANIFEST).read_text())
    bad = []
    for rel, entry in manifest["files"].items():
        f = p / rel
        if not f.exists() or sha256_file(f) != entry["sha256"]:
            bad.append(rel)
    return bad
