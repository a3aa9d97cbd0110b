"""Re-analyse many sessions: in-process, on the process pool, or on Dask distributed.

Every engine runs `task.reanalyse_session` on a `SessionJob` and hands back plain data; this
process writes each result to the store as it arrives (one transaction per session), so a killed
run loses at most the sessions in flight, and the next run skips every finished one. Dask is the
engine for clusters: `scheduler="tcp://host:port"` joins a running one, `scheduler="local"` starts
a `LocalCluster` of single-threaded worker processes; nothing here schedules work itself.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ssbcert.archive.store import ReanalysisStore, session_key
from ssbcert.archive.task import SessionJob, reanalyse_session

ENGINES = ("serial", "pool", "dask")


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

    from ssbcert.analysis.parallel import default_workers, new_process_pool

    # a pool of its own, shut down at the end: an archive run is long, and its workers' memory
    # should not outlive it
    with new_process_pool(workers or default_workers()) as pool:
        futures = [pool.submit(reanalyse_session, j) for j in jobs]
        for fut in as_completed(futures):
            yield fut.result()


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

    with dask.config.set(QUIET_WORKERS):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


def _dask(jobs: list[SessionJob], workers: int | None, scheduler: str | None) -> Iterator[dict[str, Any]]:
    from dask.distributed import Client, as_completed

    from ssbcert.analysis.parallel import default_workers

    cluster = None
    if scheduler in (None, "local"):
        cluster = local_cluster(workers or default_workers())
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = client.map(reanalyse_session, jobs, pure=False)
        for fut in as_completed(futures):
            yield fut.result()
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


_RUNNERS: dict[str, Callable[[list[SessionJob], int | None, str | None], Iterator[dict[str, Any]]]] = {
    "serial": _serial, "pool": _pool, "dask": _dask}


def reanalyse_archive(sessions: list[Path], store: ReanalysisStore, *, engine: str = "pool",
                      workers: int | None = None, scheduler: str | None = None, sample_path: str | None = None,
                      progress: bool = False, keep_results: bool = True) -> ArchiveReport:
    """Analyse every session not yet in `store` with today's analysis and record the results."""
    if engine not in _RUNNERS:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
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
            store.add(by_path[result["session_path"]], result, report.run_id)
            report.analysed += 1
            report.errors += result["status"] != "ok"
            report.spectra += int(result.get("n_spectra", 0))
            if keep_results:
                report.results.append(result)
            if bar is not None:
                bar[0].advance(bar[1])
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
