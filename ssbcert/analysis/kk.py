"""Linear Kramers-Kronig (lin-KK) validation, Schönleber et al., Electrochim. Acta 131 (2014) 20.

The spectrum is fitted by a KK-compliant model, R₀ + Σ R_k/(1+jωτ_k) + jωL + 1/(jωC), linear in
its coefficients (R_k may be negative), with M time constants log-spaced over 1/ω_max..1/ω_min.
The τ range can be extended (`extend_decades`). M is chosen automatically between one RC per
decade and N/2 by the Akaike criterion (fit quality against number of RC elements); Schönleber's
μ = 1 − Σ|R_k<0| / Σ|R_k≥0| of the chosen M is reported (μ near 0: the RC elements fit noise).
Residuals relative to |Z| show whether the spectrum is linear, causal and stable; their size gives Boukamp's pseudo-χ² and a noise
estimate. Written for numpy 2 (impedance.validation.linKK 1.7.1 is broken there).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgeqrf

DEFAULT_LIMIT_PERCENT = 1.0


@dataclass(frozen=True)
class KKResult:
    """Outcome of lin-KK: pass/fail with the evidence (residuals, pseudo-χ², noise estimate)."""

    n_rc: int
    mu: float
    frequency_Hz: np.ndarray
    z_fit: np.ndarray
    residuals_real: np.ndarray  # (Z' − Ẑ')/|Z|
    residuals_imag: np.ndarray
    pseudo_chi2: float  # Σ[(ΔZ')² + (ΔZ'')²]/|Z|²  (Boukamp 1995, eq. 14)
    noise_estimate_percent: float  # √(χ²_ps·5000/N): RMS residual per component, %
    max_residual_percent: float
    limit_percent: float
    passed: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "lin-KK (Schönleber 2014), |Z|-weighted complex fit, M chosen by AIC",
            "n_rc": self.n_rc,
            "mu": self.mu,
            "pseudo_chi2": self.pseudo_chi2,
            "noise_estimate_percent": self.noise_estimate_percent,
            "max_residual_percent": self.max_residual_percent,
            "limit_percent": self.limit_percent,
            "passed": self.passed,
            "message": self.message,
        }


def _linkk_fit(w: np.ndarray, z: np.ndarray, m: int, ext: float) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares lin-KK with m RC elements over the τ range extended by `ext` decades on each
    side (distributed electrode spikes relax beyond 1/ω_min); returns (R_k, Z_fit)."""
    tau = _tau_grid(w, m, ext)
    cols = np.column_stack([np.ones_like(w, dtype=complex), 1.0 / (1 + 1j * np.outer(w, tau)), 1j * w, 1.0 / (1j * w)])
    wt = 1.0 / np.abs(z)
    a = cols * wt[:, None]
    scale = np.linalg.norm(a, axis=0)
    a = a / scale
    A = np.vstack([a.real, a.imag])
    b = np.concatenate([(z * wt).real, (z * wt).imag])
    x, *_ = np.linalg.lstsq(A, b, rcond=None)
    x = x / scale
    return x[1:1 + m], cols @ x


def _tau_grid(w: np.ndarray, m: int, ext: float) -> np.ndarray:
    lo, hi = np.log10(1 / w.max()) - ext, np.log10(1 / w.min()) + ext
    return np.logspace(lo, hi, m) if m > 1 else np.array([10 ** ((lo + hi) / 2)])


def _aic_scan(w: np.ndarray, z: np.ndarray, m_values: range, ext: float, patience: int) -> int:
    """M with the lowest Akaike criterion. Each M costs one R-only Householder QR of the weighted
    real design matrix with the data as last column: |R[-1, -1]| is the residual norm, so neither
    Q nor the coefficients are formed (the chosen M is then solved once by `_linkk_fit`). The scan
    stops `patience` values of M past the best one: beyond the noise floor the criterion only grows
    by 2 per added element."""
    n = w.size
    wt = 1.0 / np.abs(z)
    top = m_values[-1]
    work = np.empty((2 * n, top + 4), order="F")  # column slices stay contiguous for LAPACK
    b = np.concatenate([(z * wt).real, (z * wt).imag])
    fixed_re = np.column_stack([wt, np.zeros(n), np.zeros(n)])
    fixed_im = np.column_stack([np.zeros(n), w * wt, -wt / w])  # 1, jω, 1/(jω), imaginary parts
    best_aic, best_m = np.inf, m_values[0]
    for m in m_values:
        x = np.outer(w, _tau_grid(w, m, ext))
        d = 1.0 / (1.0 + x * x)
        a = work[:, : m + 4]
        a[:n, :3], a[n:, :3] = fixed_re, fixed_im
        a[:n, 3:m + 3] = d * wt[:, None]
        a[n:, 3:m + 3] = -(x * d) * wt[:, None]
        a[:, m + 3] = b
        qr, _, _, info = dgeqrf(a, overwrite_a=1)
        chi2 = float(qr[m + 3, m + 3] ** 2) if info == 0 else np.inf
        aic = 2 * n * np.log(max(chi2, 1e-300) / (2 * n)) + 2 * (m + 3)
        if aic < best_aic:
            best_aic, best_m = aic, m
        elif m - best_m >= patience:
            break
    return best_m


def lin_kk(
    frequency_Hz: np.ndarray,
    z: np.ndarray,
    *,
    max_rc: int | None = None,
    limit_percent: float = DEFAULT_LIMIT_PERCENT,
    extend_decades: float = 0.0,
    patience: int = 12,
) -> KKResult:
    """Run lin-KK with automatic M. Passes when the RMS residual (noise estimate) and the largest
    residual stay within `limit_percent` and 4×`limit_percent` of |Z|."""
    f = np.asarray(frequency_Hz, float)
    zc = np.asarray(z, complex)
    w = 2 * np.pi * f
    n = f.size
    top = max_rc or max(2, min(50, (2 * n - 4) // 2))
    # M from one RC per decade up to N/2: the smallest Akaike criterion wins. (Schönleber's μ ≤ c
    # stopping rule alone stopped too early on ideal RC arcs and CPE spikes in our tests; μ of the
    # chosen M is still reported.)
    m_min = min(top, int(np.ceil(np.log10(w.max() / w.min()) + 2 * extend_decades)))
    chosen = _aic_scan(w, zc, range(m_min, top + 1), extend_decades, patience)
    r, zf = _linkk_fit(w, zc, chosen, extend_decades)
    pos = np.abs(r[r >= 0]).sum()
    mu = 1.0 - np.abs(r[r < 0]).sum() / pos if pos > 0 else 0.0
    mod = np.abs(zc)
    rr = (zc.real - zf.real) / mod
    ri = (zc.imag - zf.imag) / mod
    chi2 = float(np.sum(rr**2 + ri**2))
    noise = float(np.sqrt(chi2 * 5000.0 / n))
    mx = float(100 * max(np.abs(rr).max(), np.abs(ri).max()))
    passed = noise <= limit_percent and mx <= 4 * limit_percent
    msg = (f"KK-consistent: residual RMS {noise:.2g} % (limit {limit_percent:g} %)" if passed else
           f"KK test failed: residual RMS {noise:.2g} %, largest {mx:.2g} % (limits {limit_percent:g} %, "
           f"{4 * limit_percent:g} %): drift, non-linearity or instrument artefact")
    return KKResult(chosen, float(mu), f, zf, rr, ri, chi2, noise, mx, limit_percent, passed, msg)


def kk_noise_chi2_per_dof(kk: KKResult, point_weights: np.ndarray | None = None) -> float | None:
    """The noise floor a circuit fit can reach: lin-KK's |Z|-weighted χ² per degree of freedom (it
    is the same sum as a modulus-weighted CNLS χ²; with `point_weights`, under the same factors as
    the fit). None when the spectrum failed KK (the residual is then no noise estimate)."""
    dof = kk_noise_dof(kk)
    if not kk.passed or dof <= 0:
        return None
    if point_weights is None:
        return kk.pseudo_chi2 / dof
    return float(np.sum(point_weights**2 * (kk.residuals_real**2 + kk.residuals_imag**2))) / dof


def kk_noise_dof(kk: KKResult) -> int:
    """Degrees of freedom of that noise estimate: 2N values less the M + 3 lin-KK coefficients."""
    return 2 * kk.frequency_Hz.size - (kk.n_rc + 3)
