"""The lab's signing key and the verifier's trust store, as files under ``$SSBCERT_HOME/keys``.

    signing_ed25519.pem   the private key (PKCS#8, mode 0600; encrypted when a passphrase is given)
    signing_ed25519.pub   its public key (base64 of the raw 32 bytes), for handing to others
    trusted/*.pub         every public key whose certificates this verifier accepts
    retired/*.pem         private keys replaced by ``rotate`` (kept so old files stay explainable)

Integrity and authorship are separate questions: a certificate embeds its own public key, so any
key can make a self-consistent file. Only a key listed in ``trusted/`` makes it *ours*. The lab's
own key is put there when it is created; nothing else is trusted until someone says so.

The passphrase comes from the caller or from ``$SSBCERT_KEY_PASSPHRASE`` (for unattended runs).
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ssbcert.certificate.signing import fingerprint, public_key_b64, ssbcert_home
from ssbcert.errors import InputError

KEY_FILE = "signing_ed25519.pem"
PUB_FILE = "signing_ed25519.pub"
TRUSTED_DIR = "trusted"
RETIRED_DIR = "retired"
PASSPHRASE_ENV = "SSBCERT_KEY_PASSPHRASE"

Announce = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def keys_dir(home: Path | None = None) -> Path:
    return (home or ssbcert_home()) / "keys"


def env_passphrase() -> bytes | None:
    value = os.environ.get(PASSPHRASE_ENV)
    return value.encode("utf-8") if value else None


def _short(fp: str) -> str:
    """File-name form of a fingerprint: the first 16 hex digits."""
    return fp.removeprefix("SHA256:")[:16]


def _write_new(path: Path, data: bytes, mode: int) -> bool:
    """Create ``path`` with ``data`` only if it does not exist (link of a fully written temp file).

    Returns False when another process created it first; its file is then the one in place.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink()


def _pem(key: Ed25519PrivateKey, passphrase: bytes | None) -> bytes:
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def load_private(path: Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Read a private key file; an encrypted one needs the passphrase (argument or environment)."""
    data = path.read_bytes()
    password = passphrase if passphrase is not None else env_passphrase()
    encrypted = b"ENCRYPTED" in data
    try:
        key = serialization.load_pem_private_key(data, password=password if encrypted else None)
    except TypeError:
        raise InputError(f"the signing key is encrypted: give its passphrase (set {PASSPHRASE_ENV})",
                         file=str(path)) from None
    except ValueError:
        what = "wrong passphrase for the signing key" if encrypted else "not a readable PEM private key"
        raise InputError(what, file=str(path)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("signing key is not Ed25519", file=str(path), expected="Ed25519", found=type(key).__name__)
    return key


def is_encrypted(home: Path | None = None) -> bool:
    path = keys_dir(home) / KEY_FILE
    return path.is_file() and b"ENCRYPTED" in path.read_bytes()


def _raw(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def create_key(home: Path | None = None, passphrase: bytes | None = None, announce: Announce = _stderr) -> Ed25519PrivateKey:
    """Generate the lab's key (refuses if one exists), trust it locally, and say so with its fingerprint."""
    kdir = keys_dir(home)
    key = Ed25519PrivateKey.generate()
    if not _write_new(kdir / KEY_FILE, _pem(key, passphrase), 0o600):
        raise InputError("a signing key already exists (use `ssbcert keys rotate` to replace it)", file=str(kdir / KEY_FILE))
    _publish(kdir, key)
    trust(_raw(key.public_key()), home, name="own")
    state = "encrypted with a passphrase" if passphrase else f"NOT encrypted (set {PASSPHRASE_ENV} before creating it to encrypt)"
    announce(f"created signing key {fingerprint(key.public_key())} at {kdir / KEY_FILE} ({state}); "
             "it is trusted in this trust store")
    return key


def _publish(kdir: Path, key: Ed25519PrivateKey) -> None:
    pub_text = public_key_b64(key.public_key()) + "\n"
    pub_path = kdir / PUB_FILE
    if not pub_path.exists() or pub_path.read_text() != pub_text:
        pub_path.write_text(pub_text)


def signing_key(home: Path | None = None, passphrase: bytes | None = None, announce: Announce = _stderr) -> Ed25519PrivateKey:
    """The lab's signing key; created (and announced) on first use, encrypted if a passphrase is set."""
    path = keys_dir(home) / KEY_FILE
    if not path.exists():
        try:
            return create_key(home, passphrase if passphrase is not None else env_passphrase(), announce)
        except InputError:
            pass  # another process created it a moment ago: use that one
    key = load_private(path, passphrase)
    _publish(keys_dir(home), key)
    return key


def own_public_key(home: Path | None = None) -> bytes:
    """Raw public key of the lab's key, read from the .pub file (no passphrase needed)."""
    kdir = keys_dir(home)
    pub = kdir / PUB_FILE
    if pub.is_file():
        return parse_public_key(pub.read_text(), str(pub))
    if (kdir / KEY_FILE).is_file():
        return _raw(load_private(kdir / KEY_FILE).public_key())
    raise InputError("no signing key yet (create one with `ssbcert keys init`)", file=str(kdir))


# ---- public keys in the forms people pass around ---------------------------------------------
def parse_public_key(text: str, source: str = "<key>") -> bytes:
    """Raw 32-byte Ed25519 key from base64 (our .pub), a PEM public key, or an OKP JWK."""
    t = text.strip()
    if t.startswith("-----BEGIN"):
        try:
            pub = serialization.load_pem_public_key(t.encode("ascii"))
        except ValueError:
            raise InputError("not a readable PEM public key", file=source) from None
        if not isinstance(pub, Ed25519PublicKey):
            raise InputError("not an Ed25519 public key", file=source, expected="Ed25519", found=type(pub).__name__)
        return _raw(pub)
    if t.startswith("{"):
        try:
            jwk = json.loads(t)
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                raise InputError("not an Ed25519 JWK", file=source, expected='kty "OKP", crv "Ed25519"',
                                 found=f"kty {jwk.get('kty')!r}, crv {jwk.get('crv')!r}")
            raw = base64.urlsafe_b64decode(str(jwk["x"]) + "=" * (-len(str(jwk["x"])) % 4))
        except (ValueError, KeyError, binascii.Error):
            raise InputError("not a readable JWK", file=source, expected='an object with "x"') from None
    else:
        try:
            raw = base64.b64decode(t, validate=True)
        except (ValueError, binascii.Error):
            raise InputError("not a public key", file=source, expected="base64, PEM or JWK", found=t[:40]) from None
    if len(raw) != 32:
        raise InputError("not an Ed25519 public key", file=source, expected="32 bytes", found=f"{len(raw)} bytes")
    return raw


def export_public(raw: bytes, form: str = "pem") -> str:
    """The public key as ``pem``, ``b64`` (raw bytes, our .pub form) or ``jwk``."""
    if form == "b64":
        return base64.b64encode(raw).decode("ascii")
    if form == "jwk":
        x = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        return json.dumps({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": fingerprint(raw)})
    pub = Ed25519PublicKey.from_public_bytes(raw)
    return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii").strip()


# ---- the trust store -------------------------------------------------------------------------
@dataclass(frozen=True)
class TrustedKey:
    fingerprint: str
    name: str
    path: Path


def trusted_keys(home: Path | None = None) -> list[TrustedKey]:
    """Every readable ``trusted/*.pub``; the file stem (after the fingerprint prefix) is its name."""
    out = []
    for f in sorted((keys_dir(home) / TRUSTED_DIR).glob("*.pub")):
        try:
            raw = parse_public_key(f.read_text(), str(f))
        except (InputError, OSError, UnicodeDecodeError):
            continue
        fp = fingerprint(raw)
        name = f.stem.removeprefix(_short(fp)).lstrip("-") or f.stem
        out.append(TrustedKey(fp, name, f))
    return out


def trusted_fingerprints(home: Path | None = None) -> set[str]:
    return {k.fingerprint for k in trusted_keys(home)}


def trust(raw: bytes, home: Path | None = None, name: str = "") -> TrustedKey:
    """Add a public key to the trust store (idempotent)."""
    fp = fingerprint(raw)
    for k in trusted_keys(home):
        if k.fingerprint == fp:
            return k
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:40]
    path = keys_dir(home) / TRUSTED_DIR / (f"{_short(fp)}-{safe}.pub" if safe else f"{_short(fp)}.pub")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(base64.b64encode(raw).decode("ascii") + "\n")
    return TrustedKey(fp, safe or path.stem, path)


def untrust(which: str, home: Path | None = None) -> list[TrustedKey]:
    """Remove trusted keys whose fingerprint starts with ``which`` (with or without ``SHA256:``) or whose name is ``which``."""
    want = which.removeprefix("SHA256:").lower()
    hits = [k for k in trusted_keys(home)
            if (len(want) >= 8 and k.fingerprint.removeprefix("SHA256:").startswith(want)) or k.name == which]
    if not hits:
        raise InputError("no trusted key matches", field="key", expected="a fingerprint prefix (≥ 8 hex digits) or a name",
                         found=which)
    for k in hits:
        k.path.unlink()
    return hits


def rotate(home: Path | None = None, passphrase: bytes | None = None, keep_old_trusted: bool = True,
           announce: Announce = _stderr) -> Ed25519PrivateKey:
    """Replace the signing key: the old one moves to ``retired/``; certificates it signed keep
    verifying while its public key stays trusted (the default)."""
    kdir = keys_dir(home)
    path = kdir / KEY_FILE
    if path.exists():
        old_raw = own_public_key(home)
        retired = kdir / RETIRED_DIR / f"{_short(fingerprint(old_raw))}.pem"
        retired.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, retired)
        (kdir / PUB_FILE).unlink(missing_ok=True)
        if not keep_old_trusted:
            untrust(fingerprint(old_raw), home)
        announce(f"retired signing key {fingerprint(old_raw)} ({'still trusted' if keep_old_trusted else 'no longer trusted'})")
    return create_key(home, passphrase if passphrase is not None else env_passphrase(), announce)
