"""Child process for the kill/resume test: runs or resumes the small protocol on the fake bench and
SIGKILLs itself at the n-th transcript line (optionally after writing half of the next line)."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from fakebench import fake_access, fake_config  # noqa: E402

from ssbcert.runner import api  # noqa: E402
from ssbcert.session import files  # noqa: E402

PROTOCOL = str(Path(__file__).parents[1] / "fixtures" / "protocols" / "small.yaml")


def arm(kill_at: int, torn: bool, sig: int = signal.SIGKILL) -> None:
    """Count appended lines across all session files; die at line `kill_at`."""
    original = files.AppendLog.append
    count = {"n": 0}

    def append(self: files.AppendLog, obj: object, sync: bool = True) -> None:
        count["n"] += 1
        if count["n"] == kill_at:
            if torn:
                self._fh.write(files.dumps(obj)[: 17].encode())
            os.kill(os.getpid(), sig)
        original(self, obj, sync)

    files.AppendLog.append = append  # type: ignore[method-assign]


if __name__ == "__main__":
    mode, session, kill_at, torn = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
    if kill_at > 0:
        arm(kill_at, torn, signal.SIGINT if os.environ.get("CHILD_SIGNAL") == "INT" else signal.SIGKILL)
    if mode == "run":
        r = api.run(PROTOCOL, fake_config(), out=session, access=fake_access())
    elif mode == "run-sim":  # the real simulated bench: twins on sockets
        r = api.run("rt-eis", None, out=session)
    else:
        r = api.resume(session, access=fake_access())
    print(r.exit_status)
