"""Reading a session back: records, documents and transcript, and one long pandas table."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssbcert.records import ImpedanceSpectrum, PolarizationTrace, record_from_dict
from ssbcert.session.files import read_lines
if TYPE_CHECKING:
    import pandas as pd

from ssbcert.session.store import BENCH, IO, JOURNAL, PLAN, PROTOCOL_JSON, RECORDS, SAMPLE, SESSION


@dataclass(frozen=True)
class SessionRecord:
    step: str
    point: str
    segment: int
    record: ImpedanceSpectrum | PolarizationTrace


@dataclass
class Session:
    path: Path
    info: dict[str, Any]
    protocol: dict[str, Any]
    plan: dict[str, Any]
    bench: dict[str, Any]
    sample: dict[str, Any]
    records: list[SessionRecord]
    documents: list[dict[str, Any]]

    def io(self) -> list[dict[str, Any]]:
        """The instrument transcript (read on demand: it is the largest file)."""
        return list(read_lines(self.path / IO))

    @property
    def stops(self) -> list[dict[str, Any]]:
        return [d for d in self.documents if d.get("doc") == "stop"]

    @property
    def complete(self) -> bool:
        stops = self.stops
        return bool(stops) and stops[-1].get("exit_status") == "success"

    def spectra(self) -> list[ImpedanceSpectrum]:
        return [r.record for r in self.records if isinstance(r.record, ImpedanceSpectrum)]

    def traces(self) -> list[PolarizationTrace]:
        return [r.record for r in self.records if isinstance(r.record, PolarizationTrace)]

    def dataframe(self) -> "pd.DataFrame":
        """One row per measured value: spectra (frequency, Z', Z'') and traces (time, current)."""
        import pandas as pd  # lazily: the runner process does not need it

        frames = []
        for r in self.records:
            rec = r.record
            base = {"step": r.step, "point": r.point, "segment": r.segment, "temperature_K": rec.temperature_K}
            if isinstance(rec, ImpedanceSpectrum):
                cols = {
                    "kind": "impedance_spectrum",
                    "frequency_Hz": rec.frequency_Hz,
                    "z_real_ohm": rec.z_real_ohm,
                    "z_imag_ohm": rec.z_imag_ohm,
                    "time_s": rec.time_s if rec.time_s is not None else float("nan"),
                }
            else:
                cols = {"kind": "polarization_trace", "time_s": rec.time_s, "current_A": rec.current_A, "voltage_V": rec.voltage_V}
            frames.append(pd.DataFrame({**base, **cols}))
        columns = ["step", "point", "segment", "kind", "temperature_K", "frequency_Hz", "z_real_ohm", "z_imag_ohm", "time_s", "current_A", "voltage_V"]
        if not frames:
            return pd.DataFrame(columns=columns)
        return pd.concat(frames, ignore_index=True).reindex(columns=columns)


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def load_session(path: str | Path) -> Session:
    """Everything recorded in a session directory. Duplicate point ids (never written by the
    runner, but possible in a hand-edited file) keep their first occurrence."""
    p = Path(path)
    if not (p / SESSION).exists():
        raise FileNotFoundError(f"{p}: not a session directory (no {SESSION})")
    records: list[SessionRecord] = []
    seen: set[str] = set()
    for line in read_lines(p / RECORDS):
        if line["point"] in seen:
            continue
        seen.add(line["point"])
        records.append(SessionRecord(line["step"], line["point"], int(line.get("seg", 0)), record_from_dict(line["record"])))
    return Session(
        path=p,
        info=_json(p / SESSION),
        protocol=_json(p / PROTOCOL_JSON),
        plan=_json(p / PLAN),
        bench=_json(p / BENCH),
        sample=_json(p / SAMPLE),
        records=records,
        documents=list(read_lines(p / JOURNAL)),
    )
