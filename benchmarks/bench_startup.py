"""Start-up benchmark (issue #10): `ssbcert --help` CPU time and a one-file `ssbcert import` wall time.

    python benchmarks/bench_startup.py [--repeat 5]

Each command runs as a fresh process (the installed console script's Python, `-m ssbcert`);
CPU is the child's user+system time from wait4(). Targets: --help ≤ 0.3 s CPU, import ≤ 1 s wall.
The load average is printed: on a shared machine wall times stretch with it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / ".." / "shared" / "fixtures" / "vendor_formats" / "exampleData.csv"
SAMPLE = ROOT / "ssbcert" / "data" / "default_sample.yaml"


def run(args: list[str]) -> tuple[float, float, int]:
    """(CPU s, wall s, exit code) of `python -m ssbcert ARGS` in a fresh process."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "ssbcert", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         cwd=ROOT)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return ru.ru_utime + ru.ru_stime, wall, p.returncode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of {a.repeat} runs")
    helps = [run(["--help"]) for _ in range(a.repeat)]
    cpu = statistics.median(h[0] for h in helps)
    print(f"ssbcert --help        CPU {cpu:5.2f} s  wall {statistics.median(h[1] for h in helps):5.2f} s   (target ≤ 0.30 s CPU)")
    fixture = FIXTURE if FIXTURE.exists() else next((ROOT / ".." / "shared" / "fixtures" / "vendor_formats").glob("*.z"))
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.repeat):
            c, w, code = run(["import", str(fixture.resolve()), "--sample", str(SAMPLE), "--out", f"{tmp}/s{i}",
                              "--temperature-C", "25"])
            if code != 0:
                print(f"import failed (exit {code})")
                return 1
            walls.append((c, w))
    print(f"ssbcert import 1 file CPU {statistics.median(x[0] for x in walls):5.2f} s  "
          f"wall {statistics.median(x[1] for x in walls):5.2f} s   (target ≤ 1 s wall; {fixture.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
