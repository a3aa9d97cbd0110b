"""Lake Shore 336/335 drivers against their twins over real sockets (pyvisa-py)."""
from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from ssbcert.drivers.base import StabilityResult
from ssbcert.drivers.temperature.lakeshore_336 import PACING_S, LakeShore335, LakeShore336, LakeShoreError
from ssbcert.drivers.transport import TransportTimeout
from ssbcert.sim_instruments.clock import SimClock
from ssbcert.sim_instruments.faults import FaultPlan, FaultRule
from ssbcert.sim_instruments.sample import VirtualSample
from ssbcert.sim_instruments.thermal import ThermalStage
from ssbcert.sim_instruments.twin import SimEnvironment
from ssbcert.sim_instruments.twins.lakeshore_336 import LakeShore335Twin, LakeShore336Twin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from runner import load_table, run_table  # noqa: E402

CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance" / "lakeshore_33x.yaml"
T25, T60 = 298.15, 333.15


def open_pair(env, serve, twin_cls=LakeShore336Twin, driver_cls=LakeShore336, timeout_s: float = 1.0, **twin_options):
    twin = twin_cls(env, **twin_options)
    server = serve(twin)
    return twin, server, driver_cls.open(server.resource, clock=env.clock, timeout_s=timeout_s)


def test_identity_readings_and_esr_on_every_message(sim_env, serve) -> None:
    twin, server, drv = open_pair(sim_env, serve)
    try:
        snap = drv.identify()
        assert snap.idn == "LSCI,MODEL336,LSA2CMQ/LSA2C8R,2.9"
        assert snap.settings["ramp"] == "0,10.0"
        value = drv.read_temperature_K()
        assert value == pytest.approx(sim_env.sample.thermal.stage_K, abs=0.05)
        # raw wire format: reply;ESR with CR LF; LF or CR LF accepted on input
        drv.transport.write_raw(b"KRDG? A;*ESR?\r\n")
        raw = drv.transport._res.read_raw()
        assert raw.endswith(b";0\r\n") and raw[:1] == b"+"
        assert drv.exchange("KRDG? 0")[0].count(",") == 3  # all four inputs
        # readings refresh at 10 Hz: one value per 100 ms slot of instrument time
        now = sim_env.clock.now() + 10.0
        slot = int(now * 10) / 10
        assert twin._kelvin("A", slot + 0.01) == twin._kelvin("A", slot + 0.09) != twin._kelvin("A", slot + 0.11)
    finally:
        drv.close()
    assert twin.range == {1: 0, 2: 0, 3: 0, 4: 0}  # close → heaters off


def test_bad_commands_set_esr_bits_and_raise(sim_env, serve) -> None:
    twin, server, drv = open_pair(sim_env, serve)
    try:
        with pytest.raises(LakeShoreError, match=r"'FOO 1'.*command error \(\*ESR\? = 32\)"):
            drv.exchange("FOO 1")
        with pytest.raises(LakeShoreError, match=r"'PID 1,5000,20,0'.*execution error \(\*ESR\? = 16\)"):
            drv.exchange("PID 1,5000,20,0")  # twin-side range check
        with pytest.raises(LakeShoreError, match="execution error"):
            drv.exchange("KRDG? E")
        with pytest.raises(LakeShoreError, match="command error"):
            drv.exchange("SETP 1")  # missing argument
        assert drv.exchange("PID? 1") == ["+50.0,+20.0,+0"]  # unchanged
        # driver-side refusal: nothing reaches the controller
        sent = server.messages
        with pytest.raises(ValueError, match=r"P: expected 0.1..1000.0, found 5000"):
            drv.set_pid(5000, 20, 0)
        with pytest.raises(ValueError, match="setpoint: expected 30..800 K"):
            drv.set_temperature(1200.0)
        with pytest.raises(ValueError, match="ramp: expected 0.1..100 K/min"):
            drv.set_temperature(T60, 500.0)
        assert server.messages == sent
        # error injection: an ESR bit raised by the controller is reported on the next message
        twin.faults.add(FaultRule("error", match="RAMPST", at=1, params={"code": -200}))
        with pytest.raises(LakeShoreError, match="execution error"):
            drv.ramping()
    finally:
        drv.close()


def test_temperature_step_25_to_60_settles_in_band(sim_env, serve) -> None:
    twin, server, drv = open_pair(sim_env, serve)
    try:
        drv.set_temperature(T25, None)
        assert drv.wait_stable(T25, 0.1, 60.0, 1800.0, 5.0).stable
        t0 = sim_env.clock.now()
        drv.set_temperature(T60, 10.0)
        assert drv.ramping()
        result = drv.wait_stable(T60, 0.1, 120.0, 3600.0, 5.0)
        assert isinstance(result, StabilityResult) and result.stable, result.reason
        assert abs(result.mean_K - T60) < 0.1 and result.sd_K < 0.05
        estimate = drv.estimate_settle_s(T25, T60, 10.0, 120.0)
        assert estimate == pytest.approx(330.0)
        assert 0.9 * estimate <= result.elapsed_s <= 3 * estimate, result
        assert sim_env.clock.now() - t0 == pytest.approx(result.elapsed_s, abs=30.0)
        assert twin.outmode[1] == (1, 1, 0) and twin.range[1] == 3 and twin.setp[1] == pytest.approx(T60)
        assert not drv.ramping() and 0.0 < drv.heater_percent() < 100.0
        # the sample (input B) follows with its gradient, close to but not at the setpoint
        (sample_K,) = drv.query_values("KRDG? B")
        assert sample_K == pytest.approx(sim_env.sample_temperature_K(), abs=0.05)
        assert 0.05 < T60 - sample_K < 0.5
        print(f"\n336: 25→60 °C stable after {result.elapsed_s:.0f} s instrument time, {drv.messages} messages")
    finally:
        drv.close()


def test_never_stable_returns_not_stable_at_timeout(sim_env, serve) -> None:
    plan = FaultPlan([FaultRule("unstable_temperature", match="KRDG", at=1, params={"amplitude_K": 2.0})])
    twin, server, drv = open_pair(sim_env, serve, faults=plan)
    try:
        drv.set_temperature(T25, None)
        wall = time.monotonic()
        result = drv.wait_stable(T25, 0.1, 60.0, 900.0, 5.0)
        assert not result.stable
        assert 900.0 <= result.elapsed_s < 960.0
        assert result.sd_K > 0.5 and "not stable within 900 s" in result.reason and "deviate up to" in result.reason
        assert time.monotonic() - wall < 5.0
    finally:
        drv.close()


def test_pacing_twin_drops_early_messages_driver_paces(serve) -> None:
    clock = SimClock(time_scale=1.0)  # real time: pacing is a wall-clock matter here
    sample = VirtualSample.preset("LLZO")
    sample.thermal = ThermalStage(start_K=T25, t0_s=clock.now())
    env = SimEnvironment(clock, sample)
    twin, server, drv = open_pair(env, serve, timeout_s=0.5)
    try:
        with socket.create_connection((server.host, server.port), timeout=1.0) as raw:
            time.sleep(PACING_S * 1.5)
            raw.sendall(b"KRDG? A\nKRDG? B\n")  # back to back: the second is lost
            time.sleep(0.3)
            raw.settimeout(0.3)
            reply = raw.recv(1024)
        assert reply.count(b"\r\n") == 1 and twin.ignored == 1
        time.sleep(PACING_S * 1.5)
        first = len(twin.arrivals)
        for _ in range(4):
            drv.read_temperature_K()
        gaps = [b - a for a, b in zip(twin.arrivals[first:], twin.arrivals[first + 1 :])]
        assert len(gaps) == 3 and min(gaps) >= PACING_S and twin.ignored == 1
    finally:
        drv.close()


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule("delay", match="KRDG", at=2, params={"seconds": 0.6}),
        FaultRule("no_reply", match="KRDG", at=2),
        FaultRule("garble", match="KRDG", at=2),
        FaultRule("disconnect", match="KRDG", at=2),
    ],
    ids=lambda r: r.kind,
)
def test_transport_faults_recovered(sim_env, serve, rule) -> None:
    plan = FaultPlan([rule], seed=5)
    twin, server, drv = open_pair(sim_env, serve, faults=plan, timeout_s=0.3)
    try:
        drv.set_temperature(T25, None)
        values = [drv.read_temperature_K() for _ in range(4)]
        assert plan.log[0][0] == rule.kind
        assert all(190.0 < v < 310.0 for v in values)  # real readings (heating back from the bath), none corrupted
        assert drv.read_temperature_K() == pytest.approx(sim_env.sample.thermal.stage_K, abs=0.5)
        assert drv.exchange("*IDN?")[0].startswith("LSCI,MODEL336")  # in step afterwards
    finally:
        drv.close()


def test_timeout_without_retry_budget_is_reported(sim_env, serve) -> None:
    plan = FaultPlan([FaultRule("no_reply", match="KRDG", every=True, times=0)])
    twin, server, drv = open_pair(sim_env, serve, faults=plan, timeout_s=0.2)
    try:
        with pytest.raises(TransportTimeout, match="KRDG"):
            drv.read_temperature_K()
    finally:
        drv.close()


def test_overload_status_refused(sim_env, serve) -> None:
    plan = FaultPlan([FaultRule("overload", match="KRDG", at=2)])
    twin, server, drv = open_pair(sim_env, serve, faults=plan)
    try:
        drv.read_temperature_K()
        with pytest.raises(LakeShoreError, match="input A reading status 160: temperature over range, sensor units over range"):
            drv.read_temperature_K()
        drv.clock.sleep(0.2)
        assert drv.read_temperature_K() > 0
    finally:
        drv.close()


def test_temperature_limit_turns_heaters_off(sim_env, serve) -> None:
    twin, server, drv = open_pair(sim_env, serve)
    try:
        drv.exchange("TLIMIT A,310")
        drv.set_temperature(T60, None)
        drv.wait_stable(T60, 0.1, 60.0, 900.0, 5.0)
        assert drv.exchange("RANGE? 1") == ["0"]
        assert drv.read_temperature_K() < 315.0
    finally:
        drv.close()


def test_model_335_two_inputs_two_outputs(sim_env, serve) -> None:
    twin, server, drv = open_pair(sim_env, serve, LakeShore335Twin, LakeShore335)
    try:
        assert drv.identify().idn == "LSCI,MODEL335,LSA2Q6U/LSA2QB6,2.0"
        assert drv.exchange("KRDG? 0")[0].count(",") == 1
        with pytest.raises(LakeShoreError, match="execution error"):
            drv.exchange("KRDG? C")
        with pytest.raises(LakeShoreError, match="command error|execution error"):
            drv.exchange("RANGE 3,1")
        drv.set_temperature(T25, 5.0)
        assert twin.range[1] == 3
        assert LakeShore335.serial_settings is not None and LakeShore335.serial_settings["baud_rate"] == 57600
        assert LakeShore335.serial_settings["data_bits"] == 7
    finally:
        drv.close()
    assert twin.range == {1: 0, 2: 0}


@pytest.mark.parametrize("twin_cls", [LakeShore336Twin, LakeShore335Twin], ids=["336", "335"])
def test_conformance_table(sim_env, serve, twin_cls) -> None:
    table = load_table(CONFORMANCE)
    server = serve(twin_cls(sim_env, **table.twin_options))
    rows = [r for r in table.rows if twin_cls is LakeShore336Twin or "336 only" not in r.note]
    rows = [r for r in rows if twin_cls is LakeShore335Twin or "335 only" not in r.note]
    table.rows = rows
    failures = run_table(table, server.host, server.port, time_scale=sim_env.clock.time_scale)
    assert not failures, "\n".join(failures)


def test_third_party_client_style(sim_env, serve) -> None:
    """Plain pyvisa the way Lake Shore's own client talks: `;*ESR?` appended, CR LF replies, paced writes."""
    import pyvisa

    server = serve(LakeShore336Twin(sim_env))
    inst = pyvisa.ResourceManager("@py").open_resource(server.resource, read_termination="\r\n", write_termination="\r\n", timeout=2000)
    try:
        assert inst.query("*IDN?;*ESR?") == "LSCI,MODEL336,LSA2CMQ/LSA2C8R,2.9;0"
        assert inst.query("RAMP 1,1,5.0;SETP 1,310.0;RANGE 1,3;*ESR?") == "0"  # ramp first, then the target
        kelvin, esr = inst.query("KRDG? A;*ESR?").split(";")
        assert float(kelvin) > 0 and esr == "0"
        assert inst.query("RAMP? 1;RAMPST? 1;*ESR?").split(";")[:2] == ["1,5.0", "1"]
        assert inst.query("RANGE 1,0;*ESR?") == "0"
    finally:
        inst.close()
