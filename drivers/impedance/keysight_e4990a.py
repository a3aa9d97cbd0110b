"""Keysight E4990A impedance analyzer (20 Hz to 10/20/30/50/120 MHz), SCPI over LAN/USB/GPIB.

The command set and the timing model live here once; the twin imports both, so driver and twin
agree on every range and on how long a sweep takes. A sweep is: send only the settings that changed
(one chained message, then one error check), one `:TRIG:SING;*OPC?`, one binary block of
frequencies, one binary block of raw complex data, one error check: four round trips when nothing
changed. Overload (9.9E37) is raised, never returned as data.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, ClassVar, Sequence

import numpy as np

from ssbcert.drivers.base import (
    ImpedanceAnalyzer,
    ImpedanceCapabilities,
    ReplyError,
    ScpiDriver,
    Span,
    retried,
)
from ssbcert.drivers.scpi import CommandSet, Setting, decode_block, short_form
from ssbcert.errors import InstrumentError
from ssbcert.records import ImpedanceSpectrum

# ------------------------------------------------------------------ instrument facts (instruments.md §2)

FREQUENCY_OPTIONS_HZ: dict[int, float] = {10: 10e6, 20: 20e6, 30: 30e6, 50: 50e6, 120: 120e6}
MIN_FREQUENCY_HZ = 20.0
MAX_POINTS = 1601
MAX_SEGMENTS = 201  # [I] segment-table length
OSC_VOLTAGE_V = (5e-3, 1.0)
OSC_CURRENT_A = (200e-6, 20e-3)  # [I]
BIAS_VOLTAGE_V = (-40.0, 40.0)  # option 001
OVERLOAD = 9.9e37
TRACE_PARAMETERS = (
    "Z", "Y", "R", "X", "G", "B", "LS", "LP", "CS", "CP", "RS", "RP", "Q", "D", "TZ", "TY",
    "VAC", "IAC", "VDC", "IDC", "IMPedance", "ADMittance",
)

# ------------------------------------------------------------------ timing model (§2.4, one source of truth)

CYCLES_PER_POINT: dict[int, float] = {1: 1.0, 2: 2.0, 3: 4.0, 4: 8.0, 5: 16.0}
MIN_POINT_S: dict[int, float] = {1: 1.0e-3, 2: 2.5e-3, 3: 5.0e-3, 4: 10.0e-3, 5: 20.0e-3}
SWEEP_OVERHEAD_S = 0.05


def point_durations_s(frequencies_Hz: Sequence[float] | np.ndarray, bandwidth: int, point_averaging: int = 1) -> np.ndarray:
    """Time of each point: whole signal periods at low frequency, a floor set by the bandwidth."""
    f = np.asarray(frequencies_Hz, dtype=float)
    bw = int(bandwidth)
    return np.maximum(CYCLES_PER_POINT[bw] / f, MIN_POINT_S[bw]) * max(1, int(point_averaging))


def sweep_time_s(
    frequencies_Hz: Sequence[float] | np.ndarray, bandwidth: int, point_averaging: int = 1, sweep_averaging: int = 1
) -> float:
    """Σ max(N_cyc(bw)/f, t_min(bw)) × point-avg × sweep-avg + overhead."""
    one = float(point_durations_s(frequencies_Hz, bandwidth, point_averaging).sum())
    return one * max(1, int(sweep_averaging)) + SWEEP_OVERHEAD_S


# ------------------------------------------------------------------ command set as data


def e4990a_commands(frequency_option: int = 120, bias_option: bool = True) -> CommandSet:
    """The E4990A settings for one frequency option (the stop frequency limit differs)."""
    if frequency_option not in FREQUENCY_OPTIONS_HZ:
        raise ValueError(f"frequency_option: expected one of {sorted(FREQUENCY_OPTIONS_HZ)}, found {frequency_option!r}")
    fmax = FREQUENCY_OPTIONS_HZ[frequency_option]
    lo_i, hi_i = OSC_CURRENT_A
    lo_v, hi_v = OSC_VOLTAGE_V
    settings = [
        Setting("freq_start", ":SENSe#:FREQuency:STARt", "float", MIN_FREQUENCY_HZ, fmax, unit="Hz", default=MIN_FREQUENCY_HZ),
        Setting("freq_stop", ":SENSe#:FREQuency:STOP", "float", MIN_FREQUENCY_HZ, fmax, unit="Hz", default=fmax),
        Setting("freq_cw", ":SENSe#:FREQuency:CW", "float", MIN_FREQUENCY_HZ, fmax, unit="Hz", default=1e3),
        Setting("points", ":SENSe#:SWEep:POINts", "int", 2, MAX_POINTS, default=201),
        Setting("sweep_type", ":SENSe#:SWEep:TYPE", "enum", choices=("LINear", "LOGarithmic", "SEGMent", "BIAS", "LBIas"), default="LIN"),
        Setting("sweep_direction", ":SENSe#:SWEep:DIRection", "enum", choices=("UP", "DOWN"), default="UP"),
        Setting("bandwidth", ":SENSe#:APERture[:TIME]", "int", 1, 5, default=1, doc="1 fastest .. 5 most accurate"),
        Setting("point_avg", ":SENSe#:AVERage[:STATe]", "bool", default=False),
        Setting("point_avg_count", ":SENSe#:AVERage:COUNt", "int", 1, 999, default=1),
        Setting("sweep_avg", ":CALCulate#:AVERage[:STATe]", "bool", default=False),
        Setting("sweep_avg_count", ":CALCulate#:AVERage:COUNt", "int", 1, 999, default=16),
        Setting("trigger_averaging", ":TRIGger[:SEQuence]:AVERage", "bool", default=False),
        Setting("source_mode", ":SOURce#:MODE", "enum", choices=("VOLTage", "CURRent"), default="VOLT"),
        Setting("osc_voltage", ":SOURce#:VOLTage[:LEVel][:IMMediate][:AMPLitude]", "float", lo_v, hi_v, unit="V", default=0.5),
        Setting("osc_current", ":SOURce#:CURRent[:LEVel][:IMMediate][:AMPLitude]", "float", lo_i, hi_i, unit="A", default=10e-3),
        Setting("alc", ":SOURce#:ALC[:STATe]", "bool", default=False),
        Setting("bias_mode", ":SOURce#:BIAS:MODE", "enum", choices=("VOLTage", "CURRent"), default="VOLT"),
        Setting("bias_voltage", ":SOURce#:BIAS:VOLTage[:LEVel][:IMMediate][:AMPLitude]", "float", *BIAS_VOLTAGE_V, unit="V", default=0.0),
        Setting("bias_state", ":SOURce#:BIAS:STATe", "bool", default=False, doc="needs the bias option (001)"),
        Setting("bias_range", ":SOURce#:BIAS:RANGe", "enum", choices=("M1", "M10", "M100"), default="M1"),
        Setting("trace_count", ":CALCulate#:PARameter#:COUNt", "int", 1, 4, default=1),
        Setting("trace_def", ":CALCulate#:PARameter#:DEFine", "enum", choices=TRACE_PARAMETERS, default="Z", readable=False),
        Setting("trigger_source", ":TRIGger[:SEQuence]:SOURce", "enum", choices=("INTernal", "EXTernal", "BUS", "MANual"), default="INT"),
        Setting("continuous", ":INITiate#:CONTinuous", "bool", default=True),
        Setting("data_format", ":FORMat:DATA", "enum", choices=("ASCii", "REAL32", "REAL"), default="ASC"),
        Setting("byte_order", ":FORMat:BORDer", "enum", choices=("NORMal", "SWAPped"), default="NORM"),
        Setting("display", ":DISPlay:ENABle", "bool", default=True),
        Setting("corr_open", ":SENSe#:CORRection2:OPEN[:STATe]", "bool", default=False),
        Setting("corr_short", ":SENSe#:CORRection2:SHORt[:STATe]", "bool", default=False),
        Setting("corr_load", ":SENSe#:CORRection2:LOAD[:STATe]", "bool", default=False),
        Setting("corr_points", ":SENSe#:CORRection:COLLect:FPOints", "enum", choices=("FIXed", "USER"), default="FIX"),
        Setting("fixture", ":SENSe#:FIXTure:SELect", "enum", choices=("ARBitrary", "FIXT16047E", "FIXT16089A", "FIXT16092A", "FIXT16334A"), default="ARB"),
        Setting("dc_monitor", ":SENSe#:DC:MEASure:ENABle", "bool", default=False),
    ]
    if not bias_option:
        settings = [replace(s, doc="bias option not installed") if s.name.startswith("bias") else s for s in settings]
    return CommandSet(f"E4990A-{frequency_option:03d}", settings)


E4990A_COMMANDS = e4990a_commands(120)


def capabilities_for(frequency_option: int, bias_option: bool) -> ImpedanceCapabilities:
    return ImpedanceCapabilities(
        frequency_Hz=Span(MIN_FREQUENCY_HZ, FREQUENCY_OPTIONS_HZ[frequency_option], "Hz"),
        ac_amplitude_V=Span(*OSC_VOLTAGE_V, "V"),
        dc_bias_V=Span(*BIAS_VOLTAGE_V, "V") if bias_option else None,
        max_points=MAX_POINTS,
        bandwidth_levels=("1", "2", "3", "4", "5"),
        max_averaging=999,
    )


def parse_options(reply: str) -> tuple[int, bool]:
    """`*OPT?` → (frequency option in MHz, bias option installed)."""
    fields = [t.strip().strip('"') for t in reply.split(",") if t.strip().strip('"')]
    freq = [int(t) for t in fields if t.isdigit() and int(t) in FREQUENCY_OPTIONS_HZ]
    if not freq:
        raise ValueError(f"*OPT? names no frequency option (expected one of 010/020/030/050/120): {reply!r}")
    return freq[0], "001" in fields


# ------------------------------------------------------------------ sweep planning


def is_log_spaced(f: np.ndarray, rtol: float = 1e-9) -> bool:
    return f.size >= 3 and f[0] > 0 and bool(np.allclose(f, np.geomspace(f[0], f[-1], f.size), rtol=rtol, atol=0))


def is_lin_spaced(f: np.ndarray, rtol: float = 1e-9) -> bool:
    return f.size >= 2 and bool(np.allclose(f, np.linspace(f[0], f[-1], f.size), rtol=rtol, atol=0))


def linear_segments(f: np.ndarray) -> list[tuple[float, float, int]]:
    """Greedy runs of equally spaced points → (start, stop, n) segments (pairs always qualify)."""
    segs: list[tuple[float, float, int]] = []
    i = 0
    while i < f.size:
        j = i + 1
        if j < f.size:
            step = f[j] - f[i]
            while j + 1 < f.size and abs((f[j + 1] - f[j]) - step) <= 1e-9 * abs(f[j + 1]):
                j += 1
            segs.append((float(f[i]), float(f[j]), j - i + 1))
        else:
            segs.append((float(f[i]), float(f[i]), 1))
        i = j + 1
    return segs


def segment_table(segs: Sequence[tuple[float, float, int]]) -> str:
    """`:SENS:SEGM:DATA` argument: header 7,0,0,0,0,0,0,0 (no per-segment OSC), count, then triples."""
    body = ",".join(f"{a:.12G},{b:.12G},{n}" for a, b, n in segs)
    return f"7,0,0,0,0,0,0,0,{len(segs)},{body}"


def resync_with_token(driver: ScpiDriver, budget_s: float = 3.0) -> None:
    """Drain, then prove the stream is in step with a reply that cannot be stale.

    A late '+1' from a timed-out *OPC? is indistinguishable from a fresh one, so instead set *ESE
    to a fresh value and read until that value comes back; stale replies (even a late binary block,
    read as many 'lines') are read and dropped within a wall-time budget.
    """
    driver.transport.drain(quiet_s=0.1)
    token = getattr(driver, "_resync_token", 0) % 200 + 37  # never 0/1: those are what stale replies say
    driver._resync_token = token  # type: ignore[attr-defined]
    driver.write(f"*CLS;*ESE {token};*ESE?")
    deadline = time.monotonic() + budget_s
    while time.monotonic() < deadline:
        if driver.transport.read().strip().lstrip("+") == str(token):
            driver.write("*ESE 0")
            return
    raise ReplyError(driver.resource, f"resync failed: *ESE? did not answer {token} within {budget_s:g} s", "*ESE?")


class OverloadError(InstrumentError):
    """The analyzer reported overload (9.9E37): the sample is out of the measurable range."""


def overload_error(resource: str, freq: np.ndarray, mask: np.ndarray, what: str) -> OverloadError:
    """Name how many points and which frequencies: the operator must know what to change."""
    where = ", ".join(f"{x:.4g}" for x in freq[mask][:5]) + (" ..." if mask.sum() > 5 else "")
    return OverloadError(
        resource,
        f"{what} at {int(mask.sum())} of {mask.size} points ({where} Hz): impedance outside the measurable "
        "range; change the AC level, fixture or sample",
    )


class KeysightScpiDriver(ScpiDriver):
    """Keysight SCPI plumbing shared by the E4990A and E4980A drivers.

    A settings cache so a sweep sends only what changed, a resync that cannot be fooled by a
    stale reply, and a cache that is forgotten whenever the link was in doubt.
    """

    def __init__(self, transport: Any, clock: Any = None) -> None:
        super().__init__(transport, clock=clock)
        self._sent: dict[str, str] = {}  # header → argument last written
        self.idn: str | None = None  # read once, lazily, for the records' meta

    def configure(self, wanted: list[tuple[str, str]]) -> int:
        """Send the settings whose value differs from what was last sent, in one message.

        Returns how many were sent. Errors are checked right after, so a refused setting never
        precedes a measurement.
        """
        changed = [(h, a) for h, a in wanted if self._sent.get(h) != a]
        if not changed:
            return 0
        self.write(";".join(f"{h} {a}" for h, a in changed))
        try:
            self.check_errors("after configuration")
        finally:
            for h, a in changed:
                self._sent[h] = a
        return len(changed)

    def transport_timeout_s(self) -> float:
        cfg = getattr(self.transport, "config", None)
        return float(getattr(cfg, "timeout_s", self.default_timeout_s))

    def query_ok(self, message: str, timeout_s: float) -> None:
        """A message ending in *OPC? (or a query answering 1 when done)."""
        reply = self.query(message, timeout_s=timeout_s)
        if reply.strip() not in ("1", "+1"):
            raise ReplyError(self.resource, f"{message} answered {reply!r}, expected 1", message)

    def read_block(self, command: str, expected_values: int, timeout_s: float | None = None) -> np.ndarray:
        """Send a query answered by one definite-length float64 block; a malformed block is a ReplyError."""
        self.transport.write(command)
        try:
            raw = self.transport.read_bytes_until_block_end(timeout_s)
            values = decode_block(raw, big_endian=True)
        except (ValueError, IndexError) as exc:  # a garbled block header or payload
            raise ReplyError(self.resource, f"binary block not understood: {exc}", command) from None
        if len(values) != expected_values:
            raise ReplyError(self.resource, f"expected {expected_values} values, found {len(values)}", command)
        return np.asarray(values, dtype=float)

    def check_plausible(self, z: np.ndarray, command: str) -> None:
        """A passive sample: finite, |Z| < 1 TΩ, R not clearly negative. Otherwise the block was corrupted."""
        mag = np.abs(z)
        if not np.all(np.isfinite(z)) or np.any(mag > 1e12) or np.any(z.real < -0.05 * mag - 1e-3):
            raise ReplyError(self.resource, "data block holds implausible values (corrupted transfer?)", command)

    def spectrum(
        self, f: np.ndarray, z: np.ndarray, time_s: np.ndarray, amplitude_V: float, dc_bias_V: float, **meta: Any
    ) -> ImpedanceSpectrum:
        """The record, with what every Keysight spectrum states about how it was measured."""
        head = {"model": self.model, "idn": self.idn, "amplitude_Vrms": float(amplitude_V), "dc_bias_V": float(dc_bias_V)}
        return ImpedanceSpectrum(
            frequency_Hz=f, z_real_ohm=z.real, z_imag_ohm=z.imag, time_s=time_s,
            meta={**head, **meta, "resource": self.resource},
        )

    def recover(self, exc: InstrumentError) -> None:
        self._sent.clear()  # after a timeout or a reconnect, trust nothing about the instrument's state
        super().recover(exc)

    def resync(self) -> None:
        resync_with_token(self)

    def reconfigure(self) -> None:
        self._sent.clear()  # the next measurement re-sends every setting


class KeysightE4990A(KeysightScpiDriver, ImpedanceAnalyzer):
    model = "E4990A"
    command_set = E4990A_COMMANDS
    capabilities: ClassVar[ImpedanceCapabilities] = capabilities_for(120, True)
    capabilities_by_option: ClassVar[dict[int, ImpedanceCapabilities]] = {
        opt: capabilities_for(opt, True) for opt in FREQUENCY_OPTIONS_HZ
    }
    default_timeout_s = 10.0
    default_bandwidth = 3
    sweep_averaging = 1  # class defaults: the pre-flight calls estimate_sweep_s on an unopened driver
    channel = 1

    def __init__(
        self,
        transport: Any,
        clock: Any = None,
        frequency_option: int | None = None,
        bias_option: bool | None = None,
        sweep_averaging: int = 1,
        bandwidth: int | None = None,
    ) -> None:
        super().__init__(transport, clock=clock)
        self.frequency_option = frequency_option
        self.bias_option = bias_option
        self.sweep_averaging = int(sweep_averaging)
        if bandwidth is not None:
            self.default_bandwidth = int(bandwidth)
        self._commands = e4990a_commands(frequency_option or 120)
        if frequency_option is not None:
            self._set_options(frequency_option, bias_option if bias_option is not None else True)

    # ---- options / capabilities -----------------------------------------------------------------
    def _set_options(self, frequency_option: int, bias_option: bool) -> None:
        self.frequency_option, self.bias_option = frequency_option, bias_option
        self._commands = e4990a_commands(frequency_option, bias_option)
        self.capabilities = capabilities_for(frequency_option, bias_option)  # type: ignore[misc]

    def _ensure_options(self) -> None:
        """Read *IDN? and *OPT? once (lazily: opening a driver must not touch the instrument)."""
        if self.idn is None:
            self.idn = self.query("*IDN?").strip()
        if self.frequency_option is None or self.bias_option is None:
            reply = self.query("*OPT?")
            try:
                freq, bias = parse_options(reply)
            except ValueError as exc:
                raise ReplyError(self.resource, str(exc), "*OPT?") from None
            self._set_options(self.frequency_option or freq, bias if self.bias_option is None else self.bias_option)

    # ---- low-level helpers ------------------------------------------------------------------
    def _header(self, name: str, *suffixes: int) -> str:
        return short_form(self._commands[name].header, *(suffixes or (self.channel,)))

    def _base_settings(self) -> list[tuple[str, str]]:
        """Transfer format and trace layout: raw R/X data in big-endian float64, bus-triggered sweeps."""
        return [
            (":FORM:DATA", "REAL"),
            (":FORM:BORD", "NORM"),
            (":CALC%d:PAR:COUN" % self.channel, "2"),
            (self._header("trace_def", self.channel, 1), "R"),
            (self._header("trace_def", self.channel, 2), "X"),
            (self._header("source_mode"), "VOLT"),
            (":TRIG:SOUR", "BUS"),
            (self._header("continuous"), "ON"),
        ]

    def _sweep_settings(self, f: np.ndarray, amplitude_V: float, dc_bias_V: float, bandwidth: int, averaging: int) -> list[tuple[str, str]]:
        cs = self._commands
        out: list[tuple[str, str]] = []
        if f.size >= 2 and (is_log_spaced(f) or is_lin_spaced(f)):
            kind = "LOG" if is_log_spaced(f) and not is_lin_spaced(f) else "LIN"
            out += [
                (self._header("sweep_type"), kind),
                (self._header("freq_start"), cs["freq_start"].format_arg(f[0])),
                (self._header("freq_stop"), cs["freq_stop"].format_arg(f[-1])),
                (self._header("points"), str(f.size)),
            ]
        else:
            segs = linear_segments(f)
            if len(segs) > MAX_SEGMENTS:
                raise ValueError(
                    f"{self.model}: frequency list needs {len(segs)} segments, the segment table holds {MAX_SEGMENTS}; "
                    "use log or linear spacing"
                )
            out += [(":SENS%d:SEGM:DATA" % self.channel, segment_table(segs)), (self._header("sweep_type"), "SEGM")]
        out += [
            (self._header("osc_voltage"), cs["osc_voltage"].format_arg(amplitude_V)),
            (self._header("bandwidth"), str(bandwidth)),
            (self._header("point_avg"), "ON" if averaging > 1 else "OFF"),
        ]
        if averaging > 1:
            out.append((self._header("point_avg_count"), str(averaging)))
        sweeps = self.sweep_averaging
        out.append((":TRIG:AVER", "ON" if sweeps > 1 else "OFF"))
        out.append((self._header("sweep_avg"), "ON" if sweeps > 1 else "OFF"))
        if sweeps > 1:
            out.append((self._header("sweep_avg_count"), str(sweeps)))
        if dc_bias_V:
            out += [
                (self._header("bias_mode"), "VOLT"),
                (self._header("bias_voltage"), cs["bias_voltage"].format_arg(dc_bias_V)),
                (":SOUR:BIAS:STAT", "ON"),
            ]
        elif self.bias_option:
            out.append((":SOUR:BIAS:STAT", "OFF"))
        return out

    # ---- role interface ------------------------------------------------------------------------
    def estimate_sweep_s(self, frequencies_Hz: Sequence[float], bandwidth: str | None = None, averaging: int = 1) -> float:
        bw = int(bandwidth) if bandwidth is not None else self.default_bandwidth
        f = np.asarray(frequencies_Hz, dtype=float)
        if f.size == 1:
            f = np.repeat(f, 2)
        return sweep_time_s(f, bw, averaging, self.sweep_averaging)

    @retried
    def sweep(
        self,
        frequencies_Hz: Sequence[float],
        amplitude_V: float,
        dc_bias_V: float = 0.0,
        bandwidth: str | int | None = None,
        averaging: int = 1,
    ) -> ImpedanceSpectrum:
        self._ensure_options()
        requested = np.asarray(frequencies_Hz, dtype=float)
        self.check_sweep(requested, amplitude_V, dc_bias_V, averaging)
        bw = int(bandwidth) if bandwidth is not None else self.default_bandwidth
        if bw not in CYCLES_PER_POINT:
            raise ValueError(f"{self.model}: bandwidth: expected 1..5, found {bandwidth!r}")
        order = np.argsort(requested, kind="stable")
        f = requested[order] if requested.size > 1 else np.repeat(requested, 2)
        self.configure(self._base_settings() + self._sweep_settings(f, amplitude_V, dc_bias_V, bw, averaging))

        n = f.size
        duration = sweep_time_s(f, bw, averaging, self.sweep_averaging)
        wall_timeout = self.clock.wall_seconds(duration) * 1.5 + self.transport_timeout_s()
        t0 = self.clock.now()
        self.query_ok(":TRIG:SING;*OPC?", wall_timeout)
        freq = self.read_block(":SENS%d:FREQ:DATA?" % self.channel, n)
        rdat = self.read_block(":CALC%d:DATA:RDAT?" % self.channel, 2 * n)
        self.check_errors("after sweep")

        if not np.allclose(freq, f, rtol=1e-6, atol=0):
            raise ReplyError(self.resource, "frequencies read back differ from those requested", ":SENS:FREQ:DATA?")
        z = rdat[0::2] + 1j * rdat[1::2]
        self._check_values(freq, z)
        durations = point_durations_s(freq, bw, averaging) * max(1, self.sweep_averaging)
        t_end = t0 + np.cumsum(durations)
        if requested.size == 1:
            freq, z, t_end = freq[:1], z[:1], t_end[:1]
        else:  # back to the order asked for
            inverse = np.empty_like(order)
            inverse[order] = np.arange(order.size)
            freq, z, t_end = freq[inverse], z[inverse], t_end[inverse]
        return self.spectrum(
            freq, z, t_end, amplitude_V, dc_bias_V,
            frequency_option_MHz=self.frequency_option, bandwidth=bw, point_averaging=int(averaging),
            sweep_averaging=self.sweep_averaging, sweep_time_s=duration,
        )

    def _check_values(self, freq: np.ndarray, z: np.ndarray) -> None:
        """Overload → OverloadError; implausible numbers (a corrupted block) → ReplyError (retried)."""
        over = (np.abs(z.real) >= 0.99 * OVERLOAD) | (np.abs(z.imag) >= 0.99 * OVERLOAD)
        if over.any():
            raise overload_error(self.resource, freq, over, "overload (9.9E37)")
        self.check_plausible(z, ":CALC:DATA:RDAT?")

    # ---- plumbing ----------------------------------------------------------------------------
    def preset(self) -> None:
        """Factory preset (preferred over *RST on this instrument) and wait for it."""
        self._sent.clear()
        self.write("*CLS")
        self.query_ok(":SYST:PRES;*OPC?", self.transport_timeout_s())

    def safe_state(self) -> None:
        """Stop sweeping and switch the DC bias off (the OSC level is harmless at ≤ 1 V)."""
        self.write(":ABOR")
        if self.bias_option is not False:
            self.write(":SOUR:BIAS:STAT OFF")
        self.read_errors()
