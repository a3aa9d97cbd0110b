"""Documents the runner emits, in the shapes of Bluesky's event model (written from scratch):

    start       once per process run (segment): protocol hash, full bench snapshot, resume point,
                the pre-flight estimate per step
    descriptor  once per stream: the data keys with dtype, shape, source and units
    event       one per measured point (and per temperature reading, unsynced)
    step_begin / step_done   a step started / a step without records finished (resume skips it)
    suspend / resume   the temperature left its band / came back
    note / error       what happened and what the runner did about it
    stop        exit status (success | abort | fail), reason and the number of events per stream

Subscribers get every document as one dict whose "doc" names its kind; the session journal is one
subscriber, the progress display another, and the web monitor reads the journal. start, descriptor,
event and stop also carry the event model's fields (uid, time, run_start, descriptor, seq_num,
data, timestamps, data_keys, num_events), so `to_event_model` only has to drop ssbcert's own keys
from an event to give a document event-model's validators accept: a Bluesky or Tiled user can
ingest a session's journal with `event_model_documents`. The other kinds have no event-model
counterpart and stay ssbcert-only. Journals written before these fields existed give nothing.
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Callable, Iterable, Iterator

Document = dict[str, Any]
Subscriber = Callable[[Document], None]

RUNNER = "ssbcert:runner"  # the source of bookkeeping keys (step and point ids)


def _key(dtype: str, units: str | None = None, role: str | None = None, shape: list[int | None] | None = None) -> dict[str, Any]:
    """One data key; `role` says whose instrument measured it (filled in with its resource)."""
    return {"dtype": dtype, "shape": shape if shape is not None else ([None] if dtype == "array" else []), "units": units, "role": role}


_STEP = {"step": _key("string")}
_POINT = {"point": _key("string"), "record": _key("integer")}

# stream -> data key -> description; every event of a stream carries exactly these keys
DESCRIPTORS: dict[str, dict[str, dict[str, Any]]] = {
    "impedance": {
        "frequency_Hz": _key("array", "Hz", "impedance"),
        "z_real_ohm": _key("array", "ohm", "impedance"),
        "z_imag_ohm": _key("array", "ohm", "impedance"),
        "points": _key("integer", None, "impedance"),
        "temperature_K": _key("number", "K", "temperature"),
        **_STEP,
        **_POINT,
    },
    "polarization": {
        "time_s": _key("array", "s", "dc"),
        "current_A": _key("array", "A", "dc"),
        "voltage_V": _key("number", "V", "dc"),
        "points": _key("integer", None, "dc"),
        "temperature_K": _key("number", "K", "temperature"),
        **_STEP,
        **_POINT,
    },
    "polarization_live": {"n": _key("integer", None, "dc"), "current_A": _key("number", "A", "dc"), **_STEP},
    "temperature": {
        "temperature_K": _key("number", "K", "temperature"),
        "setpoint_K": _key("number", "K", "temperature"),
        "band_K": _key("number", "K", "temperature"),
        "time_s": _key("number", "s", "temperature"),  # instrument clock (accelerated on a sim bench)
        **_STEP,
    },
    "snapshot": {"instruments": _key("string"), **_STEP},  # JSON text of every instrument's identity and settings
}

EVENT_KEYS = ("uid", "time", "descriptor", "seq_num", "data", "timestamps")
EVENT_MODEL_KINDS = ("start", "descriptor", "event", "stop")


def _uid() -> str:
    return str(uuid.uuid4())


def _infer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return _key("boolean")
    if isinstance(value, int):
        return _key("integer")
    if isinstance(value, (float, type(None))):
        return _key("number")
    if isinstance(value, (list, tuple)):
        return _key("array")
    return _key("string")


class Emitter:
    """Fan documents out to subscribers; stamps uids and times, describes and numbers each stream."""

    def __init__(self, subscribers: list[Subscriber] | None = None, start_extra: dict[str, Any] | None = None) -> None:
        self.subscribers = list(subscribers or [])
        self.run_uid = _uid()
        self.start_extra = dict(start_extra or {})
        self.resources: dict[str, str] = {}  # role -> VISA resource, from the start snapshot
        self._seq: dict[str, int] = {}
        self._descriptors: dict[str, Document] = {}

    def emit(self, doc: Document) -> None:
        kind = doc.get("doc")
        doc.setdefault("time", time.time())
        if kind == "start":
            doc.setdefault("uid", self.run_uid)
            doc.setdefault("plan_name", doc.get("protocol", ""))
            for k, v in self.start_extra.items():
                doc.setdefault(k, v)
            self.resources = {r: str(s.get("resource", "")) for r, s in (doc.get("snapshot") or {}).items() if isinstance(s, dict)}
        elif kind == "stop":
            doc.setdefault("uid", _uid())
            doc.setdefault("run_start", self.run_uid)
            doc.setdefault("num_events", dict(self._seq))
            if doc.get("reason") is None:
                doc["reason"] = ""
        for s in self.subscribers:
            s(doc)

    def _describe(self, stream: str, data: dict[str, Any]) -> Document:
        declared = DESCRIPTORS.get(stream) or {k: _infer(v) for k, v in data.items()}
        keys = {}
        for name, key in declared.items():
            role = key["role"]
            source = self.resources.get(role) if role else None
            keys[name] = {"dtype": key["dtype"], "shape": key["shape"], "source": source or (f"ssbcert:{role}" if role else RUNNER), "units": key["units"]}
        desc = {"doc": "descriptor", "run": self.run_uid, "stream": stream, "uid": _uid(), "run_start": self.run_uid, "time": time.time(), "name": stream, "data_keys": keys}
        self._descriptors[stream] = desc
        self.emit(desc)
        return desc

    def event(self, stream: str, data: dict[str, Any], **extra: Any) -> None:
        """One event; extras named like a data key of the stream (step, point, ...) go into data too."""
        desc = self._descriptors.get(stream) or self._describe(stream, {**data, **extra})
        full = {**data, **{k: v for k, v in extra.items() if k in desc["data_keys"]}}
        for k in desc["data_keys"]:
            full.setdefault(k, None)
        now = time.time()
        self._seq[stream] = self._seq.get(stream, 0) + 1
        self.emit(
            {
                "doc": "event",
                "run": self.run_uid,
                "stream": stream,
                "seq_num": self._seq[stream],
                "data": full,
                "uid": _uid(),
                "time": now,
                "descriptor": desc["uid"],
                "timestamps": {k: now for k in full},
                **extra,
            }
        )


def to_event_model(doc: Document) -> tuple[str, Document] | None:
    """(name, document) as event-model defines it, or None for ssbcert-only kinds and old journals."""
    kind = doc.get("doc")
    if kind not in EVENT_MODEL_KINDS or "uid" not in doc:
        return None
    if kind == "event":
        return "event", {k: doc[k] for k in EVENT_KEYS}
    return kind, {k: v for k, v in doc.items() if k != "doc"}


def event_model_documents(docs: Iterable[Document]) -> Iterator[tuple[str, Document]]:
    """The event-model stream of a journal (e.g. `load_session(path).documents`), in order."""
    for doc in docs:
        pair = to_event_model(doc)
        if pair is not None:
            yield pair
