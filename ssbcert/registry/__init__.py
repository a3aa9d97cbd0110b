"""Registry of samples, sessions and certificates (SQLite by default, PostgreSQL by URL) and studies."""
