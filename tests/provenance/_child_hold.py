"""Child for the stale-lock test: take a session's lock, say so, and wait to be killed."""
from __future__ import annotations

import sys
import time

from ssbcert.session import SessionLock

if __name__ == "__main__":
    lock = SessionLock(sys.argv[1], "test holder").acquire()  # keep the reference: a dropped lock is released
    print("locked", flush=True)
    time.sleep(120)
