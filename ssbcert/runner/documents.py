"""Documents the runner emits (shapes borrowed from Bluesky's event model, written from scratch):

    start       once per process run (segment): protocol hash, full bench snapshot, resume point
    descriptor  once per stream: the data keys with units
    event       one per measured point (and per temperature reading, unsynced)
    step_done   a step without records finished (resume skips it)
    suspend / resume   the temperature left its band / came back
    error       an instrument error and what the runner did about it
    stop        exit status (success | abort | fail) and reason

Subscribers get every document; the session journal is one subscriber, progress display another.
"""
from __future__ import annotations

import uuid
from typing import Any, Callable

Document = dict[str, Any]
Subscriber = Callable[[Document], None]

DESCRIPTORS: dict[str, dict[str, dict[str, str]]] = {
    "impedance": {
        "frequency_Hz": {"dtype": "array", "units": "Hz"},
        "z_real_ohm": {"dtype": "array", "units": "ohm"},
        "z_imag_ohm": {"dtype": "array", "units": "ohm"},
        "temperature_K": {"dtype": "number", "units": "K"},
    },
    "polarization": {
        "time_s": {"dtype": "array", "units": "s"},
        "current_A": {"dtype": "array", "units": "A"},
        "voltage_V": {"dtype": "number", "units": "V"},
    },
    "temperature": {"temperature_K": {"dtype": "number", "units": "K"}, "setpoint_K": {"dtype": "number", "units": "K"}},
    "snapshot": {"instruments": {"dtype": "object", "units": ""}},
}


class Emitter:
    """Fan documents out to subscribers; numbers events per stream."""

    def __init__(self, subscribers: list[Subscriber] | None = None) -> None:
        self.subscribers = list(subscribers or [])
        self.run_uid = uuid.uuid4().hex
        self._seq: dict[str, int] = {}
        self._described: set[str] = set()

    def emit(self, doc: Document) -> None:
        for s in self.subscribers:
            s(doc)

    def event(self, stream: str, data: dict[str, Any], **extra: Any) -> None:
        if stream not in self._described:
            self._described.add(stream)
            self.emit({"doc": "descriptor", "run": self.run_uid, "stream": stream, "data_keys": DESCRIPTORS.get(stream, {})})
        self._seq[stream] = self._seq.get(stream, 0) + 1
        self.emit({"doc": "event", "run": self.run_uid, "stream": stream, "seq_num": self._seq[stream], "data": data, **extra})
