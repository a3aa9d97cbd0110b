"""Who signs, and whom a verifier believes: the lab's Ed25519 key and the local trust store."""
from __future__ import annotations

from ssbcert.lazy import make_lazy

__all__ = ["create_key", "export_public", "own_public_key", "parse_public_key", "rotate", "signing_key", "trust",
           "trusted_fingerprints", "trusted_keys", "untrust"]
# loaded on first use, so `ssbcert --help` does not import cryptography and the certificate model (#10)
make_lazy(__name__, {name: "ssbcert.keys.store" for name in __all__})
