"""Keithley 2450 driver against its twin over real sockets (pyvisa-py), with every fault kind."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from ssbcert.drivers.dc.keithley_2450 import (
    ComplianceTrip,
    Keithley2450,
    MeasurementOverflow,
    PolarizationError,
    duration_loop_points,
    loop_period_s,
    plan_loop,
)
from ssbcert.sim_instruments.faults import FaultPlan, FaultRule
from ssbcert.sim_instruments.twin import SimEnvironment
from ssbcert.sim_instruments.twins.keithley_2450 import Keithley2450Twin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from runner import load_table, run_table  # noqa: E402

CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance" / "keithley_2450.yaml"
T_K = 298.15


@pytest.fixture
def env(sim_env: SimEnvironment) -> SimEnvironment:
    """The LLZO film held at 25 °C (no stage: the polarization must not see a drifting temperature)."""
    sim_env.sample.thermal = None
    sim_env.sample.stage_temperature_K = T_K
    return sim_env


def open_pair(env, serve, timeout_s: float = 1.0, **twin_options):
    twin = Keithley2450Twin(env, **twin_options)
    server = serve(twin)
    return twin, server, Keithley2450.open(server.resource, clock=env.clock, timeout_s=timeout_s)


def as_sent(twin: Keithley2450Twin) -> np.ndarray:
    """The twin's buffer as its ASCII transfer renders it (6 decimals in the mantissa)."""
    return np.array([float(f"{v:.6E}") for v in twin.buffers["defbuffer1"].reading])


def expected_sigma(current: np.ndarray, nplc: float) -> np.ndarray:
    """The twin's noise model: relative noise plus range floor, both / sqrt(NPLC)."""
    from ssbcert.drivers.dc.keithley_2450 import autorange_for

    ranges = np.array([autorange_for(i) for i in current])
    return (Keithley2450Twin.default_noise * np.abs(current) + 2e-6 * ranges) / np.sqrt(nplc) + ranges * 1e-6


def test_polarization_trace_matches_sample(env, serve) -> None:
    env.clock.time_scale = 300.0  # 300 s of polarization = 1 s wall: several polls even on a loaded machine
    twin, server, drv = open_pair(env, serve)
    batches: list[tuple[np.ndarray, np.ndarray]] = []
    try:
        trace = drv.polarize(0.5, 300.0, 1.0, 1e-3, on_points=lambda t, i: batches.append((t, i)))
        nplc, delay = plan_loop(1.0, 1.0)
        assert len(trace) == duration_loop_points(300.0, delay, nplc) == trace.meta["points_expected"]
        assert np.allclose(np.diff(trace.time_s), loop_period_s(delay, nplc))
        assert trace.time_s[0] == pytest.approx(delay)
        ideal = env.sample.dc_current(0.5, trace.time_s, T_K)
        z = (trace.current_A - ideal) / expected_sigma(ideal, nplc)
        assert np.max(np.abs(z)) < 6.0 and abs(np.mean(z)) < 0.5
        # streamed while running: several batches that add up to the trace
        assert len(batches) >= 2
        assert np.array_equal(np.concatenate([b[1] for b in batches]), trace.current_A)
        m = trace.meta
        assert m["idn"].startswith("KEITHLEY INSTRUMENTS,MODEL 2450") and m["trigger_model"] == "DurationLoop"
        assert m["compliance_tripped"] is False and m["voltage_V"] == 0.5
        assert drv.query(":OUTP?") == "0"  # output off at the end
        assert twin.state["data_format"] == "ASC"  # checked ASCII (see Keithley2450.binary_transfer)
        rt = drv.transport.round_trips
        print(f"\n2450: {len(trace)} points / 300 s, {m['polls']} polls, {rt} round trips")
        assert rt < 3 * m["polls"] + 15
    finally:
        drv.close()


def test_estimate_matches_twin_time(env, serve) -> None:
    """The driver's estimate and the twin's loop come from one timing model."""
    twin, server, drv = open_pair(env, serve)
    try:
        trace = drv.polarize(0.2, 120.0, 0.5, 1e-3)
        loop_s = twin.tmodel.total * twin.tmodel.period_s
        assert drv.estimate_polarize_s(120.0, 0.5) == pytest.approx(loop_s + 0.5, rel=1e-6)
        assert trace.time_s[-1] == pytest.approx(loop_s - twin.tmodel.period_s + trace.meta["trigger_delay_s"])
        assert loop_s == pytest.approx(120.0, abs=0.5)
    finally:
        drv.close()


def test_compliance_trip_reported_with_data(env, serve) -> None:
    twin, server, drv = open_pair(env, serve)
    try:
        # the LLZO film's steady electronic current at 0.5 V is ~80 nA: a 10 nA limit trips throughout
        with pytest.raises(ComplianceTrip, match=r"current limit 1e-08 A reached at 0.5 V") as info:
            drv.polarize(0.5, 30.0, 1.0, 1e-8)
        trace = info.value.trace
        assert len(trace) == trace.meta["points_expected"]
        assert np.allclose(trace.current_A, 1e-8, rtol=1e-3)  # clamped at the limit
        assert trace.meta["compliance_points"] == len(trace)
        assert drv.query(":OUTP?") == "0"
    finally:
        drv.close()


def test_old_firmware_falls_back_to_loop_dur(env, serve) -> None:
    twin, server, drv = open_pair(env, serve, firmware="1.1.0s")
    try:
        trace = drv.polarize(0.5, 20.0, 1.0, 1e-3)
        assert trace.meta["trigger_model"] == "LOOP:DUR" and len(trace) == trace.meta["points_expected"]
        assert drv.read_errors() == []  # the -113 of the first try was read and not left behind
        n = server.messages
        drv.polarize(0.5, 5.0, 1.0, 1e-3)
        assert drv._trigger_form == "LOOP:DUR"
        # raw: each firmware knows only its own spelling
        drv.write(':TRIG:LOAD "DurationLoop",10,0.1,"defbuffer1"')
        assert drv.read_errors()[0][0] == -113
        assert server.messages > n
    finally:
        drv.close()
    twin2, server2, drv2 = open_pair(env, serve)
    try:
        drv2.write(':TRIG:LOAD:LOOP:DUR 10,0.1,"defbuffer1"')
        assert drv2.read_errors()[0][0] == -113
    finally:
        drv2.close()


def test_error_queue_round_trip_and_ranges(env, serve) -> None:
    twin, server, drv = open_pair(env, serve)
    try:
        assert drv.query("*LANG?") == "SCPI"
        assert drv.query(':SENS:FUNC?') == '"CURR:DC"'
        drv.write(":NOPE 1")
        drv.write(":SOUR:VOLT 300")  # twin-side range check: the instrument's own -222
        drv.write(":SENS:CURR:NPLC 20")
        errors = drv.read_errors()
        assert [c for c, _ in errors] == [-113, -222, -222]
        assert errors[0][1].startswith("Undefined header;1;") and errors[1][1].startswith("Parameter data out of range;1;")
        assert drv.query(":SYST:ERR?") == '0,"No error;0;0 0"'
        # driver-side refusal before anything is sent
        sent = server.messages
        with pytest.raises(ValueError, match="-210.0..210.0 V"):
            drv.source_voltage_V = 300
        with pytest.raises(ValueError, match="compliance"):
            drv.polarize(1.0, 10.0, 1.0, 2.0)
        with pytest.raises(ValueError, match="interval"):
            drv.polarize(1.0, 10.0, 1e-4, 1e-3)
        assert server.messages == sent
        drv.current_limit_A = 2e-3
        assert drv.current_limit_A == pytest.approx(2e-3)
        assert drv.query(":SOUR:VOLT:ILIM?") == "2.000000E-03"
        # binary format restricts buffer elements (error 1133)
        drv.write(":FORM REAL")
        drv.write(':TRAC:DATA? 1,1,"defbuffer1",READ,TST')
        assert drv.read_errors()[0][0] == 1133
        drv.write(":SYST:CLE")
        assert drv.read_errors() == []
    finally:
        drv.close()


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule("delay", match=r"TRAC:ACT", at=3, params={"seconds": 1.5}),
        FaultRule("no_reply", match=r"TRAC:DATA", at=2),
        FaultRule("garble", match=r"TRAC:DATA", at=2),
        FaultRule("disconnect", match=r"TRAC:ACT", at=4),
    ],
    ids=lambda r: r.kind,
)
def test_transport_faults_mid_polarization_recovered(env, serve, rule) -> None:
    plan = FaultPlan([rule], seed=3)
    twin, server, drv = open_pair(env, serve, timeout_s=0.4, faults=plan)
    try:
        trace = drv.polarize(0.5, 200.0, 1.0, 1e-3)
        assert plan.log and plan.log[0][0] == rule.kind
        assert len(trace) == trace.meta["points_expected"]
        assert np.array_equal(trace.current_A, as_sent(twin))  # nothing lost or corrupted
        assert drv.query(":OUTP?") == "0"
    finally:
        drv.close()


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_garbled_block_never_passes_silently(env, serve, seed) -> None:
    """Every garbled buffer block is refused and fetched again, so the trace equals the instrument's buffer."""
    plan = FaultPlan([FaultRule("garble", match=r"TRAC:DATA", p=0.6, times=0)], seed=seed)
    twin, server, drv = open_pair(env, serve, timeout_s=0.4, faults=plan)
    drv.max_retries = 50
    try:
        trace = drv.polarize(0.5, 100.0, 1.0, 1e-3)
        assert len(plan.log) >= 1
        assert np.array_equal(trace.current_A, as_sent(twin))
    finally:
        drv.close()


def test_overload_readings_reported(env, serve) -> None:
    plan = FaultPlan([FaultRule("overload", match=r"TRAC:ACT", at=2, params={"count": 2})])
    twin, server, drv = open_pair(env, serve, faults=plan)
    try:
        with pytest.raises(MeasurementOverflow, match="2 of .* readings overflowed") as info:
            drv.polarize(0.5, 60.0, 1.0, 1e-3)
        trace = info.value.trace
        assert np.isnan(trace.current_A).sum() == 2 and trace.meta["overflow_points"] == 2
        assert drv.query(":OUTP?") == "0"
    finally:
        drv.close()


def test_injected_instrument_error_reported_and_output_off(env, serve) -> None:
    plan = FaultPlan([FaultRule("error", match=r"OUTP ON", at=1, params={"code": 5010, "message": "Interlock tripped"})])
    twin, server, drv = open_pair(env, serve, faults=plan)
    try:
        with pytest.raises(PolarizationError, match="5010,Interlock tripped") as info:
            drv.polarize(0.5, 10.0, 1.0, 1e-3)
        assert len(info.value.trace) == info.value.trace.meta["points_expected"]  # nothing measured is lost
        assert drv.query(":OUTP?") == "0"
    finally:
        drv.close()


def test_safe_state_on_interrupt(env, serve) -> None:
    twin, server, drv = open_pair(env, serve)

    def stop(t: np.ndarray, i: np.ndarray) -> None:
        raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            drv.polarize(0.5, 600.0, 1.0, 1e-3, on_points=stop)
        assert drv.query(":OUTP?") == "0"
        assert drv.query(":TRIG:STAT?").startswith("ABORTED")
    finally:
        drv.close()
    assert twin.output_on_t is None


def test_single_readings_and_crlf(env, serve) -> None:
    twin, server, drv = open_pair(env, serve)
    try:
        snap = drv.identify()
        assert snap.idn == "KEITHLEY INSTRUMENTS,MODEL 2450,04365704,1.7.12b" and snap.settings["language"] == "SCPI"
        assert snap.settings["current_limit"] == pytest.approx(105e-6) and snap.settings["output"] is False
        assert drv.read_errors() == []
        drv.write(":SOUR:VOLT 0.5;:SOUR:VOLT:ILIM 1e-3;:OUTP ON")
        value = float(drv.query(":MEAS:CURR?"))
        since = env.clock.now() - twin.output_on_t
        hi, lo = env.sample.dc_current(0.5, np.array([0.01, since]), T_K)  # the current decays after the step
        assert lo * 0.99 <= value <= hi * 1.01
        drv.transport.write_raw(b"*IDN?\r\n")
        assert drv.transport.read().startswith("KEITHLEY INSTRUMENTS")
        assert float(drv.query(":MEAS:VOLT?")) == pytest.approx(0.5, abs=1e-3)
        drv.write(":OUTP OFF")
    finally:
        drv.close()


def test_conformance_table(env, serve) -> None:
    table = load_table(CONFORMANCE)
    server = serve(Keithley2450Twin(env, **table.twin_options))
    failures = run_table(table, server.host, server.port)
    assert not failures, "\n".join(failures)


def test_polarization_at_60C_on_a_shared_bench(sim_env, serve) -> None:
    """Lake Shore heats the shared sample, the 2450 measures it: the current follows the sample's temperature."""
    from ssbcert.drivers.temperature.lakeshore_336 import LakeShore336
    from ssbcert.sim_instruments.twins.lakeshore_336 import LakeShore336Twin

    ls = LakeShore336.open(serve(LakeShore336Twin(sim_env)).resource, clock=sim_env.clock, timeout_s=1.0)
    twin, server, drv = open_pair(sim_env, serve)
    try:
        ls.set_temperature(333.15, 20.0)
        assert ls.wait_stable(333.15, 0.1, 300.0, 3600.0, 10.0).stable
        trace = drv.polarize(0.5, 120.0, 1.0, 1e-3)
        T = sim_env.sample_temperature_K()
        assert 332.5 < T < 333.15
        ideal = sim_env.sample.dc_current(0.5, trace.time_s, T)
        z = (trace.current_A - ideal) / expected_sigma(ideal, trace.meta["nplc"])
        assert np.max(np.abs(z)) < 6.0
        warm_vs_room = ideal[-1] / sim_env.sample.dc_current(0.5, trace.time_s[-1:], T_K)[0]
        assert warm_vs_room > 3.0  # electronic conduction is thermally activated
    finally:
        drv.close()
        ls.close()


def test_third_party_client_runs_the_reference_recipe(env, serve) -> None:
    """Plain pyvisa, the §7.3 recipe verbatim, as a script written for the real instrument would run it."""
    import pyvisa

    server = serve(Keithley2450Twin(env))
    inst = pyvisa.ResourceManager("@py").open_resource(server.resource, read_termination="\n", write_termination="\n", timeout=2000)
    try:
        inst.write("*RST")
        inst.write(":SOUR:FUNC VOLT ; :SOUR:VOLT:RANG 2 ; :SOUR:VOLT 0.5 ; :SOUR:VOLT:ILIM 1E-3")
        inst.write(':SENS:FUNC "CURR" ; :SENS:CURR:RANG:AUTO ON ; :SENS:CURR:NPLC 1')
        inst.write(':TRAC:CLE "defbuffer1" ; :TRAC:POIN 100000,"defbuffer1"')
        inst.write(':TRIG:LOAD "DurationLoop",60,0.5,"defbuffer1"')
        inst.write(":OUTP ON ; :INIT")
        inst.write("*WAI")
        n = int(inst.query(':TRAC:ACT? "defbuffer1"'))
        assert n == duration_loop_points(60.0, 0.5, 1.0)
        values = inst.query_ascii_values(f':TRAC:DATA? 1,{n},"defbuffer1",READ,REL')
        inst.write(":FORM REAL;:FORM:BORD NORM")
        block = inst.query_binary_values(f':TRAC:DATA? 1,{n},"defbuffer1",READ,REL', datatype="d", is_big_endian=True)
        assert np.allclose(values, block, rtol=1e-6)
        assert np.allclose(values[1::2], np.arange(n) * loop_period_s(0.5, 1.0))
        inst.write(":FORM ASC")
        inst.write(":OUTP OFF")
        assert inst.query(":SYST:ERR?") == '0,"No error;0;0 0"'
    finally:
        inst.close()
