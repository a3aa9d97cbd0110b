"""Does the data show this arc? Per-arc identifiability rules, so an arc's R (and every σ built
from it) is a valid result only when the spectrum actually contains the arc.

An arc is *resolved* when all of these hold (each failure is reported in words):

- **window**: its apex f₀ = 1/(2πτ) lies inside the measured window on both sides by the margin
  its exponent needs (`apex_margin_for`). Why: for an ideal R‖C (n = 1) at f = 10^0.5·f₀ the real
  part is already down to 9 % of R, so a window ending there still shows the arc closing onto the
  real axis; an apex closer to the edge leaves more than that to extrapolation, and the R split
  with the neighbouring element (series R, electrode) becomes a guess (the 4–9.5 MHz apex with a
  10 MHz f_max). A depressed arc closes more slowly: an R‖CPE of n = 0.6 still holds 30 % of R
  half a decade past its apex and needs 1.38 decades to come down to the same 9 %, so the margin is
  the distance at which the arc's own shape leaves that 9 % unshown (0.5, 0.66, 0.86, 1.09, 1.38,
  1.77 decades for n = 1, 0.9, …, 0.5). A window that cuts a flat arc nearer its apex leaves its
  R to the shape the circuit assumes (shapes seeds 643, 809: a grain boundary of n = 0.51 and
  0.78 cut 0.84 and 0.66 decade below its apex, σ_gb 27 % and 32 % low; 873: an n = 0.58 "bulk"
  arc 0.67 decade below f_max that was an asymmetric arc's tail, σ_bulk 6.9× the truth);
- **not buried**: at the apex, the *dispersive* impedance of the rest of the circuit (slower arcs
  and the electrode in full, faster arcs minus their relaxed R, series R not at all: a constant
  offset hides nothing) is at most `burial_ratio_max`·R. At ratio 1 the rest's reactance equals
  the arc's whole diameter, so the arc is a shoulder without its own −Z'' maximum, and another
  split of the same spectrum fits as well (a grain-boundary arc under a blocking electrode);
- **conditioned**: the variance-inflation factor of log R in the |Z|-weighted Jacobian (how much
  of the arc's R direction the other parameters can mimic) is below `vif_max`;
- **no bound contact**: none of its parameters rests on (or within 1 % of the log range of) a
  search bound; an exponent of exactly 1 (ideal capacitor) is the physical limit, not a contact;
- **bounded uncertainty**: u(R)/R ≤ `rel_u_max`; beyond it the linearised covariance is not a
  credible uncertainty for a certificate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ssbcert.analysis.circuit import parse_circuit
from ssbcert.analysis.fit import FitResult, weights_of
from ssbcert.analysis.model import compile_circuit
from ssbcert.analysis.topology import Role, arc_r_q_n, circuit_roles


def unshown_fraction(decades: float, n: float) -> float:
    """The part of an R‖CPE arc's R a window leaves unmeasured when it ends `decades` past the apex
    (either side: a ZARC is symmetric in log f, so z(1/x) = 1 − z(x))."""
    return float((1.0 / (1.0 + (1j * 10.0 ** decades) ** n)).real)


def apex_margin_for(margin_ideal_decades: float, n: float) -> float:
    """The apex margin an arc of exponent n needs to leave as little of its R unshown as an ideal
    arc (n = 1) leaves at `margin_ideal_decades` (module docstring, *window*)."""
    if n >= 1.0:
        return margin_ideal_decades
    target = unshown_fraction(margin_ideal_decades, 1.0)
    lo, hi = margin_ideal_decades, margin_ideal_decades
    while unshown_fraction(hi, n) > target:  # unshown_fraction falls monotonically with decades
        lo, hi = hi, hi * 2.0
        if hi > 1e3:  # n → 0: an arc that never closes needs a window no spectrum has
            return math.inf
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if unshown_fraction(mid, n) > target else (lo, mid)
    return hi


@dataclass(frozen=True)
class IdentifiabilityRules:
    apex_margin_decades: float = 0.5  # for an ideal arc; apex_margin_for scales it with the exponent
    burial_ratio_max: float = 1.0
    vif_max: float = 1e4
    rel_u_max: float = 0.25
    near_bound_fraction: float = 0.01  # of the log10 range of a bound


@dataclass(frozen=True)
class Dispersive:
    """A circuit reduced to what burial needs: arcs (R, Q, n), the electrode and inductors."""

    arcs: Sequence[tuple[float, float, float]]
    electrodes: Sequence[tuple[float, float]] = ()  # (Q, n) of a CPE, (C, 1) of a capacitor
    inductance_H: float = 0.0

    def arc_z(self, i: int, w: np.ndarray | float) -> np.ndarray:
        r, q, n = self.arcs[i]
        return r / (1 + r * q * (1j * np.asarray(w)) ** n)

    def f0(self, i: int) -> float:
        r, q, n = self.arcs[i]
        return float(1.0 / (2 * math.pi * (r * q) ** (1.0 / n)))

    def burial_ratio(self, i: int) -> float:
        """|dispersive rest at the apex of arc i| / R_i (see module docstring)."""
        f0 = self.f0(i)
        w = 2 * math.pi * f0
        rest = 0j
        for j in range(len(self.arcs)):
            if j == i:
                continue
            zj = complex(self.arc_z(j, w))
            rest += zj - self.arcs[j][0] if self.f0(j) > f0 else zj
        for q, n in self.electrodes:
            rest += 1.0 / (q * (1j * w) ** n)
        rest += 1j * w * self.inductance_H
        return float(abs(rest) / self.arcs[i][0])

    def margins(self, i: int, f_lo: float, f_hi: float) -> tuple[float, float]:
        """Decades between the apex and the window edges (negative: outside)."""
        f0 = self.f0(i)
        return math.log10(f0 / f_lo), math.log10(f_hi / f0)

    def visible(self, i: int, f_lo: float, f_hi: float, rules: "IdentifiabilityRules | None" = None) -> bool:
        """Apex inside the window with the margin, and not buried: the ground truth's definition."""
        r = rules or IdentifiabilityRules()
        lo, hi = self.margins(i, f_lo, f_hi)
        return min(lo, hi) >= r.apex_margin_decades and self.burial_ratio(i) <= r.burial_ratio_max


@dataclass(frozen=True)
class ArcEvidence:
    """The identifiability evidence of one arc, and the verdict in words."""

    param_names: tuple[str, ...]
    f0_Hz: float
    margin_low_decades: float
    margin_high_decades: float
    burial_ratio: float
    vif: float
    rel_u_r: float
    bound_contact: tuple[str, ...]
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def resolved(self) -> bool:
        return not self.reasons

    @property
    def above_window(self) -> bool:
        return self.margin_high_decades < 0

    @property
    def below_window(self) -> bool:
        return self.margin_low_decades < 0

    def as_dict(self) -> dict[str, object]:
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None  # strict JSON has no NaN/inf

        return {"parameters": list(self.param_names), "f0_Hz": num(self.f0_Hz), "resolved": self.resolved,
                "margin_low_decades": num(self.margin_low_decades), "margin_high_decades": num(self.margin_high_decades),
                "burial_ratio": num(self.burial_ratio), "vif_log_r": num(self.vif), "relative_u_r": num(self.rel_u_r),
                "bound_contact": list(self.bound_contact), "reasons": list(self.reasons)}


def dispersive_of(roles: Sequence[Role], values: dict[str, float]) -> Dispersive:
    arcs = [arc_r_q_n(r, values) for r in roles if r.kind == "arc"]
    els: list[tuple[float, float]] = []
    ind = 0.0
    for r in roles:
        e = r.elements[0]
        if r.kind == "electrode":
            els.append((values[e.token], 1.0) if e.kind == "C" else (values[f"{e.token}_0"], values[f"{e.token}_1"]))
        elif r.kind == "inductor" and e.kind == "L":
            ind += values[e.token]
    return Dispersive(arcs, els, ind)


def _vif(fit: FitResult) -> np.ndarray:
    """Variance-inflation factor per parameter in the weighted, log-scaled Jacobian (NaN where the
    parameter is fixed or at a bound)."""
    model = compile_circuit(fit.circuit)
    _, j = model.impedance_jacobian(fit.params, fit.frequency_Hz)
    w = weights_of(fit)
    log = np.array([s == "log" for s in model.circuit.param_scales])
    j = j * np.where(log, fit.params, 1.0)[None, :] * w[:, None]
    a = np.vstack([j.real, j.imag])
    use = ~(np.asarray(fit.fixed) | np.asarray(fit.at_bound))
    out = np.full(fit.params.size, np.nan)
    if not use.any():
        return out
    au = a[:, use]
    norm = np.linalg.norm(au, axis=0)
    norm[norm == 0] = 1.0
    au = au / norm
    inv = np.linalg.pinv(au.T @ au, rcond=1e-15)
    out[use] = np.diag(inv)  # columns have unit norm, so diag(A⁻¹) = 1/(1 − R²) = VIF
    return out


def _near_bound(fit: FitResult, i: int, frac: float) -> bool:
    if fit.bounds_lo.size != fit.params.size:
        return False  # a FitResult built without its search box
    lo, hi = fit.bounds_lo[i], fit.bounds_hi[i]
    v = fit.params[i]
    if fit.units[i] == "" and not fit.log_scaled[i]:
        return v <= lo + frac * (hi - lo)  # an exponent: its lower bound only (n = 1 is an ideal capacitor)
    span = math.log10(hi / lo)
    return math.log10(v / lo) < frac * span or math.log10(hi / v) < frac * span


def arc_evidence(fit: FitResult, rules: IdentifiabilityRules = IdentifiabilityRules()) -> list[ArcEvidence]:
    """Evidence for every arc of the fit, in circuit order."""
    circuit = parse_circuit(fit.circuit)
    roles = circuit_roles(circuit)
    values = dict(zip(fit.names, map(float, fit.params)))
    disp = dispersive_of(roles, values)
    f_lo, f_hi = float(fit.frequency_Hz.min()), float(fit.frequency_Hz.max())
    vif = _vif(fit)
    idx = {n: k for k, n in enumerate(fit.names)}
    out: list[ArcEvidence] = []
    for i, role in enumerate(r for r in roles if r.kind == "arc"):
        names = tuple(role.param_names)
        r_i = idx[names[0]]
        lo, hi = disp.margins(i, f_lo, f_hi)
        bur = disp.burial_ratio(i)
        v = float(vif[r_i])
        rel = float(fit.stderr[r_i] / fit.params[r_i]) if math.isfinite(fit.stderr[r_i]) else math.inf
        bound = tuple(n for n in names if not fit.fixed[idx[n]] and (
            fit.at_bound[idx[n]] and not (fit.units[idx[n]] == "" and fit.params[idx[n]] >= 1.0 - 1e-9)
            or _near_bound(fit, idx[n], rules.near_bound_fraction)))
        why: list[str] = []
        f0 = disp.f0(i)
        n_i = disp.arcs[i][2]
        m = apex_margin_for(rules.apex_margin_decades, n_i)
        shape = "" if n_i >= 1.0 else f" (the margin an arc of exponent {n_i:.2f} needs)"
        if hi < m:
            why.append(f"its apex ({f0:.3g} Hz) is {'above' if hi < 0 else 'within ' + format(m, '.2g') + ' decade of'} "
                       f"the highest measured frequency ({f_hi:.3g} Hz){'' if hi < 0 else shape}")
        if lo < m:
            why.append(f"its apex ({f0:.3g} Hz) is {'below' if lo < 0 else 'within ' + format(m, '.2g') + ' decade of'} "
                       f"the lowest measured frequency ({f_lo:.3g} Hz){'' if lo < 0 else shape}")
        if bur > rules.burial_ratio_max:
            why.append(f"it is buried: the rest of the circuit's dispersive impedance at its apex is {bur:.2g}× its R")
        if bound:
            why.append(f"{', '.join(bound)} at (or next to) a search bound")
        if math.isfinite(v) and v > rules.vif_max:
            why.append(f"its R is not separable from other parameters (variance inflation {v:.2g})")
        if not (rel <= rules.rel_u_max):
            why.append(f"its R has a relative uncertainty of {rel:.0%} (limit {rules.rel_u_max:.0%})" if math.isfinite(rel)
                       else "its R has no finite uncertainty")
        out.append(ArcEvidence(names, f0, lo, hi, bur, v, rel, bound, tuple(why)))
    return out


HIDDEN_ARC_FRACTION = 0.1  # of R_total: twice the 5 % a σ_total may be off
HIDDEN_ARC_C_NORM_F = 1e-7  # the slowest arc still counted as electrolyte (AssignmentRules.electrode_c_norm_min_F)


def hidden_arc_ratio(fit: FitResult, cell_constant_per_m: float, r_total_ohm: float) -> tuple[float, float]:
    """Could the electrode response hide a further electrolyte arc? A hypothetical grain-boundary
    arc of R = 10 % of R_total with the slowest electrolyte capacitance (C_norm = 1e-7 F) has its
    apex at f_h; returns (|Z_electrode(f_h)| / R, f_h). Above 1 that arc would be buried (module
    docstring), or below the window, so the data cannot exclude it and R_total is a lower bound."""
    roles = circuit_roles(parse_circuit(fit.circuit))
    values = dict(zip(fit.names, map(float, fit.params)))
    els = dispersive_of(roles, values).electrodes
    if not els or r_total_ohm <= 0:
        return 0.0, math.nan
    r_h = HIDDEN_ARC_FRACTION * r_total_ohm
    c_h = HIDDEN_ARC_C_NORM_F * 100.0 / cell_constant_per_m
    f_h = 1.0 / (2 * math.pi * r_h * c_h)
    w = 2 * math.pi * f_h
    z_el = sum(1.0 / (q * (1j * w) ** n) for q, n in els)
    if f_h < float(fit.frequency_Hz.min()):
        return math.inf, f_h
    return float(abs(z_el) / r_h), f_h
