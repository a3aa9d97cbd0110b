"""Seeded, reproducible fault injection for twins.

A FaultPlan is a list of rules checked for every message a twin receives. Transport faults are
applied by the socket server (delay, no_reply, garble, disconnect); device faults are handed to the
twin (error, overload, unstable_temperature). A rule fires on the n-th matching message (`at`), on
every one (`every`), or at random with probability `p` from the plan's own seeded generator, so the
same plan and seed give the same faults on every run.
"""
from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal[
    "delay",  # reply after `seconds` of wall time (late reply → client timeout → desync)
    "no_reply",  # swallow the reply
    "garble",  # flip bytes in the reply
    "disconnect",  # close the connection before replying
    "error",  # push an instrument error (code, message) to the error queue
    "overload",  # next measured values are the overload sentinel 9.9E37
    "unstable_temperature",  # stage oscillates with `amplitude_K` forever
]
TRANSPORT_KINDS = {"delay", "no_reply", "garble", "disconnect"}


@dataclass
class FaultRule:
    kind: FaultKind
    match: str = ""  # regex on the received message (case-insensitive); "" matches all
    at: int | None = None  # fire on the n-th matching message (1-based)
    every: bool = False
    p: float = 0.0
    times: int = 1  # how many times the rule may fire (0 = unlimited)
    params: dict[str, Any] = field(default_factory=dict)
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        self._rx = re.compile(self.match, re.IGNORECASE) if self.match else None

    def check(self, message: str, rng: random.Random) -> bool:
        if self._rx is not None and not self._rx.search(message):
            return False
        self.seen += 1
        if self.times and self.fired >= self.times:
            return False
        hit = self.every or (self.at is not None and self.seen == self.at) or (self.p > 0 and rng.random() < self.p)
        if hit:
            self.fired += 1
        return hit


class FaultPlan:
    """Thread-safe list of rules with its own RNG; changeable at run time via the control channel."""

    def __init__(self, rules: list[FaultRule] | None = None, seed: int = 0) -> None:
        self.rules = list(rules or [])
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.log: list[tuple[str, str]] = []  # (kind, message) of every fault fired

    @classmethod
    def from_config(cls, items: list[dict[str, Any]] | None, seed: int = 0) -> "FaultPlan":
        rules = []
        for i, item in enumerate(items or []):
            item = dict(item)
            kind = item.pop("kind", None)
            if kind not in FaultKind.__args__:  # type: ignore[attr-defined]
                raise ValueError(f"faults[{i}].kind: expected one of {', '.join(FaultKind.__args__)}, found {kind!r}")  # type: ignore[attr-defined]
            known = {"match", "at", "every", "p", "times"}
            params = {k: item.pop(k) for k in list(item) if k not in known}
            rules.append(FaultRule(kind=kind, params=params, **item))
        return cls(rules, seed)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def triggered(self, message: str) -> list[FaultRule]:
        with self._lock:
            hits = [r for r in self.rules if r.check(message, self._rng)]
            self.log.extend((r.kind, message) for r in hits)
            return hits

    def garble(self, data: bytes) -> bytes:
        """Replace printable payload bytes (not the terminator) with junk, reproducibly."""
        with self._lock:
            body = bytearray(data.rstrip(b"\r\n"))
            tail = data[len(body) :]
            if not body:
                return b"\x7f?" + tail
            for _ in range(max(1, len(body) // 8)):
                body[self._rng.randrange(len(body))] = self._rng.choice(b"#%&@~^`|")
            return bytes(body) + tail
