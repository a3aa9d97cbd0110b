"""Keysight E4990A driver against its twin, over real sockets through pyvisa-py."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
import pyvisa

from ssbcert.drivers.impedance.keysight_e4990a import KeysightE4990A, OverloadError, sweep_time_s
from ssbcert.errors import InstrumentError
from ssbcert.sim_instruments.faults import FaultPlan, FaultRule
from ssbcert.sim_instruments.twin import SimEnvironment
from ssbcert.sim_instruments.twins.keysight_e4990a import E4990ATwin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from runner import load_table, run_table  # noqa: E402

CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance" / "keysight_e4990a.yaml"
LOG_100 = np.geomspace(100.0, 120e6, 100)


@pytest.fixture
def env(sim_env: SimEnvironment) -> SimEnvironment:
    """The LLZO film on a stage holding 25 °C in closed loop (its start state): the sample temperature stays put."""
    return sim_env


def open_pair(env, serve, faults=None, timeout_s=1.0, **twin_options):
    twin = E4990ATwin(env, faults=faults, seed=7, **twin_options)
    server = serve(twin)
    drv = KeysightE4990A.open(server.resource, clock=env.clock, timeout_s=timeout_s)
    drv.transport.config.reconnect_backoff_s = 0.02
    return twin, server, drv


def within_noise(spec, env, rel=6e-3) -> None:
    T = env.sample_temperature_K()
    z_true = env.sample.impedance(spec.frequency_Hz, T)
    err = np.abs(spec.z - z_true) / np.abs(z_true)
    assert err.max() < rel, f"max relative deviation {err.max():.2e}"


def fit_two_arcs(f: np.ndarray, z: np.ndarray) -> dict[str, float]:
    """The project's CNLS fitter (public API of ssbcert.analysis)."""
    from ssbcert.analysis import fit_circuit

    result = fit_circuit(f, z, "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3")
    return dict(zip(result.names, map(float, result.params)))


def test_llzo_film_two_arc_fit_recovers_bulk_and_gb(env, serve) -> None:
    """Acceptance: 25 µm LLZO at 25 °C, 100 Hz..120 MHz, 100 points, 20 mV → R_b, R_gb within 2 %."""
    twin, _, drv = open_pair(env, serve)
    with drv:
        T_before = env.sample_temperature_K()
        spec = drv.sweep(LOG_100, 0.020)
        T_after = env.sample_temperature_K()
    T = 0.5 * (T_before + T_after)
    assert abs(T - 298.15) < 0.5
    truth = env.sample.truth(T)
    p = fit_two_arcs(spec.frequency_Hz, spec.z)
    assert p["R1"] == pytest.approx(truth.R_bulk_ohm, rel=0.02)
    assert p["R2"] == pytest.approx(truth.R_gb_ohm, rel=0.02)
    # the bulk arc (~15 MHz) is inside the 120 MHz option's range
    assert spec.frequency_Hz.max() == pytest.approx(120e6)


def test_sweep_data_timing_meta_and_round_trips(env, serve) -> None:
    twin, server, drv = open_pair(env, serve)
    with drv:
        rt = drv.transport.round_trips
        t0 = env.clock.now()
        spec = drv.sweep(LOG_100, 0.1, bandwidth=2)
        elapsed = env.clock.now() - t0
        first_trips = drv.transport.round_trips - rt
        within_noise(spec, env)
        expected = sweep_time_s(LOG_100, 2)
        assert drv.estimate_sweep_s(LOG_100, bandwidth="2") == pytest.approx(expected)
        unopened = KeysightE4990A.__new__(KeysightE4990A)  # how the protocol pre-flight asks
        assert unopened.estimate_sweep_s(LOG_100, "2", 1) == pytest.approx(expected)
        assert expected <= elapsed < expected + env.clock.time_scale * 2.0  # instrument time; 2 s of wall slack (loaded CI)
        assert np.all(np.diff(spec.time_s) > 0) and spec.time_s[-1] <= env.clock.now()
        assert spec.meta["model"] == "E4990A" and spec.meta["amplitude_Vrms"] == 0.1 and spec.meta["bandwidth"] == 2
        # unchanged settings: trigger + 2 blocks + error check only
        rt, msgs = drv.transport.round_trips, server.messages
        drv.sweep(LOG_100, 0.1, bandwidth=2)
        assert drv.transport.round_trips - rt == 4
        assert server.messages - msgs == 4
        assert first_trips == 7  # + *IDN? and *OPT? (once) + error check after configuration
        assert spec.meta["idn"].startswith("Keysight Technologies,E4990A,")
        # descending and arbitrary lists come back in the order asked for
        arbitrary = [3e6, 1e5, 2e4, 5e3, 1e3, 120.0]
        spec = drv.sweep(arbitrary, 0.05)
        assert spec.frequency_Hz.tolist() == pytest.approx(arbitrary)
        assert drv.query(":SENS1:SWE:TYPE?") == "SEGM"
        within_noise(spec, env)
        spec = drv.sweep([1e4], 0.05)
        assert len(spec) == 1


def test_averaging_narrows_noise_and_lengthens_sweep(env, serve) -> None:
    twin, _, drv = open_pair(env, serve)
    f = np.geomspace(1e3, 1e6, 30)
    with drv:
        t0 = env.clock.now()
        drv.sweep(f, 0.5, bandwidth=5, averaging=4)
        assert env.clock.now() - t0 >= sweep_time_s(f, 5, 4)
        assert drv.query(":SENS1:AVER:COUN?") == "+4"
    drv2 = KeysightE4990A.open(drv.resource, clock=env.clock, timeout_s=1.0, sweep_averaging=3)
    with drv2:
        t0 = env.clock.now()
        drv2.sweep(f, 0.5, bandwidth=1)
        assert env.clock.now() - t0 >= sweep_time_s(f, 1, 1, 3)
        assert drv2.query(":CALC1:AVER?;:TRIG:AVER?") == "1;1"


def test_error_queue_round_trip_and_range_violations(env, serve) -> None:
    twin, _, drv = open_pair(env, serve, frequency_option=10, bias_option=False)
    with drv:
        assert drv.query("*OPT?") == "010"
        assert drv.query(":SYST:ERR?") == '+0,"No error"'
        # twin side: the instrument's own errors when sent raw
        drv.write(":SENS1:SWE:POIN 1602;:SOUR1:VOLT 2;:SENS1:FREQ:STOP 20E6;:SOUR:BIAS:STAT ON;:SENS1:BOGUS 1")
        assert drv.read_errors() == [
            (-222, "Data out of range"),
            (-222, "Data out of range"),
            (-222, "Data out of range"),
            (-221, "Settings conflict"),
            (-113, "Undefined header"),
        ]
        assert int(drv.query("*ESR?")) & (32 | 16) == 48
        drv.write(":SENS1:SWE:POIN 0")
        with pytest.raises(InstrumentError, match="-222"):
            drv.check_errors()
        # driver side: refused before anything is sent
        sent = twin.faults  # count messages through the server instead
        with pytest.raises(ValueError, match="frequency"):
            drv.sweep(np.geomspace(100, 20e6, 10), 0.1)  # *OPT? says 10 MHz
        with pytest.raises(ValueError, match="points"):
            drv.sweep(np.geomspace(100, 1e6, 1602), 0.1)
        with pytest.raises(ValueError, match="AC amplitude"):
            drv.sweep(LOG_100[:50], 1.5)
        with pytest.raises(ValueError, match="DC bias"):
            drv.sweep(LOG_100[:50], 0.1, dc_bias_V=1.0)  # no bias option
        with pytest.raises(ValueError, match="bandwidth"):
            drv.sweep(LOG_100[:50], 0.1, bandwidth=9)
        assert sent is twin.faults and drv.query(":SYST:ERR?") == '+0,"No error"'


def test_formats_and_status_polling_for_third_party_clients(env, serve) -> None:
    """A plain pyvisa client: ASCII and both byte orders, bit 4 while measuring, *OPC? after *TRG."""
    twin = E4990ATwin(env, seed=3)
    server = serve(twin)
    rm = pyvisa.ResourceManager("@py")
    inst = rm.open_resource(server.resource, read_termination="\n", write_termination="\n", timeout=2000)
    try:
        inst.write(":SYST:PRES;:SENS1:SWE:TYPE LOG;:SENS1:FREQ:STAR 100;:SENS1:FREQ:STOP 1E6;:SENS1:SWE:POIN 11")
        inst.write(":SENS1:APER 5;:SENS1:AVER ON;:SENS1:AVER:COUN 20;:TRIG:SOUR BUS")
        inst.write("*TRG")
        assert int(inst.query(":STAT:OPER:COND?")) & 16
        while int(inst.query(":STAT:OPER:COND?")) & 16:
            time.sleep(0.005)
        asc = [float(v) for v in inst.query(":SENS1:FREQ:DATA?").split(",")]
        inst.write(":FORM:DATA REAL;:FORM:BORD NORM")
        big = inst.query_binary_values(":SENS1:FREQ:DATA?", datatype="d", is_big_endian=True)
        inst.write(":FORM:BORD SWAP")
        little = inst.query_binary_values(":CALC1:DATA:RDAT?", datatype="d", is_big_endian=False)
        assert big == pytest.approx(np.geomspace(100, 1e6, 11), rel=1e-12)
        assert asc == pytest.approx(big, rel=1e-11)
        z = np.asarray(little[0::2]) + 1j * np.asarray(little[1::2])
        z_true = env.sample.impedance(np.asarray(big), env.sample_temperature_K())
        assert np.max(np.abs(z - z_true) / np.abs(z_true)) < 0.02  # BW 5, 20 averages, 500 mV
        inst.write(":FORM:DATA REAL32;:FORM:BORD NORM")
        assert len(inst.query_binary_values(":SENS1:FREQ:DATA?", datatype="f", is_big_endian=True)) == 11
        assert inst.query(":SYST:ERR?") == '+0,"No error"'
    finally:
        inst.close()


def test_conformance_runner_reports_mismatches(env, serve) -> None:
    """The runner is not vacuous: a wrong reply shape, a stray reply and a wrong error are all named."""
    table = load_table(
        {
            "instrument": "E4990A",
            "twin": "ssbcert.sim_instruments.twins.keysight_e4990a:E4990ATwin",
            "error_query": ":SYST:ERR?",
            "quiet_s": 0.02,
            "rows": [
                {"send": "*IDN?", "expect_regex": "Agilent Technologies,E4990A,.*"},
                {"send": ":SENS1:SWE:POIN?", "expect_none": True},
                {"send": ":SENS1:SWE:POIN 5", "expect_none": True, "error_after": '-222,.*'},
                {"send": ":FORM:DATA REAL;:SENS1:FREQ:DATA?", "expect_block": {"count": 7}},
            ],
        }
    )
    server = serve(E4990ATwin(env))
    failures = run_table(table, server.host, server.port)
    assert len(failures) == 4 and all("rows[" in f for f in failures), failures


def test_conformance_table(env, serve) -> None:
    table = load_table(CONFORMANCE)
    twin = E4990ATwin(env, **table.twin_options)
    server = serve(twin)
    failures = run_table(table, server.host, server.port)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule("delay", match=r"\*OPC\?", at=1, params={"seconds": 0.5}),
        FaultRule("no_reply", match=r"RDAT", at=1),
        FaultRule("garble", match=r"RDAT", at=1),
        FaultRule("garble", match=r"FREQ:DATA", at=1),
        FaultRule("disconnect", match=r"RDAT", at=1),
    ],
    ids=lambda r: f"{r.kind}-{r.match}",
)
def test_transport_faults_recovered(env, serve, rule: FaultRule) -> None:
    plan = FaultPlan([rule], seed=11)
    twin, _, drv = open_pair(env, serve, faults=plan, timeout_s=0.3)
    with drv:
        spec = drv.sweep(LOG_100[:40], 0.1)
        within_noise(spec, env)
        assert plan.log and plan.log[0][0] == rule.kind
        again = drv.sweep(LOG_100[:40], 0.1)  # the stream is in step afterwards
        within_noise(again, env)


def test_instrument_error_and_overload_are_reported(env, serve) -> None:
    plan = FaultPlan(
        [
            FaultRule("error", match=r"TRIG:SING", at=1, params={"code": -200, "message": "Execution error"}),
            FaultRule("overload", match=r"TRIG:SING", at=2),
        ],
        seed=2,
    )
    twin, _, drv = open_pair(env, serve, faults=plan)
    with drv:
        with pytest.raises(InstrumentError, match=r'-200,Execution error'):
            drv.sweep(LOG_100[:20], 0.1)
        with pytest.raises(OverloadError, match="9.9E37"):
            drv.sweep(LOG_100[:20], 0.1)
        within_noise(drv.sweep(LOG_100[:20], 0.1), env)


def test_bias_and_safe_state(env, serve) -> None:
    twin, _, drv = open_pair(env, serve)
    drv.sweep(LOG_100[:20], 0.1, dc_bias_V=0.5)
    assert twin.state["bias_state"] is True and twin.state["bias_voltage"] == 0.5
    drv.close()
    assert twin.state["bias_state"] is False
