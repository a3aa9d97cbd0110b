"""Two-parameter Weibull by maximum likelihood (ASTM C1239 practice, certification.md §5.5).

Unbiasing factors and confidence bounds come from the pivotal quantities m̂/m and
m̂·ln(σ̂_θ/σ_θ) (Thoman, Bain & Antle 1969), whose distributions do not depend on the true
parameters, so they are simulated once per N (seeded Monte Carlo, cached).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
from scipy.optimize import brentq

from ssbcert.uncertainty import Measured

MIN_SPECIMENS = 30  # recommended for Weibull estimates (C1239/C1161 practice)
_LOG_M_LO, _LOG_M_HI = math.log(1e-3), math.log(1e4)


def _score(m: float, y: np.ndarray) -> float:
    """MLE equation in log-strengths y = ln σ (shifted for stability)."""
    w = np.exp(m * (y - y.max()))
    return float(np.sum(w * y) / np.sum(w) - y.mean() - 1.0 / m)


def weibull_mle(strengths: Sequence[float]) -> tuple[float, float]:
    """m̂ and σ̂_θ (same unit as the input) for uncensored data, one failure mode."""
    x = np.asarray(strengths, dtype=float)
    if x.size < 2 or np.any(x <= 0):
        raise ValueError("Weibull MLE needs at least 2 positive strengths")
    if np.ptp(x) == 0:
        raise ValueError("all strengths equal: Weibull modulus undefined")
    y = np.log(x)
    m = brentq(_score, math.exp(_LOG_M_LO), math.exp(_LOG_M_HI), args=(y,), xtol=1e-12)
    theta = float(np.exp(y.max()) * np.mean(np.exp(m * (y - y.max()))) ** (1.0 / m))
    return float(m), theta


def _mle_batch(y: np.ndarray, iterations: int = 12) -> np.ndarray:
    """Vectorised MLE of m for rows of log-strengths: safeguarded Newton from the moment estimate.

    g(m) = Σw·y/Σw − ȳ − 1/m has g′(m) = var_w(y) + 1/m² > 0, so Newton steps are well defined.
    """
    y = y - y.max(axis=1, keepdims=True)
    ybar = y.mean(axis=1)
    m = math.pi / (math.sqrt(6.0) * y.std(axis=1, ddof=1))  # sd of ln σ is π/(m√6) for Weibull
    for _ in range(iterations):
        w = np.exp(m[:, None] * y)
        sw = w.sum(axis=1)
        mean_w = (w * y).sum(axis=1) / sw
        var_w = (w * y * y).sum(axis=1) / sw - mean_w**2
        g = mean_w - ybar - 1.0 / m
        m = np.clip(m - g / (var_w + 1.0 / m**2), m / 4.0, m * 4.0)
    return m


@dataclass(frozen=True)
class Pivots:
    """Distribution summaries of m̂/m and m̂·ln(σ̂_θ/σ_θ) for N specimens."""

    n: int
    unbiasing_factor: float  # m_unbiased = m̂·UF, UF = 1/E[m̂/m]
    q_m: tuple[float, float]  # 5 % and 95 % quantiles of m̂/m
    q_theta: tuple[float, float]  # 5 % and 95 % quantiles of m̂·ln(σ̂_θ/σ_θ)


@lru_cache(maxsize=64)
def pivots(n: int, reps: int = 20000, seed: int = 1239) -> Pivots:
    """Monte Carlo pivots for true m = 1, σ_θ = 1 (they are parameter-free)."""
    if n < 2:
        raise ValueError("need at least 2 specimens")
    rng = np.random.default_rng(seed + n)
    y = np.log(rng.weibull(1.0, size=(reps, n)))
    m_hat = _mle_batch(y)
    ymax = y.max(axis=1)
    theta = np.exp(ymax) * np.mean(np.exp(m_hat[:, None] * (y - ymax[:, None])), axis=1) ** (1.0 / m_hat)
    t = m_hat * np.log(theta)
    return Pivots(n, float(1.0 / m_hat.mean()), (float(np.quantile(m_hat, 0.05)), float(np.quantile(m_hat, 0.95))),
                  (float(np.quantile(t, 0.05)), float(np.quantile(t, 0.95))))


@dataclass(frozen=True)
class WeibullResult:
    modulus: Measured  # unbiased m
    characteristic_strength: Measured  # σ_θ in the input unit
    m_mle: float
    m_bounds_90: tuple[float, float]
    theta_bounds_90: tuple[float, float]
    n: int
    notes: list[str]


def weibull_analysis(strengths: Sequence[float], unit: str = "Pa") -> WeibullResult:
    """MLE, unbiased m and 90 % two-sided bounds; warns below the recommended specimen count."""
    m_hat, theta = weibull_mle(strengths)
    n = len(strengths)
    piv = pivots(n)
    m_lo, m_hi = m_hat / piv.q_m[1], m_hat / piv.q_m[0]
    t_lo, t_hi = theta * math.exp(-piv.q_theta[1] / m_hat), theta * math.exp(-piv.q_theta[0] / m_hat)
    notes = []
    if n < MIN_SPECIMENS:
        notes.append(f"only {n} specimens; ≥ {MIN_SPECIMENS} are recommended for Weibull parameters (ASTM C1239)")
    m_unb = m_hat * piv.unbiasing_factor
    std = f"ASTM C1239 maximum likelihood, N = {n}; 90 % bounds from pivotal quantities (Monte Carlo)"
    # symmetric standard uncertainty from the 90 % interval (±1.645σ); the interval itself is asymmetric
    modulus = Measured(m_unb, (m_hi - m_lo) / (2 * 1.645), "1",
                       f"Weibull modulus, unbiased (UF = {piv.unbiasing_factor:.3f}); {std}; "
                       f"90 % bounds [{m_lo:.3g}, {m_hi:.3g}]")
    char = Measured(theta, (t_hi - t_lo) / (2 * 1.645), unit,
                    f"Weibull characteristic strength σ_θ; {std}; 90 % bounds [{t_lo:.4g}, {t_hi:.4g}] {unit}")
    return WeibullResult(modulus, char, m_hat, (m_lo, m_hi), (t_lo, t_hi), n, notes)
