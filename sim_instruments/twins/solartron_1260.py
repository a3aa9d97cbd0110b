"""Solartron 1260 twin: two-letter mnemonics, `;`-chained, the partial IEEE 488.2 set the 1260 has,
and `SI` measurements that take the instrument's time and answer in its GPIB ASCII format.

What the real 1260 accepts and how it fails is in the driver module's docstring (the command set,
ranges, timing and number formats are imported from there: one source of truth). Messages may
end in `\\r\\n` or `\\n`; a mnemonic may be written with or without a space before its argument
(`FR 1000`, `FR1000`); numbers in `1.0000E+3` and `1.0000E+03` forms are both accepted.
"""
from __future__ import annotations

import math
import re
from typing import Any

from ssbcert.drivers.impedance.solartron_1260 import (
    ACTIONS,
    COMMANDS,
    IDN,
    MULTI_ARG,
    OVERLOAD,
    RESET_S,
    fmt_frequency,
    fmt_parameter,
    integration_noise_scale,
    point_time_s,
)
from ssbcert.drivers.scpi import ParsedCommand, ScpiValueError
from ssbcert.sim_instruments.faults import FaultPlan
from ssbcert.sim_instruments.twin import ESR_CME, ESR_DDE, ESR_EXE, ESR_OPC, Call, ScpiError, ScpiTwin, SimEnvironment

_UNIT = re.compile(r"^\s*(\*[A-Za-z]{3}\??|[A-Za-z]{2})\s*(.*?)\s*$")
MAX_CURRENT_A = 60e-3  # largest current-input range (RA 3,5) [C-code: S-UMS]
FREQ_RESOLUTION_HZ = 1e-5
_UNSUPPORTED_COMMON = {"*OPT", "*WAI", "*TRG"}


class Solartron1260Twin(ScpiTwin):
    name = "solartron_1260"
    idn = IDN
    command_set = COMMANDS
    input_terminators = (b"\n",)
    output_terminator = "\r\n"  # OT 0
    default_noise = 1e-3  # relative, one integrated period [I]

    def __init__(self, env: SimEnvironment, faults: FaultPlan | None = None, seed: int = 0, noise: float | None = None):
        super().__init__(env, faults, seed, noise)
        self._routes = [r for r in self._routes if r[0] not in _UNSUPPORTED_COMMON | {"*OPC", "*TST"}]
        self._routes += [
            ("*OPC", False, self._opc_command),
            ("*TST", True, lambda c: "1"),  # 1 = pass on the 1260 [C: S-1260M]
        ]
        for mnemonic in MULTI_ARG:
            self._routes.append((mnemonic, False, self._multi(mnemonic)))
        for mnemonic in ACTIONS:
            self._routes.append((mnemonic, False, getattr(self, f"_do_{mnemonic.lower()}")))
        self.last_result: str | None = None
        self.measurements = 0

    # ---- state ---------------------------------------------------------------------------------
    def on_reset(self) -> None:
        self.outputs: dict[int, int] = {1: 0, 2: 0, 3: 0}  # OP device → on/off; GPIB off after TT 2
        self.multi: dict[str, tuple[int, ...]] = {"SO": (1, 3), "RA": (1, 0), "DC": (1, 0)}
        self.last_result = None
        self.display_error: tuple[int, str] | None = None

    def reset(self) -> None:
        """`*RST` on the 1260 is a break (abort the measurement), not a settings reset (that is TT 2)."""
        if not self.state:
            super().reset()

    def push_error(self, code: int, message: str) -> None:
        """No error queue: the class of error sets its ESR bit (see the driver module docstring)."""
        if -199 <= code <= -100:
            self.esr |= ESR_CME
        elif -299 <= code <= -200:
            self.esr |= ESR_EXE
        else:
            self.esr |= ESR_DDE
        self.display_error = (code, message)

    def status_byte(self) -> int:
        stb = 32 if self.esr & self.ese else 0
        return stb | (64 if stb & self.sre else 0)

    def _syst_err(self, call: Call) -> str:  # not a 1260 command: overriding drops the route
        raise ScpiError(-113, "Undefined header")

    # ---- message handling --------------------------------------------------------------------------
    def handle(self, message: str) -> bytes | None:
        out: list[str] = []
        with self.lock:
            for unit in message.replace("\r", "").split(";"):
                if not unit.strip():
                    continue
                m = _UNIT.match(unit)
                if m is None:
                    self.push_error(-102, "Syntax error")
                    continue
                head, rest = m.groups()
                query = head.endswith("?")
                args = tuple(a.strip() for a in rest.split(",")) if rest else ()
                cmd = ParsedCommand(head.rstrip("?").upper(), query, args, unit)
                try:
                    reply = self.dispatch(cmd)
                except (ScpiError, ScpiValueError) as exc:
                    self.push_error(exc.code, exc.message)
                    continue
                if reply is not None:
                    out.append(str(reply))
        if not out:
            return None
        return "".join(line + self.output_terminator for line in out).encode("latin-1")

    def _opc_command(self, call: Call) -> None:
        self.esr |= ESR_OPC

    def _esr_query(self, call: Call) -> str:
        v, self.esr = self.esr, 0
        return str(v)

    def _reg(self, attr: str):  # type: ignore[no-untyped-def]
        def handler(call: Call) -> str | None:
            if call.query:
                return str(getattr(self, attr))
            try:
                setattr(self, attr, int(float(call.arg())) & 0xFF)
            except ValueError:
                raise ScpiError(-104, "Data type error") from None
            return None

        return handler

    def _multi(self, mnemonic: str):  # type: ignore[no-untyped-def]
        spec = MULTI_ARG[mnemonic]

        def handler(call: Call) -> None:
            if len(call.args) != len(spec):
                raise ScpiError(-109, "Missing parameter")
            try:
                values = tuple(int(float(a)) for a in call.args)
            except ValueError:
                raise ScpiError(-104, "Data type error") from None
            if any(not lo <= v <= hi for v, (lo, hi) in zip(values, spec)):
                raise ScpiError(-222, "Data out of range")
            if mnemonic == "TT":
                if values[0] == 2:
                    self.clock.sleep(RESET_S)
                    super(Solartron1260Twin, self).reset()
                return None
            if mnemonic == "OP":
                self.outputs[values[0]] = values[1]
            self.multi[mnemonic] = values
            return None

        return handler

    # ---- actions -------------------------------------------------------------------------------------
    def _do_si(self, call: Call) -> str | None:
        self.last_result = self.measure()
        return self.last_result if self.outputs.get(2) else None

    def _do_do(self, call: Call) -> str | None:
        if self.last_result is None:
            raise ScpiError(-200, "No result to output")
        return self.last_result

    def _do_ce(self, call: Call) -> None:
        self.display_error = None

    def _do_re(self, call: Call) -> None:
        return None

    def _do_bk(self, call: Call) -> None:
        return None

    def measure(self) -> str:
        """One `SI`: block for the instrument time, then measure the shared sample."""
        st = self.state
        f = round(st["frequency"] / FREQ_RESOLUTION_HZ) * FREQ_RESOLUTION_HZ
        t_int = st["integration"]
        self.clock.sleep(point_time_s(f, t_int, st["delay"]))
        self.measurements += 1
        T = self.env.sample_temperature_K()
        z = complex(self.noise.apply(self.env.sample.impedance(f, T), integration_noise_scale(f, t_int))[0])
        current = st["amplitude"] / max(abs(z), 1e-12)
        if self.take_overload() or current > MAX_CURRENT_A:
            return f"{fmt_frequency(f)},{fmt_parameter(OVERLOAD)},{fmt_parameter(OVERLOAD)},1"
        if st["coordinates"] == 1:
            a, b = abs(z), math.degrees(math.atan2(z.imag, z.real))
        else:
            a, b = z.real, z.imag
        return f"{fmt_frequency(f)},{fmt_parameter(a)},{fmt_parameter(b)},0"

    def describe(self) -> dict[str, Any]:
        return {"state": dict(self.state), "outputs": dict(self.outputs), "esr": self.esr}
