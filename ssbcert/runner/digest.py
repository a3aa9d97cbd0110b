"""A running SHA-256 of everything the instruments answered, committed into the journal.

The engine takes the digest when it commits something (the start document, each record's event,
each step_done, the stop), so every journal entry names the exact reply bytes it was made from:
status registers, error queues, drained late replies, recorded clock readings. Strict replay
serves the transcript back and recomputes the same digests; one changed digit anywhere in a reply
shows up as a mismatch at the step it belongs to, even when the driver ignores that bit.
"""
from __future__ import annotations

import hashlib
from typing import Any

SERVED = ("read", "drained", "timeout", "disconnect", "event", "clock")  # what replay serves back
KEY = "replies_sha256"


class ReplyDigest:
    """IORecorder that forwards to the session's I/O log and hashes what came back, per resource
    (replay serves each resource's queue in order; the interleaving of resources may differ)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._hashes: dict[str, Any] = {}

    def record(self, resource: str, direction: str, data: bytes) -> None:
        self.inner.record(resource, direction, data)
        if direction in SERVED:
            h = self._hashes.setdefault(resource, hashlib.sha256())
            h.update(f"{direction}\0{len(data)}\0".encode("latin-1"))
            h.update(data)

    def take(self) -> str:
        """The digest of the replies since the previous take; starts a new one."""
        out = hashlib.sha256()
        for resource in sorted(self._hashes):
            out.update(f"{resource}\0{self._hashes[resource].hexdigest()}\0".encode("latin-1"))
        self._hashes = {}
        return out.hexdigest()


def digests(documents: list[dict[str, Any]]) -> dict[tuple[Any, ...], str]:
    """(segment, document kind, step, point) → reply digest, for every journal entry that has one."""
    return {(d.get("seg"), d.get("doc"), d.get("step"), d.get("point")): d[KEY] for d in documents if KEY in d}


def compare(original: list[dict[str, Any]], replayed: list[dict[str, Any]]) -> list[str]:
    """Journal entries whose replies differ between recording and replay (entries the replay did
    not reach are not compared: a divergence already reports those)."""
    new = digests(replayed)
    out = []
    for key, digest in digests(original).items():
        if key in new and new[key] != digest:
            seg, doc, step, point = key
            out.append(f"segment {seg} {doc} {point or step or ''}".rstrip())
    return out
