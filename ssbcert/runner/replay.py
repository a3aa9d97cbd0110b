"""Replay: serve a recorded transcript to the drivers instead of live instruments.

Each resource gets its recorded exchanges back in order; the clock gets its recorded readings.
Strict mode requires every command to be byte-identical to the recording; lenient mode compares
normalised SCPI (case, optional leading colon, long/short header forms, number formatting).
The first mismatch stops the replay and names the step, the resource and both commands.
"""
from __future__ import annotations

import re
from collections import deque
from typing import Any, Callable

from ssbcert.drivers.transport import ConnectionLost, Transport, TransportTimeout
from ssbcert.sim_instruments.clock import SimClock

Entry = dict[str, Any]


class ReplayDivergence(Exception):
    """The replayed run asked for something the recorded run did not."""

    def __init__(self, step: str | None, resource: str, expected: str, got: str, entry: int | None) -> None:
        self.step, self.resource, self.expected, self.got, self.entry = step, resource, expected, got, entry
        where = f"transcript entry #{entry}" if entry is not None else "end of transcript"
        super().__init__(f"replay diverged at step {step or '?'} on {resource} ({where}): recorded {expected}, replay sent {got}")


class TranscriptEnd(Exception):
    """The recording ends here (the original process was killed at this point)."""


_NUM = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


def _short(node: str) -> str:
    m = re.match(r"^([A-Za-z*]+)(\d*)(\??)$", node)
    if not m:
        return node.upper()
    word, suffix, q = m.group(1).upper(), m.group(2), m.group(3)
    if len(word) > 4 and not word.startswith("*"):
        word = word[:3] if word[3] in "AEIOU" else word[:4]
    return word + suffix + q


def normalise_scpi(text: str) -> str:
    """Canonical form for lenient comparison: short uppercase headers, canonical numbers."""
    out = []
    for part in text.strip().rstrip(";").split(";"):
        part = part.strip()
        if not part:
            continue
        header, _, args = part.partition(" ")
        nodes = [_short(n) for n in header.lstrip(":").split(":") if n]
        canon_args = []
        for a in args.split(","):
            a = a.strip()
            if _NUM.match(a):
                a = repr(float(a))
            canon_args.append(a.upper() if not a.startswith(("'", '"')) else a)
        out.append(":".join(nodes) + (" " + ",".join(canon_args) if args.strip() else ""))
    return ";".join(out)


class Transcript:
    """One segment's recorded exchanges, split per resource, plus the clock readings."""

    def __init__(self, entries: list[Entry], lenient: bool = False, step_of: Callable[[], str | None] = lambda: None) -> None:
        self.lenient = lenient
        self.step_of = step_of
        self.queues: dict[str, deque[Entry]] = {}
        self.clock: deque[float] = deque()
        for e in entries:
            if e["dir"] == "clock":
                self.clock.append(float(e["data"]))
            else:
                self.queues.setdefault(e["res"], deque()).append(e)

    def peek(self, resource: str) -> Entry | None:
        q = self.queues.get(resource)
        return q[0] if q else None

    def take(self, resource: str, wanted: str) -> Entry:
        q = self.queues.get(resource)
        if not q:
            raise TranscriptEnd(f"{resource}: no more recorded exchanges (wanted {wanted})")
        return q.popleft()

    def same_command(self, recorded: str, sent: str) -> bool:
        if recorded == sent:
            return True
        return self.lenient and normalise_scpi(recorded) == normalise_scpi(sent)

    def diverged(self, entry: Entry | None, resource: str, got: str) -> ReplayDivergence:
        expected = "nothing more" if entry is None else f"{entry['dir']} {entry['data']!r}"
        return ReplayDivergence(self.step_of() or (entry or {}).get("step"), resource, expected, got, None if entry is None else entry.get("n"))

    def next_time(self) -> float:
        if not self.clock:
            raise TranscriptEnd("no more recorded clock readings")
        return self.clock.popleft()

    def leftover(self) -> dict[str, int]:
        return {r: len(q) for r, q in self.queues.items() if q}


class ReplayTransport(Transport):
    def __init__(self, transcript: Transcript, resource: str, read_termination: str = "\n", recorder: Any = None) -> None:
        self.t = transcript
        self.resource = resource
        self.read_termination = read_termination
        self.recorder = recorder

    def _log(self, direction: str, data: bytes) -> None:
        if self.recorder is not None:
            self.recorder.record(self.resource, direction, data)

    def _failure(self, command: str | None) -> None:
        """A recorded timeout / disconnect right here is raised again, like the live transport did."""
        nxt = self.t.peek(self.resource)
        if nxt is None or nxt["dir"] not in ("timeout", "disconnect"):
            return
        self.t.take(self.resource, nxt["dir"])
        self._log(nxt["dir"], nxt["data"].encode("latin-1"))
        if nxt["dir"] == "timeout":
            raise TransportTimeout(self.resource, "timeout (replayed)", command)
        raise ConnectionLost(self.resource, "connection lost (replayed)", command)

    def write(self, text: str) -> None:
        e = self.t.peek(self.resource)
        if e is None:
            raise TranscriptEnd(f"{self.resource}: recording ends before write {text!r}")
        if e["dir"] != "write" or not self.t.same_command(e["data"], text):
            raise self.t.diverged(e, self.resource, f"write {text!r}")
        self.t.take(self.resource, "write")
        self._log("write", text.encode("latin-1"))
        self._failure(text)

    def write_raw(self, data: bytes) -> None:
        self.write(data.decode("latin-1"))

    def _read_raw(self, what: str) -> bytes:
        self._failure(None)
        e = self.t.peek(self.resource)
        if e is None:
            raise TranscriptEnd(f"{self.resource}: recording ends before a {what}")
        if e["dir"] != "read":
            raise self.t.diverged(e, self.resource, what)
        self.t.take(self.resource, "read")
        raw = e["data"].encode("latin-1")
        self._log("read", raw)
        return raw

    def read(self, timeout_s: float | None = None) -> str:
        text = self._read_raw("read").decode("latin-1")
        term = self.read_termination
        if term and text.endswith(term):
            text = text[: -len(term)]
        return text.rstrip("\r\n") if term in ("\n", "\r\n") else text

    def read_bytes_until_block_end(self, timeout_s: float | None = None) -> bytes:
        return self._read_raw("block read")

    def drain(self, quiet_s: float = 0.1) -> bytes:
        e = self.t.peek(self.resource)
        if e is not None and e["dir"] == "drained":
            self.t.take(self.resource, "drained")
            data = e["data"].encode("latin-1")
            self._log("drained", data)
            return data
        return b""

    def reopen(self) -> None:
        e = self.t.peek(self.resource)
        if e is not None and e["dir"] == "event":
            self.t.take(self.resource, "event")
            self._log("event", e["data"].encode("latin-1"))

    def close(self) -> None:
        pass


class ReplayClock(SimClock):
    """Serves the recorded clock readings in order; sleeping takes no time."""

    def __init__(self, transcript: Transcript, time_scale: float = 1.0) -> None:
        self.t = transcript
        self.time_scale = time_scale

    def now(self) -> float:
        return self.t.next_time()

    def sleep(self, instrument_seconds: float) -> None:
        return None

    def wall_seconds(self, instrument_seconds: float) -> float:
        return 0.0


def transport_factory(transcript: Transcript, resources: dict[str, str], recorder: Any) -> Callable[[str, type, str], Transport]:
    """For open_bench: the resource each role used in the recording, served from the transcript."""

    def make(role: str, driver_cls: type, resource: str) -> Transport:
        res = resources.get(role, resource)
        return ReplayTransport(transcript, res, getattr(driver_cls, "read_termination", "\n"), recorder)

    return make
