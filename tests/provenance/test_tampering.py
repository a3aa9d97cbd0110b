"""The provenance chain: a session changed after recording is refused by certify, replay and
reanalyze, naming the file and both hashes; the certificate pins the manifest and verify re-checks
the session when it is present."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssbcert.certificate.verify import verify
from ssbcert.certify import certify
from ssbcert.cli import _register_all, app
from ssbcert.errors import InputError
from ssbcert.importers.api import import_files, with_stated_temperature
from ssbcert.importers.session import write_session
from ssbcert.runner.api import run
from ssbcert.session import SessionTampered, SessionWriter, check_session, manifest_sha256, require_intact
from ssbcert.session.files import sha256_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "runner"))
from fakebench import fake_access, fake_config  # noqa: E402

DEMO_LAB = Path(__file__).resolve().parents[2] / "ssbcert" / "data" / "demo_lab.yaml"  # the fictitious lab

FIX = HERE.parents[1] / ".." / "shared" / "fixtures" / "vendor_formats"  # read in place, never copied
SAMPLE = HERE.parents[1] / "ssbcert" / "data" / "default_sample.yaml"
PROTOCOL = str(HERE.parent / "fixtures" / "protocols" / "small.yaml")
runner = CliRunner()
_register_all()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def imported(tmp_path: Path) -> Path:
    result = with_stated_temperature(import_files([FIX / "exampleDataGamry.DTA"]), 298.15)
    return write_session(result, tmp_path / "session", SAMPLE)


def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "recorded"
    assert run(PROTOCOL, fake_config(), out=path, access=fake_access()).exit_status == "success"
    return path


def change_one_digit(path: Path) -> tuple[str, str]:
    """Change one digit inside the first record's data; returns (hash before, hash after)."""
    before = sha256_file(path)
    text = path.read_text()
    i = text.index('"z_real_ohm":[') + len('"z_real_ohm":[')
    while not text[i].isdigit():
        i += 1
    text = text[:i] + ("1" if text[i] != "1" else "2") + text[i + 1:]
    path.write_text(text)
    return before, sha256_file(path)


def test_tampered_session_is_refused_by_certify_naming_file_and_hashes(tmp_path: Path) -> None:
    ses = imported(tmp_path)
    expected, found = change_one_digit(ses / "records.jsonl")
    with pytest.raises(SessionTampered) as info:
        certify(ses, sample=SAMPLE, out=tmp_path / "cert", register=False, render=False, lab=DEMO_LAB)
    msg = str(info.value)
    assert "records.jsonl" in msg and expected in msg and found in msg
    assert not (tmp_path / "cert").exists() or not list((tmp_path / "cert").glob("*.json"))


def test_tampered_session_is_refused_by_replay_and_reanalyze(tmp_path: Path) -> None:
    rec = recorded(tmp_path)
    change_one_digit(rec / "records.jsonl")
    r = runner.invoke(app, ["replay", str(rec), "--out", str(tmp_path / "replayed")])
    assert r.exit_code == 2 and "records.jsonl" in r.output and "changed after it was recorded" in r.output
    assert not (tmp_path / "replayed").exists()
    ses = imported(tmp_path)
    change_one_digit(ses / "records.jsonl")
    r = runner.invoke(app, ["reanalyze", str(ses), "--sample", str(SAMPLE)])
    assert r.exit_code == 2 and "records.jsonl" in r.output and "the manifest says" in r.output


def test_transcript_and_static_files_are_covered_too(tmp_path: Path) -> None:
    rec = recorded(tmp_path)
    bench = json.loads((rec / "bench.json").read_text())
    bench["name"] = "another bench"
    (rec / "bench.json").write_text(json.dumps(bench))
    io_lines = (rec / "io.jsonl").read_text().splitlines()
    (rec / "io.jsonl").write_text("\n".join(io_lines[:-1]) + "\n")  # one exchange removed
    files = {p.file for p in check_session(rec)}
    assert {"bench.json", "io.jsonl"} <= files


def test_interrupted_run_is_told_apart_from_an_edit(tmp_path: Path) -> None:
    rec = recorded(tmp_path)
    with open(rec / "journal.jsonl", "a") as fh:
        fh.write('{"doc":"note","text":"after the manifest"}\n')
    with pytest.raises(SessionTampered, match="appended after the manifest was written.*resume it first"):
        require_intact(rec)


def test_duplicated_record_is_named_even_with_a_fresh_manifest(tmp_path: Path) -> None:
    rec = recorded(tmp_path)
    lines = (rec / "records.jsonl").read_text().splitlines()
    (rec / "records.jsonl").write_text("\n".join(lines + [lines[-1]]) + "\n")
    w = SessionWriter.reopen(rec)  # re-sealing the manifest does not hide a second writer's line
    w.write_manifest()
    w.close()
    problems = check_session(rec)
    assert problems and problems[0].file == "records.jsonl" and "line 8" in problems[0].message


def test_certificate_pins_the_manifest_and_verify_rechecks_the_session(tmp_path: Path) -> None:
    ses = imported(tmp_path)
    issued = certify(ses, sample=SAMPLE, register=False, render=False, lab=DEMO_LAB)  # default: SESSION/certificate
    pinned = {r.id: r for r in issued.certificate.raw_data}["session_manifest"]
    assert pinned.sha256 == manifest_sha256(ses)
    report = verify(issued.json_path)
    assert report.ok and report.session == "intact", report.text()
    # a file no raw-data entry names, changed: only the session re-check can see it
    info = json.loads((ses / "session.json").read_text())
    info["operator"] = "someone else"
    (ses / "session.json").write_text(json.dumps(info))
    report = verify(issued.json_path)
    assert not report.ok and report.session == "changed"
    assert any("session.json" in p and "the manifest says" in p for p in report.problems)
    with pytest.raises(InputError, match="session.json"):
        certify(ses, sample=SAMPLE, register=False, render=False, lab=DEMO_LAB)


def test_verify_without_the_session_warns_and_still_checks_the_rest(tmp_path: Path) -> None:
    ses = imported(tmp_path)
    issued = certify(ses, sample=SAMPLE, out=tmp_path / "cert", register=False, render=False, lab=DEMO_LAB)
    (ses / "manifest.json").rename(tmp_path / "moved-manifest.json")
    report = verify(issued.json_path)
    assert report.session == "not present" and any("not re-checked" in w for w in report.warnings)
    assert report.ok  # records, transcript and sample are still re-hashed
