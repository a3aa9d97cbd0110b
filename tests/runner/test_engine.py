"""Runner on the fake bench: documents, records, pause/abort + resume, faults, replay."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ssbcert.runner.api import replay, resume, run
from ssbcert.runner.control import RunControl
from ssbcert.session import SessionWriter, export_csv, load_session, verify_manifest

sys.path.insert(0, str(Path(__file__).parent))
from fakebench import Fault, fake_access, fake_config  # noqa: E402

PROTOCOL = str(Path(__file__).parents[1] / "fixtures" / "protocols" / "small.yaml")
POINTS = [f"s01.t{t}.s1.eis.p{p}" for t in range(3) for p in range(2)] + ["s02.dc_polarization.p0"]


def values(session: Path) -> dict[str, str]:
    out = {}
    for r in load_session(session).records:
        d = r.record.to_dict()
        d.pop("time_s", None) if d["kind"] == "impedance_spectrum" else None
        out[r.point] = json.dumps(d, sort_keys=True)
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ref") / "s"
    r = run(PROTOCOL, fake_config(), out=path, access=fake_access(), operator="tester")
    assert r.exit_status == "success"
    return path


def test_documents_and_records(reference: Path) -> None:
    s = load_session(reference)
    assert [r.point for r in s.records] == POINTS
    docs = s.documents
    start = next(d for d in docs if d["doc"] == "start")
    assert start["protocol_sha256"] == s.plan["protocol_sha256"] and set(start["snapshot"]) == {"impedance", "temperature", "dc"}
    assert start["snapshot"]["impedance"]["idn"].startswith("FAKE")
    assert {d["stream"] for d in docs if d["doc"] == "descriptor"} >= {"impedance", "polarization", "temperature", "snapshot"}
    assert docs[-1]["doc"] == "stop" and docs[-1]["exit_status"] == "success"
    assert s.info["operator"] == "tester" and s.complete
    spec = s.records[0].record
    assert spec.temperature_K == pytest.approx(293.2) and spec.meta["setpoint_K"] == 293.15
    assert spec.meta["amplitude_V"] == 0.01 and len(spec) == 17
    assert verify_manifest(reference) == []
    io = s.io()
    assert {e["dir"] for e in io} >= {"write", "read", "clock"}
    assert all(e["step"] for e in io if e["dir"] == "write")
    assert any(e["step"] == "s01.t0.s1.eis.p0" and e["data"].startswith("SWEEP?") for e in io)


def test_dataframe_and_csv(reference: Path, tmp_path: Path) -> None:
    df = load_session(reference).dataframe()
    assert len(df) == 6 * 17 + 7
    assert set(df["kind"]) == {"impedance_spectrum", "polarization_trace"}
    out = export_csv(reference, tmp_path / "x.csv")
    text = out.read_text().splitlines()
    assert text[0].startswith("# ssbcert session") and text[6].startswith("step,point")


def test_abort_after_a_point_then_resume_completes_without_duplicates(reference: Path, tmp_path: Path) -> None:
    control = RunControl()
    control.stop_after_points = {"s01.t1.s1.eis.p0"}
    r = run(PROTOCOL, fake_config(), out=tmp_path / "s", access=fake_access(), control=control)
    assert r.exit_status == "abort" and r.points_recorded == 3
    s = load_session(tmp_path / "s")
    assert s.stops[-1]["exit_status"] == "abort"
    io = s.io()
    assert any(e["step"] == "close" and e["data"] in ("HTR 0", "OUTP 0") for e in io), "outputs off on stop"
    r2 = resume(tmp_path / "s", access=fake_access())
    assert r2.exit_status == "success" and r2.resumed_from == "s01.t1.s1.eis"
    assert values(tmp_path / "s") == values(reference)
    docs = load_session(tmp_path / "s").documents
    assert any(d["doc"] == "note" and "re-applying" in d["text"] for d in docs)


@pytest.mark.parametrize(
    "fault",
    [Fault("timeout", r"^SWEEP\?", 2), Fault("disconnect", r"^SWEEP\?", 3), Fault("garble", r"^SWEEP\?", 1),
     Fault("error", r"^SWEEP\?", 4), Fault("timeout", r"^KRDG\?", 5), Fault("unstable", r"^SWEEP\?", 2)],
    ids=lambda f: f"{f.kind}-{f.match[1:5]}",
)
def test_single_faults_are_recovered_with_equal_records(fault: Fault, reference: Path, tmp_path: Path) -> None:
    r = run(PROTOCOL, fake_config(), out=tmp_path / "s", access=fake_access(faults=[fault]))
    assert r.exit_status == "success", r.reason
    assert values(tmp_path / "s") == values(reference)
    docs = load_session(tmp_path / "s").documents
    if fault.kind == "error":
        assert any(d["doc"] == "error" and "-222" in d["error"] for d in docs)
    if fault.kind == "unstable":
        assert any(d["doc"] == "suspend" for d in docs)


def test_persistent_fault_stops_cleanly_and_resumes(reference: Path, tmp_path: Path) -> None:
    fault = Fault("timeout", r"^SWEEP\? 0\.01,100000\.0", every=True)
    r = run(PROTOCOL, fake_config(), out=tmp_path / "s", access=fake_access(faults=[fault]))
    assert r.exit_status == "fail" and "s01.t0.s1.eis.p0" in r.reason
    assert load_session(tmp_path / "s").records == []
    assert resume(tmp_path / "s", access=fake_access()).exit_status == "success"
    assert values(tmp_path / "s") == values(reference)


def test_replay_reproduces_records_bit_for_bit(reference: Path, tmp_path: Path) -> None:
    res = replay(reference, out=tmp_path / "replayed", access=fake_access())
    assert res.identical, res
    assert res.records_compared == 7
    orig = [r.record.to_dict() for r in load_session(reference).records]
    again = [r.record.to_dict() for r in load_session(tmp_path / "replayed").records]
    assert json.dumps(orig) == json.dumps(again)  # time stamps included


def _edit_transcript(src: Path, dst: Path, old: str, new: str, n: int | None = None) -> int:
    import shutil

    shutil.copytree(src, dst)
    lines = (dst / "io.jsonl").read_text().splitlines()
    for k, line in enumerate(lines):
        e = json.loads(line)
        if e["dir"] == "write" and e["data"] == old and (n is None or e["n"] == n):
            e["data"] = new
            lines[k] = json.dumps(e)
            (dst / "io.jsonl").write_text("\n".join(lines) + "\n")
            w = SessionWriter.reopen(dst)  # a deliberate edit: re-seal the manifest, or replay refuses the session
            w.write_manifest()
            w.close()
            return e["n"]
    raise AssertionError(f"{old!r} not in transcript")


def test_edited_transcript_reports_the_diverging_command(reference: Path, tmp_path: Path) -> None:
    io = load_session(reference).io()
    target = next(e for e in io if e["dir"] == "write" and e["step"] == "s01.t1.s1.eis.p1" and e["data"].startswith("SWEEP?"))
    n = _edit_transcript(reference, tmp_path / "edited", target["data"], target["data"].replace("SWEEP? 0.01", "SWEEP? 0.02"), target["n"])
    res = replay(tmp_path / "edited", out=tmp_path / "r", access=fake_access())
    assert not res.identical
    assert "s01.t1.s1.eis.p1" in res.divergence and f"#{n}" in res.divergence and "SWEEP? 0.02" in res.divergence


def test_lenient_replay_accepts_header_spelling(reference: Path, tmp_path: Path) -> None:
    _edit_transcript(reference, tmp_path / "edited", "*IDN?", ":*idn?")
    strict = replay(tmp_path / "edited", out=tmp_path / "r1", access=fake_access())
    assert strict.divergence and "*IDN?" in strict.divergence
    lenient = replay(tmp_path / "edited", lenient=True, out=tmp_path / "r2", access=fake_access())
    assert lenient.identical, lenient.divergence


def test_replay_of_an_aborted_and_resumed_session(tmp_path: Path) -> None:
    control = RunControl()
    control.stop_after_points = {"s01.t0.s1.eis.p1"}
    run(PROTOCOL, fake_config(), out=tmp_path / "s", access=fake_access(), control=control)
    resume(tmp_path / "s", access=fake_access())
    res = replay(tmp_path / "s", out=tmp_path / "r", access=fake_access())
    assert res.identical, res
    assert {r.segment for r in load_session(tmp_path / "r").records} == {0, 1}


def test_progress_display_follows_the_run(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from ssbcert.protocol import expand, load_protocol, preflight
    from ssbcert.runner.progress import RichProgress

    loaded = load_protocol(PROTOCOL)
    est = preflight(expand(loaded), fake_access().driver_classes(None), loaded.protocol.limits)
    buf = io.StringIO()
    display = RichProgress(est, console=Console(file=buf, width=160, force_terminal=False))
    with display:
        run(PROTOCOL, fake_config(), out=tmp_path / "s", access=fake_access(), subscribers=[display])
    assert display.done == set(est.per_step_s)  # every step accounted for: the bar reaches 100 %
    out = buf.getvalue()
    assert "finished" in out and "stop: success" not in out  # the end shows in the bar, not as a stray line


def test_replay_of_a_run_stopped_while_waiting_for_temperature(tmp_path: Path) -> None:
    """A stop in the middle of a stability wait (not at a point boundary) is replayed at the same place."""

    class StopOnTemperature:
        def __init__(self, control: RunControl) -> None:
            self.control, self.seen = control, 0

        def __call__(self, doc: dict) -> None:
            if doc.get("stream") == "temperature":
                self.seen += 1
                if self.seen == 9:
                    self.control.request_stop("operator stop")

    control = RunControl()
    r = run(PROTOCOL, fake_config(), out=tmp_path / "s", access=fake_access(), control=control, subscribers=[StopOnTemperature(control)])
    assert r.exit_status == "abort"
    resume(tmp_path / "s", access=fake_access())
    res = replay(tmp_path / "s", out=tmp_path / "r", access=fake_access())
    assert res.identical, res


def test_persistent_temperature_read_failure_stops_cleanly_and_resumes(tmp_path: Path) -> None:
    persistent = Fault("garble", r"^KRDG\?", every=True)
    r = run(PROTOCOL, fake_config(), out=tmp_path / "s", access=fake_access(faults=[persistent]))
    assert r.exit_status == "fail" and "FAKE::temperature" in r.reason
    assert resume(tmp_path / "s", access=fake_access()).exit_status == "success"
    assert [x.point for x in load_session(tmp_path / "s").records] == POINTS
