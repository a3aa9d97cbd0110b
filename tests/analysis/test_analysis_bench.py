"""The benchmark's success criterion itself (the timing run is `python benchmarks/bench_fit.py`)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from ssbcert.analysis.synthetic import ground_truth_spectrum

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_fit.py"
_spec = importlib.util.spec_from_file_location("bench_fit", _PATH)
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_recovered_accepts_truth_in_any_arc_order_and_rejects_errors() -> None:
    g = ground_truth_spectrum(2)
    p = g.params.copy()
    assert bench.recovered(g, p)
    swapped = p.copy()
    swapped[[0, 1, 2, 3, 4, 5]] = p[[3, 4, 5, 0, 1, 2]]
    assert bench.recovered(g, swapped)
    off = p.copy()
    off[3] *= 1.03
    assert not bench.recovered(g, off)
    assert not bench.recovered(g, np.full(8, np.nan))
    assert not bench.recovered(g, p[:5])


def test_benchmark_runs_ssbcert_side() -> None:
    suite = [ground_truth_spectrum(s) for s in (20, 21)]
    ok, times = bench.run_ssbcert(suite)
    assert ok == [True, True] and all(t > 0 for t in times)


def test_impedance_multistart_picks_by_the_data_not_the_truth() -> None:
    """imp-multi keeps its lowest |Z|-weighted cost: the truth costs about the noise (2N·s²), a
    3 % error in one resistance far more, and a bad set of parameters is an infinite cost."""
    g = ground_truth_spectrum(2)
    truth = bench._modulus_cost(g, g.params)
    off = g.params.copy()
    off[3] *= 1.03
    assert truth < 2 * g.frequency_Hz.size * g.noise_fraction**2 * 3
    assert bench._modulus_cost(g, off) > 2 * truth
    assert bench._modulus_cost(g, np.full(8, np.nan)) == np.inf
