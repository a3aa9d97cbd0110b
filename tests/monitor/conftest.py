"""Monitor fixtures: sessions recorded on the runner tests' fake bench (fast, deterministic) and a
run held paused in a thread, so the monitor sees a live session."""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ssbcert.runner.api import RunResult, run
from ssbcert.runner.control import RunControl

sys.path.insert(0, str(Path(__file__).parents[1] / "runner"))
from fakebench import fake_access, fake_config  # noqa: E402

SMALL = str(Path(__file__).parents[1] / "fixtures" / "protocols" / "small.yaml")
SHORT = Path(__file__).parent / "short.yaml"


@pytest.fixture(scope="session")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished session (6 spectra, 1 DC trace) under its own root folder."""
    path = tmp_path_factory.mktemp("root") / "done"
    assert run(SMALL, fake_config(), out=path, access=fake_access(), operator="tester").exit_status == "success"
    return path


@dataclass
class LiveRun:
    path: Path
    control: RunControl
    thread: threading.Thread
    result: list[RunResult] = field(default_factory=list)

    def journal_has(self, text: str, timeout: float = 10.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            journal = self.path / "journal.jsonl"
            if journal.exists() and text in journal.read_text():
                return True
            time.sleep(0.02)
        return False

    def wait(self, timeout: float = 20.0) -> RunResult:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the run did not stop"
        return self.result[0]


@pytest.fixture
def paused_run(tmp_path: Path) -> Iterator[LiveRun]:
    """A fake-bench run paused at its first safe stopping place (a live session)."""
    control = RunControl()
    control.request_pause()
    path = tmp_path / "live"
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(run(SMALL, fake_config(), out=path, access=fake_access(), control=control)), daemon=True)
    live = LiveRun(path, control, thread, result)
    thread.start()
    assert live.journal_has("paused by operator request")
    yield live
    control.request_stop("test teardown")
    thread.join(20)
