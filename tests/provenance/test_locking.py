"""One writer per session: concurrent resumes in real processes, the "in use" message, stale locks.

The races use the fake bench (virtual clock: a run takes well under a second) and start both
processes at one agreed wall time, so they reach the lock within milliseconds of each other.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ssbcert.runner.api import run
from ssbcert.runner.control import RunControl
from ssbcert.session import SessionInUse, SessionLock, check_session, load_session
from ssbcert.session.files import write_atomic

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "runner"))
from fakebench import fake_access, fake_config  # noqa: E402

PROTOCOL = str(HERE.parent / "fixtures" / "protocols" / "small.yaml")
RACES = 20


def values(session: Path) -> list[tuple[str, str]]:
    """(point, record without instrument times) per record line, as written (duplicates included)."""
    out = []
    for line in (session / "records.jsonl").read_text().splitlines():
        d = json.loads(line)
        rec = d["record"]
        rec.pop("time_s", None)
        out.append((d["point"], json.dumps(rec, sort_keys=True)))
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[tuple[str, str]], int]:
    path = tmp_path_factory.mktemp("ref") / "s"
    control = RunControl()
    run(PROTOCOL, fake_config(), out=path, access=fake_access(), control=control)
    return values(path), control.checks


def stopped_session(path: Path, stop_at: int) -> None:
    control = RunControl()
    control.stop_at_check = stop_at
    r = run(PROTOCOL, fake_config(), out=path, access=fake_access(), control=control)
    assert r.exit_status == "abort"


def races(paths: list[Path], tmp_path: Path) -> dict[str, list[tuple[int, str]]]:
    """Two real processes, each resuming every session at the same agreed moment (one per 0.5 s)."""
    t0 = time.time() + 3.0  # both children import first
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([[str(p), t0 + 0.5 * i] for i, p in enumerate(paths)]))
    procs = [subprocess.Popen([sys.executable, str(HERE / "_child_resume.py"), str(plan)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    out: dict[str, list[tuple[int, str]]] = {str(p): [] for p in paths}
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr[-2000:]
        for line in stdout.splitlines():
            r = json.loads(line)
            out[r["session"]].append((r["code"], r["text"]))
    return out


def test_twenty_seeded_races_of_two_resumes_lose_and_duplicate_nothing(reference: tuple[list[tuple[str, str]], int],
                                                                         tmp_path: Path) -> None:
    expected, checks = reference
    rng = random.Random(20261201)
    stops = [rng.randrange(2, checks - 1) for _ in range(RACES)]
    paths = [tmp_path / f"s{i}" for i in range(RACES)]
    for path, stop in zip(paths, stops):
        stopped_session(path, stop)
    outcomes = races(paths, tmp_path)
    refused = 0
    for i, (path, stop) in enumerate(zip(paths, stops)):
        result = outcomes[str(path)]
        codes = sorted(code for code, _ in result)
        assert len(codes) == 2 and codes[0] == 0, (stop, result)  # one resumed …
        refused += codes[1] == 2  # … and the other was refused (or came after it had finished)
        for code, text in result:
            assert code == 0 or "session in use by PID" in text, text
        got = values(path)
        assert [p for p, _ in got] == [p for p, _ in expected], f"race {i} (stopped at check {stop}): points differ"
        assert got == expected, f"race {i}: values differ"
        assert check_session(path) == [], f"race {i}"
        assert load_session(path).complete
    assert refused >= RACES // 2, f"only {refused} of {RACES} races had the second process refused: no real race"


def test_second_process_is_told_who_holds_the_session(tmp_path: Path) -> None:
    path = tmp_path / "s"
    stopped_session(path, 20)
    env = {**os.environ, "SSBCERT_HOME": str(tmp_path / "home")}
    with SessionLock(path, "test holder"):
        proc = subprocess.run([sys.executable, "-m", "ssbcert", "resume", str(path), "--quiet"], env=env,
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert f"session in use by PID {os.getpid()} since 20" in proc.stderr and "test holder" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    with pytest.raises(SessionInUse):  # in-process too
        with SessionLock(path):
            from ssbcert.session import SessionWriter

            SessionWriter.reopen(path)


def test_lock_of_a_killed_process_is_recovered(tmp_path: Path) -> None:
    path = tmp_path / "s"
    path.mkdir()
    child = subprocess.Popen([sys.executable, str(HERE / "_child_hold.py"), str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(SessionInUse, match=f"PID {child.pid} since"):
            SessionLock(path).acquire()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert (path / "session.lock.json").exists()  # the dead holder's note is left behind …
    with SessionLock(path, "after the kill") as lock:  # … and the lock is free anyway
        assert lock.held
        assert json.loads((path / "session.lock.json").read_text())["pid"] == os.getpid()


def test_atomic_writes_from_two_writers_never_lose_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    errors: list[BaseException] = []

    def hammer(tag: bytes) -> None:
        try:
            for i in range(200):
                write_atomic(target, tag + str(i).encode())
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(t,)) for t in (b"a", b"b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and target.read_bytes()[:1] in (b"a", b"b")
    assert not list(tmp_path.glob("*.tmp"))
