"""The shipped protocols on the simulated bench (twins on loopback sockets, pyvisa-py drivers)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import ssbcert.bench as bench_mod

from ssbcert.runner.api import replay, resume, run  # noqa: E402
from ssbcert.session import load_session  # noqa: E402


def bench_with(role: str | None = None, **fault: Any) -> Any:
    d = bench_mod.default_bench().model_dump()
    for inst in d["instruments"].values():
        inst["timeout_s"] = min(inst["timeout_s"], 2.0)  # a dropped reply costs wall time: keep tests fast
    if role:
        d["instruments"][role]["faults"] = [fault]
    return bench_mod.BenchConfig.model_validate(d)


def test_arrhenius_end_to_end_fast_with_realistic_instrument_time(tmp_path: Path) -> None:
    t0 = time.monotonic()
    r = run("arrhenius", None, out=tmp_path / "s")
    wall = time.monotonic() - t0
    assert r.exit_status == "success", r.reason
    s = load_session(tmp_path / "s")
    assert len(s.spectra()) == 25
    instrument_h = max(float(x.time_s.max()) for x in s.spectra()) / 3600
    print(f"arrhenius: wall {wall:.1f} s, instrument time {instrument_h:.2f} h, estimate {r.estimate_s / 3600:.2f} h")
    assert wall < 60 and instrument_h > 1.0
    temps = [x.temperature_K for x in s.spectra()]
    assert min(temps) == pytest.approx(253.15, abs=0.6) and max(temps) == pytest.approx(373.15, abs=0.6)
    t1 = time.monotonic()
    res = replay(tmp_path / "s", out=tmp_path / "replayed")
    print(f"replay: {time.monotonic() - t1:.1f} s")
    assert res.identical, res


FAULTS = [
    ("impedance", {"kind": "no_reply", "at": 25}),
    ("impedance", {"kind": "delay", "at": 25, "seconds": 3.0}),  # later than the 2 s timeout: desync
    ("impedance", {"kind": "garble", "match": "CALC1:DATA:RDAT", "at": 2}),
    ("impedance", {"kind": "disconnect", "at": 25}),
    ("impedance", {"kind": "error", "match": "TRIG:SING", "at": 2, "code": -222, "message": "Data out of range"}),
    ("temperature", {"kind": "no_reply", "at": 8}),
    ("temperature", {"kind": "garble", "match": "KRDG", "at": 4}),
    ("temperature", {"kind": "unstable_temperature", "at": 5, "amplitude_K": 2.0}),
]


@pytest.mark.parametrize("role,fault", FAULTS, ids=[f"{r}-{f['kind']}" for r, f in FAULTS])
def test_twin_faults_end_recovered_or_resumable(role: str, fault: dict[str, Any], tmp_path: Path) -> None:
    """Each fault ends in a recovered run, or a clean stop whose session resumes to completion."""
    r = run("rt-eis", bench_with(role, **fault), out=tmp_path / "s")
    s = load_session(tmp_path / "s")
    io = s.io()
    evidence = (
        r.exit_status != "success"
        or {"timeout", "disconnect", "drained"} & {e["dir"] for e in io}
        or {"error", "suspend"} & {d["doc"] for d in s.documents}
        or any(e["dir"] == "read" and set(e["data"]) & set("%&@~^`|") for e in io if e["res"] != "clock")
    )
    assert evidence, "the fault left no trace: it did not fire"
    if r.exit_status != "success":
        assert r.exit_status == "fail" and r.reason
        before = [x.point for x in load_session(tmp_path / "s").records]
        r2 = resume(tmp_path / "s", bench=bench_with())
        assert r2.exit_status == "success", r2.reason
        after = [x.point for x in load_session(tmp_path / "s").records]
        assert after[: len(before)] == before  # nothing recorded was lost or re-measured
    points = [x.point for x in load_session(tmp_path / "s").records]
    assert points == ["s02.eis.p0", "s02.eis.p1", "s02.eis.p2"]
    replayed = replay(tmp_path / "s", out=tmp_path / "replayed")  # timeouts, late replies and resumes included
    assert replayed.identical, replayed
