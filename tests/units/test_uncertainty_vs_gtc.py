"""ssbcert.uncertainty.propagate against GTC (the GUM Tree Calculator, Measurement Standards Laboratory
of New Zealand) as an independent reference: u(y), budget components and Welch–Satterthwaite ν_eff,
uncorrelated, correlated Type B, and correlated ensembles from one sample (Willink 2007).

GTC is a test-only dependency: it is the referee, not the engine (see the commit that added this file).
"""
from __future__ import annotations

import math

import GTC
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from GTC import reporting

from ssbcert.properties import vickers
from ssbcert.uncertainty import Measured, propagate, propagate_cov_dof


def test_uncorrelated_product_quotient_matches_gtc() -> None:
    x, y, z = Measured(2.0, 0.02, "", dof=4), Measured(5.0, 0.1, "", dof=9), Measured(3.0, 0.01, "")
    ours = propagate(lambda a, b, c: a * b / c, {"a": x, "b": y, "c": z}, "", "test")
    gx, gy, gz = GTC.ureal(2.0, 0.02, 4), GTC.ureal(5.0, 0.1, 9), GTC.ureal(3.0, 0.01)
    ref = gx * gy / gz
    assert ours.value == pytest.approx(GTC.value(ref), rel=1e-12)
    assert ours.u == pytest.approx(GTC.uncertainty(ref), rel=1e-8)
    assert ours.dof == pytest.approx(GTC.dof(ref), rel=1e-6)
    for name, g in (("a", gx), ("b", gy), ("c", gz)):
        assert ours.budget[name] == pytest.approx(abs(reporting.u_component(ref, g)), rel=1e-8)


def test_nonlinear_formula_with_math_functions_matches_gtc() -> None:
    """Arrhenius-like σ = A/T·exp(−E/(k T)): our numeric Jacobian against GTC's exact derivatives."""
    k = 8.617333262e-5
    a, e, t = Measured(5e5, 2e4, "", dof=7), Measured(0.42, 0.01, "", dof=12), Measured(298.15, 0.3, "")
    ours = propagate(lambda a, e, t: a / t * math.exp(-e / (k * t)), {"a": a, "e": e, "t": t}, "", "test")
    ga, ge, gt = GTC.ureal(5e5, 2e4, 7), GTC.ureal(0.42, 0.01, 12), GTC.ureal(298.15, 0.3)
    ref = ga / gt * GTC.exp(-ge / (k * gt))
    assert ours.u == pytest.approx(GTC.uncertainty(ref), rel=1e-6)
    assert ours.dof == pytest.approx(GTC.dof(ref), rel=1e-5)


def test_correlated_type_b_inputs_match_gtc() -> None:
    r = 0.6
    x, y = Measured(10.0, 0.2, ""), Measured(4.0, 0.1, "")
    w = Measured(1.5, 0.05, "", dof=6)
    corr = np.array([[1, r, 0], [r, 1, 0], [0, 0, 1]], dtype=float)
    ours = propagate(lambda x, y, w: (x - y) * w, {"x": x, "y": y, "w": w}, "", "test", correlation=corr)
    gx, gy = GTC.ureal(10.0, 0.2, independent=False), GTC.ureal(4.0, 0.1, independent=False)
    GTC.set_correlation(r, gx, gy)
    ref = (gx - gy) * GTC.ureal(1.5, 0.05, 6)
    assert ours.u == pytest.approx(GTC.uncertainty(ref), rel=1e-8)
    assert ours.dof == pytest.approx(GTC.dof(ref), rel=1e-6)


def test_correlated_ensemble_from_one_sample_matches_gtc() -> None:
    """Two means from the same 8 readings (ν = 7, r = −0.4): one WS component, as Willink and GTC do."""
    r, nu = -0.4, 7
    x, y = Measured(3.0, 0.05, "", dof=nu), Measured(7.0, 0.08, "", dof=nu)
    z = Measured(2.0, 0.01, "", dof=20)
    corr = np.array([[1, r, 0], [r, 1, 0], [0, 0, 1]], dtype=float)
    ours = propagate(lambda x, y, z: x * y + z, {"x": x, "y": y, "z": z}, "", "test", correlation=corr)
    gx, gy = GTC.multiple_ureal([3.0, 7.0], [0.05, 0.08], nu)
    GTC.set_correlation(r, gx, gy)
    ref = gx * gy + GTC.ureal(2.0, 0.01, 20)
    assert ours.u == pytest.approx(GTC.uncertainty(ref), rel=1e-8)
    assert ours.dof == pytest.approx(GTC.dof(ref), rel=1e-6)
    assert math.isfinite(ours.dof) and ours.dof < 27  # before: correlated inputs gave ν_eff = ∞


def test_vickers_indent_set_budget_matches_gtc() -> None:
    """The HV1 worked example's indent set (ASTM C1327): value, u and ν_eff equal GTC's."""
    load = Measured(9.807, 0.05, "N")
    d1, d2 = [50e-6, 51e-6, 49e-6, 50.5e-6], [50e-6, 50e-6, 50e-6, 49.5e-6]
    res = vickers.vickers_from_diagonals(load, d1, d2, 0.3e-6)
    hv_each = [vickers.vickers_hardness(9.807, 0.5 * (a + b)) for a, b in zip(d1, d2)]
    scatter = GTC.type_a.estimate(hv_each)
    d_mean = sum(0.5 * (a + b) for a, b in zip(d1, d2)) / len(d1)
    p, d = GTC.ureal(9.807, 0.05), GTC.ureal(d_mean, 0.3e-6)
    rel = GTC.ureal(1.0, GTC.uncertainty(scatter) / GTC.value(scatter), GTC.dof(scatter))
    ref = vickers.VICKERS_GEOMETRY * p / d**2 * rel
    assert res.hardness.value == pytest.approx(GTC.value(ref), rel=1e-12)
    assert res.hardness.u == pytest.approx(GTC.uncertainty(ref), rel=1e-7)
    assert res.hardness.dof == pytest.approx(GTC.dof(ref), rel=1e-5)


@given(st.floats(min_value=1.0, max_value=1e7))
def test_coverage_factor_never_falls_below_the_k2_convention(nu: float) -> None:
    """≈95 % is k = 2 at ν = ∞ (p = 95.45 %, EA-4/02 Annex E), so a finite ν only ever widens U,
    and k falls monotonically towards 2 as ν grows."""
    k = Measured(1.0, 0.1, "", dof=nu).coverage_factor()
    assert k >= 2.0 - 1e-9
    assert Measured(1.0, 0.1, "", dof=nu * 2).coverage_factor() <= k + 1e-12


def test_coverage_factors_match_the_ea_4_02_table() -> None:
    table = {1: 13.97, 2: 4.53, 3: 3.31, 4: 2.87, 5: 2.65, 10: 2.28, 20: 2.13, 50: 2.05}  # EA-4/02 M:2022 Table E.1
    for nu, k in table.items():
        assert Measured(1.0, 0.1, "", dof=nu).coverage_factor() == pytest.approx(k, abs=0.006)
    assert Measured(1.0, 0.1, "").coverage_factor() == 2.0
    assert Measured(1.0, 0.1, "", dof=10).coverage_factor(0.99) == pytest.approx(3.169, abs=1e-3)  # other levels: plain t


def test_vector_propagation_with_an_exact_input_matches_gtc() -> None:
    """propagate_cov_dof differences only the inputs that carry a (co)variance; an exact input (a
    fixed fit parameter, an exact geometry) must still leave u and ν_eff of every output as GTC has them."""
    x = np.array([3.0, 7.0, 2.0, 0.5])
    cov = np.zeros((4, 4))
    cov[:2, :2] = [[0.05**2, -0.4 * 0.05 * 0.08], [-0.4 * 0.05 * 0.08, 0.08**2]]
    cov[3, 3] = 0.02**2  # input 2 is exact
    dof = [7.0, 7.0, 5.0, 12.0]

    def f(v: np.ndarray) -> np.ndarray:
        return np.array([v[0] * v[1] / v[2] + v[3], math.exp(v[3]) * v[2] - v[1]])

    y, cy, nu = propagate_cov_dof(f, x, cov, dof)
    gx, gy = GTC.multiple_ureal([3.0, 7.0], [0.05, 0.08], 7)
    GTC.set_correlation(-0.4, gx, gy)
    gz, gw = GTC.ureal(2.0, 0.0, 5), GTC.ureal(0.5, 0.02, 12)
    for i, ref in enumerate((gx * gy / gz + gw, GTC.exp(gw) * gz - gy)):
        assert y[i] == pytest.approx(GTC.value(ref), rel=1e-12)
        assert math.sqrt(cy[i, i]) == pytest.approx(GTC.uncertainty(ref), rel=1e-7)
        assert nu[i] == pytest.approx(GTC.dof(ref), rel=1e-6)
