"""Every fault kind against every twin: does the run recover, or stop cleanly and resume, and is
any record lost? Target: 0 records lost, 0 hangs.

Why: a fault must never cost measured data or leave a run hanging. For each twin a reference run
(no fault) counts the messages it receives; the fault then fires once at 60 % of that count, in the
middle of the measurement. A run that stops is resumed on a clean bench (up to twice). "lost" is
the number of planned points missing after that, or recorded twice.

    python benchmarks/bench_faults.py                      # 7 twins × 7 kinds (~3-5 min)
    python benchmarks/bench_faults.py --twin keysight_e4990a --kind disconnect
"""
from __future__ import annotations

import argparse
import logging
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import ssbcert.bench as bench_mod
from ssbcert.drivers.catalog import CATALOG
from ssbcert.runner.api import BenchAccess, resume, run
from ssbcert.session import load_session
from ssbcert.sim_instruments.faults import FaultKind

KINDS: tuple[str, ...] = FaultKind.__args__  # type: ignore[attr-defined]
FAULT_PARAMS: dict[str, dict[str, Any]] = {
    "delay": {"seconds": 1.5},  # later than the 1 s timeout: a late reply to resynchronise past
    "error": {"code": -222, "message": "Data out of range"},
    "overload": {"count": 1},
    "unstable_temperature": {"amplitude_K": 2.0},
}
TIMEOUT_S = 1.0
HANG_S = 90.0

TEMPERATURE = """\
  - step: set_temperature
    setpoint: 25 degC
    ramp: 5 K/min
    band: 0.5 K
    window: 30 s
    timeout: 20 min
"""
EIS = "name: faults-eis\nsteps:\n  - step: identify\n" + TEMPERATURE + """\
  - step: eis
    f_start: 100 kHz
    f_stop: 100 Hz
    points_per_decade: 3
    amplitude: 10 mV
    repeats: 3
"""
DC = "name: faults-dc\nsteps:\n  - step: identify\n" + TEMPERATURE + "".join(
    f"  - step: dc_polarization\n    label: hold {i}\n    voltage: 100 mV\n    duration: 60 s\n    interval: 5 s\n    compliance: 1 mA\n"
    for i in range(3)
)


def case(twin: str) -> tuple[str, str, dict[str, str]]:
    """(role under test, protocol text, role → driver) for one twin."""
    role = CATALOG[twin].role
    drivers = {"impedance": "keysight_e4990a", "temperature": "lakeshore_336"}
    if role == "dc":
        drivers = {"dc": twin, "temperature": "lakeshore_336"}
        return role, DC, drivers
    drivers[role] = twin
    return role, EIS, drivers


def bench_for(drivers: dict[str, str], role: str, fault: dict[str, Any] | None) -> Any:
    d = bench_mod.default_bench().model_dump()
    d["instruments"] = {r: {"driver": drv, "timeout_s": TIMEOUT_S if r == role else 5.0} for r, drv in drivers.items()}
    if fault:
        d["instruments"][role]["faults"] = [fault]
    return bench_mod.BenchConfig.model_validate(d)


class Kept:
    """BenchAccess that remembers the simulated bench, to count the messages a twin received."""

    def __init__(self) -> None:
        self.benches: list[Any] = []
        self.access = BenchAccess(self._open, bench_mod.driver_classes)

    def _open(self, *args: Any, **kwargs: Any) -> Any:
        b = bench_mod.open_bench(*args, **kwargs)
        self.benches.append(b)
        return b


def run_case(twin: str, kind: str | None, at: int, work: Path) -> dict[str, Any]:
    role, protocol, drivers = case(twin)
    (work / "p.yaml").write_text(protocol)
    fault = None if kind is None else {"kind": kind, "at": at, **FAULT_PARAMS.get(kind, {})}
    kept = Kept()
    out: dict[str, Any] = {"outcome": "hang"}

    def go() -> None:
        t0 = time.monotonic()
        r = run(work / "p.yaml", bench_for(drivers, role, fault), out=work / "s", access=kept.access)
        outcome = "recovered" if r.exit_status == "success" else "clean stop"
        out["reason"] = r.reason
        out["messages"] = kept.benches[0].sim.server(role).messages
        out["fired"] = [k for k, _ in kept.benches[0].sim.twin(role).faults.log]
        tries = 0
        while r.exit_status != "success" and tries < 2 and r.points_in_session >= 0:
            tries += 1
            r = resume(work / "s", bench=bench_for(drivers, role, None))
        if r.exit_status != "success":
            outcome = f"stopped: {r.reason[:60]}"
        points = [x.point for x in load_session(work / "s").records]
        expected = 3
        dup = sum(n - 1 for n in Counter(points).values() if n > 1)
        out.update(outcome=outcome, wall_s=time.monotonic() - t0, lost=expected - len(set(points)) + dup, resumes=tries)

    worker = threading.Thread(target=go, daemon=True)
    worker.start()
    worker.join(HANG_S)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--twin", action="append", help="only these twins (catalog names)")
    ap.add_argument("--kind", action="append", help="only these fault kinds")
    args = ap.parse_args()
    logging.getLogger("ssbcert").setLevel(logging.ERROR)  # the retries' warnings: the table says what happened
    twins = args.twin or list(CATALOG)
    kinds = args.kind or list(KINDS)
    print(f"{'kind':<22}{'twin':<18}{'outcome':<14}{'wall s':>8}{'lost':>6}  notes")
    totals = Counter()
    for twin in twins:
        with tempfile.TemporaryDirectory() as tmp:
            ref = run_case(twin, None, 0, Path(tmp))
        n = int(ref.get("messages", 20))
        for kind in kinds:
            with tempfile.TemporaryDirectory() as tmp:
                r = run_case(twin, kind, max(1, int(0.6 * n)), Path(tmp))
            fired = "fired" if r.get("fired") else "did not fire"
            resumed = f", resumed {r['resumes']}× after: {r.get('reason', '')[:70]}" if r.get("resumes") else ""
            lost = r.get("lost", "?")
            print(f"{kind:<22}{twin:<18}{r['outcome']:<14}{r.get('wall_s', HANG_S):>8.1f}{lost!s:>6}  {fired}{resumed}", flush=True)
            totals["cases"] += 1
            totals["hangs"] += r["outcome"] == "hang"
            totals["lost"] += lost if isinstance(lost, int) else 0
    print(f"\n{totals['cases']} cases: {totals['lost']} records lost, {totals['hangs']} hangs")


if __name__ == "__main__":
    main()
