"""What a certificate is made from: the session's records, the sample record and the spec,
turned into the analysis' inputs (cell geometry with its uncertainties, spectra by purpose)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ssbcert.analysis.geometry import Geometry, Interdigitated, ParallelStrips, ThroughPlane
from ssbcert.errors import InputError
from ssbcert.records import ImpedanceSpectrum, PolarizationTrace
from ssbcert.sample import SampleRecord, compute_sample_properties
from ssbcert.sample.compute import PropertyResults
from ssbcert.sample.electrodes import InPlaneStrips
from ssbcert.sample.electrodes import Interdigitated as SampleIDE
from ssbcert.session import Session

ROOM_TEMPERATURE_K = 298.15
ROOM_BAND_K = 2.0  # a spectrum within ±2 K of 25 °C counts as a direct room-temperature measurement


def cell_geometry(record: SampleRecord, properties: PropertyResults, source: str) -> Geometry:
    """Cell constant inputs from the sample record: thickness from the readings' statistics (with
    their degrees of freedom), electrode dimensions with their stated uncertainties."""
    if record.electrodes is None:
        raise InputError("the sample record has no electrodes section; a conductivity needs the cell geometry",
                         file=source, field="electrodes", expected="through_plane, in_plane_strips or interdigitated")
    h = properties.get("thickness_mean")
    if h is None:
        raise InputError("no thickness: the cell constant needs the specimen thickness",
                         file=source, field="thickness.readings_um", expected="thickness readings")
    el = record.electrodes
    if isinstance(el, InPlaneStrips):
        g, w = el.gap_m, el.length_m
        return ParallelStrips(gap_m=g.value, length_m=w.value, thickness_m=h.value,
                              u_gap_m=g.u, u_length_m=w.u, u_thickness_m=h.u, dof_thickness_m=h.dof)
    if isinstance(el, SampleIDE):
        w, s, L = el.finger_width_m, el.spacing_m, el.overlap_length_m
        return Interdigitated(n_fingers=int(el.finger_count), overlap_m=L.value, width_m=w.value, gap_m=s.value,
                              thickness_m=h.value, model="thin_film", u_overlap_m=L.u, u_width_m=w.u, u_gap_m=s.u,
                              u_thickness_m=h.u, dof_thickness_m=h.dof)
    a = el.area_m2
    return ThroughPlane(thickness_m=h.value, area_m2=a.value, u_thickness_m=h.u, u_area_m2=a.u,
                        dof_thickness_m=h.dof)


@dataclass
class CertificateInputs:
    session: Session
    sample: SampleRecord
    sample_source: str
    properties: PropertyResults
    geometry: Geometry
    series: list[ImpedanceSpectrum] = field(default_factory=list)  # measurement order, with temperatures
    spectrum_ids: list[str] = field(default_factory=list)  # stable ids: "<step>/<point>"
    traces: list[PolarizationTrace] = field(default_factory=list)
    trace_ids: list[str] = field(default_factory=list)

    @property
    def room_index(self) -> int | None:
        """The first spectrum measured within ±2 K of 25 °C (the direct room-temperature value)."""
        for i, s in enumerate(self.series):
            if s.temperature_K is not None and abs(s.temperature_K - ROOM_TEMPERATURE_K) <= ROOM_BAND_K:
                return i
        return None


def gather(session: Session, sample: SampleRecord, sample_source: str | Path) -> CertificateInputs:
    props = compute_sample_properties(sample)
    geo = cell_geometry(sample, props, str(sample_source))
    out = CertificateInputs(session, sample, str(sample_source), props, geo)
    for rec in session.records:
        rid = f"{rec.step}/{rec.point}" if rec.point else rec.step
        if isinstance(rec.record, ImpedanceSpectrum):
            if rec.record.meta.get("fixture") in ("open", "short"):
                continue  # compensation sweeps are inputs to the correction, not results
            out.series.append(rec.record)
            out.spectrum_ids.append(rid)
        elif isinstance(rec.record, PolarizationTrace):
            out.traces.append(rec.record)
            out.trace_ids.append(rid)
    if not out.series and not out.traces:
        raise InputError("the session holds no measured records", file=str(session.path), field="records.jsonl",
                         expected="at least one impedance spectrum or polarization trace", found="none")
    missing = [i for i, s in zip(out.spectrum_ids, out.series) if s.temperature_K is None]
    if missing:
        raise InputError("a spectrum has no temperature; conductivities need one", file=str(session.path),
                         field=f"records[{missing[0]}].temperature_K", expected="kelvin", found="None")
    return out
