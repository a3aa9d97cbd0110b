"""Every command, given the bad input a hurried user gives it, ends with exit code 2 and one line on
stderr — never a traceback. The cases run through the same top-level handler as the `ssbcert`
entry point (in-process, stderr captured at the file-descriptor level, so nothing printed escapes
the check); a few run through the real entry point in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ssbcert.cli import _register_all, app
from ssbcert.cli.failure import log_dir, run, write_crash_log

BAD_YAML = "name: broken\nsteps: [\n  - eis: {amplitude: 10 mV\n"
UNREACHABLE_BENCH = """\
name: unreachable-bench
instruments:
  impedance:
    driver: keysight_e4990a
    resource: TCPIP::127.0.0.1::9::SOCKET
    timeout_s: 1
"""


def ssbcert(args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SSBCERT_HOME": str(home), "COLUMNS": "100"}
    env.pop("SSBCERT_REGISTRY_URL", None)
    return subprocess.run([sys.executable, "-m", "ssbcert", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture
def place(tmp_path: Path) -> Path:
    (tmp_path / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    (tmp_path / "unreachable.yaml").write_text(UNREACHABLE_BENCH, encoding="utf-8")
    (tmp_path / "not-a-session").mkdir()
    return tmp_path


CASES: dict[str, list[str]] = {
    "unknown command": ["frobnicate"],
    "unknown option": ["check", "rt-eis", "--no-such-option"],
    "certify: missing session": ["certify", "missing-session"],
    "certify: folder that is no session": ["certify", "not-a-session"],
    "reanalyze: missing session": ["reanalyze", "missing-session"],
    "check: bad protocol YAML": ["check", "bad.yaml"],
    "check: unknown protocol": ["check", "no-such-protocol"],
    "check: bad bench YAML": ["check", "rt-eis", "--bench", "bad.yaml"],
    "run: bad protocol YAML": ["run", "bad.yaml", "--out", "s1"],
    "run: unreachable bench": ["run", "rt-eis", "--bench", "unreachable.yaml", "--out", "s2", "--quiet"],
    "resume: missing session": ["resume", "missing-session"],
    "replay: missing session": ["replay", "missing-session"],
    "import: missing file": ["import", "missing.mpt", "--out", "s3"],
    "import: YAML is no impedance file": ["import", "bad.yaml", "--out", "s4"],
    "verify: missing file": ["verify", "missing.json"],
    "verify: not a certificate": ["verify", "bad.yaml"],
    "render: missing file": ["render", "missing.json"],
    "schema: unknown name": ["schema", "nope"],
    "registry list: mysql URL": ["registry", "list", "--db", "mysql://u@localhost/db"],
    "registry list: SQLite URL with two slashes": ["registry", "list", "--db", "sqlite://registry.sqlite"],
    "registry list: unreachable PostgreSQL": ["registry", "list", "--db", "postgresql+psycopg://u@127.0.0.1:9/x"],
    "registry show: folder as database": ["registry", "show", "abc", "--db", "not-a-session"],
    "study: bad URL": ["study", "thickness", "--material", "LLZO", "--db", "oracle://x"],
    "sim serve: bad bench YAML": ["sim", "serve", "bad.yaml"],
}


def in_process(args: list[str], place: Path, monkeypatch: pytest.MonkeyPatch,
               capfd: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    import typer

    monkeypatch.setenv("SSBCERT_HOME", str(place / "home"))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("SSBCERT_REGISTRY_URL", raising=False)
    monkeypatch.chdir(place)
    _register_all()
    code = run(typer.main.get_command(app), args)
    out, err = capfd.readouterr()
    return code, out, err


@pytest.mark.parametrize("args", CASES.values(), ids=CASES.keys())
def test_bad_input_is_one_line_exit_2(args: list[str], place: Path, monkeypatch: pytest.MonkeyPatch,
                                      capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = in_process(args, place, monkeypatch, capfd)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err + out
    assert code == 2, (code, out[-500:], err[-1500:])
    assert len(lines) == 1, err
    assert len(lines[0]) > 20  # says something, not just "error"
    # every command words it alike: "ssbcert: error: …" ("ssbcert check: error: …" for usage errors)
    assert lines[0].startswith("ssbcert") and ": error: " in lines[0], lines[0]


@pytest.mark.parametrize("args", [["certify", "missing-session"], ["registry", "list", "--db", "mysql://u@h/db"],
                                  ["check", "bad.yaml"]])
def test_the_real_entry_point_gives_the_same_line(args: list[str], place: Path) -> None:
    res = ssbcert(args, place / "home", place)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len([ln for ln in res.stderr.splitlines() if ln.strip()]) == 1, res.stderr


def test_unreachable_bench_leaves_no_resumable_session(place: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = in_process(["run", "rt-eis", "--bench", "unreachable.yaml", "--out", "s5", "--quiet"],
                                place, monkeypatch, capfd)
    assert code == 2
    assert "resume" not in err + out and not (place / "s5").exists()


@pytest.mark.parametrize(("env", "args", "says"), [
    ({}, ["--db", "mysql://u@h/db"], "--db: unsupported database 'mysql'"),
    ({"SSBCERT_WORKERS": "two"}, [], "SSBCERT_WORKERS: bad worker count"),
])
def test_demo_refuses_bad_settings_before_it_measures(env: dict[str, str], args: list[str], says: str, place: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capfd: pytest.CaptureFixture[str]) -> None:
    """The registry URL and the worker count are read only after the measurement: a bad one must
    stop the demo before it starts measuring, not after."""
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    code, out, err = in_process(["demo", "--out", "demo-out", *args], place, monkeypatch, capfd)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and says in lines[0], err
    assert not (place / "demo-out").exists()  # nothing was measured


def test_version_and_completion(place: Path) -> None:
    res = ssbcert(["--version"], place / "home", place)
    assert res.returncode == 0 and res.stdout.startswith("ssbcert ")
    # the shell is detected from the parent processes: run it under bash (the "exit" keeps bash from
    # exec-ing the command), whatever started pytest
    env = {**os.environ, "SSBCERT_HOME": str(place / "home")}
    res = subprocess.run(["bash", "-c", f"'{sys.executable}' -m ssbcert --show-completion; exit $?"], capture_output=True,
                         text=True, cwd=place, env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert res.returncode == 0 and "complete" in res.stdout.lower(), res.stderr


def test_an_internal_error_gives_a_line_and_a_log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path))
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        log = write_crash_log(exc, ["demo"])
    assert log is not None and log.parent == log_dir() == tmp_path / "logs"
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: boom" in text and text.startswith("ssbcert demo")


def test_a_bug_during_run_is_an_internal_error_with_its_traceback_logged(
        place: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    """`run` turns instrument and OS failures into one line; a bug of ours must not pass for one:
    it reaches the top-level handler, which says so and keeps the traceback."""
    import ssbcert.runner.api as api

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(api, "run", broken)
    code, out, err = in_process(["run", "rt-eis", "--out", "s9", "--quiet"], place, monkeypatch, capfd)
    assert code == 1
    assert "internal error: KeyError" in err and "Traceback" not in err
    logs = list((place / "home" / "logs").glob("*"))
    assert logs and "KeyError" in logs[0].read_text(encoding="utf-8")
