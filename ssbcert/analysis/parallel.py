"""Batch and temperature-series analysis on all cores, with results that do not depend on how many.

Every spectrum is analysed by the same pure function of its own inputs, so a pool of 1, a pool of
8 and a Dask cluster give bit-identical results. A temperature series is seeded deterministically
in two rounds instead of along the measurement order (which would serialise it): round 1 analyses
every spectrum on its own; round 2 re-analyses, in parallel, each spectrum whose fit stayed above
the lin-KK noise floor (or failed), starting from its own and its two neighbours' round-1 fits.

Workers are forked (spawned where fork does not exist) and, like the in-process path, use one
BLAS thread (the matrices are small: threads only burn CPU, and a fixed thread count keeps the
floating-point summation order, hence the bits, the same everywhere). Small jobs run in-process,
where a pool would cost more to start than it saves. `SSBCERT_WORKERS` sets the default count.
"""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_all_start_methods, get_context
from typing import Any, Callable, Iterable, Sequence, TypeVar

from threadpoolctl import threadpool_limits

from ssbcert.analysis.fit import reached_noise_floor
from ssbcert.analysis.geometry import Geometry
from ssbcert.analysis.kk import kk_noise_chi2_per_dof, kk_noise_dof
from ssbcert.analysis.pipeline import SpectrumAnalysis, analyse_spectrum
from ssbcert.errors import InputError, ResourceError
from ssbcert.records import ImpedanceSpectrum

T = TypeVar("T")
R = TypeVar("R")

POOL_MIN_ITEMS = 16  # fewer spectra than this are analysed in-process
WORKERS_ENV = "SSBCERT_WORKERS"
_pools: dict[int, ProcessPoolExecutor] = {}


def default_workers() -> int:
    """$SSBCERT_WORKERS, else the cores this process may run on."""
    env = os.environ.get(WORKERS_ENV, "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise InputError("bad worker count in the environment", field=WORKERS_ENV,
                             expected="a whole number >= 1", found=repr(env))
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def single_blas_thread() -> None:
    """Pool initializer (also used by the archive's Dask workers): one BLAS thread for the process."""
    threadpool_limits(1, user_api="blas")


def _pool_worker_start(parent: int) -> None:
    """One BLAS thread, and an exit once the parent is gone: after a `kill -9` of the command (or
    the out-of-memory killer taking it) its idle workers would otherwise stay for good, each
    holding the parent's heap; a check a second is nothing beside the analysis. `parent` is taken
    in the parent: a worker may start only after its parent has already died."""
    single_blas_thread()

    def exit_with_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=exit_with_parent, name="ssbcert-exit-with-parent", daemon=True).start()


def new_process_pool(workers: int) -> ProcessPoolExecutor:
    """A fresh pool of `workers` single-BLAS-thread processes (forked where the OS can) that end
    with their parent."""
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method), initializer=_pool_worker_start,
                               initargs=(os.getpid(),))


def process_pool(workers: int) -> Executor:
    """A pool of `workers` processes kept for the life of the process (batches and series reuse it
    instead of paying the start-up again)."""
    if workers not in _pools:
        _pools[workers] = new_process_pool(workers)
    return _pools[workers]


def resolve_workers(workers: int | None, n_items: int) -> int:
    """None → every core (or $SSBCERT_WORKERS) for large jobs, 1 (in-process) below POOL_MIN_ITEMS."""
    if workers is None:
        if os.environ.get(WORKERS_ENV, "").strip():
            return default_workers()
        return default_workers() if n_items >= POOL_MIN_ITEMS else 1
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    return workers


def run_tasks(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> list[R]:
    """[fn(x) for x in items], in order, on `workers` processes (`fn` must be a module-level
    function, its inputs and outputs picklable)."""
    todo = list(items)
    n = resolve_workers(workers, len(todo))
    if n == 1 or len(todo) < 2:
        with threadpool_limits(1, user_api="blas"):
            return [fn(x) for x in todo]
    chunk = max(1, len(todo) // (4 * n))
    try:
        return list(process_pool(n).map(fn, todo, chunksize=chunk))
    except BrokenProcessPool:
        _pools.pop(n, None)  # never hand the broken pool to the next call (a long-lived process would fail for good)
        raise worker_died(n, f"run again, with fewer workers ({WORKERS_ENV}) if it recurs") from None


def worker_died(workers: int, what_to_do: str) -> ResourceError:
    """The one wording for a pool that lost a worker (the OS killed it, e.g. out of memory)."""
    return ResourceError(f"a worker process of the pool of {workers} died (killed by the system, e.g. out of memory); "
                         f"{what_to_do}")


def _analyse_one(job: tuple[ImpedanceSpectrum, Geometry, str | None, tuple, dict[str, Any]]) -> SpectrumAnalysis:
    spectrum, geometry, circuit, seeds, options = job
    return analyse_spectrum(spectrum, geometry, circuit, extra_starts=list(seeds), **options)


def analyse_batch(spectra: Sequence[ImpedanceSpectrum], geometry: Geometry, circuit: str | None = None, *,
                  workers: int | None = None, **options: Any) -> list[SpectrumAnalysis]:
    """`analyse_spectrum` of every spectrum (independently), in order, on all cores."""
    return run_tasks(_analyse_one, [(s, geometry, circuit, (), options) for s in spectra], workers)


def _needs_neighbours(a: SpectrumAnalysis) -> bool:
    return not a.fit.success or not reached_noise_floor(a.fit, kk_noise_chi2_per_dof(a.kk), kk_noise_dof(a.kk))


def analyse_seeded(spectra: Sequence[ImpedanceSpectrum], geometry: Geometry, circuit: str | None = None, *,
                   workers: int | None = None, **options: Any) -> list[SpectrumAnalysis]:
    """A series in two deterministic rounds (see the module docstring); the result does not depend
    on `workers`."""
    first = analyse_batch(spectra, geometry, circuit, workers=workers, **options)
    redo = [i for i, a in enumerate(first) if _needs_neighbours(a)]
    jobs = []
    for i in redo:
        seeds = tuple(first[j].fit.params.copy() for j in (i, i - 1, i + 1)
                      if 0 <= j < len(first) and first[j].fit.success)
        jobs.append((spectra[i], geometry, circuit, seeds, options))
    out = list(first)
    for i, a in zip(redo, run_tasks(_analyse_one, jobs, workers)):
        out[i] = a
    return out
