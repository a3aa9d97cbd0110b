"""Software overhead of a sweep, as a fraction of the instrument's own sweep time.

Why: on a real bench the instrument's integration time is the floor; everything the driver,
pyvisa-py, the socket and the twin add on top is overhead (target ≤ 2 %). The twins run at real
time (time_scale = 1), so wall time = instrument time + software. Also counts VISA round trips
(replies read) and messages sent per sweep. Each twin is served from its own process, as an
instrument is its own box: in-process it would compete with the driver for the GIL and add
milliseconds that no real bench has.

    python benchmarks/bench_overhead.py            # 201-point E4990A sweep, 60-point Solartron 1260 (~2.5 min)
    python benchmarks/bench_overhead.py --quick    # fewer points at higher frequencies (~25 s)
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time
from importlib import import_module
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ssbcert.sim_instruments.clock import SimClock
from ssbcert.sim_instruments.sample import VirtualSample
from ssbcert.sim_instruments.server import TwinServer
from ssbcert.sim_instruments.thermal import ThermalStage
from ssbcert.sim_instruments.twin import SimEnvironment

# NOTE: spawned children re-import this file; keep module level free of side effects.


@dataclass
class Result:
    name: str
    points: int
    instrument_s: float  # the twin's timing model for this sweep
    wall_s: list[float]
    round_trips: list[int]
    messages: list[int]

    @property
    def overhead(self) -> float:
        return statistics.median(self.wall_s) / self.instrument_s - 1.0

    def line(self) -> str:
        return (
            f"{self.name:<26} {self.points:>4} pts  instrument {self.instrument_s:8.3f} s  "
            f"wall {statistics.median(self.wall_s):8.3f} s  overhead {100 * self.overhead:6.2f} %  "
            f"round trips {statistics.median(self.round_trips):.0f}  messages {statistics.median(self.messages):.0f}"
        )


def environment() -> SimEnvironment:
    clock = SimClock(time_scale=1.0)
    sample = VirtualSample.preset("LLZO")
    sample.thermal = ThermalStage(start_K=298.15, t0_s=clock.now())
    sample.thermal.p.bath_K = 298.15  # ambient stage: the sample stays at 25 °C
    return SimEnvironment(clock, sample)


def _serve_twin(twin_ref: str, options: dict[str, Any], queue: Any, stop: Any) -> None:
    """Child process: one environment at real time, one twin, one socket."""
    module, _, cls = twin_ref.partition(":")
    twin = getattr(import_module(module), cls)(environment(), **options)
    server = TwinServer(twin).start()
    queue.put(server.resource)
    stop.wait()
    server.close()


class _Counter:
    """I/O recorder counting the messages the driver writes."""

    def __init__(self) -> None:
        self.writes = 0

    def record(self, resource: str, direction: str, data: bytes) -> None:
        self.writes += direction == "write"


def measure(
    name: str, driver_ref: str, twin_ref: str, frequencies: np.ndarray, amplitude_V: float, repeats: int,
    sweep_kwargs: dict[str, Any], instrument_s: Callable[[Any], float], warmup_points: int | None = None,
) -> Result:
    """One warm-up sweep (options query, first configuration), then `repeats` timed sweeps.

    `warmup_points`: warm up on the first few frequencies only (slow instruments)."""
    ctx = mp.get_context("spawn")
    queue, stop = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=_serve_twin, args=(twin_ref, {}, queue, stop), daemon=True)
    child.start()
    module, _, cls = driver_ref.partition(":")
    counter = _Counter()
    drv = getattr(import_module(module), cls).open(queue.get(timeout=60), clock=SimClock(1.0), recorder=counter, timeout_s=10.0)
    try:
        drv.sweep(frequencies[:warmup_points], amplitude_V, **sweep_kwargs)
        walls, trips, msgs = [], [], []
        for _ in range(repeats):
            rt, n = drv.transport.round_trips, counter.writes
            t0 = time.perf_counter()
            drv.sweep(frequencies, amplitude_V, **sweep_kwargs)
            walls.append(time.perf_counter() - t0)
            trips.append(drv.transport.round_trips - rt)
            msgs.append(counter.writes - n)
        return Result(name, frequencies.size, instrument_s(drv), walls, trips, msgs)
    finally:
        drv.close()
        stop.set()
        child.join(timeout=10)


def bench_e4990a(quick: bool, repeats: int) -> Result:
    from ssbcert.drivers.impedance.keysight_e4990a import sweep_time_s

    # quick: half the points, above 1 kHz, where the bandwidth's floor (not 1/f) sets the point time
    f = np.geomspace(1e3, 1e6, 101) if quick else np.geomspace(100.0, 1e6, 201)
    bw = 4 if quick else 3
    return measure(
        "Keysight E4990A", "ssbcert.drivers.impedance.keysight_e4990a:KeysightE4990A",
        "ssbcert.sim_instruments.twins.keysight_e4990a:E4990ATwin", f, 0.02, repeats, {"bandwidth": bw},
        lambda drv: sweep_time_s(f, bw),
    )


def bench_solartron(quick: bool, repeats: int) -> Result | None:
    driver_ref = "ssbcert.drivers.impedance.solartron_1260:Solartron1260"
    twin_ref = "ssbcert.sim_instruments.twins.solartron_1260:Solartron1260Twin"
    try:
        for ref in (driver_ref, twin_ref):
            module, _, cls = ref.partition(":")
            getattr(import_module(module), cls)
    except (ImportError, AttributeError) as exc:
        print(f"Solartron 1260: skipped ({exc})")
        return None
    f = np.geomspace(1e6, 1e4, 6) if quick else np.geomspace(1e6, 1.0, 60)
    kwargs: dict[str, Any] = {"bandwidth": "short"} if quick else {}
    return measure(
        "Solartron 1260", driver_ref, twin_ref, f, 0.02, repeats, kwargs, lambda drv: drv.estimate_sweep_s(f, **kwargs),
        warmup_points=2,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer points at higher frequencies (short run)")
    ap.add_argument("--repeats", type=int, default=None, help="timed sweeps per instrument (default 5, quick 3)")
    ap.add_argument("--target", type=float, default=0.02, help="overhead target as a fraction (default 0.02)")
    args = ap.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    results = [bench_e4990a(args.quick, repeats)]
    solartron_repeats = 1 if not args.quick else repeats  # a full 1260 sweep takes minutes
    sol = bench_solartron(args.quick, solartron_repeats)
    if sol is not None:
        results.append(sol)
    print(f"software overhead per sweep at real time (time_scale=1), target <= {100 * args.target:.1f} %")
    for r in results:
        print(r.line() + ("" if r.overhead <= args.target else "   ABOVE TARGET"))
    return 0 if all(r.overhead <= args.target for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
