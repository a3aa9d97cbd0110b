"""Run the analysis on a session's records: the temperature series (KK, fit, arcs, σ, Arrhenius),
the room-temperature values (measured directly when a spectrum was taken at 25 ± 2 °C, otherwise
interpolated from the Arrhenius fit, and the certificate says which), and the DC polarization."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ssbcert.analysis.pipeline import SeriesAnalysis, SpectrumAnalysis, analyse_series
from ssbcert.analysis.polarization import PolarizationAnalysis, analyse_polarization
from ssbcert.analysis.stationarity import RepeatComparison
from ssbcert.certify.inputs import ROOM_TEMPERATURE_K, CertificateInputs
from ssbcert.uncertainty import Measured, propagate


@dataclass
class Finding:
    """One reportable number with what the certificate needs to say about it."""

    id: str
    quantity: str
    measured: Measured
    kind: str = ""
    conditions: dict[str, Any] = field(default_factory=dict)
    raw: list[str] = field(default_factory=list)  # spectrum/trace ids
    informative: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Findings:
    series: SeriesAnalysis | None
    room: SpectrumAnalysis | None
    room_id: str | None
    polarization: PolarizationAnalysis | None
    items: list[Finding] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    # quantity id -> why the data cannot support it (a required item then stays inconclusive,
    # and this sentence is the reason the certificate prints)
    withheld: dict[str, str] = field(default_factory=dict)
    # the room-temperature sweep against its repeats (empty: it was not repeated, so its
    # stationarity is not shown, and the certificate says so)
    room_repeats: list[RepeatComparison] = field(default_factory=list)

    def by_quantity(self) -> dict[str, Measured]:
        return {f.quantity: f.measured for f in self.items if not f.informative}


def withheld_sentence(label: str, spectrum_id: str | None, reason: str) -> str:
    """The reviewer-facing reason a required item has no result: what was withheld and why."""
    where = f" (spectrum {spectrum_id})" if spectrum_id else ""
    reason = reason.rstrip(".")
    return (f"{label} at 25 °C is not reported{where} because the measured data cannot support it: {reason}. "
            "The requirement is therefore not evaluated (inconclusive), never passed.")


def _arrhenius_key(kind: str) -> str:
    return {"total": "total", "bulk": "bulk", "grain_boundary": "gb"}[kind]


def analyse(inputs: CertificateInputs, u_temperature_K: float = 0.3, workers: int | None = None) -> Findings:
    series = (analyse_series(inputs.series, inputs.geometry, u_temperature_K=u_temperature_K, workers=workers)
              if inputs.series else None)
    room_i = inputs.room_index
    room = series.spectra[room_i] if (series and room_i is not None) else None
    room_id = inputs.spectrum_ids[room_i] if room_i is not None else None
    out = Findings(series, room, room_id, None)
    if series:
        out.flags += series.flags
        out.room_repeats = [c for c in series.stationarity if room_i in (c.first, c.second)]
    rt_cond = {"temperature_K": ROOM_TEMPERATURE_K, "u_temperature_K": u_temperature_K}
    if room is not None and inputs.series[room_i].temperature_K is not None:  # type: ignore[index]
        rt_cond = {"temperature_K": inputs.series[room_i].temperature_K, "u_temperature_K": u_temperature_K}  # type: ignore[index]
        amp = inputs.series[room_i].meta.get("amplitude_V")  # type: ignore[index]
        if amp is not None:
            rt_cond["amplitude_V_rms"] = amp
        f = inputs.series[room_i].frequency_Hz  # type: ignore[index]
        rt_cond["frequency_range_Hz"] = [float(f.min()), float(f.max())]
        out.flags += [f"{room_id}: {x}" for x in room.flags]

    # --- room-temperature conductivities ------------------------------------------------------
    sigma_total: Measured | None = None
    if room is not None and room.valid:
        c = room.conductivity
        raw = [room_id] if room_id else []
        resolved = room.arcs.bulk_gb_resolved
        for fld, fid, qid, kind, label, extra in (
                ("sigma_total_S_per_m", "sigma_total_25C", "ionic_conductivity_total", "total", "σ_total", True),
                ("sigma_bulk_S_per_m", "sigma_bulk_25C", "ionic_conductivity_bulk", "bulk", "σ_bulk", resolved),
                ("sigma_gb_apparent_S_per_m", "sigma_gb_apparent_25C", "ionic_conductivity_gb_apparent", "gb_apparent",
                 "σ_gb (apparent)", resolved),
                ("sigma_gb_specific_S_per_m", "sigma_gb_specific_25C", "ionic_conductivity_gb_specific", "gb_specific",
                 "σ_gb (specific)", resolved),
                ("asr_ohm_m2", "asr_25C", "asr_electrolyte", "", "ASR", True)):
            m = getattr(c, fld)
            if m is None and fld not in c.invalid:
                continue
            if not (extra and c.is_valid(fld)):
                why = c.invalid.get(fld) or "bulk and grain-boundary arcs are not resolved in this spectrum"
                out.withheld[qid] = withheld_sentence(label, room_id, why)
                continue
            informative = kind == "gb_specific"
            notes = ["brick-layer estimate δ/d ≈ C_b/C_gb (informative)"] if informative else []
            out.items.append(Finding(fid, qid, m, kind, rt_cond, raw, informative=informative, notes=notes))
            if fld == "sigma_total_S_per_m":
                sigma_total = m
        bulk = room.arcs.get("bulk")
        if bulk is not None and resolved and c.is_valid("sigma_bulk_S_per_m"):
            eps = Measured(bulk.eps_r_apparent, bulk.eps_r_apparent * bulk.c_eff_F.relative_u, "1",
                           "ε_r = C_eff,bulk·K_cell/ε₀ (Hsu-Mansfeld C_eff)")
            out.items.append(Finding("eps_r_bulk", "relative_permittivity_bulk", eps, "bulk", rt_cond, raw, informative=True))
    elif series and "total" in series.arrhenius:
        # no valid direct room-temperature spectrum: interpolate (or extrapolate) the Arrhenius law
        arr = series.arrhenius["total"]
        sigma_total = arr.sigma_25C_S_per_m
        how = "extrapolated" if arr.extrapolated_25C else "interpolated"
        out.items.append(Finding("sigma_total_25C", "ionic_conductivity_total", sigma_total, "total",
                                 {"temperature_K": ROOM_TEMPERATURE_K, "from": f"Arrhenius fit, {how}"},
                                 notes=[f"σ_total at 25 °C {how} from the Arrhenius fit"]))
        h = inputs.geometry.thickness
        if h is not None:
            asr = propagate(lambda h, s: h / s, {"h": h, "s": sigma_total}, "ohm*m^2", "ASR = h/σ_total (Arrhenius σ at 25 °C)")
            out.items.append(Finding("asr_25C", "asr_electrolyte", asr, "", {"temperature_K": ROOM_TEMPERATURE_K}))

    # --- Arrhenius ------------------------------------------------------------------------------
    if series:
        raw_all = list(inputs.spectrum_ids)
        for kind, arr in series.arrhenius.items():
            key = _arrhenius_key(kind)
            out.items.append(Finding(f"ea_{key}", f"activation_energy_{key}", arr.activation_energy_eV, kind,
                                     {"temperature_range_K": list(arr.temperature_range_K), "convention": arr.convention,
                                      "n_points": arr.n_points}, raw_all))

    # --- DC polarization -----------------------------------------------------------------------
    if inputs.traces:
        trace = inputs.traces[-1]
        s_t = sigma_total
        if s_t is not None and trace.temperature_K is not None and abs(trace.temperature_K - ROOM_TEMPERATURE_K) > 2.0 \
                and series and "total" in series.arrhenius:
            s_t = series.arrhenius["total"].sigma_at(trace.temperature_K)
        pol = analyse_polarization(trace, inputs.geometry, sigma_total_S_per_m=s_t)
        out.polarization = pol
        cond = {"temperature_K": trace.temperature_K, "voltage_V": trace.voltage_V}
        raw = [inputs.trace_ids[-1]]
        out.items.append(Finding("sigma_e", "electronic_conductivity", pol.sigma_e_S_per_m, "electronic", cond, raw, notes=list(pol.flags)))
        if pol.t_ion is not None:
            out.items.append(Finding("t_ion", "ionic_transference_number", replace(pol.t_ion, unit="1"), "", cond, raw))
        out.flags += pol.flags
    return out
