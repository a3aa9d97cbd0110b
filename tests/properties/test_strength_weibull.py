from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssbcert.properties import strength, weibull
from ssbcert.uncertainty import Measured


def _m(x: float, u: float = 0.0) -> Measured:
    return Measured(x, u, "")


def test_c1161_three_and_four_point() -> None:
    p, l, b, d = _m(400.0), _m(0.040), _m(0.004), _m(0.003)
    assert strength.flexural_3pt(p, l, b, d).value == pytest.approx(3 * 400 * 0.04 / (2 * 0.004 * 0.003**2))
    assert strength.flexural_4pt(p, l, b, d).value == pytest.approx(3 * 400 * 0.04 / (4 * 0.004 * 0.003**2))


def test_flexural_budget_has_twice_the_thickness_term() -> None:
    s = strength.flexural_4pt(_m(400.0, 2.0), _m(0.040, 0.00002), _m(0.004, 0.000005), _m(0.003, 0.000005))
    rel = math.sqrt((2 / 400) ** 2 + (0.02 / 40) ** 2 + (0.005 / 4) ** 2 + (2 * 0.005 / 3) ** 2)
    assert s.relative_u == pytest.approx(rel, rel=1e-5)


def test_c1499_ring_on_ring() -> None:
    f, h, d, ds, dl, nu = 500.0, 1e-3, 0.030, 0.020, 0.010, 0.25
    expect = 3 * f / (2 * math.pi * h * h) * ((1 - nu) * (ds**2 - dl**2) / (2 * d * d) + (1 + nu) * math.log(ds / dl))
    got = strength.ring_on_ring(_m(f), _m(h), _m(d), _m(ds), _m(dl), _m(nu))
    assert got.value == pytest.approx(expect) and "C1499" in got.method


@pytest.mark.parametrize("n, uf, q05, q95", [
    (5, 0.69, 0.68, 2.83), (10, 0.85, 0.74, 1.83), (15, 0.90, 0.77, 1.57), (20, 0.93, 0.79, 1.46),
    (25, 0.95, 0.81, 1.38), (30, 0.95, 0.82, 1.33), (40, 0.97, 0.84, 1.27), (50, 0.97, 0.86, 1.23),
    (100, 0.99, 0.89, 1.15),
])
def test_unbiasing_table(n: int, uf: float, q05: float, q95: float) -> None:
    """§5.5 Monte Carlo table (itself ±0.01 of C1239): UF and 5 % quantile to ±0.011, 95 % quantile to ±2 %."""
    piv = weibull.pivots(n)
    assert piv.unbiasing_factor == pytest.approx(uf, abs=0.011)
    assert piv.q_m[0] == pytest.approx(q05, abs=0.011)
    assert piv.q_m[1] == pytest.approx(q95, rel=0.02)


def test_bounds_example_n30() -> None:
    """N = 30, m̂ = 10 → m ∈ [7.5, 12.2] (90 %)."""
    piv = weibull.pivots(30)
    assert round(10 / piv.q_m[1], 1) == 7.5
    assert round(10 / piv.q_m[0], 1) == 12.2


def test_mle_solves_the_likelihood_equation_and_recovers_parameters() -> None:
    x = 300e6 * np.random.default_rng(11).weibull(12.0, 2000)
    m, theta = weibull.weibull_mle(x)
    assert m == pytest.approx(12.0, rel=0.05) and theta == pytest.approx(300e6, rel=0.01)
    w = x**m
    assert np.sum(w * np.log(x)) / np.sum(w) - np.mean(np.log(x)) - 1 / m == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(50, 500), min_size=3, max_size=12, unique=True), st.floats(0.01, 100))
def test_mle_is_scale_invariant(strengths: list[float], scale: float) -> None:
    m1, t1 = weibull.weibull_mle(strengths)
    m2, t2 = weibull.weibull_mle([s * scale for s in strengths])
    assert m2 == pytest.approx(m1, rel=1e-6) and t2 == pytest.approx(t1 * scale, rel=1e-6)


def test_analysis_warns_below_thirty_and_reports_bounds() -> None:
    res = weibull.weibull_analysis([412, 455, 389, 471, 430, 398, 446, 420, 463, 405], "MPa")
    assert res.n == 10 and "≥ 30" in res.notes[0]
    assert res.m_bounds_90[0] < res.m_mle < res.m_bounds_90[1]
    assert res.theta_bounds_90[0] < res.characteristic_strength.value < res.theta_bounds_90[1]
    assert res.modulus.value == pytest.approx(res.m_mle * weibull.pivots(10).unbiasing_factor)
    assert "C1239" in res.modulus.method
    with pytest.raises(ValueError):
        weibull.weibull_mle([100.0, 100.0, 100.0])
