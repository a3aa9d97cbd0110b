"""Instrumented indentation (ISO 14577-1; Oliver & Pharr 1992/2004) from raw load–depth curves.

The upper part of the unloading curve is fitted with P = α(h − h_f)^m; S = dP/dh at h_max;
h_c = h_max − ε·P_max/S; A_p from the area function; H_IT = P_max/A_p;
E_r = √π/(2β)·S/√A_p; the sample modulus follows from the diamond tip constants.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit, minimize_scalar

from ssbcert.properties._gum import gum
from ssbcert.uncertainty import Measured, propagate_cov, type_a

DIAMOND_E = 1141e9  # Pa
DIAMOND_NU = 0.07
EPSILON = {"berkovich": 0.75, "vickers": 0.75}
IDEAL_AREA_C0 = {"berkovich": 24.494, "vickers": 24.504}
FILM_DEPTH_LIMIT = 0.10  # h_max ≤ 10 % of film thickness for hardness (ISO 14577-4 / Bückle-type rule)


@dataclass(frozen=True)
class CurveResult:
    """One indent, SI units (N, m, N/m, Pa)."""

    p_max: float
    h_max: float
    h_f: float
    m: float
    stiffness: float
    u_stiffness: float
    h_c: float
    area: float
    hardness: float
    reduced_modulus: float
    notes: list[str] = field(default_factory=list)


def area_function(h_c: float, tip: str, coefficients: Sequence[float] | None = None) -> float:
    """A_p = C0 h_c² + C1 h_c + C2 h_c^½ + C3 h_c^¼ + … (SI). Ideal tip when no calibration is given."""
    coeffs = list(coefficients) if coefficients else [IDEAL_AREA_C0[tip]]
    return sum(c * h_c ** (2.0 / 2.0**i) for i, c in enumerate(coeffs))


def _unloading_segment(depth: np.ndarray, load: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The unloading branch starts at the deepest point: the end of the hold, where creep has stopped."""
    start = int(np.argmax(depth))
    if load[start] < 0.9 * load.max():
        raise ValueError("deepest point is not at peak load; the curve is not load–hold–unload")
    return depth[start:], load[start:]


@dataclass(frozen=True)
class UnloadingFit:
    """P = α(h − h_f)^m over the upper unloading part; S and u(S) at h_max (SI)."""

    alpha: float
    h_f: float
    m: float
    h_max: float
    p_max: float
    stiffness: float
    u_stiffness: float
    n_points: int


def fit_unloading(depth: np.ndarray, load: np.ndarray, fit_fraction: float = 0.8) -> UnloadingFit:
    """Fit the unloading points with P ≥ (1 − fit_fraction)·P_max; u(S) from the fit covariance."""
    h_un, p_un = _unloading_segment(depth, load)
    p_max, h_max = float(p_un[0]), float(h_un[0])
    keep = p_un >= (1.0 - fit_fraction) * p_max
    h, p = h_un[keep] / h_max, p_un[keep] / p_max  # dimensionless, well-conditioned
    if np.any(h <= 0) or np.any(p <= 0):
        raise ValueError("unloading points must have positive depth and load")
    if h.size < 4:
        raise ValueError(f"only {h.size} unloading points in the fit range; need at least 4")

    def sse_for(h_f: float) -> float:
        x = np.log(h - h_f)
        coef = np.polyfit(x, np.log(p), 1)
        return float(np.sum((np.polyval(coef, x) - np.log(p)) ** 2))

    best = minimize_scalar(sse_for, bounds=(0.0, float(h.min()) * (1 - 1e-9)), method="bounded",
                           options={"xatol": 1e-10})
    m0, ln_a0 = np.polyfit(np.log(h - best.x), np.log(p), 1)

    def model(hh: np.ndarray, a: float, hf: float, mm: float) -> np.ndarray:
        return a * np.clip(hh - hf, 1e-12, None) ** mm

    with warnings.catch_warnings(), np.errstate(all="ignore"):  # the optimiser may probe wild values
        warnings.simplefilter("ignore", OptimizeWarning)  # an exact curve has no covariance: handled below
        popt, pcov = curve_fit(model, h, p, p0=[math.exp(ln_a0), float(best.x), m0], maxfev=20000)
    if not np.all(np.isfinite(popt)) or not 0 <= popt[1] < 1:
        raise ValueError(f"unloading fit failed (parameters {popt})")
    if not np.all(np.isfinite(pcov)):
        pcov = np.zeros((3, 3))  # exact data (simulated curves): no fit scatter

    def slope(q: np.ndarray) -> np.ndarray:
        a, hf, mm = q
        return np.array([a * mm * (1.0 - hf) ** (mm - 1)])

    s_dimless, cov_s = propagate_cov(slope, popt, pcov)
    scale = p_max / h_max
    a, hf, mm = (float(v) for v in popt)
    return UnloadingFit(alpha=a * p_max / h_max**mm, h_f=hf * h_max, m=mm, h_max=h_max, p_max=p_max,
                        stiffness=float(s_dimless[0]) * scale, u_stiffness=math.sqrt(max(cov_s[0, 0], 0.0)) * scale,
                        n_points=int(h.size))


def analyse_curve(depth_m: Sequence[float], load_N: Sequence[float], tip: str = "berkovich", beta: float = 1.034,
                  area_coefficients: Sequence[float] | None = None, fit_fraction: float = 0.8) -> CurveResult:
    """Oliver–Pharr analysis of one load–displacement curve (SI inputs)."""
    fit = fit_unloading(np.asarray(depth_m, dtype=float), np.asarray(load_N, dtype=float), fit_fraction)
    notes: list[str] = []
    if not 1.2 <= fit.m <= 2.0:
        notes.append(f"unloading exponent m = {fit.m:.2f} outside the usual 1.2–2.0 (check the fit range)")
    h_c = fit.h_max - EPSILON[tip] * fit.p_max / fit.stiffness
    area = area_function(h_c, tip, area_coefficients)
    e_r = math.sqrt(math.pi) / (2.0 * beta) * fit.stiffness / math.sqrt(area)
    return CurveResult(fit.p_max, fit.h_max, fit.h_f, fit.m, fit.stiffness, fit.u_stiffness, h_c, area,
                       fit.p_max / area, e_r, notes)


def sample_modulus(e_r: float, nu_s: float, e_i: float = DIAMOND_E, nu_i: float = DIAMOND_NU) -> float:
    """E_s = (1 − ν_s²)/[1/E_r − (1 − ν_i²)/E_i] (plane-strain tip correction)."""
    return (1 - nu_s**2) / (1.0 / e_r - (1 - nu_i**2) / e_i)


@dataclass(frozen=True)
class IndentationResults:
    hardness: Measured
    reduced_modulus: Measured
    modulus: Measured
    depth_ratio: float | None  # max h_max / film thickness
    notes: list[str]


def combine_indents(hardness_Pa: Sequence[float], reduced_modulus_Pa: Sequence[float], poisson_sample: Measured,
                    u_area_rel: float = 0.0, beta: float = 1.034, h_max_m: Sequence[float] | None = None,
                    film_thickness_m: float | None = None) -> IndentationResults:
    """Type A over the indents, Type B from the area function and the assumed ν_s (§5.1 budget)."""
    n = len(hardness_Pa)
    area = Measured(1.0, u_area_rel, "1", "area function (Type B, relative)")
    h_a = type_a(hardness_Pa, "Pa")
    er_a = type_a(reduced_modulus_Pa, "Pa")
    if n == 1:
        h_a = Measured(h_a.value, 0.0, "Pa", h_a.method, dof=math.inf)
        er_a = Measured(er_a.value, 0.0, "Pa", er_a.method, dof=math.inf)
    std = f"ISO 14577-1:2015, Oliver–Pharr, β = {beta:g}, ε = 0.75, n = {n} indents"
    hardness = gum(lambda h, a: h / a, {"indents (Type A)": h_a, "area function": area}, "Pa",
                         f"indentation hardness H_IT = P_max/A_p ({std})")
    e_r = gum(lambda e, a: e / math.sqrt(a), {"indents (Type A)": er_a, "area function": area}, "Pa",
                    f"reduced modulus E_r = √π/(2β)·S/√A_p ({std})")
    e_s = gum(lambda er, nu: sample_modulus(er, nu), {"reduced modulus": e_r, "sample Poisson ratio": poisson_sample},
                    "Pa", f"indentation modulus E_IT from E_r with diamond E_i = 1141 GPa, ν_i = 0.07, "
                          f"assumed ν_s = {poisson_sample.value:g} ({std})")
    notes: list[str] = []
    ratio = None
    if film_thickness_m and h_max_m is not None and len(h_max_m):
        ratio = max(h_max_m) / film_thickness_m
        if ratio > FILM_DEPTH_LIMIT:
            notes.append(f"h_max/t_film = {ratio:.3f} exceeds 0.10: substrate affects H and E (ISO 14577-4)")
        else:
            notes.append(f"h_max/t_film = {ratio:.3f} (≤ 0.10); E_IT is still substrate-affected at this depth")
    if n < 10:
        notes.append(f"only {n} indents; ≥ 10 are usual for a Type A estimate")
    return IndentationResults(hardness, e_r, e_s, ratio, notes)


def vickers_number_from_hit(h_it_Pa: float) -> float:
    """ISO 14577-1 relation HV ≈ 0.0945·H_IT with H_IT in N/mm² (MPa)."""
    return 0.0945 * h_it_Pa / 1e6
