"""Runner: executes a plan on a bench, records the session, resumes and replays it.

    check(protocol, bench)          -> (LoadedProtocol, Plan, Estimate)   pre-flight, nothing opened
    run(protocol, bench, out, ...)  -> RunResult                          new session directory
    resume(session)                 -> RunResult                          continue after a stop / kill
    replay(session, lenient=False)  -> ReplayResult                       re-run against the transcript
    load_session(session)           -> Session (records, documents, dataframe())
"""
from ssbcert.lazy import make_lazy

__all__ = ["BenchAccess", "ReplayResult", "RunControl", "RunResult", "Session", "check", "load_session", "replay", "resume", "run"]
make_lazy(__name__, {
    "BenchAccess": "ssbcert.runner.api",
    "ReplayResult": "ssbcert.runner.api",
    "RunResult": "ssbcert.runner.api",
    "check": "ssbcert.runner.api",
    "replay": "ssbcert.runner.api",
    "resume": "ssbcert.runner.api",
    "run": "ssbcert.runner.api",
    "RunControl": "ssbcert.runner.control",
    "Session": "ssbcert.session.reader",
    "load_session": "ssbcert.session.reader",
})
