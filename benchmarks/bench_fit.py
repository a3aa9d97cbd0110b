"""Fit benchmark: ssbcert vs impedance.py on the same seeded ground-truth spectra (issue #4).

    python benchmarks/bench_fit.py            # 200 spectra (+ 10 converged impedance.py fits)
    python benchmarks/bench_fit.py --n 20 --n-converge 3

Each spectrum is p(R1,CPE1)-p(R2,CPE2)-CPE3 from ssbcert.analysis.synthetic (σ 1e-8..1e-2 S/cm,
h 0.1..500 µm, arcs 1..3 decades apart, 0.1..1 % noise). A fit succeeds when both resistances are
within 2 % and both arc capacitances (Hsu-Mansfeld C_eff) within 10 % of the truth, arcs taken in
order of relaxation frequency. impedance.py gets the same data-derived initial guess that ssbcert's
first start uses, and is run (a) with its default call and (b) "made to converge"
(weight_by_modulus=True, x_scale='jac'), which takes seconds per fit, so (b) runs on a subset. Every
impedance.py fit has a time limit (a fit hitting it counts as failed, its time as the limit).
BLAS is pinned to one thread so both libraries are timed alike.
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ssbcert.analysis.circuit import parse_circuit  # noqa: E402
from ssbcert.analysis.fit import fit_circuit  # noqa: E402
from ssbcert.analysis.guess import initial_guesses  # noqa: E402
from ssbcert.analysis.synthetic import GROUND_TRUTH_CIRCUIT, GroundTruth, ground_truth_suite  # noqa: E402
from ssbcert.analysis.topology import canonical_arc_order, hsu_mansfeld_capacitance  # noqa: E402


def recovered(g: GroundTruth, params: np.ndarray) -> bool:
    """R within 2 %, C_eff within 10 %, after ordering arcs by relaxation frequency."""
    p = np.asarray(params, float)
    if p.size != 8 or not np.all(np.isfinite(p)) or np.any(p[[0, 1, 3, 4]] <= 0) or np.any(p[[2, 5]] <= 0):
        return False
    p = p[canonical_arc_order(parse_circuit(GROUND_TRUTH_CIRCUIT), p)]
    c_b = hsu_mansfeld_capacitance(p[0], p[1], p[2])
    c_gb = hsu_mansfeld_capacitance(p[3], p[4], p[5])
    return bool(abs(p[0] / g.r_bulk_ohm - 1) < 0.02 and abs(p[3] / g.r_gb_ohm - 1) < 0.02
                and abs(c_b / g.c_bulk_F - 1) < 0.10 and abs(c_gb / g.c_gb_F - 1) < 0.10)


def run_ssbcert(suite: list[GroundTruth]) -> tuple[list[bool], list[float]]:
    ok, times = [], []
    for g in suite:
        t0 = time.perf_counter()
        r = fit_circuit(g.frequency_Hz, g.z, GROUND_TRUTH_CIRCUIT, cell_constant_per_m=g.cell_constant_per_m)
        times.append(time.perf_counter() - t0)
        ok.append(r.success and recovered(g, r.params))
    return ok, times


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def _impedance_fit(g: GroundTruth, guess: np.ndarray, timeout_s: float, **fit_kwargs: object) -> tuple[np.ndarray | None, bool]:
    """One impedance.py fit: (parameters or None when it crashed or ran out of time, timed out)."""
    from impedance.models.circuits import CustomCircuit

    c = CustomCircuit(GROUND_TRUTH_CIRCUIT, initial_guess=[float(x) for x in guess])
    try:
        if timeout_s:
            signal.setitimer(signal.ITIMER_REAL, timeout_s)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c.fit(g.frequency_Hz, g.z, **fit_kwargs)
        return np.asarray(c.parameters_, float), False
    except _Timeout:
        return None, True
    except Exception:  # a crash is a failed fit
        return None, False
    finally:
        if timeout_s:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _modulus_cost(g: GroundTruth, params: np.ndarray) -> float:
    """Σ|Z_fit − Z|²/|Z|²: how a multistart picks its best fit without knowing the truth."""
    from impedance.models.circuits import CustomCircuit

    if not np.all(np.isfinite(params)):
        return np.inf
    with warnings.catch_warnings():  # "Simulating circuit based on initial parameters": that is the point
        warnings.simplefilter("ignore")
        z = CustomCircuit(GROUND_TRUTH_CIRCUIT, initial_guess=[float(x) for x in params]).predict(g.frequency_Hz,
                                                                                                  use_initial=True)
    cost = float(np.sum(np.abs((z - g.z) / np.abs(g.z)) ** 2))
    return cost if np.isfinite(cost) else np.inf


def run_impedance(suite: list[GroundTruth], timeout_s: float = 0.0, starts: int = 1,
                  **fit_kwargs: object) -> tuple[list[bool], list[float], int]:
    """Fit with impedance.py; a fit still running after `timeout_s` counts as failed and its time
    as `timeout_s` (a lower bound on the real time). With `starts` > 1, a multistart as ssbcert's
    own: the data seeds first, then jitter around the best fit so far (σ 0.7 in ln for positive
    parameters, 0.05 for exponents, the same seeded generator), keeping the lowest |Z|-weighted cost."""
    circuit = parse_circuit(GROUND_TRUTH_CIRCUIT)
    exponents = np.array([n.endswith("_1") for n in circuit.param_names])
    ok, times, timed_out = [], [], 0
    old = signal.signal(signal.SIGALRM, _alarm) if timeout_s else None
    for g in suite:
        seeds = initial_guesses(circuit, g.frequency_Hz, g.z, g.cell_constant_per_m)
        rng = np.random.default_rng(0)
        best, best_cost = None, np.inf
        t0 = time.perf_counter()
        for k in range(starts):
            if k < len(seeds):
                guess = seeds[k].copy()
            elif best is not None:
                guess = np.where(exponents, best + rng.normal(0, 0.05, best.size),
                                 best * np.exp(rng.normal(0, 0.7, best.size)))
            else:
                break
            guess[exponents] = np.clip(guess[exponents], 0.3, 1.0)
            params, late = _impedance_fit(g, guess, timeout_s, **fit_kwargs)
            timed_out += late
            if params is None:
                continue
            cost = _modulus_cost(g, params) if starts > 1 else 0.0
            if best is None or cost < best_cost:
                best, best_cost = params, cost
        times.append(time.perf_counter() - t0)
        ok.append(best is not None and recovered(g, best))
    if old is not None:
        signal.signal(signal.SIGALRM, old)
    return ok, times, timed_out


def report(name: str, ok: list[bool], times: list[float], timed_out: int = 0) -> float:
    med = statistics.median(times)
    extra = f"  ({timed_out} stopped at the time limit: median is a lower bound)" if timed_out else ""
    print(f"{name:<52} n={len(ok):4d}  success {100 * sum(ok) / len(ok):6.1f} %  median {1e3 * med:9.1f} ms/fit{extra}",
          flush=True)
    return med


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200, help="number of spectra (default 200)")
    ap.add_argument("--n-converge", type=int, default=5,
                    help="spectra for impedance.py with x_scale='jac' (slow; default 5)")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds allowed per impedance.py fit; longer fits count as failed (default 60)")
    ap.add_argument("--seed", type=int, default=1000, help="first seed (default 1000, the test suite)")
    a = ap.parse_args(argv)
    suite = ground_truth_suite(a.n, first_seed=a.seed)
    print(f"{a.n} ground-truth spectra, seeds {a.seed}..{a.seed + a.n - 1}, {np.mean([len(g.frequency_Hz) for g in suite]):.0f} points each")
    t_ours = report("ssbcert fit_circuit (auto guess, multistart)", *run_ssbcert(suite))
    t_def = report("impedance.py CustomCircuit.fit (default)", *run_impedance(suite, a.timeout))
    sub = suite[: max(0, min(a.n_converge, a.n))]
    if sub:
        t_conv = report("impedance.py fit(weight_by_modulus, x_scale='jac')",
                        *run_impedance(sub, a.timeout, weight_by_modulus=True, x_scale="jac"))
        print(f"speed ratio vs converged impedance.py: {t_conv / t_ours:8.1f}x")
    print(f"speed ratio vs default impedance.py:   {t_def / t_ours:8.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
