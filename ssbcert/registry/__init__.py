"""Registry of samples, sessions and certificates (SQLite by default, PostgreSQL by URL) and studies."""
from ssbcert.lazy import make_lazy

__all__ = ["Registry", "CertificateSummary", "default_url"]
make_lazy(__name__, {
    "CertificateSummary": "ssbcert.registry.db",
    "Registry": "ssbcert.registry.db",
    "default_url": "ssbcert.registry.db",
})
