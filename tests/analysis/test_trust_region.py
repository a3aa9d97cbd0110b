"""The circuit fit's solver against its oracle: scipy.optimize.least_squares(method="trf",
x_scale="jac") must give the same iterates, so the same x, χ², evaluation count, status and active
bounds, bit for bit, on bounded problems that exercise every branch (steps inside the box,
reflections off a bound, a rank-deficient Jacobian, non-finite trial points, the evaluation budget,
the caller's stop) and on the circuit fits the automatic analysis makes. Should these fail after a
scipy upgrade, scipy has changed trf, not necessarily ssbcert: benchmarks/bench_solver.py and
bench_trust.py --against show what moved before either is followed."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.optimize import least_squares

from ssbcert.analysis import fit as fit_module
from ssbcert.analysis.fit import _Problem, _weights, fit_circuit
from ssbcert.analysis.guess import initial_guesses
from ssbcert.analysis.model import compile_circuit
from ssbcert.analysis.synthetic import ground_truth_suite
from ssbcert.analysis.trust_region import solve

_BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_solver.py"
_spec = importlib.util.spec_from_file_location("bench_solver", _BENCH)
assert _spec is not None and _spec.loader is not None
bench_solver = importlib.util.module_from_spec(_spec)  # its scipy reference solve is the oracle here too
_spec.loader.exec_module(bench_solver)
TOL = fit_module.SOLVER_TOLERANCES


def _both(fun: Callable, jac: Callable, x0: np.ndarray, lb: np.ndarray, ub: np.ndarray, max_nfev: int = 300,
          stop_at: tuple[int, float] | None = None):  # type: ignore[no-untyped-def]
    callback = None
    stop = None
    if stop_at is not None:
        n_stop, cost_max = stop_at

        def callback(intermediate_result):  # type: ignore[no-untyped-def]
            if intermediate_result.nfev >= n_stop and intermediate_result.cost > cost_max:
                raise StopIteration

        def stop(nfev: int, cost: float) -> bool:
            return nfev >= n_stop and cost > cost_max

    ref = least_squares(fun, x0, jac=jac, bounds=(lb, ub), method="trf", x_scale="jac", max_nfev=max_nfev,
                        callback=callback, **TOL)
    ours = solve(fun, jac, x0, lb, ub, max_nfev=max_nfev, stop=stop, **TOL)
    return ref, ours


def _assert_same(ref, ours) -> None:  # type: ignore[no-untyped-def]
    assert np.array_equal(ref.x, ours.x), (ref.x, ours.x)
    assert ref.cost == ours.cost
    assert np.array_equal(ref.fun, ours.fun)
    assert ref.nfev == ours.nfev
    assert ref.status == ours.status
    assert np.array_equal(ref.active_mask, ours.active_mask)


def _decay(seed: int) -> tuple[Callable, Callable, np.ndarray]:
    """y = a·e^(−b·t) + c with noise: three parameters, one of them (c) often driven onto a bound."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 4, 40)
    a, b, c = rng.uniform(0.5, 3), rng.uniform(0.3, 3), rng.uniform(-0.2, 0.5)
    y = a * np.exp(-b * t) + c + rng.normal(0, 0.02, t.size)

    def fun(x: np.ndarray) -> np.ndarray:
        return x[0] * np.exp(-x[1] * t) + x[2] - y

    def jac(x: np.ndarray) -> np.ndarray:
        e = np.exp(-x[1] * t)
        return np.column_stack([e, -x[0] * t * e, np.ones_like(t)])

    return fun, jac, np.array([1.0, 1.0, 0.1])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), c_lower=st.floats(-0.1, 0.3), b_upper=st.floats(0.8, 5.0))
def test_bounded_decay_fits_are_bit_identical(seed: int, c_lower: float, b_upper: float) -> None:
    fun, jac, x0 = _decay(seed)
    lb = np.array([0.0, 0.01, c_lower])
    ub = np.array([10.0, b_upper, 1.0])
    x0 = np.clip(x0, lb + 1e-3, ub - 1e-3)
    _assert_same(*_both(fun, jac, x0, lb, ub))


def test_rosenbrock_against_bounds_reflects_like_scipy() -> None:
    """The unconstrained minimum (1, 1) lies outside the box: the steps hit and reflect off bounds."""
    def fun(x: np.ndarray) -> np.ndarray:
        return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])

    def jac(x: np.ndarray) -> np.ndarray:
        return np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])

    for x0, ub in (([-1.2, 1.0], [0.8, 2.0]), ([0.1, 0.1], [2.0, 0.5]), ([0.5, -0.5], [0.6, 0.2])):
        ref, ours = _both(fun, jac, np.array(x0), np.array([-2.0, -1.0]), np.array(ub))
        _assert_same(ref, ours)
        assert np.any(ours.active_mask != 0)  # the answer rests on a bound, so reflection was used


def test_rank_deficient_jacobian() -> None:
    """Only x0 + x1 is determined: the subproblem's non-full-rank branch."""
    target = np.array([1.0, 2.0, 3.0])

    def fun(x: np.ndarray) -> np.ndarray:
        return (x[0] + x[1]) * np.array([1.0, 2.0, 3.0]) - target

    def jac(x: np.ndarray) -> np.ndarray:
        return np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])

    _assert_same(*_both(fun, jac, np.array([3.0, 2.5]), np.array([-5.0, -5.0]), np.array([5.0, 5.0])))


def test_fewer_residuals_than_parameters() -> None:
    """m < n: the Jacobian can never have full column rank."""
    def fun(x: np.ndarray) -> np.ndarray:
        return np.array([x[0] * x[1] - 2.0 + x[2] ** 2, np.exp(x[0]) - 1.5])

    def jac(x: np.ndarray) -> np.ndarray:
        return np.array([[x[1], x[0], 2 * x[2]], [np.exp(x[0]), 0.0, 0.0]])

    for x0 in ([0.1, 0.1, 0.1], [1.5, -2.0, 0.9], [-1.0, 3.0, -0.5]):
        _assert_same(*_both(fun, jac, np.array(x0), np.full(3, -2.0), np.full(3, 3.0)))


def test_a_start_on_a_bound_is_moved_inside_as_scipy() -> None:
    fun, jac, _ = _decay(11)
    lb, ub = np.array([0.0, 0.01, 0.0]), np.array([10.0, 5.0, 1.0])
    ref, ours = _both(fun, jac, np.array([0.0, 5.0, 1.0]), lb, ub)
    _assert_same(ref, ours)


def test_non_finite_trial_points_shrink_the_region_as_scipy() -> None:
    fun0, jac, x0 = _decay(7)

    def fun(x: np.ndarray) -> np.ndarray:
        r = fun0(x)
        return r if x[1] < 1.2 else np.full(r.shape, np.inf)

    ref, ours = _both(fun, jac, np.array([3.0, 0.2, 0.0]), np.array([0.0, 0.0, -1.0]), np.array([10.0, 5.0, 1.0]))
    _assert_same(ref, ours)


def test_non_finite_start_is_refused() -> None:
    with pytest.raises(ValueError, match="not finite at the initial point"):
        solve(lambda x: np.array([np.nan, 1.0]), lambda x: np.eye(2), np.zeros(2), -np.ones(2), np.ones(2),
              max_nfev=10, **TOL)


def test_budget_and_stop_end_the_solve_where_scipy_does() -> None:
    fun, jac, x0 = _decay(3)
    lb, ub = np.array([0.0, 0.01, -1.0]), np.array([10.0, 5.0, 1.0])
    ref, ours = _both(fun, jac, np.array([9.0, 4.5, -0.9]), lb, ub, max_nfev=4)
    _assert_same(ref, ours)
    assert ours.status == 0
    ref, ours = _both(fun, jac, np.array([9.0, 4.5, -0.9]), lb, ub, stop_at=(3, 0.0))
    _assert_same(ref, ours)
    assert ours.status == -2 and ours.nfev >= 3


def test_circuit_fits_are_bit_identical() -> None:
    """The problems the automatic analysis solves: two-arc spectra, first data seed, with and
    without the give-up probe, and from a deliberately poor start."""
    model = compile_circuit("R0-p(R1,CPE1)-p(R2,CPE2)-CPE3")
    for g in ground_truth_suite(6, first_seed=1000):
        prob = _Problem(model, g.frequency_Hz, g.z, _weights(g.z, "modulus"), {}, {})
        seeds = initial_guesses(model.circuit, g.frequency_Hz, g.z, g.cell_constant_per_m)
        for th0 in (prob.to_theta(seeds[0]), prob.to_theta(seeds[0]) + 1.5 * (prob.flog - 0.5)):
            th0 = np.clip(th0, prob.lo + 1e-6, prob.hi - 1e-6)
            for stop_at in (None, (12, 1e-3)):
                prob._last = None
                ref, ours = _both(prob.residual, prob.jac, th0, prob.lo, prob.hi, stop_at=stop_at)
                _assert_same(ref, ours)


@pytest.mark.parametrize("options", [
    dict(noise_chi2_per_dof=1e-6, give_up_factor=10, give_up_probe_nfev=20),
    dict(fixed={"R0": 50.0}, bounds={"CPE1_1": (0.6, 1.0)}, weighting="unit"),  # some parameters not fitted
    dict(weighting="proportional", n_starts=4),
], ids=["probes", "fixed-and-bounded", "proportional"])
def test_fit_circuit_is_unchanged_by_the_solver(options: dict, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[type-arg]
    """A whole multistart fit (seeds, probes, resumed best start) with scipy substituted gives
    the same parameters and covariance."""
    g = ground_truth_suite(1, first_seed=1003)[0]
    ours = fit_circuit(g.frequency_Hz, g.z, "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", **options)
    monkeypatch.setattr(fit_module._Problem, "solve",
                        lambda self, th0, max_nfev, probe=None: bench_solver.reference(self, th0, max_nfev, probe))
    ref = fit_circuit(g.frequency_Hz, g.z, "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", **options)
    assert np.array_equal(ours.params, ref.params)
    assert np.array_equal(ours.cov, ref.cov)
    assert (ours.nfev, ours.n_starts, ours.chi2, ours.success) == (ref.nfev, ref.n_starts, ref.chi2, ref.success)


def _two_exponentials(seed: int) -> tuple[Callable, Callable, np.ndarray]:
    """y = a·e^(−b·t) + c·e^(−d·t) from a random start far off: long valleys where the trust
    radius grows and shrinks many times (which step counts as reaching the region's edge matters)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 5, 30)
    p = rng.uniform(0.2, 3, 4)
    y = p[0] * np.exp(-p[1] * t) + p[2] * np.exp(-p[3] * t) + rng.normal(0, 0.01, t.size)

    def fun(x: np.ndarray) -> np.ndarray:
        return x[0] * np.exp(-x[1] * t) + x[2] * np.exp(-x[3] * t) - y

    def jac(x: np.ndarray) -> np.ndarray:
        e1, e2 = np.exp(-x[1] * t), np.exp(-x[3] * t)
        return np.column_stack([e1, -x[0] * t * e1, e2, -x[2] * t * e2])

    return fun, jac, rng.uniform(0.1, 5, 4)


def test_trust_radius_updates_match_on_long_valleys() -> None:
    """60 fixed problems; about one in ten takes a step between 0.90 and 0.95 of the radius with a
    good ratio, so the doubling threshold itself is held to scipy's."""
    for seed in range(60):
        fun, jac, x0 = _two_exponentials(seed)
        _assert_same(*_both(fun, jac, x0, np.zeros(4), np.full(4, 10.0)))


def test_a_start_in_a_box_narrower_than_the_nudge_goes_to_its_midpoint() -> None:
    """A parameter boxed tighter than the 1e-10 step that moves a start off its bound starts at the
    box's midpoint, as scipy's trf does (else it would start outside the box)."""
    fun, jac, _ = _decay(3)
    lb, ub = np.array([0.0, 0.0, 0.1]), np.array([10.0, 10.0, 0.1 + 1e-12])
    ref, ours = _both(fun, jac, np.array([1.0, 1.0, 0.1]), lb, ub)
    _assert_same(ref, ours)
    assert lb[2] <= ours.x[2] <= ub[2]
