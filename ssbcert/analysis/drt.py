"""A small distribution-of-relaxation-times (DRT) estimate used to find arcs for initial guesses.

Ridge-regularised non-negative least squares on a log-spaced τ grid (Voigt elements), with a
series resistance and, optionally, a series capacitance absorbing a blocking-electrode spike.
It is a seed finder, not a reported result: peaks give each arc's resistance and time constant.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls


@dataclass(frozen=True)
class DrtPeak:
    """One DRT peak: resistance (area) and log-centred time constant."""

    r_ohm: float
    tau_s: float


@dataclass(frozen=True)
class DrtResult:
    tau_s: np.ndarray
    gamma_ohm: np.ndarray  # resistance per grid point
    r_inf_ohm: float
    peaks: tuple[DrtPeak, ...]


def compute_drt(
    frequency_Hz: np.ndarray,
    z: np.ndarray,
    *,
    points_per_decade: int = 6,
    extend_decades: float = 1.0,
    lam: float = 1e-2,
    series_capacitance: bool = True,
) -> DrtResult:
    """Fit R∞ + Σ R_k/(1+jωτ_k) (+ 1/(jωC)) with R_k ≥ 0, |Z|-weighted, and pick peaks."""
    f = np.asarray(frequency_Hz, float)
    w = 2 * np.pi * f
    lo = np.log10(1 / w.max()) - extend_decades
    hi = np.log10(1 / w.min()) + extend_decades
    n = int(np.ceil((hi - lo) * points_per_decade)) + 1
    tau = np.logspace(lo, hi, n)
    wt = 1.0 / np.abs(z)
    k = 1.0 / (1 + 1j * np.outer(w, tau))
    cols = [np.ones_like(w, dtype=complex)[:, None], k]
    if series_capacitance:
        cols.append((1 / (1j * w))[:, None])  # coefficient = 1/C >= 0
    a = np.hstack(cols)
    aw = a * wt[:, None]
    scale = np.abs(aw).max(axis=0)
    scale[scale == 0] = 1.0
    aw = aw / scale
    m = np.vstack([aw.real, aw.imag])
    b = np.concatenate([(z * wt).real, (z * wt).imag])
    # first-difference penalty on the Voigt block only (smooth DRT)
    d = np.zeros((n - 1, a.shape[1]))
    idx = np.arange(n - 1)
    d[idx, 1 + idx] = -1.0
    d[idx, 2 + idx] = 1.0
    m_aug = np.vstack([m, np.sqrt(lam) * d])
    b_aug = np.concatenate([b, np.zeros(n - 1)])
    x, _ = nnls(m_aug, b_aug, maxiter=50 * a.shape[1])
    x = x / scale
    gamma = x[1:1 + n]
    return DrtResult(tau, gamma, float(x[0]), tuple(_peaks(tau, gamma)))


def _peaks(tau: np.ndarray, gamma: np.ndarray, min_fraction: float = 0.01) -> list[DrtPeak]:
    """Split γ at its local minima; each basin's sum is a peak's R, its weighted log-mean its τ."""
    total = float(gamma.sum())
    if total <= 0:
        return []
    n = len(gamma)
    g = np.concatenate([[-1.0], gamma, [-1.0]])
    maxima = [i - 1 for i in range(1, n + 1) if g[i] > 0 and g[i] >= g[i - 1] and g[i] > g[i + 1]]
    cuts = [a + int(np.argmin(gamma[a:b + 1])) for a, b in zip(maxima[:-1], maxima[1:])]
    edges = [0] + [c + 1 for c in cuts] + [n]
    peaks: list[DrtPeak] = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        seg = gamma[lo:hi]
        r = float(seg.sum())
        if r > min_fraction * total:
            peaks.append(DrtPeak(r, float(np.exp(np.sum(seg * np.log(tau[lo:hi])) / r))))
    return peaks
