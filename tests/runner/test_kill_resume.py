"""SIGKILL the runner at seeded positions (some mid-line), resume, and compare with an
uninterrupted run: the same points, each exactly once, with equal measured values.

Equality: the fake bench's values depend on (seed, frequency, temperature) only, so frequencies,
Z', Z'', temperatures, currents and metadata must be identical. Instrument time stamps (time_s) are
not compared: a resumed run restarts the clock and redoes the ramp, so its instrument times differ.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ssbcert.runner.api import resume
from ssbcert.session import load_session

sys.path.insert(0, str(Path(__file__).parent))
from fakebench import fake_access  # noqa: E402

HERE = Path(__file__).parent
CHILD = HERE / "_child_run.py"


def child(mode: str, session: Path, kill_at: int = 0, torn: bool = False) -> int:
    proc = subprocess.run([sys.executable, str(CHILD), mode, str(session), str(kill_at), "1" if torn else "0"], capture_output=True, text=True, timeout=120)
    if proc.returncode not in (0, -9):
        raise AssertionError(proc.stderr[-3000:])
    return proc.returncode


def comparable(session: Path) -> list[tuple[str, str]]:
    out = []
    for r in load_session(session).records:
        d = r.record.to_dict()
        if d["kind"] == "impedance_spectrum":
            d.pop("time_s")
        out.append((r.point, json.dumps(d, sort_keys=True)))
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[tuple[str, str]], int]:
    path = tmp_path_factory.mktemp("ref") / "session"
    assert child("run", path) == 0
    lines = sum(len((path / f).read_text().splitlines()) for f in ("io.jsonl", "journal.jsonl", "records.jsonl"))
    return comparable(path), lines


def test_kill_at_seeded_positions_then_resume(reference: tuple[list[tuple[str, str]], int], tmp_path: Path) -> None:
    expected, total_lines = reference
    rng = random.Random(20261125)
    cases = [(i, rng.randrange(1, total_lines), i % 3 == 0) for i in range(22)]

    def one(case: tuple[int, int, bool]) -> tuple[int, int, list[tuple[str, str]], bool]:
        i, kill_at, torn = case
        path = tmp_path / f"s{i}"
        code = child("run", path, kill_at, torn)
        if i % 5 == 1 and code == -9:  # some sessions are killed a second time while resuming
            child("resume", path, kill_at=5 + (i * 7) % 40)
        result = resume(path, access=fake_access())
        assert result.exit_status == "success", result.reason
        return kill_at, code, comparable(path), load_session(path).complete

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, cases))
    killed = sum(1 for _, code, _, _ in results if code == -9)
    assert killed >= 20
    for kill_at, code, got, complete in results:
        assert complete, kill_at
        assert [p for p, _ in got] == [p for p, _ in expected], f"kill at line {kill_at}: points differ"
        assert got == expected, f"kill at line {kill_at}: values differ"


def test_ctrl_c_finishes_the_point_turns_outputs_off_and_resumes(reference: tuple[list[tuple[str, str]], int], tmp_path: Path) -> None:
    import os

    path = tmp_path / "s"
    env = {**os.environ, "CHILD_SIGNAL": "INT"}
    proc = subprocess.run([sys.executable, str(CHILD), "run", str(path), "60", "0"], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "abort", proc.stderr[-2000:]
    s = load_session(path)
    assert s.stops[-1]["exit_status"] == "abort" and "Ctrl-C" in s.stops[-1]["reason"]
    closing = [e["data"] for e in s.io() if e["step"] == "close" and e["dir"] == "write"]
    assert "HTR 0" in closing and "OUTP 0" in closing
    assert resume(path, access=fake_access()).exit_status == "success"
    assert comparable(path) == reference[0]


def test_kill_and_resume_on_the_twin_bench(tmp_path: Path) -> None:
    """The same on the socket twins. Their noise follows call order and the stage restarts cold,
    so values are compared with a tolerance: 3 % in |Z| covers the 0.3 K stability band (≈2 % in
    a 0.45 eV conductor) plus the 0.05 % noise. Points must match exactly: none lost, none doubled."""
    import numpy as np

    ref = tmp_path / "ref"
    assert child("run-sim", ref) == 0
    expected = load_session(ref).records
    total = sum(len((ref / f).read_text().splitlines()) for f in ("io.jsonl", "journal.jsonl", "records.jsonl"))
    rng = random.Random(7)
    cases = [(i, rng.randrange(5, total)) for i in range(4)]

    def one(case: tuple[int, int]) -> Path:
        i, kill_at = case
        path = tmp_path / f"s{i}"
        child("run-sim", path, kill_at, torn=i % 2 == 0)
        assert resume(path).exit_status == "success"
        return path

    with ThreadPoolExecutor(max_workers=2) as pool:
        paths = list(pool.map(one, cases))
    for path in paths:
        got = load_session(path).records
        assert [r.point for r in got] == [r.point for r in expected]
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a.record.frequency_Hz, b.record.frequency_Hz)
            np.testing.assert_allclose(np.abs(a.record.z), np.abs(b.record.z), rtol=0.03)
