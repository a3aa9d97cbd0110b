"""The runner's journal validates against Bluesky's event-model schemas, checked with event_model's
own validators, and links up the way a Bluesky consumer expects (uids, seq_num, data keys)."""
from __future__ import annotations

import sys
from pathlib import Path

import event_model
import pytest

from ssbcert.runner.api import run
from ssbcert.runner.control import RunControl
from ssbcert.runner.documents import event_model_documents, to_event_model
from ssbcert.session import load_session

sys.path.insert(0, str(Path(__file__).parent))
from fakebench import fake_access, fake_config  # noqa: E402

PROTOCOL = str(Path(__file__).parents[1] / "fixtures" / "protocols" / "small.yaml")
VALIDATORS = event_model.schema_validators


def _pairs(session: Path) -> list[tuple[str, dict]]:
    return list(event_model_documents(load_session(session).documents))


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("em") / "s"
    assert run(PROTOCOL, fake_config(), out=path, access=fake_access()).exit_status == "success"
    return path


def test_every_document_passes_event_models_validators(finished: Path) -> None:
    pairs = _pairs(finished)
    names = [n for n, _ in pairs]
    assert names[0] == "start" and names[-1] == "stop"
    assert {"descriptor", "event"} <= set(names)
    for name, doc in pairs:
        VALIDATORS[event_model.DocumentNames[name]].validate(doc)


def test_documents_link_up_like_a_bluesky_run(finished: Path) -> None:
    pairs = _pairs(finished)
    start = pairs[0][1]
    stop = pairs[-1][1]
    descriptors = {d["uid"]: d for n, d in pairs if n == "descriptor"}
    events = [d for n, d in pairs if n == "event"]
    assert stop["run_start"] == start["uid"] and stop["exit_status"] == "success"
    assert all(d["run_start"] == start["uid"] for d in descriptors.values())
    uids = [d["uid"] for _, d in pairs]
    assert len(uids) == len(set(uids)), "uids are unique"
    seq: dict[str, list[int]] = {}
    for e in events:
        desc = descriptors[e["descriptor"]]
        assert set(e["data"]) == set(desc["data_keys"]) == set(e["timestamps"]), desc["name"]
        seq.setdefault(e["descriptor"], []).append(e["seq_num"])
        for key in desc["data_keys"].values():
            assert {"dtype", "shape", "source"} <= set(key)
    for uid, nums in seq.items():
        assert nums == list(range(1, len(nums) + 1)), descriptors[uid]["name"]
    assert stop["num_events"] == {descriptors[u]["name"]: len(n) for u, n in seq.items()}
    # the spectra themselves are in the events: the document stream alone holds the measurement
    imp = next(d for d in descriptors.values() if d["name"] == "impedance")
    assert imp["data_keys"]["z_imag_ohm"] == {**imp["data_keys"]["z_imag_ohm"], "dtype": "array", "shape": [None], "units": "ohm"}
    first = next(e for e in events if e["descriptor"] == imp["uid"])
    spectrum = load_session(finished).records[0].record
    assert first["data"]["z_imag_ohm"] == spectrum.z_imag_ohm.tolist()
    # events of one descriptor can be packed into an event_page by event_model itself
    page = event_model.pack_event_page(*[e for e in events if e["descriptor"] == imp["uid"]])
    VALIDATORS[event_model.DocumentNames.event_page].validate(page)


def test_an_aborted_run_stops_with_exit_status_abort(tmp_path: Path) -> None:
    control = RunControl()
    control.stop_after_points = {"s01.t0.s1.eis.p0"}
    r = run(PROTOCOL, fake_config(), out=tmp_path / "s", access=fake_access(), control=control)
    assert r.exit_status == "abort"
    name, stop = _pairs(tmp_path / "s")[-1]
    assert name == "stop" and stop["exit_status"] == "abort" and stop["reason"]
    VALIDATORS[event_model.DocumentNames.stop].validate(stop)


def test_ssbcert_only_kinds_and_old_journals_give_nothing() -> None:
    assert to_event_model({"doc": "step_done", "step": "s01"}) is None
    assert to_event_model({"doc": "event", "stream": "impedance", "data": {}}) is None  # no uid: an older journal


def test_a_run_on_the_simulated_twins_validates(tmp_path: Path) -> None:
    """Real drivers' snapshots (identity, settings) and resources as sources also pass."""
    protocol = Path(__file__).parents[1] / "monitor" / "short.yaml"
    assert run(protocol, None, out=tmp_path / "s").exit_status == "success"
    pairs = _pairs(tmp_path / "s")
    for name, doc in pairs:
        VALIDATORS[event_model.DocumentNames[name]].validate(doc)
    imp = next(d for n, d in pairs if n == "descriptor" and d["name"] == "impedance")
    assert imp["data_keys"]["z_real_ohm"]["source"].startswith("TCPIP::127.0.0.1::")
