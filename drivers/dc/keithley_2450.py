"""Keithley 2450 SourceMeter in SCPI mode: constant-voltage polarization streamed from a buffer.

Why a trigger model and not `:READ?` in a loop: the instrument times the readings itself
(DurationLoop), so the time base is the instrument's, not the host's round-trip jitter, and the
host only polls `:TRAC:ACT?` and fetches new points as float64 blocks. Two spellings of the
DurationLoop exist across firmware; the driver tries the current one and falls back on -113/-285
(reference §7.2, gap 5).

The command table and the timing model below are shared with the twin (one source of truth).
"""
from __future__ import annotations

import logging
import math
import re
from typing import Any, Callable, ClassVar

import numpy as np

from ssbcert.drivers.base import ReplyError, ScpiDriver, SettingProperty, Snapshot, SourceMeter, SourceMeterCapabilities, Span
from ssbcert.drivers.scpi import CommandSet, Setting, decode_block, short_form
from ssbcert.drivers.transport import ConnectionLost, TransportTimeout
from ssbcert.errors import InstrumentError
from ssbcert.records import PolarizationTrace

log = logging.getLogger(__name__)

BUFFER = "defbuffer1"
LINE_FREQUENCY_HZ = 50.0
READING_OVERHEAD_S = 1.0e-3  # per reading, beyond the integration (reference §7.6 [I])
MIN_TRIGGER_DELAY_S = 50e-6  # DurationLoop delay range 50 µs .. 10 ks (reference §7.2)
MAX_TRIGGER_DELAY_S = 10_000.0
MAX_LOOP_DURATION_S = 100_000.0
CURRENT_RANGES_A = (10e-9, 100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1.0)
VOLTAGE_RANGES_V = (0.02, 0.2, 2.0, 20.0, 200.0)
OVERFLOW = 9.9e37
TRIGGER_FALLBACK_CODES = (-113, -285)  # old firmware: header unknown / program syntax error
_NUMBER = r"[+-]?\d+(?:\.\d+)?(?:E[+-]\d+)?"
_ASCII_LIST = re.compile(rf"{_NUMBER}(?:,{_NUMBER})*")

def _keithley_float(value: float) -> str:
    """Keithley's ASCII number format, e.g. 1.050000E-04."""
    return f"{float(value):.6E}"


COMMANDS = CommandSet(
    "Keithley 2450",
    [
        Setting("source_function", ":SOURce#:FUNCtion[:MODE]", "enum", choices=("VOLTage", "CURRent"), default="VOLT"),
        Setting("source_voltage", ":SOURce#:VOLTage[:LEVel][:IMMediate][:AMPLitude]", "float", -210.0, 210.0, unit="V", default=0.0, reply_format=_keithley_float),
        Setting("current_limit", ":SOURce#:VOLTage:ILIMit[:LEVel]", "float", 1e-9, 1.05, unit="A", default=105e-6, reply_format=_keithley_float),
        Setting("source_voltage_range", ":SOURce#:VOLTage:RANGe", "float", -210.0, 210.0, unit="V", default=2.0, reply_format=_keithley_float),
        Setting("source_voltage_autorange", ":SOURce#:VOLTage:RANGe:AUTO", "bool", default=True),
        Setting("source_readback", ":SOURce#:VOLTage:READ:BACK", "bool", default=True),
        Setting("source_current", ":SOURce#:CURRent[:LEVel][:IMMediate][:AMPLitude]", "float", -1.05, 1.05, unit="A", default=0.0, reply_format=_keithley_float),
        Setting("voltage_limit", ":SOURce#:CURRent:VLIMit[:LEVel]", "float", 0.02, 210.0, unit="V", default=21.0, reply_format=_keithley_float),
        Setting("current_range", "[:SENSe#]:CURRent[:DC]:RANGe[:UPPer]", "float", 10e-9, 1.05, unit="A", default=100e-6, reply_format=_keithley_float),
        Setting("current_autorange", "[:SENSe#]:CURRent[:DC]:RANGe:AUTO", "bool", default=True),
        Setting("nplc", "[:SENSe#]:CURRent[:DC]:NPLCycles", "float", 0.01, 10.0, default=1.0, reply_format=_keithley_float),
        Setting("autozero", "[:SENSe#]:CURRent[:DC]:AZERo[:STATe]", "bool", default=True),
        Setting("current_average", "[:SENSe#]:CURRent[:DC]:AVERage[:STATe]", "bool", default=False),
        Setting("current_average_type", "[:SENSe#]:CURRent[:DC]:AVERage:TCONtrol", "enum", choices=("REPeat", "MOVing"), default="REP"),
        Setting("current_average_count", "[:SENSe#]:CURRent[:DC]:AVERage:COUNt", "int", 1, 100, default=10),
        Setting("four_wire", "[:SENSe#]:CURRent[:DC]:RSENse", "bool", default=False),
        Setting("voltage_nplc", "[:SENSe#]:VOLTage[:DC]:NPLCycles", "float", 0.01, 10.0, default=1.0, reply_format=_keithley_float),
        Setting("voltage_range", "[:SENSe#]:VOLTage[:DC]:RANGe[:UPPer]", "float", 0.02, 210.0, unit="V", default=0.02, reply_format=_keithley_float),
        Setting("voltage_autorange", "[:SENSe#]:VOLTage[:DC]:RANGe:AUTO", "bool", default=True),
        Setting("source_delay", ":SOURce#:VOLTage:DELay", "float", 0.0, 10_000.0, unit="s", default=0.0, reply_format=_keithley_float),
        Setting("source_delay_auto", ":SOURce#:VOLTage:DELay:AUTO", "bool", default=True),
        Setting("terminals", ":ROUTe:TERMinals", "enum", choices=("FRONt", "REAR"), default="FRON"),
        Setting("off_mode", ":OUTPut#:VOLTage:SMODe", "enum", choices=("NORMal", "HIMPedance", "ZERO", "GUARd"), default="NORM"),
        Setting("output", ":OUTPut#[:STATe]", "bool", default=False),
        Setting("data_format", ":FORMat[:DATA]", "enum", choices=("ASCii", "REAL", "SREal"), default="ASC"),
        Setting("byte_order", ":FORMat:BORDer", "enum", choices=("NORMal", "SWAPped"), default="SWAP"),
    ],
)


# ------------------------------------------------------------------ timing model (shared with the twin)


def reading_time_s(nplc: float, autozero: bool = True, line_Hz: float = LINE_FREQUENCY_HZ) -> float:
    """One reading: NPLC line cycles of integration (twice with autozero) plus fixed overhead."""
    integration = nplc / line_Hz
    return (2.0 * integration if autozero else integration) + READING_OVERHEAD_S


def loop_period_s(delay_s: float, nplc: float, autozero: bool = True) -> float:
    """DurationLoop iteration: delay block, then measure block."""
    return delay_s + reading_time_s(nplc, autozero)


def duration_loop_points(duration_s: float, delay_s: float, nplc: float, autozero: bool = True) -> int:
    """Readings a DurationLoop takes: it keeps measuring until `duration_s` has elapsed (at least one)."""
    return max(1, math.ceil(duration_s / loop_period_s(delay_s, nplc, autozero) - 1e-12))


def plan_loop(interval_s: float, nplc: float, autozero: bool = True) -> tuple[float, float]:
    """(nplc, delay) giving one reading per `interval_s`: shorten the integration if it does not fit."""
    if reading_time_s(nplc, autozero) + MIN_TRIGGER_DELAY_S > interval_s:
        cycles = (interval_s - READING_OVERHEAD_S - MIN_TRIGGER_DELAY_S) * LINE_FREQUENCY_HZ / (2.0 if autozero else 1.0)
        nplc = max(0.01, math.floor(cycles * 100.0) / 100.0)
    delay = max(MIN_TRIGGER_DELAY_S, interval_s - reading_time_s(nplc, autozero))
    return nplc, min(delay, MAX_TRIGGER_DELAY_S)


def autorange_for(current_A: float) -> float:
    """The range autorange settles on: the smallest whose 105 % over-range holds the reading."""
    for r in CURRENT_RANGES_A:
        if abs(current_A) <= 1.05 * r:
            return r
    return CURRENT_RANGES_A[-1]


class PolarizationError(InstrumentError):
    """A polarization finished but its data are not clean; `trace` keeps everything measured."""

    def __init__(self, resource: str, message: str, trace: PolarizationTrace) -> None:
        super().__init__(resource, message)
        self.trace = trace


class ComplianceTrip(PolarizationError):
    """The current limit was reached: readings at the limit are not the sample's current."""


class MeasurementOverflow(PolarizationError):
    """Readings came back as the overflow sentinel 9.9E37 (kept as NaN in `trace`)."""


class Keithley2450(ScpiDriver, SourceMeter):
    """Keithley 2450 (SCPI command set, `*LANG SCPI`); raw socket 5025 or USB-TMC."""

    model = "Keithley 2450"
    command_set = COMMANDS
    capabilities: ClassVar[SourceMeterCapabilities] = SourceMeterCapabilities(
        voltage_V=Span(-210.0, 210.0, "V"),
        current_limit_A=Span(1e-9, 1.05, "A"),
        min_interval_s=reading_time_s(0.01, True) + MIN_TRIGGER_DELAY_S,
        max_points=1_000_000,
    )
    read_termination = "\n"
    write_termination = "\n"
    nplc_default: ClassVar[float] = 1.0
    autozero_default: ClassVar[bool] = True
    # ASCII by default: a float64 block has no checksum, and a corrupted byte in a reading's low
    # mantissa passes any plausibility check (the garble test shows it); every corrupted character
    # of the ASCII grammar is caught. At <= 1 reading/ms the transfer is never the bottleneck
    # (~24 bytes per point either way). Set True on links that cannot corrupt (e.g. USB-TMC).
    binary_transfer: ClassVar[bool] = False
    poll_limits_s: ClassVar[tuple[float, float]] = (0.5, 10.0)  # instrument seconds between buffer polls
    max_batch: ClassVar[int] = 5000  # points per buffer transfer

    output = SettingProperty("output")
    source_voltage_V = SettingProperty("source_voltage")
    current_limit_A = SettingProperty("current_limit")
    nplc = SettingProperty("nplc")

    def __init__(self, transport: Any, clock: Any = None, **options: Any) -> None:
        super().__init__(transport, clock=clock, **options)
        self._trigger_form: str | None = None  # "DurationLoop" or "LOOP:DUR" once known
        self._idn: str | None = None

    # ---- small helpers ---------------------------------------------------------------------
    @staticmethod
    def setting_command(name: str, value: Any) -> str:
        """`:SOUR:VOLT:ILIM 0.001` from the command table, after the driver-side range check."""
        s = COMMANDS[name]
        s.check(value)
        return f"{short_form(s.header)} {s.format_arg(value)}"

    def send_with_errors(self, text: str) -> list[tuple[int, str]]:
        """Send commands and the error query in one message; return every queued error."""
        code, message = self._parse_error(self.query(f"{text};:SYST:ERR?"))
        return [] if code == 0 else [(code, message)] + self.read_errors()

    def write_checked(self, text: str, context: str) -> None:
        errors = self.send_with_errors(text)
        if errors:
            raise InstrumentError(self.resource, "instrument reported " + "; ".join(f"{c},{m}" for c, m in errors), context)

    def _parse_error(self, reply: str) -> tuple[int, str]:
        code_text, _, message = reply.partition(",")
        try:
            return int(float(code_text)), message.strip().strip('"')
        except ValueError:
            raise ReplyError(self.resource, f"error queue reply not understood: {reply!r}", ":SYST:ERR?") from None

    def resync(self) -> None:
        """*IDN? as the in-step marker: *OPC? would block while a trigger model runs."""
        self.resync_until(lambda: self.query("*IDN?"), lambda r: r.startswith("KEITHLEY INSTRUMENTS"), "*IDN?")

    def identify(self) -> Snapshot:
        """IDN, language and every setting of the command table (the 2450 has no *OPT?)."""
        self._idn = self.query("*IDN?")
        settings = self.settings_snapshot()
        settings["language"] = self.query("*LANG?")
        return Snapshot(self.role, type(self).__name__, self.resource, self._idn, "", settings)

    # ---- role interface ----------------------------------------------------------------------
    def estimate_polarize_s(self, duration_s: float, interval_s: float) -> float:
        """Instrument time of one polarization: the loop's readings plus configuration overhead."""
        nplc, delay = plan_loop(interval_s, self.nplc_default, self.autozero_default)
        n = duration_loop_points(duration_s, delay, nplc, self.autozero_default)
        return n * loop_period_s(delay, nplc, self.autozero_default) + 0.5

    def check_polarize(self, voltage_V: float, duration_s: float, interval_s: float, compliance_A: float) -> None:
        cap = self.capabilities
        if not cap.voltage_V.contains(voltage_V):
            raise ValueError(f"{self.model}: voltage: expected {cap.voltage_V}, found {voltage_V:g} V")
        if not cap.current_limit_A.contains(compliance_A):
            raise ValueError(f"{self.model}: compliance: expected {cap.current_limit_A}, found {compliance_A:g} A")
        if interval_s < cap.min_interval_s:
            raise ValueError(f"{self.model}: interval: expected >= {cap.min_interval_s:.4g} s, found {interval_s:g} s")
        if not 0 < duration_s <= MAX_LOOP_DURATION_S:
            raise ValueError(f"{self.model}: duration: expected 0..{MAX_LOOP_DURATION_S:g} s, found {duration_s:g} s")
        nplc, delay = plan_loop(interval_s, self.nplc_default, self.autozero_default)
        points = duration_loop_points(duration_s, delay, nplc, self.autozero_default)
        if points > cap.max_points:
            raise ValueError(f"{self.model}: points: expected <= {cap.max_points}, found {points} (duration/interval)")

    def polarize(
        self,
        voltage_V: float,
        duration_s: float,
        interval_s: float,
        compliance_A: float,
        on_points: Callable[[np.ndarray, np.ndarray], None] | None = None,
    ) -> PolarizationTrace:
        """Hold `voltage_V` for `duration_s`, one reading per `interval_s`, streamed as it is measured.

        time_s counts from the moment the output turned on (output and loop start in one message).
        """
        self.check_polarize(voltage_V, duration_s, interval_s, compliance_A)
        autozero = self.autozero_default
        nplc, delay = plan_loop(interval_s, self.nplc_default, autozero)
        points = duration_loop_points(duration_s, delay, nplc, autozero)
        if self._idn is None:
            self._idn = self.query("*IDN?")
        self._configure(voltage_V, compliance_A, nplc, autozero, points)
        form = self.load_duration_loop(duration_s, delay)
        period = loop_period_s(delay, nplc, autozero)
        t_on = self.clock.now()
        times: list[np.ndarray] = []
        currents: list[np.ndarray] = []

        def batch(rel: np.ndarray, cur: np.ndarray) -> None:
            times.append(rel + delay)
            currents.append(cur)
            if on_points is not None:
                on_points(times[-1], cur)

        try:
            self.write(":OUTP ON;:INIT")
            polls = self._stream(duration_s, interval_s, period, t_on, batch)
        finally:
            self._output_off_after_run()
        tripped = self.query(":SOUR:VOLT:ILIM:TRIP?").strip() in ("1", "+1")
        errors = self.read_errors()
        t_all = np.concatenate(times) if times else np.zeros(0)
        i_all = np.concatenate(currents) if currents else np.zeros(0)
        overflow = np.abs(i_all) >= OVERFLOW * 0.99
        at_limit = (np.abs(i_all) >= compliance_A * 0.999) & ~overflow
        meta = {
            "model": self.model,
            "idn": self._idn,
            "resource": self.resource,
            "voltage_V": float(voltage_V),
            "compliance_A": float(compliance_A),
            "nplc": nplc,
            "autozero": autozero,
            "trigger_delay_s": delay,
            "interval_s": float(interval_s),
            "duration_s": float(duration_s),
            "trigger_model": form,
            "t_output_on_s": t_on,
            "points_expected": points,
            "polls": polls,
            "compliance_tripped": bool(tripped or at_limit.any()),
            "compliance_points": int(at_limit.sum()),
            "overflow_points": int(overflow.sum()),
            "instrument_errors": [f"{c},{m}" for c, m in errors],
        }
        trace = PolarizationTrace(t_all, np.where(overflow, np.nan, i_all), float(voltage_V), meta=meta)
        if errors:
            raise PolarizationError(self.resource, f"instrument reported {'; '.join(meta['instrument_errors'])} during polarization", trace)
        if overflow.any():
            raise MeasurementOverflow(self.resource, f"{int(overflow.sum())} of {len(i_all)} readings overflowed (9.9E37); kept as NaN", trace)
        if meta["compliance_tripped"]:
            raise ComplianceTrip(
                self.resource,
                f"current limit {compliance_A:g} A reached at {voltage_V:g} V ({int(at_limit.sum())} of {len(i_all)} readings at the limit); "
                "raise the compliance or lower the voltage",
                trace,
            )
        return trace

    def _configure(self, voltage_V: float, compliance_A: float, nplc: float, autozero: bool, points: int) -> None:
        """Source V / measure I, buffer sized for the run, transfer format; errors checked in the same exchange."""
        stale = self.read_errors()
        if stale:
            log.warning("%s: errors queued before polarization: %s", self.resource, stale)
        v_range = next((r for r in VOLTAGE_RANGES_V if abs(voltage_V) <= r * 1.05), VOLTAGE_RANGES_V[-1])
        commands = [
            ":ABOR",
            self.setting_command("source_function", "VOLT"),
            self.setting_command("source_voltage_range", v_range),
            self.setting_command("source_voltage", voltage_V),
            self.setting_command("current_limit", compliance_A),
            ':SENS:FUNC "CURR"',
            self.setting_command("current_autorange", True),
            self.setting_command("nplc", nplc),
            self.setting_command("autozero", autozero),
            f':TRAC:CLE "{BUFFER}"',
            f':TRAC:POIN {max(10, points + 10)},"{BUFFER}"',
            self.setting_command("data_format", "REAL" if self.binary_transfer else "ASC"),
            self.setting_command("byte_order", "NORM"),
        ]
        self.write_checked(";".join(commands), "configure polarization")

    def _stream(
        self, duration_s: float, interval_s: float, period_s: float, t_on: float, batch: Callable[[np.ndarray, np.ndarray], None]
    ) -> int:
        """Poll the buffer while the loop runs and hand over each new batch; returns the number of polls."""
        got, polls, prev_rel = 0, 0, None
        poll_s = max(interval_s, min(max(duration_s / 50.0, self.poll_limits_s[0]), self.poll_limits_s[1]))
        deadline = t_on + duration_s * 1.5 + 30.0
        while True:
            self.clock.sleep(poll_s)
            count, running = self._poll_state()
            polls += 1
            if count > got:
                end = min(count, got + self.max_batch)
                rel, cur = self._fetch(got + 1, end, prev_rel, period_s)
                got, prev_rel = end, float(rel[-1])
                batch(rel, cur)
            elif not running:
                return polls
            elif self.clock.now() > deadline:  # running, yet no new reading: the loop is stuck
                raise InstrumentError(
                    self.resource, f"DurationLoop still running {self.clock.now() - t_on:.0f} s after start (expected {duration_s:g} s)"
                )

    def load_duration_loop(self, duration_s: float, delay_s: float) -> str:
        """Load the DurationLoop template; old firmware only knows `:TRIG:LOAD:LOOP:DUR`."""
        new = f':TRIG:LOAD "DurationLoop",{duration_s:.6G},{delay_s:.6G},"{BUFFER}"'
        old = f':TRIG:LOAD:LOOP:DUR {duration_s:.6G},{delay_s:.6G},"{BUFFER}"'
        if self._trigger_form != "LOOP:DUR":
            errors = self.send_with_errors(new)
            if not errors:
                self._trigger_form = "DurationLoop"
                return "DurationLoop"
            if not all(code in TRIGGER_FALLBACK_CODES for code, _ in errors):
                listed = "; ".join(f"{c},{m}" for c, m in errors)
                raise InstrumentError(self.resource, f"instrument reported {listed}", "load DurationLoop")
            log.info("%s: DurationLoop template unknown (old firmware); using :TRIG:LOAD:LOOP:DUR", self.resource)
        self.write_checked(old, "load :TRIG:LOAD:LOOP:DUR")
        self._trigger_form = "LOOP:DUR"
        return "LOOP:DUR"

    def _exchange(self, fn: Callable[[], Any]) -> Any:
        """One idempotent poll: after a timeout, garbled reply or dropped link, recover and ask again."""
        attempt = 0
        while True:
            try:
                return fn()
            except (TransportTimeout, ConnectionLost, ReplyError) as exc:
                attempt += 1
                if attempt > self.max_retries:
                    raise
                log.warning("%s: %s during polarization; recovering (attempt %d)", self.resource, exc, attempt)
                self.recover(exc)

    def _poll_state(self) -> tuple[int, bool]:
        def ask() -> tuple[int, bool]:
            reply = self.query(f':TRAC:ACT? "{BUFFER}";:TRIG:STAT?')
            count_text, _, state = reply.partition(";")
            try:
                count = int(count_text)
            except ValueError:
                raise ReplyError(self.resource, f"buffer count not understood: {reply!r}", ":TRAC:ACT?") from None
            overall = state.split(";")[0].strip().upper()
            if overall not in ("IDLE", "RUNNING", "WAITING", "ABORTED", "ABORTING", "EMPTY", "BUILDING", "FAILED"):
                raise ReplyError(self.resource, f"trigger state not understood: {reply!r}", ":TRIG:STAT?")
            if overall == "FAILED":
                raise InstrumentError(self.resource, "trigger model FAILED", ":TRIG:STAT?")
            return count, overall in ("RUNNING", "WAITING")

        return self._exchange(ask)

    def _check_block(self, rel: np.ndarray, cur: np.ndarray, prev_rel: float | None, period_s: float) -> None:
        """Refuse values that cannot be real: relative times step by one loop period (±50 %, allowing
        for the real instrument's overheads) and continue the previous batch; readings are finite and
        within the 1 A range, or the overflow sentinel exactly."""
        steps = np.diff(np.concatenate([[-period_s if prev_rel is None else prev_rel], rel]))
        grid_ok = np.all(np.abs(steps - period_s) <= 0.5 * period_s) and (prev_rel is not None or abs(rel[0]) < 1e-9)
        cur_ok = np.all(np.isfinite(cur) & ((np.abs(cur) <= 1.06) | (cur == OVERFLOW)))
        if not (grid_ok and cur_ok):
            raise ReplyError(self.resource, "buffer data fail the timing/range check (corrupted transfer)", ":TRAC:DATA?")

    def _read_values(self, expected: int) -> np.ndarray:
        """One reply of `expected` numbers: a float64 block, or ASCII parsed to the exact grammar."""
        if self.binary_transfer:
            try:
                raw = self.transport.read_bytes_until_block_end()
                values = np.asarray(decode_block(raw.rstrip(b"\r\n"), big_endian=True))
            except ValueError as exc:  # garbled block: the rest of the reply is drained by resync
                raise ReplyError(self.resource, f"buffer block: {exc}", ":TRAC:DATA?") from exc
        else:
            text = self.transport.read()
            if not _ASCII_LIST.fullmatch(text):
                raise ReplyError(self.resource, f"buffer data not understood: {text[:60]!r}", ":TRAC:DATA?")
            values = np.array([float(v) for v in text.split(",")])
        if values.size != expected:
            raise ReplyError(self.resource, f"buffer data hold {values.size} values, expected {expected}", ":TRAC:DATA?")
        return values

    def _fetch(self, start: int, end: int, prev_rel: float | None, period_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Points start..end as (relative time, current), checked before they are trusted."""

        def ask() -> tuple[np.ndarray, np.ndarray]:
            self.write(f':TRAC:DATA? {start},{end},"{BUFFER}",READ,REL')
            values = self._read_values(2 * (end - start + 1))
            rel, cur = values[1::2].copy(), values[0::2].copy()
            self._check_block(rel, cur, prev_rel, period_s)
            return rel, cur

        return self._exchange(ask)

    def _output_off_after_run(self) -> None:
        """Stop the loop and switch the output off, reconnecting once if the link dropped."""
        try:
            self.output_off()
        except (TransportTimeout, ConnectionLost, ReplyError) as exc:
            log.warning("%s: output off failed (%s); reconnecting to retry", self.resource, exc)
            self.recover(exc)
            self.output_off()

    def output_off(self) -> None:
        """Safe state: abort the trigger model, output off (its off-state is 0 V, normal mode)."""
        self.write(":ABOR;:OUTP OFF")

    def safe_state(self) -> None:
        self.output_off()

    def reconfigure(self) -> None:
        """Nothing to restore: a polarization configures everything it uses."""
