"""Child for the locking races: for each (session, start time) in a JSON list, wait for that moment,
then resume the session on the fake bench, as `ssbcert resume` would.

Prints one JSON line per race: {"session", "code": 0 (resumed) or 2 (in use), "text"}.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))

from fakebench import fake_access  # noqa: E402

from ssbcert.runner import api  # noqa: E402
from ssbcert.session import SessionInUse  # noqa: E402

if __name__ == "__main__":
    for session, start_at in json.loads(Path(sys.argv[1]).read_text()):
        time.sleep(max(0.0, start_at - time.time()))
        try:
            r = api.resume(session, access=fake_access())
            result = {"session": session, "code": 0, "text": f"resumed {r.exit_status}"}
        except SessionInUse as exc:
            result = {"session": session, "code": 2, "text": str(exc)}
        print(json.dumps(result), flush=True)
