"""Bench files: valid ones load; broken ones name file:line, the field, and what was found."""
from __future__ import annotations

import pytest

from ssbcert.bench import default_bench, load_bench, load_bench_text
from ssbcert.errors import InputError

GOOD = """\
name: lab-bench
sim: false
instruments:
  impedance: {driver: keysight_e4990a, resource: "TCPIP::192.168.1.20::5025::SOCKET", timeout_s: 30}
  temperature: {driver: lakeshore_335, resource: "ASRL3::INSTR"}
  dc: {driver: keithley_2450, resource: "USB0::0x05E6::0x2450::04365704::INSTR"}
limits: {max_ac_amplitude_V: 0.05}
"""


def test_good_bench_loads() -> None:
    cfg = load_bench_text(GOOD, "good.yaml")
    assert cfg.instruments["temperature"].driver == "lakeshore_335"
    assert cfg.limits.max_ac_amplitude_V == 0.05
    assert cfg.limits.max_temperature_K > cfg.limits.min_temperature_K


def test_embedded_sim_bench() -> None:
    cfg = default_bench()
    assert cfg.sim and set(cfg.instruments) == {"impedance", "temperature", "dc"}


BAD = [
    ("name: x\ninstruments:\n  impedance: {driver: agilent_4294a, resource: 'GPIB0::1::INSTR'}\n", 3, "instruments.impedance.driver", "unknown driver 'agilent_4294a'"),
    ("name: x\ninstruments:\n  impedance: {driver: keysight_e4990a, resource: '192.168.1.2'}\n", 3, "instruments.impedance.resource", "not a VISA resource"),
    ("name: x\ninstruments:\n  impedance: {driver: keysight_e4990a}\n", None, None, "resource: required on a real bench"),
    ("name: x\ninstruments:\n  impedance:\n    driver: keysight_e4990a\n    resource: 'GPIB0::12::INSTR'\n    timeout_s: -1\n", 6, "instruments.impedance.timeout_s", "greater than 0"),
    ("name: x\ninstruments:\n  impedance:\n    driver: keysight_e4990a\n    resource: 'GPIB0::12::INSTR'\n    timeout_s: soon\n", 6, "timeout_s", "valid number"),
    ("name: x\ninstruments: {}\n", 2, "instruments", "at least one instrument"),
    ("name: x\ninstruments:\n  oven: {driver: lakeshore_336, resource: 'ASRL1::INSTR'}\n", 2, "instruments", "unknown role 'oven'"),
    ("name: x\nsim: true\ninstruments:\n  impedance: {driver: keysight_e4990a}\nlimits:\n  min_temperature_K: 400\n  max_temperature_K: 300\n", 5, "limits", "must be below"),
    ("name: x\nsim: true\ntime_scale: 0\ninstruments:\n  impedance: {driver: keysight_e4990a}\n", 3, "time_scale", "greater than 0"),
    ("name: x\nsim: true\nsample: {preset: NaSICON}\ninstruments:\n  impedance: {driver: keysight_e4990a}\n", 3, "sample.preset", "'LLZO'"),
    ("name: x\nsim: true\nsample: {thickness_um: 0}\ninstruments:\n  impedance: {driver: keysight_e4990a}\n", 3, "sample.thickness_um", "greater than 0"),
    ("name: x\nsim: true\ninstruments:\n  impedance:\n    driver: keysight_e4990a\n    faults:\n      - {kind: explode}\n", 7, "faults[0].kind", "'delay'"),
    ("name: x\nsim: true\ninstruments:\n  impedance:\n    driver: keysight_e4990a\n    faults:\n      - {kind: delay, p: 2}\n", 7, "faults[0].p", "less than or equal to 1"),
    ("name: x\nsim: true\ninstruments:\n  impedance: {driver: keysight_e4990a, colour: red}\n", 4, "instruments.impedance.colour", "Extra inputs"),
    ("name: x\nsim: true\ninstruments:\n  impedance: {driver: keysight_e4990a\n", 5, None, "YAML syntax error"),
    ("sim: true\ninstruments:\n  impedance: {driver: keysight_e4990a}\n", 1, "name", "Field required"),
    ("- a\n- b\n", 1, None, "valid dictionary"),
]


@pytest.mark.parametrize("text,line,field,fragment", BAD)
def test_bad_bench_files_are_named_precisely(tmp_path, text: str, line: int | None, field: str | None, fragment: str) -> None:
    path = tmp_path / "bench.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_bench(path)
    msg = str(info.value)
    assert str(path) in msg
    assert fragment in msg, msg
    if line is not None:
        assert f"{path}:{line}:" in msg, msg
    if field is not None:
        assert field in msg, msg


def test_missing_bench_file(tmp_path) -> None:
    with pytest.raises(InputError, match="bench file not found"):
        load_bench(tmp_path / "nope.yaml")
