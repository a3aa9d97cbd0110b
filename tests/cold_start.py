"""A room-temperature EIS run on the twins that starts 10 K cold: with a 1 s stability window the
sweeps begin while the sample (25 s behind the sensor) is still warming, although each records
25.0 °C; with rt-eis's 2 min window it has settled. Used by the certificate and monitor tests."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

PROTOCOL = """name: hasty-rt-eis
description: Room-temperature EIS on a stage that starts 10 K cold.
steps:
  - step: identify
  - step: set_temperature
    setpoint: 25 degC
    ramp: 10 K/min
    band: 1.5 K
    window: {window}
    timeout: 30 min
  - step: eis
    f_start: 1 MHz
    f_stop: 20 Hz
    points_per_decade: 10
    amplitude: 20 mV
    repeats: 3
"""


def cold_start_session(folder: Path, window: str) -> Path:
    """Record the run under `folder` (window '1 s': drifting sweeps; '2 min': settled); the session path."""
    from ssbcert.bench.config import load_bench
    from ssbcert.runner import run

    folder.mkdir(parents=True, exist_ok=True)
    text = resources.files("ssbcert.bench").joinpath("sim_bench.yaml").read_text(encoding="utf-8")
    bench = folder / "bench.yaml"
    # time ×100, not the demo's ×5000: a few ms of wall-clock jitter are then a fraction of a second
    # of instrument time, not the sample's whole 25 s lag, so every run sees the same physics
    bench.write_text(text.replace("start_temperature_K: 298.15", "start_temperature_K: 288.15")
                     .replace("time_scale: 5000", "time_scale: 100"))
    protocol = folder / "hasty.yaml"
    protocol.write_text(PROTOCOL.format(window=window))
    result = run(protocol, bench=load_bench(bench), out=folder / "session")
    assert result.exit_status == "success"
    return result.session
