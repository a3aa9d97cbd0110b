"""The runner's CLI commands, registered on a throwaway Typer app."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ssbcert.runner.cli import protocol_json_schema, register

BAD = Path(__file__).parents[1] / "fixtures" / "protocols" / "bad"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    a = typer.Typer()
    register(a)
    return a


def test_check_prints_estimate(app: typer.Typer) -> None:
    res = CliRunner().invoke(app, ["check", "arrhenius"])
    assert res.exit_code == 0, res.output
    assert "estimated instrument time" in res.output


def test_check_reports_file_line(app: typer.Typer) -> None:
    res = CliRunner().invoke(app, ["check", str(BAD / "missing_unit_amplitude.yaml")])
    assert res.exit_code == 2
    assert "missing_unit_amplitude.yaml:9" in res.output and "missing unit" in res.output


def test_run_resume_replay(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "s"
    res = CliRunner().invoke(app, ["run", "rt-eis", "--out", str(out), "--quiet", "--param", "repeats=1"])
    assert res.exit_code == 0, res.output
    assert "success: 1 points recorded" in res.output
    res = CliRunner().invoke(app, ["resume", str(out), "--quiet"])
    assert res.exit_code == 0 and "0 points recorded" in res.output
    res = CliRunner().invoke(app, ["replay", str(out), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert "identical" in res.output


def test_schema_is_json() -> None:
    assert json.loads(json.dumps(protocol_json_schema()))["title"] == "ssbcert protocol"
