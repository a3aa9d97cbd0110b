"""Lake Shore 336 / 335 twins: the controller's command set driving the shared thermal stage.

Faithful points: replies end CR LF, input LF or CR LF; `;` chains commands and joins replies; no
error queue, only the Standard Event Status Register (command error 32, execution error 16,
query error 4); readings refresh at 10 Hz; a message arriving within 50 ms (instrument time) of
the previously accepted one is lost, as the manuals warn (so a client that does not pace times out).
Output 1 controls the stage (`env.sample.thermal`) from input A; input B reads the sample itself.
"""
from __future__ import annotations

import math
from typing import Any

from ssbcert.drivers.scpi import parse_message
from ssbcert.drivers.temperature.lakeshore_336 import (
    COMMANDS,
    ESR_CME,
    ESR_EXE,
    ESR_OPC,
    ESR_QYE,
    INPUT_NUMBERS,
    PACING_S,
    ArgError,
    parse_args,
    reading_time_s,
)
from ssbcert.sim_instruments.faults import FaultPlan, FaultRule
from ssbcert.sim_instruments.twin import SimEnvironment, TwinBase

RDGST_OVER = 32 | 128  # temperature over range + sensor units over range


def pt100_ohm(T_K: float) -> float:
    """Pt100 (IEC 60751, Callendar-Van Dusen above 0 °C, simple below) for SRDG?."""
    c = T_K - 273.15
    r = 100.0 * (1.0 + 3.9083e-3 * c - 5.775e-7 * c * c)
    if c < 0:
        r += 100.0 * -4.183e-12 * (c - 100.0) * c**3
    return r


class LakeShore336Twin(TwinBase):
    name = "lakeshore_336"
    input_terminators = (b"\n",)
    output_terminator = "\r\n"
    model_id = "MODEL336"
    serial = "LSA2CMQ/LSA2C8R"
    firmware = "2.9"
    inputs: tuple[str, ...] = ("A", "B", "C", "D")
    outputs = 4
    default_noise = 0.0  # sensor noise is the stage's own

    def __init__(
        self,
        env: SimEnvironment,
        faults: FaultPlan | None = None,
        seed: int = 0,
        noise: float | None = None,
        enforce_pacing: bool = True,
    ) -> None:
        super().__init__(env, faults, seed, noise)
        if env.sample.thermal is None:
            raise ValueError(f"{self.name}: the environment's sample has no thermal stage to control")
        self.stage = env.sample.thermal
        self.enforce_pacing = enforce_pacing
        self.idn = f"LSCI,{self.model_id},{self.serial},{self.firmware}"
        self.esr = 0
        self.ese = 0
        self.sre = 0
        self.ignored = 0  # messages lost to pacing
        self.arrivals: list[float] = []  # instrument time of every accepted message (for tests)
        self._last_accept: float | None = None
        self._cache: dict[tuple[str, float], float] = {}
        self.overload_until = -math.inf
        self.reset(adopt_stage=True)

    # ---- state ---------------------------------------------------------------------------------
    def reset(self, adopt_stage: bool = False) -> None:
        """*RST: heaters off. At power-on the twin adopts the stage's running loop (a controller
        already holding the sample when the bench connects), so the sample does not drift away."""
        now = self.clock.now()
        self.setp = {n: 0.0 for n in range(1, self.outputs + 1)}
        self.setp[1] = self.stage.setpoint_K
        self.ramp = {n: (0, 10.0) for n in range(1, self.outputs + 1)}
        self.range = {n: 0 for n in range(1, self.outputs + 1)}
        self.pid = {n: (50.0, 20.0, 0.0) for n in range(1, self.outputs + 1)}
        self.outmode = {n: ((1, n, 0) if n <= 2 else (0, 0, 0)) for n in range(1, self.outputs + 1)}
        self.mout = {n: 0.0 for n in range(1, self.outputs + 1)}
        self.htrset = {n: (1, 2, 0, 0.0, 1) for n in range(1, self.outputs + 1)}
        self.intype = {i: ((2, 1, 0, 1, 1) if i in ("A", "B") else (0, 0, 0, 0, 1)) for i in self.inputs}
        self.tlimit = {i: 0.0 for i in self.inputs}
        if adopt_stage:
            self.range[1] = self.stage.heater_range
            self.pid[1] = tuple(self.stage.pid)  # type: ignore[assignment]
            self._apply_stage(now)  # same setpoint, range and PID: the loop's integral carries on
            return
        self._apply_stage(now)

    def _apply_stage(self, now: float) -> None:
        """Output 1 closed loop on input A drives the stage heater; anything else leaves it unpowered."""
        mode, inp, _ = self.outmode[1]
        powered = mode == 1 and inp == INPUT_NUMBERS["A"]
        on, rate = self.ramp[1]
        self.stage.set_ramp(now, bool(on) and rate > 0, rate if rate > 0 else 100.0)
        self.stage.set_setpoint(now, self._to_kelvin("A", self.setp[1]))
        self.stage.set_pid(now, *self.pid[1])
        self.stage.set_heater_range(now, self.range[1] if powered else 0)

    def _celsius(self, inp: str) -> bool:
        return self.intype[inp][-1] == 2

    def _to_kelvin(self, inp: str, value: float) -> float:
        return value + 273.15 if self._celsius(inp) else value

    # ---- status ----------------------------------------------------------------------------------
    def push_error(self, code: int, message: str) -> None:
        """Injected errors become ESR bits (no queue on this controller)."""
        self.esr |= ESR_CME if -199 <= code <= -100 else ESR_QYE if -499 <= code <= -400 else ESR_EXE

    def device_fault(self, rule: FaultRule) -> None:
        if rule.kind == "overload":  # the next `count` reading cycles (100 ms each) are over range
            self.overload_until = self.clock.now() + 0.1 * int(rule.params.get("count", 1))
        else:
            super().device_fault(rule)

    def status_byte(self) -> int:
        stb = 32 if self.esr & self.ese else 0
        return stb | (64 if stb & self.sre else 0)

    # ---- readings --------------------------------------------------------------------------------
    def _kelvin(self, inp: str, now: float) -> float:
        tq = reading_time_s(now)
        key = (inp, tq)
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            if inp == "A":
                value = self.stage.sensor_K(tq)
            elif inp == "B":
                value = self.stage.sample_temperature_K(tq) + float(self.noise.rng.normal(0.0, self.stage.p.sensor_noise_K))
            else:
                value = 0.0
            self._cache[key] = value
        return self._cache[key]

    def _status(self, inp: str, now: float) -> int:
        if self.intype[inp][0] == 0:
            return 1  # disabled input: invalid reading
        return RDGST_OVER if now < self.overload_until else 0

    def _reading(self, mnemonic: str, inp: str, now: float) -> str:
        if self._status(inp, now):
            return "+0.000"
        k = self._kelvin(inp, now)
        if mnemonic == "KRDG":
            return f"{k:+.3f}"
        if mnemonic == "CRDG":
            return f"{k - 273.15:+.3f}"
        return f"{pt100_ohm(k):+.3f}"

    def _check_tlimit(self, now: float) -> None:
        for inp, limit in self.tlimit.items():
            if limit > 0 and self.intype[inp][0] != 0 and self._kelvin(inp, now) > limit:
                for n in self.range:
                    self.range[n] = 0
                self.stage.set_heater_range(now, 0)

    # ---- dispatch --------------------------------------------------------------------------------
    def handle(self, message: str) -> bytes | None:
        with self.lock:
            now = self.clock.now()
            if self.enforce_pacing and self._last_accept is not None and now - self._last_accept < PACING_S:
                self.ignored += 1
                return None
            self._last_accept = now
            self.arrivals.append(now)
            self._check_tlimit(now)
            replies: list[str] = []
            for cmd in parse_message(message):
                try:
                    out = self._one(cmd.header, cmd.query, cmd.args, cmd.text, now)
                except ArgError as exc:
                    self.esr |= ESR_CME if exc.kind == "CME" else ESR_EXE
                    continue
                if cmd.query and out is not None:
                    replies.append(out)
            if not replies:
                return None
            return (";".join(replies) + self.output_terminator).encode()

    def _one(self, header: str, query: bool, args: tuple[str, ...], text: str, now: float) -> str | None:
        if text.startswith(":"):
            raise ArgError("CME", "no SCPI tree on this controller")
        name = header.lstrip(":").upper()
        if name.startswith("*"):
            return self._common(name, query, args)
        if name not in COMMANDS:
            raise ArgError("CME", f"unknown command {name}")
        spec = COMMANDS[name]
        values = parse_args(spec, query, args, self.inputs, self.outputs)
        if query:
            return self._query(name, values, now)
        self._set(name, values, now)
        return None

    def _common(self, name: str, query: bool, args: tuple[str, ...]) -> str | None:
        if name == "*IDN" and query:
            return self.idn
        if name == "*RST" and not query:
            self.reset()
            return None
        if name == "*CLS" and not query:
            self.esr = 0
            return None
        if name == "*ESR" and query:
            value, self.esr = self.esr, 0
            return str(value)
        if name == "*OPC":
            if query:
                return "1"
            self.esr |= ESR_OPC
            return None
        if name in ("*ESE", "*SRE"):
            attr = name[1:].lower()
            if query:
                return str(getattr(self, attr))
            if len(args) != 1 or not args[0].strip().isdigit() or int(args[0]) > 255:
                raise ArgError("EXE", f"{name}: expected 0..255")
            setattr(self, attr, int(args[0]))
            return None
        if name == "*STB" and query:
            return str(self.status_byte())
        if name == "*TST" and query:
            return "0"
        if name == "*WAI" and not query:
            return None
        raise ArgError("CME", f"unknown common command {name}")

    def _query(self, name: str, values: list[Any], now: float) -> str:
        sel = values[0]
        if name in ("KRDG", "CRDG", "SRDG"):
            inputs = self.inputs if sel == "0" else (sel,)
            return ",".join(self._reading(name, i, now) for i in inputs)
        if name == "RDGST":
            return f"{self._status(sel, now):03d}"
        if name == "SETP":
            return f"{self.setp[sel]:+.3f}"
        if name == "RAMP":
            on, rate = self.ramp[sel]
            return f"{on},{rate:.1f}"
        if name == "RAMPST":
            return "1" if sel == 1 and self.stage.ramping(now) else "0"
        if name == "RANGE":
            return str(self.range[sel])
        if name == "HTR":
            pct = self.stage.heater_output_percent(now) if sel == 1 and self.range[1] else 0.0
            return f"{pct:+.1f}"
        if name == "HTRST":
            return "0"
        if name == "HTRSET":
            r, mx, user, disp = self.htrset[sel][1:]
            return f"{r},{mx},{user:+.3f},{disp}"
        if name == "OUTMODE":
            return ",".join(str(v) for v in self.outmode[sel])
        if name == "PID":
            p, i, d = self.pid[sel]
            return f"{p:+.1f},{i:+.1f},{d:+.0f}"
        if name == "MOUT":
            return f"{self.mout[sel]:+.2f}"
        if name == "INTYPE":
            return ",".join(str(v) for v in self.intype[sel])
        if name == "TLIMIT":
            return f"{self.tlimit[sel]:+.3f}"
        raise ArgError("CME", f"{name}? not available")

    def _set(self, name: str, values: list[Any], now: float) -> None:
        sel, rest = values[0], values[1:]
        if name == "SETP":
            self.setp[sel] = float(rest[0])
        elif name == "RAMP":
            self.ramp[sel] = (int(rest[0]), float(rest[1]))
        elif name == "RANGE":
            top = 3 if sel <= 2 else 1  # analog outputs 3, 4: off/on only
            if rest[0] > top:
                raise ArgError("EXE", f"RANGE {sel}: expected 0..{top}")
            self.range[sel] = int(rest[0])
        elif name == "PID":
            self.pid[sel] = (float(rest[0]), float(rest[1]), float(rest[2]))
        elif name == "OUTMODE":
            if rest[1] > len(self.inputs):
                raise ArgError("EXE", f"OUTMODE: input expected 0..{len(self.inputs)}")
            self.outmode[sel] = (int(rest[0]), int(rest[1]), int(rest[2]))
        elif name == "MOUT":
            self.mout[sel] = float(rest[0])
        elif name == "HTRSET":
            self.htrset[sel] = (sel, int(rest[0]), int(rest[1]), float(rest[2]), int(rest[3]))
        elif name == "INTYPE":
            self.intype[sel] = tuple(int(v) for v in rest)  # type: ignore[assignment]
        elif name == "TLIMIT":
            self.tlimit[sel] = float(rest[0])
        if sel == 1 or name in ("INTYPE",):
            self._apply_stage(now)


class LakeShore335Twin(LakeShore336Twin):
    """Model 335: inputs A/B, two outputs; reached over USB serial (57600 7-O-1) or GPIB."""

    name = "lakeshore_335"
    model_id = "MODEL335"
    serial = "LSA2Q6U/LSA2QB6"
    firmware = "2.0"
    inputs = ("A", "B")
    outputs = 2
