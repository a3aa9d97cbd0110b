"""DC polarization with ion-blocking electrodes (Hebb-Wagner type): the current decays from ionic +
electronic to electronic only. The decay is fitted as I(t) = I_ss + Σ A_k·exp(−t/τ_k) (one or two
exponentials, the second kept only if it lowers the AIC), so I_ss comes with a fit uncertainty
and the steady-state criterion can be checked (t_end ≥ 5·τ_max). Then σ_e = I_ss·K_cell/U and
t_ion = 1 − σ_e/σ_total, propagated by GUM.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from ssbcert.analysis.geometry import Geometry
from ssbcert.errors import InputError
from ssbcert.records import PolarizationTrace
from ssbcert.uncertainty import Measured, propagate


@dataclass(frozen=True)
class DecayFit:
    """I(t) = I_ss + Σ A_k exp(−t/τ_k); amplitudes in A, time constants in s."""

    i_ss_A: Measured
    amplitudes_A: tuple[float, ...]
    taus_s: tuple[float, ...]
    rms_residual_A: float
    n_exponentials: int


@dataclass
class PolarizationAnalysis:
    decay: DecayFit
    voltage_V: Measured
    sigma_e_S_per_m: Measured
    t_ion: Measured | None
    steady_state: bool
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "i_ss_A": self.decay.i_ss_A.to_dict(), "taus_s": list(self.decay.taus_s),
            "amplitudes_A": list(self.decay.amplitudes_A), "n_exponentials": self.decay.n_exponentials,
            "voltage_V": self.voltage_V.to_dict(), "sigma_e_S_per_m": self.sigma_e_S_per_m.to_dict(),
            "t_ion": None if self.t_ion is None else self.t_ion.to_dict(), "steady_state": self.steady_state,
            "flags": list(self.flags),
        }


def _fit_exp(t: np.ndarray, i: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, float, int]:
    """θ = [I_ss/scale, ln A_1, ln τ_1, ...]; returns (θ, cov θ, rss, dof)."""
    scale = float(np.max(np.abs(i))) or 1.0
    y = i / scale
    tail = y[-max(3, len(y) // 10):].mean()
    a0 = max(y[0] - tail, 1e-6)
    tau0 = float(np.interp(np.exp(-1.0), (y[::-1] - tail) / a0, t[::-1])) if a0 > 0 else float(t[-1] / 5)
    tau0 = max(tau0, t[1] - t[0] if t.size > 1 else 1.0)
    th0 = [tail]
    for k in range(n):
        th0 += [math.log(a0 / n), math.log(tau0 * (10.0 ** (k - (n - 1) / 2)))]

    def model(th: np.ndarray) -> np.ndarray:
        out = np.full_like(t, th[0])
        for k in range(n):
            out = out + np.exp(th[1 + 2 * k]) * np.exp(-t / np.exp(th[2 + 2 * k]))
        return out

    res = least_squares(lambda th: model(th) - y, np.array(th0), method="trf", x_scale="jac")
    dof = max(t.size - res.x.size, 1)
    rss = float(np.sum(res.fun**2))
    jac = res.jac
    cov = np.linalg.pinv(jac.T @ jac) * rss / dof
    sc = np.ones(res.x.size)
    sc[0] = scale
    th = res.x.copy()
    th[0] *= scale
    th[1::2] += math.log(scale)  # ln A_k back in amperes
    return th, cov * np.outer(sc, sc), rss * scale**2, dof


def fit_decay(time_s: np.ndarray, current_A: np.ndarray, max_exponentials: int = 2) -> DecayFit:
    """One- or two-exponential decay to a plateau; choice by the Akaike criterion."""
    t = np.asarray(time_s, float)
    i = np.asarray(current_A, float)
    if t.size < 6:
        raise InputError("polarization trace too short for a decay fit", field="time_s", expected=">= 6 points",
                         found=str(t.size))
    best = None
    for n in range(1, max_exponentials + 1):
        if t.size <= 2 * n + 3:
            break
        th, cov, rss, dof = _fit_exp(t - t[0], i, n)
        aic = t.size * math.log(max(rss, 1e-300) / t.size) + 2 * th.size
        if best is None or aic < best[0] - 2:
            best = (aic, n, th, cov, rss)
    assert best is not None
    _, n, th, cov, rss = best
    amps = tuple(float(math.exp(th[1 + 2 * k])) for k in range(n))
    taus = tuple(float(math.exp(th[2 + 2 * k])) for k in range(n))
    i_ss = Measured(float(th[0]), float(math.sqrt(max(cov[0, 0], 0.0))), "A",
                    f"plateau of a {n}-exponential decay fit, Type A from residual scatter", dof=float(t.size - th.size))
    return DecayFit(i_ss, amps, taus, math.sqrt(rss / t.size), n)


def analyse_polarization(
    trace: PolarizationTrace,
    geometry: Geometry,
    *,
    sigma_total_S_per_m: Measured | None = None,
    u_voltage_V: float = 0.0,
    offset_current_A: float = 0.0,
    u_current_A: float = 0.0,
) -> PolarizationAnalysis:
    """σ_e = I_ss·K/U from the fitted plateau; t_ion = 1 − σ_e/σ_total when σ_total is given.
    `u_current_A` adds the ammeter's Type B uncertainty to the fit's."""
    if trace.voltage_V == 0:
        raise InputError("polarization voltage must be non-zero", field="voltage_V", found="0")
    decay = fit_decay(trace.time_s, trace.current_A - offset_current_A)
    flags: list[str] = []
    t_span = float(trace.time_s[-1] - trace.time_s[0])
    steady = t_span >= 5 * max(decay.taus_s)
    if not steady:
        flags.append(f"not_steady_state: record {t_span:.3g} s < 5 tau = {5 * max(decay.taus_s):.3g} s; sigma_e overestimated")
    if decay.i_ss_A.value <= 0:
        flags.append("non_positive_steady_state_current: electronic current below resolution")
    i_ss = Measured(decay.i_ss_A.value, math.hypot(decay.i_ss_A.u, u_current_A), "A", decay.i_ss_A.method)
    u_meas = Measured(float(trace.voltage_V), u_voltage_V, "V", "applied voltage")
    inputs = {"i_ss": i_ss, "voltage": u_meas, **geometry.inputs()}
    kfun = geometry.cell_constant_function()
    gnames = list(geometry.inputs())

    def sigma_e(i_ss: float, voltage: float, **g: float) -> float:
        return i_ss * kfun(**{n: g[n] for n in gnames}) / voltage

    s_e = propagate(sigma_e, inputs, "S/m", "sigma_e = I_ss K_cell / U (Wagner-type polarization); GUM")
    t_ion = None
    if sigma_total_S_per_m is not None:
        t_ion = propagate(lambda se, st: 1.0 - se / st,
                          {"se": s_e, "st": sigma_total_S_per_m}, "", "t_ion = 1 - sigma_e/sigma_total; GUM")
    return PolarizationAnalysis(decay, u_meas, s_e, t_ion, steady, flags)
