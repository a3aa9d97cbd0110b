"""Verify a certificate file: trusted signer, signature, payload integrity (naming changed fields),
the detached JWS, the raw data and — when the session is present — the session behind it.

Works on the JSON as stored, never on a re-validated model: pydantic coercion could hide a change.
A certificate passes only when its signing key is in the verifier's trust store: anyone can make a
self-consistent signed file with a fresh key. ``allow_untrusted`` checks integrity alone and the
report says so.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ssbcert.certificate.build import file_sha256
from ssbcert.certificate.canonical import canonical_bytes, leaf_paths, sha256_hex
from ssbcert.certificate.jws import check_detached_jws, jws_path
from ssbcert.certificate.signing import FIELD_DIGEST_HEX, field_digests, fingerprint, manifest_of, trusted_fingerprints

SESSION_MANIFEST_ID = "session_manifest"  # the raw_data entry pinning the session's manifest.json


@dataclass
class RawDataCheck:
    id: str
    uri: str
    status: str  # "ok", "changed", "missing"
    detail: str = ""


@dataclass
class VerifyReport:
    """Outcome of :func:`verify`; ``ok`` is False when any problem was found."""

    path: str
    certificate_id: str = ""
    signed: bool = False
    signature_valid: bool = False
    payload_intact: bool = False
    key_fingerprint: str = ""
    key_trusted: bool = False
    integrity_only: bool = False  # allow_untrusted: the signer was not checked against the trust store
    jws: str = "absent"  # "ok", "absent" or "invalid"
    session: str = "not referenced"  # "intact", "changed", "not present", "not referenced"
    changed_fields: list[str] = field(default_factory=list)
    raw_data: list[RawDataCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        """Human-readable summary, one finding per line."""
        if not self.ok:
            verdict = "INVALID"
        elif self.integrity_only and not self.key_trusted:
            verdict = "INTACT, SIGNER NOT TRUSTED (integrity checked only: --allow-untrusted)"
        else:
            verdict = "VALID"
        lines = [f"{self.path}: {verdict}", f"  certificate {self.certificate_id or '?'}"]
        if self.signed:
            trust = "trusted" if self.key_trusted else "NOT in the trust store"
            lines.append(f"  signed by {self.key_fingerprint} ({trust}); detached JWS: {self.jws}")
        lines.append(f"  session: {self.session}")
        lines += [f"  problem: {p}" for p in self.problems]
        lines += [f"  warning: {w}" for w in self.warnings]
        lines += [f"  raw data {c.id}: {c.status}{' - ' + c.detail if c.detail else ''}" for c in self.raw_data]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "certificate_id": self.certificate_id, "key_fingerprint": self.key_fingerprint,
                "key_trusted": self.key_trusted, "integrity_only": self.integrity_only, "jws": self.jws,
                "session": self.session, "changed_fields": self.changed_fields, "problems": self.problems,
                "warnings": self.warnings, "raw_data": [vars(c) for c in self.raw_data]}


def _resolve_uri(uri: str, base: Path) -> Path:
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    return (base / uri).resolve()


def _check_raw(payload: dict[str, Any], base: Path, report: VerifyReport) -> None:
    for entry in payload.get("raw_data") or []:
        rid, uri, expected = str(entry.get("id", "?")), str(entry.get("uri", "")), entry.get("sha256")
        path = _resolve_uri(uri, base)
        if not path.is_file():
            report.raw_data.append(RawDataCheck(rid, uri, "missing", str(path)))
            if rid == SESSION_MANIFEST_ID:
                report.session = "not present"
                report.warnings.append(f"the session is not present at {path.parent}: its manifest was not re-checked")
            else:
                report.problems.append(f"raw data file {uri!r} (id {rid}) is missing at {path}")
            continue
        found = file_sha256(path)
        if found != expected:
            report.raw_data.append(RawDataCheck(rid, uri, "changed", f"sha256 {found} != {expected}"))
            report.problems.append(f"raw data file {uri!r} (id {rid}) changed: sha256 is {found}, certificate says {expected}")
            if rid == SESSION_MANIFEST_ID:
                report.session = "changed"
        else:
            report.raw_data.append(RawDataCheck(rid, uri, "ok"))
            if rid == SESSION_MANIFEST_ID:
                _check_session(path.parent, report)


def _check_session(session_dir: Path, report: VerifyReport) -> None:
    """The manifest is the one the certificate pins; now every file it lists must match it."""
    from ssbcert.session.integrity import check_session

    problems = check_session(session_dir)
    report.session = "changed" if problems else "intact"
    report.problems += [f"session {session_dir}: {p}" for p in problems]


def _describe_changes(payload: dict[str, Any], signed: dict[str, str]) -> list[str]:
    now = field_digests(payload)
    leaves = leaf_paths(payload)
    changed = []
    for path in sorted(set(now) | set(signed)):
        if path not in signed:
            changed.append(f"{path} (added, now {json.dumps(leaves[path])[:60]})")
        elif path not in now:
            changed.append(f"{path} (removed)")
        elif now[path] != signed[path][:FIELD_DIGEST_HEX]:
            changed.append(f"{path} (now {json.dumps(leaves[path])[:60]})")
    return changed


def verify(
    cert_path: str | Path,
    *,
    trusted: set[str] | None = None,
    allow_untrusted: bool = False,
    check_raw_data: bool = True,
    require_trusted: bool | None = None,
) -> VerifyReport:
    """Check a certificate file. Problems name what changed: the field path or the raw-data file.

    ``trusted`` is a set of key fingerprints (default: the trust store, ``keys/trusted``). A key
    outside it is a problem unless ``allow_untrusted``, which checks integrity only (and the report
    says so). ``require_trusted`` is accepted for old callers; trust is now always required.
    """
    path = Path(cert_path)
    report = VerifyReport(path=str(path), integrity_only=allow_untrusted and not require_trusted)
    try:
        data = path.read_bytes()
        doc = json.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        report.problems.append(f"not readable as JSON: {exc}")
        return report
    if not isinstance(doc, dict):
        report.problems.append("not a certificate: top level is not a JSON object")
        return report
    report.certificate_id = str(doc.get("certificate_id", ""))
    integrity = doc.pop("integrity", None)
    payload = doc
    if not isinstance(integrity, dict):
        report.problems.append("certificate is not signed (no integrity block)")
    else:
        report.signed = True
        pub = _check_signature(payload, integrity, report, trusted)
        if pub is not None:
            _check_jws(path, data, pub, report)
    if check_raw_data:
        _check_raw(payload, path.parent, report)
    _check_schema(payload, report)
    return report


def _check_jws(path: Path, data: bytes, pub: Ed25519PublicKey, report: VerifyReport) -> None:
    token_file = jws_path(path)
    if not token_file.is_file():
        return
    problem = check_detached_jws(data, token_file.read_text(encoding="ascii", errors="replace"), pub)
    report.jws = "invalid" if problem else "ok"
    if problem:
        report.problems.append(f"{token_file.name}: {problem}")


def _check_schema(payload: dict[str, Any], report: VerifyReport) -> None:
    """A signed file from another schema version can be intact yet not readable by this version."""
    from pydantic import ValidationError

    from ssbcert.certificate.model import Certificate

    try:
        Certificate.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        report.warnings.append(f"does not validate against schema {payload.get('schema_version', '?')}: {where}: {first['msg']}")


def _check_signature(
    payload: dict[str, Any], integrity: dict[str, Any], report: VerifyReport, trusted: set[str] | None
) -> Ed25519PublicKey | None:
    """Signature, signer trust and payload hash; returns the embedded public key when the signature holds."""
    try:
        raw_pub = base64.b64decode(str(integrity.get("public_key", "")), validate=True)
        pub = Ed25519PublicKey.from_public_bytes(raw_pub)
        signature = base64.b64decode(str(integrity.get("signature", "")), validate=True)
        pub.verify(signature, canonical_bytes(manifest_of(integrity)))
    except (InvalidSignature, ValueError, binascii.Error):
        report.problems.append(
            "signature does not verify: the integrity block (public key, digests, signed_at or signature) was altered"
        )
        return None
    report.signature_valid = True
    report.key_fingerprint = fingerprint(raw_pub)
    if integrity.get("key_fingerprint") != report.key_fingerprint:
        report.problems.append("integrity.key_fingerprint does not match the embedded public key")
    report.key_trusted = report.key_fingerprint in (trusted if trusted is not None else trusted_fingerprints())
    if not report.key_trusted:
        if report.integrity_only:
            report.warnings.append(f"signing key {report.key_fingerprint} is not trusted here: integrity was checked, "
                                   "authorship was not (--allow-untrusted)")
        else:
            report.problems.append(f"signing key {report.key_fingerprint} is not in the trust store: anyone can sign "
                                   "with a fresh key (trust it with `ssbcert keys trust`, or check integrity only "
                                   "with --allow-untrusted)")
    if sha256_hex(canonical_bytes(payload)) == integrity.get("payload_sha256"):
        report.payload_intact = True
        return pub
    report.changed_fields = _describe_changes(payload, dict(integrity.get("field_digests") or {}))
    where = "; ".join(report.changed_fields) or "a change the field digests do not localise (e.g. key order of a list)"
    report.problems.append(f"certificate changed after signing: {where}")
    return pub
