"""SessionView: what the page shows, read from the session directory as it grows."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from ssbcert.monitor.view import SessionView, io_tail, step_text
from ssbcert.session.files import Tail
from ssbcert.session import load_session


def test_first_poll_holds_the_whole_finished_session(finished: Path) -> None:
    u = SessionView(finished).poll()
    s = load_session(finished)
    assert u["info"]["protocol"] == "small" and len(u["info"]["steps"]) == len(s.plan["steps"])
    assert [x["point"] for x in u["spectra"]] == [r.point for r in s.records if hasattr(r.record, "frequency_Hz")]
    assert u["spectra"][0]["zi"] == s.spectra()[0].z_imag_ohm.tolist()
    assert len(u["traces"]) == 1 and u["traces"][0]["i"] == s.traces()[0].current_A.tolist()
    t = u["temperature"]
    assert t and all(len(r) == 4 for r in t) and t[0][3] == 0.3, "time, T, setpoint, band (0.3 K in small.yaml)"
    assert u["status"] == {"state": "success", "reason": "", "live": False}
    p = u["progress"]
    assert p["steps_done"] == p["steps_total"] and p["fraction"] == 1.0 and p["instrument_left_s"] == 0.0
    assert u["io"] and all(e["dir"] != "clock" for e in u["io"])


def test_later_polls_give_only_what_was_appended(finished: Path, tmp_path: Path) -> None:
    copy = tmp_path / "grow"
    shutil.copytree(finished, copy)
    records = (copy / "records.jsonl").read_text().splitlines(keepends=True)
    (copy / "records.jsonl").write_text("".join(records[:2]))
    view = SessionView(copy)
    assert len(view.poll()["spectra"]) == 2
    assert "spectra" not in view.poll()
    with open(copy / "records.jsonl", "a") as fh:
        fh.write(records[2])
        fh.write(records[3][:50])  # a torn line waits until it is complete
    assert [x["point"] for x in view.poll()["spectra"]] == [json.loads(records[2])["point"]]
    with open(copy / "records.jsonl", "a") as fh:
        fh.write(records[3][50:])
    assert [x["point"] for x in view.poll()["spectra"]] == [json.loads(records[3])["point"]]


def test_a_session_without_documents_is_waiting_and_killed_runs_say_so(finished: Path, tmp_path: Path) -> None:
    copy = tmp_path / "k"
    shutil.copytree(finished, copy)
    (copy / "records.jsonl").write_text("")
    (copy / "journal.jsonl").write_text("")
    assert SessionView(copy).poll()["status"]["state"] == "waiting"
    docs = (finished / "journal.jsonl").read_text().splitlines()
    start = json.loads(docs[0])
    start["pid"] = 2**22 + 12345  # no such process: the runner died without a stop document
    (copy / "journal.jsonl").write_text(json.dumps(start) + "\n")
    st = SessionView(copy).poll()["status"]
    assert st["state"] == "stopped" and "resume" in st["reason"] and not st["live"]


def test_step_text_is_the_steps_protocol_lines(finished: Path) -> None:
    s = load_session(finished)
    step = next(x for x in s.plan["steps"] if x["kind"] == "set_temperature")
    text = step_text(finished, step["where"], s.protocol)
    assert text.lstrip().startswith("- step: set_temperature")
    assert "band: 0.3 K" in text and "step: eis" not in text
    loop = step_text(finished, step["where"].rsplit(":", 1)[0] + ":7", s.protocol)
    assert "temperatures" in loop and "step: eis" in loop, "a loop shows its nested steps"


def test_io_tail_shows_terminators_and_binary_as_escapes(tmp_path: Path) -> None:
    lines = [{"n": i, "dir": "read", "res": "r", "step": "s", "data": f"+{i}\r\n"} for i in range(100)]
    lines.append({"n": 100, "dir": "read", "res": "r", "step": "s", "data": "#3\x00\x01"})
    (tmp_path / "io.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    tail = io_tail(tmp_path / "io.jsonl")
    assert len(tail) == 40 and tail[-2]["data"] == "+99\\r\\n" and tail[-1]["data"] == "#3\\x00\\x01"


def test_tail_reads_nothing_from_a_missing_file(tmp_path: Path) -> None:
    assert Tail(tmp_path / "none.jsonl").read() == []


def test_each_repeat_is_compared_with_the_sweep_before_it_as_it_arrives(tmp_path: Path) -> None:
    """The bench user sees at once that the sample is still changing (a cold start swept after a
    1 s window), or that it has settled (a 2 min window): one message per repeat, in the words the
    certificate will use, and what to do about it."""
    from cold_start import cold_start_session

    for window, kind, words in (("1 s", "unsteady", "differ beyond their noise"),
                                ("2 min", "steady", "agree within their noise")):
        u = SessionView(cold_start_session(tmp_path / kind, window)).poll()
        repeats = [m for m in u["messages"] if m["kind"] in ("steady", "unsteady")]
        assert [m["kind"] for m in repeats] == [kind, kind], repeats
        assert all(words in m["text"] and m["step"] == "s02.eis" for m in repeats)
        assert "s02.eis.p0 and s02.eis.p1" in repeats[0]["text"]
        advice = "no σ from these sweeps will be certified"
        assert all((advice in m["text"]) == (kind == "unsteady") for m in repeats)


def test_sweeps_of_different_steps_are_not_compared(finished: Path) -> None:
    """small.yaml sweeps twice at 20, 40 and again 20 °C: three comparisons, each within its step."""
    u = SessionView(finished).poll()
    repeats = [m for m in u["messages"] if m["kind"] in ("steady", "unsteady")]
    assert len(repeats) == 3 and len({m["step"] for m in repeats}) == 3
    assert all(f"{m['step']}.p0 and {m['step']}.p1" in m["text"] for m in repeats)
