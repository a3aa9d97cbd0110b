"""Strict replay is byte-exact on every reply: a changed status-register digit that no driver acts
on (the Lake Shore's *ESR? operation-complete bit) is still reported, at the step it belongs to."""
from __future__ import annotations

import json
import re
from pathlib import Path

import ssbcert.bench as bench_mod
from ssbcert.runner.api import replay, run
from ssbcert.session.store import SessionWriter

PROTOCOL = """\
name: rt-short
steps:
  - step: identify
  - step: set_temperature
    setpoint: 25 degC
    ramp: 5 K/min
    band: 0.5 K
    window: 30 s
    timeout: 30 min
  - step: eis
    frequencies: [1 MHz, 100 kHz, 10 kHz, 1 kHz]
    amplitude: 10 mV
    repeats: 2
"""


def _session(tmp_path: Path) -> Path:
    (tmp_path / "p.yaml").write_text(PROTOCOL)
    r = run(tmp_path / "p.yaml", bench_mod.default_bench(), out=tmp_path / "s")
    assert r.exit_status == "success", r.reason
    return tmp_path / "s"


def _change_one_reply(session: Path, step: str, pattern: str, new: str) -> None:
    """Edit one recorded reply in io.jsonl and re-hash the manifest (a careful forger)."""
    lines = (session / "io.jsonl").read_text().splitlines()
    for i, line in enumerate(lines):
        e = json.loads(line)
        if e["dir"] == "read" and e["step"] == step and re.search(pattern, e["data"]):
            e["data"] = re.sub(pattern, new, e["data"], count=1)
            lines[i] = json.dumps(e)
            break
    else:
        raise AssertionError(f"no reply matching {pattern!r} in {step}")
    (session / "io.jsonl").write_text("\n".join(lines) + "\n")
    w = SessionWriter.reopen(session)
    w.write_manifest()
    w.close()


def test_untouched_session_replays_identically(tmp_path: Path) -> None:
    s = _session(tmp_path)
    r = replay(s, out=tmp_path / "r")
    assert r.identical, r
    docs = [json.loads(line) for line in (s / "journal.jsonl").read_text().splitlines()]
    assert sum("replies_sha256" in d for d in docs) >= 6  # start, steps, points, stop


def test_changed_status_register_digit_is_detected(tmp_path: Path) -> None:
    s = _session(tmp_path)
    # KRDG? A;RDGST? A;*ESR? answers '+298.142;000;0': set the ESR operation-complete bit (ignored by the driver)
    _change_one_reply(s, "s01.set_temperature", r";0\r\n$", ";1\r\n")
    r = replay(s, out=tmp_path / "r")
    assert not r.mismatched and not r.missing and r.divergence is None  # the records do come out the same
    assert not r.identical
    assert r.replies_differ == ["segment 0 step_done s01.set_temperature"]


def test_changed_measurement_reply_is_detected(tmp_path: Path) -> None:
    s = _session(tmp_path)
    _change_one_reply(s, "s02.eis.p1", r":?\+0,\"No error\"", '+0,"No error "')
    r = replay(s, out=tmp_path / "r")
    assert not r.identical and r.replies_differ == ["segment 0 event s02.eis.p1"]
