"""Arrhenius analysis: E_a and prefactor from σ(T), in the σT or the σ convention (stated in the
result), σ interpolated at 25 °C with its uncertainty, and heating/cooling hysteresis.

Weighted linear least squares of y = ln(σT) or ln σ against x = 1/T, weights 1/u(y)² with
u(y)² = (u_σ/σ)² + ((E_a/k_BT² [+1/T])·u_T)² (certification.md §2.5). If the scatter exceeds the
stated uncertainties (Birge ratio > 1) the covariance is scaled by the reduced χ².
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ssbcert.errors import InputError
from ssbcert.uncertainty import Measured

from ssbcert.units import K_B_EV as K_B_EV_PER_K
T_25C_K = 298.15
CONVENTIONS = ("sigma_T", "sigma")


@dataclass(frozen=True)
class ArrheniusResult:
    """ln y = ln A − E_a/(k_B T), y = σT ('sigma_T', A in S·K/m) or σ ('sigma', A in S/m)."""

    kind: str  # bulk | grain_boundary | total | electronic ...
    convention: str
    activation_energy_eV: Measured
    ln_prefactor: Measured  # ln(A / unit)
    prefactor_unit: str
    cov_ln_a_slope: float  # covariance of (ln A, slope) with slope = −E_a/k_B
    temperature_range_K: tuple[float, float]
    n_points: int
    r_squared: float
    sigma_25C_S_per_m: Measured
    extrapolated_25C: bool

    def sigma_at(self, temperature_K: float) -> Measured:
        """σ(T) with u from u²(ln σ) = u²(ln A) + x²u²(slope) + 2x·cov (x = 1/T)."""
        x = 1.0 / temperature_K
        slope = -self.activation_energy_eV.value / K_B_EV_PER_K
        u_slope = self.activation_energy_eV.u / K_B_EV_PER_K
        ln_y = self.ln_prefactor.value + slope * x
        var = self.ln_prefactor.u**2 + x**2 * u_slope**2 + 2 * x * self.cov_ln_a_slope
        sig = math.exp(ln_y) / (temperature_K if self.convention == "sigma_T" else 1.0)
        return Measured(sig, sig * math.sqrt(max(var, 0.0)), "S/m",
                        f"Arrhenius ({self.convention} convention) at {temperature_K:.2f} K, covariance of the linear fit")

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind, "convention": self.convention,
            "convention_formula": "sigma*T = A exp(-Ea/(kB T))" if self.convention == "sigma_T" else "sigma = A exp(-Ea/(kB T))",
            "activation_energy_eV": self.activation_energy_eV.to_dict(), "ln_prefactor": self.ln_prefactor.to_dict(),
            "prefactor_unit": self.prefactor_unit, "cov_ln_a_slope": self.cov_ln_a_slope,
            "temperature_range_K": list(self.temperature_range_K), "n_points": self.n_points,
            "r_squared": self.r_squared, "sigma_25C_S_per_m": self.sigma_25C_S_per_m.to_dict(),
            "extrapolated_25C": self.extrapolated_25C,
        }


def fit_arrhenius(
    temperature_K: Sequence[float],
    sigma_S_per_m: Sequence[float],
    u_sigma_S_per_m: Sequence[float] | None = None,
    u_temperature_K: Sequence[float] | float = 0.0,
    *,
    convention: str = "sigma_T",
    kind: str = "total",
) -> ArrheniusResult:
    """Weighted Arrhenius fit; needs ≥ 2 temperatures (≥ 3 for a Type A check of the scatter)."""
    if convention not in CONVENTIONS:
        raise InputError("unknown Arrhenius convention", field="convention", expected=" | ".join(CONVENTIONS),
                         found=repr(convention))
    t = np.asarray(temperature_K, float)
    s = np.asarray(sigma_S_per_m, float)
    if t.size != s.size or t.size < 2:
        raise InputError("Arrhenius fit needs at least two (T, sigma) pairs of equal length", field="arrhenius",
                         found=f"{t.size} temperatures, {s.size} conductivities")
    if np.any(t <= 0) or np.any(s <= 0) or not np.all(np.isfinite(t * s)):
        raise InputError("temperatures (K) and conductivities must be positive and finite", field="arrhenius")
    if np.ptp(1.0 / t) == 0:
        raise InputError("Arrhenius fit needs at least two different temperatures", field="arrhenius")
    us = np.zeros_like(s) if u_sigma_S_per_m is None else np.asarray(u_sigma_S_per_m, float)
    ut = np.broadcast_to(np.asarray(u_temperature_K, float), t.shape)
    y = np.log(s * t) if convention == "sigma_T" else np.log(s)
    x = 1.0 / t
    X = np.column_stack([np.ones_like(x), x])

    def solve(wts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = X * np.sqrt(wts)[:, None]
        cov = np.linalg.inv(a.T @ a)
        return cov @ (a.T @ (y * np.sqrt(wts))), cov

    beta, cov0 = solve(np.ones_like(x))
    have_u = bool(np.all(us > 0))
    if have_u:
        for _ in range(2):  # slope enters u(y) through u_T; iterate once more
            dlny_dt = -beta[1] / t**2 + (1.0 / t if convention == "sigma_T" else 0.0)
            uy2 = (us / s) ** 2 + (dlny_dt * ut) ** 2
            beta, cov = solve(1.0 / uy2)
        dof = t.size - 2
        if dof > 0:
            chi2 = float(np.sum((y - X @ beta) ** 2 / uy2))
            cov = cov * max(1.0, chi2 / dof)
        how = "weighted LSQ on 1/T, weights 1/u(ln y)^2, cov scaled by Birge ratio^2 if > 1"
    else:
        dof = t.size - 2
        s2 = float(np.sum((y - X @ beta) ** 2) / dof) if dof > 0 else math.nan
        cov = cov0 * s2
        how = "unweighted LSQ on 1/T, Type A from residual scatter"
    ln_a, slope = float(beta[0]), float(beta[1])
    ss_res = float(np.sum((y - X @ beta) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    ea = Measured(-slope * K_B_EV_PER_K, math.sqrt(cov[1, 1]) * K_B_EV_PER_K, "eV", how, dof=float(max(dof, 0)))
    ln_pref = Measured(ln_a, math.sqrt(cov[0, 0]), "", how, dof=float(max(dof, 0)))
    unit = "S K/m" if convention == "sigma_T" else "S/m"
    res = ArrheniusResult(kind, convention, ea, ln_pref, unit, float(cov[0, 1]), (float(t.min()), float(t.max())),
                          int(t.size), r2, Measured(math.nan, math.nan, "S/m"), not (t.min() <= T_25C_K <= t.max()))
    object.__setattr__(res, "sigma_25C_S_per_m", res.sigma_at(T_25C_K))
    return res


@dataclass(frozen=True)
class Hysteresis:
    """Heating vs cooling: difference of E_a and of ln σ at the mid temperature, with uncertainties."""

    heating: ArrheniusResult
    cooling: ArrheniusResult
    delta_activation_energy_eV: Measured  # cooling − heating
    delta_ln_sigma_mid: Measured  # ln σ_cooling − ln σ_heating at the common mid temperature
    mid_temperature_K: float
    significant: bool  # |Δ| > 2u for either difference

    def as_dict(self) -> dict[str, object]:
        return {"heating": self.heating.as_dict(), "cooling": self.cooling.as_dict(),
                "delta_activation_energy_eV": self.delta_activation_energy_eV.to_dict(),
                "delta_ln_sigma_mid": self.delta_ln_sigma_mid.to_dict(),
                "mid_temperature_K": self.mid_temperature_K, "significant": self.significant}


def hysteresis(heating: ArrheniusResult, cooling: ArrheniusResult) -> Hysteresis:
    """Compare two branches (independent fits, so their uncertainties add in quadrature)."""
    lo = max(heating.temperature_range_K[0], cooling.temperature_range_K[0])
    hi = min(heating.temperature_range_K[1], cooling.temperature_range_K[1])
    t_mid = 0.5 * (lo + hi) if hi >= lo else 0.5 * (heating.temperature_range_K[0] + cooling.temperature_range_K[1])
    dea = cooling.activation_energy_eV.value - heating.activation_energy_eV.value
    uea = math.hypot(cooling.activation_energy_eV.u, heating.activation_energy_eV.u)
    sh, sc = heating.sigma_at(t_mid), cooling.sigma_at(t_mid)
    dls = math.log(sc.value / sh.value)
    uls = math.hypot(sc.u / sc.value, sh.u / sh.value)
    how = "difference of independent Arrhenius fits, uncertainties in quadrature"
    sig = abs(dea) > 2 * uea or abs(dls) > 2 * uls
    return Hysteresis(heating, cooling, Measured(dea, uea, "eV", how), Measured(dls, uls, "", how), t_mid, sig)


def split_heating_cooling(temperature_K: Sequence[float]) -> tuple[list[int], list[int]]:
    """Indices of the heating and cooling branches of a series in measurement order (split at T_max)."""
    t = list(temperature_K)
    if len(t) < 2:
        return list(range(len(t))), []
    i_max = int(np.argmax(t))
    heating = list(range(0, i_max + 1))
    cooling = list(range(i_max, len(t))) if i_max < len(t) - 1 else []
    return heating, cooling
