"""PalmSens EmStat4 (LR/HR) over MethodSCRIPT: EIS (`meas_loop_eis`) and chronoamperometry
(`meas_loop_ca`), one driver serving both the impedance and the dc role.

Why it looks the way it does: the instrument has no command set to poll, only scripts. The driver
builds scripts from templates (methodscript.py), streams the `P` packages as points complete,
checks every package's status metadata (overload → clear error, never silent data), and resyncs
after a timeout with `Z` (abort) + drain + a `v` round trip. The per-point timing model lives here
and the twin imports it, so `estimate_sweep_s` and the twin agree.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, replace
from typing import Any, Callable, ClassVar, Sequence

import numpy as np
from pyvisa.constants import Parity, StopBits

from ssbcert.drivers.base import (
    ImpedanceAnalyzer,
    ImpedanceCapabilities,
    ReplyError,
    Snapshot,
    SourceMeter,
    Span,
    retried,
)
from ssbcert.drivers.impedance import methodscript as ms
from ssbcert.drivers.transport import ConnectionLost, TransportTimeout
from ssbcert.errors import InstrumentError
from ssbcert.records import ImpedanceSpectrum, PolarizationTrace

log = logging.getLogger(__name__)

# ------------------------------------------------------------------ timing model (shared with the twin)
EIS_MIN_CYCLES = 10.0  # periods integrated per frequency [I]
EIS_MIN_POINT_S = 0.25  # ranging/settling floor per frequency [I: §5.5 "0.1-0.3 s"]
EIS_OVERHEAD_S = 0.05  # per-point package/DDS overhead [I]
SCRIPT_START_S = 0.1  # parse + cell_on before the first point [I]


def eis_point_time_s(frequency_Hz: float) -> float:
    """Instrument time of one EIS frequency: a few periods, never less than the settling floor."""
    return max(EIS_MIN_CYCLES / frequency_Hz, EIS_MIN_POINT_S) + EIS_OVERHEAD_S


def eis_noise_scale(frequency_Hz: float) -> float:
    """Relative noise scale: more periods integrated (the floor at high f) → less noise."""
    cycles = max(EIS_MIN_CYCLES, EIS_MIN_POINT_S * frequency_Hz)
    return math.sqrt(EIS_MIN_CYCLES / cycles)


# ------------------------------------------------------------------ models


@dataclass(frozen=True)
class Variant:
    """What differs between EmStat4 LR and HR (firmware string prefix → limits)."""

    type_prefix: str
    frequency_Hz: Span
    potential_V: Span
    max_current_A: float
    current_ranges_A: tuple[float, ...]  # autoranging ladder, smallest first


VARIANTS: dict[str, Variant] = {
    "es4_lr": Variant("es4_lr", Span(1e-5, 200e3, "Hz"), Span(-3.0, 3.0, "V"), 30e-3,
                      (1e-9, 10e-9, 100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3)),
    "es4_hr": Variant("es4_hr", Span(1e-5, 200e3, "Hz"), Span(-6.0, 6.0, "V"), 200e-3,
                      (100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3)),
}  # fmt: skip
EIS_AMPLITUDE_V = Span(1e-4, 0.25, "V rms")  # [I]
CA_MIN_INTERVAL_S = 1e-3  # [I]
MAX_POINTS = 100_000  # packages stream out as measured: no device buffer limits a run [I]
_MARKER = re.compile(r"^(?:[MLC][0-9A-Fa-f]{4}|[*+-]|T.*)$")  # loop/scan markers, send_string text


def current_range_index(variant: Variant, current_A: float) -> int:
    """Autoranging: the smallest range that holds |I| (the last one if none does)."""
    for k, rng in enumerate(variant.current_ranges_A):
        if abs(current_A) <= rng:
            return k
    return len(variant.current_ranges_A) - 1


def log_segments(frequencies_Hz: Sequence[float], rtol: float = 1e-4) -> list[tuple[int, int]]:
    """Split a frequency list into runs a single `meas_loop_eis` can produce (log-uniform steps).

    Returns (start, stop) index pairs, stop exclusive. Any two points form a run, so every list
    can be measured; a plain logspace becomes one loop.
    """
    f = np.asarray(frequencies_Hz, dtype=float)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(f):
        j = i + 1
        if j < len(f):
            ratio = f[j] / f[i]
            j += 1
            while j < len(f) and abs(f[j] / f[j - 1] / ratio - 1.0) <= rtol:
                j += 1
        out.append((i, j))
        i = j
    return out


@dataclass(frozen=True)
class EmStat4Capabilities(ImpedanceCapabilities):
    """One object for both roles: the pre-flight reads `capabilities` whichever role it checks."""

    voltage_V: Span = Span(-3.0, 3.0, "V")
    current_limit_A: Span = Span(1e-9, 30e-3, "A")
    min_interval_s: float = CA_MIN_INTERVAL_S


class PalmSensEmStat4(ImpedanceAnalyzer, SourceMeter):
    """EmStat4 LR/HR: `sweep()` runs `meas_loop_eis`, `polarize()` runs `meas_loop_ca`."""

    role = "impedance"  # primary; also serves "dc"
    roles: ClassVar[tuple[str, ...]] = ("impedance", "dc")
    model = "PalmSens EmStat4"
    read_termination = "\n"
    write_termination = "\n"
    serial_settings = {"baud_rate": 921600, "data_bits": 8, "parity": Parity.none, "stop_bits": StopBits.one}  # 8N1
    default_timeout_s = 5.0
    variant: Variant = VARIANTS["es4_lr"]
    capabilities: ClassVar[EmStat4Capabilities] = EmStat4Capabilities(
        frequency_Hz=VARIANTS["es4_lr"].frequency_Hz,
        ac_amplitude_V=EIS_AMPLITUDE_V,
        dc_bias_V=VARIANTS["es4_lr"].potential_V,
        max_points=MAX_POINTS,
        voltage_V=VARIANTS["es4_lr"].potential_V,
        current_limit_A=Span(1e-9, VARIANTS["es4_lr"].max_current_A, "A"),
        min_interval_s=CA_MIN_INTERVAL_S,
    )

    def __init__(self, transport: Any, clock: Any = None, **options: Any) -> None:
        super().__init__(transport, clock, **options)
        self.firmware = ""
        self._eis_done: list[tuple[float, float, float, float]] = []

    # ---- low level -----------------------------------------------------------------------
    def _line_timeout_s(self, instrument_s: float) -> float:
        """Read timeout for a line the instrument produces after `instrument_s` of its own time."""
        base = getattr(getattr(self.transport, "config", None), "timeout_s", self.default_timeout_s)
        return base + self.clock.wall_seconds(instrument_s) * 1.5

    def _checked(self, line: str, context: str) -> str:
        """A `!XXXX[: Line n, Col m]` line is the device refusing something: raise it, clearly."""
        err = ms.parse_error(line)
        if err is not None:
            code, ln, col = err
            where = f" at line {ln}, col {col}" if ln is not None else ""
            raise InstrumentError(self.resource, f"!{code:04X} {ms.describe_error(code)}{where}", context)
        return line

    def _query_line(self, text: str) -> str:
        return self._checked(self.transport.query(text), text)

    def _send_script(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.transport.write(line)

    def _read_script_line(self, timeout_s: float, context: str) -> str:
        return self._checked(self.transport.read(timeout_s), context)

    def _run_script(
        self,
        lines: Sequence[str],
        point_times_s: Sequence[float],
        on_package: Callable[[list[ms.PackageVar]], None],
        context: str,
    ) -> None:
        """Send a script and consume its stream: `e`, (`M....`, `P...`×n, `*`)×loops, empty line."""
        self._send_script(lines)
        first = self._read_script_line(self._line_timeout_s(SCRIPT_START_S), context)
        if first != "e":
            raise ReplyError(self.resource, f"script not accepted: expected 'e', found {first!r}", context)
        k = 0
        while True:
            pending = point_times_s[k] if k < len(point_times_s) else EIS_MIN_POINT_S
            line = self._read_script_line(self._line_timeout_s(pending + SCRIPT_START_S), context)
            if line == "":
                return
            if line.startswith("P"):
                try:
                    pkg = ms.parse_package(line)
                except ValueError as exc:
                    raise ReplyError(self.resource, str(exc), context) from None
                on_package(pkg)
                k += 1
            elif not _MARKER.match(line):
                raise ReplyError(self.resource, f"unexpected line in script output: {line!r}", context)

    def _run_guarded(self, lines: Sequence[str], point_times_s: Sequence[float],
                     on_package: Callable[[list[ms.PackageVar]], None], context: str) -> None:
        """Run a script; on a clear device error (overload, `!XXXX`, limit) stop it with `Z` so the
        stream is not left running. Link errors propagate untouched to `@retried`/`recover`."""
        try:
            self._run_script(lines, point_times_s, on_package, context)
        except (ReplyError, TransportTimeout, ConnectionLost):
            raise
        except InstrumentError:
            try:
                self.transport.write("Z")
                self.transport.drain(0.1)
            except InstrumentError:
                pass
            raise

    def _check_status(self, var: ms.PackageVar, where: str) -> None:
        if var.status & ms.STATUS_OVERLOAD:
            raise InstrumentError(self.resource, f"current overload ({ms.VAR_TYPES.get(var.type, var.type)}) {where}")
        if var.status & (ms.STATUS_UNDERLOAD | ms.STATUS_OVERLOAD_WARNING | ms.STATUS_TIMING):
            log.warning("%s: status 0x%X on %s %s", self.resource, var.status, var.type, where)

    # ---- Driver duties -----------------------------------------------------------------------
    def identify(self) -> Snapshot:
        self.transport.write("t")
        lines = [self.transport.read()]
        while not lines[-1].endswith("*") and len(lines) < 8:
            lines.append(self.transport.read())
        self.firmware = "\n".join(lines)
        for prefix, var in VARIANTS.items():
            if lines[0][1:].startswith(prefix):
                self.variant = var
                self.capabilities = replace(self.capabilities, frequency_Hz=var.frequency_Hz, dc_bias_V=var.potential_V,
                                            voltage_V=var.potential_V, current_limit_A=Span(1e-9, var.max_current_A, "A"))
        version = self._query_line("v")
        serial = self._query_line("i")
        if not version.startswith("v") or not serial.startswith("i"):
            raise ReplyError(self.resource, f"identity replies not understood: {version!r}, {serial!r}")
        idn = f"PalmSens,{self.variant.type_prefix},{serial[1:]},{lines[0][1:]}"
        return Snapshot(self.role, type(self).__name__, self.resource, idn, "",
                        {"methodscript": version[1:], "firmware": self.firmware, "variant": self.variant.type_prefix})

    def resync(self) -> None:
        """Abort whatever runs (`Z`), drain its tail, and prove the stream is in step: a `v` reply
        followed by silence (an earlier `v` may still be queued behind a late stream)."""
        self.transport.write("Z")
        reply = ""
        for _ in range(4):
            self.transport.drain(0.15)
            try:
                reply = self.transport.query("v")
            except TransportTimeout:
                continue
            if reply.startswith("v") and not self.transport.drain(0.1):
                return
        raise ReplyError(self.resource, f"resync failed: 'v' answered {reply!r}", "v")

    def check_errors(self, context: str = "") -> None:
        """MethodSCRIPT has no error queue: errors arrive in-stream as `!XXXX` and are raised there."""

    def output_off(self) -> None:
        """Abort any running script (its on_finished: turns the cell off) and run `cell_off`."""
        self.transport.write("Z")
        self.transport.drain(0.1)
        self._send_script(ms.build_script(ms.CELL_OFF_TEMPLATE, {}))
        self.transport.drain(0.1)

    def safe_state(self) -> None:
        self.output_off()

    # ---- impedance role -------------------------------------------------------------------------
    def estimate_sweep_s(self, frequencies_Hz: Sequence[float], bandwidth: str | None = None, averaging: int = 1) -> float:
        return SCRIPT_START_S + sum(eis_point_time_s(f) for f in frequencies_Hz) * averaging

    def _range_args(self, expected_A: float) -> dict[str, float]:
        ranges = self.variant.current_ranges_A
        start = ranges[current_range_index(self.variant, expected_A)]
        return {"i_range": start, "i_min": ranges[0], "i_max": ranges[-1]}

    def sweep(
        self,
        frequencies_Hz: Sequence[float],
        amplitude_V: float,
        dc_bias_V: float = 0.0,
        bandwidth: str | None = None,
        averaging: int = 1,
    ) -> ImpedanceSpectrum:
        self.check_sweep(frequencies_Hz, amplitude_V, dc_bias_V, averaging)
        freqs = [float(f) for f in frequencies_Hz]
        self._eis_done = []
        t0 = self.clock.now()
        rt0 = getattr(self.transport, "round_trips", 0)
        self._sweep_remaining(freqs, amplitude_V, dc_bias_V)
        got = np.array(self._eis_done, dtype=float).reshape(-1, 4)
        return ImpedanceSpectrum(
            frequency_Hz=got[:, 0],
            z_real_ohm=got[:, 1],
            z_imag_ohm=got[:, 2],
            time_s=got[:, 3],
            meta={
                "model": self.model,
                "variant": self.variant.type_prefix,
                "idn": self.firmware.split("\n")[0],
                "amplitude_V_rms": amplitude_V,
                "dc_bias_V": dc_bias_V,
                "bandwidth": None,
                "averaging": 1,
                "duration_s": self.clock.now() - t0,
                "round_trips": getattr(self.transport, "round_trips", 0) - rt0,
            },
        )

    @retried
    def _sweep_remaining(self, freqs: list[float], amplitude_V: float, dc_bias_V: float) -> None:
        """Measure what is not measured yet (a retry after a dropped link resumes, not restarts)."""
        todo = freqs[len(self._eis_done):]
        if not todo:
            return
        repeats = [
            {"f_start": todo[a], "f_end": todo[b - 1], "n_points": b - a}
            for a, b in log_segments(todo)
        ]
        values = {"bandwidth": min(max(2.0 * max(todo), 40.0), 400e3), "amplitude": amplitude_V,
                  "e_dc": dc_bias_V, **self._range_args(amplitude_V / 1e3)}
        script = ms.build_script(ms.EIS_TEMPLATE, values, repeats)
        times = [eis_point_time_s(f) for f in todo]

        def on_package(pkg: list[ms.PackageVar]) -> None:
            vals = {v.type: v for v in pkg}
            if not {"dc", "cc", "cd"} <= vals.keys():
                raise ReplyError(self.resource, f"EIS package lacks dc/cc/cd: {[v.type for v in pkg]}")
            k = len(self._eis_done)
            if k >= len(freqs):
                raise ReplyError(self.resource, "more EIS packages than frequencies requested")
            f_req, f_rep = freqs[k], vals["dc"].value
            if not abs(f_rep / f_req - 1.0) < 1e-3:
                raise ReplyError(self.resource, f"EIS point {k}: device reports {f_rep:g} Hz, expected {f_req:g} Hz")
            for key in ("cc", "cd"):
                self._check_status(vals[key], f"at {f_rep:g} Hz")
            self._eis_done.append((f_rep, vals["cc"].value, vals["cd"].value, self.clock.now()))

        self._run_guarded(script, times, on_package, "meas_loop_eis")
        if len(self._eis_done) != len(freqs):
            raise ReplyError(self.resource, f"script ended after {len(self._eis_done)} of {len(freqs)} points")

    # ---- dc role -------------------------------------------------------------------------------
    def polarize(
        self,
        voltage_V: float,
        duration_s: float,
        interval_s: float,
        compliance_A: float,
        on_points: Callable[[np.ndarray, np.ndarray], None] | None = None,
    ) -> PolarizationTrace:
        """Constant potential with `meas_loop_ca`. The EmStat has no compliance clamp: the limit is
        enforced by the current-range ceiling and by aborting when |I| exceeds it."""
        cap = self.capabilities
        if not cap.voltage_V.contains(voltage_V):
            raise ValueError(f"{self.variant.type_prefix}: voltage: expected {cap.voltage_V}, found {voltage_V:g} V")
        if not cap.current_limit_A.contains(compliance_A):
            raise ValueError(f"{self.variant.type_prefix}: compliance: expected {cap.current_limit_A}, found {compliance_A:g} A")
        if interval_s < cap.min_interval_s or duration_s < interval_s:
            raise ValueError(f"{self.model}: interval: expected {cap.min_interval_s:g} s..duration, found {interval_s:g} s (duration {duration_s:g} s)")
        ranges = self.variant.current_ranges_A
        i_max = ranges[current_range_index(self.variant, compliance_A)]
        values = {"bandwidth": max(40.0, 5.0 / interval_s), "e_dc": voltage_V,
                  "i_range": i_max, "i_min": ranges[0], "i_max": i_max, "t_interval": interval_s, "t_run": duration_s}
        script = ms.build_script(ms.CA_TEMPLATE, values)
        n = int(math.floor(duration_s / interval_s + 1e-9))
        times: list[float] = []
        currents: list[float] = []

        def on_package(pkg: list[ms.PackageVar]) -> None:
            vals = {v.type: v for v in pkg}
            if not {"eb", "ba"} <= vals.keys():
                raise ReplyError(self.resource, f"CA package lacks eb/ba: {[v.type for v in pkg]}")
            self._check_status(vals["ba"], f"at t = {vals['eb'].value:g} s")
            i = vals["ba"].value
            if abs(i) > compliance_A:
                raise InstrumentError(self.resource, f"current {i:g} A exceeds the limit {compliance_A:g} A at t = {vals['eb'].value:g} s")
            times.append(vals["eb"].value)
            currents.append(i)
            if on_points is not None:
                on_points(np.array(times[-1:]), np.array(currents[-1:]))

        t0 = self.clock.now()
        self._run_guarded(script, [interval_s] * n, on_package, "meas_loop_ca")
        return PolarizationTrace(
            time_s=np.array(times), current_A=np.array(currents), voltage_V=voltage_V,
            meta={"model": self.model, "variant": self.variant.type_prefix, "idn": self.firmware.split("\n")[0],
                  "interval_s": interval_s, "compliance_A": compliance_A, "start_time_s": t0},
        )
