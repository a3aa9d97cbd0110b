"""A small in-process bench for runner tests: three fake instruments behind a logging transport.

Deterministic on purpose: a stable temperature reads setpoint + 0.05 K and the impedance noise is
a function of (seed, frequency, temperature) only, so a run resumed after a kill measures the same
values as an uninterrupted run. Faults are injected per command (timeout, disconnect, garble,
error-queue entry, unstable temperature) to exercise the engine's recovery paths.
"""
from __future__ import annotations

import hashlib
import math
import re
import struct
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ssbcert.bench import Bench, RecordingClock, default_bench
from ssbcert.drivers.base import (
    ImpedanceAnalyzer,
    ImpedanceCapabilities,
    ReplyError,
    ScpiDriver,
    SourceMeter,
    SourceMeterCapabilities,
    Span,
    TemperatureCapabilities,
    TemperatureController,
    retried,
)
from ssbcert.drivers.transport import ConnectionLost, Transport, TransportTimeout
from ssbcert.records import ImpedanceSpectrum, PolarizationTrace
from ssbcert.runner.api import BenchAccess
from ssbcert.sim_instruments.clock import SimClock


class VirtualClock(SimClock):
    """Time advances only by sleeping: runs are deterministic whatever the machine's load."""

    def __init__(self) -> None:
        super().__init__(1.0)
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, instrument_seconds: float) -> None:
        if instrument_seconds > 0:
            self.t += instrument_seconds


def _unit_noise(*key: Any) -> float:
    h = hashlib.sha256(repr(key).encode()).digest()
    return struct.unpack("<Q", h[:8])[0] / 2**64 - 0.5


@dataclass
class Fault:
    kind: str  # timeout | disconnect | garble | error | unstable
    match: str
    at: int = 1
    every: bool = False
    seen: int = 0

    def hit(self, command: str) -> bool:
        if re.search(self.match, command, re.IGNORECASE):
            self.seen += 1
            return self.every or self.seen == self.at
        return False


@dataclass
class FakeWorld:
    """Shared physics: stage temperature (ramps, then settles at setpoint + 0.05 K) and the sample."""

    clock: SimClock
    seed: int = 7
    faults: list[Fault] = field(default_factory=list)
    T0: float = 295.0
    t_set: float = 0.0
    setpoint: float = 295.0
    ramp_K_per_min: float = 10.0
    unstable_until: float = -1.0
    errors: list[str] = field(default_factory=list)
    voltage: float = 0.0

    def temperature(self) -> float:
        t = self.clock.now()
        if t < self.unstable_until:
            return self.setpoint + 3.0 * math.sin(t / 7.0)
        travel = abs(self.setpoint - self.T0) / (self.ramp_K_per_min / 60.0)
        if t - self.t_set < travel:
            frac = (t - self.t_set) / travel
            return self.T0 + (self.setpoint - self.T0) * frac
        return self.setpoint + 0.05

    def impedance(self, f: float, T: float) -> tuple[float, float]:
        Rb = 1e4 * math.exp(0.45 / 8.617e-5 * (1 / T - 1 / 298.15))
        Cb = 1e-10
        w = 2 * math.pi * f
        z = Rb / (1 + 1j * w * Rb * Cb) + 1 / (1e-6 * (1j * w) ** 0.9)
        n1 = 1 + 1e-3 * _unit_noise(self.seed, "re", f, round(T, 6))
        n2 = 1 + 1e-3 * _unit_noise(self.seed, "im", f, round(T, 6))
        return z.real * n1, z.imag * n2

    def handle(self, resource: str, command: str) -> str | None:
        """Answer one command (None: no reply expected)."""
        c = command.strip()
        if c == "*IDN?":
            return f"FAKE,{resource},0,1.0"
        if c == "*OPT?":
            return "NONE"
        if c == "*CLS":
            self.errors.clear()
            return None
        if c == "*OPC?":
            return "1"
        if c == ":SYST:ERR?":
            return self.errors.pop(0) if self.errors else '+0,"No error"'
        head, _, arg = c.partition(" ")
        if head == "SETP":
            sp, ramp = (float(x) for x in arg.split(","))
            self.T0, self.t_set, self.setpoint, self.ramp_K_per_min = self.temperature(), self.clock.now(), sp, ramp
            return None
        if head == "KRDG?":
            return repr(round(self.temperature(), 4))
        if head == "HTR":
            return None
        if head == "SWEEP?":
            amp, *freqs = (float(x) for x in arg.split(","))
            T = self.temperature()
            out = []
            for f in freqs:
                self.clock.sleep(max(2.0 / f, 0.02))
                out += [repr(v) for v in self.impedance(f, T)]
            return ",".join(out)
        if head == "VOLT":
            self.voltage = float(arg)
            return None
        if head == "CURR?":
            t = float(arg)
            return repr(self.voltage / 1e6 * (1 + 9 * math.exp(-t / 300.0)))
        if head == "OUTP":
            return None
        self.errors.append('-113,"Undefined header"')
        return None


class FakeTransport(Transport):
    def __init__(self, world: FakeWorld, resource: str, recorder: Any = None) -> None:
        self.world = world
        self.resource = resource
        self.recorder = recorder
        self.pending: str | None = None
        self.connected = True

    def _log(self, direction: str, data: str) -> None:
        if self.recorder is not None:
            self.recorder.record(self.resource, direction, data.encode("latin-1"))

    def write(self, text: str) -> None:
        self._log("write", text)
        if not self.connected:
            self._log("disconnect", text)
            raise ConnectionLost(self.resource, "not connected", text)
        for f in self.world.faults:
            if f.hit(text):
                if f.kind == "disconnect":
                    self.connected = False
                    self._log("disconnect", text)
                    raise ConnectionLost(self.resource, "connection lost", text)
                if f.kind == "error":
                    self.world.errors.append('-222,"Data out of range"')
                if f.kind == "unstable":
                    self.world.unstable_until = self.world.clock.now() + 600.0
                if f.kind == "timeout":
                    self.world.handle(self.resource, text)
                    self.pending = None
                    return
                if f.kind == "garble":
                    reply = self.world.handle(self.resource, text)
                    self.pending = "#&@" + (reply or "")[3:]
                    return
        self.pending = self.world.handle(self.resource, text)

    def read(self, timeout_s: float | None = None) -> str:
        if self.pending is None:
            self._log("timeout", "read")
            raise TransportTimeout(self.resource, "timeout during read")
        reply, self.pending = self.pending, None
        self._log("read", reply + "\n")
        return reply

    def drain(self, quiet_s: float = 0.1) -> bytes:
        self.pending = None
        return b""

    def reopen(self) -> None:
        self.connected = True
        self.pending = None
        self._log("event", "reconnected")

    def close(self) -> None:
        pass


def _floats(driver: ScpiDriver, reply: str, command: str) -> list[float]:
    try:
        return [float(x) for x in reply.split(",")]
    except ValueError:
        raise ReplyError(driver.resource, f"cannot parse {reply[:40]!r}", command) from None


class FakeZ(ScpiDriver, ImpedanceAnalyzer):
    model = "FakeZ"
    capabilities = ImpedanceCapabilities(Span(1e-2, 1e7, "Hz"), Span(1e-3, 1.0, "V"), Span(-1, 1, "V"), 401, (), 16)

    @retried
    def sweep(self, frequencies_Hz: Any, amplitude_V: float, dc_bias_V: float = 0.0, bandwidth: str | None = None, averaging: int = 1) -> ImpedanceSpectrum:
        t0 = self.clock.now()
        cmd = "SWEEP? " + ",".join(repr(float(x)) for x in [amplitude_V, *frequencies_Hz])
        vals = _floats(self, self.query(cmd), "SWEEP?")
        if len(vals) != 2 * len(frequencies_Hz):
            raise ReplyError(self.resource, f"expected {2 * len(frequencies_Hz)} values, got {len(vals)}", "SWEEP?")
        t = t0 + np.cumsum([max(2.0 / f, 0.02) for f in frequencies_Hz])
        return ImpedanceSpectrum(frequencies_Hz, vals[0::2], vals[1::2], time_s=t, meta={"instrument": "FakeZ"})

    def estimate_sweep_s(self, frequencies_Hz: Any, bandwidth: str | None = None, averaging: int = 1) -> float:
        return float(sum(max(2.0 / f, 0.02) for f in frequencies_Hz))


class FakeT(ScpiDriver, TemperatureController):
    model = "FakeT"
    capabilities = TemperatureCapabilities(Span(200.0, 500.0, "K"), Span(0.1, 20.0, "K/min"))

    def set_temperature(self, setpoint_K: float, ramp_K_per_min: float | None = None) -> None:
        self.write(f"SETP {setpoint_K!r},{float(ramp_K_per_min or 10.0)!r}")

    @retried
    def read_temperature_K(self) -> float:
        return _floats(self, self.query("KRDG?"), "KRDG?")[0]

    def heater_off(self) -> None:
        self.write("HTR 0")


class FakeDC(ScpiDriver, SourceMeter):
    model = "FakeDC"
    capabilities = SourceMeterCapabilities(Span(-5, 5, "V"), Span(1e-9, 0.1, "A"), 0.1, 10000)

    def polarize(self, voltage_V: float, duration_s: float, interval_s: float, compliance_A: float, on_points: Callable[..., None] | None = None) -> PolarizationTrace:
        self.write(f"VOLT {voltage_V!r}")
        n = int(duration_s / interval_s) + 1
        ts = [k * interval_s for k in range(n)]
        cur = []
        for t in ts:
            cur.append(_floats(self, self.query(f"CURR? {t!r}"), "CURR?")[0])
            self.clock.sleep(interval_s)
        if on_points:
            on_points(np.array(ts), np.array(cur))
        self.write("OUTP 0")
        return PolarizationTrace(ts, cur, voltage_V)

    def output_off(self) -> None:
        self.write("OUTP 0")


CLASSES = {"impedance": FakeZ, "temperature": FakeT, "dc": FakeDC}


class _Sim:
    def close(self) -> None:
        pass


def fake_access(seed: int = 7, faults: list[Fault] | None = None) -> BenchAccess:
    """BenchAccess whose open() builds the fake bench (or replays it, given a transport factory)."""

    def open_fake(config: Any, recorder: Any = None, transport_factory: Any = None, clock: Any = None) -> Bench:
        base = clock or VirtualClock()
        world = FakeWorld(base, seed=seed, faults=[Fault(f.kind, f.match, f.at, f.every) for f in (faults or [])])
        run_clock = RecordingClock(base, recorder) if recorder is not None else base
        roles = {}
        for role, cls in CLASSES.items():
            res = f"FAKE::{role}"
            tr = transport_factory(role, cls, res) if transport_factory else FakeTransport(world, res, recorder)
            roles[role] = cls(tr, clock=run_clock)
        return Bench(config, roles, run_clock, None if transport_factory else _Sim())

    return BenchAccess(open_fake, lambda config: dict(CLASSES))


def fake_config() -> Any:
    return default_bench()
