"""Who signs, and whom a verifier believes: the lab's Ed25519 key and the local trust store."""
from ssbcert.keys.store import (
    create_key, export_public, own_public_key, parse_public_key, rotate, signing_key, trust, trusted_fingerprints,
    trusted_keys, untrust,
)

__all__ = ["create_key", "export_public", "own_public_key", "parse_public_key", "rotate", "signing_key", "trust",
           "trusted_fingerprints", "trusted_keys", "untrust"]
