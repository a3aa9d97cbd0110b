"""Stationarity between repeated sweeps: did the sample stay the same while it was measured?

A sweep measures each arc at a different time (high frequencies first, the slow grain-boundary
and electrode response minutes later), so a sample that changes during it (temperature still
settling, contacts forming, moisture) gives a spectrum of no single state. lin-KK rarely shows
it: 2–10 % drifts over one sweep pass, while they bias σ_gb by 5–22 % (synthetic_beyond's drift
family). Repeated sweeps do show it, and stationarity is the third condition of KK validity:
consecutive sweeps of one step, at one temperature and frequency grid, must agree within their
noise.

The statistic for sweeps a, b is T = Σ_k |Z_b − Z_a|²/|Z_a|² / (s_a² + s_b²), with s² each sweep's
lin-KK noise floor per component (kk.kk_noise_chi2_per_dof). With independent noise and an
unchanged sample E[T] = 2N (the simulated bench gives T/2N = 0.8–0.9); above the limit
(limit_for: 2, or the F quantile of a 0.1 % false alarm for short sweeps) the sample changed
between the sweeps, so it changed during them too, and no σ of either sweep is a result.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ssbcert.analysis.conductivity import SIGMA_FIELDS
from ssbcert.analysis.kk import KKResult, kk_noise_chi2_per_dof, kk_noise_dof
from ssbcert.records import ImpedanceSpectrum

if TYPE_CHECKING:  # pipeline imports this module
    from ssbcert.analysis.pipeline import SpectrumAnalysis

# T/2N above which two sweeps differ beyond their noise: at least 2 (the repeats of the simulated
# bench stay below 1), and above the F(2N, ν_a + ν_b) quantile of FALSE_ALARM, since the noise
# floors are themselves estimates with lin-KK's ν dof: a 20-point sweep would exceed 2 by chance
# in 1–3 % of still samples, a 68-point one in 1e-5
STATIONARITY_FACTOR = 2.0
FALSE_ALARM = 1e-3
# sweeps within this much of each other's temperature count as repeats (a loop's setpoints are
# 5–10 K apart; a stage holds its band to a few 0.1 K)
SAME_TEMPERATURE_K = 0.5


@dataclass(frozen=True)
class RepeatComparison:
    """Two consecutive sweeps of one step (indices into the series) and how far apart they are."""

    first: int
    second: int
    ratio: float  # T/2N
    largest_change_percent: float  # max_k |Z_b − Z_a|/|Z_a|
    at_frequency_Hz: float
    noise_percent: float  # √((s_a² + s_b²)/2): the noise either sweep has per component
    limit: float = STATIONARITY_FACTOR

    @property
    def stationary(self) -> bool:
        return self.ratio <= self.limit

    def sentence(self, first: str | None = None, second: str | None = None) -> str:
        """In words, the sweeps named `first` and `second` (default: their places in the series)."""
        verdict = "agree within their noise" if self.stationary else "differ beyond their noise"
        a = first or f"#{self.first + 1}"
        b = second or f"#{self.second + 1} of the series"
        return (f"repeated sweeps {a} and {b} {verdict}: χ²/2N = {self.ratio:.3g} (limit {self.limit:.3g}), "
                f"largest change {self.largest_change_percent:.2g} % at {self.at_frequency_Hz:.3g} Hz against "
                f"{self.noise_percent:.2g} % noise")

    def as_dict(self) -> dict[str, object]:
        return {"first": self.first, "second": self.second, "chi2_per_2n": self.ratio, "limit": self.limit,
                "largest_change_percent": self.largest_change_percent, "at_frequency_Hz": self.at_frequency_Hz,
                "noise_percent": self.noise_percent, "stationary": self.stationary}


def is_repeat(a: ImpedanceSpectrum, b: ImpedanceSpectrum) -> bool:
    """b repeats a: same protocol step (when the session says), temperature and frequencies."""
    if a.meta.get("step") != b.meta.get("step"):
        return False
    if (a.temperature_K is None) != (b.temperature_K is None):
        return False
    if a.temperature_K is not None and abs(a.temperature_K - b.temperature_K) > SAME_TEMPERATURE_K:  # type: ignore[operator]
        return False
    return a.frequency_Hz.shape == b.frequency_Hz.shape and bool(np.allclose(a.frequency_Hz, b.frequency_Hz, rtol=1e-9))


def limit_for(n_points: int, noise_dof: float) -> float:
    """The χ²/2N limit for sweeps of `n_points` whose noise floors have `noise_dof` together."""
    if not math.isfinite(noise_dof):
        return STATIONARITY_FACTOR
    from scipy.stats import f as f_dist

    return max(STATIONARITY_FACTOR, float(f_dist.isf(FALSE_ALARM, 2 * n_points, max(noise_dof, 1.0))))


def compare(a: ImpedanceSpectrum, b: ImpedanceSpectrum, s2_a: float, s2_b: float, first: int = 0,
            second: int = 1, noise_dof: float = math.inf) -> RepeatComparison:
    """T/2N of two sweeps of the same frequencies with noise floors s²_a, s²_b (per component)
    estimated with `noise_dof` degrees of freedom together (inf: known)."""
    za, zb = a.z, b.z
    d = (zb - za) / np.abs(za)
    per_point = d.real**2 + d.imag**2
    s2 = s2_a + s2_b
    k = int(np.argmax(per_point))
    n = a.frequency_Hz.size
    return RepeatComparison(first, second, float(per_point.sum() / s2 / (2 * n)), float(100 * math.sqrt(per_point[k])),
                            float(a.frequency_Hz[k]), float(100 * math.sqrt(s2 / 2)), limit_for(n, noise_dof))


def compare_checked(a: ImpedanceSpectrum, b: ImpedanceSpectrum, kk_a: KKResult, kk_b: KKResult, first: int = 0,
                    second: int = 1) -> RepeatComparison | None:
    """`compare` with the noise floors of the sweeps' lin-KK results; None when either failed KK
    (such a sweep is not valid anyway, and its residual is no noise estimate)."""
    s2_a, s2_b = kk_noise_chi2_per_dof(kk_a), kk_noise_chi2_per_dof(kk_b)
    if s2_a is None or s2_b is None:
        return None
    return compare(a, b, s2_a, s2_b, first, second, kk_noise_dof(kk_a) + kk_noise_dof(kk_b))


def compare_repeats(spectra: Sequence[ImpedanceSpectrum],
                    analyses: Sequence["SpectrumAnalysis"]) -> list[RepeatComparison]:
    """Every consecutive pair of repeated sweeps that both passed lin-KK."""
    out = []
    for i in range(len(spectra) - 1):
        if is_repeat(spectra[i], spectra[i + 1]):
            c = compare_checked(spectra[i], spectra[i + 1], analyses[i].kk, analyses[i + 1].kk, i, i + 1)
            if c is not None:
                out.append(c)
    return out


def withhold_non_stationary(comparisons: Sequence[RepeatComparison], analyses: Sequence["SpectrumAnalysis"]) -> list[str]:
    """Withhold every σ of both sweeps of a pair that differs beyond the noise; the series flags."""
    flags = []
    for c in comparisons:
        if c.stationary:
            continue
        why = (c.sentence() + ": the sample changed while it was measured, so neither sweep shows one state "
               "and their arcs can be biased beyond their fit uncertainty")
        for i in (c.first, c.second):
            cond = analyses[i].conductivity
            for name in SIGMA_FIELDS:
                if getattr(cond, name) is not None:
                    cond.withhold(name, why, root_cause=True)  # it explains any other rule the drift tripped
            analyses[i].flags.append("rule_not_stationary: " + why)
        flags.append("not_stationary: " + why)
    return flags
