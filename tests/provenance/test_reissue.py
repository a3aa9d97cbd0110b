"""Re-issue: a second certification of the same sample, as a re-run demo does, supersedes the first
(new id, `supersedes` pinned by hash), leaves the first file byte for byte, and the registry and
the thickness study count one film. Real SQLite registry file; the CLI as a user runs it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssbcert.certificate.signing import payload_sha256, read_certificate
from ssbcert.certificate.verify import verify
from ssbcert.certify import certify
from ssbcert.cli import _register_all, app
from ssbcert.errors import InputError, RegistryConflict
from ssbcert.importers.api import import_files, with_stated_temperature
from ssbcert.importers.session import write_session

DEMO_LAB = Path(__file__).resolve().parents[2] / "ssbcert" / "data" / "demo_lab.yaml"  # the fictitious lab

HERE = Path(__file__).resolve().parent
FIX = HERE.parents[1] / ".." / "shared" / "fixtures" / "vendor_formats"  # read in place, never copied
SAMPLE = HERE.parents[1] / "ssbcert" / "data" / "default_sample.yaml"
runner = CliRunner()
_register_all()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SSBCERT_REGISTRY_URL", raising=False)
    return tmp_path / "home"


def session(path: Path) -> Path:
    """A session from a measured-like CSV (one electrolyte arc well inside the window, blocking
    electrode, 0.1 % noise: fast to analyse, and its σ_total valid) holding the demo's sample record."""
    import numpy as np

    f = np.logspace(7, -1, 33)
    jw = 2j * np.pi * f
    z = 2e4 / (1 + 2e4 * 1e-10 * jw ** 0.95) + 1 / (1e-4 * jw ** 0.9)  # a large electrode: hides no GB arc
    noise = np.random.default_rng(7).normal(0.0, 1e-3, (2, f.size))
    z = z * (1 + noise[0] + 1j * noise[1])
    path.mkdir(parents=True, exist_ok=True)
    csv = path.parent / f"{path.name}.csv"
    csv.write_text("freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm\n" + "".join(
        f"{float(a)!r},{float(b.real)!r},{float(-b.imag)!r}\n" for a, b in zip(f, z)), encoding="utf-8")
    result = with_stated_temperature(import_files([csv]), 298.15)
    path.rmdir()
    return write_session(result, path, SAMPLE)


def test_second_demo_like_issue_supersedes_and_the_study_counts_one_film(tmp_path: Path) -> None:
    db = str(tmp_path / "registry.sqlite")
    out = tmp_path / "out" / "certificate"  # one folder for every run, as `ssbcert demo` uses
    first_session, second_session = session(tmp_path / "s1"), session(tmp_path / "s2")
    # certify as `ssbcert demo` calls it, without rendering (the PDF/HTML take tens of seconds)
    certify(first_session, sample=SAMPLE, out=out, registry_url=db, render=False, lab=DEMO_LAB)
    first = next(out.glob("certificate-*.json"))
    first_bytes = first.read_bytes()
    issued = certify(second_session, sample=SAMPLE, out=out, registry_url=db, render=False, lab=DEMO_LAB)
    files = sorted(out.glob("certificate-*.json"))
    assert len(files) == 2 and first.read_bytes() == first_bytes  # never overwritten
    second = next(f for f in files if f != first)
    a, b = read_certificate(first), read_certificate(second)
    assert b.certificate_id != a.certificate_id and b.supersedes is not None
    assert b.supersedes.certificate_id == a.certificate_id and b.supersedes.payload_sha256 == payload_sha256(a)
    assert issued.json_path == second and "re-issued from session" in b.supersedes.reason
    assert verify(first).ok and verify(second).ok  # both still verify; the first is superseded, not broken
    listed = runner.invoke(app, ["registry", "list", "--db", db]).output
    assert "1 film(s), each counted once" in listed and "1 superseded certificate(s) not counted" in listed
    study = runner.invoke(app, ["study", "thickness", "--material", a.item.material, "--db", db,
                                "--plot", str(tmp_path / "t.png")]).output
    assert "1 certified film(s)" in study and "1 superseded certificate(s) not counted" in study
    # a third issue supersedes the second (the current one), with the reason given
    third_issue = certify(second_session, sample=SAMPLE, out=out, registry_url=db, render=False, lab=DEMO_LAB,
                          reason="spec updated")
    third = third_issue.certificate
    assert third_issue.json_path.name.endswith(".3.json") and verify(third_issue.json_path).ok
    assert third.supersedes is not None and third.supersedes.certificate_id == b.certificate_id
    assert third.supersedes.reason == "spec updated"


def test_a_tampered_predecessor_is_not_superseded(tmp_path: Path) -> None:
    out = tmp_path / "cert"
    s = session(tmp_path / "s")
    issued = certify(s, sample=SAMPLE, out=out, register=False, render=False, lab=DEMO_LAB)
    doc = json.loads(issued.json_path.read_text())
    doc["title"] = "edited"
    issued.json_path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="earlier certificate does not verify"):
        certify(s, sample=SAMPLE, out=out, register=False, render=False, lab=DEMO_LAB)


def test_a_machine_with_a_stale_view_of_the_chain_forks_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three machines share one registry, each with its own output folder (the per-sample file lock
    is per machine). The third read the sample's current certificate before the second's landed:
    the registry refuses its successor of the first in words naming the second, and no signed file
    that forks the chain is written; issuing again supersedes the second."""
    import ssbcert.certify.issue as issue

    db = str(tmp_path / "registry.sqlite")
    s = session(tmp_path / "s")
    first = certify(s, sample=SAMPLE, out=tmp_path / "m1", registry_url=db, render=False, lab=DEMO_LAB).certificate
    second = certify(s, sample=SAMPLE, out=tmp_path / "m2", registry_url=db, render=False, lab=DEMO_LAB).certificate
    assert second.supersedes is not None and second.supersedes.certificate_id == first.certificate_id
    stale = tmp_path / "m3"
    with monkeypatch.context() as m:
        m.setattr(issue, "latest_predecessor", lambda *a, **k: first)  # what m3 saw before m2 registered
        with pytest.raises(RegistryConflict, match=f"superseded meanwhile by {second.certificate_id}"):
            certify(s, sample=SAMPLE, out=stale, registry_url=db, render=False, lab=DEMO_LAB)
    assert not list(stale.glob("certificate-*"))
    from ssbcert.registry.db import Registry

    with Registry(db) as reg:
        assert {r.certificate_id for r in reg.list_certificates(include_superseded=True)} == \
            {first.certificate_id, second.certificate_id}
    again = certify(s, sample=SAMPLE, out=stale, registry_url=db, render=False, lab=DEMO_LAB).certificate
    assert again.supersedes is not None and again.supersedes.certificate_id == second.certificate_id
