"""Registry of samples, sessions and certificates (SQLite by default, PostgreSQL by URL) and studies."""
from ssbcert.lazy import lazy_attributes

__all__ = ["Registry", "CertificateSummary", "default_url"]
__getattr__ = lazy_attributes(__name__, {
    "CertificateSummary": "ssbcert.registry.db",
    "Registry": "ssbcert.registry.db",
    "default_url": "ssbcert.registry.db",
})
