"""Choosing the circuit with more evidence than ΔAIC alone, so a buried arc cannot fool it.

Three pieces of evidence are combined:

- **information criterion**: AIC = N ln(χ²/N) + 2k; a larger circuit must lower it by
  `aic_margin` (calibrated on the trust suite, benchmarks/bench_trust.py --margins);
- **residual structure**: a Wald–Wolfowitz runs test on the signs of the weighted residuals
  (real and imaginary, in frequency order). Too few runs (z < `runs_z_min`) means the circuit
  misses a feature of the data; a larger candidate whose residuals are not structured, and which
  lowers the AIC by `evidence_aic_min`, is then preferred;
- **DRT peak count**: the number of arcs the distribution of relaxation times finds inside the
  window. A candidate with that many arcs that lowers the AIC by
  `evidence_aic_min` is preferred to a smaller one.

Degenerate candidates are never chosen: an arc R or Q at a search bound turns R‖CPE into a bare
CPE or removes the arc, so such a fit is a smaller circuit in disguise (the 2.8e10 Ω "arc" fitted
to the electrode spike).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ssbcert.analysis.circuit import parse_circuit
from ssbcert.analysis.fit import FitResult
from ssbcert.analysis.guess import drt_of
from ssbcert.analysis.topology import circuit_roles


# RMS relative misfit below which residuals carry no information: 1e-4 %, 500 times below the best
# analyser's noise (0.05 %); a noise-free spectrum fitted by its own circuit ends near 1e-7, where
# the solver's tolerances stop it
RESIDUAL_FLOOR = 1e-6
RUNS_Z_ONE_SIGN = 99.0  # |z| reported when every residual has the same sign (finite, for JSON)


@dataclass(frozen=True)
class SelectionRules:
    aic_margin: float = 10.0
    evidence_aic_min: float = 2.0  # runs/DRT evidence still needs the larger circuit to lower the AIC by this
    runs_z_min: float = -3.0
    use_drt: bool = True
    use_runs: bool = True


@dataclass(frozen=True)
class Candidate:
    circuit: str
    fit: FitResult
    aic: float
    n_arcs: int
    degenerate: tuple[str, ...]  # parameters at a bound that make the circuit a smaller one
    runs_z: float

    def as_dict(self) -> dict[str, object]:
        return {"circuit": self.circuit, "aic": self.aic, "n_arcs": self.n_arcs, "degenerate": list(self.degenerate),
                "runs_z": self.runs_z, "chi2": self.fit.chi2, "success": self.fit.success,
                "given_up": self.fit.given_up}


def free_parameters(fit: FitResult) -> int:
    return int(np.sum(~np.asarray(fit.fixed)))


def aic(fit: FitResult) -> float:
    n = 2 * fit.frequency_Hz.size
    k = free_parameters(fit)
    return n * math.log(max(fit.chi2, 1e-300) / n) + 2 * k


def runs_z(residuals: np.ndarray) -> float:
    """Wald–Wolfowitz z of the sign sequence (negative: fewer runs than chance, i.e. structure)."""
    s = np.sign(residuals[residuals != 0])
    n_pos, n_neg = int(np.sum(s > 0)), int(np.sum(s < 0))
    n = n_pos + n_neg
    if n_pos == 0 or n_neg == 0:
        return -RUNS_Z_ONE_SIGN if n > 5 else 0.0  # one sign throughout: as structured as it gets
    runs = 1 + int(np.sum(s[1:] != s[:-1]))
    mu = 2.0 * n_pos * n_neg / n + 1
    var = (mu - 1) * (mu - 2) / (n - 1)
    return float((runs - mu) / math.sqrt(var)) if var > 0 else 0.0


def residual_runs_z(fit: FitResult) -> float:
    """The runs test of a fit's residuals; 0 (no evidence either way) when the fit is exact to
    RESIDUAL_FLOOR: the signs of such residuals are the solver's, not the data's."""
    rel = np.abs(fit.z_fit - fit.z_data) / np.maximum(np.abs(fit.z_data), 1e-300)
    if fit.z_fit.size and float(np.sqrt(np.mean(rel**2))) < RESIDUAL_FLOOR:
        return 0.0
    order = np.argsort(fit.frequency_Hz)
    return min(runs_z(fit.residuals_real[order]), runs_z(fit.residuals_imag[order]))


def degenerate_parameters(fit: FitResult) -> tuple[str, ...]:
    roles = circuit_roles(parse_circuit(fit.circuit))
    idx = {n: i for i, n in enumerate(fit.names)}
    out = []
    for role in roles:
        if role.kind != "arc":
            continue
        for n in role.param_names:
            i = idx[n]
            if fit.fixed[i] or not fit.at_bound[i]:
                continue
            if fit.log_scaled and fit.log_scaled[i]:
                out.append(n)
            elif fit.params[i] < 1.0 - 1e-9:  # an exponent at its lower bound; n = 1 is an ideal capacitor
                out.append(n)
    return tuple(out)


def make_candidate(fit: FitResult) -> Candidate:
    n_arcs = sum(r.kind == "arc" for r in circuit_roles(parse_circuit(fit.circuit)))
    return Candidate(fit.circuit, fit, aic(fit), n_arcs, degenerate_parameters(fit), residual_runs_z(fit))


def drt_arc_count(frequency_Hz: np.ndarray, z: np.ndarray, min_fraction: float = 0.02) -> int:
    """DRT peaks whose τ lies inside the measured window (the electrode spike is absorbed by the
    DRT's series capacitance), counting only peaks of at least `min_fraction` of the total R."""
    f = np.asarray(frequency_Hz, float)
    drt = drt_of(f, np.asarray(z, complex), series_capacitance=True)  # the seeds' DRT, computed once
    w = 2 * np.pi * f
    inside = [p for p in drt.peaks if 1 / w.max() <= p.tau_s <= 1 / w.min()]
    total = sum(p.r_ohm for p in drt.peaks) or 1.0
    return sum(p.r_ohm >= min_fraction * total for p in inside)


def choose(cands: Sequence[Candidate], rules: SelectionRules, drt_count: int | None) -> tuple[Candidate, str]:
    """The chosen candidate and the reason in words. `cands` in order of increasing size."""
    ok = [c for c in cands if c.fit.success and not c.degenerate] or [c for c in cands if c.fit.success]
    if not ok:
        raise ValueError("no candidate converged")
    best = ok[0]
    why = f"lowest AIC (a larger circuit needs ΔAIC > {rules.aic_margin:g})"
    for c in ok[1:]:
        if c.aic < best.aic - rules.aic_margin:
            best, why = c, f"lowest AIC (a larger circuit needs ΔAIC > {rules.aic_margin:g})"
    for c in ok:
        if c.fit.params.size <= best.fit.params.size or c.aic >= best.aic - rules.evidence_aic_min:
            continue
        if rules.use_runs and best.runs_z < rules.runs_z_min and c.runs_z >= rules.runs_z_min:
            best, why = c, (f"residuals of the smaller circuit are structured (runs test z = "
                            f"{make_z(best.runs_z)}); this one removes the structure and lowers the AIC")
        elif rules.use_drt and drt_count is not None and best.n_arcs < drt_count <= c.n_arcs and c.runs_z >= rules.runs_z_min:
            best, why = c, f"the DRT shows {drt_count} arcs in the window; this circuit has them and lowers the AIC"
    return best, why


def make_z(z: float) -> str:
    return "one sign throughout" if z <= -RUNS_Z_ONE_SIGN else f"{z:.2g}"
