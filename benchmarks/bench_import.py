"""Import speed per format: time per file and throughput (points/s), plus the CLI's wall time for a
one-file (~20 kB) import, all measured in one run.

    python benchmarks/bench_import.py [--repeat 5] [--cli-runs 3]

Reads the shared fixtures in place (../shared/fixtures next to the repository).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared" / "fixtures"
SAMPLE = REPO / "ssbcert" / "data" / "default_sample.yaml"
FILES = [
    *sorted((SHARED / "vendor_formats").glob("exampleData*")),
    *sorted((SHARED / "real_vendor" / "eclab").glob("*eis*.mp[rt]")),
]


def _import_time(path: Path, repeat: int) -> tuple[str, int, int, float]:
    from ssbcert.errors import InputError
    from ssbcert.importers.api import read_file

    times, spectra = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            spectra, prov = read_file(path)
        except InputError:
            return "rejected", 0, 0, float("nan")
        times.append(time.perf_counter() - t0)
    return prov[0].reader, len(spectra), sum(len(s) for s in spectra), statistics.median(times)


def _cli_wall(path: Path, runs: int) -> tuple[float, float]:
    """Median wall and CPU (user + system) seconds of `ssbcert import` on one file, as a user runs it."""
    exe = Path(sys.executable).with_name("ssbcert")
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([str(exe), "import", str(path), "--sample", str(SAMPLE), "--out", f"{tmp}/s{k}",
                            "--temperature-C", "25"], check=True, capture_output=True)
            walls.append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _module_import_s() -> float:
    code = "import time; t=time.perf_counter(); import ssbcert.importers.api, ssbcert.importers.session; " \
           "print(time.perf_counter()-t)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cli-runs", type=int, default=3)
    args = ap.parse_args()
    print(f"{'file':38s} {'reader':20s} {'kB':>7s} {'spectra':>7s} {'points':>7s} {'ms':>8s} {'points/s':>10s}")
    total_points, total_s = 0, 0.0
    for path in FILES:
        reader, n, pts, sec = _import_time(path, args.repeat)
        kb = path.stat().st_size / 1024
        rate = pts / sec if sec == sec and sec > 0 else float("nan")
        if sec == sec:
            total_points, total_s = total_points + pts, total_s + sec
        print(f"{path.name:38s} {reader:20s} {kb:7.1f} {n:7d} {pts:7d} {sec * 1e3:8.2f} {rate:10.3g}")
    print(f"{'all formats':38s} {'':20s} {'':7s} {'':7s} {total_points:7d} {total_s * 1e3:8.2f} "
          f"{total_points / total_s:10.3g}")
    print(f"importer modules (api + session) import time: {_module_import_s() * 1e3:.0f} ms (fresh interpreter)")
    small = SHARED / "real_vendor" / "eclab" / "peis.mpt"
    wall, cpu = _cli_wall(small, args.cli_runs)
    print(f"CLI `ssbcert import {small.name}` ({small.stat().st_size / 1024:.1f} kB): median wall {wall:.2f} s, "
          f"CPU {cpu:.2f} s over {args.cli_runs} runs (target <= 1 s wall on an idle machine; includes the CLI "
          f"root's start-up); load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
