"""EmStat4 twin: the MethodSCRIPT line protocol, a script interpreter for the subset used for EIS
and chronoamperometry, and packages streamed as points complete.

Protocol (instruments.md §5): `\\n` framing both ways; `t` firmware lines ending in `*`, `v`, `i`;
`Z` aborts a running script (`Z` echoed, then the tail of the output) or answers `Z!0006`;
a script is `e`, statements, empty line; output `e`, `M0000`, `P...`×n, `*`, empty line.
Syntax and range errors answer `!XXXX: Line n, Col m` (lines counted from the first statement
after `e`). Timing comes from the driver module (one model for both).
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any, Generator, Iterator

from ssbcert.drivers.impedance import methodscript as ms
from ssbcert.drivers.impedance.palmsens_emstat4 import (
    CA_MIN_INTERVAL_S,
    EIS_AMPLITUDE_V,
    SCRIPT_START_S,
    VARIANTS,
    current_range_index,
    eis_noise_scale,
    eis_point_time_s,
)
from ssbcert.sim_instruments.faults import FaultPlan
from ssbcert.sim_instruments.twin import SimEnvironment, TwinBase

_WAIT_SLICE_WALL_S = 0.005  # how often a waiting script lets the server look for `Z`


class ScriptError(Exception):
    def __init__(self, code: int, line: int, col: int = 1) -> None:
        super().__init__(ms.error_line(code, line, col))
        self.code, self.line, self.col = code, line, col


@dataclass
class Stmt:
    line: int
    cmd: str
    args: list[str]
    body: list["Stmt"] = field(default_factory=list)


# name → (min args, max args); loops open a block closed by `endloop`
_ARITY: dict[str, tuple[int, int]] = {
    "var": (1, 1), "set_pgstat_chan": (1, 1), "set_pgstat_mode": (1, 1), "set_max_bandwidth": (1, 1),
    "set_range_minmax": (3, 3), "set_range": (2, 2), "set_autoranging": (3, 3), "cell_on": (0, 0),
    "cell_off": (0, 0), "meas_loop_eis": (8, 8), "meas_loop_ca": (5, 5), "pck_start": (0, 0),
    "pck_add": (1, 1), "pck_end": (0, 0), "timer_start": (0, 0), "timer_get": (1, 1), "endloop": (0, 0),
    "on_finished:": (0, 0), "wait": (1, 1), "send_string": (1, 1),
}  # fmt: skip
_LOOPS = {"meas_loop_eis", "meas_loop_ca"}


class EmStat4Twin(TwinBase):
    name = "emstat4"
    input_terminators = (b"\n",)
    output_terminator = "\n"
    default_noise = 1e-3  # relative, at EIS_MIN_CYCLES periods [I]
    methodscript_version = "1.4"

    def __init__(
        self,
        env: SimEnvironment,
        faults: FaultPlan | None = None,
        seed: int = 0,
        noise: float | None = None,
        variant: str = "es4_lr",
        serial: str = "ES4LR23B0042",
    ) -> None:
        super().__init__(env, faults, seed, noise)
        self.variant = VARIANTS[variant]
        self.serial = serial
        self._collecting: list[str] | None = None
        self._running = False
        self._abort = threading.Event()
        self._pending_error: int | None = None
        self.cell_is_on = False
        self.scripts_run = 0
        self.packages_sent = 0
        self.busy_s = 0.0  # nominal instrument time spent measuring (for timing-model checks)

    # ---- line protocol -------------------------------------------------------------------------
    def handle(self, message: str) -> bytes | Iterator[bytes] | None:
        with self.lock:
            if self._collecting is not None:
                if message.strip() == "":
                    lines, self._collecting = self._collecting, None
                    return self._execute(lines)
                self._collecting.append(message)
                return None
            cmd = message.strip()
            if cmd == "":
                return None
            if cmd == "e":
                self._collecting = []
                return b"e\n"
            if cmd == "t":
                return (f"t{self.variant.type_prefix}1.4.0#Jan 12 2026 11:02:33\nR*\n").encode()
            if cmd == "v":
                return f"v{self.methodscript_version}\n".encode()
            if cmd == "i":
                return f"i{self.serial}\n".encode()
            if cmd == "Z":
                return b"Z!0006\n"
            return (ms.error_line(0x4001) + "\n").encode()

    def interrupt(self, message: str) -> bytes | None:
        """Called by the server while a script streams: `Z` aborts it now."""
        if message.strip() == "Z" and self._running:
            self._abort.set()
            return b"Z\n"
        return None

    def on_disconnect(self) -> None:
        self._abort.set()
        self._collecting = None

    def push_error(self, code: int, message: str) -> None:
        """Injected device error: reported in-stream as `!XXXX` during the next measurement."""
        self._pending_error = code if 0 < code <= 0xFFFF else 0x2010

    # ---- script compilation --------------------------------------------------------------------
    def compile(self, lines: list[str]) -> tuple[list[Stmt], list[Stmt]]:
        """Parse and check a script: (main statements, on_finished statements)."""
        main: list[Stmt] = []
        finished: list[Stmt] = []
        target = main
        stack: list[Stmt] = []
        declared: set[str] = set()
        for n, raw in enumerate(lines, start=1):
            text = raw.split("#", 1)[0].rstrip()
            if not text.strip():
                continue
            col = len(text) - len(text.lstrip()) + 1
            cmd, *args = text.split()
            if cmd not in _ARITY:
                raise ScriptError(0x4001, n, col)
            lo, hi = _ARITY[cmd]
            if not lo <= len(args) <= hi:
                raise ScriptError(0x4002, n, col)
            stmt = Stmt(n, cmd, args)
            self._check_args(stmt, declared, col)
            if cmd == "on_finished:":
                if stack:
                    raise ScriptError(0x4006, n, col)
                target = finished
                continue
            if cmd == "endloop":
                if not stack:
                    raise ScriptError(0x4006, n, col)
                stack.pop()
                continue
            (stack[-1].body if stack else target).append(stmt)
            if cmd in _LOOPS:
                stack.append(stmt)
        if stack:
            raise ScriptError(0x4006, stack[-1].line, 1)
        return main, finished

    def _check_args(self, stmt: Stmt, declared: set[str], col: int) -> None:
        def num(i: int, lo: float | None = None, hi: float | None = None) -> float:
            try:
                value = ms.parse_literal(stmt.args[i])
            except ValueError:
                raise ScriptError(0x4003, stmt.line, col) from None
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ScriptError(0x4004, stmt.line, col)
            return value

        def var(i: int) -> None:
            if stmt.args[i] not in declared:
                raise ScriptError(0x4005, stmt.line, col)

        v, c = self.variant, stmt.cmd
        pot, freq = v.potential_V, v.frequency_Hz
        if c == "var":
            if len(stmt.args[0]) != 1 or not stmt.args[0].isalpha() or not stmt.args[0].islower():
                raise ScriptError(0x4003, stmt.line, col)
            declared.add(stmt.args[0])
        elif c == "set_pgstat_chan":
            num(0, 0, 0)
        elif c == "set_pgstat_mode":
            if num(0) not in (2.0, 3.0, 4.0):
                raise ScriptError(0x4004, stmt.line, col)
        elif c == "set_max_bandwidth":
            num(0, 1e-3, 1e6)
        elif c in ("set_range_minmax", "set_autoranging", "set_range"):
            if stmt.args[0] not in ("ba", "da"):
                raise ScriptError(0x4004, stmt.line, col)
            for i in range(1, len(stmt.args)):
                if stmt.args[0] == "da":
                    num(i, pot.minimum, pot.maximum)
                else:
                    num(i, 0.0, v.max_current_A)
        elif c == "meas_loop_eis":
            for i in range(3):
                var(i)
            num(3, EIS_AMPLITUDE_V.minimum, EIS_AMPLITUDE_V.maximum)
            num(4, freq.minimum, freq.maximum)
            num(5, freq.minimum, freq.maximum)
            num(6, 1, 100000)
            num(7, pot.minimum, pot.maximum)
        elif c == "meas_loop_ca":
            var(0)
            var(1)
            num(2, pot.minimum, pot.maximum)
            t_int = num(3, CA_MIN_INTERVAL_S, 1e5)
            num(4, t_int, 1e7)
        elif c in ("pck_add", "timer_get"):
            var(0)
        elif c == "wait":
            num(0, 0.0, 1e7)

    # ---- execution --------------------------------------------------------------------------------
    def _execute(self, lines: list[str]) -> Iterator[bytes]:
        try:
            main, finished = self.compile(lines)
        except ScriptError as exc:
            yield (str(exc) + "\n\n").encode()
            return
        self._abort = abort = threading.Event()  # per run: a stale stream must not touch the next one
        self._running = True
        self.scripts_run += 1
        run = self.scripts_run
        ctx: dict[str, Any] = {"vars": {}, "types": {}, "package": None, "timer0": self.clock.now(),
                               "autorange": (0, len(self.variant.current_ranges_A) - 1)}
        try:
            yield from self._wait(SCRIPT_START_S)
            yield from self._run_block(main, ctx)
        finally:
            if run == self.scripts_run:
                self._running = False
                self._run_quick(finished, ctx)
        if not abort.is_set() or run == self.scripts_run:
            yield b"\n"

    def _wait(self, instrument_s: float) -> Iterator[bytes]:
        """Block for instrument time in short wall slices, yielding so a `Z` can be seen."""
        end = self.clock.now() + instrument_s
        self.busy_s += max(instrument_s, 0.0)
        while not self._abort.is_set():
            left = end - self.clock.now()
            if left <= 0:
                return
            self.clock.sleep(min(left, self.clock.time_scale * _WAIT_SLICE_WALL_S))
            yield b""

    def _run_quick(self, stmts: list[Stmt], ctx: dict[str, Any]) -> None:
        for s in stmts:
            if s.cmd == "cell_off":
                self.cell_is_on = False
            elif s.cmd == "cell_on":
                self.cell_is_on = True

    def _run_block(self, stmts: list[Stmt], ctx: dict[str, Any]) -> Iterator[bytes]:
        for s in stmts:
            if self._abort.is_set():
                return
            c = s.cmd
            if c in ("cell_on", "cell_off"):
                self.cell_is_on = c == "cell_on"
            elif c == "set_autoranging" and s.args[0] == "ba":
                lo, hi = (ms.parse_literal(a) for a in s.args[1:])
                ctx["autorange"] = (current_range_index(self.variant, lo), current_range_index(self.variant, hi))
            elif c == "timer_start":
                ctx["timer0"] = self.clock.now()
            elif c == "timer_get":
                now = ctx.get("sample_time", self.clock.now())  # loops time-stamp on their own grid
                ctx["vars"][s.args[0]] = now - ctx["timer0"]
                ctx["types"][s.args[0]] = "eb"
            elif c == "pck_start":
                ctx["package"] = []
            elif c == "pck_add" and ctx["package"] is not None:
                ctx["package"].append(s.args[0])
            elif c == "pck_end" and ctx["package"] is not None:
                yield (self._package(ctx) + "\n").encode()
                self.packages_sent += 1
                ctx["package"] = None
            elif c == "wait":
                yield from self._wait(ms.parse_literal(s.args[0]))
            elif c == "send_string":
                yield f"T{s.args[0].strip(chr(34))}\n".encode()
            elif c == "meas_loop_eis":
                yield from self._loop_eis(s, ctx)
            elif c == "meas_loop_ca":
                yield from self._loop_ca(s, ctx)

    def _package(self, ctx: dict[str, Any]) -> str:
        out = []
        for name in ctx["package"]:
            vtype = ctx["types"].get(name, "aa")
            meta = ctx.get("meta", {}).get(name, (0, None))
            out.append(ms.PackageVar(vtype, float(ctx["vars"].get(name, 0.0)), meta[0], meta[1]))
        return ms.encode_package(out)

    def _await_point(self, instrument_s: float) -> Generator[bytes, None, bool]:
        """Wait for one point; False when the run must stop (aborted, or a device error was sent)."""
        yield from self._wait(instrument_s)
        if self._abort.is_set():
            return False
        if self._pending_error is not None:
            code, self._pending_error = self._pending_error, None
            self._abort.set()
            yield (ms.error_line(code) + "\n").encode()
            return False
        return True

    def _loop_eis(self, s: Stmt, ctx: dict[str, Any]) -> Iterator[bytes]:
        fv, rv, jv = s.args[:3]
        amp, f0, f1, n, e_dc = (ms.parse_literal(a) for a in s.args[3:])
        n = int(n)
        yield b"M0000\n"
        for k in range(n):
            f = f0 if n == 1 else f0 * (f1 / f0) ** (k / (n - 1))
            if not (yield from self._await_point(eis_point_time_s(f))):
                return
            T = self.env.sample_temperature_K()
            z = complex(self.noise.apply(self.env.sample.impedance(f, T), eis_noise_scale(f))[0])
            i_amp = amp / max(abs(z), 1e-12)
            rng = current_range_index(self.variant, i_amp)
            rng = min(max(rng, ctx["autorange"][0]), ctx["autorange"][1])
            over = i_amp > self.variant.current_ranges_A[rng] * 1.0001 or self.take_overload()
            status = ms.STATUS_OVERLOAD if over else 0
            if over:
                z = complex(amp / self.variant.current_ranges_A[rng], 0.0)  # the clipped current
            ctx["vars"].update({fv: f, rv: z.real, jv: z.imag})
            ctx["types"].update({fv: "dc", rv: "cc", jv: "cd"})
            ctx["meta"] = {rv: (status, 0x80 | rng), jv: (status, 0x80 | rng)}
            yield from self._run_block(s.body, ctx)
        yield b"*\n"

    def _loop_ca(self, s: Stmt, ctx: dict[str, Any]) -> Iterator[bytes]:
        ev, iv = s.args[:2]
        e_dc, t_int, t_run = (ms.parse_literal(a) for a in s.args[2:])
        n = int(math.floor(t_run / t_int + 1e-9))
        yield b"M0000\n"
        t_start = self.clock.now()
        for k in range(1, n + 1):
            if not (yield from self._await_point(t_start + k * t_int - self.clock.now())):
                return
            T = self.env.sample_temperature_K()
            i_true = float(self.env.sample.dc_current(e_dc, k * t_int, T)[0])
            rng = current_range_index(self.variant, i_true)
            rng = min(max(rng, ctx["autorange"][0]), ctx["autorange"][1])
            full = self.variant.current_ranges_A[rng]
            sigma = self.noise.relative * abs(i_true) + 2e-4 * full
            i = i_true + sigma * float(self.noise.rng.standard_normal())
            over = abs(i_true) > full * 1.0001 or self.take_overload()
            if over:
                i = math.copysign(full, i_true or 1.0)
            ctx["sample_time"] = t_start + k * t_int
            ctx["vars"].update({ev: e_dc, iv: i})
            ctx["types"].update({ev: "da", iv: "ba"})
            ctx["meta"] = {iv: (ms.STATUS_OVERLOAD if over else 0, rng)}
            yield from self._run_block(s.body, ctx)
        ctx.pop("sample_time", None)
        yield b"*\n"
