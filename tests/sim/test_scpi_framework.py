"""The SCPI engine and socket server, through pyvisa-py, with a minimal twin."""
from __future__ import annotations

import pytest

from ssbcert.drivers.base import ScpiDriver, SettingProperty
from ssbcert.drivers.scpi import CommandSet, Setting, decode_block, encode_block, parse_message, short_form
from ssbcert.errors import InstrumentError
from ssbcert.sim_instruments.faults import FaultPlan, FaultRule
from ssbcert.sim_instruments.twin import Call, ScpiTwin, route

COMMANDS = CommandSet(
    "Toy",
    [
        Setting("frequency", ":SENSe#:FREQuency[:CW]", "float", 20.0, 2e6, unit="Hz", default=1000.0),
        Setting("mode", ":SENSe#:MODE", "enum", choices=("LINear", "LOGarithmic"), default="LIN"),
    ],
)


class ToyTwin(ScpiTwin):
    name = "toy"
    idn = "Acme,TOY100,SN1,1.0"
    command_set = COMMANDS

    @route(":DATA:BLOCk", query=True)
    def data_block(self, call: Call) -> bytes:
        return encode_block([1.5, -2.25, 3e-9])


class ToyDriver(ScpiDriver):
    role = "impedance"
    model = "TOY100"
    command_set = COMMANDS
    frequency_Hz = SettingProperty("frequency", 1)
    mode = SettingProperty("mode", 1)


def test_headers_long_short_case_and_optional_nodes() -> None:
    from ssbcert.drivers.scpi import match_header

    pat = "[:SOURce#]:VOLTage[:LEVel][:IMMediate][:AMPLitude]"
    for spelling in (":SOUR1:VOLT", "VOLT", ":volt:lev", ":SOURCE2:VOLTAGE:LEVEL:IMMEDIATE:AMPLITUDE"):
        assert match_header(pat, spelling) is not None, spelling
    assert match_header(pat, ":SOUR1:VOL") is None
    assert short_form(pat, 1) == ":SOUR1:VOLT"


def test_relative_headers_after_semicolon() -> None:
    cmds = parse_message(":SENS:CURR:RANG:AUTO 0;:SENS:CURR:RANG 1e-3; NPLC 1;*OPC?")
    assert [c.header for c in cmds] == [":SENS:CURR:RANG:AUTO", ":SENS:CURR:RANG", ":SENS:CURR:NPLC", "*OPC"]


def test_block_round_trip() -> None:
    values = [0.0, -1.5e-12, 3.25e9]
    assert decode_block(encode_block(values)) == values
    with pytest.raises(ValueError, match="truncated"):
        decode_block(encode_block(values)[:-3])


def test_driver_and_twin_over_pyvisa_socket(sim_env, serve) -> None:
    twin = ToyTwin(sim_env)
    server = serve(twin)
    drv = ToyDriver.open(server.resource, timeout_s=2.0)
    try:
        assert drv.query("*IDN?") == "Acme,TOY100,SN1,1.0"
        drv.frequency_Hz = 12345.0
        assert drv.frequency_Hz == pytest.approx(12345.0)
        drv.mode = "log"
        assert drv.mode == "LOG"
        # chaining: both replies joined with ';'
        assert drv.query(":SENS1:FREQ 100;:SENS1:FREQ?;*OPC?") == "+1.00000000000E+002;+1"
        # out of range: the driver refuses before sending; the twin refuses with -222 if sent anyway
        with pytest.raises(ValueError, match="20.0..2000000.0"):
            drv.frequency_Hz = 5.0
        drv.write(":SENS1:FREQ 5")
        drv.write(":NOPE 1")
        assert drv.read_errors() == [(-222, "Data out of range"), (-113, "Undefined header")]
        assert drv.query(":SYST:ERR?") == '+0,"No error"'
        drv.write(":NOPE")
        with pytest.raises(InstrumentError, match="-113"):
            drv.check_errors("after :NOPE")
        # \r\n accepted as write terminator as well as \n
        drv.transport.write_raw(b"*IDN?\r\n")
        assert drv.transport.read() == "Acme,TOY100,SN1,1.0"
        raw = drv.transport.write(":DATA:BLOC?") or drv.transport.read_bytes_until_block_end()
        assert decode_block(raw.rstrip(b"\n")) == [1.5, -2.25, 3e-9]
    finally:
        drv.close()


def test_timeout_then_resync(sim_env, serve) -> None:
    plan = FaultPlan([FaultRule("delay", match=r"\*IDN", at=1, params={"seconds": 0.6})], seed=1)
    twin = ToyTwin(sim_env, faults=plan)
    server = serve(twin)
    drv = ToyDriver.open(server.resource, timeout_s=0.3)
    try:
        from ssbcert.drivers.transport import TransportTimeout

        with pytest.raises(TransportTimeout):
            drv.query("*IDN?")
        import time

        time.sleep(0.5)  # the late reply arrives now and would poison the next query
        drv.resync()
        assert drv.frequency_Hz == pytest.approx(1000.0)
        assert plan.log == [("delay", "*IDN?")]
    finally:
        drv.close()


def test_disconnect_then_reopen(sim_env, serve) -> None:
    plan = FaultPlan([FaultRule("disconnect", match=r"FREQ\?", at=1)], seed=1)
    server = serve(ToyTwin(sim_env, faults=plan))
    drv = ToyDriver.open(server.resource, timeout_s=0.5)
    try:
        from ssbcert.drivers.transport import ConnectionLost, TransportTimeout

        with pytest.raises((ConnectionLost, TransportTimeout)):
            drv.query(":SENS1:FREQ?")
        drv.recover(ConnectionLost(drv.resource, "test"))
        assert drv.query("*IDN?").startswith("Acme")
    finally:
        drv.close()
