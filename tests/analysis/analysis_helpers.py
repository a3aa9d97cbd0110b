"""Helpers for the analysis tests: the seeded ground-truth suite fitter and a
tiny ZView .z reader for the vendor dummy-cell files (the real importer lives in ssbcert.importers)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ssbcert.analysis.arcs import ArcAssignment, assign_arcs
from ssbcert.analysis.fit import FitResult, fit_circuit
from ssbcert.analysis.synthetic import GROUND_TRUTH_CIRCUIT, GroundTruth, ground_truth_suite

VENDOR_DIR = Path("/work/shared/fixtures/vendor_formats")
SUITE_SIZE = 200


def read_zview(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Columns 0 (f), 4 (Z'), 5 (Z'') after the 'End Comments' line."""
    lines = path.read_text(encoding="latin-1").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("End Comments")) + 1
    rows = [[float(x) for x in line.split()] for line in lines[start:] if line.strip()]
    d = np.array(rows)
    return d[:, 0], d[:, 4] + 1j * d[:, 5]


@dataclass(frozen=True)
class SuiteCase:
    truth: GroundTruth
    fit: FitResult
    arcs: ArcAssignment


def fit_suite() -> list[SuiteCase]:
    out = []
    for g in ground_truth_suite(SUITE_SIZE):
        r = fit_circuit(g.frequency_Hz, g.z, GROUND_TRUTH_CIRCUIT, cell_constant_per_m=g.cell_constant_per_m)
        out.append(SuiteCase(g, r, assign_arcs(r, g.cell_constant_per_m)))
    return out
