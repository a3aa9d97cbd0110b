"""Solartron 1260 driver against its twin over pyvisa-py sockets: spectra against the virtual
sample (polar and rectangular), the shared timing model, ESR error round trips, range refusals on
both sides, and every fault kind recovered or reported."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from ssbcert.drivers.impedance.solartron_1260 import (
    Solartron1260,
    fmt_arg,
    parse_result,
    point_time_s,
    to_complex,
)
from ssbcert.errors import InstrumentError
from ssbcert.sim_instruments.clock import SimClock
from ssbcert.sim_instruments.faults import FaultPlan, FaultRule
from ssbcert.sim_instruments.sample import VirtualSample
from ssbcert.sim_instruments.twin import SimEnvironment
from ssbcert.sim_instruments.twins.solartron_1260 import Solartron1260Twin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from runner import load_table, run_table  # noqa: E402

CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance" / "solartron_1260.yaml"
FREQS = np.logspace(6, -1, 22)  # 1 MHz .. 0.1 Hz, 3 points/decade


@pytest.fixture
def env() -> SimEnvironment:
    """LLZO held at 25 °C (no stage drift), time 5000× real (a 1260 point takes ≥ 1.8 s)."""
    return SimEnvironment(SimClock(time_scale=5000.0), VirtualSample.preset("LLZO"))


def open_pair(env: SimEnvironment, serve, faults: FaultPlan | None = None, timeout_s: float = 1.0):  # type: ignore[no-untyped-def]
    twin = Solartron1260Twin(env, faults=faults, seed=5)
    server = serve(twin)
    drv = Solartron1260.open(server.resource, clock=env.clock, timeout_s=timeout_s)
    return twin, server, drv


def assert_matches_sample(spec, env: SimEnvironment, T_K: float = 298.15, rtol: float = 4e-3) -> None:  # type: ignore[no-untyped-def]
    truth = env.sample.impedance(spec.frequency_Hz, T_K)
    err = np.abs(spec.z / truth - 1.0)
    assert err.max() < rtol, f"worst point {spec.frequency_Hz[err.argmax()]:g} Hz off by {err.max():.2%}"


def test_number_formats() -> None:
    assert fmt_arg(1000.0) == "1.00000E+3"
    assert fmt_arg(1e-5) == "1.00000E-5"
    assert fmt_arg(-40.95) == "-4.09500E+1"
    assert parse_result("+1.0000000E+03,+1.0012E+04,-1.2346E+00,0") == (1000.0, 10012.0, -1.2346, 0)
    with pytest.raises(ValueError):
        parse_result("+1.0000000E+03,+1.0012E+04")
    z = to_complex(2.0, -90.0, polar=True)
    assert z.real == pytest.approx(0.0, abs=1e-12) and z.imag == pytest.approx(-2.0)


@pytest.mark.parametrize("polar", [True, False])
def test_sweep_reproduces_sample(env, serve, polar: bool) -> None:
    twin, _, drv = open_pair(env, serve)
    drv.polar = polar
    spec = drv.sweep(FREQS, 0.01)
    np.testing.assert_allclose(spec.frequency_Hz, FREQS, rtol=1e-5, atol=1e-5)  # 10 µHz resolution
    assert_matches_sample(spec, env)
    assert np.all(np.diff(spec.time_s) > 0)
    assert spec.meta["coordinates"] == ("polar" if polar else "rectangular")
    assert spec.meta["idn"].startswith("SCHLUMBERGER") and spec.meta["integration_s"] == 1.0
    assert spec.meta["round_trips"] == 2 * len(FREQS) + 1  # config *ESR?, then SI line + *ESR? per point
    # one timing model: the estimate is what the twin blocked for; 1.80 s + 1/f at IS 1 s
    assert twin.measurements == len(FREQS)
    assert drv.estimate_sweep_s([1e3]) == pytest.approx(1.80 + 1e-3)
    assert drv.estimate_sweep_s(FREQS) == pytest.approx(sum(point_time_s(f, 1.0) for f in FREQS))
    assert spec.meta["duration_s"] >= drv.estimate_sweep_s(FREQS)
    drv.close()
    assert twin.state["amplitude"] == 0.0  # safe state: generator off


def test_temperature_and_integration(env, serve) -> None:
    env.sample.stage_temperature_K = 360.0
    _, _, drv = open_pair(env, serve)
    spec = drv.sweep(FREQS[::3], 0.02, bandwidth="short", averaging=3)
    assert spec.meta["integration_s"] == pytest.approx(0.3)
    assert_matches_sample(spec, env, T_K=360.0, rtol=6e-3)
    assert drv.estimate_sweep_s([10.0], "long") == pytest.approx(0.8 + 0.1 + 10.0)
    drv.close()


def test_error_status_round_trip(env, serve) -> None:
    _, _, drv = open_pair(env, serve)
    drv.write("*CLS;FR 40E6")
    assert drv.query("*ESR?") == "16"  # execution error: out of range, setting unchanged
    assert drv.query("*ESR?") == "0"  # read clears
    drv.write("ZZ 3")
    with pytest.raises(InstrumentError, match="command error"):
        drv.check_errors("after ZZ")
    drv.write("*ESE 16;*SRE 32;VB 99")
    assert drv.query("*STB?") == "96"
    with pytest.raises(InstrumentError, match="execution error"):
        drv.check_errors()
    drv.check_errors()  # clean again
    drv.close()


def test_ranges_refused_by_driver(env, serve) -> None:
    _, server, drv = open_pair(env, serve)
    before = server.messages
    for kwargs, what in (({"frequencies_Hz": [40e6]}, "frequency"), ({"amplitude_V": 3.5}, "amplitude"),
                         ({"dc_bias_V": 41.0}, "bias"), ({"bandwidth": "huge"}, "bandwidth")):
        args = {"frequencies_Hz": [1e3], "amplitude_V": 0.01, **kwargs}
        with pytest.raises(ValueError, match=what):
            drv.sweep(**args)
    assert server.messages == before  # nothing was sent
    with pytest.raises(ValueError, match="frequency"):
        drv.set("frequency", 1e-6)
    drv.close()


def test_exponent_forms_and_spacing_accepted(env, serve) -> None:
    _, _, drv = open_pair(env, serve)
    drv.write("OP 2,1;CZ 1;VA 1.0000E-2")
    for cmd in ("FR 1.0000E+3;SI", "FR 1.0000E+03;SI", "FR1000;SI", "fr 1e3;si"):
        assert drv.query(cmd).startswith("+1.0000000E+03,"), cmd
    assert drv.query("*ESR?") == "0"
    drv.transport.write_raw(b"*IDN?\n")  # \n accepted as well as \r\n
    assert drv.transport.read().startswith("SCHLUMBERGER")
    drv.close()


def test_stale_line_detected_and_point_retried(env, serve) -> None:
    _, _, drv = open_pair(env, serve)
    drv.configure(0.01, 0.0)
    drv.write("FR 100;SI")  # its line is never read: the next point would see it first
    f, z = drv.measure_point(1000.0, 1.0)
    assert f == pytest.approx(1000.0)
    assert abs(z / env.sample.impedance(1000.0, 298.15)[0] - 1) < 4e-3
    drv.close()


@pytest.mark.parametrize("kind", ["delay", "no_reply", "garble", "disconnect"])
def test_link_faults_recovered(env, serve, kind: str) -> None:
    params = {"seconds": 0.6} if kind == "delay" else {}
    plan = FaultPlan([FaultRule(kind, match=r";SI$", at=4, params=params)], seed=2)
    _, _, drv = open_pair(env, serve, plan, timeout_s=0.3)
    spec = drv.sweep(FREQS[::2], 0.01)
    assert len(spec) == len(FREQS[::2])
    assert_matches_sample(spec, env)
    assert [k for k, _ in plan.log] == [kind]
    drv.close()


def test_overload_and_device_error_reported(env, serve) -> None:
    plan = FaultPlan([FaultRule("overload", match=r";SI$", at=3), FaultRule("error", match=r";SI$", at=6)])
    _, _, drv = open_pair(env, serve, plan)
    with pytest.raises(InstrumentError, match="overload"):
        drv.sweep(FREQS, 0.01)
    with pytest.raises(InstrumentError, match="device-dependent"):
        drv.sweep(FREQS, 0.01)
    spec = drv.sweep(FREQS[:4], 0.01)
    assert_matches_sample(spec, env)
    # a physical overload: 3 V across ~17 ohm is more than the 60 mA current input
    with pytest.raises(InstrumentError, match="overload"):
        drv.sweep([1e6], 3.0)
    drv.close()


def test_conformance_table(env, serve) -> None:
    table = load_table(CONFORMANCE)
    server = serve(Solartron1260Twin(env, **table.twin_options))
    failures = run_table(table, server.host, server.port, timeout_s=2.0)
    assert not failures, "\n".join(failures)
