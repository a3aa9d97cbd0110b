from __future__ import annotations

import math

import pytest

from ssbcert.properties.thickness import thickness_statistics


def test_micrometer_resolution_one_micron_gives_0_29() -> None:
    """Resolution 1 µm → u = 0.29 µm (§4.1)."""
    st = thickness_statistics([1e-3] * 5, resolution_m=1e-6)
    assert round(st.mean.u * 1e6, 2) == 0.29
    assert st.mean.budget["resolution (Type B, δ/√12)"] == pytest.approx(1e-6 / math.sqrt(12))


def test_statistics_and_non_uniformity() -> None:
    pts = [24.6, 25.3, 25.1, 24.8, 25.4]
    st = thickness_statistics([p * 1e-6 for p in pts], resolution_m=0.01e-6, u_calibration_m=0.15e-6)
    mean = sum(pts) / 5
    s = math.sqrt(sum((p - mean) ** 2 for p in pts) / 4)
    assert st.n == 5
    assert st.mean.value == pytest.approx(mean * 1e-6)
    assert st.sd.value == pytest.approx(s * 1e-6)
    assert st.minimum.value == pytest.approx(24.6e-6) and st.maximum.value == pytest.approx(25.4e-6)
    assert st.nonuniformity_range.value == pytest.approx((25.4 - 24.6) / (2 * mean))
    assert st.nonuniformity_1sigma.value == pytest.approx(s / mean)
    u_c = math.sqrt((s / math.sqrt(5)) ** 2 + (0.01 / math.sqrt(12)) ** 2 + 0.15**2) * 1e-6
    assert st.mean.u == pytest.approx(u_c)
    assert 4 < st.mean.dof < math.inf  # Welch–Satterthwaite with one Type A term
    assert set(st.as_results()) == {"thickness_mean", "thickness_sd", "thickness_min", "thickness_max",
                                    "thickness_nonuniformity_range", "thickness_nonuniformity_1sigma"}


def test_sem_tilt_correction() -> None:
    st = thickness_statistics([1e-6, 1e-6], tilt_deg=60.0)
    assert st.mean.value == pytest.approx(2e-6)


def test_rejects_non_positive_readings() -> None:
    with pytest.raises(ValueError, match="positive"):
        thickness_statistics([1e-6, -1e-6])
    with pytest.raises(ValueError, match="no readings"):
        thickness_statistics([])
