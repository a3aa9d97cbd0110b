"""The control channel validates every request against its schema: a bad one gets an error reply,
nothing changes, and the twins keep answering."""
from __future__ import annotations

import numpy as np
import pytest

from ssbcert.drivers.catalog import entry
from ssbcert.sim_instruments.bench import SimBench, TwinSpec
from ssbcert.sim_instruments.server import control_request


@pytest.fixture
def sim():
    b = SimBench({"impedance": TwinSpec("keysight_e4990a"), "temperature": TwinSpec("lakeshore_336")}, time_scale=1000.0)
    yield b
    b.close()


def _ask(sim: SimBench, req: dict) -> dict:
    return control_request("127.0.0.1", sim.control.port, req)


REFUSED = [
    ({"op": "set_stage", "changes": {"sensor_K": 1}}, "sensor_K: Extra inputs are not permitted"),
    ({"op": "set_stage", "changes": {"read_sensor_K": 1}}, "Extra inputs"),
    ({"op": "set_stage", "changes": {"heater_range": 9}}, "heater_range"),
    ({"op": "set_sample", "changes": {"material.sigma_gb_S_per_m": "lots"}}, "material.sigma_gb_S_per_m"),
    ({"op": "set_sample", "changes": {"geometry.cell_constant_per_m": 3}}, "unknown parameter"),
    ({"op": "set_sample", "changes": {"thermal": None}}, "unknown parameter"),
    ({"op": "add_fault", "role": "impedance", "fault": {"kind": "garble", "match": "(("}}, "not a regular expression"),
    ({"op": "add_fault", "role": "oven", "fault": {"kind": "garble", "at": 1}}, "unknown role 'oven'"),
    ({"op": "drop_connections"}, "role: Field required"),
    ({"op": "explode"}, "unknown op 'explode'"),
    (["state"], "expected a JSON object"),
]


@pytest.mark.parametrize("req,fragment", REFUSED, ids=[str(r)[:40] for r, _ in REFUSED])
def test_refused_request_gets_an_error_reply_and_the_twins_live_on(sim: SimBench, req, fragment: str) -> None:
    stage_methods = {k: getattr(sim.sample.thermal, k) for k in dir(type(sim.sample.thermal)) if not k.startswith("__")}
    reply = _ask(sim, req)
    assert reply["ok"] is False and fragment in reply["error"], reply
    assert {k: getattr(sim.sample.thermal, k) for k in stage_methods} == stage_methods  # nothing replaced
    temp = entry("lakeshore_336").driver_class().open(sim.resources["temperature"], clock=sim.clock, timeout_s=2)
    imp = entry("keysight_e4990a").driver_class().open(sim.resources["impedance"], clock=sim.clock, timeout_s=2)
    try:
        assert 250 < temp.read_temperature_K() < 350
        assert np.all(np.isfinite(imp.sweep(np.geomspace(1e6, 1e3, 6), 0.02).z))
    finally:
        temp.close()
        imp.close()
    assert _ask(sim, {"op": "state"})["ok"]


def test_valid_stage_change_applies(sim: SimBench) -> None:
    assert _ask(sim, {"op": "set_stage", "changes": {"oscillation_K": 1.5}}) == {"ok": True}
    assert sim.sample.thermal.oscillation_K == 1.5


def test_token_when_configured() -> None:
    sim = SimBench({"impedance": TwinSpec("keysight_e4990a")}, control_token="s3cret")
    try:
        assert _ask(sim, {"op": "state"}) == {"ok": False, "error": "refused: missing or wrong token"}
        assert _ask(sim, {"op": "state", "token": "guess"})["ok"] is False
        assert _ask(sim, {"op": "state", "token": "s3cret"})["ok"] is True
    finally:
        sim.close()


def test_garbage_line_does_not_close_the_channel(sim: SimBench) -> None:
    import json
    import socket

    with socket.create_connection(("127.0.0.1", sim.control.port), timeout=5) as s, s.makefile("rwb") as f:
        f.write(b"{not json\n")
        f.flush()
        assert json.loads(f.readline())["ok"] is False
        f.write(b'{"op": "state"}\n')
        f.flush()
        assert json.loads(f.readline())["ok"] is True
