"""Ed25519 signing of certificates and certificate file I/O.

What is signed: a small *manifest* — the SHA-256 of the canonical payload (the certificate without
its integrity block) plus a truncated digest of every field. Signing the manifest signs the whole
payload (through its hash) and also lets :mod:`verify` say *which* field changed, because the
per-field digests cannot be altered without breaking the signature.

Key files and the trust store are :mod:`ssbcert.keys.store`'s (``$SSBCERT_HOME/keys``). The
certificate embeds its public key, so a file proves its own integrity; whether the key is *trusted*
is the verifier's separate question. A signed certificate file is never overwritten.
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


def ssbcert_home() -> Path:
    """User state folder: ``$SSBCERT_HOME`` or ``~/.ssbcert``."""
    return Path(os.environ.get("SSBCERT_HOME") or Path.home() / ".ssbcert")


def _raw_public(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(pub: Ed25519PublicKey) -> str:
    return base64.b64encode(_raw_public(pub)).decode("ascii")


def fingerprint(pub: Ed25519PublicKey | bytes) -> str:
    """``SHA256:<hex>`` of the raw public key — what a reviewer compares by eye."""
    raw = pub if isinstance(pub, bytes) else _raw_public(pub)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


# Key files and the trust store live in :mod:`ssbcert.keys.store`; these names stay for callers.
def keys_dir(home: Path | None = None) -> Path:
    from ssbcert.keys.store import keys_dir as _keys_dir

    return _keys_dir(home)


def load_or_create_key(home: Path | None = None) -> Ed25519PrivateKey:
    """The lab's signing key (created and announced with its fingerprint on first use)."""
    from ssbcert.keys.store import signing_key

    return signing_key(home)


def trusted_fingerprints(home: Path | None = None) -> set[str]:
    """Fingerprints in the verifier's trust store (``keys/trusted/*.pub``)."""
    from ssbcert.keys.store import trusted_fingerprints as _trusted

    return _trusted(home)


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


class CertificateExists(InputError):
    """A different certificate already sits at the target path; signed files are never replaced."""


def write_certificate(cert: Certificate, path: str | Path, jws_key: Ed25519PrivateKey | None = None) -> Path:
    """Write the certificate file, never replacing a different one (a re-issue needs a new name).

    The file appears whole or not at all (a fully written temporary file is linked into place).
    Writing the identical bytes again is a no-op. With ``jws_key`` a detached JWS of the file's
    bytes is written next to it (``NAME.json.jws``, see :mod:`ssbcert.certificate.jws`).
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    data = certificate_bytes(cert)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    try:
        os.link(tmp, p)
    except FileExistsError:
        if p.read_bytes() != data:
            raise CertificateExists("a different certificate already exists here; signed certificates are never "
                                    "overwritten (issue a superseding one under a new name)", file=str(p)) from None
    finally:
        tmp.unlink()
    if jws_key is not None:
        from ssbcert.certificate.jws import write_detached_jws

        write_detached_jws(data, jws_key, p)
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
