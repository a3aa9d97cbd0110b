"""A dropped link is seen at once (EOF/RST → reconnect), not after a timeout; a link that stays down
ends the step within 2× the configured timeout with the reason "connection lost"."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ssbcert.bench as bench_mod
from ssbcert.drivers.catalog import entry
from ssbcert.drivers.transport import ConnectionLost
from ssbcert.runner.api import BenchAccess, run
from ssbcert.session import load_session
from ssbcert.sim_instruments.bench import SimBench, TwinSpec

FREQS = list(np.logspace(6, 3, 31))  # ~0.3 s of instrument time per sweep at time scale 1


@pytest.mark.parametrize("match", ["RDAT", "FREQ:DATA", r"TRIG:SING"])
def test_disconnect_mid_sweep_on_e4990a_recovers_in_under_2_s(match: str) -> None:
    sim = SimBench({"impedance": TwinSpec("keysight_e4990a", {}, [{"kind": "disconnect", "match": match, "at": 1}])}, time_scale=1.0)
    drv = entry("keysight_e4990a").driver_class().open(sim.resources["impedance"], clock=sim.clock, timeout_s=30)
    try:
        t0 = time.monotonic()
        spectrum = drv.sweep(FREQS, 0.02)
        wall = time.monotonic() - t0
    finally:
        drv.close()
        sim.close()
    assert [k for k, _ in sim.twin("impedance").faults.log] == ["disconnect"]
    assert len(spectrum.frequency_Hz) == len(FREQS) and np.all(np.isfinite(spectrum.z_real_ohm))
    assert wall < 2.0, f"recovery took {wall:.2f} s"


def test_unreachable_port_fails_at_open_not_at_first_write() -> None:
    sim = SimBench({"impedance": TwinSpec("keysight_e4990a")}, time_scale=1.0)
    resource = sim.resources["impedance"]
    sim.close()
    t0 = time.monotonic()
    with pytest.raises(ConnectionLost, match="cannot open"):
        entry("keysight_e4990a").driver_class().open(resource, timeout_s=5)
    assert time.monotonic() - t0 < 1.0


PROTOCOL = """\
name: three-sweeps
steps:
  - step: identify
  - step: eis
    f_start: 1 MHz
    f_stop: 1 kHz
    points_per_decade: 5
    amplitude: 10 mV
    repeats: 3
"""


def test_persistent_loss_ends_the_step_within_two_timeouts(tmp_path: Path) -> None:
    timeout_s = 2.0
    d = bench_mod.default_bench().model_dump()
    d["instruments"] = {"impedance": {**d["instruments"]["impedance"], "timeout_s": timeout_s}}
    config = bench_mod.BenchConfig.model_validate(d)
    opened: list[Any] = []
    cut: list[float] = []

    def open_and_keep(*args: Any, **kwargs: Any) -> Any:
        bench = bench_mod.open_bench(*args, **kwargs)
        opened.append(bench)
        return bench

    def cable_pulled_after_first_point(doc: dict[str, Any]) -> None:
        if doc.get("doc") == "event" and doc.get("stream") == "impedance" and not cut:
            opened[0].sim.server("impedance").close()  # the listener goes too: nothing to reconnect to
            cut.append(time.monotonic())

    (tmp_path / "p.yaml").write_text(PROTOCOL)
    access = BenchAccess(open_and_keep, bench_mod.driver_classes)
    r = run(tmp_path / "p.yaml", config, out=tmp_path / "s", access=access, subscribers=[cable_pulled_after_first_point])
    ended = time.monotonic()
    assert r.exit_status == "fail" and "connection lost" in r.reason, r.reason
    assert ended - cut[0] < 2 * timeout_s, f"stopped {ended - cut[0]:.1f} s after the loss"
    assert [x.point for x in load_session(tmp_path / "s").records] == ["s01.eis.p0"]  # the measured point is kept
