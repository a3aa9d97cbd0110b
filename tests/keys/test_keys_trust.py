"""Trust store and keys: a forged certificate fails, an untrusted one passes only with
--allow-untrusted, passphrase-protected keys, export → trust elsewhere, untrust, rotate, JWS."""
from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.jws import jws_path
from ssbcert.certificate.model import Certificate
from ssbcert.certificate.signing import CertificateExists, fingerprint, read_certificate, sign, write_certificate
from ssbcert.certificate.verify import verify
from ssbcert.cli import _register_all, app
from ssbcert.errors import InputError
from ssbcert.keys import store

runner = CliRunner()
_register_all()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("SSBCERT_HOME", str(h))
    monkeypatch.delenv(store.PASSPHRASE_ENV, raising=False)
    return h


def ssbcert(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def issue(tmp_path: Path, name: str = "c.json", key: Ed25519PrivateKey | None = None) -> Path:
    key = key or store.signing_key()
    cert = sign(example_certificate(raw_dir=tmp_path / "cert" / "raw", with_figures=False), key)
    return write_certificate(cert, tmp_path / "cert" / name, jws_key=key)


def test_forged_certificate_resigned_with_a_fresh_key_fails(tmp_path: Path) -> None:
    genuine = issue(tmp_path)
    assert ssbcert("verify", str(genuine))[0] == 0
    doc = json.loads(genuine.read_text())
    doc.pop("integrity")
    doc["results"][0]["value"] *= 10
    forged_key = Ed25519PrivateKey.generate()
    forged = write_certificate(sign(Certificate.model_validate(doc), forged_key), tmp_path / "cert" / "forged.json",
                               jws_key=forged_key)
    code, out = ssbcert("verify", str(forged))
    assert code != 0 and "INVALID" in out and "not in the trust store" in out
    # the forgery is self-consistent: only the trust store tells it apart
    code, out = ssbcert("verify", str(forged), "--allow-untrusted")
    assert code == 0 and "integrity checked only" in out and "SIGNER NOT TRUSTED" in out


def test_untrusted_but_intact_passes_only_with_allow_untrusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert_path = issue(tmp_path)
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "verifier"))  # another machine: empty trust store
    code, out = ssbcert("verify", str(cert_path))
    assert code == 1 and "not in the trust store" in out
    code, out = ssbcert("verify", str(cert_path), "--allow-untrusted", "--json")
    rep = json.loads(out)
    assert code == 0 and rep["integrity_only"] and not rep["key_trusted"] and rep["jws"] == "ok"
    # tampering is still caught with --allow-untrusted
    cert_path.write_text(cert_path.read_text().replace('"lot":"2026-017"', '"lot":"2026-018"'))
    assert ssbcert("verify", str(cert_path), "--allow-untrusted")[0] == 1


def test_export_then_trust_on_another_machine_then_untrust(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    cert_path = issue(tmp_path)
    code, pem = ssbcert("keys", "export")
    assert code == 0 and pem.startswith("-----BEGIN PUBLIC KEY-----")
    (tmp_path / "lab.pem").write_text(pem)
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "verifier"))
    code, out = ssbcert("keys", "trust", str(tmp_path / "lab.pem"), "--name", "partner-lab")
    fp = fingerprint(store.parse_public_key(pem))
    assert code == 0 and fp in out
    assert ssbcert("verify", str(cert_path))[0] == 0
    assert "partner-lab" in ssbcert("keys", "show")[1]
    code, out = ssbcert("keys", "untrust", fp[:20])
    assert code == 0 and "no longer trusted" in out
    assert ssbcert("verify", str(cert_path))[0] == 1
    assert ssbcert("keys", "untrust", "deadbeefdeadbeef")[0] == 2


def test_jwk_and_b64_round_trip(home: Path) -> None:
    with pytest.raises(InputError, match="no signing key yet"):
        store.own_public_key()
    key = store.signing_key()
    raw = key.public_key().public_bytes_raw()
    for form in ("pem", "b64", "jwk"):
        assert store.parse_public_key(store.export_public(raw, form)) == raw
    with pytest.raises(InputError, match="32 bytes"):
        store.parse_public_key("AAAA")


def test_key_creation_is_announced_and_encrypted_with_passphrase(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(store.PASSPHRASE_ENV, "correct horse")
    code, out = ssbcert("keys", "init")
    assert code == 0 and "created signing key SHA256:" in out and "encrypted with a passphrase" in out
    pem = store.keys_dir() / store.KEY_FILE
    assert b"ENCRYPTED PRIVATE KEY" in pem.read_bytes() and stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert ssbcert("keys", "init")[0] == 2  # never replaced by init
    assert "(encrypted)" in ssbcert("keys", "show")[1]
    assert fingerprint(store.signing_key().public_key()) == fingerprint(store.own_public_key())
    monkeypatch.setenv(store.PASSPHRASE_ENV, "wrong")
    with pytest.raises(InputError, match="wrong passphrase"):
        store.signing_key()
    monkeypatch.delenv(store.PASSPHRASE_ENV)
    with pytest.raises(InputError, match="SSBCERT_KEY_PASSPHRASE"):
        store.signing_key()


def test_first_use_announces_the_fingerprint(capsys: pytest.CaptureFixture[str]) -> None:
    key = store.signing_key()
    err = capsys.readouterr().err
    assert f"created signing key {fingerprint(key.public_key())}" in err and "NOT encrypted" in err
    store.signing_key()
    assert capsys.readouterr().err == ""  # reuse is silent


def test_rotate_keeps_old_certificates_verifiable_unless_asked(tmp_path: Path) -> None:
    old = issue(tmp_path, "old.json")
    old_fp = fingerprint(store.own_public_key())
    code, out = ssbcert("keys", "rotate")
    new_fp = fingerprint(store.own_public_key())
    assert code == 0 and new_fp != old_fp and f"retired signing key {old_fp}" in out and new_fp in out
    assert verify(old).ok
    new = issue(tmp_path, "new.json")
    assert read_certificate(new).integrity.key_fingerprint == new_fp  # type: ignore[union-attr]
    assert ssbcert("keys", "rotate", "--untrust-old")[0] == 0
    # the first key is still trusted; the second (which signed new.json) no longer is
    assert not verify(new).ok and verify(old).ok


def test_detached_jws_is_standard_and_checked(tmp_path: Path) -> None:
    from joserfc import jws
    from joserfc.jwk import OKPKey

    path = issue(tmp_path)
    token = jws_path(path).read_text().strip()
    header, empty, _ = token.split(".")
    assert empty == ""
    pub = OKPKey.import_key(store.signing_key().public_key())
    assert jws.deserialize_compact(token, pub, payload=path.read_bytes(), algorithms=["Ed25519"]).headers()["alg"] == "Ed25519"
    forged = jws.detach_content(jws.serialize_compact({"alg": "Ed25519"}, path.read_bytes(),
                                                      OKPKey.import_key(Ed25519PrivateKey.generate()), algorithms=["Ed25519"]))
    jws_path(path).write_text(forged)
    rep = verify(path)
    assert not rep.ok and rep.jws == "invalid" and ".jws" in rep.problems[0]


def test_a_signed_certificate_file_is_never_overwritten(tmp_path: Path) -> None:
    path = issue(tmp_path)
    before = path.read_bytes()
    write_certificate(read_certificate(path), path)  # identical bytes: fine
    other = sign(example_certificate(with_figures=False), store.signing_key())
    with pytest.raises(CertificateExists, match="never overwritten"):
        write_certificate(other, path)
    assert path.read_bytes() == before


def test_keys_show_json_lists_the_signing_key_and_the_trust_store(tmp_path, monkeypatch) -> None:
    import json as _json

    from typer.testing import CliRunner

    from ssbcert.cli import _register_all, app

    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    _register_all()
    runner = CliRunner()
    empty = _json.loads(runner.invoke(app, ["keys", "show", "--json"]).output)
    assert empty["signing_key"]["fingerprint"] is None and empty["trusted"] == []
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    doc = _json.loads(runner.invoke(app, ["keys", "show", "--json"]).output)
    fp = doc["signing_key"]["fingerprint"]
    assert fp.startswith("SHA256:") and doc["signing_key"]["encrypted"] is False
    assert [k["fingerprint"] for k in doc["trusted"] if k["this_lab"]] == [fp]
