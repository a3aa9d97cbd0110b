"""Bench: bench files, and opening role → driver → resource (live, simulated or replayed)."""
from ssbcert.bench.bench import Bench, BenchUnreachable, RecordingClock, open_bench, sim_bench_for
from ssbcert.bench.config import BenchConfig, BenchLimits, default_bench, driver_classes, load_bench, load_bench_text

__all__ = [
    "Bench",
    "BenchUnreachable",
    "BenchConfig",
    "BenchLimits",
    "RecordingClock",
    "default_bench",
    "driver_classes",
    "load_bench",
    "load_bench_text",
    "open_bench",
    "sim_bench_for",
]
