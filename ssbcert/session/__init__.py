"""Session directories: append-only, crash-safe recording of a run, and reading it back."""
from ssbcert.session.export import export_csv
from ssbcert.session.integrity import SessionTampered, check_session, guard, manifest_sha256, require_intact
from ssbcert.session.lock import SessionInUse, SessionLock
from ssbcert.session.reader import Session, SessionRecord, load_session
from ssbcert.session.store import IOLog, SessionWriter, verify_manifest

__all__ = ["IOLog", "Session", "SessionInUse", "SessionLock", "SessionRecord", "SessionTampered", "SessionWriter",
           "check_session", "export_csv", "guard", "load_session", "manifest_sha256", "require_intact", "verify_manifest"]
