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
from ssbcert.errors import InputError
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
