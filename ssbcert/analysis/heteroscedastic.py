"""A fit's covariance when the noise is not the same size at every frequency.

The classic covariance s²(JᵀJ)⁻¹ spreads one residual variance over the whole sweep. An analyser
near its bandwidth, or drift at long periods, makes one decade several times noisier than the
rest. The parameters those points fix (the bulk arc at the top, the slowest arc at the bottom)
are then less certain than s² says: noise suite seed 1874, a top decade 5× noisier, signed
σ_bulk 7.4 % high at ± 2.1 %. Where the residual variance differs between decades beyond chance
(Brown–Forsythe test on the leverage-corrected residuals), the heteroscedasticity-consistent HC3
estimator (MacKinnon & White 1985) replaces it, never below the classic variance of any parameter.

HC3 only widens u; the value itself stays the one uniform weights favour, and there a noisy decade
can buy a wrong basin a lower χ² than the right one (noise suite seed 1764: a 5× noisier bottom
decade, σ_bulk 22 % high at 8.9u). Where lin-KK's residuals, which need no circuit, already show
the spread differing between decades, every fit is therefore weighted by 1/(that decade's noise
size) (`decade_noise_weights`, feasible generalised least squares).
"""
from __future__ import annotations

import numpy as np
from scipy.special import fdtrc

# the false-alarm rate of the test on noise of one size (a fit's u then stays the classic one)
P_DIFFERS = 1e-3
MIN_BIN_POINTS = 5
# below this RMS relative residual (0.01 %, 5x below the best analyser's noise) lin-KK's residual is
# rounding, whose spread says nothing about the instrument: no weights from it
WEIGHTS_MIN_RMS = 1e-4
LEVERAGE_MAX = 0.99  # HC3 divides by (1 - h)²: a point that alone fixes a parameter stays finite


def decade_bins(frequency_Hz: np.ndarray) -> np.ndarray:
    """Bin index per point: whole decades down from the top frequency, a short last one merged."""
    k = np.floor(np.log10(frequency_Hz.max() / frequency_Hz) + 1e-9).astype(int)
    counts = np.bincount(k)
    while counts.size > 1 and counts[-1] < MIN_BIN_POINTS:
        k[k == counts.size - 1] = counts.size - 2
        counts = np.bincount(k)
    return k


def variance_differs_p(frequency_Hz: np.ndarray, studentized: np.ndarray) -> float:
    """Brown–Forsythe p-value that the residuals' spread is the same in every decade.
    `studentized` holds two rows per point (real, imaginary), as the solver's residual vector."""
    m = frequency_Hz.size
    bins = np.concatenate([decade_bins(frequency_Hz)] * 2)
    n_all = np.bincount(bins)
    keep = n_all >= 2
    if int(keep.sum()) < 2 or 2 * m < int(keep.sum()) + 2:
        return 1.0
    # one sort gives every decade's median (the mean of the two middle values where the count is even)
    order = np.lexsort((studentized, bins))
    v = studentized[order]
    start = np.concatenate([[0], np.cumsum(n_all)[:-1]])
    median = 0.5 * (v[start + (n_all - 1) // 2] + v[start + n_all // 2])
    sel = keep[bins]
    g = np.cumsum(keep)[bins[sel]] - 1  # group index among the decades kept
    dev = np.abs(studentized[sel] - median[bins[sel]])
    k = int(keep.sum())
    n = n_all[keep].astype(float)
    means = np.bincount(g, weights=dev, minlength=k) / n
    grand = float(dev.mean())
    between = float(np.sum(n * (means - grand) ** 2)) / (k - 1)
    within = float(np.sum((dev - means[g]) ** 2)) / (n.sum() - k)
    if within <= 0:
        return 1.0
    return float(fdtrc(k - 1, n.sum() - k, between / within))


def robust_cov(u: np.ndarray, sv: np.ndarray, vt: np.ndarray, keep: np.ndarray, residual: np.ndarray,
               classic: np.ndarray, frequency_Hz: np.ndarray) -> tuple[np.ndarray, float]:
    """(covariance, p) from the SVD J = U·S·Vᵀ of the active Jacobian (`keep`: the singular values
    above the rank tolerance) and the residual vector: HC3 where the residual variance differs
    between decades (p < P_DIFFERS), each variance at least the classic one; `classic` otherwise."""
    uk = u[:, keep]
    h = np.minimum(np.sum(uk**2, axis=1), LEVERAGE_MAX)
    m = frequency_Hz.size
    h_point = np.maximum(h[:m], h[m:])  # one point, two rows: the larger leverage of the two
    e = residual / np.sqrt(1.0 - np.concatenate([h_point, h_point]))
    p = variance_differs_p(frequency_Hz, e)
    if p >= P_DIFFERS:
        return classic, p
    a = vt[keep].T / sv[keep]  # V·S⁻¹ (pseudo-inverse J⁺ = V·S⁻¹·Uᵀ)
    meat = (uk * (e**2)[:, None]).T @ uk
    hc3 = a @ meat @ a.T
    sd = np.sqrt(np.maximum(np.diag(hc3), np.diag(classic)))
    d_hc = np.sqrt(np.diag(hc3))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(np.outer(d_hc, d_hc) > 0, hc3 / np.outer(d_hc, d_hc), 0.0)
    np.fill_diagonal(corr, 1.0)
    return corr * np.outer(sd, sd), p


def decade_noise_weights(frequency_Hz: np.ndarray, residual_real: np.ndarray,
                         residual_imag: np.ndarray) -> np.ndarray | None:
    """Per-point factors 1/s_decade (RMS of mean 1 over the points) from a model-free residual,
    lin-KK's, when its spread differs between decades (p < P_DIFFERS); None when it does not, so
    noise of one size keeps the plain weighting, and None for a noise-free spectrum."""
    f = np.asarray(frequency_Hz, float)
    rr, ri = np.asarray(residual_real, float), np.asarray(residual_imag, float)
    if float(np.sqrt(np.mean(rr**2 + ri**2) / 2)) < WEIGHTS_MIN_RMS:
        return None
    if variance_differs_p(f, np.concatenate([rr, ri])) >= P_DIFFERS:
        return None
    bins = decade_bins(f)
    ms = np.bincount(bins, weights=rr**2 + ri**2) / (2 * np.bincount(bins))
    s = np.sqrt(np.maximum(ms, 1e-6 * ms.max()))[bins]
    pw = 1.0 / s
    return pw / np.sqrt(np.mean(pw**2))
