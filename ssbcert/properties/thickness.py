"""Thickness statistics from point readings (certification.md §4.2).

The mean carries u_c² = u_A² + u_cal² + u_res² + u_method²; the spread (SD, range, non-uniformity)
describes the population and is reported separately, because a tolerance such as "20 ± 2 µm"
concerns every point, not the mean.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ssbcert.uncertainty import Measured

RES_DIVISOR = math.sqrt(12.0)

# method → the standard its calibration/practice follows (certification.md §4.1)
METHOD_STANDARDS = {
    "micrometer": "ISO 3611 micrometer, gauge-block calibration",
    "profilometer": "stylus step height, ISO 5436-1 step standard",
    "sem": "SEM cross-section per ISO 9220 / ASTM B748, certified grating",
    "ellipsometry": "spectroscopic ellipsometry, ISO 23131",
    "xrr": "X-ray reflectivity, ISO 16413:2020",
    "interferometry": "optical interferometry (instrument-specific calibration)",
}  # rectangular interval of full width δ → u = δ/√12 (GUM 4.3.7)

# the sampling plan's fewest points per method (certification.md §4.2): ≥ 5 micrometer points on a
# pellet, ≥ 3 profilometer step scans, ≥ 10 SEM readings, and the 5-point pattern (centre + 4) as
# the minimum on a film for the optical and X-ray methods
SAMPLING_PLAN_MIN_POINTS = {"micrometer": 5, "profilometer": 3, "sem": 10, "ellipsometry": 5, "xrr": 5,
                            "interferometry": 5}


def below_sampling_plan(method: str, n: int) -> str | None:
    """Why n readings by `method` fall short of the sampling plan, or None when they do not. Fewer
    points leave the spread over the electrode area, and so u(h), unknown (one point) or itself
    too uncertain for its coverage factor (the geometry carries u(h), not its dof)."""
    minimum = SAMPLING_PLAN_MIN_POINTS.get(method, 5)
    if n >= minimum:
        return None
    return f"{n} {method} point{'s' if n != 1 else ''}; the sampling plan asks for ≥ {minimum} (certification.md §4.2)"


@dataclass(frozen=True)
class ThicknessStats:
    """All SI (m) except the non-uniformities, which are fractions (report ×100 as %)."""

    mean: Measured
    sd: Measured
    minimum: Measured
    maximum: Measured
    nonuniformity_range: Measured  # (max − min)/(2·mean), written "±x %"
    nonuniformity_1sigma: Measured  # s/mean
    n: int

    def as_results(self) -> dict[str, Measured]:
        """One reading states a thickness but no spread: SD and non-uniformity are then not results
        (a spec item on them stays inconclusive) rather than numbers with an undefined uncertainty."""
        results = {"thickness_mean": self.mean, "thickness_min": self.minimum, "thickness_max": self.maximum}
        if self.n >= 2:
            results.update({
                "thickness_sd": self.sd,
                "thickness_nonuniformity_range": self.nonuniformity_range,
                "thickness_nonuniformity_1sigma": self.nonuniformity_1sigma,
            })
        return results


def thickness_statistics(
    readings_m: Sequence[float],
    resolution_m: float = 0.0,
    u_calibration_m: float = 0.0,
    u_method_m: float = 0.0,
    method: str = "thickness",
    tilt_deg: float = 0.0,
) -> ThicknessStats:
    """Mean with combined standard uncertainty, plus the population spread of the points.

    `tilt_deg`: SEM cross-section tilt about an axis parallel to the film (t = t_apparent / cos θ).
    """
    x = np.asarray(readings_m, dtype=float)
    if x.size == 0:
        raise ValueError("thickness_statistics: no readings")
    if np.any(x <= 0):
        raise ValueError("thickness readings must be positive")
    scale = 1.0 / math.cos(math.radians(tilt_deg))
    x = x * scale
    n = int(x.size)
    mean = float(x.mean())
    s = float(x.std(ddof=1)) if n > 1 else 0.0
    u_a = s / math.sqrt(n) if n > 1 else 0.0
    u_res = resolution_m * scale / RES_DIVISOR
    budget = {"repeatability (Type A, s/√n)": u_a, "resolution (Type B, δ/√12)": u_res,
              "calibration (Type B)": u_calibration_m * scale, "method (Type B)": u_method_m * scale}
    u_c = math.sqrt(sum(v * v for v in budget.values()))
    dof = math.inf
    if n > 1 and u_a > 0:
        dof = u_c**4 / (u_a**4 / (n - 1))
    elif n == 1:
        dof = math.inf  # Type B only; the single point carries no spread information
    std = METHOD_STANDARDS.get(method, method)
    text = (f"{method}: mean of {n} points; u_c² = u_A² + u_res² + u_cal² + u_method² "
            f"({std}; statistics per certification.md §4.2; GUM JCGM 100:2008)")
    mean_m = Measured(mean, u_c, "m", text, dof=dof, budget=budget)
    # SD of n normal points: u(s) ≈ s/√(2(n−1))
    u_s = s / math.sqrt(2 * (n - 1)) if n > 1 else math.nan
    sd_m = Measured(s, u_s, "m", f"{method}: sample standard deviation of {n} points (population spread)", dof=n - 1)
    u_point = math.sqrt(u_res**2 + (u_calibration_m * scale) ** 2 + (u_method_m * scale) ** 2)
    lo, hi = float(x.min()), float(x.max())
    min_m = Measured(lo, u_point, "m", f"{method}: smallest of {n} points; u = single-point Type B")
    max_m = Measured(hi, u_point, "m", f"{method}: largest of {n} points; u = single-point Type B")
    nu_range = (hi - lo) / (2 * mean)
    nu_sigma = s / mean
    rng = Measured(nu_range, math.sqrt(2) * u_point / (2 * mean), "1",
                   f"{method}: non-uniformity (max − min)/(2·mean), reported as ±%")
    sig = Measured(nu_sigma, u_s / mean if n > 1 else math.nan, "1", f"{method}: non-uniformity s/mean (1σ)")
    return ThicknessStats(mean_m, sd_m, min_m, max_m, rng, sig, n)
