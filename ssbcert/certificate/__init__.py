"""Certificates: model, canonical JSON, Ed25519 signing, verification, amendments, rendering."""
