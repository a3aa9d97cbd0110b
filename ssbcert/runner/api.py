"""What the CLI, the demo and certification call: check, run, resume, replay."""
from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ssbcert.protocol.loader import LoadedProtocol, load_protocol
from ssbcert.protocol.model import Checkpoint, DcPolarization, Eis, Hold, Identify, Limits, SetTemperature
from ssbcert.protocol.plan import Plan, StepInstance, expand
from ssbcert.protocol.preflight import Estimate, preflight
from ssbcert.runner.control import RunControl
from ssbcert.runner.digest import ReplyDigest
from ssbcert.runner.digest import compare as compare_replies
from ssbcert.runner.documents import Document, Emitter
from ssbcert.runner.engine import Engine
from ssbcert.runner.replay import ReplayClock, ReplayDivergence, Transcript, TranscriptEnd, transport_factory
from ssbcert.session.files import dumps
from ssbcert.session.integrity import require_intact
from ssbcert.session.reader import load_session
from ssbcert.session.store import CONTROL, PLAN, SessionWriter

STEP_MODELS = {
    "identify": Identify,
    "set_temperature": SetTemperature,
    "eis": Eis,
    "dc_polarization": DcPolarization,
    "hold": Hold,
    "checkpoint": Checkpoint,
}
UNSYNCED_STREAMS = ("temperature", "polarization_live")


@dataclass
class BenchAccess:
    """How to reach a bench: the lead's open_bench and driver_classes by default; tests may pass fakes."""

    open: Callable[..., Any]
    driver_classes: Callable[[Any], dict[str, type]]

    @classmethod
    def default(cls) -> "BenchAccess":
        from ssbcert.bench import driver_classes, open_bench

        return cls(open_bench, driver_classes)


@dataclass
class RunResult:
    session: Path
    exit_status: str
    reason: str
    points_recorded: int
    estimate_s: float
    wall_s: float
    resumed_from: str | None = None
    points_in_session: int = 0  # every segment's records: a session with none is not worth resuming

    @property
    def resumable(self) -> bool:
        return self.exit_status != "success" and self.points_in_session > 0


class PendingRecorder:
    """Holds the I/O of a bench opened before its session exists, then writes it into the session's
    log and forwards everything after (so a bench that cannot be opened leaves no directory)."""

    def __init__(self) -> None:
        self._held: list[tuple[str, str, bytes]] = []
        self._target: Any = None

    def record(self, resource: str, direction: str, data: bytes) -> None:
        if self._target is None:
            self._held.append((resource, direction, data))
        else:
            self._target.record(resource, direction, data)

    def attach(self, target: Any) -> None:
        for item in self._held:
            target.record(*item)
        self._held.clear()
        self._target = target


def bench_config(bench: Any) -> Any:
    """A BenchConfig from a path, a config, or None (the embedded simulated bench)."""
    from ssbcert.bench import BenchConfig, default_bench, load_bench

    if bench is None:
        return default_bench()
    if isinstance(bench, (str, Path)):
        return load_bench(bench)
    if isinstance(bench, dict):
        return BenchConfig.model_validate(bench)
    return bench


def check(protocol: str | Path, bench: Any = None, params: dict[str, Any] | None = None, access: BenchAccess | None = None) -> tuple[LoadedProtocol, Plan, Estimate]:
    """Validate a protocol against a bench; InputError(s) name file:line and field."""
    access = access or BenchAccess.default()
    loaded = load_protocol(protocol, params)
    plan = expand(loaded)
    config = bench_config(bench)
    est = preflight(plan, access.driver_classes(config), loaded.protocol.limits, config.limits)
    return loaded, plan, est


def default_session_dir(name: str, root: Path = Path("sessions")) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return root / f"{stamp}-{name}"


def _sample_record(sample: str | Path | None, config: Any) -> dict[str, Any]:
    """What the session keeps of the sample. A sample file is checked first as certify will check
    it (schema, plausibility, cell geometry), so a run never measures for hours for a record that
    cannot be certified."""
    if sample is not None:
        from ssbcert.certify.inputs import cell_geometry
        from ssbcert.sample import compute_sample_properties, load_sample

        p = Path(sample)
        record = load_sample(p)
        cell_geometry(record, compute_sample_properties(record), str(p))
        return {"source": str(p), "text": p.read_text(encoding="utf-8")}
    if getattr(config, "sim", False):
        return {"source": "simulated bench", "sample": config.sample.model_dump(mode="json")}
    return {}


def run(
    protocol: str | Path,
    bench: Any = None,
    out: str | Path | None = None,
    sample: str | Path | None = None,
    operator: str | None = None,
    params: dict[str, Any] | None = None,
    progress: bool = False,
    access: BenchAccess | None = None,
    control: RunControl | None = None,
    subscribers: list[Callable[[Document], None]] | None = None,
) -> RunResult:
    """Pre-flight (protocol, bench file, sample record), open the bench, then create the session
    directory and run. Nothing is sent before the checks pass, and a bench that cannot be opened
    leaves no session behind (its opening exchanges are kept and written into the new session)."""
    access = access or BenchAccess.default()
    config = bench_config(bench)
    loaded, plan, est = check(protocol, config, params, access)
    sample_record = _sample_record(sample, config)
    out = Path(out) if out is not None else default_session_dir(plan.name)
    if (out / "session.json").exists():
        raise FileExistsError(f"{out} already holds a session; use `ssbcert resume {out}`")
    pending = PendingRecorder()
    opened = access.open(config, recorder=pending)
    try:
        writer = SessionWriter.create(
            out,
            [(p.source, p.text) for p in loaded.all_sources()],
            {**loaded.canonical(), "sha256": loaded.sha256},
            {**plan.to_dict(), "limits": loaded.protocol.limits.model_dump(mode="json")},
            config.model_dump(mode="json"),
            sample_record,
            operator,
        )
    except BaseException:
        opened.close()
        raise
    writer.io.step = "open"
    digest = ReplyDigest(writer.io)
    pending.attach(digest)
    return _execute(plan, config, writer, est, progress, access, control, subscribers, opened, digest)


def plan_from_session(path: Path) -> tuple[Plan, Limits]:
    """Rebuild the plan exactly as recorded (ids and values), without re-reading protocol files."""
    d = json.loads((path / PLAN).read_text())
    plan = Plan(d["name"], d["protocol_sha256"])
    for s in d["steps"]:
        params = {k: v for k, v in s["params"].items() if not (s["kind"] == "set_temperature" and k == "setpoint_K" and v is None)}
        model = STEP_MODELS[s["kind"]].model_construct(**params)
        source, _, line = s["where"].rpartition(":")
        plan.instances.append(StepInstance(s["id"], model, s["setpoint_K"], source or s["where"], (), int(line) if line.isdigit() else None))
    limits = Limits.model_construct(**d.get("limits", {}))
    return plan, limits


def resume(
    session: str | Path,
    progress: bool = False,
    access: BenchAccess | None = None,
    control: RunControl | None = None,
    bench: Any = None,
    subscribers: list[Callable[[Document], None]] | None = None,
) -> RunResult:
    """Continue a session at its first unfinished step or point."""
    access = access or BenchAccess.default()
    path = Path(session)
    writer = SessionWriter.reopen(path)
    plan, limits = plan_from_session(path)
    config = bench_config(bench if bench is not None else json.loads((path / "bench.json").read_text()))
    est = preflight(plan, access.driver_classes(config), limits, config.limits)
    return _execute(plan, config, writer, est, progress, access, control, subscribers)


def _journal(writer: SessionWriter) -> Callable[[Document], None]:
    def write(doc: Document) -> None:
        live = doc.get("doc") == "event" and doc.get("stream") in UNSYNCED_STREAMS
        writer.document(doc, sync=not live)

    return write


def _execute(
    plan: Plan,
    config: Any,
    writer: SessionWriter,
    est: Estimate,
    progress: bool,
    access: BenchAccess,
    control: RunControl | None,
    subscribers: list[Callable[[Document], None]] | None,
    opened: Any = None,
    digest: ReplyDigest | None = None,
) -> RunResult:
    """Run the plan on `opened` (a bench run() already opened, recording through `digest`) or on a
    bench opened here."""
    t0 = time.monotonic()
    digest = digest or ReplyDigest(writer.io)
    control = control or RunControl()
    control.attach(writer.path / CONTROL)  # pause / resume / abort requests from other processes (the monitor)
    subs: list[Callable[[Document], None]] = [_journal(writer), *(subscribers or [])]
    display: Any = contextlib.nullcontext()
    if progress:
        from ssbcert.runner.progress import RichProgress

        done = set(writer.completed_steps) | {i.id for i in plan if i.points and all(i.point_id(k) in writer.completed_points for k in range(i.points))}
        display = RichProgress(est, done)
        subs.append(display)
    control.install_sigint()
    try:
        with display:
            writer.io.step = "open"
            bench = opened if opened is not None else access.open(config, recorder=digest)
            try:
                extra = {"estimate_total_s": est.total_s, "estimate_s": [[k, v] for k, v in est.per_step_s.items()], "pid": os.getpid(), "host": socket.gethostname()}
                result = Engine(plan, bench, writer, Emitter(subs, extra), control, digest).run()
            finally:
                writer.io.step = "close"
                bench.close()
    finally:
        control.restore_sigint()
        writer.write_manifest()
        writer.close()
    return RunResult(writer.path, result.exit_status, result.reason, result.points_recorded, est.total_s, time.monotonic() - t0,
                     result.resumed_from, len(writer.completed_points))


# ---- replay -----------------------------------------------------------------------------------
@dataclass
class ReplayResult:
    original: Path
    replayed: Path
    divergence: str | None
    records_compared: int
    mismatched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    replies_differ: list[str] = field(default_factory=list)  # journal entries whose reply bytes differ

    @property
    def identical(self) -> bool:
        return self.divergence is None and not self.mismatched and not self.missing and not self.replies_differ


def replay(session: str | Path, lenient: bool = False, out: str | Path | None = None, access: BenchAccess | None = None) -> ReplayResult:
    """Re-run a session against its transcript, segment by segment, and compare the records."""
    access = access or BenchAccess.default()
    src = Path(session)
    require_intact(src)  # a changed session is refused, naming the file and both hashes
    orig = load_session(src)
    entries = orig.io()
    plan, _ = plan_from_session(src)
    config = bench_config(orig.bench)
    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="ssbcert-replay-"))
    SessionWriter.create(out, [], orig.protocol, orig.plan, orig.bench, orig.sample, orig.info.get("operator")).close()
    starts = {d["seg"]: d for d in orig.documents if d.get("doc") == "start"}
    stops = {d["seg"]: d for d in orig.documents if d.get("doc") == "stop"}
    divergence: str | None = None
    for seg in sorted({int(e.get("seg", 0)) for e in entries}):
        if seg not in starts:
            continue  # killed while opening the bench: nothing was measured
        writer = SessionWriter.reopen(out)
        writer.segment = writer.io.segment = seg
        transcript = Transcript([e for e in entries if e.get("seg") == seg], lenient, lambda: writer.io.step)
        resources = {role: snap.get("resource", "") for role, snap in starts[seg]["snapshot"].items()}
        control = RunControl()
        stop = stops.get(seg)
        if stop is not None and stop["exit_status"] == "abort":
            control.stop_at_check = stop.get("abort_check")
        try:
            try:
                writer.io.step = "open"
                digest = ReplyDigest(writer.io)
                bench = access.open(
                    config,
                    recorder=digest,
                    transport_factory=transport_factory(transcript, resources, digest),
                    clock=ReplayClock(transcript, getattr(config, "time_scale", 1.0)),
                )
                try:
                    Engine(plan, bench, writer, Emitter([_journal(writer)]), control, digest).run()
                finally:
                    writer.io.step = "close"
                    bench.close()
                left = transcript.leftover()
                if left and stop is not None:
                    res = next(iter(left))
                    nxt = transcript.peek(res)
                    raise transcript.diverged(nxt, res, "nothing (the replay finished first)")
            except TranscriptEnd:
                if stop is not None:
                    raise
        except (ReplayDivergence, TranscriptEnd) as exc:
            divergence = str(exc)
        finally:
            writer.write_manifest()
            writer.close()
        if divergence:
            break
    return _compare(src, out, orig, divergence)


def _compare(src: Path, out: Path, orig: Any, divergence: str | None) -> ReplayResult:
    replayed = load_session(out)
    new = {r.point: r.record for r in replayed.records}
    mismatched, missing = [], []
    for r in orig.records:
        if r.point not in new:
            missing.append(r.point)
        elif dumps(new[r.point].to_dict()) != dumps(r.record.to_dict()):
            mismatched.append(r.point)
    return ReplayResult(src, out, divergence, len(orig.records), mismatched, missing, compare_replies(orig.documents, replayed.documents))
