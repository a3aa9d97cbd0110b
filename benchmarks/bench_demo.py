"""The demo's analysis and rendering CPU (issue #10: ≤ 5 s CPU), measured in one process.

    python benchmarks/bench_demo.py            # 3 rounds
    python benchmarks/bench_demo.py --rounds 1

Records the demo's film-certification protocol once on the simulated bench (not timed), then, in
each round and on one worker so that all the CPU is this process's: the analysis of the session
(`certify.analyse`: KK, candidate fits, arcs, Arrhenius, DC polarization), the figures (drawn
once), the PDF and the HTML, each in CPU seconds, and the total against the 5 s target. The first
round pays the imports and is reported apart.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from threadpoolctl import threadpool_limits  # noqa: E402

TARGET_S = 5.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)
    from ssbcert.bench import default_bench
    from ssbcert.certificate.plots import certificate_figures
    from ssbcert.certificate.render_html import render_html
    from ssbcert.certificate.render_pdf import render_pdf
    from ssbcert.certify import certify
    from ssbcert.certify.findings import analyse
    from ssbcert.certify.inputs import gather
    from ssbcert.lab import demo_lab_profile
    from ssbcert.runner import run
    from ssbcert.sample import load_default_sample
    from ssbcert.session import load_session

    with tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ.setdefault("SSBCERT_HOME", str(Path(tmp) / "home"))
        result = run("film-certification", bench=default_bench(), out=Path(tmp) / "session")
        cert = certify(result.session, out=Path(tmp) / "cert", register=False, lab=demo_lab_profile()).certificate
        inputs = gather(load_session(result.session), load_default_sample(), "<embedded demo sample>")
        stages: dict[str, list[float]] = {"analysis": [], "figures": [], "PDF": [], "HTML": []}
        with threadpool_limits(1, user_api="blas"):
            for i in range(a.rounds + 1):
                t = [time.process_time()]
                analyse(inputs, workers=1)
                t.append(time.process_time())
                figures = certificate_figures(cert)
                t.append(time.process_time())
                render_pdf(cert, figures=figures)
                t.append(time.process_time())
                render_html(cert, figures=figures)
                t.append(time.process_time())
                cpu = [t[k + 1] - t[k] for k in range(4)]
                if i == 0:
                    print(f"first round (imports, font loading): {sum(cpu):.2f} s CPU")
                    continue
                for name, s in zip(stages, cpu):
                    stages[name].append(s)
    n = len(inputs.series)
    med = {k: statistics.median(v) for k, v in stages.items()}
    total = sum(med.values())
    print(f"demo session: {n} spectra; median of {a.rounds} rounds, CPU s, one worker:")
    for k, v in med.items():
        print(f"  {k:<9} {v:6.2f} s" + (f"  ({1000 * v / n:.0f} ms per spectrum)" if k == "analysis" else ""))
    print(f"analysis + rendering {total:.2f} s CPU; target ≤ {TARGET_S:g} s: ratio {total / TARGET_S:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
