"""Re-analyse many sessions: in-process, on the process pool, or on Dask distributed.

Every engine runs `task.reanalyse_session` on a `SessionJob` and hands back plain data; this
process writes each result to the store as it arrives (one transaction per session), so a killed
run loses at most the sessions in flight, and the next run skips every finished one. Dask is the
engine for clusters: `scheduler="tcp://host:port"` joins a running one, `scheduler="local"` starts
a `LocalCluster` of single-threaded worker processes; nothing here schedules work itself. A
malformed address, a scheduler that does not answer or has no worker are `InputError`s; a scheduler
lost or a pool worker killed during the run is a `ResourceError`; the sessions stored before are kept.
"""
from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ssbcert.archive.store import ReanalysisStore, session_key
from ssbcert.archive.task import SessionJob, reanalyse_session
from ssbcert.errors import InputError, ResourceError

ENGINES = ("serial", "pool", "dask")
# a scheduler that does not answer (or has no worker) within this many seconds is reported in one
# line rather than waited for: dask's own connect timeout is 30 s, and a worker-less cluster waits forever
CONNECT_TIMEOUT_S = 10.0
_SCHEMES = ("tcp", "tls")


def check_scheduler(address: str | None) -> None:
    """None, 'local', or a Dask scheduler address scheme://host:port; anything else is refused."""
    if address is None or address == "local":
        return
    scheme, sep, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    if not sep or scheme not in _SCHEMES or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError("not a Dask scheduler address", field="--scheduler",
                         expected="tcp://host:port, tls://host:port or 'local'", found=repr(address))


@dataclass
class ArchiveReport:
    """What a run did; `results` holds the sessions analysed in this run, in completion order."""

    run_id: str
    engine: str
    total: int
    skipped: int
    analysed: int = 0
    errors: int = 0
    spectra: int = 0
    busy: int = 0  # sessions another process held (not analysed: the next run does them)
    done_elsewhere: int = 0  # sessions a concurrent run over the same archive stored first
    wall_s: float = 0.0
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def spectra_per_s(self) -> float:
        return self.spectra / self.wall_s if self.wall_s > 0 else 0.0


def _serial(jobs: list[SessionJob], workers: int | None, scheduler: str | None) -> Iterator[dict[str, Any]]:
    for job in jobs:
        yield reanalyse_session(job)


def _pool(jobs: list[SessionJob], workers: int | None, scheduler: str | None) -> Iterator[dict[str, Any]]:
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    from ssbcert.analysis.parallel import default_workers, new_process_pool, worker_died

    # a pool of its own, shut down at the end: an archive run is long, and its workers' memory
    # should not outlive it
    n = workers or default_workers()
    with new_process_pool(n) as pool:
        futures = [pool.submit(reanalyse_session, j) for j in jobs]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BrokenProcessPool:
            raise worker_died(n, "the sessions finished so far are kept and the same command resumes "
                                 "(with fewer --workers if it recurs)") from None


# A local worker's own monitoring (20 ms event-loop health tick, 10 ms stack profiler, 1 ms GIL probe,
# 100 ms memory poll) wakes a second thread that takes the GIL from the analysis: it cost 25-50 % of
# a re-analysis task's CPU time. An archive run has no dashboard to show any of it on.
QUIET_WORKERS = {"distributed.admin.tick.interval": "1s", "distributed.worker.profile.enabled": False,
                 "distributed.admin.system-monitor.gil.enabled": False,
                 "distributed.admin.system-monitor.interval": "2s", "distributed.worker.memory.monitor-interval": "1s"}


def local_cluster(workers: int) -> Any:
    """A LocalCluster of `workers` single-threaded worker processes, without their monitoring."""
    import dask
    from dask.distributed import LocalCluster

    # no dashboard; the scheduler's HTTP server (health routes) still starts, so give it any free
    # port rather than 8787, where another cluster or notebook would make it warn on the user's terminal
    with dask.config.set(QUIET_WORKERS):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})


def _dask(jobs: list[SessionJob], workers: int | None, scheduler: str | None) -> Iterator[dict[str, Any]]:
    from dask.distributed import Client, as_completed
    from distributed.comm import CommClosedError

    from ssbcert.analysis.parallel import default_workers

    cluster = None
    if scheduler in (None, "local"):
        cluster = local_cluster(workers or default_workers())
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError):
            raise InputError("no Dask scheduler answers", field="--scheduler",
                             expected=f"a running `dask scheduler` that answers within {CONNECT_TIMEOUT_S:g} s",
                             found=str(scheduler)) from None
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except TimeoutError:
            client.close()
            raise InputError("the Dask scheduler has no workers", field="--scheduler",
                             expected=f"at least one `dask worker` connected within {CONNECT_TIMEOUT_S:g} s",
                             found=str(scheduler)) from None
    with _quiet_client_log():
        try:
            futures = client.map(reanalyse_session, jobs, pure=False)
            for fut in as_completed(futures):
                yield fut.result()
                fut.release()
        except (CancelledError, CommClosedError) as exc:  # distributed's FutureCancelledError, or the link itself
            raise ResourceError(f"lost the Dask scheduler {scheduler or 'local'} during the run "
                                f"({type(exc).__name__}); the sessions finished so far are kept and the same "
                                f"command resumes") from None
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


@contextmanager
def _quiet_client_log() -> Iterator[None]:
    """distributed's client logs a traceback of its own when the scheduler goes away; the run
    reports that in one line instead."""
    log = logging.getLogger("distributed.client")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


_RUNNERS: dict[str, Callable[[list[SessionJob], int | None, str | None], Iterator[dict[str, Any]]]] = {
    "serial": _serial, "pool": _pool, "dask": _dask}


def reanalyse_archive(sessions: list[Path], store: ReanalysisStore, *, engine: str = "pool",
                      workers: int | None = None, scheduler: str | None = None, sample_path: str | None = None,
                      progress: bool = False, keep_results: bool = True) -> ArchiveReport:
    """Analyse every session not yet in `store` with today's analysis and record the results."""
    if engine not in _RUNNERS:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "dask":
        check_scheduler(scheduler)
    done = store.done_keys()
    keyed = [(session_key(p), p) for p in sessions]
    todo = [(k, p) for k, p in keyed if k not in done]
    report = ArchiveReport(uuid.uuid4().hex[:12], engine, len(sessions), len(sessions) - len(todo))
    by_path = {str(p): k for k, p in todo}
    jobs = [SessionJob(str(p), sample_path) for _, p in todo]
    t0 = time.perf_counter()
    bar = _progress(progress, len(jobs), report.skipped)
    try:
        for result in (_RUNNERS[engine](jobs, workers, scheduler) if jobs else iter(())):
            if bar is not None:
                bar[0].advance(bar[1])
            if result["status"] == "busy":  # held by another run or a certify: not a result, next run
                report.busy += 1
                continue
            if not store.add(by_path[result["session_path"]], result, report.run_id):
                report.done_elsewhere += 1  # another run over the same archive stored it first
                continue
            report.analysed += 1
            report.errors += result["status"] != "ok"
            report.spectra += int(result.get("n_spectra", 0))
            if keep_results:
                report.results.append(result)
    finally:
        if bar is not None:
            bar[0].stop()
    report.wall_s = time.perf_counter() - t0
    return report


def _progress(show: bool, total: int, skipped: int) -> tuple[Any, Any] | None:
    if not show:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("re-analysis"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   TextColumn(f"({skipped} already done)"))
    bar.start()
    return bar, bar.add_task("sessions", total=total)
