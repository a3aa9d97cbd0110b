"""Verify a certificate file: signature, payload integrity (naming changed fields) and raw data.

Works on the JSON as stored, never on a re-validated model: pydantic coercion could hide a change.
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
from ssbcert.certificate.signing import FIELD_DIGEST_HEX, field_digests, fingerprint, manifest_of, trusted_fingerprints


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
    changed_fields: list[str] = field(default_factory=list)
    raw_data: list[RawDataCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        """Human-readable summary, one finding per line."""
        head = f"{self.path}: {'VALID' if self.ok else 'INVALID'}"
        lines = [head, f"  certificate {self.certificate_id or '?'}"]
        if self.signed:
            trust = "trusted" if self.key_trusted else "NOT in trusted keys"
            lines.append(f"  signed by {self.key_fingerprint} ({trust})")
        lines += [f"  problem: {p}" for p in self.problems]
        lines += [f"  warning: {w}" for w in self.warnings]
        lines += [f"  raw data {c.id}: {c.status}{' - ' + c.detail if c.detail else ''}" for c in self.raw_data]
        return "\n".join(lines)


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
            report.problems.append(f"raw data file {uri!r} (id {rid}) is missing at {path}")
            continue
        found = file_sha256(path)
        if found != expected:
            report.raw_data.append(RawDataCheck(rid, uri, "changed", f"sha256 {found} != {expected}"))
            report.problems.append(f"raw data file {uri!r} (id {rid}) changed: sha256 is {found}, certificate says {expected}")
        else:
            report.raw_data.append(RawDataCheck(rid, uri, "ok"))


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
    require_trusted: bool = False,
    check_raw_data: bool = True,
) -> VerifyReport:
    """Check a certificate file. Problems name what changed: the field path or the raw-data file.

    ``trusted`` is a set of key fingerprints (default: own key + ``keys/trusted``). An untrusted key
    is a warning unless ``require_trusted``: integrity and authorship are separate questions.
    """
    path = Path(cert_path)
    report = VerifyReport(path=str(path))
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
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
        _check_signature(payload, integrity, report, trusted, require_trusted)
    if check_raw_data:
        _check_raw(payload, path.parent, report)
    _check_schema(payload, report)
    return report


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
    payload: dict[str, Any], integrity: dict[str, Any], report: VerifyReport, trusted: set[str] | None, require_trusted: bool
) -> None:
    try:
        raw_pub = base64.b64decode(str(integrity.get("public_key", "")), validate=True)
        pub = Ed25519PublicKey.from_public_bytes(raw_pub)
        signature = base64.b64decode(str(integrity.get("signature", "")), validate=True)
        pub.verify(signature, canonical_bytes(manifest_of(integrity)))
    except (InvalidSignature, ValueError, binascii.Error):
        report.problems.append(
            "signature does not verify: the integrity block (public key, digests, signed_at or signature) was altered"
        )
        return
    report.signature_valid = True
    report.key_fingerprint = fingerprint(raw_pub)
    if integrity.get("key_fingerprint") != report.key_fingerprint:
        report.problems.append("integrity.key_fingerprint does not match the embedded public key")
    report.key_trusted = report.key_fingerprint in (trusted if trusted is not None else trusted_fingerprints())
    if not report.key_trusted:
        msg = f"signing key {report.key_fingerprint} is not among the trusted keys"
        (report.problems if require_trusted else report.warnings).append(msg)
    if sha256_hex(canonical_bytes(payload)) == integrity.get("payload_sha256"):
        report.payload_intact = True
        return
    report.changed_fields = _describe_changes(payload, dict(integrity.get("field_digests") or {}))
    where = "; ".join(report.changed_fields) or "a change the field digests do not localise (e.g. key order of a list)"
    report.problems.append(f"certificate changed after signing: {where}")
