"""The monitor page in a real browser (headless Chromium, Debian package `chromium`): it loads,
spectra appear while a simulated run progresses, pause and abort act on the run, a finished session
renders, and screenshots land in tests/artifacts/ for a person to look at."""
from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ssbcert.monitor.app import MonitorConfig
from ssbcert.monitor.server import bind, start_background
from ssbcert.runner.api import run
from ssbcert.session import load_session

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
SHORT = Path(__file__).parent / "short.yaml"
SIM_BENCH = Path(__file__).parents[2] / "ssbcert" / "bench" / "sim_bench.yaml"
SLOW_TIME_SCALE = 40  # the short protocol then takes ~7 s of wall time: long enough to watch and abort

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="headless browser test needs /usr/bin/chromium (Debian package `chromium`)")

STATE = "document.getElementById('status').dataset.state"
SPECTRA = "Number(document.getElementById('nyquist').dataset.spectra || 0)"
INKED = """(id) => { const c = document.getElementById(id), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 2] < 200)) n++; return n; }"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _page(browser: Any) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())  # the abort button asks for confirmation
    return page, errors


def _shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def test_live_run_shows_points_then_pause_and_abort_stop_it_cleanly(browser: Any, tmp_path: Path) -> None:
    bench = tmp_path / "slow-bench.yaml"
    bench.write_text(re.sub(r"(?m)^time_scale: .*$", f"time_scale: {SLOW_TIME_SCALE}", SIM_BENCH.read_text()))
    session = tmp_path / "live"
    cmd = [sys.executable, "-m", "ssbcert", "run", str(SHORT), "--bench", str(bench), "--out", str(session), "--monitor", "--monitor-port", "0", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()  # type: ignore[union-attr]
        m = re.match(r"monitor: (http://127\.0\.0\.1:\d+/s/live\?token=\S+)", first)
        assert m, f"run --monitor printed {first!r}"
        page, errors = _page(browser)
        page.goto(m.group(1))
        page.wait_for_function(f"{SPECTRA} >= 1", timeout=30_000)
        assert page.evaluate(STATE) == "running", "the points arrived while the run was going on"
        assert "token=" not in page.url, "the token leaves the address bar"
        page.click("#btn-pause")
        page.wait_for_function(f"{STATE} == 'paused'", timeout=15_000)
        assert page.is_enabled("#btn-resume") and not page.is_enabled("#btn-pause")
        assert page.evaluate(INKED, "nyquist") > 200 and page.evaluate(INKED, "temperature") > 200
        assert "set_temperature" in page.inner_text("#step-text") or "eis" in page.inner_text("#step-text")
        _shot(page, "monitor-live-paused.png")
        page.click("#btn-abort")
        page.wait_for_function(f"{STATE} == 'abort'", timeout=15_000)
        assert "aborted by monitor" in page.inner_text("#reason")
        assert proc.wait(timeout=30) == 1
        assert "resumable: ssbcert resume" in proc.stderr.read()  # type: ignore[union-attr]
        assert not errors, errors
    finally:
        if proc.poll() is None:
            proc.kill()
    s = load_session(session)
    assert s.stops[-1]["exit_status"] == "abort" and 1 <= len(s.records) < 5
    assert any(d.get("text") == "paused by operator request" for d in s.documents)


def test_a_finished_session_renders_in_the_replay_view(browser: Any, tmp_path: Path) -> None:
    session = tmp_path / "done"
    assert run(SHORT, None, out=session).exit_status == "success"
    cfg = MonitorConfig(root=tmp_path, session=session)
    live = start_background(cfg, bind("127.0.0.1", 0))
    try:
        page, errors = _page(browser)
        page.goto(live.url.split("?")[0])  # no token: a read-only viewer
        page.wait_for_function(f"{STATE} == 'success' && {SPECTRA} == 4", timeout=20_000)
        for canvas in ("nyquist", "bode-mag", "bode-phase", "temperature", "dc"):
            assert page.evaluate(INKED, canvas) > 200, f"{canvas} is blank"
        assert "replay view" in page.inner_text("#footer")
        assert all(not page.is_enabled(f"#btn-{a}") for a in ("pause", "resume", "abort"))
        assert "step 6/6" in page.inner_text("#progress-text")
        assert page.inner_text("#io").strip(), "the I/O tail is shown"
        # each temperature's second sweep is compared with its first (steady or still changing)
        compared = page.locator("#messages .k-steady, #messages .k-unsteady")
        assert compared.count() == 2 and "repeated sweeps" in page.inner_text("#messages")
        _shot(page, "monitor-finished.png")
        page.goto(live.url.split("/s/")[0] + "/")  # the index redirects to the session it was started for
        page.wait_for_function(f"{SPECTRA} == 4", timeout=20_000)
        assert not errors, errors
    finally:
        live.close()
