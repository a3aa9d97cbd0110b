"""Base classes for instrument twins: what every twin has (clock, shared sample, faults), and the
SCPI engine (IEEE 488.2 common commands, error queue, status registers, `;` chaining with joined
replies, settings installed from the driver's own command set)."""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ssbcert.drivers.scpi import CommandSet, ParsedCommand, ScpiValueError, Setting, match_header, parse_message
from ssbcert.sim_instruments.clock import SimClock
from ssbcert.sim_instruments.faults import FaultPlan, FaultRule
from ssbcert.sim_instruments.sample import NoiseModel, VirtualSample

OVERLOAD = 9.9e37


@dataclass
class SimEnvironment:
    """What the twins of one bench share: the clock and the one virtual sample (with its stage)."""

    clock: SimClock
    sample: VirtualSample

    def sample_temperature_K(self) -> float:
        return self.sample.temperature_K(self.clock.now())


class TwinBase:
    name = "twin"
    input_terminators: tuple[bytes, ...] = (b"\n",)
    output_terminator = "\n"

    def __init__(self, env: SimEnvironment, faults: FaultPlan | None = None, seed: int = 0, noise: float | None = None):
        self.env = env
        self.faults = faults or FaultPlan(seed=seed)
        self.lock = threading.RLock()
        self.overload_pending = 0
        self.noise = NoiseModel(relative=noise if noise is not None else self.default_noise, seed=seed)

    default_noise = 5e-4

    @property
    def clock(self) -> SimClock:
        return self.env.clock

    def device_fault(self, rule: FaultRule) -> None:
        if rule.kind == "overload":
            self.overload_pending = int(rule.params.get("count", 1))
        elif rule.kind == "unstable_temperature" and self.env.sample.thermal is not None:
            self.env.sample.thermal.oscillation_K = float(rule.params.get("amplitude_K", 2.0))
        elif rule.kind == "error":
            self.push_error(int(rule.params.get("code", -350)), str(rule.params.get("message", "Queue overflow")))

    def push_error(self, code: int, message: str) -> None:  # instruments without a queue ignore it
        pass

    def on_disconnect(self) -> None:
        pass

    def take_overload(self) -> bool:
        """True if this measurement must return the overload sentinel (fault injection)."""
        if self.overload_pending > 0:
            self.overload_pending -= 1
            return True
        return False


class ScpiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code},{message}")
        self.code = code
        self.message = message


@dataclass
class Call:
    cmd: ParsedCommand
    suffixes: tuple[int | None, ...]

    @property
    def query(self) -> bool:
        return self.cmd.query

    @property
    def args(self) -> tuple[str, ...]:
        return self.cmd.args

    def arg(self, i: int = 0) -> str:
        if len(self.cmd.args) <= i:
            raise ScpiError(-109, "Missing parameter")
        return self.cmd.args[i]

    def suffix(self, i: int = 0, default: int = 1) -> int:
        s = self.suffixes[i] if i < len(self.suffixes) else None
        return default if s is None else s


Handler = Callable[[Call], "str | bytes | None"]

ESR_OPC, ESR_QYE, ESR_DDE, ESR_EXE, ESR_CME, ESR_PON = 1, 4, 8, 16, 32, 128


def route(pattern: str, query: bool | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a twin method as the handler of a header pattern (query=None: both forms)."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__dict__.setdefault("_routes", []).append((pattern, query))
        return fn

    return deco


class ScpiTwin(TwinBase):
    """A SCPI instrument. Subclasses declare `idn`, `command_set` and @route handlers."""

    idn = "Vendor,MODEL,0,0"
    options = "0"
    command_set: CommandSet | None = None
    error_queue_size = 100
    no_error = '+0,"No error"'

    def __init__(self, env: SimEnvironment, faults: FaultPlan | None = None, seed: int = 0, noise: float | None = None):
        super().__init__(env, faults, seed, noise)
        self.errors: deque[tuple[int, str]] = deque()
        self.esr = 0
        self.ese = 0
        self.sre = 0
        self.state: dict[str, Any] = {}
        self._routes: list[tuple[str, bool | None, Handler]] = []
        for name in dir(type(self)):
            fn = getattr(type(self), name, None)
            for pattern, query in getattr(fn, "_routes", []):
                self._routes.append((pattern, query, getattr(self, name)))
        if self.command_set is not None:
            for setting in self.command_set:
                self._routes.append((setting.header, None, self._setting_handler(setting)))
        self._routes.extend(
            [
                ("*IDN", True, lambda c: self.idn),
                ("*OPT", True, lambda c: self.options),
                ("*RST", False, lambda c: self.reset()),
                ("*CLS", False, lambda c: self.clear_status()),
                ("*OPC", None, self._opc),
                ("*WAI", False, lambda c: self.wait_all()),
                ("*ESR", True, self._esr_query),
                ("*ESE", None, self._reg("ese")),
                ("*SRE", None, self._reg("sre")),
                ("*STB", True, lambda c: str(self.status_byte())),
                ("*TST", True, lambda c: "0"),
                ("*TRG", False, lambda c: self.trigger()),
            ]
        )
        self.reset()

    # ---- state --------------------------------------------------------------------------------
    def reset(self) -> None:
        """*RST: settings to defaults. Does not clear the error queue (as on Keysight instruments)."""
        if self.command_set is not None:
            for s in self.command_set:
                self.state[s.name] = s.default
        self.on_reset()

    def on_reset(self) -> None:
        pass

    def clear_status(self) -> None:
        self.errors.clear()
        self.esr = 0

    def wait_all(self) -> None:
        pass

    def trigger(self) -> None:
        raise ScpiError(-211, "Trigger ignored")

    def push_error(self, code: int, message: str) -> None:
        if len(self.errors) >= self.error_queue_size - 1:
            if self.errors and self.errors[-1][0] == -350:
                return
            self.errors.append((-350, "Queue overflow"))
            return
        self.errors.append((code, message))
        if -199 <= code <= -100:
            self.esr |= ESR_CME
        elif -299 <= code <= -200:
            self.esr |= ESR_EXE
        elif -399 <= code <= -300 or code > 0:
            self.esr |= ESR_DDE
        elif -499 <= code <= -400:
            self.esr |= ESR_QYE

    def format_error(self, code: int, message: str) -> str:
        return f'{code:+d},"{message}"'

    def next_error(self) -> str:
        if not self.errors:
            return self.no_error
        return self.format_error(*self.errors.popleft())

    def status_byte(self) -> int:
        stb = 0
        if self.errors:
            stb |= 4
        if self.esr & self.ese:
            stb |= 32
        if stb & self.sre:
            stb |= 64
        return stb | self.extra_status_bits()

    def extra_status_bits(self) -> int:
        return 0

    def operation_complete(self) -> None:
        """Block until pending operations finish (subclasses: sweeps in progress)."""

    # ---- dispatch -------------------------------------------------------------------------------
    def handle(self, message: str) -> bytes | Iterable[bytes] | None:
        replies: list[str | bytes] = []
        with self.lock:
            for cmd in parse_message(message):
                try:
                    out = self.dispatch(cmd)
                except ScpiError as exc:
                    self.push_error(exc.code, exc.message)
                    continue
                except ScpiValueError as exc:
                    self.push_error(exc.code, exc.message)
                    continue
                if cmd.query:
                    replies.append(out if out is not None else "")
        if not replies:
            return None
        if any(isinstance(r, bytes) for r in replies):
            return b";".join(r if isinstance(r, bytes) else r.encode() for r in replies) + self.output_terminator.encode()
        return (";".join(replies) + self.output_terminator).encode()  # type: ignore[arg-type]

    def dispatch(self, cmd: ParsedCommand) -> str | bytes | None:
        for pattern, query, handler in self._routes:
            if query is not None and query != cmd.query:
                continue
            suffixes = match_header(pattern, cmd.header)
            if suffixes is not None:
                return handler(Call(cmd, suffixes))
        raise ScpiError(-113, "Undefined header")

    def _setting_handler(self, setting: Setting) -> Handler:
        def handler(call: Call) -> str | None:
            if call.query:
                if not setting.readable:
                    raise ScpiError(-113, "Undefined header")
                return setting.format_reply(self.state[setting.name])
            if not setting.writable:
                raise ScpiError(-113, "Undefined header")
            if len(call.args) != 1:
                raise ScpiError(-109 if not call.args else -108, "Missing parameter" if not call.args else "Parameter not allowed")
            value = setting.parse(call.args[0])
            self.state[setting.name] = value
            self.on_setting(setting.name, value)
            return None

        return handler

    def on_setting(self, name: str, value: Any) -> None:
        pass

    def _opc(self, call: Call) -> str | None:
        self.operation_complete()
        if call.query:
            return "+1"
        self.esr |= ESR_OPC
        return None

    def _esr_query(self, call: Call) -> str:
        v, self.esr = self.esr, 0
        return f"+{v}"

    def _reg(self, attr: str) -> Handler:
        def handler(call: Call) -> str | None:
            if call.query:
                return f"+{getattr(self, attr)}"
            setattr(self, attr, int(float(call.arg())) & 0xFF)
            return None

        return handler

    @route(":SYSTem:ERRor[:NEXT]", query=True)
    def _syst_err(self, call: Call) -> str:
        return self.next_error()
