"""Solver benchmark (issue #10): ssbcert's trust-region solver against scipy's trf, solve by solve.

    python benchmarks/bench_solver.py             # the solves of 30 automatic analyses
    python benchmarks/bench_solver.py --n 100 --seed 2000

The automatic analysis of two-arc spectra (ground-truth suite seeds 1000…) is run once to record
every least-squares problem it solves (start, budget, probe). Each is then solved by
ssbcert.analysis.trust_region and by scipy.optimize.least_squares(method="trf", x_scale="jac"),
alternating which goes first, on one core with one BLAS thread, in CPU time (the circuit model is
included: it is what each evaluation costs). Prints µs per evaluation for both and their ratio, and
how many solves agree bit for bit (x, cost, evaluations, status, active bounds): the port claims
all of them. A solve that differs after a scipy upgrade means scipy changed trf: run
bench_trust.py --against a dump before deciding which to follow.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.optimize import least_squares  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from ssbcert.analysis import fit as fit_module  # noqa: E402
from ssbcert.analysis.geometry import ThroughPlane  # noqa: E402
from ssbcert.analysis.pipeline import analyse_spectrum  # noqa: E402
from ssbcert.analysis.synthetic import ground_truth_suite  # noqa: E402
from ssbcert.records import ImpedanceSpectrum  # noqa: E402

TOL = fit_module.SOLVER_TOLERANCES


def record(n: int, first_seed: int) -> list[tuple[Any, np.ndarray, int, tuple[int, float] | None]]:
    """Every (problem, θ0, budget, probe) the automatic analysis of n spectra solves."""
    calls: list[tuple[Any, np.ndarray, int, tuple[int, float] | None]] = []
    real = fit_module._Problem.solve

    def recording(self, th0, max_nfev, probe=None):  # type: ignore[no-untyped-def]
        calls.append((self, th0.copy(), max_nfev, probe))
        return real(self, th0, max_nfev, probe)

    fit_module._Problem.solve = recording  # type: ignore[method-assign]
    try:
        for g in ground_truth_suite(n, first_seed=first_seed):
            analyse_spectrum(ImpedanceSpectrum(g.frequency_Hz, g.z.real, g.z.imag, 298.15),
                             ThroughPlane(g.thickness_m, g.area_m2))
    finally:
        fit_module._Problem.solve = real  # type: ignore[method-assign]
    return calls


def ours(prob, th0, max_nfev, probe):  # type: ignore[no-untyped-def]
    return prob.solve(th0, max_nfev, probe)  # the fit's own call of trust_region.solve


def reference(prob, th0, max_nfev, probe):  # type: ignore[no-untyped-def]
    callback = None
    if probe is not None:
        def callback(intermediate_result):  # type: ignore[no-untyped-def]
            if intermediate_result.nfev >= probe[0] and 2 * intermediate_result.cost > probe[1]:
                raise StopIteration
    return least_squares(prob.residual, th0, jac=prob.jac, bounds=(prob.lo, prob.hi), method="trf",
                         x_scale="jac", max_nfev=max_nfev, callback=callback, **TOL)


def same(a, b) -> bool:  # type: ignore[no-untyped-def]
    return bool(np.array_equal(a.x, b.x) and a.cost == b.cost and a.nfev == b.nfev and a.status == b.status
                and np.array_equal(a.active_mask, b.active_mask))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=30, help="spectra whose solves are compared (default 30)")
    ap.add_argument("--seed", type=int, default=1000)
    a = ap.parse_args(argv)
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    except (AttributeError, OSError):
        pass
    with threadpool_limits(1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calls = record(a.n, a.seed)
        cpu = {"ssbcert": 0.0, "scipy": 0.0}
        nfev = {"ssbcert": 0, "scipy": 0}
        agree = 0
        for i, (prob, th0, max_nfev, probe) in enumerate(calls):
            out = {}
            order = (("ssbcert", ours), ("scipy", reference)) if i % 2 == 0 else (("scipy", reference), ("ssbcert", ours))
            for name, fn in order:
                prob._last = None  # no evaluation cached from the other solver
                t0 = time.process_time()
                out[name] = fn(prob, th0, max_nfev, probe)
                cpu[name] += time.process_time() - t0
                nfev[name] += out[name].nfev
            agree += same(out["ssbcert"], out["scipy"])
    us = {k: 1e6 * cpu[k] / max(nfev[k], 1) for k in cpu}
    print(f"{len(calls)} solves of {a.n} automatic analyses (seeds {a.seed}..{a.seed + a.n - 1}), one core, "
          f"one BLAS thread, CPU time; scipy {scipy.__version__}")
    print(f"ssbcert trust_region  {us['ssbcert']:7.0f} µs per evaluation  ({nfev['ssbcert']} evaluations)")
    print(f"scipy least_squares   {us['scipy']:7.0f} µs per evaluation  ({nfev['scipy']} evaluations)")
    print(f"scipy / ssbcert:      {us['scipy'] / us['ssbcert']:7.2f}x   (the circuit model included)")
    print(f"bit-identical solves: {agree}/{len(calls)}")
    return 0 if agree == len(calls) else 1


if __name__ == "__main__":
    raise SystemExit(main())
