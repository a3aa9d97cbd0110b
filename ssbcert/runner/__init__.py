"""Runner: executes a plan on a bench, records the session, resumes and replays it.

    check(protocol, bench)          -> (LoadedProtocol, Plan, Estimate)   pre-flight, nothing opened
    run(protocol, bench, out, ...)  -> RunResult                          new session directory
    resume(session)                 -> RunResult                          continue after a stop / kill
    replay(session, lenient=False)  -> ReplayResult                       re-run against the transcript
    load_session(session)           -> Session (records, documents, dataframe())
"""
from ssbcert.runner.api import BenchAccess, ReplayResult, RunResult, check, replay, resume, run
from ssbcert.runner.control import RunControl
from ssbcert.session.reader import Session, load_session

__all__ = ["BenchAccess", "ReplayResult", "RunControl", "RunResult", "Session", "check", "load_session", "replay", "resume", "run"]
