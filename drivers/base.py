"""Roles, capabilities and the driver base classes.

A protocol talks to roles, never to models. Each role has one small interface:

    ImpedanceAnalyzer.sweep(frequencies, amplitude, ...)      -> ImpedanceSpectrum
    TemperatureController.set_temperature / read_temperature_K
    SourceMeter.polarize(voltage, duration, interval, ...)   -> PolarizationTrace

Each driver declares its capabilities (ranges the protocol pre-flight checks before anything is
touched) and a timing model (so `ssbcert check` can estimate the duration). Common duties live
here once: identification snapshot, error-queue checks, resynchronisation after a timeout,
reconnect-and-retry, and outputs to a safe state on close / Ctrl-C / exceptions.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, ClassVar, Sequence, TypeVar

import numpy as np

from ssbcert.drivers.scpi import CommandSet, Setting, short_form
from ssbcert.drivers.transport import ConnectionLost, Transport, TransportTimeout
from ssbcert.errors import InstrumentError
from ssbcert.records import ImpedanceSpectrum, PolarizationTrace
from ssbcert.sim_instruments.clock import SimClock, WallClock

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Span:
    minimum: float
    maximum: float
    unit: str

    def contains(self, value: float) -> bool:
        return self.minimum <= value <= self.maximum

    def __str__(self) -> str:
        return f"{self.minimum:g}..{self.maximum:g} {self.unit}"


@dataclass(frozen=True)
class ImpedanceCapabilities:
    frequency_Hz: Span
    ac_amplitude_V: Span
    dc_bias_V: Span | None
    max_points: int
    bandwidth_levels: tuple[str, ...] = ()
    max_averaging: int = 1


@dataclass(frozen=True)
class TemperatureCapabilities:
    temperature_K: Span
    ramp_K_per_min: Span
    inputs: tuple[str, ...] = ("A",)


@dataclass(frozen=True)
class SourceMeterCapabilities:
    voltage_V: Span
    current_limit_A: Span
    min_interval_s: float
    max_points: int


@dataclass
class Snapshot:
    """What a certificate needs to identify an instrument and how it was set."""

    role: str
    driver: str
    resource: str
    idn: str
    options: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Driver:
    """Base of every driver. Subclasses set `role`, `model`, `capabilities`."""

    role: ClassVar[str] = ""
    model: ClassVar[str] = ""
    max_retries: ClassVar[int] = 2
    read_termination: ClassVar[str] = "\n"
    write_termination: ClassVar[str] = "\n"
    serial_settings: ClassVar[dict[str, Any] | None] = None  # for ASRL resources
    default_timeout_s: ClassVar[float] = 5.0

    @classmethod
    def open(
        cls,
        resource: str,
        clock: SimClock | None = None,
        recorder: Any = None,
        timeout_s: float | None = None,
        visa_library: str = "@py",
        **options: Any,
    ) -> "Driver":
        """Open `resource` with this instrument's terminators and serial framing."""
        from ssbcert.drivers.transport import TransportConfig, VisaTransport

        cfg = TransportConfig(
            resource=resource,
            read_termination=cls.read_termination,
            write_termination=cls.write_termination,
            timeout_s=timeout_s if timeout_s is not None else cls.default_timeout_s,
            visa_library=visa_library,
            serial=cls.serial_settings,
        )
        return cls(VisaTransport(cfg, recorder), clock=clock, **options)

    def __init__(self, transport: Transport, clock: SimClock | None = None, **options: Any) -> None:
        if options:
            raise TypeError(f"{type(self).__name__}: unknown options {sorted(options)}")
        self.transport = transport
        self.clock = clock or WallClock()
        self.resource = transport.resource
        self._closed = False

    # ---- to override --------------------------------------------------------------------
    def identify(self) -> Snapshot:
        raise NotImplementedError

    def check_errors(self, context: str = "") -> None:
        """Raise InstrumentError if the instrument reports errors (reads the whole queue)."""

    def resync(self) -> None:
        """Bring the message stream back in step after a timeout (drain; instrument specific)."""
        self.transport.drain()

    def resync_until(self, ask: Callable[[], str], accept: Callable[[str], bool], what: str) -> None:
        """Drain a late reply, then ask a question whose answer proves the stream is in step
        (for instruments where *OPC? would block or does not exist); two tries."""
        reply = ""
        for _ in range(2):
            self.transport.drain()
            reply = ask()
            if accept(reply):
                return
        raise ReplyError(self.resource, f"resync failed: {what} answered {reply!r}", what)

    def safe_state(self) -> None:
        """Outputs off / heater off. Must never raise on a dead link."""

    def reconfigure(self) -> None:
        """Re-send settings after a reconnect (default: nothing to restore)."""

    # ---- shared ---------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.safe_state()
        except Exception as exc:  # a dead link must not hide the original error
            log.warning("%s: could not reach safe state on close: %s", self.resource, exc)
        self.transport.close()

    def __enter__(self) -> "Driver":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def recover(self, exc: InstrumentError) -> None:
        """After a timeout: resync. After a dropped link: reopen, resync, restore settings."""
        if isinstance(exc, ConnectionLost):
            self.transport.reopen()
        try:
            self.resync()
        except (TransportTimeout, ConnectionLost):
            # pyvisa-py often reports a dropped socket as a timeout: a dead resync means reopen
            self.transport.reopen()
            self.resync()
            self.reconfigure()
            return
        if isinstance(exc, ConnectionLost):
            self.reconfigure()


def retried(fn: F) -> F:
    """Retry a whole idempotent operation (e.g. one sweep) after a timeout or a dropped link.

    A garbled or otherwise untrustworthy reply raises InstrumentError from the parser and is
    retried the same way; after `max_retries` the error propagates, naming the resource.
    """

    @functools.wraps(fn)
    def wrapper(self: Driver, *args: Any, **kwargs: Any) -> Any:
        attempt = 0
        while True:
            try:
                return fn(self, *args, **kwargs)
            except (TransportTimeout, ConnectionLost, ReplyError) as exc:
                attempt += 1
                if attempt > self.max_retries:
                    raise
                log.warning("%s: %s; recovering (attempt %d/%d)", self.resource, exc, attempt, self.max_retries)
                self.recover(exc)

    return wrapper  # type: ignore[return-value]


class ReplyError(InstrumentError):
    """A reply that does not parse as the command set says it must (garbled, truncated)."""


class SettingProperty:
    """Declarative instrument setting (a command is data): reads/writes through the command set."""

    def __init__(self, name: str, *suffixes: int) -> None:
        self.name = name
        self.suffixes = suffixes

    def __set_name__(self, owner: type, attr: str) -> None:
        self.attr = attr

    def setting(self, obj: "ScpiDriver") -> Setting:
        assert obj.command_set is not None
        return obj.command_set[self.name]

    def __get__(self, obj: "ScpiDriver | None", owner: type) -> Any:
        if obj is None:
            return self
        s = self.setting(obj)
        reply = obj.transport.query(short_form(s.header, *self.suffixes) + "?")
        try:
            return s.parse_reply(reply)
        except ValueError as exc:
            raise ReplyError(obj.resource, f"{s.name}: cannot parse reply {reply!r}") from exc

    def __set__(self, obj: "ScpiDriver", value: Any) -> None:
        s = self.setting(obj)
        s.check(value)
        obj.transport.write(f"{short_form(s.header, *self.suffixes)} {s.format_arg(value)}")


class ScpiDriver(Driver):
    """IEEE 488.2 / SCPI instruments: error queue via SYST:ERR?, resync with *CLS and *OPC?."""

    command_set: ClassVar[CommandSet | None] = None
    error_query: ClassVar[str] = ":SYST:ERR?"
    error_queue_limit: ClassVar[int] = 100

    def query(self, text: str, timeout_s: float | None = None) -> str:
        return self.transport.query(text, timeout_s)

    def write(self, text: str) -> None:
        self.transport.write(text)

    def wait_complete(self, timeout_s: float) -> None:
        reply = self.query("*OPC?", timeout_s=timeout_s)
        if reply.strip() not in ("1", "+1"):
            raise ReplyError(self.resource, f"*OPC? answered {reply!r}, expected 1", "*OPC?")

    def read_errors(self) -> list[tuple[int, str]]:
        errors: list[tuple[int, str]] = []
        for _ in range(self.error_queue_limit):
            reply = self.query(self.error_query)
            code_text, _, message = reply.partition(",")
            try:
                code = int(float(code_text))
            except ValueError:
                raise ReplyError(self.resource, f"error queue reply not understood: {reply!r}", self.error_query) from None
            if code == 0:
                break
            errors.append((code, message.strip().strip('"')))
        return errors

    def check_errors(self, context: str = "") -> None:
        errors = self.read_errors()
        if errors:
            listed = "; ".join(f"{c},{m}" for c, m in errors)
            raise InstrumentError(self.resource, f"instrument reported {listed}", context or None)

    def resync(self) -> None:
        """Drain the late reply, clear status, and prove the stream is in step with *OPC?."""
        self.transport.drain()
        self.write("*CLS")
        reply = self.query("*OPC?")
        if reply.strip() not in ("1", "+1"):
            self.transport.drain()
            reply = self.query("*OPC?")
            if reply.strip() not in ("1", "+1"):
                raise ReplyError(self.resource, f"resync failed: *OPC? answered {reply!r}", "*OPC?")

    def settings_snapshot(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.command_set is None:
            return out
        for s in self.command_set:
            if not s.readable:
                continue
            try:
                out[s.name] = s.parse_reply(self.query(short_form(s.header) + "?"))
            except (InstrumentError, ValueError):
                out[s.name] = None
        self.read_errors()  # some settings are not queryable in the current mode; don't leave errors behind
        return out

    def identify(self) -> Snapshot:
        idn = self.query("*IDN?")
        try:
            opt = self.query("*OPT?")
        except InstrumentError:
            opt = ""
        return Snapshot(self.role, type(self).__name__, self.resource, idn, opt, self.settings_snapshot())


class ImpedanceAnalyzer(Driver):
    role = "impedance"
    capabilities: ClassVar[ImpedanceCapabilities]

    def sweep(
        self,
        frequencies_Hz: Sequence[float],
        amplitude_V: float,
        dc_bias_V: float = 0.0,
        bandwidth: str | None = None,
        averaging: int = 1,
    ) -> ImpedanceSpectrum:
        raise NotImplementedError

    def estimate_sweep_s(self, frequencies_Hz: Sequence[float], bandwidth: str | None = None, averaging: int = 1) -> float:
        raise NotImplementedError

    def check_sweep(self, frequencies_Hz: Sequence[float], amplitude_V: float, dc_bias_V: float, averaging: int) -> None:
        """Refuse a request outside the capabilities before anything is sent."""
        cap = self.capabilities
        f = np.asarray(frequencies_Hz, dtype=float)
        if f.size < 1 or f.size > cap.max_points:
            raise ValueError(f"{self.model}: points: expected 1..{cap.max_points}, found {f.size}")
        if f.min() < cap.frequency_Hz.minimum or f.max() > cap.frequency_Hz.maximum:
            raise ValueError(f"{self.model}: frequency: expected {cap.frequency_Hz}, found {f.min():g}..{f.max():g} Hz")
        if not cap.ac_amplitude_V.contains(amplitude_V):
            raise ValueError(f"{self.model}: AC amplitude: expected {cap.ac_amplitude_V}, found {amplitude_V:g} V")
        if dc_bias_V and (cap.dc_bias_V is None or not cap.dc_bias_V.contains(dc_bias_V)):
            raise ValueError(f"{self.model}: DC bias: expected {cap.dc_bias_V or 'none'}, found {dc_bias_V:g} V")
        if averaging < 1 or averaging > cap.max_averaging:
            raise ValueError(f"{self.model}: averaging: expected 1..{cap.max_averaging}, found {averaging}")


@dataclass(frozen=True)
class StabilityResult:
    """Outcome of `wait_stable`: whether the reading stayed in band for a whole window, and its statistics."""

    stable: bool
    setpoint_K: float
    band_K: float
    mean_K: float  # over the last window (or whatever was read)
    sd_K: float
    elapsed_s: float  # instrument time spent waiting
    samples: int  # readings in the last window
    reason: str = ""


class TemperatureController(Driver):
    role = "temperature"
    capabilities: ClassVar[TemperatureCapabilities]

    @staticmethod
    def estimate_settle_s(from_K: float, to_K: float, ramp_K_per_min: float | None, window_s: float) -> float:
        """Lower bound of a temperature step: the setpoint ramp plus the stability window."""
        ramp_s = abs(to_K - from_K) / ramp_K_per_min * 60.0 if ramp_K_per_min else 0.0
        return ramp_s + window_s

    def wait_stable(
        self, setpoint_K: float, band_K: float, window_s: float, timeout_s: float, poll_s: float = 2.0
    ) -> StabilityResult:
        """Poll until every reading of the last `window_s` lies within ±band_K of the setpoint and no
        ramp is running; a controller that never settles gives a not-stable result at `timeout_s`."""
        t0 = self.clock.now()
        window: list[tuple[float, float]] = []
        streak_start: float | None = None
        while True:
            value = self.read_temperature_K()
            now = self.clock.now()
            window = [(t, v) for t, v in window if t >= now - window_s] + [(now, value)]
            if abs(value - setpoint_K) <= band_K:
                streak_start = now if streak_start is None else streak_start
            else:
                streak_start = None
            values = np.array([v for _, v in window])
            elapsed = now - t0
            if streak_start is not None and now - streak_start >= window_s and not self.ramping():
                return StabilityResult(True, setpoint_K, band_K, float(values.mean()), float(values.std()), elapsed, len(values), "in band for the whole window")
            if elapsed >= timeout_s:
                worst = float(np.max(np.abs(values - setpoint_K)))
                if worst > band_K:
                    why = f"readings in the last {window_s:g} s deviate up to {worst:.3g} K from {setpoint_K:g} K (band ±{band_K:g} K)"
                else:
                    held = now - streak_start if streak_start is not None else 0.0
                    why = f"in band for only {held:.0f} s of the {window_s:g} s window (or the setpoint ramp is still running)"
                reason = f"not stable within {timeout_s:g} s: {why}"
                return StabilityResult(False, setpoint_K, band_K, float(values.mean()), float(values.std()), elapsed, len(values), reason)
            self.clock.sleep(min(poll_s, timeout_s - elapsed))  # elapsed < timeout_s here

    def set_temperature(self, setpoint_K: float, ramp_K_per_min: float | None = None) -> None:
        raise NotImplementedError

    def read_temperature_K(self) -> float:
        raise NotImplementedError

    def ramping(self) -> bool:
        return False

    def heater_off(self) -> None:
        raise NotImplementedError

    def safe_state(self) -> None:
        self.heater_off()


class SourceMeter(Driver):
    role = "dc"
    capabilities: ClassVar[SourceMeterCapabilities]

    def polarize(
        self,
        voltage_V: float,
        duration_s: float,
        interval_s: float,
        compliance_A: float,
        on_points: Callable[[np.ndarray, np.ndarray], None] | None = None,
    ) -> PolarizationTrace:
        """Hold `voltage_V`, log current vs time; `on_points(t, i)` gets each new batch as it streams."""
        raise NotImplementedError

    def estimate_polarize_s(self, duration_s: float, interval_s: float) -> float:
        """Instrument time one `polarize` takes (from the same timing model as the instrument's twin)."""
        raise NotImplementedError

    def output_off(self) -> None:
        raise NotImplementedError

    def safe_state(self) -> None:
        self.output_off()
