"""Signing, tamper detection (payload field and raw data byte), trust, amendments."""
from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ssbcert.certificate.amend import amend, supersession_chain
from ssbcert.certificate.model import Certificate, Interpretation
from ssbcert.certificate.signing import keys_dir, load_or_create_key, payload_sha256, sign, write_certificate
from ssbcert.certificate.verify import verify


def test_fresh_certificate_verifies(signed: tuple[Certificate, Path], ssbcert_home: Path) -> None:
    cert, path = signed
    report = verify(path)
    assert report.ok, report.text()
    assert report.key_trusted and report.payload_intact
    assert [c.status for c in report.raw_data] == ["ok", "ok"]
    key_file = keys_dir(ssbcert_home) / "signing_ed25519.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert cert.integrity is not None and cert.integrity.payload_sha256 == payload_sha256(cert)


def _flip_digit(text: str, marker: str) -> str:
    """Change the first digit after ``marker`` (a different digit, same length)."""
    i = text.index(marker) + len(marker)
    while not text[i].isdigit() or text[i] == "0":
        i += 1
    return text[:i] + str((int(text[i]) % 9) + 1 if text[i] != "9" else 8) + text[i + 1:]


def test_one_changed_digit_is_named(signed: tuple[Certificate, Path]) -> None:
    _, path = signed
    text = path.read_text()
    value_pos = text.index('"quantity":"ionic_conductivity_total"')
    tampered = text[:value_pos] + _flip_digit(text[value_pos:], '"value":')
    assert tampered != text
    path.write_text(tampered)
    report = verify(path)
    assert not report.ok
    assert report.signature_valid  # the manifest is intact, so the change can be located
    assert any(f.startswith("results[0].value") for f in report.changed_fields), report.changed_fields
    assert "results[0].value" in report.text()


def test_changed_sample_id_is_named(signed: tuple[Certificate, Path]) -> None:
    _, path = signed
    path.write_text(path.read_text().replace('"sample_id":"LLZO-F-0001"', '"sample_id":"LLZO-F-0002"'))
    report = verify(path)
    assert not report.ok and report.changed_fields == ['item.sample_id (now "LLZO-F-0002")']


def test_one_byte_of_raw_data_is_detected(signed: tuple[Certificate, Path]) -> None:
    _, path = signed
    raw = path.parent / "raw" / "dc_polarization.csv"
    data = bytearray(raw.read_bytes())
    data[20] ^= 0x01
    raw.write_bytes(bytes(data))
    report = verify(path)
    assert not report.ok
    assert [c.status for c in report.raw_data] == ["ok", "changed"]
    assert "raw/dc_polarization.csv" in report.problems[0] and "dc-pol" in report.problems[0]
    raw.unlink()
    assert "missing" in verify(path).problems[0]


def test_tampered_integrity_block_fails_signature(signed: tuple[Certificate, Path]) -> None:
    _, path = signed
    doc = json.loads(path.read_text())
    doc["integrity"]["signed_at"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(doc))
    report = verify(path)
    assert not report.ok and not report.signature_valid
    assert "signature does not verify" in report.problems[0]


def test_resigned_by_stranger_is_flagged(signed: tuple[Certificate, Path], tmp_path: Path) -> None:
    cert, _ = signed
    forged = sign(cert.model_copy(update={"title": "forged"}), key=Ed25519PrivateKey.generate())
    p = write_certificate(forged, tmp_path / "cert" / "forged.json")
    report = verify(p)
    assert not report.ok and not report.key_trusted and "not in the trust store" in report.problems[0]
    lenient = verify(p, allow_untrusted=True)
    assert lenient.ok and lenient.integrity_only and "integrity was checked" in lenient.warnings[0]
    assert "SIGNER NOT TRUSTED" in lenient.text()


def test_unsigned_file_is_not_valid(tmp_path: Path, signed: tuple[Certificate, Path]) -> None:
    cert, _ = signed
    p = write_certificate(cert.model_copy(update={"integrity": None}), tmp_path / "cert" / "draft.json")
    assert "not signed" in verify(p).problems[0]
    (tmp_path / "junk.json").write_text("{not json")
    assert "not readable as JSON" in verify(tmp_path / "junk.json").problems[0]


def test_amendment_supersedes_and_leaves_original_untouched(signed: tuple[Certificate, Path]) -> None:
    original, path = signed
    before = path.read_bytes()
    opinion = Interpretation(text="suitable for Li-metal contact", basis="σ_e and density", author="A. Reviewer")
    new = sign(amend(original, "added interpretation requested by customer", {"interpretations": [opinion]}))
    assert new.certificate_id != original.certificate_id
    assert new.supersedes is not None and new.supersedes.certificate_id == original.certificate_id
    assert new.supersedes.payload_sha256 == original.integrity.payload_sha256  # type: ignore[union-attr]
    assert new.interpretations[0].text == "suitable for Li-metal contact"
    assert original.interpretations == [] and path.read_bytes() == before
    assert supersession_chain(new, {original.certificate_id: original}) == [new.certificate_id, original.certificate_id]
    with pytest.raises(ValueError):
        amend(original, "  ")


def test_key_is_reused_not_regenerated(ssbcert_home: Path) -> None:
    a = load_or_create_key(ssbcert_home)
    b = load_or_create_key(ssbcert_home)
    assert a.public_key().public_bytes_raw() == b.public_key().public_bytes_raw()


def test_cli_verify_exit_codes_and_json(signed: tuple[Certificate, Path]) -> None:
    import typer
    from typer.testing import CliRunner

    from ssbcert.certificate.cli import register, schema_text

    app = typer.Typer()
    register(app)
    _, path = signed
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", str(path)])
    assert ok.exit_code == 0 and "VALID" in ok.output
    path.write_text(path.read_text().replace('"lot":"2026-017"', '"lot":"2026-018"'))
    bad = runner.invoke(app, ["verify", str(path), "--json"])
    assert bad.exit_code == 1
    report = json.loads(bad.output)
    assert report["ok"] is False and report["changed_fields"] == ['item.lot (now "2026-018")']
    assert json.loads(schema_text())["$id"].endswith("/certificate/1.0.0")


def test_trusted_directory_accepts_another_labs_key(signed: tuple[Certificate, Path], ssbcert_home: Path, tmp_path: Path) -> None:
    import base64

    other = Ed25519PrivateKey.generate()
    cert, _ = signed
    p = write_certificate(sign(cert, key=other), tmp_path / "cert" / "other.json")
    assert not verify(p).key_trusted and not verify(p).ok
    trusted = keys_dir(ssbcert_home) / "trusted"
    trusted.mkdir(parents=True, exist_ok=True)
    (trusted / "partner.pub").write_text(base64.b64encode(other.public_key().public_bytes_raw()).decode())
    assert verify(p).ok


def test_absolute_file_uri_is_rehashed(tmp_path: Path) -> None:
    from ssbcert.certificate.build import raw_data_ref
    from ssbcert.certificate.example import example_certificate

    data = tmp_path / "elsewhere" / "trace.csv"
    data.parent.mkdir()
    data.write_bytes(b"t_s,i_A\n0,1e-9\n")
    ref = raw_data_ref(data, id="ext")
    assert ref.uri.startswith("file://") and ref.bytes == 15
    cert = example_certificate(with_figures=False).model_copy(update={"raw_data": [ref]})
    p = write_certificate(sign(cert), tmp_path / "cert" / "abs.json")
    assert verify(p).ok
    data.write_bytes(b"t_s,i_A\n0,2e-9\n")
    assert "trace.csv" in verify(p).problems[0]
