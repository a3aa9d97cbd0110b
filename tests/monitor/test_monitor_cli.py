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


def test_monitor_serves_a_folder_of_sessions_on_loopback(finished: Path) -> None:
    import json
    import re
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "ssbcert", "monitor", str(finished.parent), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        m = re.match(r"monitor: (http://127\.0\.0\.1:\d+)/\?token=[\w-]{20,}$", line.strip())
        assert m, line
        with urllib.request.urlopen(m.group(1) + "/api/sessions", timeout=10) as r:
            assert [s["name"] for s in json.load(r)["local"]] == [finished.name]
    finally:
        proc.terminate()
        assert proc.wait(timeout=15) is not None
