"""Solartron 1260/1260A frequency-response analyser: two-letter GPIB mnemonics, host-stepped sweep.

Why host-stepped: the internal-sweep mnemonics are not confirmed anywhere public, and every working
driver sets `FR` and triggers `SI` per point (instruments.md §4.2). Per point the driver sends
`FR f;IS t;SI`, reads the result line, checks field 0 against f (a stale line from a timed-out
point would otherwise be taken for the next one), then reads `*ESR?`.

Result line (1260 manual, GPIB "normal ASCII output"): frequency as ±f.fffffffE±ff, two
parameters as ±a.aaaaE±ff, one error digit (last digit of a group-8 measurement error, 0 = none),
separated by `OS 0` commas and terminated by `OT 0` CR LF.

Errors: the 1260 has no SCPI error queue. This project represents them the IEEE 488.2 way the
1260 supports (`*ESR?`, `*ESE`, `*STB?`): an unknown mnemonic or malformed argument sets ESR bit 5
(command error, 32); a value outside the instrument's range sets ESR bit 4 (execution error, 16)
and leaves the setting unchanged; `*ESR?` reads and clears. A measurement overload is the error
digit in the result line (and the twin writes 9.9E+37 into both parameters).
"""
from __future__ import annotations

import math
from typing import Any, ClassVar, Sequence

import numpy as np

from ssbcert.drivers.base import ImpedanceAnalyzer, ImpedanceCapabilities, ReplyError, Snapshot, Span, retried
from ssbcert.drivers.scpi import CommandSet, Setting
from ssbcert.errors import InstrumentError
from ssbcert.records import ImpedanceSpectrum

IDN = "SCHLUMBERGER TECHNOLOGIES, 1260 IMPEDANCE ANALYZER, 0, 0"
OVERLOAD = 9.9e37
ESR_DDE, ESR_EXE, ESR_CME = 8, 16, 32

# ------------------------------------------------------------------ command set (one source of truth)
COMMANDS = CommandSet(
    "Solartron 1260",
    [
        Setting("frequency", "FR", "float", 1e-5, 32e6, unit="Hz", default=1000.0, readable=False),
        Setting("amplitude", "VA", "float", 0.0, 3.0, unit="V rms", default=0.0, readable=False),
        Setting("bias", "VB", "float", -40.95, 40.95, unit="V", default=0.0, readable=False),
        Setting("integration", "IS", "float", 0.01, 1e5, unit="s", default=1.0, readable=False),
        Setting("delay", "MS", "float", 0.0, 1e5, unit="s", default=0.0, readable=False),
        Setting("auto_integration", "AU", "int", 0, 1, default=0, readable=False),
        Setting("coordinates", "CZ", "int", 0, 1, default=1, readable=False, doc="0 rectangular, 1 polar"),
        Setting("sweep", "SW", "int", 0, 0, default=0, readable=False, doc="internal sweep: only 0 (off) is modelled"),
        Setting("beep", "BP", "int", 0, 1, default=1, readable=False),
        Setting("output_terminator", "OT", "int", 0, 0, default=0, readable=False, doc="0 = CR LF"),
        Setting("output_separator", "OS", "int", 0, 0, default=0, readable=False, doc="0 = comma"),
        Setting("generator_type", "GT", "int", 0, 1, default=0, readable=False, doc="0 voltage, 1 current"),
        Setting("phase_unwrap", "UW", "int", 0, 1, default=0, readable=False),
    ],
)

# Mnemonics with several integer arguments: allowed (min, max) per argument [C-code: S-UMS, S-VTI].
MULTI_ARG: dict[str, tuple[tuple[int, int], ...]] = {
    "OP": ((1, 3), (0, 1)),  # output device, on/off (2 = GPIB)
    "RA": ((1, 3), (0, 5)),  # input (V1, V2, I), range (0 = auto)
    "DC": ((1, 3), (0, 1)),  # input, coupling
    "IP": ((1, 2), (0, 2)),  # input, mode (meaning of m differs between drivers)
    "OU": ((1, 2), (0, 1)),  # input, outer BNC
    "SO": ((1, 2), (1, 3)),  # display, source (1,3: Z = V1/I)
    "TT": ((0, 3),),  # 2 = reset to defaults
}
ACTIONS = ("SI", "DO", "CE", "RE", "BK")

# ------------------------------------------------------------------ timing (shared with the twin)
POINT_OVERHEAD_S = 0.80  # ranging, analysis and GPIB output per point [C-code: S-VTI2 fit 1.80 s at IS 1 s]
RESET_S = 3.0  # `TT 2` [C-code: 2-5 s]
INTEGRATION_LEVELS_S: dict[str, float] = {"short": 0.1, "medium": 1.0, "long": 10.0}


def point_time_s(frequency_Hz: float, integration_s: float, delay_s: float = 0.0) -> float:
    """One `SI`: overhead + one settling period + integration (+ `MS` delay).

    At IS = 1 s this is 1.80 + 1/f, the whole-point time vtipy2 fitted on a real 1260."""
    return POINT_OVERHEAD_S + delay_s + 1.0 / frequency_Hz + integration_s


def integration_noise_scale(frequency_Hz: float, integration_s: float) -> float:
    """Relative noise vs one integrated period: 1/sqrt(periods), floored at 1/30 (accuracy limit)."""
    cycles = max(1.0, integration_s * frequency_Hz)
    return max(1.0 / 30.0, 1.0 / math.sqrt(cycles))


# ------------------------------------------------------------------ number formats


def fmt_arg(value: float) -> str:
    """Driver side: six significant digits with a short exponent, `1.00000E+3` (S-UMS `eformat`)."""
    if value == 0:
        return "0"
    mant, exp = f"{value:.5E}".split("E")
    return f"{mant}E{int(exp):+d}"


def fmt_frequency(value: float) -> str:
    """Twin side: the 14-character frequency field `+1.0000000E+03`."""
    mant, exp = f"{value:+.7E}".split("E")
    return f"{mant}E{int(exp):+03d}"


def fmt_parameter(value: float) -> str:
    """Twin side: the 11-character parameter field `+1.0012E+04`."""
    mant, exp = f"{value:+.4E}".split("E")
    return f"{mant}E{int(exp):+03d}"


def parse_result(line: str) -> tuple[float, float, float, int]:
    """`f,a,b,err[,limits]` → (f, a, b, err). ValueError when it is not a result line."""
    fields = line.strip().split(",")
    if len(fields) < 4:
        raise ValueError(f"1260 result line needs f,a,b,error: {line!r}")
    f, a, b = (float(x) for x in fields[:3])
    err = int(fields[3])
    return f, a, b, err


def to_complex(a: float, b: float, polar: bool) -> complex:
    if polar:
        return a * complex(math.cos(math.radians(b)), math.sin(math.radians(b)))
    return complex(a, b)


class Solartron1260(ImpedanceAnalyzer):
    """1260/1260A with Z = V1/I (`SO 1,3`), results dumped to GPIB in ASCII (`OP 2,1`)."""

    model = "Solartron 1260"
    command_set: ClassVar[CommandSet] = COMMANDS
    read_termination = "\r\n"
    write_termination = "\r\n"
    default_timeout_s = 5.0
    polar: ClassVar[bool] = True  # public drivers read |Z|, θ (CZ 1)
    capabilities: ClassVar[ImpedanceCapabilities] = ImpedanceCapabilities(
        frequency_Hz=Span(1e-5, 32e6, "Hz"),
        ac_amplitude_V=Span(0.0, 3.0, "V rms"),
        dc_bias_V=Span(-40.95, 40.95, "V"),
        max_points=10000,
        bandwidth_levels=tuple(INTEGRATION_LEVELS_S),
        max_averaging=100,
    )

    def __init__(self, transport: Any, clock: Any = None, **options: Any) -> None:
        super().__init__(transport, clock, **options)
        self.idn = ""
        self._configured: list[str] = []

    # ---- low level -------------------------------------------------------------------------
    def write(self, text: str) -> None:
        self.transport.write(text)

    def query(self, text: str, timeout_s: float | None = None) -> str:
        return self.transport.query(text, timeout_s)

    def set(self, name: str, value: float) -> str:
        """`FR 1.00000E+3`: a setting as the driver sends it, checked against the shared table."""
        s = COMMANDS[name]
        s.check(value)
        return f"{s.header} {fmt_arg(value) if s.kind == 'float' else int(value)}"

    def read_esr(self) -> int:
        reply = self.query("*ESR?")
        try:
            return int(reply.strip().lstrip("+"))
        except ValueError:
            raise ReplyError(self.resource, f"*ESR? answered {reply!r}", "*ESR?") from None

    def check_errors(self, context: str = "") -> None:
        esr = self.read_esr()
        if esr & (ESR_DDE | ESR_EXE | ESR_CME):
            kinds = [k for bit, k in ((ESR_CME, "command error"), (ESR_EXE, "execution error (value out of range)"),
                                      (ESR_DDE, "device-dependent error")) if esr & bit]
            raise InstrumentError(self.resource, f"*ESR? = {esr}: {', '.join(kinds)}", context or None)

    def resync(self) -> None:
        """No *OPC? on the 1260: drain, clear status, and prove the stream is in step with *IDN?."""
        self.transport.drain()
        self.write("*CLS")
        for _ in range(2):
            reply = self.query("*IDN?")
            if reply.startswith("SCHLUMBERGER"):
                return
            self.transport.drain()
        raise ReplyError(self.resource, f"resync failed: *IDN? answered {reply!r}", "*IDN?")

    def identify(self) -> Snapshot:
        self.idn = self.query("*IDN?")
        return Snapshot(self.role, type(self).__name__, self.resource, self.idn, "",
                        {"coordinates": "polar" if self.polar else "rectangular", "source": "SO 1,3"})

    def safe_state(self) -> None:
        """Generator to zero amplitude and zero bias, confirmed by a round trip."""
        self.write("VA 0;VB 0")
        self.read_esr()

    def reconfigure(self) -> None:
        for cmd in self._configured:
            self.write(cmd)

    # ---- impedance role ------------------------------------------------------------------------
    def integration_s(self, bandwidth: str | None, averaging: int) -> float:
        level = bandwidth or "medium"
        if level not in INTEGRATION_LEVELS_S:
            raise ValueError(f"{self.model}: bandwidth: expected one of {', '.join(INTEGRATION_LEVELS_S)}, found {level!r}")
        return min(INTEGRATION_LEVELS_S[level] * averaging, 1e5)

    def estimate_sweep_s(self, frequencies_Hz: Sequence[float], bandwidth: str | None = None, averaging: int = 1) -> float:
        t_int = self.integration_s(bandwidth, averaging)
        return sum(point_time_s(float(f), t_int) for f in frequencies_Hz)

    def configure(self, amplitude_V: float, dc_bias_V: float) -> None:
        cmds = [
            "OT 0;OS 0;OP 2,1;SW 0;BP 0",
            "SO 1,3;CZ " + ("1" if self.polar else "0"),
            "DC 1,0;DC 3,0;RA 1,0;RA 3,0;AU 0",
            f"{self.set('amplitude', amplitude_V)};{self.set('bias', dc_bias_V)}",
        ]
        self._configured = cmds
        self.write("CE;*CLS")
        self.reconfigure()
        self.check_errors("configuration")

    def sweep(
        self,
        frequencies_Hz: Sequence[float],
        amplitude_V: float,
        dc_bias_V: float = 0.0,
        bandwidth: str | None = None,
        averaging: int = 1,
    ) -> ImpedanceSpectrum:
        self.check_sweep(frequencies_Hz, amplitude_V, dc_bias_V, averaging)
        t_int = self.integration_s(bandwidth, averaging)
        if not self.idn:
            self.idn = self.query("*IDN?")
        rt0 = getattr(self.transport, "round_trips", 0)
        t0 = self.clock.now()
        self.configure(amplitude_V, dc_bias_V)
        f_out, z_out, t_out = [], [], []
        for f in frequencies_Hz:
            f_meas, z = self.measure_point(float(f), t_int)
            f_out.append(f_meas)
            z_out.append(z)
            t_out.append(self.clock.now())
        z_arr = np.array(z_out)
        return ImpedanceSpectrum(
            frequency_Hz=np.array(f_out), z_real_ohm=z_arr.real, z_imag_ohm=z_arr.imag, time_s=np.array(t_out),
            meta={
                "model": self.model, "idn": self.idn, "amplitude_V_rms": amplitude_V, "dc_bias_V": dc_bias_V,
                "bandwidth": bandwidth or "medium", "integration_s": t_int, "averaging": averaging,
                "coordinates": "polar" if self.polar else "rectangular",
                "duration_s": self.clock.now() - t0,
                "round_trips": getattr(self.transport, "round_trips", 0) - rt0,
            },
        )

    @retried
    def measure_point(self, frequency_Hz: float, integration_s: float) -> tuple[float, complex]:
        """One host-stepped point; idempotent, so a timeout or dropped link retries just this point."""
        cmd = f"{self.set('frequency', frequency_Hz)};{self.set('integration', integration_s)};SI"
        self.write(cmd)
        wait = self.clock.wall_seconds(point_time_s(frequency_Hz, integration_s)) * 1.5
        line = self.transport.read(getattr(getattr(self.transport, "config", None), "timeout_s", self.default_timeout_s) + wait)
        try:
            f, a, b, err = parse_result(line)
        except ValueError as exc:
            raise ReplyError(self.resource, str(exc), cmd) from None
        if not abs(f / frequency_Hz - 1.0) < 1e-4:
            raise ReplyError(self.resource, f"stale or wrong result: field 0 is {f:g} Hz, expected {frequency_Hz:g} Hz", cmd)
        self.check_errors(cmd)
        if err or abs(a) >= OVERLOAD or abs(b) >= OVERLOAD:
            raise InstrumentError(self.resource, f"measurement error {err} (input overload) at {frequency_Hz:g} Hz", cmd)
        return f, to_complex(a, b, self.polar)
