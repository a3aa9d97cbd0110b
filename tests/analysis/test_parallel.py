"""Issue #10: analysis on a process pool gives the same bits whatever the number of workers."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from ssbcert.analysis import analyse_series
from ssbcert.analysis.parallel import analyse_batch, resolve_workers, run_tasks
from ssbcert.archive.synthetic import GEOMETRY, write_synthetic_session
from ssbcert.certify import certify
from ssbcert.errors import InputError, ResourceError
from ssbcert.session import load_session

DEMO_LAB = Path(__file__).resolve().parents[2] / "ssbcert" / "data" / "demo_lab.yaml"  # the fictitious lab


def _canonical(obj: object) -> str:
    """JSON with every float at full precision (repr round-trips), arrays as lists."""
    return json.dumps(obj, sort_keys=True, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_session(tmp_path_factory.mktemp("par") / "s", n_spectra=20, seed=3)


def test_series_on_one_and_two_workers_is_bit_identical(session: Path) -> None:
    spectra = load_session(session).spectra()
    one = analyse_series(spectra, GEOMETRY, u_temperature_K=0.3, workers=1)
    two = analyse_series(spectra, GEOMETRY, u_temperature_K=0.3, workers=2)
    assert _canonical(one.as_dict()) == _canonical(two.as_dict())
    assert all(s.valid for s in one.spectra)
    assert one.arrhenius["bulk"].activation_energy_eV.value == pytest.approx(0.30 + 8.617e-5 * 298, abs=0.01)


def test_batch_keeps_the_input_order(session: Path) -> None:
    spectra = load_session(session).spectra()[:6]
    out = analyse_batch(spectra, GEOMETRY, workers=2)
    assert [a.temperature_K for a in out] == [s.temperature_K for s in spectra]


def test_certificates_from_one_and_two_workers_are_identical(session: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    docs = []
    for n in ("1", "2"):
        monkeypatch.setenv("SSBCERT_WORKERS", n)
        issued = certify(session, out=tmp_path / f"cert-{n}", register=False, lab=DEMO_LAB)
        doc = json.loads(Path(issued.json_path).read_text())
        docs.append({k: doc[k] for k in ("results", "conformity")})
    assert docs[0]["results"] and _canonical(docs[0]) == _canonical(docs[1])


def test_worker_count_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSBCERT_WORKERS", raising=False)
    assert resolve_workers(None, 3) == 1  # small jobs stay in-process
    assert resolve_workers(3, 1) == 3
    monkeypatch.setenv("SSBCERT_WORKERS", "2")
    assert resolve_workers(None, 3) == 2
    monkeypatch.setenv("SSBCERT_WORKERS", "two")
    with pytest.raises(InputError, match="SSBCERT_WORKERS: bad worker count"):  # a user setting: one line
        resolve_workers(None, 3)
    with pytest.raises(ValueError):
        resolve_workers(0, 3)
    assert run_tasks(np.sqrt, [4.0, 9.0, 16.0], workers=2) == [2.0, 3.0, 4.0]


def _die_on_three(x: float) -> float:
    if x == 3.0:
        os.kill(os.getpid(), signal.SIGKILL)  # a worker killed mid-task, as by the out-of-memory killer
    return x


def test_a_killed_worker_is_one_line_and_the_next_call_gets_a_fresh_pool() -> None:
    with pytest.raises(ResourceError, match="worker process of the pool of 2 died"):
        run_tasks(_die_on_three, [1.0, 2.0, 3.0, 4.0], workers=2)
    assert run_tasks(np.sqrt, [4.0, 9.0], workers=2) == [2.0, 3.0]  # the broken pool was not reused


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from Linux /proc")
def test_pool_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    script = ("import multiprocessing, time\nfrom ssbcert.analysis.parallel import new_process_pool\n"
              "pool = new_process_pool(2)\nlist(pool.map(abs, range(4)))\n"
              "print(' '.join(str(p.pid) for p in multiprocessing.active_children()), flush=True)\ntime.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert parent.stdout is not None
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(p) for p in workers)
    parent.kill()  # kill -9: no chance to shut the pool down
    parent.wait()
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers), "pool workers outlived their killed parent"
