"""Impedance and DC-polarization analysis for solid-electrolyte films and pellets (issue #4).

Entry points for the certificate and the CLI::

    analyse_spectrum(spectrum: ImpedanceSpectrum, geometry: Geometry, circuit: str | None = None,
                     *, kk_limit_percent=1.0, rules=AssignmentRules(), f_min_Hz=None, f_max_Hz=None,
                     **fit_options) -> SpectrumAnalysis
        lin-KK validation → CNLS fit (given circuit, or automatic choice by AIC) → arc assignment →
        σ_bulk, σ_gb (apparent, specific), σ_total, ASR, each a `Measured` (value, u, unit, method).
        `SpectrumAnalysis.valid` is False when KK fails or the fit did not converge; a σ is a
        result only when `conductivity.is_valid(name)` (otherwise `conductivity.invalid[name]`
        says why: arc not resolved, bound contact, model ambiguity, arc shape, ...); `.flags` lists every
        warning (rules as `rule_*`); `.as_dict()` is JSON-ready.
    analyse_series(spectra, geometry, circuit=None, *, convention="sigma_T", u_temperature_K=0.0,
                   **options) -> SeriesAnalysis
        a temperature series, each spectrum seeded from its neighbour; Arrhenius per process
        ('bulk', 'grain_boundary', 'total') and heating/cooling hysteresis.
    analyse_polarization(trace: PolarizationTrace, geometry, *, sigma_total_S_per_m=None,
                         u_voltage_V=0.0, offset_current_A=0.0, u_current_A=0.0) -> PolarizationAnalysis
        decay fit → I_ss → σ_e = I_ss·K/U and t_ion = 1 − σ_e/σ_total.

Building blocks: `parse_circuit` / `compile_circuit` (impedance.py grammar, never eval'd),
`fit_circuit` / `fit_batch` → `FitResult`, `lin_kk` → `KKResult`, `assign_arcs` → `ArcAssignment`,
`conductivities` → `Conductivity`, `checked_spectrum` (sanity.py), `arc_evidence` (identifiability.py),
`choose` (selection.py), `trust_spectrum` (synthetic_trust.py, the issue-#9 ground truth), `fit_arrhenius` / `hysteresis`, geometries `ThroughPlane`,
`ParallelStrips`, `Interdigitated` (thin-film or conformal-mapping cell constant).
Units are SI (S/m, Ω, m, F, K); field names carry the unit.
"""
from __future__ import annotations

from ssbcert.analysis.arcs import Arc, ArcAssignment, AssignmentRules, assign_arcs
from ssbcert.analysis.arrhenius import ArrheniusResult, Hysteresis, fit_arrhenius, hysteresis
from ssbcert.analysis.circuit import Circuit, parse_circuit
from ssbcert.analysis.conductivity import Conductivity, conductivities
from ssbcert.analysis.fit import FitResult, fit_batch, fit_circuit
from ssbcert.analysis.geometry import Geometry, Interdigitated, ParallelStrips, ThroughPlane
from ssbcert.analysis.kk import KKResult, lin_kk
from ssbcert.analysis.model import CompiledModel, compile_circuit
from ssbcert.analysis.pipeline import SeriesAnalysis, SpectrumAnalysis, analyse_series, analyse_spectrum
from ssbcert.analysis.polarization import PolarizationAnalysis, analyse_polarization

__all__ = [
    "Arc", "ArcAssignment", "ArrheniusResult", "AssignmentRules", "Circuit", "CompiledModel", "Conductivity",
    "FitResult", "Geometry", "Hysteresis", "Interdigitated", "KKResult", "ParallelStrips", "PolarizationAnalysis",
    "SeriesAnalysis", "SpectrumAnalysis", "ThroughPlane", "analyse_polarization", "analyse_series",
    "analyse_spectrum", "assign_arcs", "compile_circuit", "conductivities", "fit_arrhenius", "fit_batch",
    "fit_circuit", "hysteresis", "lin_kk", "parse_circuit",
]
