"""One call per spectrum or per temperature series: KK → fit → arcs → conductivities (→ Arrhenius).

`analyse_spectrum` is what the certificate and the CLI call for one sweep; `analyse_series` for a
temperature series (on all cores, seeded from the neighbours, Arrhenius per process, hysteresis).
When no circuit is given, the candidates R0-p(R1,CPE1)[-p(R2,CPE2)][-CPE3] are fitted and the one
with the lowest AIC is kept; an extra element must lower the AIC by `AIC_MARGIN` to be accepted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ssbcert.analysis.arcs import ArcAssignment, AssignmentRules, assign_arcs
from ssbcert.analysis.arrhenius import ArrheniusResult, Hysteresis, fit_arrhenius, hysteresis, split_heating_cooling
from ssbcert.analysis.circuit import parse_circuit
from ssbcert.analysis.conductivity import Conductivity, conductivities
from ssbcert.analysis.fit import FitResult, fit_circuit, reached_noise_floor
from ssbcert.analysis.geometry import Geometry, ThroughPlane
from ssbcert.analysis.kk import DEFAULT_LIMIT_PERCENT, KKResult, kk_noise_chi2_per_dof, kk_noise_dof, lin_kk
from ssbcert.analysis.nesting import nested_starts
from ssbcert.errors import InputError
from ssbcert.records import ImpedanceSpectrum

CANDIDATE_CIRCUITS = (
    "R0-p(R1,CPE1)",
    "R0-p(R1,CPE1)-CPE2",
    "R0-p(R1,CPE1)-p(R2,CPE2)",
    "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3",
    # blocking electrode shunted by electronic leakage (hot oxides) or a charge-transfer interface
    "R0-p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)",
)
AIC_MARGIN = 10.0
GIVE_UP_FACTOR = 4.0  # a candidate this far above the noise floor after one start cannot win
GIVE_UP_PROBE_NFEV = 12  # evaluations of the first pass's probe


@dataclass
class SpectrumAnalysis:
    """Everything the certificate needs from one spectrum; `flags` collects every warning."""

    temperature_K: float | None
    circuit: str
    circuit_selection: str
    kk: KKResult
    fit: FitResult
    arcs: ArcAssignment
    conductivity: Conductivity
    flags: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """KK passed and the fit converged: the numbers may go on a certificate."""
        return self.kk.passed and self.fit.success

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature_K": self.temperature_K, "circuit": self.circuit, "circuit_selection": self.circuit_selection,
            "valid": self.valid, "flags": list(self.flags), "kk": self.kk.as_dict(), "fit": self.fit.as_dict(),
            "arcs": self.arcs.as_dict(), "conductivity": self.conductivity.as_dict(),
        }


def _aic(fit: FitResult) -> float:
    n = 2 * fit.frequency_Hz.size
    k = int(np.sum(~np.asarray(fit.fixed)))
    return n * math.log(max(fit.chi2, 1e-300) / n) + 2 * k


def _select_fit(f: np.ndarray, z: np.ndarray, circuit: str | None, k_cell: float,
                extra_starts: Sequence[np.ndarray], fit_options: dict[str, Any]) -> tuple[FitResult, str]:
    if circuit is not None:
        return fit_circuit(f, z, circuit, cell_constant_per_m=k_cell, extra_starts=extra_starts, **fit_options), "given"
    # speed (#10): nested starts, and hopeless candidates given up after two short probes; only
    # when no candidate reaches the noise floor is the selection redone with full multistarts
    # (starting from everything found so far, so the redo is never worse)
    noise, noise_dof = fit_options.get("noise_chi2_per_dof"), fit_options.get("noise_dof")
    fast = dict(fit_options, give_up_factor=GIVE_UP_FACTOR, give_up_probe_nfev=GIVE_UP_PROBE_NFEV)
    found: dict[str, list[np.ndarray]] = {}
    for options in ([fast, fit_options] if noise else [fit_options]):
        best: tuple[float, FitResult] | None = None
        previous: FitResult | None = None
        for c in CANDIDATE_CIRCUITS:
            n_par = len(parse_circuit(c).param_names)
            starts = [s for s in extra_starts if len(s) == n_par] + found.get(c, [])
            if previous is not None:
                starts += nested_starts(previous, c, f, z, k_cell)
            r = fit_circuit(f, z, c, cell_constant_per_m=k_cell, extra_starts=starts, **options)
            found.setdefault(c, []).append(r.params.copy())
            if not r.success:
                continue
            previous = r
            a = _aic(r)
            if (best is not None and a < best[0] - AIC_MARGIN and options is fast
                    and reached_noise_floor(best[1], noise, noise_dof)):
                best = _confirmed(f, z, best, k_cell, fit_options)  # did the early stop decide it?
            if best is None or a < best[0] - AIC_MARGIN:
                best = (a, r)
        if best is not None and reached_noise_floor(best[1], noise, noise_dof):
            break
    if best is None:
        raise InputError("no candidate circuit could be fitted", field="circuit", expected="a fittable spectrum")
    return best[1], f"lowest AIC of {', '.join(CANDIDATE_CIRCUITS)} (extra elements need ΔAIC > {AIC_MARGIN:g})"


def _confirmed(f: np.ndarray, z: np.ndarray, best: tuple[float, FitResult], k_cell: float,
               fit_options: dict[str, Any]) -> tuple[float, FitResult]:
    """A smaller circuit that stopped at the noise floor after one start is about to lose on AIC:
    give it its full multistart first, so the early stop never changes which circuit is chosen."""
    r = best[1]
    full = fit_circuit(f, z, r.circuit, cell_constant_per_m=k_cell, extra_starts=[r.params.copy()],
                       **{k: v for k, v in fit_options.items() if k not in ("noise_chi2_per_dof", "noise_dof")})
    return (_aic(full), full) if full.success and _aic(full) < best[0] else best


def _window(spectrum: ImpedanceSpectrum, f_min_Hz: float | None, f_max_Hz: float | None) -> tuple[np.ndarray, np.ndarray]:
    f = spectrum.frequency_Hz
    keep = np.isfinite(f) & np.isfinite(spectrum.z_real_ohm) & np.isfinite(spectrum.z_imag_ohm) & (f > 0)
    if f_min_Hz is not None:
        keep &= f >= f_min_Hz
    if f_max_Hz is not None:
        keep &= f <= f_max_Hz
    if keep.sum() < 5:
        raise InputError("too few usable points in the spectrum", field="spectrum", expected=">= 5",
                         found=str(int(keep.sum())))
    return f[keep], spectrum.z[keep]


def analyse_spectrum(
    spectrum: ImpedanceSpectrum,
    geometry: Geometry,
    circuit: str | None = None,
    *,
    kk_limit_percent: float = DEFAULT_LIMIT_PERCENT,
    rules: AssignmentRules = AssignmentRules(),
    f_min_Hz: float | None = None,
    f_max_Hz: float | None = None,
    extra_starts: Sequence[np.ndarray] = (),
    **fit_options: Any,
) -> SpectrumAnalysis:
    """KK-validate, fit (given circuit or automatic choice), assign arcs and derive σ/ASR.
    `fit_options` go to fit_circuit (fixed, bounds, weighting, n_starts, seed)."""
    f, z = _window(spectrum, f_min_Hz, f_max_Hz)
    kk = lin_kk(f, z, limit_percent=kk_limit_percent)
    k_cell = geometry.cell_constant_per_m
    fit_options.setdefault("noise_chi2_per_dof", kk_noise_chi2_per_dof(kk))
    fit_options.setdefault("noise_dof", kk_noise_dof(kk))
    fit, how = _select_fit(f, z, circuit, k_cell, extra_starts, fit_options)
    area = geometry.area_m2 if isinstance(geometry, ThroughPlane) else None
    arcs = assign_arcs(fit, k_cell, in_plane=not isinstance(geometry, ThroughPlane), rules=rules, electrode_area_m2=area)
    cond = conductivities(fit, arcs, geometry)
    flags: list[str] = []
    if not kk.passed:
        flags.append("kk_failed: " + kk.message)
    if not fit.success:
        flags.append("fit_failed: " + fit.message)
    flags += arcs.flags + cond.flags
    return SpectrumAnalysis(spectrum.temperature_K, fit.circuit, how, kk, fit, arcs, cond, flags)


@dataclass
class SeriesAnalysis:
    """A temperature series: per-spectrum analyses and Arrhenius fits per process."""

    spectra: list[SpectrumAnalysis]
    convention: str
    arrhenius: dict[str, ArrheniusResult]  # keys: 'bulk', 'grain_boundary', 'total'
    hysteresis: dict[str, Hysteresis]
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"convention": self.convention, "spectra": [s.as_dict() for s in self.spectra],
                "arrhenius": {k: v.as_dict() for k, v in self.arrhenius.items()},
                "hysteresis": {k: v.as_dict() for k, v in self.hysteresis.items()}, "flags": list(self.flags)}


_SIGMA_FIELDS = {"bulk": "sigma_bulk_S_per_m", "grain_boundary": "sigma_gb_apparent_S_per_m",
                 "total": "sigma_total_S_per_m"}


def analyse_series(
    spectra: Sequence[ImpedanceSpectrum],
    geometry: Geometry,
    circuit: str | None = None,
    *,
    convention: str = "sigma_T",
    u_temperature_K: float = 0.0,
    workers: int | None = None,
    **options: Any,
) -> SeriesAnalysis:
    """Analyse the spectra on `workers` processes (None: all cores for long series), each spectrum
    that needs it seeded from its neighbours' fits (`parallel.analyse_seeded`: the result does not
    depend on `workers`), then fit Arrhenius laws to the valid points of each process and compare
    heating with cooling."""
    if not spectra:
        raise InputError("empty spectrum series", field="spectra", expected="at least one spectrum")
    for i, s in enumerate(spectra):
        if s.temperature_K is None:
            raise InputError("every spectrum of a series needs a temperature", field=f"spectra[{i}].temperature_K",
                             expected="kelvin", found="None")
    from ssbcert.analysis.parallel import analyse_seeded  # imports this module

    out = analyse_seeded(spectra, geometry, circuit, workers=workers, **options)
    flags: list[str] = []
    arr: dict[str, ArrheniusResult] = {}
    hyst: dict[str, Hysteresis] = {}
    temps = [float(s.temperature_K) for s in spectra]  # type: ignore[arg-type]
    heat, cool = split_heating_cooling(temps)

    def points(kind: str, idx: Sequence[int]) -> tuple[list[float], list[float], list[float]]:
        t, v, u = [], [], []
        for i in idx:
            m = getattr(out[i].conductivity, _SIGMA_FIELDS[kind])
            if m is not None and out[i].valid and m.value > 0:
                t.append(temps[i]); v.append(m.value); u.append(m.u)
        return t, v, u

    def arrhenius(kind: str, idx: Sequence[int]) -> ArrheniusResult | None:
        t, v, u = points(kind, idx)
        if len(set(t)) < 2:
            return None
        return fit_arrhenius(t, v, u if all(x > 0 for x in u) else None, u_temperature_K,
                             convention=convention, kind=kind)

    for kind in _SIGMA_FIELDS:
        whole = arrhenius(kind, range(len(out)))
        if whole is not None:
            arr[kind] = whole
        elif points(kind, range(len(out)))[0]:
            flags.append(f"arrhenius_{kind}_skipped: fewer than two valid temperatures")
        h, c = arrhenius(kind, heat), arrhenius(kind, cool)
        if h is not None and c is not None:
            hyst[kind] = hysteresis(h, c)
            if hyst[kind].significant:
                flags.append(f"hysteresis_{kind}: heating and cooling differ by more than 2 u")
    return SeriesAnalysis(out, convention, arr, hyst, flags)
