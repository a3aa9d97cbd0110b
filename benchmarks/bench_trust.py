"""Trust benchmark (issue #9): does the automatic analysis ever sign what the data cannot show?

    python benchmarks/bench_trust.py            # 500 seeded spectra of ssbcert.analysis.synthetic_trust
    python benchmarks/bench_trust.py --quick    # 150 spectra (every family), <= 3 min
    python benchmarks/bench_trust.py --margins 2,6,10,20   # calibrate the AIC margin on the suite
    python benchmarks/bench_trust.py --dump before.json    # keep every σ (or why it was withheld)
    python benchmarks/bench_trust.py --against before.json # ... and list what a change moved
    python benchmarks/bench_trust.py --suite beyond --n 300   # physics beyond the candidate circuits
    python benchmarks/bench_trust.py --suite drift --n 200    # repeated sweeps of still and drifting samples
    python benchmarks/bench_trust.py --suite noise --n 500    # the trust spectra under real analysers' noise
    python benchmarks/bench_trust.py --suite shapes --n 300   # grain-boundary shapes no candidate holds, cut

Prints, over every σ (bulk, grain boundary apparent, total) the analysis reports as valid:
- how many there are and how many miss the truth by more than max(5 %, 3u), each miss listed;
- coverage: the fraction of spectra whose bulk arc is visible (apex >= 0.5 decade inside the
  window, not buried) that get a valid σ_bulk (target >= 95 %);
- calibration: the fraction of truths within ±1u (target 60–76 %) and ±2u (target >= 93 %);
- per family: spectra, valid σ, misses; and the CPU time per spectrum.
The geometry is exact (u = 0), so u is the analysis's own uncertainty.
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ssbcert.analysis.selection import SelectionRules  # noqa: E402
from ssbcert.analysis.synthetic_beyond import beyond_spectrum  # noqa: E402
from ssbcert.analysis.synthetic_noise import noise_spectrum  # noqa: E402
from ssbcert.analysis.synthetic_shapes import shape_spectrum  # noqa: E402
from ssbcert.analysis.synthetic_trust import trust_spectrum  # noqa: E402
from ssbcert.analysis.trust_score import QUANTITIES, DriftScore, Score, compare_reported, run, score_drift  # noqa: E402

def report(s: Score, n: int, label: str = "") -> None:
    print(f"== trust benchmark {label}: {n} spectra, {len(s.errors)} refused with an input error")
    print(f"valid conductivities: {s.valid}; off by > max(5 %, 3u): {len(s.misses)} (target 0)")
    for m in s.misses:
        print("  miss:", m)
    target = {"beyond": "(no target: visibility is judged as for a CPE electrode, which a diffusion electrode, a second "
                        "phase or an outlier breaks)",
              "noise": "(no target: visibility is judged on the ideal noise; under uneven or heavy-tailed noise "
                       "withholding is the right answer where lin-KK or the runs test cannot vouch for the fit)",
              "shapes": "(no target: a grain boundary no candidate describes, cut by the window, may take the bulk "
                        "arc's reading with it)",
              }.get(label, "(target >= 95 %)")
    print(f"coverage of visible bulk arcs with a valid σ_bulk: {s.visible_bulk_valid}/{s.visible_bulk} = "
          f"{s.coverage:.1%} {target}")
    for m in s.not_covered[:15]:
        print("  not covered:", m)
    print(f"calibration: within ±1u {s.cal1:.1%} (target 60–76 %), within ±2u {s.cal2:.1%} (target >= 93 %)")
    for name, _ in QUANTITIES:
        k = s.per_quantity[(name, "n")]
        if k:
            print(f"  {name}: {k} valid, ±1u {s.per_quantity[(name, 'in1')] / k:.1%}, ±2u {s.per_quantity[(name, 'in2')] / k:.1%}")
    fams = sorted({k[0] for k in s.per_family})
    print("family       spectra  valid  miss")
    for f in fams:
        print(f"{f:<12} {s.per_family[(f, 'spectra')]:>7} {s.per_family[(f, 'valid')]:>6} {s.per_family[(f, 'miss')]:>5}")
    if s.cpu_s:
        cpu = sorted(s.cpu_s)
        print(f"CPU per spectrum: median {1000 * statistics.median(cpu):.0f} ms, p95 {1000 * cpu[int(0.95 * (len(cpu) - 1))]:.0f} ms")
    for e in s.errors[:5]:
        print("  input error:", e)


def report_drift(s: DriftScore, n: int) -> None:
    print(f"== drift suite: {n} samples of 3 repeated sweeps ({s.still} still, {s.drifting} drifting 1–10 % per sweep)")
    print(f"still samples called not stationary: {len(s.still_flagged)} (target 0)")
    for m in s.still_flagged:
        print("  false alarm:", m)
    print(f"drifting samples seen: {s.drifting_seen}/{s.drifting}; not seen (a drift under the noise):")
    for m in s.unseen:
        print("  ", m)
    print(f"valid conductivities: {s.valid}; off every state of their sweep by > max(5 %, 3u): {len(s.misses)} "
          f"(target 0); withheld only by the stationarity rule and off: {s.misses_without_rule}")
    for m in s.misses:
        print("  miss:", m)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="150 spectra (<= 3 min)")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--suite", choices=("trust", "beyond", "drift", "noise", "shapes"), default="trust",
                    help="trust: synthetic_trust's ten families; beyond: synthetic_beyond's five (physics "
                         "outside the candidate circuits: diffusion electrode, second phase, outliers, ...); "
                         "drift: three repeated sweeps of still and drifting samples (stationarity); "
                         "noise: the trust spectra with frequency-dependent, heavy-tailed or absolute noise; "
                         "shapes: synthetic_shapes' grain boundaries of two overlapping relaxations or an "
                         "asymmetric (Havriliak–Negami) arc, cut by the window")
    ap.add_argument("--margins", default="", help="comma-separated AIC margins to compare (calibration)")
    ap.add_argument("--dump", type=Path, help="write every seed's σ values (or reasons withheld) to this JSON file")
    ap.add_argument("--against", type=Path, help="compare with a --dump of the same seeds: list every σ that "
                                                  "changed validity or moved by more than 0.1 %%")
    args = ap.parse_args()
    n = 150 if args.quick else args.n
    seeds = range(args.first_seed, args.first_seed + n)
    if args.suite == "drift":
        t0 = time.perf_counter()
        report_drift(score_drift(seeds), n)
        print(f"wall {time.perf_counter() - t0:.0f} s")
        return
    make = {"beyond": beyond_spectrum, "noise": noise_spectrum, "shapes": shape_spectrum}.get(args.suite, trust_spectrum)
    if args.margins:
        for m in (float(x) for x in args.margins.split(",")):
            s = run(seeds, SelectionRules(aic_margin=m), make)
            print(f"AIC margin {m:g}: valid {s.valid}, misses {len(s.misses)}, coverage {s.coverage:.1%}, "
                  f"±1u {s.cal1:.1%}, ±2u {s.cal2:.1%}")
        return
    t0 = time.perf_counter()
    s = run(seeds, SelectionRules(), make)
    report(s, n, args.suite)
    if args.dump:
        args.dump.write_text(json.dumps(s.reported, indent=0))
        print(f"σ of {len(s.reported)} seeds written to {args.dump}")
    if args.against:
        changed = compare_reported(json.loads(args.against.read_text()), s.reported)
        print(f"against {args.against}: {len(changed)} σ changed validity or moved by > 0.1 %")
        for line in changed:
            print("  " + line)
    print(f"wall {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
