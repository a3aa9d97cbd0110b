"""Lake Shore Model 336 / 335 temperature controllers.

Why not the SCPI base: these controllers have no error queue. A bad command only sets bits in the
Standard Event Status Register, so every message carries `;*ESR?` (as Lake Shore's own client does)
and the reply's last field is checked: query error 4, execution error 16, command error 32.
Messages are paced: no new message within 50 ms of the last exchange (reference §8.1).

The command table (mnemonics, argument ranges) is data here and shared with the twin.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from ssbcert.drivers.base import ReplyError, Snapshot, Span, TemperatureCapabilities, TemperatureController, retried
from ssbcert.drivers.transport import TransportTimeout
from ssbcert.errors import InstrumentError

log = logging.getLogger(__name__)

try:  # serial framing for the USB virtual COM port (pyvisa constants)
    from pyvisa.constants import Parity, StopBits

    SERIAL_57600_7O1: dict[str, Any] | None = {"baud_rate": 57600, "data_bits": 7, "parity": Parity.odd, "stop_bits": StopBits.one}
except ImportError:  # pragma: no cover
    SERIAL_57600_7O1 = None

ESR_OPC, ESR_QYE, ESR_EXE, ESR_CME, ESR_PON = 1, 4, 16, 32, 128
ESR_ERROR_BITS = {ESR_QYE: "query error", ESR_EXE: "execution error", ESR_CME: "command error"}
PACING_S = 0.050  # minimum gap between messages (instrument time)
READING_RATE_HZ = 10.0  # new readings per input per second
RDGST_BITS = {1: "invalid reading", 16: "temperature under range", 32: "temperature over range", 64: "sensor units zero", 128: "sensor units over range"}
INPUT_NUMBERS = {"A": 1, "B": 2, "C": 3, "D": 4}


def reading_time_s(t_s: float) -> float:
    """The instant of the reading the controller shows at `t_s` (readings refresh at 10 Hz)."""
    return int(t_s * READING_RATE_HZ) / READING_RATE_HZ


# ------------------------------------------------------------------ the command table (data)


@dataclass(frozen=True)
class Arg:
    """One argument of a Lake Shore command: kind 'input' (A..D), 'output' (1..4), 'int' or 'float'."""

    name: str
    kind: str = "float"
    minimum: float | None = None
    maximum: float | None = None
    zero_allowed: bool = False  # e.g. ramp rate 0 = infinite, below the 0.1 minimum

    def parse(self, text: str, inputs: tuple[str, ...], outputs: int, all_inputs: bool = False) -> Any:
        """Validate as the instrument does: ValueError(code) with code 'CME' (syntax) or 'EXE' (range)."""
        t = text.strip().upper()
        if self.kind == "input":
            if all_inputs and t == "0":
                return "0"
            if t not in inputs:
                raise ArgError("EXE", f"{self.name}: expected one of {', '.join(inputs)}, found {text!r}")
            return t
        try:
            value = float(t)
        except ValueError:
            raise ArgError("CME", f"{self.name}: expected a number, found {text!r}") from None
        if self.kind in ("int", "output"):
            if value != int(value):
                raise ArgError("CME", f"{self.name}: expected an integer, found {text!r}")
            value = int(value)
        lo, hi = (1, outputs) if self.kind == "output" else (self.minimum, self.maximum)
        if self.zero_allowed and value == 0:
            return value
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ArgError("EXE", f"{self.name}: expected {lo}..{hi}, found {text.strip()}")
        return value


class ArgError(ValueError):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "CME" or "EXE"


@dataclass(frozen=True)
class LsCommand:
    mnemonic: str
    args: tuple[Arg, ...]  # of the setting form; the query takes the first `selectors` of them
    selectors: int = 1
    settable: bool = True
    queryable: bool = True
    all_inputs_query: bool = False  # KRDG? 0 etc.: every input at once


OUT = Arg("output", "output")
INP = Arg("input", "input")

COMMANDS: dict[str, LsCommand] = {
    c.mnemonic: c
    for c in [
        LsCommand("KRDG", (INP,), settable=False, all_inputs_query=True),
        LsCommand("CRDG", (INP,), settable=False, all_inputs_query=True),
        LsCommand("SRDG", (INP,), settable=False, all_inputs_query=True),
        LsCommand("RDGST", (INP,), settable=False),
        LsCommand("SETP", (OUT, Arg("setpoint", "float", 0.0, 2000.0))),
        LsCommand("RAMP", (OUT, Arg("enable", "int", 0, 1), Arg("rate", "float", 0.1, 100.0, zero_allowed=True))),
        LsCommand("RAMPST", (OUT,), settable=False),
        LsCommand("RANGE", (OUT, Arg("range", "int", 0, 3))),
        LsCommand("HTR", (OUT,), settable=False),
        LsCommand("HTRST", (OUT,), settable=False),
        LsCommand(
            "HTRSET",
            (OUT, Arg("resistance", "int", 1, 2), Arg("max_current", "int", 0, 4), Arg("max_user_current", "float", 0.0, 2.0), Arg("display", "int", 1, 2)),
        ),
        LsCommand("OUTMODE", (OUT, Arg("mode", "int", 0, 5), Arg("input", "int", 0, 4), Arg("powerup", "int", 0, 1))),
        LsCommand("PID", (OUT, Arg("P", "float", 0.1, 1000.0), Arg("I", "float", 0.1, 1000.0), Arg("D", "float", 0.0, 200.0))),
        LsCommand("MOUT", (OUT, Arg("percent", "float", 0.0, 100.0))),
        LsCommand(
            "INTYPE",
            (INP, Arg("sensor_type", "int", 0, 5), Arg("autorange", "int", 0, 1), Arg("range", "int", 0, 8), Arg("compensation", "int", 0, 2), Arg("units", "int", 1, 3)),
        ),
        LsCommand("TLIMIT", (INP, Arg("limit_K", "float", 0.0, 2000.0))),
    ]
}


def parse_args(cmd: LsCommand, query: bool, args: tuple[str, ...], inputs: tuple[str, ...], outputs: int) -> list[Any]:
    """Check argument count and values for a command or query form (raises ArgError)."""
    if query and not cmd.queryable or not query and not cmd.settable:
        raise ArgError("CME", f"{cmd.mnemonic}{'?' if query else ''} does not exist")
    spec = cmd.args[: cmd.selectors] if query else cmd.args
    if len(args) != len(spec):
        raise ArgError("CME", f"{cmd.mnemonic}: expected {len(spec)} arguments, found {len(args)}")
    return [a.parse(t, inputs, outputs, all_inputs=query and cmd.all_inputs_query and i == 0) for i, (a, t) in enumerate(zip(spec, args))]


def esr_problems(esr: int) -> list[str]:
    return [text for bit, text in ESR_ERROR_BITS.items() if esr & bit]


class LakeShoreError(InstrumentError):
    """The controller flagged a command (ESR bits) or a reading status (RDGST)."""


class LakeShore336(TemperatureController):
    """Lake Shore 336: inputs A-D, outputs 1-4 (1, 2 heaters; 3, 4 analog), Ethernet port 7777."""

    model = "Lake Shore 336"
    idn_model = "MODEL336"
    inputs: ClassVar[tuple[str, ...]] = ("A", "B", "C", "D")
    outputs: ClassVar[int] = 4
    heater_outputs: ClassVar[tuple[int, ...]] = (1, 2, 3, 4)
    capabilities: ClassVar[TemperatureCapabilities] = TemperatureCapabilities(
        temperature_K=Span(30.0, 800.0, "K"),  # Pt100 on input A [I]
        ramp_K_per_min=Span(0.1, 100.0, "K/min"),
        inputs=("A", "B", "C", "D"),
    )
    read_termination = "\r\n"
    write_termination = "\n"
    serial_settings = SERIAL_57600_7O1
    default_timeout_s = 3.0
    control_output: ClassVar[int] = 1
    control_input: ClassVar[str] = "A"
    heater_range_on: ClassVar[int] = 3  # High

    def __init__(self, transport: Any, clock: Any = None, **options: Any) -> None:
        super().__init__(transport, clock=clock, **options)
        self._last_exchange: float | None = None
        self.messages = 0

    # ---- the message layer -----------------------------------------------------------------
    def _pace(self) -> None:
        if self._last_exchange is not None:
            wait = PACING_S - (self.clock.now() - self._last_exchange)
            if wait > 0:
                self.clock.sleep(wait)

    def exchange(self, command: str) -> list[str]:
        """Send `command;*ESR?`; raise on error bits; return the replies to the command's queries."""
        self._pace()
        message = f"{command};*ESR?" if command else "*ESR?"
        try:
            reply = self.transport.query(message)
        except TransportTimeout as exc:
            raise TransportTimeout(self.resource, "no reply (timeout)", message) from exc
        finally:
            self._last_exchange = self.clock.now()
            self.messages += 1
        fields = reply.strip().split(";")
        try:
            esr = int(fields[-1])
        except ValueError:
            raise ReplyError(self.resource, f"status field not understood in {reply!r}", command) from None
        problems = esr_problems(esr)
        if problems:
            raise LakeShoreError(self.resource, f"controller rejected {command!r}: {' and '.join(problems)} (*ESR? = {esr})", command)
        expected = sum(1 for unit in command.split(";") if "?" in unit)
        if len(fields) - 1 != expected:
            raise ReplyError(self.resource, f"expected {expected} replies before the status, found {reply!r}", command)
        return fields[:-1]

    def query_values(self, command: str) -> list[float]:
        """Numeric replies (comma- and semicolon-separated) of a query message."""
        out: list[float] = []
        for field in self.exchange(command):
            for part in field.split(","):
                try:
                    out.append(float(part))
                except ValueError:
                    raise ReplyError(self.resource, f"reply {field!r} is not numeric", command) from None
        return out

    def check_command(self, message: str) -> None:
        """Driver-side refusal: every setting command of `message` against the command table."""
        for part in message.split(";"):
            head, _, rest = part.strip().partition(" ")
            try:
                parse_args(COMMANDS[head.upper()], False, tuple(rest.split(",")) if rest else (), self.inputs, self.outputs)
            except ArgError as exc:
                raise ValueError(f"{self.model}: {exc}") from None

    def resync(self) -> None:
        """Drain a late reply, then prove the stream is in step (*IDN? must name this model)."""

        def idn() -> str:
            self._last_exchange = self.clock.now()  # the drain was a pause: no pacing wait needed
            try:
                return self.exchange("*IDN?")[0]
            except (ReplyError, LakeShoreError):
                return ""

        self.resync_until(idn, lambda r: r.startswith("LSCI,") and self.idn_model in r, "*IDN?")

    def check_errors(self, context: str = "") -> None:
        self.exchange("")  # just *ESR?: raises if a bit is set

    # ---- identity ----------------------------------------------------------------------------
    def identify(self) -> Snapshot:
        (idn,) = self.exchange("*IDN?")
        n = self.control_output
        settings = self.exchange(f"SETP? {n};RAMP? {n};RANGE? {n};PID? {n};OUTMODE? {n};INTYPE? {self.control_input}")
        names = ("setpoint", "ramp", "range", "pid", "outmode", "intype")
        return Snapshot(self.role, type(self).__name__, self.resource, idn, "", dict(zip(names, settings)))

    # ---- role interface ----------------------------------------------------------------------
    @retried
    def set_temperature(self, setpoint_K: float, ramp_K_per_min: float | None = None) -> None:
        """Closed-loop PID on the control input, ramp (or step), setpoint, heater on if it was off."""
        cap = self.capabilities
        if not cap.temperature_K.contains(setpoint_K):
            raise ValueError(f"{self.model}: setpoint: expected {cap.temperature_K}, found {setpoint_K:g} K")
        if ramp_K_per_min is not None and not cap.ramp_K_per_min.contains(ramp_K_per_min):
            raise ValueError(f"{self.model}: ramp: expected {cap.ramp_K_per_min}, found {ramp_K_per_min:g} K/min")
        n = self.control_output
        rng_text, intype = self.exchange(f"RANGE? {n};INTYPE? {self.control_input}")
        celsius = intype.split(",")[-1].strip() == "2"
        value = setpoint_K - 273.15 if celsius else setpoint_K
        ramp = f"RAMP {n},1,{ramp_K_per_min:.1f}" if ramp_K_per_min else f"RAMP {n},0,10.0"
        parts = [f"OUTMODE {n},1,{INPUT_NUMBERS[self.control_input]},0", ramp, f"SETP {n},{value:.3f}"]
        if int(float(rng_text)) == 0:
            parts.append(f"RANGE {n},{self.heater_range_on}")
        message = ";".join(parts)
        self.check_command(message)
        self.exchange(message)

    @retried
    def read_temperature_K(self) -> float:
        """Kelvin reading of the control input, refused when the reading status flags it."""
        inp = self.control_input
        kelvin, status = self.exchange(f"KRDG? {inp};RDGST? {inp}")
        try:
            value, bits = float(kelvin), int(status)
        except ValueError:
            raise ReplyError(self.resource, f"reading not understood: {kelvin!r}, status {status!r}", f"KRDG? {inp}") from None
        if bits:
            flags = ", ".join(text for bit, text in RDGST_BITS.items() if bits & bit)
            raise LakeShoreError(self.resource, f"input {inp} reading status {bits}: {flags}", f"RDGST? {inp}")
        return value

    @retried
    def ramping(self) -> bool:
        (state,) = self.exchange(f"RAMPST? {self.control_output}")
        if state.strip() not in ("0", "1"):
            raise ReplyError(self.resource, f"RAMPST? answered {state!r}", "RAMPST?")
        return state.strip() == "1"

    @retried
    def heater_percent(self) -> float:
        (value,) = self.query_values(f"HTR? {self.control_output}")
        return value

    def heater_off(self) -> None:
        """Safe state: every heater output's range to 0 (off)."""
        self.exchange(";".join(f"RANGE {n},0" for n in self.heater_outputs))

    def set_pid(self, p: float, i: float, d: float) -> None:
        message = f"PID {self.control_output},{p:g},{i:g},{d:g}"
        self.check_command(message)
        self.exchange(message)


class LakeShore335(LakeShore336):
    """Lake Shore 335: inputs A/B, outputs 1/2, USB serial 57600 7-O-1 or GPIB (no Ethernet)."""

    model = "Lake Shore 335"
    idn_model = "MODEL335"
    inputs = ("A", "B")
    outputs = 2
    heater_outputs = (1, 2)
    capabilities = TemperatureCapabilities(
        temperature_K=Span(30.0, 800.0, "K"),
        ramp_K_per_min=Span(0.1, 100.0, "K/min"),
        inputs=("A", "B"),
    )
