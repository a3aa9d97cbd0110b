"""Session store: append-only lines, torn-tail repair, duplicates refused, manifest, reader."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ssbcert.records import ImpedanceSpectrum, PolarizationTrace
from ssbcert.session import SessionWriter, load_session, verify_manifest
from ssbcert.session.files import AppendLog, read_lines, repair_tail


def new_session(path: Path) -> SessionWriter:
    return SessionWriter.create(path, [("p.yaml", "name: p\n")], {"sha256": "x"}, {"name": "p", "protocol_sha256": "x", "steps": []}, {"name": "b"}, {"id": "film-1"}, "ana")


def spectrum(seed: int) -> ImpedanceSpectrum:
    rng = np.random.default_rng(seed)
    f = np.logspace(6, 1, 11)
    return ImpedanceSpectrum(f, rng.random(11) * 1e3, -rng.random(11) * 1e3, 298.15 + 0.1 / 3, f * 0 + 1.0 / 3, {"k": 1})


def test_torn_last_line_is_ignored_and_cut_before_appending(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    log = AppendLog(p)
    log.append({"a": 1})
    log.close()
    with open(p, "ab") as fh:
        fh.write(b'{"a": 2, "b"')  # the process died here
    assert [d["a"] for d in read_lines(p)] == [1]
    log = AppendLog(p)  # reopening repairs the tail
    log.append({"a": 3})
    log.close()
    assert [d["a"] for d in read_lines(p)] == [1, 3]
    assert repair_tail(p) == 0


def test_records_round_trip_bit_exact_and_duplicates_are_refused(tmp_path: Path) -> None:
    w = new_session(tmp_path / "s")
    rec = spectrum(1)
    w.add_record("s00.eis", "s00.eis.p0", rec)
    w.add_record("s01.dc", "s01.dc.p0", PolarizationTrace([0.0, 1.0], [1e-6, 0.1 / 3], 0.1))
    with pytest.raises(ValueError, match="already recorded"):
        w.add_record("s00.eis", "s00.eis.p0", rec)
    w.close()
    s = load_session(tmp_path / "s")
    assert s.records[0].record == rec and s.records[0].record.temperature_K == rec.temperature_K
    assert s.info["operator"] == "ana" and s.sample == {"id": "film-1"}
    df = s.dataframe()
    assert len(df) == 13 and df["z_real_ohm"].iloc[0] == rec.z_real_ohm[0]


def test_reopen_continues_segments_and_completed_points(tmp_path: Path) -> None:
    w = new_session(tmp_path / "s")
    w.document({"doc": "start"})
    w.io.record("R", "write", b"*IDN?")
    w.add_record("a", "a.p0", spectrum(2))
    w.document({"doc": "step_done", "step": "b"})
    w.close()
    w2 = SessionWriter.reopen(tmp_path / "s")
    assert w2.segment == 1 and w2.completed_points == {"a.p0"} and w2.completed_steps == {"b"}
    assert w2.io.n == 1
    w2.close()


def test_manifest_hashes_every_file_and_detects_edits(tmp_path: Path) -> None:
    w = new_session(tmp_path / "s")
    w.add_record("a", "a.p0", spectrum(3))
    manifest = w.write_manifest()
    w.close()
    assert {"records.jsonl", "plan.json", "protocol/00-p.yaml", "session.json"} <= set(manifest["files"])
    assert verify_manifest(tmp_path / "s") == []
    with open(tmp_path / "s" / "records.jsonl", "a") as fh:
        fh.write("{}\n")
    assert verify_manifest(tmp_path / "s") == ["records.jsonl"]


def test_refuses_to_overwrite_a_session(tmp_path: Path) -> None:
    new_session(tmp_path / "s").close()
    with pytest.raises(FileExistsError, match="resume"):
        new_session(tmp_path / "s")


def test_transcript_bytes_survive_latin1(tmp_path: Path) -> None:
    w = new_session(tmp_path / "s")
    raw = bytes(range(256))
    w.io.record("R", "read", raw)
    w.close()
    line = json.loads((tmp_path / "s" / "io.jsonl").read_text())
    assert line["data"].encode("latin-1") == raw
