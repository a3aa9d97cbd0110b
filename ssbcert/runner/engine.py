"""The engine: runs a plan on an open bench, one step instance at a time, and emits documents.

A point (one EIS repeat, one polarization) is committed by its record line in the session; a step
without records by a `step_done` document. Whatever is committed is skipped on resume, so nothing
is measured twice and nothing committed is lost. After a crash the latest temperature step before
the resume point is applied again first: the stage may have cooled while nobody was watching.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from ssbcert.drivers.base import ReplyError
from ssbcert.drivers.transport import ConnectionLost, TransportTimeout
from ssbcert.errors import InstrumentError
from ssbcert.protocol.model import DcPolarization, Eis, SetTemperature
from ssbcert.protocol.plan import Plan, StepInstance
from ssbcert.records import ImpedanceSpectrum, PolarizationTrace
from ssbcert.runner.control import Aborted, RunControl
from ssbcert.runner.digest import KEY as DIGEST_KEY
from ssbcert.runner.digest import ReplyDigest
from ssbcert.runner.documents import Emitter
from ssbcert.session.store import SessionWriter

RECORD_KINDS = ("eis", "dc_polarization")
T = TypeVar("T")


class StepFailed(Exception):
    """A step could not be completed; the run stops cleanly and stays resumable."""


@dataclass
class TemperatureContext:
    step_id: str
    setpoint_K: float
    band_K: float
    window_s: float
    timeout_s: float
    poll_s: float
    on_timeout: str


@dataclass
class EngineResult:
    exit_status: str  # success | abort | fail
    reason: str
    points_recorded: int
    resumed_from: str | None


class Engine:
    max_attempts = 3  # per point, on top of the drivers' own retries
    max_suspensions = 5  # temperature excursions tolerated per point

    def __init__(self, plan: Plan, bench: Any, writer: SessionWriter, emitter: Emitter, control: RunControl | None = None,
                 digest: ReplyDigest | None = None) -> None:
        self.plan = plan
        self.digest = digest
        self.bench = bench
        self.writer = writer
        self.emitter = emitter
        self.control = control or RunControl()
        self.control.on_note = lambda text: self.emitter.emit({"doc": "note", "step": self.writer.io.step, "text": text})
        self.clock = bench.clock
        self.context: TemperatureContext | None = None
        self.recorded = 0
        self.fixture_points = self._fixture_points()  # latest open / short sweep, for compensation

    # ---- bookkeeping ----------------------------------------------------------------------
    def done(self, inst: StepInstance) -> bool:
        if inst.kind in RECORD_KINDS:
            return all(inst.point_id(k) in self.writer.completed_points for k in range(inst.points))
        return inst.id in self.writer.completed_steps

    def _fixture_points(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for inst in self.plan:
            if inst.kind == "eis" and inst.step.fixture != "sample":
                for k in range(inst.points):
                    if inst.point_id(k) in self.writer.completed_points:
                        found[inst.step.fixture] = inst.point_id(k)
        return found

    def first_pending(self) -> str | None:
        for inst in self.plan:
            if not self.done(inst):
                return inst.id
        return None

    def _replies(self) -> dict[str, str]:
        """The digest of the replies since the last commit, for the document that commits them."""
        return {DIGEST_KEY: self.digest.take()} if self.digest is not None else {}

    def _io_step(self, label: str) -> None:
        self.writer.io.step = label

    def _role(self, role: str) -> Any:
        return self.bench.roles[role]

    # ---- the run -------------------------------------------------------------------------
    def run(self) -> EngineResult:
        first = self.first_pending()
        self._io_step("start")
        status, reason, where = "fail", "", None
        try:
            snapshot = self.bench.snapshot(lambda fn: self._recovering("start", fn))
            self.emitter.emit(
                {
                    "doc": "start",
                    "run": self.emitter.run_uid,
                    "segment": self.writer.segment,
                    "protocol": self.plan.name,
                    "protocol_sha256": self.plan.protocol_sha256,
                    "snapshot": snapshot,
                    "resume_from": first,
                    "steps": len(self.plan),
                    **self._replies(),
                }
            )
            restore: StepInstance | None = None
            for inst in self.plan:
                if self.done(inst):
                    if inst.kind == "set_temperature":
                        restore = inst
                    continue
                if restore is not None and inst.kind != "set_temperature" and "temperature" in self.bench.roles:
                    self._set_temperature(restore, restoring=True)
                restore = None
                self.control.check()
                self._run_step(inst)
            status = "success"
        except Aborted as exc:
            status, reason, where = "abort", str(exc), self.control.checks
        except (StepFailed, InstrumentError) as exc:
            status, reason = "fail", str(exc)
        except KeyboardInterrupt:
            status, reason = "abort", "interrupted twice (Ctrl-C): stopped immediately"
            raise
        except BaseException as exc:
            status, reason = "fail", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self._io_step("stop")
            self.emitter.emit(
                {"doc": "stop", "run": self.emitter.run_uid, "exit_status": status, "reason": reason, "points_recorded": self.recorded, "abort_check": where,
                 **self._replies()}
            )
        return EngineResult(status, reason, self.recorded, first)

    def _run_step(self, inst: StepInstance) -> None:
        self._io_step(inst.id)
        self.emitter.emit({"doc": "step_begin", "step": inst.id, "kind": inst.kind, "label": inst.step.label, "setpoint_K": inst.setpoint_K})
        kind = inst.kind
        if kind == "identify":
            self.emitter.event("snapshot", {"instruments": json.dumps(self.bench.snapshot(lambda fn: self._recovering(inst.id, fn)), sort_keys=True, default=str)}, step=inst.id)
        elif kind == "set_temperature":
            self._set_temperature(inst)
        elif kind in RECORD_KINDS:
            for k in range(inst.points):
                pid = inst.point_id(k)
                if pid in self.writer.completed_points:
                    continue
                self._measure_point(inst, pid)
                self.control.point_done(pid)
                if k < inst.points - 1:
                    self.control.check()
            return
        elif kind == "hold":
            self._hold(inst.step.duration_s)
        elif kind == "checkpoint":
            self.writer.write_manifest()
        self.emitter.emit({"doc": "step_done", "step": inst.id, **self._replies()})

    # ---- temperature -----------------------------------------------------------------------
    def _set_temperature(self, inst: StepInstance, restoring: bool = False) -> None:
        s: SetTemperature = inst.step
        assert inst.setpoint_K is not None
        self._io_step(inst.id + (".restore" if restoring else ""))
        if restoring:
            self.emitter.emit({"doc": "note", "step": inst.id, "text": "re-applying the temperature before resuming"})
        drv = self._role("temperature")
        self._recovering(inst.id, lambda: drv.set_temperature(inst.setpoint_K, s.ramp_K_per_min))
        self.context = TemperatureContext(inst.id, inst.setpoint_K, s.band_K, s.window_s, s.timeout_s, s.poll_s, s.on_timeout)
        self._stabilise(inst.id)

    def _stabilise(self, label: str) -> float:
        """Poll until the reading has stayed within the band for the window; apply on_timeout."""
        ctx = self.context
        assert ctx is not None
        drv = self._role("temperature")
        t0 = self.clock.now()
        since: float | None = None
        while True:
            self.control.check()
            T = drv.read_temperature_K()
            now = self.clock.now()
            self.emitter.event("temperature", {"temperature_K": T, "setpoint_K": ctx.setpoint_K, "band_K": ctx.band_K}, step=label, time_s=now)
            if abs(T - ctx.setpoint_K) <= ctx.band_K:
                since = now if since is None else since
                if now - since >= ctx.window_s and not drv.ramping():
                    return T
            else:
                since = None
            if now - t0 >= ctx.timeout_s:
                msg = f"{label}: temperature not within ±{ctx.band_K:g} K of {ctx.setpoint_K:g} K for {ctx.window_s:g} s after {ctx.timeout_s:g} s (last {T:.3f} K)"
                if ctx.on_timeout == "abort":
                    raise StepFailed(msg)
                self.emitter.emit({"doc": "note", "step": label, "text": msg + "; continuing (on_timeout: continue)"})
                return T
            self.clock.sleep(ctx.poll_s)

    def _temperature_ok(self, label: str) -> tuple[bool, float | None]:
        if self.context is None or "temperature" not in self.bench.roles:
            return True, None
        T = self._role("temperature").read_temperature_K()
        return abs(T - self.context.setpoint_K) <= self.context.band_K, T

    def _in_band_or_wait(self, label: str) -> float | None:
        """Suspend (Bluesky-style) while the temperature is outside its band; resume when back."""
        ok, T = self._temperature_ok(label)
        if ok:
            return T
        self.emitter.emit({"doc": "suspend", "step": label, "reason": f"temperature {T:.3f} K outside ±{self.context.band_K:g} K of {self.context.setpoint_K:g} K"})  # type: ignore[union-attr]
        T = self._stabilise(label)
        self.emitter.emit({"doc": "resume", "step": label, "temperature_K": T})
        return T

    def _hold(self, duration_s: float) -> None:
        end = self.clock.now() + duration_s
        while True:
            self.control.check()
            left = end - self.clock.now()
            if left <= 0:
                return
            self.clock.sleep(min(left, 60.0))

    # ---- measuring ---------------------------------------------------------------------------
    def _measure_point(self, inst: StepInstance, pid: str) -> None:
        role = "impedance" if inst.kind == "eis" else "dc"
        drv = self._role(role)
        attempt = suspensions = 0
        while True:
            self._io_step(pid)
            try:
                T = self._in_band_or_wait(pid)
                self._io_step(pid)
                record = self._sweep(inst, pid, drv, T) if inst.kind == "eis" else self._polarize(inst, pid, drv, T)
                drv.check_errors(pid)
                ok, T_after = self._temperature_ok(pid)
                if not ok:
                    suspensions += 1
                    if suspensions > self.max_suspensions:
                        raise StepFailed(f"{pid}: temperature left its band during {suspensions} measurements in a row")
                    self.emitter.emit({"doc": "suspend", "step": pid, "reason": f"temperature {T_after:.3f} K left the band during the measurement; measuring again"})
                    continue
                break
            except InstrumentError as exc:
                attempt += 1
                self.emitter.emit({"doc": "error", "step": pid, "attempt": attempt, "error": str(exc), "action": "recover and retry" if attempt < self.max_attempts else "stop"})
                if attempt >= self.max_attempts:
                    raise StepFailed(f"{pid}: {exc}") from exc
                try:
                    self._io_step(pid + ".recover")
                    self._driver_of(exc, drv).recover(exc)
                except InstrumentError as again:
                    self.emitter.emit({"doc": "error", "step": pid, "attempt": attempt, "error": f"recovery failed: {again}", "action": "retry"})
        n = self.writer.add_record(inst.id, pid, record)
        self.recorded += 1
        stream = "impedance" if inst.kind == "eis" else "polarization"
        self.emitter.event(stream, _summary(record), step=inst.id, point=pid, record=n, **self._replies())

    def _recovering(self, label: str, fn: Callable[[], T]) -> T:
        """Run an idempotent exchange (identification, a setpoint); after a lost link, a timeout or
        a garbled reply, recover the instrument that failed and try again (max_attempts in all)."""
        attempt = 0
        while True:
            try:
                return fn()
            except (ConnectionLost, TransportTimeout, ReplyError) as exc:
                attempt += 1
                self.emitter.emit({"doc": "error", "step": label, "attempt": attempt, "error": str(exc),
                                   "action": "recover and retry" if attempt < self.max_attempts else "stop"})
                drv = self._driver_of(exc, None)
                if attempt >= self.max_attempts or drv is None:
                    raise
                self._io_step(label + ".recover")
                try:
                    drv.recover(exc)
                except InstrumentError as again:
                    self.emitter.emit({"doc": "error", "step": label, "attempt": attempt, "error": f"recovery failed: {again}", "action": "retry"})
                self._io_step(label)

    def _driver_of(self, exc: InstrumentError, default: Any) -> Any:
        """The driver whose resource raised (a temperature read can fail during an EIS point)."""
        for d in self.bench.roles.values():
            if getattr(d, "resource", None) == exc.resource:
                return d
        return default

    def _sweep(self, inst: StepInstance, pid: str, drv: Any, T: float | None) -> ImpedanceSpectrum:
        s: Eis = inst.step
        spec = drv.sweep(s.frequency_list_Hz(), s.amplitude_V, s.dc_bias_V, s.bandwidth, s.averaging)
        meta = {
            **spec.meta,
            "step": inst.id,
            "point": pid,
            "setpoint_K": inst.setpoint_K,
            "amplitude_V": s.amplitude_V,
            "dc_bias_V": s.dc_bias_V,
            "fixture": s.fixture,
        }
        if s.compensation == "open_short":
            if not {"open", "short"} <= set(self.fixture_points):
                raise StepFailed(f"{pid}: open/short compensation needs an open and a short fixture sweep first")
            meta["compensation"] = {"open": self.fixture_points["open"], "short": self.fixture_points["short"]}
        elif s.fixture != "sample":
            self.fixture_points[s.fixture] = pid
        return ImpedanceSpectrum(spec.frequency_Hz, spec.z_real_ohm, spec.z_imag_ohm, temperature_K=T, time_s=spec.time_s, meta=meta)

    def _polarize(self, inst: StepInstance, pid: str, drv: Any, T: float | None) -> PolarizationTrace:
        s: DcPolarization = inst.step

        def live(t: Any, i: Any) -> None:
            self.emitter.event("polarization_live", {"n": len(t), "current_A": float(i[-1]) if len(i) else None}, step=pid)

        trace = drv.polarize(s.voltage_V, s.duration_s, s.interval_s, s.compliance_A, on_points=live)
        meta = {**trace.meta, "step": inst.id, "point": pid, "setpoint_K": inst.setpoint_K, "compliance_A": s.compliance_A}
        return PolarizationTrace(trace.time_s, trace.current_A, trace.voltage_V, temperature_K=T, meta=meta)


def _summary(record: ImpedanceSpectrum | PolarizationTrace) -> dict[str, Any]:
    """An event's data: the whole measured arrays, so the document stream alone holds the run."""
    if isinstance(record, ImpedanceSpectrum):
        arrays = {"frequency_Hz": record.frequency_Hz, "z_real_ohm": record.z_real_ohm, "z_imag_ohm": record.z_imag_ohm}
        return {"points": len(record), "temperature_K": record.temperature_K, **{k: [float(x) for x in v] for k, v in arrays.items()}}
    arrays = {"time_s": record.time_s, "current_A": record.current_A}
    return {"points": len(record), "voltage_V": record.voltage_V, "temperature_K": record.temperature_K, **{k: [float(x) for x in v] for k, v in arrays.items()}}
