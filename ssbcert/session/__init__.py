"""Session directories: append-only, crash-safe recording of a run, and reading it back."""
from ssbcert.session.export import export_csv
from ssbcert.session.reader import Session, SessionRecord, load_session
from ssbcert.session.store import IOLog, SessionWriter, verify_manifest

__all__ = ["IOLog", "Session", "SessionRecord", "SessionWriter", "export_csv", "load_session", "verify_manifest"]
