"""Keithley 2450 twin (SCPI mode): source-V/measure-I on the shared virtual sample.

Readings are produced lazily in instrument time: a running DurationLoop has taken
floor((now - start) / period) readings, each with the current `env.sample.dc_current` gives at
its own time since the output turned on, plus noise scaled by 1/sqrt(NPLC), the measure range's
resolution, and the compliance clamp. The timing functions come from the driver module.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from ssbcert.drivers.dc.keithley_2450 import (
    COMMANDS,
    MAX_LOOP_DURATION_S,
    MAX_TRIGGER_DELAY_S,
    MIN_TRIGGER_DELAY_S,
    OVERFLOW,
    VOLTAGE_RANGES_V,
    autorange_for,
    duration_loop_points,
    loop_period_s,
    reading_time_s,
)
from ssbcert.drivers.scpi import encode_block, parse_number
from ssbcert.sim_instruments.faults import FaultPlan
from ssbcert.sim_instruments.twin import Call, ScpiError, ScpiTwin, SimEnvironment, route

ELEMENTS = ("READing", "RELative", "SOURce", "SEConds", "FRACtional", "TSTamp", "UNIT", "STATus", "DATE", "TIME", "FORMatted", "SOURUNIT", "SOURSTATus", "SOURFORMatted", "EXTRa")
BINARY_ELEMENTS = {"READ", "REL", "SOUR", "EXTR"}
BUFFER_FULL = 512  # measurement event register bit 9
STATUS_COMPLIANCE = 8  # reading status bit: source in limit [I]
BUFFERS = ("defbuffer1", "defbuffer2")


def _element(text: str) -> str:
    from ssbcert.drivers.scpi import match_header

    for e in ELEMENTS:
        if match_header(e, text.strip()) is not None:
            return "".join(c for c in e if c.isupper())
    raise ScpiError(-224, "Illegal parameter value")


@dataclass
class Buffer:
    capacity: int = 100_000
    reading: list[float] = field(default_factory=list)
    t_abs: list[float] = field(default_factory=list)
    source: list[float] = field(default_factory=list)
    status: list[int] = field(default_factory=list)

    def clear(self) -> None:
        self.reading.clear()
        self.t_abs.clear()
        self.source.clear()
        self.status.clear()

    def extend(self, reading: np.ndarray, t_abs: np.ndarray, source: float, status: np.ndarray) -> None:
        self.reading.extend(reading.tolist())
        self.t_abs.extend(t_abs.tolist())
        self.source.extend([source] * len(reading))
        self.status.extend(status.tolist())
        excess = len(self.reading) - self.capacity
        if excess > 0:  # fill mode continuous: the oldest readings are overwritten
            for lst in (self.reading, self.t_abs, self.source, self.status):
                del lst[:excess]


@dataclass
class TriggerModel:
    template: str = "Empty"
    duration_s: float = 0.0
    count: int = 0
    delay_s: float = 0.0
    buffer: str = "defbuffer1"
    state: str = "IDLE"
    t_start: float = 0.0
    period_s: float = 0.0
    taken: int = 0
    total: int = 0
    block: int = 1


class Keithley2450Twin(ScpiTwin):
    name = "keithley_2450"
    command_set = COMMANDS
    options = ""
    no_error = '0,"No error;0;0 0"'
    default_noise = 3e-4  # relative 1-sigma at 1 NPLC

    def __init__(
        self,
        env: SimEnvironment,
        faults: FaultPlan | None = None,
        seed: int = 0,
        noise: float | None = None,
        firmware: str = "1.7.12b",
        serial: str = "04365704",
    ) -> None:
        self.firmware = firmware
        major, minor = (int(x) for x in firmware.split(".")[:2])
        self.legacy_trigger = (major, minor) < (1, 5)  # early fw: only :TRIG:LOAD:LOOP:DUR [I]
        self.idn = f"KEITHLEY INSTRUMENTS,MODEL 2450,{serial},{firmware}"
        self.epoch = datetime.now(timezone.utc).replace(tzinfo=None)
        self.buffers = {name: Buffer() for name in BUFFERS}
        self.tmodel = TriggerModel()
        self.output_on_t: float | None = None
        self.tripped = False
        self.sense_function = "CURR:DC"
        self.meas_enable = 0
        self.meas_latched = 0
        self.meas_previous = 0
        super().__init__(env, faults, seed, noise)

    # ---- state ----------------------------------------------------------------------------------
    def on_reset(self) -> None:
        self.tmodel = TriggerModel()
        for b in self.buffers.values():
            b.clear()
        self.output_on_t = None
        self.tripped = False
        self.sense_function = "CURR:DC"

    def format_error(self, code: int, message: str) -> str:
        kind = 1  # event type: 1 error, 2 warning, 4 information (the twin only logs errors)
        stamp = (self.epoch + timedelta(seconds=self.clock.now())).strftime("%Y/%m/%d %H:%M:%S.%f")[:-3]
        text = {-222: "Parameter data out of range"}.get(code, message)
        return f'{code},"{text};{kind};{stamp}"'

    def on_setting(self, name: str, value: Any) -> None:
        now = self.clock.now()
        if name in ("output", "source_voltage", "current_limit", "source_function"):
            self._advance(now)
        if name == "output":
            self.output_on_t = now if value else None
            if not value:
                self.tripped = False
        elif name == "source_voltage" and self.output_on_t is not None:
            self.output_on_t = now  # a new step: the polarization starts again
        elif name == "current_range":
            self.state["current_range"] = autorange_for(value)
            self.state["current_autorange"] = False
        elif name == "source_voltage_range":
            self.state["source_voltage_range"] = next((r for r in VOLTAGE_RANGES_V if abs(value) <= r * 1.05), 200.0)
            self.state["source_voltage_autorange"] = False

    # ---- physics --------------------------------------------------------------------------------
    def _measure(self, t_abs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Currents (and status words) at instrument times `t_abs`."""
        st = self.state
        nplc = float(st["nplc"])
        on = self.output_on_t is not None
        if st["source_function"] == "VOLT":
            volts = float(st["source_voltage"]) if on else 0.0
            since = t_abs - (self.output_on_t if on else t_abs)
            T = self.env.sample.temperature_K(float(t_abs[-1]) if len(t_abs) else None)
            ideal = np.asarray(self.env.sample.dc_current(volts, np.maximum(since, 0.0), T), dtype=float) if volts else np.zeros_like(t_abs)
        else:
            ideal = np.full_like(t_abs, float(st["source_current"]) if on else 0.0)
        limit = float(st["current_limit"])
        clamp = (np.abs(ideal) > limit) & (st["source_function"] == "VOLT")
        ideal = np.where(clamp, np.sign(ideal) * limit, ideal)
        if st["current_autorange"]:
            ranges = np.array([autorange_for(i) for i in ideal])
        else:
            ranges = np.full_like(ideal, float(st["current_range"]))
        sigma = (self.noise.relative * np.abs(ideal) + 2e-6 * ranges) / math.sqrt(nplc)
        value = ideal + sigma * self.noise.rng.standard_normal(ideal.shape)
        resolution = ranges * 1e-6
        value = np.round(value / resolution) * resolution
        over = np.abs(ideal) > 1.05 * ranges
        value = np.where(over, OVERFLOW, value)
        if self.overload_pending:
            for k in range(len(value)):
                if self.take_overload():
                    value[k] = OVERFLOW
        if len(clamp):
            self.tripped = bool(clamp[-1])
        return value, np.where(clamp, STATUS_COMPLIANCE, 0)

    def _advance(self, now: float) -> None:
        """Let a running trigger model take every reading due by `now`."""
        tm = self.tmodel
        if tm.state != "RUNNING":
            return
        due = min(tm.total, int(math.floor((now - tm.t_start) / tm.period_s + 1e-9)))
        if due > tm.taken:
            k = np.arange(tm.taken, due)
            t = tm.t_start + k * tm.period_s + tm.delay_s  # timestamp: start of the measure block
            values, status = self._measure(t)
            self.buffers[tm.buffer].extend(values, t, float(self.state["source_voltage"]), status)
            tm.taken = due
        tm.block = 4 if tm.taken else 3
        if tm.taken >= tm.total:
            tm.state = "IDLE"
            tm.block = 5

    def operation_complete(self) -> None:
        tm = self.tmodel
        self._advance(self.clock.now())
        if tm.state == "RUNNING":
            self.clock.sleep(tm.t_start + tm.total * tm.period_s - self.clock.now())
            self._advance(tm.t_start + tm.total * tm.period_s + 1e-9)

    def wait_all(self) -> None:
        self.operation_complete()

    # ---- helpers ---------------------------------------------------------------------------------
    def _buffer(self, text: str | None) -> Buffer:
        name = (text or "defbuffer1").strip().strip("'\"")
        if name not in self.buffers:
            raise ScpiError(-224, "Illegal parameter value")
        return self.buffers[name]

    def _values(self, values: list[float], formats: list[str] | None = None) -> str | bytes:
        fmt = self.state["data_format"]
        if fmt in ("REAL", "SRE"):
            return encode_block(values, big_endian=self.state["byte_order"] == "NORM", fmt="d" if fmt == "REAL" else "f")
        return ",".join(formats if formats is not None else [f"{v:.6E}" for v in values])

    # ---- routes ----------------------------------------------------------------------------------
    @route("*OPT", query=True)
    def no_options_query(self, call: Call) -> None:
        raise ScpiError(-113, "Undefined header")  # the 2450 has no *OPT?

    @route("*LANG")
    def lang(self, call: Call) -> str | None:
        if call.query:
            return "SCPI"
        if call.arg().upper() not in ("SCPI", "TSP", "SCPI2400"):
            raise ScpiError(-224, "Illegal parameter value")
        return None

    @route("[:SENSe#]:FUNCtion[:ON]")
    def sense_func(self, call: Call) -> str | None:
        if call.query:
            return f'"{self.sense_function}"'
        name = call.arg().strip("'\"").upper()
        table = {"CURR": "CURR:DC", "CURRENT": "CURR:DC", "CURR:DC": "CURR:DC", "VOLT": "VOLT:DC", "VOLTAGE": "VOLT:DC", "VOLT:DC": "VOLT:DC", "RES": "RES", "RESISTANCE": "RES"}
        if name not in table:
            raise ScpiError(-224, "Illegal parameter value")
        self.sense_function = table[name]
        return None

    @route(":SOURce#:VOLTage:ILIMit[:LEVel]:TRIPped", query=True)
    def ilim_trip(self, call: Call) -> str:
        self._advance(self.clock.now())
        return "1" if self.tripped else "0"

    def _single_reading(self) -> float:
        self._advance(self.clock.now())
        if self.tmodel.state == "RUNNING":
            raise ScpiError(-213, "Init ignored")
        t_read = reading_time_s(float(self.state["nplc"]), bool(self.state["autozero"]))
        self.clock.sleep(t_read)
        t = np.array([self.clock.now() - t_read / 2])
        values, status = self._measure(t)
        if self.sense_function.startswith("VOLT"):
            volts = float(self.state["source_voltage"]) if self.output_on_t is not None else 0.0
            values = np.array([volts + 1e-5 * self.noise.rng.standard_normal()])
        self.buffers["defbuffer1"].extend(values, t, float(self.state["source_voltage"]), status)
        return float(values[0])

    @route(":READ", query=True)
    def read(self, call: Call) -> str | bytes:
        self._buffer(call.args[0] if call.args else None)
        return self._values([self._single_reading()])

    @route(":MEASure[:CURRent][:DC]", query=True)
    def measure(self, call: Call) -> str | bytes:
        self.sense_function = "CURR:DC"
        return self._values([self._single_reading()])

    @route(":MEASure:VOLTage[:DC]", query=True)
    def measure_voltage(self, call: Call) -> str | bytes:
        self.sense_function = "VOLT:DC"
        return self._values([self._single_reading()])

    @route(":FETCh", query=True)
    def fetch(self, call: Call) -> str | bytes:
        self._advance(self.clock.now())
        buf = self._buffer(call.args[0] if call.args else None)
        if not buf.reading:
            raise ScpiError(-230, "Data corrupt or stale")
        return self._values([buf.reading[-1]])

    @route(":TRACe:CLEar", query=False)
    def trace_clear(self, call: Call) -> None:
        self._advance(self.clock.now())
        self._buffer(call.args[0] if call.args else None).clear()

    @route(":TRACe:POINts")
    def trace_points(self, call: Call) -> str | None:
        if call.query:
            return str(self._buffer(call.args[0] if call.args else None).capacity)
        n = parse_number(call.arg(0))
        buf = self._buffer(call.args[1] if len(call.args) > 1 else None)
        if not 10 <= n <= 11_000_000:
            raise ScpiError(-222, "Data out of range")
        buf.capacity = int(n)
        buf.clear()
        return None

    @route(":TRACe:ACTual", query=True)
    def trace_actual(self, call: Call) -> str:
        self._advance(self.clock.now())
        return str(len(self._buffer(call.args[0] if call.args else None).reading))

    @route(":TRACe:DATA", query=True)
    def trace_data(self, call: Call) -> str | bytes:
        self._advance(self.clock.now())
        if len(call.args) < 2:
            raise ScpiError(-109, "Missing parameter")
        start, end = int(parse_number(call.arg(0))), int(parse_number(call.arg(1)))
        buf = self._buffer(call.args[2] if len(call.args) > 2 else None)
        elements = [_element(e) for e in call.args[3:]] or ["READ"]
        if len(elements) > 14:
            raise ScpiError(-108, "Parameter not allowed")
        binary = self.state["data_format"] in ("REAL", "SRE")
        if binary and any(e not in BINARY_ELEMENTS for e in elements):
            raise ScpiError(1133, "Parameter 4, invalid buffer element for binary format")
        if not 1 <= start <= end <= len(buf.reading):
            raise ScpiError(-222, "Data out of range")
        t0 = buf.t_abs[0]
        values: list[float] = []
        text: list[str] = []
        for k in range(start - 1, end):
            for e in elements:
                v, s = self._element_value(buf, k, e, t0)
                values.append(v)
                text.append(s)
        return self._values(values, text)

    def _element_value(self, buf: Buffer, k: int, e: str, t0: float) -> tuple[float, str]:
        t = buf.t_abs[k]
        wall = self.epoch + timedelta(seconds=t)
        if e == "READ":
            return buf.reading[k], f"{buf.reading[k]:.6E}"
        if e == "REL":
            return t - t0, f"{t - t0:.6f}"
        if e in ("SOUR", "SOURF"):
            return buf.source[k], f"{buf.source[k]:.6E}"
        if e == "EXTR":
            return 0.0, "0"
        if e == "SEC":
            return float(int(wall.timestamp())), str(int(wall.timestamp()))
        if e == "FRAC":
            return t % 1.0, f"{t % 1.0:.6f}"
        if e in ("STAT", "SOURSTAT"):
            return float(buf.status[k]), str(buf.status[k])
        if e == "UNIT":
            return 0.0, "Amp DC"
        if e == "SOURUNIT":
            return 0.0, "Volt DC"
        if e == "DATE":
            return 0.0, wall.strftime("%m/%d/%Y")
        if e == "TIME":
            return 0.0, wall.strftime("%H:%M:%S.%f")
        stamp = wall.strftime("%m/%d/%Y %H:%M:%S.%f")
        return 0.0, stamp if e == "TST" else f"{buf.reading[k]:.6E} A"

    def _load(self, template: str, args: tuple[str, ...]) -> None:
        self._advance(self.clock.now())
        if self.tmodel.state == "RUNNING":
            raise ScpiError(-221, "Settings conflict")
        tm = TriggerModel(template=template)
        if template == "DurationLoop":
            if not args:
                raise ScpiError(-109, "Missing parameter")
            tm.duration_s = parse_number(args[0])
            tm.delay_s = parse_number(args[1]) if len(args) > 1 else 0.0
            if not 0.0 <= tm.duration_s <= MAX_LOOP_DURATION_S or not MIN_TRIGGER_DELAY_S <= tm.delay_s <= MAX_TRIGGER_DELAY_S:
                raise ScpiError(-222, "Data out of range")
        elif template == "SimpleLoop":
            if not args:
                raise ScpiError(-109, "Missing parameter")
            tm.count = int(parse_number(args[0]))
            tm.delay_s = parse_number(args[1]) if len(args) > 1 else 0.0
            if tm.count < 1 or not 0.0 <= tm.delay_s <= MAX_TRIGGER_DELAY_S:
                raise ScpiError(-222, "Data out of range")
        buf_arg = args[2] if len(args) > 2 else None
        tm.buffer = (buf_arg or "defbuffer1").strip().strip("'\"")
        self._buffer(tm.buffer)
        self.tmodel = tm

    @route(":TRIGger:LOAD", query=False)
    def trig_load(self, call: Call) -> None:
        if self.legacy_trigger:
            raise ScpiError(-113, "Undefined header")
        name = call.arg(0).strip("'\"")
        known = {"durationloop": "DurationLoop", "simpleloop": "SimpleLoop", "empty": "Empty"}
        if name.lower() not in known:
            raise ScpiError(-224, "Illegal parameter value")
        self._load(known[name.lower()], call.args[1:])

    @route(":TRIGger:LOAD:LOOP:DURation", query=False)
    def trig_load_loop_dur(self, call: Call) -> None:
        if not self.legacy_trigger:
            raise ScpiError(-113, "Undefined header")
        self._load("DurationLoop", call.args)

    @route(":INITiate[:IMMediate]", query=False)
    def initiate(self, call: Call) -> None:
        tm = self.tmodel
        self._advance(self.clock.now())
        if tm.state == "RUNNING":
            raise ScpiError(-213, "Init ignored")
        nplc, az = float(self.state["nplc"]), bool(self.state["autozero"])
        tm.period_s = loop_period_s(tm.delay_s, nplc, az)
        if tm.template == "DurationLoop":
            tm.total = duration_loop_points(tm.duration_s, tm.delay_s, nplc, az)
        elif tm.template == "SimpleLoop":
            tm.total = tm.count
        else:
            tm.total = 0
        tm.t_start = self.clock.now()
        tm.taken = 0
        tm.state = "RUNNING" if tm.total else "IDLE"
        tm.block = 1

    @route(":ABORt", query=False)
    def abort(self, call: Call) -> None:
        self._advance(self.clock.now())
        if self.tmodel.state == "RUNNING":
            self.tmodel.state = "ABORTED"

    @route(":TRIGger:STATe", query=True)
    def trig_state(self, call: Call) -> str:
        self._advance(self.clock.now())
        tm = self.tmodel
        state = "EMPTY" if tm.template == "Empty" and tm.state == "IDLE" else tm.state
        return f"{state};{state};{tm.block}"

    # Measurement event register: bit 9 (512) "buffer full", the bit polling clients enable with
    # `:STAT:MEAS:ENAB 512; *SRE 1` and then watch as MSB (1) / MSS (64) in *STB? [I: 2400-family].
    @route(":STATus:PRESet", query=False)
    def status_preset(self, call: Call) -> None:
        self.meas_enable = 0

    @route(":STATus:MEASurement:ENABle")
    def status_meas_enable(self, call: Call) -> str | None:
        if call.query:
            return str(self.meas_enable)
        self.meas_enable = int(parse_number(call.arg())) & 0xFFFF
        return None

    @route(":STATus:MEASurement[:EVENt]", query=True)
    def status_meas_event(self, call: Call) -> str:
        value = self._meas_events()
        self.meas_latched = 0
        return str(value)

    @route(":STATus:MEASurement:CONDition", query=True)
    def status_meas_condition(self, call: Call) -> str:
        return str(self._meas_condition())

    @route(":STATus:OPERation[:EVENt]", query=True)
    def status_operation(self, call: Call) -> str:
        self._advance(self.clock.now())
        return "0"

    def _meas_condition(self) -> int:
        self._advance(self.clock.now())
        buf = self.buffers["defbuffer1"]
        return BUFFER_FULL if len(buf.reading) >= buf.capacity else 0

    def _meas_events(self) -> int:
        """Event bits latch on the condition's rising edge and stay until read or *CLS."""
        cond = self._meas_condition()
        self.meas_latched |= cond & ~self.meas_previous
        self.meas_previous = cond
        return self.meas_latched

    def clear_status(self) -> None:
        super().clear_status()
        self.meas_latched = 0

    def status_byte(self) -> int:
        stb = super().status_byte() & ~64
        if self._meas_events() & self.meas_enable:
            stb |= 1  # measurement summary bit
        return stb | (64 if stb & self.sre & ~64 else 0)

    @route(":SYSTem:CLEar", query=False)
    def syst_clear(self, call: Call) -> None:
        self.errors.clear()

    @route(":SYSTem:LFRequency", query=True)
    def line_frequency(self, call: Call) -> str:
        return "50"

    @route(":SYSTem:EVENtlog:NEXT", query=True)
    def event_next(self, call: Call) -> str:
        return self.next_error()


