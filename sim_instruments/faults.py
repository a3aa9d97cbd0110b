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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
_TRIGGERS = ("match", "at", "every", "p", "times")
_PARAM_KINDS = {"seconds": ("delay",), "code": ("error",), "message": ("error",), "amplitude_K": ("unstable_temperature",),
                "count": ("overload",)}


class FaultSpec(BaseModel):
    """The schema of one fault, as a bench file or the control channel gives it."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    match: str = Field("", description="regex on the received message (case-insensitive); '' matches all")
    at: int | None = Field(default=None, ge=1)
    every: bool = False
    p: float = Field(default=0.0, ge=0.0, le=1.0)
    times: int = Field(default=1, ge=0)
    seconds: float | None = Field(default=None, gt=0, description="delay: wall seconds")
    code: int | None = Field(default=None, description="error: instrument error code")
    message: str | None = None
    amplitude_K: float | None = Field(default=None, gt=0, description="unstable_temperature")
    count: int | None = Field(default=None, ge=1, description="overload: measurements affected")

    @field_validator("match")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return v

    @model_validator(mode="after")
    def _params_of_kind(self) -> "FaultSpec":
        for name, kinds in _PARAM_KINDS.items():
            if getattr(self, name) is not None and self.kind not in kinds:
                raise ValueError(f"{name} applies to fault kind {' or '.join(kinds)}, not {self.kind}")
        return self

    def as_plan_item(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None}

    def rule(self) -> "FaultRule":
        item = self.as_plan_item()
        kind = item.pop("kind")
        triggers = {k: item.pop(k) for k in _TRIGGERS if k in item}
        return FaultRule(kind=kind, params=item, **triggers)


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
        """Rules from fault specs (dicts); a spec that does not fit FaultSpec raises ValueError naming it."""
        from pydantic import ValidationError

        rules = []
        for i, item in enumerate(items or []):
            try:
                rules.append(FaultSpec.model_validate(item).rule())
            except ValidationError as exc:
                e = exc.errors()[0]
                where = ".".join(str(x) for x in e["loc"])
                raise ValueError(f"faults[{i}]{'.' + where if where else ''}: {e['msg']}") from None
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
