"""EmStat4 driver against its twin over pyvisa-py sockets: EIS and CA against the virtual sample,
range errors on both sides, and every fault kind recovered or reported."""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ssbcert.drivers.impedance import methodscript as ms
from ssbcert.drivers.impedance.palmsens_emstat4 import SCRIPT_START_S, PalmSensEmStat4, eis_point_time_s
from ssbcert.errors import InstrumentError
from ssbcert.sim_instruments.clock import SimClock
from ssbcert.sim_instruments.faults import FaultPlan, FaultRule
from ssbcert.sim_instruments.sample import VirtualSample
from ssbcert.sim_instruments.twin import SimEnvironment
from ssbcert.sim_instruments.twins.palmsens_emstat4 import EmStat4Twin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from runner import load_table, run_table  # noqa: E402

CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance" / "palmsens_emstat4.yaml"

FREQS = np.logspace(5, 0, 31)  # the vendor example: 31 points, 100 kHz .. 1 Hz


@pytest.fixture
def env() -> SimEnvironment:
    """LLZO held at 25 °C (no stage drift), time 2000× real."""
    return SimEnvironment(SimClock(time_scale=2000.0), VirtualSample.preset("LLZO"))


def open_pair(env: SimEnvironment, serve, faults: FaultPlan | None = None, timeout_s: float = 1.0, **twin_kw):  # type: ignore[no-untyped-def]
    twin = EmStat4Twin(env, faults=faults, seed=3, **twin_kw)
    server = serve(twin)
    drv = PalmSensEmStat4.open(server.resource, clock=env.clock, timeout_s=timeout_s)
    drv.identify()
    return twin, server, drv


def assert_matches_sample(spec, env: SimEnvironment, T_K: float = 298.15, rtol: float = 6e-3) -> None:  # type: ignore[no-untyped-def]
    truth = env.sample.impedance(spec.frequency_Hz, T_K)
    err = np.abs(spec.z / truth - 1.0)
    assert err.max() < rtol, f"worst point {spec.frequency_Hz[err.argmax()]:g} Hz off by {err.max():.2%}"


def test_identity_and_variant(env, serve) -> None:
    twin, _, drv = open_pair(env, serve, variant="es4_hr", serial="ES4HR1")
    snap = PalmSensEmStat4.identify(drv)
    assert snap.idn.startswith("PalmSens,es4_hr,ES4HR1,")
    assert drv.variant.max_current_A == pytest.approx(0.2)
    # one capabilities object serves both roles (pre-flight reads `capabilities` for impedance and dc)
    assert drv.capabilities.voltage_V.maximum == 6.0 and drv.capabilities.current_limit_A.maximum == pytest.approx(0.2)
    assert PalmSensEmStat4.capabilities.frequency_Hz.maximum == 200e3
    assert PalmSensEmStat4.capabilities.voltage_V.maximum == 3.0  # the class default is the LR
    assert snap.settings["methodscript"] == "1.4"
    drv.close()


def test_eis_sweep_reproduces_sample(env, serve) -> None:
    twin, _, drv = open_pair(env, serve)
    spec = drv.sweep(FREQS, 0.01)
    assert len(spec) == 31
    np.testing.assert_allclose(spec.frequency_Hz, FREQS, rtol=1e-5)
    assert_matches_sample(spec, env)
    assert np.all(np.diff(spec.time_s) > 0)
    assert spec.meta["amplitude_V_rms"] == 0.01 and spec.meta["variant"] == "es4_lr"
    # one source of truth for timing: the estimate is what the twin spent
    assert drv.estimate_sweep_s(FREQS) == pytest.approx(twin.busy_s, rel=1e-9)
    assert drv.estimate_sweep_s([1.0]) == pytest.approx(SCRIPT_START_S + eis_point_time_s(1.0))
    assert 20 < drv.estimate_sweep_s(FREQS) < 120  # "order of 1-2 min" for this sweep (§5.5)
    drv.close()
    assert twin.cell_is_on is False


def test_arbitrary_frequency_list_and_temperature(env, serve) -> None:
    """Not log-uniform → several loops in one script; values follow the sample temperature."""
    env.sample.stage_temperature_K = 340.0
    twin, _, drv = open_pair(env, serve)
    freqs = [1e5, 1e4, 1e3, 500.0, 20.0, 7.0]
    spec = drv.sweep(freqs, 0.005, dc_bias_V=0.0)
    assert np.allclose(spec.frequency_Hz, freqs, rtol=1e-5)
    assert_matches_sample(spec, env, T_K=340.0)
    drv.close()


def test_ca_trace_reproduces_dc_current(env, serve) -> None:
    twin, _, drv = open_pair(env, serve)
    batches: list[int] = []
    trace = drv.polarize(0.1, 600.0, 5.0, 1e-3, on_points=lambda t, i: batches.append(len(t)))
    assert len(trace) == 120 and len(batches) == 120
    assert trace.time_s[0] == pytest.approx(5.0, abs=0.5) and np.allclose(np.diff(trace.time_s), 5.0, atol=1e-3)
    truth = env.sample.dc_current(0.1, trace.time_s - trace.time_s[0] + 5.0, 298.15)
    rel = np.abs(trace.current_A / truth - 1.0)
    assert rel.max() < 0.01 and abs(np.mean(trace.current_A / truth) - 1.0) < 1e-3
    assert trace.voltage_V == 0.1 and trace.meta["compliance_A"] == 1e-3
    drv.close()
    assert twin.cell_is_on is False


def test_ranges_refused_by_driver(env, serve) -> None:
    _, _, drv = open_pair(env, serve)
    with pytest.raises(ValueError, match="frequency"):
        drv.sweep([300e3, 1e3], 0.01)
    with pytest.raises(ValueError, match="amplitude"):
        drv.sweep(FREQS, 0.5)
    with pytest.raises(ValueError, match="voltage"):
        drv.polarize(5.0, 10.0, 1.0, 1e-3)
    with pytest.raises(ValueError, match="compliance"):
        drv.polarize(0.1, 10.0, 1.0, 1.0)
    drv.close()


def run_raw(drv: PalmSensEmStat4, lines: list[str], n_replies: int) -> list[str]:
    for line in lines:
        drv.transport.write(line)
    return [drv.transport.read() for _ in range(n_replies)]


def test_ranges_and_syntax_refused_by_twin(env, serve) -> None:
    _, _, drv = open_pair(env, serve)
    out = run_raw(drv, ["e", "var f", "var r", "var j", "meas_loop_eis f r j 10m 300k 1 31 0", "endloop", ""], 3)
    assert out == ["e", "!4004: Line 4, Col 1", ""]
    out = run_raw(drv, ["e", "var f", "  set_pgstat_modus 3", ""], 3)
    assert out == ["e", "!4001: Line 2, Col 3", ""]
    out = run_raw(drv, ["e", "pck_add q", ""], 3)
    assert out == ["e", "!4005: Line 1, Col 1", ""]
    out = run_raw(drv, ["e", "var c", "var p", "meas_loop_ca p c 100m 1 10", ""], 3)
    assert out == ["e", "!4006: Line 3, Col 1", ""]
    assert run_raw(drv, ["Z"], 1) == ["Z!0006"]  # nothing running
    assert drv.transport.query("v") == "v1.4"  # still in step
    drv.close()


def test_abort_mid_script(env, serve) -> None:
    twin, _, drv = open_pair(env, serve)
    lines = ms.build_script(ms.CA_TEMPLATE, {"bandwidth": 40, "e_dc": 0.1, "i_range": 1e-6, "i_min": 1e-9,
                                             "i_max": 1e-3, "t_interval": 1.0, "t_run": 1e5})
    assert run_raw(drv, lines, 3)[:2] == ["e", "M0000"]
    assert twin.cell_is_on
    drv.transport.write("Z")
    tail: list[str] = []
    while not tail or tail[-1] != "":
        tail.append(drv.transport.read())
    assert "Z" in tail and twin.packages_sent < 1000
    assert twin.cell_is_on is False  # on_finished: ran
    drv.close()


@pytest.mark.parametrize("kind", ["delay", "no_reply", "garble"])
def test_link_faults_recovered(env, serve, kind: str) -> None:
    params = {"seconds": 0.8} if kind == "delay" else {}
    plan = FaultPlan([FaultRule(kind, match="^$", at=1, params=params)], seed=2)
    twin, _, drv = open_pair(env, serve, plan, timeout_s=0.3)
    spec = drv.sweep(FREQS[::3], 0.01)
    assert len(spec) == 11
    assert_matches_sample(spec, env)
    assert [k for k, _ in plan.log] == [kind]
    drv.close()


def test_dropped_connection_mid_sweep_resumes(serve) -> None:
    env = SimEnvironment(SimClock(time_scale=200.0), VirtualSample.preset("LLZO"))  # slow enough to cut mid-stream
    twin, server, drv = open_pair(env, serve, timeout_s=0.5)

    def cut() -> None:
        deadline = time.monotonic() + 5
        while twin.packages_sent < 8 and time.monotonic() < deadline:
            time.sleep(0.0005)
        server.drop_connections()

    threading.Thread(target=cut, daemon=True).start()
    spec = drv.sweep(FREQS, 0.01)
    assert len(spec) == 31
    np.testing.assert_allclose(spec.frequency_Hz, FREQS, rtol=1e-5)
    assert_matches_sample(spec, env)
    assert twin.scripts_run == 2  # resumed the remaining points, not restarted
    drv.close()


def test_overload_is_a_clear_error(env, serve) -> None:
    plan = FaultPlan([FaultRule("overload", match="^$", at=1, params={"count": 1})])
    twin, _, drv = open_pair(env, serve, plan)
    with pytest.raises(InstrumentError, match="overload"):
        drv.sweep(FREQS, 0.01)
    spec = drv.sweep(FREQS[:5], 0.01)  # the link is usable afterwards
    assert_matches_sample(spec, env)
    # a real overload: 3 ohm cell, 0.25 V amplitude → 83 mA > 30 mA (EmStat4 LR)
    env.sample.update(series_resistance_ohm=0.3, **{"geometry.thickness_m": 1e-6})
    with pytest.raises(InstrumentError, match="overload"):
        drv.sweep([1e5], 0.25)
    drv.close()


def test_device_error_reported(env, serve) -> None:
    plan = FaultPlan([FaultRule("error", match="^$", at=1, params={"code": 0x2010})])
    twin, _, drv = open_pair(env, serve, plan)
    with pytest.raises(InstrumentError, match="!2010"):
        drv.polarize(0.1, 100.0, 10.0, 1e-3)
    trace = drv.polarize(0.1, 100.0, 10.0, 1e-3)
    assert len(trace) == 10
    drv.close()


def test_conformance_table(env, serve) -> None:
    table = load_table(CONFORMANCE)
    server = serve(EmStat4Twin(env, **table.twin_options))
    failures = run_table(table, server.host, server.port, timeout_s=2.0)
    assert not failures, "\n".join(failures)
