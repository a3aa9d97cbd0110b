"""Ed25519 signing of certificates, key storage, and certificate file I/O.

What is signed: a small *manifest* — the SHA-256 of the canonical payload (the certificate without
its integrity block) plus a truncated digest of every field. Signing the manifest signs the whole
payload (through its hash) and also lets :mod:`verify` say *which* field changed, because the
per-field digests cannot be altered without breaking the signature.

Keys live in ``$SSBCERT_HOME/keys`` (default ``~/.ssbcert/keys``): ``signing_ed25519.pem`` (PKCS#8,
mode 0600) and ``signing_ed25519.pub``. Public keys of other labs you trust go in ``keys/trusted/``
as ``*.pub`` files (base64 of the raw 32-byte key) — the certificate embeds its public key, so
trust is a separate question from integrity.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ssbcert.certificate.canonical import CANONICALIZATION_ID, canonical_bytes, digest, leaf_paths, sha256_hex
from ssbcert.certificate.model import Certificate, Integrity
from ssbcert.errors import InputError

FIELD_DIGEST_HEX = 16  # 64 bits per field: enough to locate a change; the payload hash carries the security
KEY_FILE = "signing_ed25519.pem"
PUB_FILE = "signing_ed25519.pub"


def ssbcert_home() -> Path:
    """User state folder: ``$SSBCERT_HOME`` or ``~/.ssbcert``."""
    return Path(os.environ.get("SSBCERT_HOME") or Path.home() / ".ssbcert")


def keys_dir(home: Path | None = None) -> Path:
    return (home or ssbcert_home()) / "keys"


def _raw_public(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(pub: Ed25519PublicKey) -> str:
    return base64.b64encode(_raw_public(pub)).decode("ascii")


def fingerprint(pub: Ed25519PublicKey | bytes) -> str:
    """``SHA256:<hex>`` of the raw public key — what a reviewer compares by eye."""
    raw = pub if isinstance(pub, bytes) else _raw_public(pub)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def _load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("signing key is not Ed25519", file=str(path))
    return key


def load_or_create_key(home: Path | None = None) -> Ed25519PrivateKey:
    """The lab's signing key; created on first use with owner-only permissions.

    Creation links a fully written temporary file into place (fails if the name exists), so two
    processes starting at once end up with the same single key.
    """
    kdir = keys_dir(home)
    path = kdir / KEY_FILE
    if not path.exists():
        kdir.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        tmp = kdir / f".{KEY_FILE}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won; use its key
        finally:
            tmp.unlink()
    key = _load_private(path)
    pub_text = public_key_b64(key.public_key()) + "\n"
    pub_path = kdir / PUB_FILE
    if not pub_path.exists() or pub_path.read_text() != pub_text:
        pub_path.write_text(pub_text)
    return key


def trusted_fingerprints(home: Path | None = None) -> set[str]:
    """Own key (from the private key file) plus every ``keys/trusted/*.pub``."""
    kdir = keys_dir(home)
    found: set[str] = set()
    if (kdir / KEY_FILE).is_file():
        found.add(fingerprint(_load_private(kdir / KEY_FILE).public_key()))
    for f in sorted((kdir / "trusted").glob("*.pub")):
        try:
            found.add(fingerprint(base64.b64decode(f.read_text().strip(), validate=True)))
        except ValueError:
            continue
    return found


def field_digests(payload: dict[str, Any]) -> dict[str, str]:
    return {path: digest(leaf)[:FIELD_DIGEST_HEX] for path, leaf in leaf_paths(payload).items()}


def manifest_of(integrity: dict[str, Any]) -> dict[str, Any]:
    """The signed bytes' source: the integrity block minus the signature itself."""
    return {k: v for k, v in integrity.items() if k != "signature"}


def sign(cert: Certificate, key: Ed25519PrivateKey | None = None, signed_at: dt.datetime | None = None) -> Certificate:
    """Return a signed copy; the input is not modified (a signed certificate is never mutated)."""
    key = key or load_or_create_key()
    unsigned = cert.model_copy(update={"integrity": None}, deep=True)
    payload = unsigned.payload()
    pub = key.public_key()
    manifest = {
        "algorithm": "Ed25519",
        "canonicalization": CANONICALIZATION_ID,
        "public_key": public_key_b64(pub),
        "key_fingerprint": fingerprint(pub),
        "signed_at": (signed_at or dt.datetime.now(dt.timezone.utc)).isoformat(),
        "payload_sha256": sha256_hex(canonical_bytes(payload)),
        "field_digests": field_digests(payload),
    }
    # sign the manifest exactly as it will be serialised (e.g. datetimes as pydantic writes them)
    draft = Integrity.model_validate({**manifest, "signature": ""})
    message = canonical_bytes(manifest_of(draft.model_dump(mode="json")))
    signature = base64.b64encode(key.sign(message)).decode("ascii")
    return unsigned.model_copy(update={"integrity": draft.model_copy(update={"signature": signature})})


def payload_sha256(cert: Certificate) -> str:
    return sha256_hex(canonical_bytes(cert.payload()))


def certificate_bytes(cert: Certificate) -> bytes:
    """The file form: canonical JSON of the whole document plus a newline."""
    return canonical_bytes(cert.document()) + b"\n"


def write_certificate(cert: Certificate, path: str | Path) -> Path:
    """Write atomically so a crash never leaves half a certificate."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_bytes(certificate_bytes(cert))
    os.replace(tmp, p)
    return p


def read_certificate(path: str | Path) -> Certificate:
    """Parse and validate a certificate file; errors name the file and the field."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read certificate: {exc}", file=str(p)) from exc
    from pydantic import ValidationError

    try:
        return Certificate.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(x) for x in first["loc"])
        raise InputError(first["msg"], file=str(p), field=field, found=repr(first.get("input"))[:80]) from exc
