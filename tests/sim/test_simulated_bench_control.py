"""A simulated bench as a whole: twins served from a bench file, one shared sample, the control
channel that changes sample and faults while the twins run, and `ssbcert sim serve`."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest
import pyvisa

from ssbcert.bench import default_bench, open_bench
from ssbcert.errors import InstrumentError
from ssbcert.sim_instruments.server import control_request


@pytest.fixture
def bench():
    cfg = default_bench().model_copy(update={"time_scale": 5000.0})
    b = open_bench(cfg)
    yield b
    b.close()


def test_roles_reach_their_twins_over_loopback(bench) -> None:
    for role, res in bench.sim.resources.items():
        assert re.fullmatch(r"TCPIP::127\.0\.0\.1::\d+::SOCKET", res), res
    snap = bench.snapshot()
    assert "E4990A" in snap["impedance"]["idn"] and "MODEL336" in snap["temperature"]["idn"]
    assert "MODEL 2450" in snap["dc"]["idn"]


def test_control_channel_changes_the_shared_sample(bench) -> None:
    port = bench.sim.control.port
    state = control_request("127.0.0.1", port, {"op": "state"})
    assert state["ok"] and state["sample_temperature_K"] == pytest.approx(298.15, abs=0.5)
    f = np.geomspace(1e6, 1e3, 12)
    before = bench["impedance"].sweep(f, 0.02)
    r_before = state["truth"]["R_gb_ohm"]
    assert control_request("127.0.0.1", port, {"op": "set_sample", "changes": {"material.sigma_gb_S_per_m": 0.003}})["ok"]
    after = bench["impedance"].sweep(f, 0.02)
    r_after = control_request("127.0.0.1", port, {"op": "state"})["truth"]["R_gb_ohm"]
    assert r_after == pytest.approx(10 * r_before, rel=1e-3)
    # at 1 kHz both arcs are passed: Z' grows by the added GB resistance, 9 × R_gb
    assert after.z_real_ohm[-1] - before.z_real_ohm[-1] == pytest.approx(9 * r_before, rel=0.1)
    bad = control_request("127.0.0.1", port, {"op": "explode"})
    assert not bad["ok"] and "unknown op" in bad["error"]


def test_faults_injected_live_are_recovered_or_reported(bench) -> None:
    port = bench.sim.control.port
    drv = bench["impedance"]
    drv.transport.config.reconnect_backoff_s = 0.02
    f = np.geomspace(1e6, 1e3, 8)
    # overload sentinel: reported, never returned as data
    control_request("127.0.0.1", port, {"op": "add_fault", "role": "impedance", "fault": {"kind": "overload", "every": True, "times": 1}})
    with pytest.raises(InstrumentError, match="(?i)overload"):
        drv.sweep(f, 0.02)
    # cable pulled between sweeps: the next sweep reconnects and measures
    control_request("127.0.0.1", port, {"op": "drop_connections", "role": "impedance"})
    spec = drv.sweep(f, 0.02)
    assert len(spec) == 8 and np.all(np.isfinite(spec.z))
    fired = control_request("127.0.0.1", port, {"op": "state"})["faults_fired"]["impedance"]
    assert any(kind == "overload" for kind, _ in fired)


def test_sim_serve_prints_resources_a_plain_pyvisa_client_can_use() -> None:
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "ssbcert", "sim", "serve", "--duration-s", "20"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    try:
        resources: dict[str, str] = {}
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(resources) < 3:
            line = proc.stdout.readline()
            m = re.search(r"(impedance|temperature|dc)\s.*?(TCPIP::127\.0\.0\.1::\d+::SOCKET)", line)
            if m:
                resources[m.group(1)] = m.group(2)
        assert set(resources) == {"impedance", "temperature", "dc"}
        rm = pyvisa.ResourceManager("@py")
        inst = rm.open_resource(resources["temperature"], read_termination="\r\n", write_termination="\n", timeout=2000)
        assert inst.query("*IDN?").startswith("LSCI,MODEL336")
        inst.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
