"""The monitor's HTTP side through Starlette's TestClient: page, JSON, SSE, token, hosts, registry."""
from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest

from ssbcert.monitor.app import STATIC, MonitorConfig, create_app

with warnings.catch_warnings():  # starlette asks for httpx2 (not packaged here); httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

BASE = "http://127.0.0.1"


def client(cfg: MonitorConfig) -> TestClient:
    return TestClient(create_app(cfg), base_url=BASE)


def sse(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_the_page_and_its_scripts_are_served_from_the_package_without_a_cdn(finished: Path) -> None:
    c = client(MonitorConfig(root=finished.parent))
    page = c.get(f"/s/{finished.name}")
    assert page.status_code == 200 and "<canvas id=\"nyquist\">" in page.text
    for name in ("plot.js", "monitor.js", "monitor.css"):
        assert c.get(f"/static/{name}").status_code == 200
    for f in STATIC.iterdir():
        assert not re.search(r"(src|href)=\"(https?:)?//", f.read_text()), f"{f.name} loads something from the network"


def test_index_lists_the_sessions_under_the_root(finished: Path) -> None:
    c = client(MonitorConfig(root=finished.parent))
    rows = c.get("/api/sessions").json()["local"]
    assert [r["name"] for r in rows] == [finished.name] and rows[0]["exit_status"] == "success"
    assert c.get("/api/config").json()["session"] is None


def test_a_finished_session_streams_everything_then_ends(finished: Path) -> None:
    c = client(MonitorConfig(root=finished.parent, poll_s=0.01))
    with c.stream("GET", f"/api/s/{finished.name}/stream") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse(r.read().decode())
    assert [e for e, _ in events] == ["update", "end"]
    update = events[0][1]
    assert len(update["spectra"]) == 6 and len(update["traces"]) == 1 and update["status"]["state"] == "success"
    assert events[1][1]["state"] == "success"
    assert c.get(f"/api/s/{finished.name}/snapshot").json()["progress"]["fraction"] == 1.0


def test_unknown_or_escaping_session_keys_are_404(finished: Path) -> None:
    c = client(MonitorConfig(root=finished.parent))
    assert c.get("/api/s/nope/snapshot").status_code == 404
    assert c.get("/api/s/..%2F..%2Fetc/snapshot").status_code == 404


def test_control_needs_the_token_and_a_live_session(paused_run) -> None:  # type: ignore[no-untyped-def]
    cfg = MonitorConfig(root=paused_run.path.parent)
    c = client(cfg)
    url = f"/api/s/{paused_run.path.name}/control"
    snap = c.get(f"/api/s/{paused_run.path.name}/snapshot").json()
    assert snap["status"] == {"state": "paused", "reason": "", "live": True}
    assert c.post(url, json={"action": "abort"}).status_code == 403
    assert c.post(url, json={"action": "abort"}, headers={"X-Ssbcert-Token": "wrong"}).status_code == 403
    assert not (paused_run.path / "control.jsonl").exists(), "a refused request writes nothing"
    bad = c.post(url, json={"action": "explode"}, headers={"X-Ssbcert-Token": cfg.token})
    assert bad.status_code == 400 and "expected one of pause, resume, abort" in bad.json()["error"]
    ok = c.post(url, json={"action": "abort"}, headers={"X-Ssbcert-Token": cfg.token})
    assert ok.status_code == 202 and ok.json()["request"]["action"] == "abort"
    r = paused_run.wait()
    assert r.exit_status == "abort" and r.reason.startswith("aborted by monitor")
    late = c.post(url, json={"action": "pause"}, headers={"X-Ssbcert-Token": cfg.token})
    assert late.status_code == 409 and "not running (state: abort)" in late.json()["error"]


def test_only_loopback_host_names_are_answered(finished: Path) -> None:
    """A web page elsewhere cannot reach the monitor through DNS rebinding."""
    c = client(MonitorConfig(root=finished.parent))
    assert c.get("/api/sessions", headers={"host": "attacker.example"}).status_code == 400
    assert c.get("/api/sessions", headers={"host": "localhost:8765"}).status_code == 200


def test_registry_sessions_and_certificates_are_listed(finished: Path, tmp_path: Path) -> None:
    from ssbcert.registry.db import Registry

    url = f"sqlite:///{tmp_path / 'reg.sqlite'}"
    with Registry(url) as reg:
        reg.add_session("sess-1", protocol="small", path=str(finished))
    cfg = MonitorConfig(root=tmp_path / "empty", registry=True, registry_url=url)
    c = client(cfg)
    listing = c.get("/api/sessions").json()
    assert listing["local"] == [] and listing["registry"]["certificates"] == []
    assert [(s["id"], s["path"]) for s in listing["registry"]["sessions"]] == [("sess-1", str(finished))]
    assert c.get("/api/s/id:sess-1/snapshot").json()["status"]["state"] == "success", "opened by registry id"


@pytest.mark.parametrize("bad", ["mysql://nobody@127.0.0.1:1/none"])
def test_an_unreadable_registry_is_reported_on_the_page(tmp_path: Path, bad: str) -> None:
    listing = client(MonitorConfig(root=tmp_path, registry=True, registry_url=bad)).get("/api/sessions").json()
    assert "registry_error" in listing and "\n" not in listing["registry_error"]
