"""A standard detached JWS (RFC 7515 appendix F) of the certificate file, next to it.

``NAME.json.jws`` holds ``header..signature`` (compact form, payload omitted); the payload is the
certificate file's exact bytes. Any JOSE library can check it with the lab's public key, without
knowing ssbcert's canonical JSON or its field digests. Algorithm ``Ed25519`` (RFC 9864, the fully
specified name for what used to be ``EdDSA``); ``kid`` is the key fingerprint.
"""
from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from ssbcert.certificate.signing import fingerprint

ALGORITHM = "Ed25519"
MEDIA_TYPE = "application/vnd.ssbcert.certificate+json"


def jws_path(cert_path: str | Path) -> Path:
    p = Path(cert_path)
    return p.with_name(p.name + ".jws")


def detached_jws(data: bytes, key: Ed25519PrivateKey) -> str:
    header = {"alg": ALGORITHM, "kid": fingerprint(key.public_key()), "cty": MEDIA_TYPE}
    return jws.detach_content(jws.serialize_compact(header, data, OKPKey.import_key(key), algorithms=[ALGORITHM]))


def write_detached_jws(data: bytes, key: Ed25519PrivateKey, cert_path: str | Path) -> Path:
    target = jws_path(cert_path)
    target.write_text(detached_jws(data, key) + "\n", encoding="ascii")
    return target


def check_detached_jws(data: bytes, token: str, public_key: Ed25519PublicKey) -> str | None:
    """None when the JWS signs exactly ``data`` with ``public_key``; otherwise what is wrong."""
    token = token.strip()
    parts = token.split(".")
    if len(parts) != 3 or parts[1]:
        return "the .jws file is not a detached compact JWS (header..signature)"
    try:
        obj = jws.deserialize_compact(token, OKPKey.import_key(public_key), payload=data, algorithms=[ALGORITHM])
    except (JoseError, ValueError) as exc:
        return f"the detached JWS does not verify against the certificate's bytes and key ({exc})"
    if obj.headers().get("kid") != fingerprint(public_key):
        return "the detached JWS names a different key (kid) than the certificate"
    return None
