"""Keysight E4980A/AL driver against its twin, over real sockets through pyvisa-py."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
import pyvisa

from ssbcert.drivers.impedance.keysight_e4980a import KeysightE4980A, measurement_time_s
from ssbcert.drivers.impedance.keysight_e4990a import OverloadError
from ssbcert.errors import InstrumentError
from ssbcert.sim_instruments.faults import FaultPlan, FaultRule
from ssbcert.sim_instruments.twin import SimEnvironment
from ssbcert.sim_instruments.twins.keysight_e4980a import E4980ATwin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from runner import load_table, run_table  # noqa: E402

CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance" / "keysight_e4980a.yaml"
SPECTRUM = np.geomspace(2e6, 20.0, 250)  # high → low, two lists


@pytest.fixture
def env(sim_env: SimEnvironment) -> SimEnvironment:
    """The stage holds its start temperature (25 °C) in closed loop, so the sample temperature is steady."""
    return sim_env


def open_pair(env, serve, faults=None, timeout_s=1.0, **twin_options):
    twin = E4980ATwin(env, faults=faults, seed=5, **twin_options)
    server = serve(twin)
    drv = KeysightE4980A.open(server.resource, clock=env.clock, timeout_s=timeout_s)
    drv.transport.config.reconnect_backoff_s = 0.02
    return twin, server, drv


def within_noise(spec, env, rel=8e-3) -> None:
    z_true = env.sample.impedance(spec.frequency_Hz, env.sample_temperature_K())
    err = np.abs(spec.z - z_true) / np.abs(z_true)
    assert err.max() < rel, f"max relative deviation {err.max():.2e}"


def test_list_sweep_in_chunks_matches_sample(env, serve) -> None:
    twin, server, drv = open_pair(env, serve)
    with drv:
        t0 = env.clock.now()
        spec = drv.sweep(SPECTRUM, 0.5, bandwidth="MEDIUM")
        elapsed = env.clock.now() - t0
        within_noise(spec, env)
        assert spec.frequency_Hz.tolist() == pytest.approx(SPECTRUM.tolist())  # order kept
        expected = drv.estimate_sweep_s(SPECTRUM, "MED")
        assert expected == pytest.approx(measurement_time_s(SPECTRUM[:201], "MED") + measurement_time_s(SPECTRUM[201:], "MED"))
        assert expected <= elapsed < expected + env.clock.time_scale * 2.0  # 2 s of wall slack (loaded CI)
        assert KeysightE4980A.__new__(KeysightE4980A).estimate_sweep_s(SPECTRUM, "MED", 1) == pytest.approx(expected)
        assert np.all(np.diff(spec.time_s) > 0)
        assert spec.meta["lists"] == 2 and spec.meta["function"] == "RX" and spec.meta["model"] == "E4980A"
        assert twin.state["function"] == "RX" and twin.state["page"] == "LIST"
        # settings unchanged: one round trip per list + one error check
        rt = drv.transport.round_trips
        drv.sweep(SPECTRUM, 0.5, bandwidth="MED")
        assert drv.transport.round_trips - rt == 3
        # LONG integration with averaging: less noise, more time
        f = np.geomspace(1e3, 1e5, 5)
        t0 = env.clock.now()
        within_noise(drv.sweep(f, 1.0, bandwidth="long", averaging=8), env, rel=1e-3)
        assert env.clock.now() - t0 >= measurement_time_s(f, "LONG", 8)


def test_e4980al_limits_and_error_queue(env, serve) -> None:
    twin, _, drv = open_pair(env, serve, model="E4980AL", max_frequency_Hz=1e6)
    with drv:
        assert drv.query("*IDN?").split(",")[1] == "E4980AL"
        drv.write(":FREQ 1.5E6;:VOLT 3;:APER LONG,300;:BIAS:VOLT 1;:LIST:FREQ " + ",".join(["1E3"] * 202))
        assert drv.read_errors() == [
            (-222, "Data out of range"),
            (-222, "Data out of range"),
            (-222, "Data out of range"),
            (-222, "Data out of range"),
            (-108, "Parameter not allowed"),
        ]
        assert drv.query(":SYST:ERR?") == '+0,"No error"'
        with pytest.raises(ValueError, match="frequency"):
            drv.sweep([1e3, 1.5e6], 0.5)  # the driver read *IDN?: an AL with 1 MHz
        with pytest.raises(ValueError, match="AC amplitude"):
            drv.sweep([1e3], 3.0)
        with pytest.raises(ValueError, match="averaging"):
            drv.sweep([1e3], 0.5, averaging=300)
        with pytest.raises(ValueError, match="DC bias"):
            drv.sweep([1e3], 0.5, dc_bias_V=1.0)  # standard unit: 0, 1.5 or 2 V
        with pytest.raises(ValueError, match="aperture"):
            drv.sweep([1e3], 0.5, bandwidth="FAST")
        assert drv.query(":SYST:ERR?") == '+0,"No error"'
        within_noise(drv.sweep([1e3, 1e6], 0.5, dc_bias_V=1.5), env)
    assert twin.state["bias_state"] is False  # safe state on close


def test_third_party_list_sweep_with_status_polling(env, serve) -> None:
    """A pymeasure-style client: list sweep, poll :STAT:OPER? bit 3, then :FETC? (4 values per point)."""
    twin = E4980ATwin(env, seed=1)
    server = serve(twin)
    rm = pyvisa.ResourceManager("@py")
    inst = rm.open_resource(server.resource, read_termination="\n", write_termination="\r\n", timeout=2000)
    try:
        inst.write("*TRG")  # trigger source INT: ignored with -211
        assert inst.query(":SYST:ERR?") == '-211,"Trigger ignored"'
        freqs = [20.0, 1e3, 1e4, 1e5]
        inst.write(":FUNC:IMP RX;:TRIG:SOUR BUS;:DISP:PAGE LIST;:LIST:MODE SEQ;:APER LONG,128")
        inst.write(":LIST:FREQ " + ",".join(f"{f:g}" for f in freqs))
        inst.query(":STAT:OPER?")  # clear the event register
        inst.write("*TRG")
        polls = 0
        while not int(inst.query(":STAT:OPER?")) & 8:
            polls += 1
            time.sleep(0.002)
        assert polls > 0  # the list takes instrument time
        values = [float(v) for v in inst.query(":FETC?").split(",")]
        assert len(values) == 16 and values[2::4] == [0.0] * 4 and values[3::4] == [0.0] * 4
        z = np.array(values[0::4]) + 1j * np.array(values[1::4])
        z_true = env.sample.impedance(np.array(freqs), env.sample_temperature_K())
        assert np.max(np.abs(z - z_true) / np.abs(z_true)) < 2e-3
        inst.write(":FORM REAL")
        inst.write(":TRIG")
        block = inst.query_binary_values(":FETC?", datatype="d", is_big_endian=True)
        assert len(block) == 16
    finally:
        inst.close()


def test_conformance_table(env, serve) -> None:
    table = load_table(CONFORMANCE)
    server = serve(E4980ATwin(env, **table.twin_options))
    failures = run_table(table, server.host, server.port)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule("delay", match=r"FETC", at=1, params={"seconds": 0.5}),
        FaultRule("no_reply", match=r"FETC", at=2),
        FaultRule("garble", match=r"FETC", at=1),
        FaultRule("disconnect", match=r"FETC", at=2),
    ],
    ids=lambda r: f"{r.kind}-{r.at}",
)
def test_transport_faults_recovered(env, serve, rule: FaultRule) -> None:
    plan = FaultPlan([rule], seed=4)
    twin, _, drv = open_pair(env, serve, faults=plan, timeout_s=0.3)
    with drv:
        spec = drv.sweep(SPECTRUM, 0.5, bandwidth="SHORT")
        within_noise(spec, env, rel=2e-2)
        assert plan.log and plan.log[0][0] == rule.kind
        within_noise(drv.sweep(SPECTRUM[:20], 0.5, bandwidth="SHORT"), env, rel=2e-2)


def test_instrument_error_and_overload_are_reported(env, serve) -> None:
    plan = FaultPlan(
        [
            FaultRule("error", match=r"FETC", at=1, params={"code": -230, "message": "Data corrupt or stale"}),
            FaultRule("overload", match=r"FETC", at=2),
        ],
        seed=3,
    )
    twin, _, drv = open_pair(env, serve, faults=plan)
    with drv:
        with pytest.raises(InstrumentError, match="-230,Data corrupt or stale"):
            drv.sweep([1e3, 1e4], 0.5)
        with pytest.raises(OverloadError, match=r"status \+1"):
            drv.sweep([1e3, 1e4], 0.5)
        within_noise(drv.sweep([1e3, 1e4], 0.5), env)
