"""`ssbcert monitor` on the command line: bad targets are one line; web libraries load lazily."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from ssbcert.cli import _register_all, app


def test_a_missing_target_is_one_clear_line(tmp_path: Path) -> None:
    _register_all()
    r = CliRunner().invoke(app, ["monitor", str(tmp_path / "nope")])
    assert r.exit_code == 2
    assert "not a session directory" in r.output and "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1


def test_the_cli_does_not_import_the_web_stack() -> None:
    code = "import sys; from ssbcert.cli import _register_all; _register_all(); print(sorted(m for m in ('starlette', 'uvicorn', 'fastapi', 'anyio') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
