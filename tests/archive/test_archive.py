"""Issue #10 archives: Dask and the pool give the serial results; a killed run resumes without
redoing finished sessions; sessions are found in folder trees and in the registry."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ssbcert.archive.run import reanalyse_archive
from ssbcert.archive.sources import sessions_in_registry, sessions_under
from ssbcert.archive.store import ReanalysisStore
from ssbcert.archive.synthetic import write_synthetic_archive, write_synthetic_session
from ssbcert.errors import InputError, ResourceError
from ssbcert.registry.db import Registry

ROOT = Path(__file__).resolve().parents[2]


def _by_path(results: list[dict]) -> dict[str, str]:
    return {r["session_path"]: json.dumps(r, sort_keys=True) for r in results}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("archive")
    write_synthetic_archive(root, n_sessions=2, spectra_per_session=10, seed=7)  # 20 spectra
    return sessions_under([root])


def test_dask_local_cluster_gives_the_serial_results(archive: list[Path], tmp_path: Path) -> None:
    serial = reanalyse_archive(archive, ReanalysisStore(f"sqlite:///{tmp_path}/a.sqlite"), engine="serial")
    dask = reanalyse_archive(archive, ReanalysisStore(f"sqlite:///{tmp_path}/b.sqlite"), engine="dask",
                             scheduler="local", workers=2)
    assert serial.spectra == dask.spectra == 20 and serial.errors == dask.errors == 0
    assert _by_path(serial.results) == _by_path(dask.results)


def test_pool_gives_the_serial_results_and_a_second_run_skips_everything(archive: list[Path], tmp_path: Path) -> None:
    store = ReanalysisStore(f"sqlite:///{tmp_path}/r.sqlite")
    pool = reanalyse_archive(archive, store, engine="pool", workers=2)
    serial = reanalyse_archive(archive, ReanalysisStore(f"sqlite:///{tmp_path}/s.sqlite"), engine="serial")
    assert _by_path(pool.results) == _by_path(serial.results)
    again = reanalyse_archive(archive, store, engine="pool", workers=2)
    assert (again.skipped, again.analysed) == (2, 0)
    rows = store.rows()
    assert len(rows) == 2 and {r["status"] for r in rows} == {"ok"}
    temps = json.loads(rows[0]["result"])["temperatures"]
    assert len(temps) == 10 and all(t["sigma_total_S_per_m"]["value"] > 0 for t in temps)


def test_killed_run_resumes_without_redoing_finished_sessions(tmp_path: Path) -> None:
    write_synthetic_archive(tmp_path / "arch", n_sessions=5, spectra_per_session=3, seed=1)
    url = f"sqlite:///{tmp_path}/reg.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "ssbcert", "reanalyze", str(tmp_path / "arch"), "--db", url, "--workers", "1"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    store = ReanalysisStore(url)
    deadline = time.monotonic() + 120
    while len(store.done_keys()) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = {r["key"]: r["run_id"] for r in store.rows()}
    assert 2 <= len(first) < 5, f"kill landed after {len(first)} sessions"
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = store.rows()
    assert len(rows) == 5 and len({r["key"] for r in rows}) == 5  # nothing twice
    assert all(first[r["key"]] == r["run_id"] for r in rows if r["key"] in first)  # finished ones kept
    assert len({r["run_id"] for r in rows}) == 2


def test_sessions_from_the_registry_and_bad_folders(tmp_path: Path) -> None:
    s = write_synthetic_session(tmp_path / "one", n_spectra=3)
    url = f"sqlite:///{tmp_path}/reg.sqlite"
    with Registry(url) as reg:
        reg.add_session("S-1", protocol="film-certification", path=str(s))
        reg.add_session("S-2", protocol="film-certification", path=str(tmp_path / "gone"))
    assert sessions_in_registry(url) == [s]
    assert sessions_in_registry(url, match="nothing") == []
    assert sessions_under([s]) == [s.resolve()]
    with pytest.raises(InputError, match="no such folder"):
        sessions_under([tmp_path / "missing"])
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "session.json").write_text("{}")
    r = reanalyse_archive([broken], ReanalysisStore(url), engine="serial")
    assert r.errors == 1 and "manifest" in r.results[0]["error"]  # refused: nothing vouches for it


def test_local_cluster_workers_run_without_their_monitoring_threads() -> None:
    """The 20 ms event-loop tick, the stack profiler and the GIL probe took 25-50 % of a task's
    CPU time; the local cluster's worker processes must start with them slowed or off."""
    import dask
    from dask.distributed import Client

    from ssbcert.archive.run import QUIET_WORKERS, local_cluster

    with local_cluster(1) as cluster, Client(cluster) as client:
        seen = client.run(lambda: {k: dask.config.get(k) for k in QUIET_WORKERS})
    assert list(seen.values()) == [QUIET_WORKERS]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_free(sessions: list[Path], timeout_s: float = 30.0) -> None:
    """Until no other process holds any of the sessions' locks (SIGKILL is delivered asynchronously)."""
    from ssbcert.session import SessionInUse, SessionLock

    deadline = time.monotonic() + timeout_s
    for s in sessions:
        while True:
            try:
                SessionLock(s, "test").acquire().release()
                break
            except SessionInUse:
                assert time.monotonic() < deadline, f"{s} still held"
                time.sleep(0.05)


class _DaskCluster:
    """A real `dask scheduler` and one `dask worker`, as separate processes on 127.0.0.1."""

    def __init__(self) -> None:
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        # own process groups: closing kills the worker's task process too, which would otherwise
        # go on analysing (and holding a session's lock) after its nanny is gone
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "start_new_session": True}
        self.scheduler = subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port",
                                           self.address.rsplit(":", 1)[1], "--no-dashboard"], **quiet)  # type: ignore[call-overload]
        self.worker = subprocess.Popen([sys.executable, "-m", "dask", "worker", self.address, "--nworkers", "1",
                                        "--nthreads", "1", "--no-dashboard"], **quiet)  # type: ignore[call-overload]

    def close(self) -> None:
        for p in (self.worker, self.scheduler):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=30)


def test_an_external_scheduler_gives_the_serial_results(archive: list[Path], tmp_path: Path) -> None:
    """`--scheduler tcp://host:port` joins a cluster started with dask's own commands."""
    cluster = _DaskCluster()
    try:
        url = f"sqlite:///{tmp_path}/ext.sqlite"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SSBCERT_HOME": str(tmp_path / "home")}
        done = subprocess.run([sys.executable, "-m", "ssbcert", "reanalyze", *map(str, archive), "--db", url,
                               "--scheduler", cluster.address, "--no-progress", "--json"],
                              env=env, capture_output=True, text=True, timeout=240)
    finally:
        cluster.close()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["analysed"] == 2
    serial = reanalyse_archive(archive, ReanalysisStore(f"sqlite:///{tmp_path}/s.sqlite"), engine="serial")
    external = [json.loads(r["result"]) for r in ReanalysisStore(url).rows()]
    assert _by_path(external) == {k: json.dumps(json.loads(v), sort_keys=True, default=str)
                                  for k, v in _by_path(serial.results).items()}


@pytest.mark.parametrize("address", ["nonsense", "http://host:8786", "tcp://host", "tcp://127.0.0.1:99999"])
def test_a_malformed_scheduler_address_is_one_line(address: str, tmp_path: Path) -> None:
    write_synthetic_session(tmp_path / "s", n_spectra=3)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SSBCERT_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "ssbcert", "reanalyze", str(tmp_path), "--db",
                           f"sqlite:///{tmp_path}/r.sqlite", "--scheduler", address, "--no-progress"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"ssbcert: error: --scheduler: not a Dask scheduler address (expected tcp://host:port, tls://host:port or 'local', "
        f"found {address!r})"]


def test_an_unreachable_or_lost_scheduler_is_reported_and_the_run_resumes(
        archive: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ssbcert.archive import run

    monkeypatch.setattr(run, "CONNECT_TIMEOUT_S", 2.0)
    store = ReanalysisStore(f"sqlite:///{tmp_path}/r.sqlite")
    with pytest.raises(InputError, match="no Dask scheduler answers"):
        reanalyse_archive(archive, store, engine="dask", scheduler=f"tcp://127.0.0.1:{_free_port()}")
    # a live scheduler on a loaded machine may take longer than 2 s to answer (failed once so)
    monkeypatch.setattr(run, "CONNECT_TIMEOUT_S", 60.0)

    cluster = _DaskCluster()

    class StoreThatKillsTheScheduler(ReanalysisStore):
        def add(self, key: str, result: dict, run_id: str) -> bool:  # type: ignore[type-arg]
            stored = super().add(key, result, run_id)
            cluster.scheduler.kill()  # the scheduler dies once the first session is safely stored
            return stored

    try:
        with pytest.raises(ResourceError, match="lost the Dask scheduler .* during the run"):
            reanalyse_archive(archive, StoreThatKillsTheScheduler(store.url), engine="dask", scheduler=cluster.address)
    finally:
        cluster.close()
    assert len(store.rows()) == 1  # what finished before the loss is kept
    _wait_until_free(archive)  # the killed worker's task process may take a moment to die
    again = reanalyse_archive(archive, store, engine="serial")
    assert (again.skipped, again.analysed, again.busy) == (1, 1, 0)


def test_the_store_takes_what_every_other_db_option_takes(tmp_path: Path) -> None:
    store = ReanalysisStore(str(tmp_path / "plain-path.sqlite"))  # a file path, as `--db` everywhere else
    assert store.url == f"sqlite:///{(tmp_path / 'plain-path.sqlite').resolve()}" and store.done_keys() == set()
    with pytest.raises(InputError, match="--db: unsupported database 'nosuch'"):
        ReanalysisStore("nosuch://x")


@pytest.mark.parametrize(("extra_env", "args", "line"), [
    ({"SSBCERT_WORKERS": "two"}, [],
     "ssbcert: error: SSBCERT_WORKERS: bad worker count in the environment (expected a whole number >= 1, found 'two')"),
    ({}, ["--db", "mysql://u@h/db"], "ssbcert: error: --db: unsupported database 'mysql'"),
])
def test_bad_settings_of_an_archive_run_are_one_line(extra_env: dict, args: list, line: str, tmp_path: Path) -> None:  # type: ignore[type-arg]
    write_synthetic_session(tmp_path / "s", n_spectra=3)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SSBCERT_HOME": str(tmp_path / "home"), **extra_env}
    db = [] if "--db" in args else ["--db", f"sqlite:///{tmp_path}/r.sqlite"]
    done = subprocess.run([sys.executable, "-m", "ssbcert", "reanalyze", str(tmp_path), *db, *args, "--no-progress"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), done.stderr


def test_a_local_cluster_does_not_warn_when_the_dashboard_port_is_taken() -> None:
    """Another cluster or a notebook on dask's default port 8787 must not put a warning on the
    user's terminal: the local cluster's scheduler takes any free port for its HTTP routes."""
    import socket
    import warnings

    from ssbcert.archive.run import local_cluster

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:
        pass  # already taken by something else: the same situation
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            with local_cluster(1) as cluster:
                assert cluster.scheduler.http_server.port != 8787
        assert not [w for w in seen if "already in use" in str(w.message)]
    finally:
        holder.close()


def test_a_killed_pool_worker_is_reported_and_the_run_resumes(tmp_path: Path) -> None:
    import multiprocessing

    write_synthetic_archive(tmp_path / "arch", n_sessions=6, spectra_per_session=3, seed=4)
    sessions = sessions_under([tmp_path / "arch"])  # more sessions than workers: some are pending when one dies
    store = ReanalysisStore(f"sqlite:///{tmp_path}/r.sqlite")
    others = {p.pid for p in multiprocessing.active_children()}  # e.g. a pool an earlier test keeps

    class StoreThatKillsAWorker(ReanalysisStore):
        def add(self, key: str, result: dict, run_id: str) -> bool:  # type: ignore[type-arg]
            stored = super().add(key, result, run_id)
            for child in multiprocessing.active_children():  # this run's workers, as the OOM killer would
                if child.pid not in others:
                    os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
            return stored

    with pytest.raises(ResourceError, match="worker process of the pool of 2 died.*same command resumes"):
        reanalyse_archive(sessions, StoreThatKillsAWorker(store.url), engine="pool", workers=2)
    done = len(store.rows())
    assert 1 <= done < 6  # what finished before the kill is kept
    _wait_until_free(sessions)
    again = reanalyse_archive(sessions, store, engine="pool", workers=2)
    assert (again.skipped, again.analysed, again.errors) == (done, 6 - done, 0)


def test_a_session_held_by_another_process_is_left_for_the_next_run(tmp_path: Path) -> None:
    """Two runs over one archive (or a certify of one of its sessions): a session another process
    holds is not a result; it must not be stored as done, or no later run would analyse it."""
    write_synthetic_archive(tmp_path / "arch", n_sessions=2, spectra_per_session=3, seed=2)
    sessions = sessions_under([tmp_path / "arch"])
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom ssbcert.session import SessionLock\n"
         "with SessionLock(sys.argv[1], 'test holder'):\n    print('held', flush=True)\n    time.sleep(120)\n",
         str(sessions[0])], env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        store = ReanalysisStore(f"sqlite:///{tmp_path}/r.sqlite")
        first = reanalyse_archive(sessions, store, engine="serial")
    finally:
        holder.kill()
        holder.wait()
    assert (first.analysed, first.busy, first.errors) == (1, 1, 0)
    assert [r["session_path"] for r in store.rows()] == [str(sessions[1])]
    again = reanalyse_archive(sessions, store, engine="serial")
    assert (again.skipped, again.analysed, again.busy) == (1, 1, 0)


def test_the_store_keeps_the_first_success_and_retries_failures(tmp_path: Path) -> None:
    store = ReanalysisStore(f"sqlite:///{tmp_path}/r.sqlite")
    failed = {"session_path": "/a", "analysis_version": "v", "status": "error", "error": "no sample record"}
    ok = {"session_path": "/a", "analysis_version": "v", "status": "ok", "n_spectra": 3}
    assert store.add("k", failed, "run1") and store.done_keys() == set()  # a failure is not done
    assert store.add("k", ok, "run2") and store.done_keys() == {"k"}  # the retry's success replaces it
    assert not store.add("k", {**ok, "n_spectra": 9}, "run3")  # a concurrent run's later success is not stored
    (row,) = store.rows()
    assert (row["status"], row["run_id"], row["n_spectra"]) == ("ok", "run2", 3)
