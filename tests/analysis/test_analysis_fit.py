"""Fitter features: fixed and bounded parameters, weighting, covariance, batch seeding, vendor files."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from analysis_helpers import VENDOR_DIR, read_zview
from ssbcert.analysis.fit import fit_batch, fit_circuit
from ssbcert.analysis.model import compile_circuit
from ssbcert.analysis.synthetic import GROUND_TRUTH_CIRCUIT, ground_truth_spectrum
from ssbcert.errors import InputError

F = np.logspace(6, -1, 57)
TRUE = np.array([50.0, 1e4, 2e-10, 0.92, 3e4, 5e-8, 0.85, 2e-6, 0.8])
CIRC = "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"


def _noisy(p: np.ndarray, level: float = 0.003, seed: int = 0, circuit: str = CIRC) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = compile_circuit(circuit).impedance(p, F)
    return z * (1 + level / np.sqrt(2) * (rng.normal(size=F.size) + 1j * rng.normal(size=F.size)))


def test_fit_recovers_parameters_and_reports_everything() -> None:
    r = fit_circuit(F, _noisy(TRUE), CIRC)
    assert r.success
    assert r.names == ["R0", "R1", "CPE1_0", "CPE1_1", "R2", "CPE2_0", "CPE2_1", "CPE3_0", "CPE3_1"]
    assert r.units[:3] == ["Ohm", "Ohm", "Ohm^-1 sec^a"]
    for name in ("R1", "R2"):
        m = r.measured(name)
        assert abs(m.value - TRUE[r.index(name)]) < 4 * m.u
        assert m.u / m.value < 0.02
    assert r.cov.shape == (9, 9) and np.allclose(r.cov, r.cov.T)
    assert np.allclose(np.diag(r.corr), 1.0) and np.all(np.abs(r.corr) <= 1 + 1e-9)
    assert r.residuals_real.shape == F.shape and r.dof == 2 * F.size - 9
    # reduced χ² ≈ per-component noise variance for |Z| weighting
    assert 0.5 < r.chi2_reduced / (0.003**2 / 2) < 2.0


def test_arcs_come_out_fastest_first_whatever_the_seed() -> None:
    z = _noisy(TRUE)
    swapped = TRUE.copy()
    swapped[[1, 2, 3, 4, 5, 6]] = TRUE[[4, 5, 6, 1, 2, 3]]
    r = fit_circuit(F, z, CIRC, initial_guess=swapped)
    assert r.value("R1") == pytest.approx(1e4, rel=0.02)
    assert r.value("R2") == pytest.approx(3e4, rel=0.02)


def test_fixed_parameter_stays_and_has_no_uncertainty() -> None:
    r = fit_circuit(F, _noisy(TRUE), CIRC, fixed={"CPE3_1": 0.8, "R0": 50.0})
    assert r.value("CPE3_1") == 0.8 and r.value("R0") == 50.0
    assert r.fixed[r.index("CPE3_1")] and np.isnan(r.stderr[r.index("CPE3_1")])
    assert r.measured("R0").u == 0.0
    assert np.all(r.cov[r.index("R0")] == 0)
    assert r.dof == 2 * F.size - 7


def test_user_bounds_are_respected() -> None:
    r = fit_circuit(F, _noisy(TRUE), CIRC, bounds={"CPE1_1": (0.5, 0.9)})
    assert 0.5 <= r.value("CPE1_1") <= 0.9
    assert r.at_bound[r.index("CPE1_1")]  # true value 0.92 lies outside


def test_weightings_all_work_and_unknown_is_rejected() -> None:
    z = _noisy(TRUE, level=0.0005)
    for w in ("modulus", "unit", "proportional"):
        r = fit_circuit(F, z, CIRC, weighting=w)
        assert r.value("R2") == pytest.approx(3e4, rel=0.02), w
    with pytest.raises(InputError):
        fit_circuit(F, z, CIRC, weighting="boukamp2")


@pytest.mark.parametrize("kwargs,match", [
    ({"fixed": {"R9": 1.0}}, "unknown parameter"),
    ({"bounds": {"R1": (10.0, 1.0)}}, "invalid bounds"),
    ({"initial_guess": [1.0, 2.0]}, "wrong length"),
])
def test_bad_options_raise_input_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        fit_circuit(F, _noisy(TRUE), CIRC, **kwargs)


def test_bad_data_raises() -> None:
    with pytest.raises(InputError):
        fit_circuit(F[:3], _noisy(TRUE)[:3], CIRC)
    z = _noisy(TRUE)
    z[4] = np.nan
    with pytest.raises(InputError):
        fit_circuit(F, z, CIRC)


def test_batch_series_seeds_from_neighbour() -> None:
    """A temperature series: R scales Arrhenius-like; seeded fits converge with fewer evaluations."""
    spectra = []
    for k, scale in enumerate([1.0, 0.7, 0.5, 0.35, 0.25]):
        p = TRUE.copy()
        p[[1, 4]] *= scale
        spectra.append((F, _noisy(p, seed=k)))
    seeded = fit_batch(spectra, CIRC)
    cold = fit_batch(spectra, CIRC, seed_from_neighbour=False)
    for r, scale in zip(seeded, [1.0, 0.7, 0.5, 0.35, 0.25]):
        assert r.value("R1") == pytest.approx(1e4 * scale, rel=0.02)
    assert sum(r.nfev for r in seeded[1:]) < sum(r.nfev for r in cold[1:])


def test_ground_truth_circuit_fit_from_noisy_far_guess() -> None:
    g = ground_truth_spectrum(3)
    r = fit_circuit(g.frequency_Hz, g.z, GROUND_TRUTH_CIRCUIT, initial_guess=g.params * 10)
    assert r.value("R1") == pytest.approx(g.r_bulk_ohm, rel=0.03)


VENDOR = sorted(VENDOR_DIR.glob("Circuit*_EIS_*.z"))


@pytest.mark.skipif(not VENDOR, reason="vendor fixtures not present")
@pytest.mark.parametrize("path", VENDOR, ids=lambda p: p.name)
def test_vendor_dummy_cells_fit_their_r_rc_topology(path: Path) -> None:
    """ZView files of dummy R-(R‖C) cells: our automatic fit agrees with impedance.py given a good
    seed, residuals are at the instrument's noise level, and the file pair of each cell agrees."""
    f, z = read_zview(path)
    r = fit_circuit(f, z, "R0-p(R1,C1)")
    assert r.success and r.chi2_reduced < 1e-3  # |Z|-relative residuals ≈ 0.5 %
    from impedance.models.circuits import CustomCircuit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = CustomCircuit("R0-p(R1,C1)", initial_guess=list(r.params * 1.3)).fit(f, z, weight_by_modulus=True)
    np.testing.assert_allclose(r.params, ref.parameters_, rtol=5e-3)
    twin = path.with_name(path.name.replace("_1.z", "_2.z") if path.name.endswith("_1.z") else path.name.replace("_2.z", "_1.z"))
    r2 = fit_circuit(*read_zview(twin), "R0-p(R1,C1)")
    assert r2.value("R1") == pytest.approx(r.value("R1"), rel=0.01)
    assert r.value("R1") == pytest.approx({"Circuit1": 46.6, "Circuit2": 502.0, "Circuit3": 4630.0}[path.name[:8]], rel=0.01)


def test_a_probe_is_the_same_solve_until_it_is_abandoned() -> None:
    """A probed start that looks promising goes on as one continuous trf solve (the same steps and
    result as without the probe); a hopeless one stops right after its probe evaluations."""
    from ssbcert.analysis.fit import _Problem, _weights

    z = _noisy(TRUE)
    prob = _Problem(compile_circuit(CIRC), F, z, _weights(z, "modulus"), {}, {})
    th0 = prob.to_theta(TRUE * np.array([3, 0.1, 10, 0.8, 8, 0.1, 0.9, 5, 1.1]))
    plain, promising, hopeless = prob.solve(th0, 300), prob.solve(th0, 300, (12, 1e30)), prob.solve(th0, 300, (12, 0.0))
    assert plain.status > 0 and np.array_equal(plain.x, promising.x) and plain.nfev == promising.nfev
    assert hopeless.status == -2 and 12 <= hopeless.nfev < 16


def test_a_best_start_that_ran_out_of_evaluations_is_resumed() -> None:
    """Every start stops at max_nfev = 10 on its way down: the best one is resumed once instead
    of the whole fit being reported as failed for lack of budget."""
    z = _noisy(TRUE)
    far = TRUE * np.array([3, 0.1, 10, 0.8, 8, 0.1, 0.9, 5, 1.1])
    r = fit_circuit(F, z, CIRC, initial_guess=far, n_starts=1, max_nfev=10)
    assert r.success and r.nfev > 10 * r.n_starts
    assert r.chi2 == pytest.approx(fit_circuit(F, z, CIRC).chi2, rel=1e-6)


def test_a_larger_circuit_resting_on_its_nested_fit_stops_after_two_agreeing_starts() -> None:
    """A third arc on a two-arc spectrum runs R3 to its bound, which is the nested circuit (R3 → ∞
    turns p(R3,CPE3) into CPE3). Told that circuit's χ² (it reached the noise floor), two agreeing
    starts settle it; without, the bound contact makes the multistart search every start."""
    from ssbcert.analysis.nesting import nested_starts

    z = _noisy(TRUE, seed=3)
    two = fit_circuit(F, z, CIRC)
    three = "R0-p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)"
    starts = nested_starts(two, three, F, z)
    searched = fit_circuit(F, z, three, extra_starts=starts)
    settled = fit_circuit(F, z, three, extra_starts=starts, nested_chi2=two.chi2)
    assert searched.at_bound[searched.index("R3")] and searched.n_starts == 8
    assert settled.at_bound[settled.index("R3")] and settled.n_starts == 2
    assert settled.chi2 == pytest.approx(searched.chi2, rel=1e-9)
    # a bound solution that fits clearly better than the nested fit is not that fit: search on
    assert fit_circuit(F, z, three, extra_starts=starts, nested_chi2=2 * two.chi2).n_starts == 8


def test_an_ideal_capacitor_does_not_keep_the_multistart_searching() -> None:
    """A blocking electrode with n = 1 puts CPE3_1 on its upper bound: a legitimate solution (an
    ideal capacitor), not a wrong-basin symptom like R on its upper bound, so two agreeing starts end it."""
    p = TRUE.copy()
    p[8] = 1.0
    r = fit_circuit(F, _noisy(p, seed=2), CIRC)
    assert r.success and r.at_bound[r.index("CPE3_1")]
    assert r.n_starts == 2
    assert r.value("R2") == pytest.approx(3e4, rel=0.02)


def test_replaced_arc_starts_move_each_later_arc_to_the_low_side_of_the_one_before() -> None:
    """One start per arc after the first, everything else kept from the fit."""
    from ssbcert.analysis.nesting import replaced_arc_starts
    from ssbcert.analysis.topology import arc_tau, circuit_roles
    from ssbcert.analysis.circuit import parse_circuit

    fit = fit_circuit(F, _noisy(TRUE), CIRC)
    starts = replaced_arc_starts(fit)
    assert len(starts) == 1
    arcs = [r for r in circuit_roles(parse_circuit(CIRC)) if r.kind == "arc"]
    old, new = dict(zip(fit.names, fit.params)), dict(zip(fit.names, starts[0]))
    assert new["R2"] == pytest.approx(0.2 * old["R1"])
    assert arc_tau(arcs[1], new) == pytest.approx(arc_tau(arcs[0], old) * 10**1.5)
    assert all(new[n] == old[n] for n in ("R0", "R1", "CPE1_0", "CPE1_1", "CPE3_0", "CPE3_1"))


def test_hidden_arc_starts_keep_the_smaller_fit_and_hide_the_extra_arc_beside_each_arc() -> None:
    """From a one-arc fit, the two-arc circuit gets one start: the fitted arc and series R kept,
    the second arc at 0.2 of its R, 1.5 decades slower; circuits that do not nest get none."""
    from ssbcert.analysis.nesting import hidden_arc_starts
    from ssbcert.analysis.topology import arc_tau, circuit_roles
    from ssbcert.analysis.circuit import parse_circuit

    z = _noisy(TRUE)
    one = fit_circuit(F, z, "R0-p(R1,CPE1)")
    starts = hidden_arc_starts(one, "R0-p(R1,CPE1)-p(R2,CPE2)", F, z)
    assert len(starts) == 1
    old, new = dict(zip(one.names, one.params)), dict(zip(parse_circuit("R0-p(R1,CPE1)-p(R2,CPE2)").param_names, starts[0]))
    assert all(new[n] == old[n] for n in one.names)
    arcs = [r for r in circuit_roles(parse_circuit("R0-p(R1,CPE1)-p(R2,CPE2)")) if r.kind == "arc"]
    assert new["R2"] == pytest.approx(0.2 * old["R1"])
    assert arc_tau(arcs[1], new) == pytest.approx(arc_tau(arcs[0], old) * 10**1.5)
    assert hidden_arc_starts(one, "R0-p(R1,CPE1)", F, z) == []
    assert hidden_arc_starts(one, CIRC, F, z)  # the electrode comes from the data seeds
