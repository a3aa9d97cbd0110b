"""KK validation, cell constants, arc assignment flags, conductivity propagation."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssbcert.analysis.arcs import assign_arcs
from ssbcert.analysis.conductivity import conductivities
from ssbcert.analysis.fit import fit_circuit
from ssbcert.analysis.geometry import Interdigitated, ParallelStrips, ThroughPlane, ide_conformal_cell_constant
from ssbcert.analysis.kk import lin_kk
from ssbcert.analysis.model import compile_circuit
from ssbcert.analysis.synthetic import EPS0_F_PER_M, GROUND_TRUTH_CIRCUIT, ground_truth_spectrum
from ssbcert.errors import InputError

# ---------------------------------------------------------------- KK

def test_kk_passes_valid_spectra_and_estimates_their_noise() -> None:
    for seed in (1, 2, 3):
        g = ground_truth_spectrum(seed)
        k = lin_kk(g.frequency_Hz, g.z)
        assert k.passed, k.message
        per_component = 100 * g.noise_fraction / math.sqrt(2)
        assert 0.7 * per_component < k.noise_estimate_percent < 1.3 * per_component
        assert k.n_rc >= 5 and -1.0 <= k.mu <= 1.0
        assert k.residuals_real.shape == g.frequency_Hz.shape


def test_kk_fails_a_non_causal_spectrum() -> None:
    f = np.logspace(5, -1, 60)
    w = 2 * np.pi * f
    z = (100 / (1 + 1j * w * 1e-3)).real + 1j * (100 / (1 + 1j * w * 1e-2)).imag  # Re and Im disagree
    k = lin_kk(f, z)
    assert not k.passed and k.noise_estimate_percent > 5
    assert "failed" in k.message


def test_kk_fails_a_spectrum_with_a_sweep_drift() -> None:
    f = np.logspace(5, -1, 60)
    w = 2 * np.pi * f
    drift = 1 + 1.0 * np.linspace(0, 1, f.size)  # sample doubles its resistance during the sweep
    z = 100 * drift / (1 + 1j * w * 1e-3 * drift) + 10
    assert not lin_kk(f, z).passed

# ---------------------------------------------------------------- geometry


def test_through_plane_and_strip_cell_constants() -> None:
    k = ThroughPlane(1e-3, 1e-4, u_thickness_m=1e-5, u_area_m2=1e-6).cell_constant()
    assert k.value == pytest.approx(10.0) and k.u == pytest.approx(10 * math.hypot(0.01, 0.01), rel=1e-6)
    s = ParallelStrips(gap_m=1e-3, length_m=5e-3, thickness_m=1e-6).cell_constant()
    assert s.value == pytest.approx(1e-3 / (1e-6 * 5e-3))


@pytest.mark.parametrize("w_um,s_um,k_per_cm", [(10, 10, 0.408), (5, 15, 0.600), (20, 5, 0.253)])
def test_ide_conformal_mapping_matches_reference_table(w_um: float, s_um: float, k_per_cm: float) -> None:
    k = Interdigitated(50, 1e-3, w_um * 1e-6, s_um * 1e-6).cell_constant()
    assert k.value / 100 == pytest.approx(k_per_cm, abs=0.0015)


def test_ide_limits_and_thin_film_example() -> None:
    assert ide_conformal_cell_constant(50, 1e-3, 10e-6, 10e-6) == pytest.approx(2 / (49 * 1e-3))
    assert ide_conformal_cell_constant(50, 1e-3, 10e-6, 1e-9) < 0.2 * ide_conformal_cell_constant(50, 1e-3, 10e-6, 10e-6)
    ide = Interdigitated(50, 1e-3, 10e-6, 10e-6, thickness_m=500e-9, model="thin_film",
                         u_thickness_m=15e-9, u_gap_m=0.2e-6, u_overlap_m=5e-6)
    k = ide.cell_constant()
    assert k.value / 100 == pytest.approx(4.08, abs=0.01)
    # with u(R) = 2 % the certification example gives 4.2 % combined
    assert math.hypot(k.u / k.value, 0.02) == pytest.approx(0.042, abs=0.002)


def test_geometry_rejects_nonsense() -> None:
    with pytest.raises(InputError):
        ThroughPlane(-1e-6, 1e-4)
    with pytest.raises(InputError):
        Interdigitated(1, 1e-3, 1e-5, 1e-5)
    with pytest.raises(InputError):
        Interdigitated(10, 1e-3, 1e-5, 1e-5, model="fem")

# ---------------------------------------------------------------- arcs + conductivity


def _fit(g, circuit=GROUND_TRUTH_CIRCUIT, f=None, z=None):
    f = g.frequency_Hz if f is None else f
    z = g.z if z is None else z
    return fit_circuit(f, z, circuit, cell_constant_per_m=g.cell_constant_per_m)


def test_conductivities_match_truth_and_propagate_geometry() -> None:
    g = ground_truth_spectrum(11)
    geo = ThroughPlane(g.thickness_m, g.area_m2, u_thickness_m=0.02 * g.thickness_m, u_area_m2=0.01 * g.area_m2)
    r = _fit(g)
    a = assign_arcs(r, g.cell_constant_per_m)
    c = conductivities(r, a, geo)
    assert a.bulk_gb_resolved and not a.flags
    sb = c.sigma_bulk_S_per_m
    assert sb is not None and sb.value == pytest.approx(g.sigma_bulk_S_per_m, rel=0.02)
    rel_fit = a.get("bulk").r_ohm.u / a.get("bulk").r_ohm.value
    assert sb.u / sb.value == pytest.approx(math.sqrt(0.02**2 + 0.01**2 + rel_fit**2), rel=0.02)
    st = c.sigma_total_S_per_m
    assert st.value == pytest.approx(geo.cell_constant_per_m / (g.r_bulk_ohm + g.r_gb_ohm), rel=0.02)
    # ASR = h/σ = R_total·A: thickness cancels, only area and R remain
    assert c.asr_ohm_m2.value == pytest.approx(c.r_total_ohm.value * g.area_m2, rel=1e-9)
    assert c.asr_ohm_m2.u / c.asr_ohm_m2.value < 0.0102 + c.r_total_ohm.u / c.r_total_ohm.value
    sp = c.sigma_gb_specific_S_per_m
    assert sp.value == pytest.approx(geo.cell_constant_per_m / g.r_gb_ohm * g.c_bulk_F / g.c_gb_F, rel=0.1)
    eps = a.get("bulk").eps_r_apparent
    assert eps == pytest.approx(g.eps_r_bulk, rel=0.1)


def test_a_thickness_from_few_readings_widens_the_coverage_of_sigma() -> None:
    """u(h) from 3 readings has ν = 2: where it dominates u(σ), Welch–Satterthwaite brings σ's ν
    near 2 (k ≈ 4.5 at ≈95 %), where the geometry used to pass u(h) without its ν (k = 2). The
    value and u are unchanged; ASR through-plane (= R·A) does not see h at all."""
    g = ground_truth_spectrum(11)
    r = _fit(g)
    a = assign_arcs(r, g.cell_constant_per_m)
    typed_b = conductivities(r, a, ThroughPlane(g.thickness_m, g.area_m2, u_thickness_m=0.05 * g.thickness_m))
    few = conductivities(r, a, ThroughPlane(g.thickness_m, g.area_m2, u_thickness_m=0.05 * g.thickness_m,
                                            dof_thickness_m=2.0))
    for name in ("sigma_total_S_per_m", "sigma_bulk_S_per_m"):
        b, f = getattr(typed_b, name), getattr(few, name)
        assert (f.value, f.u) == (b.value, b.u)
        assert b.dof > 100 and b.coverage_factor() < 2.05
        assert 2.0 < f.dof < 2.5 and f.coverage_factor() > 4.0
    assert few.asr_ohm_m2.dof > 100
    with pytest.raises(InputError, match="degrees of freedom"):
        ThroughPlane(g.thickness_m, g.area_m2, dof_thickness_m=0.0)


def test_bulk_arc_above_top_frequency_reports_only_total() -> None:
    """A fast conductor at room temperature: the bulk arc (ε_r = 30) lies above 10 MHz, so the
    data show only an offset, a grain-boundary arc (C_norm = 1e-9 F) and the electrode spike."""
    h, area = 500e-6, 1e-4
    k = h / area
    r_b, c_b = 20.0, EPS0_F_PER_M * 30 / k
    r_gb, c_gb = 30.0, 1e-9 * 100 / k
    r_true = np.array([r_b, c_b, 1.0, r_gb, c_gb, 0.9, 1e-6 * 100 / k, 0.85])
    f = np.logspace(7, 0, 71)
    assert 1 / (2 * math.pi * r_b * c_b) > 10 * f.max()
    rng = np.random.default_rng(5)
    z = compile_circuit(GROUND_TRUTH_CIRCUIT).impedance(r_true, f) * (1 + 0.002 * rng.normal(size=f.size))
    r = fit_circuit(f, z, "R0-p(R1,CPE1)-CPE2", cell_constant_per_m=k)
    a = assign_arcs(r, k)
    c = conductivities(r, a, ThroughPlane(h, area))
    assert [x.label for x in a.arcs] == ["grain_boundary", "electrode"]
    assert not a.bulk_gb_resolved
    assert any(fl.startswith("bulk_arc_above_top_frequency") for fl in a.flags)
    assert c.sigma_bulk_S_per_m is None and c.sigma_gb_specific_S_per_m is None
    assert c.r_total_ohm.value == pytest.approx(r_b + r_gb, rel=0.02)
    assert any(fl.startswith("only_sigma_total") for fl in c.flags)


def test_implausible_permittivity_and_inverted_capacitances_are_flagged() -> None:
    g = ground_truth_spectrum(13)
    r = _fit(g)
    # wrong geometry by 1000x: bulk ε_r becomes implausible
    a = assign_arcs(r, g.cell_constant_per_m * 1000)
    assert any(f.startswith("bulk_permittivity_implausible") for f in a.flags) or a.get("bulk") is None
    assert not a.bulk_gb_resolved
    # GB arc with a smaller capacitance than the bulk arc: C_gb/C_b < 1
    k = g.cell_constant_per_m
    c_b = EPS0_F_PER_M * 30 / k
    r_b = 1e4
    r_gb = 1e7 * r_b / 1e4  # τ_gb/τ_b = 100 with C_gb = C_b/10... → R_gb = 1000 R_b
    p = np.array([r_b, c_b, 1.0, r_gb, c_b / 10, 1.0, 1e-6, 0.8])
    f = np.logspace(np.log10(100 / (2 * math.pi * r_b * c_b)), np.log10(1e-3 / (2 * math.pi * r_gb * c_b / 10)), 120)
    z = compile_circuit(GROUND_TRUTH_CIRCUIT).impedance(p, f)
    a2 = assign_arcs(fit_circuit(f, z, GROUND_TRUTH_CIRCUIT, cell_constant_per_m=k), k)
    assert any(fl.startswith("gb_capacitance_below_bulk") for fl in a2.flags)


def test_in_plane_assignment_by_order_and_asr_flag() -> None:
    g = ground_truth_spectrum(14)
    r = _fit(g)
    geo = ParallelStrips(gap_m=1e-3, length_m=5e-3, thickness_m=1e-6)
    a = assign_arcs(r, geo.cell_constant_per_m, in_plane=True)
    assert [x.label for x in a.arcs][:2] == ["bulk", "grain_boundary"]
    assert any(f.startswith("in_plane_geometry") for f in a.flags)
    c = conductivities(r, a, geo)
    assert c.direction == "in-plane"
    assert any(f.startswith("asr_from_in_plane_sigma") for f in c.flags)


def test_conductivity_needs_an_electrolyte_resistance() -> None:
    f = np.logspace(5, -1, 40)
    z = compile_circuit("CPE1").impedance(np.array([1e-6, 0.9]), f)
    r = fit_circuit(f, z, "CPE1")
    a = assign_arcs(r, 100.0)
    with pytest.raises(InputError, match="no electrolyte resistance"):
        conductivities(r, a, ThroughPlane(1e-4, 1e-6))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(1.0, 1e6), st.floats(-7.0, 1.0), st.floats(0.7, 1.0)), min_size=1, max_size=3),
       st.floats(0.0, 1e3))
def test_any_passive_rq_chain_is_kk_consistent(arcs: list[tuple[float, float, float]], r0: float) -> None:
    """Property: a series chain of R‖CPE arcs (causal, linear, stable) always passes lin-KK."""
    f = np.logspace(6, -2, 65)
    w = 2 * np.pi * f
    z = np.full(f.size, r0, dtype=complex)
    for r, log_tau, n in arcs:
        z += r / (1 + (1j * w * 10**log_tau) ** n)
    k = lin_kk(f, z)
    assert k.passed, (arcs, k.noise_estimate_percent, k.max_residual_percent)
