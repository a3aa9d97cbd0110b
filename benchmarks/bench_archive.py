"""Archive re-analysis benchmark (issue #10): serial vs a 2-process pool vs a 2-worker LocalCluster.

    python benchmarks/bench_archive.py            # 2,000 spectra (100 sessions × 20)
    python benchmarks/bench_archive.py --quick    # 200 spectra (10 sessions × 20), about 2 minutes

Synthetic sessions (ssbcert.archive.synthetic: heating/cooling series of the demo LLZO film) are
written once; each engine re-analyses all of them into its own fresh store. The runs are
interleaved so that a machine whose speed drifts during the benchmark (seen here: ±30 % within
minutes) biases no ratio: serial and the pool each do the first half of the sessions, then the
LocalCluster does all of them (once, so its start-up is paid once, as a user's one command pays
it), then the pool and serial do the second half. Each engine's time is centred on the middle of
the run. Prints spectra/s (each half too), the scaling over serial (target ≥ 1.8× on 2 cores) and
the peak memory of the whole process tree (target ≤ 500 MB; PSS, with the RSS sum beside it),
sampled every 0.2 s with psutil. The machine's load average is printed: on a shared machine,
scaling is bounded by the cores other jobs leave free.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402  (installed with dask[distributed])

from ssbcert.archive.run import reanalyse_archive  # noqa: E402
from ssbcert.archive.sources import sessions_under  # noqa: E402
from ssbcert.archive.store import ReanalysisStore  # noqa: E402
from ssbcert.archive.synthetic import write_synthetic_archive  # noqa: E402


class PeakRSS:
    """Peak memory of this process and all its descendants (pool workers, Dask workers): summed RSS,
    which counts every page shared between processes (forked workers, the same numpy/scipy
    libraries) once per process, and summed PSS, which shares each such page out among the
    processes that map it, so it adds up to what the machine really gives the job."""

    def __init__(self) -> None:
        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = pss = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    info = p.memory_full_info()  # pss: Linux only; elsewhere falls back to rss
                    total += info.rss
                    pss += getattr(info, "pss", info.rss)
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self.peak_pss = max(self.peak_pss, pss)
            time.sleep(0.2)

    def __enter__(self) -> "PeakRSS":
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="200 spectra instead of 2,000 (about 2 min)")
    ap.add_argument("--sessions", type=int, default=None, help="number of sessions (20 spectra each)")
    a = ap.parse_args(argv)
    n_sessions = a.sessions or (10 if a.quick else 100)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_synthetic_archive(root / "archive", n_sessions, 20, seed=0)
        sessions = sessions_under([root / "archive"])
        print(f"{len(sessions)} sessions × 20 spectra; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
              flush=True)
        half = len(sessions) // 2
        first, second = sessions[:half], sessions[half:]
        names = {"serial": "serial", "pool": "pool (2 processes)", "dask": "LocalCluster (2 workers)"}
        schedule = [("serial", first, "1st half"), ("pool", first, "1st half"), ("dask", sessions, "all"),
                    ("pool", second, "2nd half"), ("serial", second, "2nd half")]
        stores = {e: ReanalysisStore(f"sqlite:///{root}/{e}.sqlite") for e in names}
        spectra = dict.fromkeys(names, 0)
        wall = dict.fromkeys(names, 0.0)
        peak = dict.fromkeys(names, (0, 0))
        errors = dict.fromkeys(names, 0)
        for engine, part, which in schedule:
            with PeakRSS() as mem:
                r = reanalyse_archive(part, stores[engine], engine=engine, workers=2, keep_results=False)
            spectra[engine] += r.spectra
            wall[engine] += r.wall_s
            errors[engine] += r.errors
            peak[engine] = max(peak[engine], (mem.peak_pss, mem.peak))
            print(f"  {names[engine]:<26} {which:<8} {r.spectra:5d} spectra in {r.wall_s:7.1f} s  "
                  f"{r.spectra_per_s:7.1f} spectra/s  (load {os.getloadavg()[0]:.1f})", flush=True)
        for s in stores.values():
            s.close()
        rate = {e: spectra[e] / wall[e] for e in names}
        for e, name in names.items():
            print(f"{name:<26} {spectra[e]:5d} spectra in {wall[e]:7.1f} s  {rate[e]:7.1f} spectra/s  "
                  f"errors {errors[e]}  peak PSS {peak[e][0] / 2**20:5.0f} MB (RSS {peak[e][1] / 2**20:5.0f} MB)")
        print(f"scaling pool / serial:         {rate['pool'] / rate['serial']:5.2f}x  (target ≥ 1.8x on 2 free cores)")
        print(f"scaling LocalCluster / serial: {rate['dask'] / rate['serial']:5.2f}x  (target ≥ 1.8x on 2 free cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
