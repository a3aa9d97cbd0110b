"""Benches fail early: option and fault schemas are checked when the bench file is read, `check
--probe` opens every resource, and `run` creates no session until bench and sample pass."""
from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ssbcert.bench import load_bench
from ssbcert.errors import InputError
from ssbcert.runner.cli import register

ROOT = Path(__file__).resolve().parents[2]
PELLET = ROOT / "tests" / "fixtures" / "samples" / "latp_pellet.yaml"
PROTOCOL = "name: quick\nsteps:\n  - step: identify\n  - step: eis\n    frequencies: [1 MHz, 10 kHz]\n    amplitude: 10 mV\n"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    a = typer.Typer()
    register(a)
    return a


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SIM = "name: b\nsim: true\ninstruments:\n  impedance:\n    driver: keysight_e4990a\n{body}"

BAD_BENCHES = [
    (SIM.format(body="    options: {rm_rf: true}\n"), 6, "instruments.impedance.options.rm_rf", "unknown keysight_e4990a driver option 'rm_rf'"),
    (SIM.format(body="    options:\n      sweep_averaging: many\n"), 7, "instruments.impedance.options.sweep_averaging", "valid integer"),
    (SIM.format(body="    twin_options: {colour: red}\n"), 6, "instruments.impedance.twin_options.colour", "unknown keysight_e4990a twin option"),
    (SIM.format(body="    faults:\n      - {kind: garble, match: 'RDAT(', at: 1}\n"), 7, "instruments.impedance.faults[0].match", "not a regular expression"),
    (SIM.format(body="    faults:\n      - {kind: disconnect, seconds: 2, at: 1}\n"), 7, "instruments.impedance.faults[0]", "seconds applies to fault kind delay"),
    ("name: b\nsim: false\ninstruments:\n  dc:\n    driver: keithley_2450\n    resource: 'GPIB0::24::INSTR'\n    twin_options: {serial: x}\n",
     7, "instruments.dc.twin_options", "simulated benches only"),
]


@pytest.mark.parametrize("text,line,field,fragment", BAD_BENCHES)
def test_check_names_the_bench_line(app: typer.Typer, tmp_path: Path, text: str, line: int, field: str, fragment: str) -> None:
    bench = tmp_path / "bench.yaml"
    bench.write_text(text)
    res = CliRunner().invoke(app, ["check", "rt-eis", "--bench", str(bench)])
    assert res.exit_code == 2, res.output
    assert f"{bench}:{line}:" in res.output and field in res.output and fragment in res.output, res.output
    assert "Traceback" not in res.output


def test_twin_refusing_an_option_value_is_named_by_probe(app: typer.Typer, tmp_path: Path) -> None:
    bench = tmp_path / "bench.yaml"
    bench.write_text(SIM.format(body="    twin_options: {frequency_option: 7}\n"))
    (tmp_path / "p.yaml").write_text(PROTOCOL)
    res = CliRunner().invoke(app, ["check", str(tmp_path / "p.yaml"), "--bench", str(bench), "--probe"])
    assert res.exit_code == 2 and f"{bench}:6:" in res.output and "frequency_option" in res.output, res.output


def test_probe_reads_every_identity(app: typer.Typer) -> None:
    res = CliRunner().invoke(app, ["check", "rt-eis", "--probe"])
    assert res.exit_code == 0, res.output
    lines = {line.split(":")[0]: line for line in res.output.splitlines() if " at TCPIP::" in line}
    assert set(lines) == {"impedance", "temperature", "dc"}
    assert "E4990A" in lines["impedance"] and "MODEL336" in lines["temperature"] and "2450" in lines["dc"]


def test_unreachable_bench_names_resource_and_line_and_creates_no_session(app: typer.Typer, tmp_path: Path) -> None:
    resource = f"TCPIP::127.0.0.1::{_closed_port()}::SOCKET"
    bench = tmp_path / "bench.yaml"
    bench.write_text(f"name: lab\nsim: false\ninstruments:\n  impedance:\n    driver: keysight_e4990a\n    resource: '{resource}'\n    timeout_s: 2\n")
    (tmp_path / "p.yaml").write_text(PROTOCOL)
    res = CliRunner().invoke(app, ["check", str(tmp_path / "p.yaml"), "--bench", str(bench), "--probe"])
    assert res.exit_code == 2, res.output
    assert f"{bench}:6: instruments.impedance.resource:" in res.output and resource in res.output
    assert "Connection refused" in res.output
    out = tmp_path / "session"
    res = CliRunner().invoke(app, ["run", str(tmp_path / "p.yaml"), "--bench", str(bench), "--out", str(out), "--quiet"])
    assert res.exit_code == 2 and resource in res.output and "resumable" not in res.output, res.output
    assert not out.exists()


def test_run_refuses_a_sample_certify_would_refuse_before_any_session(app: typer.Typer, tmp_path: Path) -> None:
    text = PELLET.read_text()
    block = re.search(r"^thickness:\n(?:  .*\n)+", text, re.M)
    assert block
    sample = tmp_path / "pellet.yaml"
    sample.write_text(text.replace(block.group(0), ""))
    (tmp_path / "p.yaml").write_text(PROTOCOL)
    out = tmp_path / "session"
    res = CliRunner().invoke(app, ["run", str(tmp_path / "p.yaml"), "--sample", str(sample), "--out", str(out), "--quiet"])
    assert res.exit_code == 2, res.output
    assert str(sample) in res.output and "thickness.readings_um" in res.output and "no thickness" in res.output
    assert not out.exists()


def test_a_session_with_nothing_measured_is_not_offered_for_resume(app: typer.Typer, tmp_path: Path) -> None:
    bench = tmp_path / "bench.yaml"
    bench.write_text(SIM.format(body="    timeout_s: 0.5\n    faults:\n      - {kind: no_reply, match: 'IDN', every: true, times: 0}\n"))
    (tmp_path / "p.yaml").write_text(PROTOCOL)
    out = tmp_path / "session"
    res = CliRunner().invoke(app, ["run", str(tmp_path / "p.yaml"), "--bench", str(bench), "--out", str(out), "--quiet"])
    assert res.exit_code == 1, res.output
    assert "fail: 0 points" in res.output and "resumable" not in res.output
    assert "nothing was measured" in res.output


def test_bench_model_still_loads_good_options(tmp_path: Path) -> None:
    bench = tmp_path / "bench.yaml"
    bench.write_text(SIM.format(body="    options: {sweep_averaging: 2, bandwidth: 3}\n    twin_options: {serial: X1}\n"))
    cfg = load_bench(bench)
    assert cfg.instruments["impedance"].options == {"sweep_averaging": 2, "bandwidth": 3}
    assert cfg.where("impedance") == (str(bench), 4, "instruments.impedance.resource")


def test_errors_are_input_errors(tmp_path: Path) -> None:
    bench = tmp_path / "bench.yaml"
    bench.write_text(BAD_BENCHES[0][0])
    with pytest.raises(InputError):
        load_bench(bench)
