"""Registry of samples, sessions and certificates (SQLite by default, PostgreSQL by URL) and studies."""
from ssbcert.registry.db import CertificateSummary, Registry, default_url

__all__ = ["Registry", "CertificateSummary", "default_url"]
