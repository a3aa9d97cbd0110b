"""Certificate rendering CPU, measured side by side in one run (issue #10, "figures once").

    python benchmarks/bench_render.py [CERT.json]

Contenders on the same certificate (default: the example certificate with figures):
  once   - figures built once, shared by the PDF and the HTML (what `certify` does);
  twice  - each renderer builds its own figures (what `certify` did before).
Prints CPU seconds per contender, interleaved over 3 rounds, and the ratio.
"""
from __future__ import annotations

import statistics
import sys
import time

from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.plots import certificate_figures
from ssbcert.certificate.render_html import render_html
from ssbcert.certificate.render_pdf import render_pdf
from ssbcert.certificate.signing import read_certificate


def once(cert) -> None:  # type: ignore[no-untyped-def]
    figs = certificate_figures(cert)
    render_pdf(cert, figures=figs)
    render_html(cert, figures=figs)


def twice(cert) -> None:  # type: ignore[no-untyped-def]
    render_pdf(cert)
    render_html(cert)


def main() -> None:
    cert = read_certificate(sys.argv[1]) if len(sys.argv) > 1 else example_certificate()
    once(cert)  # warm fonts and imports
    times: dict[str, list[float]] = {"once": [], "twice": []}
    for _ in range(3):
        for name, fn in (("once", once), ("twice", twice)):
            t = time.process_time()
            fn(cert)
            times[name].append(time.process_time() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    n = len(certificate_figures(cert))
    print(f"{n} figures; CPU median of 3: once {med['once']:.2f} s, twice {med['twice']:.2f} s, "
          f"ratio twice/once {med['twice'] / med['once']:.2f}")


if __name__ == "__main__":
    main()
