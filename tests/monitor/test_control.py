"""The runner's request file: pause, resume and abort from another process, at safe places."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssbcert.runner.control import RequestChannel, send_request
from ssbcert.session import load_session


def test_pause_resume_abort_through_the_request_file(paused_run) -> None:  # type: ignore[no-untyped-def]
    req = paused_run.path / "control.jsonl"
    journal_note = paused_run.control.on_note

    def note_then_abort(text: str) -> None:
        # the abort is written the moment the run notes its resumption, so the small run cannot
        # finish before it (a request sent after the journal line raced the run's last points)
        journal_note(text)
        if text.startswith("resumed"):
            send_request(req, "abort", by="test")

    paused_run.control.on_note = note_then_abort
    send_request(req, "resume", by="test")
    assert paused_run.journal_has("resumed by operator request")
    r = paused_run.wait()
    assert r.exit_status == "abort" and r.reason == "aborted by test"
    stop = load_session(paused_run.path).stops[-1]
    assert stop["exit_status"] == "abort"
    assert [json.loads(x)["action"] for x in req.read_text().splitlines()] == ["resume", "abort"], "the requests stay as a log"


def test_abort_while_paused_stops_without_resuming(paused_run) -> None:  # type: ignore[no-untyped-def]
    send_request(paused_run.path / "control.jsonl", "abort", by="test")
    assert paused_run.wait().exit_status == "abort"
    assert "resumed by operator" not in (paused_run.path / "journal.jsonl").read_text()


def test_requests_written_before_the_run_started_are_ignored(tmp_path: Path) -> None:
    f = tmp_path / "control.jsonl"
    send_request(f, "abort")
    channel = RequestChannel(f)
    assert channel.poll() == []
    send_request(f, "pause")
    with open(f, "a") as fh:
        fh.write("not json\n{\"action\": \"explode\"}\n")
    assert [r["action"] for r in channel.poll()] == ["pause"]


def test_an_unknown_action_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected one of pause, resume, abort"):
        send_request(tmp_path / "c.jsonl", "stop")
