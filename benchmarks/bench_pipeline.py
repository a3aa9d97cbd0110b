"""Pipeline benchmark (issue #10): the automatic analysis against the floor and impedance.py.

    python benchmarks/bench_pipeline.py              # 100 spectra, 10 converged impedance.py fits
    python benchmarks/bench_pipeline.py --n 30 --n-converge 3

The same seeded two-arc spectra (bulk R‖CPE, grain-boundary R‖CPE, electrode CPE; ground-truth
suite seeds 1000…) go through five contenders, interleaved spectrum by spectrum on one core with
one BLAS thread, timed in CPU time:

  auto      ssbcert analyse_spectrum, no circuit: lin-KK + 5 candidates + arcs + σ
  given     ssbcert analyse_spectrum with the circuit given
  floor     one least-squares solve of R0-p(R1,CPE1)-p(R2,CPE2)-CPE3 from the first data seed
            (seed computation included): the cost of one well-started fit
  imp-def   impedance.py CustomCircuit.fit, default call, same first data seed
  imp-conv  impedance.py made to converge (weight_by_modulus=True, x_scale='jac'), on a subset

A spectrum is a success when the bulk and grain-boundary R are within 2 % and their C_eff within
10 % of the truth (arcs in order of relaxation frequency). Targets: auto median ≤ 40 ms and ≤ 2.5×
floor, p95 ≤ 150 ms, ≥ 100× faster than converged impedance.py at equal or better success.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bench_fit import recovered, run_impedance  # noqa: E402
from ssbcert.analysis.fit import _Problem, _weights  # noqa: E402
from ssbcert.analysis.geometry import ThroughPlane  # noqa: E402
from ssbcert.analysis.guess import initial_guesses  # noqa: E402
from ssbcert.analysis.model import compile_circuit  # noqa: E402
from ssbcert.analysis.pipeline import analyse_spectrum  # noqa: E402
from ssbcert.analysis.synthetic import GroundTruth, ground_truth_suite  # noqa: E402
from ssbcert.records import ImpedanceSpectrum  # noqa: E402

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"


def _arcs_ok(g: GroundTruth, a) -> bool:  # type: ignore[no-untyped-def]
    b, gb = a.arcs.get("bulk"), a.arcs.get("grain_boundary")
    if b is None or gb is None or b.r_ohm is None or gb.r_ohm is None:
        return False
    return bool(abs(b.r_ohm.value / g.r_bulk_ohm - 1) < 0.02 and abs(gb.r_ohm.value / g.r_gb_ohm - 1) < 0.02
                and abs(b.c_eff_F.value / g.c_bulk_F - 1) < 0.10 and abs(gb.c_eff_F.value / g.c_gb_F - 1) < 0.10)


def _spectrum(g: GroundTruth) -> tuple[ImpedanceSpectrum, ThroughPlane]:
    return ImpedanceSpectrum(g.frequency_Hz, g.z.real, g.z.imag, 298.15), ThroughPlane(g.thickness_m, g.area_m2)


def auto(g: GroundTruth) -> bool:
    return _arcs_ok(g, analyse_spectrum(*_spectrum(g)))


def given(g: GroundTruth) -> bool:
    return _arcs_ok(g, analyse_spectrum(*_spectrum(g), CIRCUIT))


def floor(g: GroundTruth) -> bool:
    model = compile_circuit(CIRCUIT)
    prob = _Problem(model, g.frequency_Hz, g.z, _weights(g.z, "modulus"), {}, {})
    seed = initial_guesses(model.circuit, g.frequency_Hz, g.z, g.cell_constant_per_m)[0]
    res = prob.solve(prob.to_theta(seed), 300)
    return bool(res.status > 0 and recovered(g, prob.to_p(res.x)[1:]))


def _cold(g: GroundTruth) -> GroundTruth:
    """A copy with fresh array objects, so no contender reuses another's per-spectrum cache."""
    from dataclasses import replace

    return replace(g, frequency_Hz=g.frequency_Hz.copy(), z=g.z * (1 + 0j) + 0.0)


def timed(fn, g: GroundTruth) -> tuple[bool, float]:  # type: ignore[no-untyped-def]
    from ssbcert.analysis import guess

    guess._drt_cache.clear()
    guess._guess_cache.clear()
    t0 = time.process_time()
    ok = fn(g)
    return ok, 1e3 * (time.process_time() - t0)


def line(name: str, ok: list[bool], ms: list[float], note: str = "") -> float:
    med, p95 = statistics.median(ms), float(np.percentile(ms, 95))
    print(f"{name:<34} n={len(ok):4d}  success {100 * np.mean(ok):6.1f} %  median {med:9.1f} ms  p95 {p95:9.1f} ms"
          f"{note}", flush=True)
    return med


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100, help="spectra (default 100)")
    ap.add_argument("--n-converge", type=int, default=10, help="spectra for converged impedance.py (slow; default 10)")
    ap.add_argument("--timeout", type=float, default=60.0, help="s per impedance.py fit before it counts as failed")
    ap.add_argument("--seed", type=int, default=1000)
    a = ap.parse_args(argv)
    suite = ground_truth_suite(a.n, first_seed=a.seed)
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    except (AttributeError, OSError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{a.n} two-arc spectra (seeds {a.seed}..{a.seed + a.n - 1}), one core, one BLAS thread, "
          f"CPU time; load average at start {load:.1f} on {os.cpu_count()} cores")
    res: dict[str, tuple[list[bool], list[float]]] = {k: ([], []) for k in ("auto", "given", "floor", "imp-def", "imp-conv")}
    with threadpool_limits(1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, g in enumerate(suite):
            for name, fn in (("auto", auto), ("given", given), ("floor", floor)):
                ok, ms = timed(fn, _cold(g))
                res[name][0].append(ok)
                res[name][1].append(ms)
            t0 = time.process_time()
            ok_d, _, _ = run_impedance([g], a.timeout)
            res["imp-def"][0].append(ok_d[0])
            res["imp-def"][1].append(1e3 * (time.process_time() - t0))
            if i < a.n_converge:
                t0 = time.process_time()
                ok_c, _, _ = run_impedance([g], a.timeout, weight_by_modulus=True, x_scale="jac")
                res["imp-conv"][0].append(ok_c[0])
                res["imp-conv"][1].append(1e3 * (time.process_time() - t0))
    med = {k: line(k, *v) for k, v in res.items() if v[1]}
    p95 = float(np.percentile(res["auto"][1], 95))
    n_c = len(res["imp-conv"][1])
    auto_sub = statistics.median(res["auto"][1][:n_c]) if n_c else float("nan")
    print(f"auto / floor (median):                {med['auto'] / med['floor']:7.2f}x   (target ≤ 2.5x)")
    print(f"auto / given (median):                {med['auto'] / med['given']:7.2f}x")
    print(f"auto median {med['auto']:.1f} ms (target ≤ 40), p95 {p95:.1f} ms (target ≤ 150)")
    print(f"imp-def / auto (median):              {med['imp-def'] / med['auto']:7.1f}x")
    if n_c:
        ok_auto_sub = float(np.mean(res["auto"][0][:n_c]))
        ok_conv = float(np.mean(res["imp-conv"][0]))
        print(f"imp-conv / auto (median, same {n_c}):   {med['imp-conv'] / auto_sub:7.1f}x   (target ≥ 100x); "
              f"success {100 * ok_auto_sub:.0f} % vs {100 * ok_conv:.0f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
