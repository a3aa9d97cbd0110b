"""Twin of the Keysight E4990A impedance analyzer.

Installs the driver's own command set (same ranges, same -222 on violations) and times sweeps
with the driver's own timing model. A sweep runs in instrument time: `:STAT:OPER:COND?` shows bit 4
while it lasts, `*OPC?` after `:TRIG:SING` blocks until it ends (not after `:TRIG:IMM`/`*TRG`, as
on the real unit), and each point is measured at the sample temperature of the moment it is taken.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ssbcert.drivers.impedance.keysight_e4990a import (
    CYCLES_PER_POINT,
    FREQUENCY_OPTIONS_HZ,
    MAX_POINTS,
    MAX_SEGMENTS,
    MIN_FREQUENCY_HZ,
    OVERLOAD,
    SWEEP_OVERHEAD_S,
    e4990a_commands,
    point_durations_s,
    sweep_time_s,
)
from ssbcert.drivers.scpi import encode_block, fmt_nr3, parse_number
from ssbcert.sim_instruments.faults import FaultPlan
from ssbcert.sim_instruments.twin import Call, ScpiError, ScpiTwin, SimEnvironment, route

MEASURING = 16  # :STAT:OPER bit 4
MAX_MEASURABLE_OHM = 1e9  # beyond this the bridge cannot balance: 9.9E37
MIN_MEASURABLE_OHM = 1e-4
STIMULUS = {"freq_start", "freq_stop", "freq_cw", "points", "sweep_type"}


@dataclass
class _Sweep:
    frequency_Hz: np.ndarray
    point_end_s: np.ndarray  # instrument time at which each point is complete
    end_s: float
    opc_waits: bool  # started by :TRIG:SING, so *OPC? waits for it
    z: np.ndarray | None = None
    temperature_K: np.ndarray | None = None


class KeysightTwin(ScpiTwin):
    """What the Keysight twins share: trigger arming, the operation status register, housekeeping.

    A subclass keeps the measurement in progress in `self.pending` (anything with `end_s`, the
    instrument time it completes) and finishes it in `_settle()`.
    """

    pending: Any = None

    def on_reset(self) -> None:
        self.pending = None
        self.last: Any = None
        self.armed = False
        self.oper_event = 0
        self.oper_enable = 0
        self.oper_ptr = 0x7FFF
        self.oper_ntr = 0

    def _settle(self) -> None:
        """Finish the pending measurement if its end time has passed."""

    def _arm_for_trigger(self) -> None:
        """A trigger is taken only when idle and armed (continuous initiation, or :INIT once)."""
        self._settle()
        if self.pending is not None or not (self.state["continuous"] or self.armed):
            raise ScpiError(-211, "Trigger ignored")
        self.armed = False

    def _wait_pending(self) -> None:
        if self.pending is not None:
            self.clock.sleep(self.pending.end_s - self.clock.now())
        self._settle()

    def extra_status_bits(self) -> int:
        self._settle()
        return 128 if self.oper_event & self.oper_enable else 0

    @route(":SYSTem:PRESet", query=False)
    def _preset(self, call: Call) -> None:
        self.reset()

    @route(":INITiate#[:IMMediate]", query=False)
    def _init(self, call: Call) -> None:
        if self.state["continuous"]:
            raise ScpiError(-213, "Init ignored")
        self.armed = True

    @route(":ABORt", query=False)
    def _abort(self, call: Call) -> None:
        self.pending = None
        self.armed = False

    @route(":STATus:OPERation:CONDition", query=True)
    def _oper_cond(self, call: Call) -> str:
        self._settle()
        return f"+{MEASURING if self.pending is not None else 0}"

    @route(":STATus:OPERation[:EVENt]", query=True)
    def _oper_event(self, call: Call) -> str:
        self._settle()
        v, self.oper_event = self.oper_event, 0
        return f"+{v}"

    @route(":STATus:OPERation:ENABle")
    def _oper_enable(self, call: Call) -> str | None:
        return self._register(call, "oper_enable")

    @route(":STATus:OPERation:PTRansition")
    def _oper_ptr(self, call: Call) -> str | None:
        return self._register(call, "oper_ptr")

    @route(":STATus:OPERation:NTRansition")
    def _oper_ntr(self, call: Call) -> str | None:
        return self._register(call, "oper_ntr")

    def _register(self, call: Call, attr: str) -> str | None:
        if call.query:
            return f"+{getattr(self, attr)}"
        value = int(parse_number(call.arg()))
        if not 0 <= value <= 0x7FFF:
            raise ScpiError(-222, "Data out of range")
        setattr(self, attr, value)
        return None


class E4990ATwin(KeysightTwin):
    name = "keysight_e4990a"
    default_noise = 5e-4  # relative, at 100 mV, bandwidth 1, one average; basic accuracy ±0.08 %

    def __init__(
        self,
        env: SimEnvironment,
        faults: FaultPlan | None = None,
        seed: int = 0,
        noise: float | None = None,
        frequency_option: int = 120,
        bias_option: bool = True,
        serial: str = "MY54100800",
        brand: str = "Keysight Technologies",
        firmware: str = "A.02.12",
    ) -> None:
        if frequency_option not in FREQUENCY_OPTIONS_HZ:
            raise ValueError(f"frequency_option: expected one of {sorted(FREQUENCY_OPTIONS_HZ)}, found {frequency_option!r}")
        self.frequency_option = frequency_option
        self.max_frequency_Hz = FREQUENCY_OPTIONS_HZ[frequency_option]
        self.bias_option = bias_option
        self.command_set = e4990a_commands(frequency_option, bias_option)
        self.idn = f"{brand},E4990A,{serial},{firmware}"
        self.options = f"{frequency_option:03d}" + (",001" if bias_option else "")
        super().__init__(env, faults, seed, noise)

    # ---- state -------------------------------------------------------------------------------
    def on_reset(self) -> None:
        super().on_reset()
        self.traces = ["Z", "TZ", "R", "X"]
        self.active_trace = 1
        self.segments: list[tuple[float, float, int]] = [(MIN_FREQUENCY_HZ, self.max_frequency_Hz, 201)]
        self.compensation: set[str] = set()

    def on_setting(self, name: str, value: Any) -> None:
        if name == "bias_state" and value and not self.bias_option:
            self.state[name] = False
            raise ScpiError(-221, "Settings conflict")
        if name == "freq_start" and value > self.state["freq_stop"]:
            self.state["freq_stop"] = value  # the analyzer moves the other end, as the front panel does
        if name == "freq_stop" and value < self.state["freq_start"]:
            self.state["freq_start"] = value
        if name in STIMULUS:
            self.last = None  # trace data no longer belongs to the stimulus

    def stimulus_Hz(self) -> np.ndarray:
        s = self.state
        kind = s["sweep_type"]
        if kind == "SEGM":
            return np.concatenate([np.linspace(a, b, n) for a, b, n in self.segments])
        n = int(s["points"])
        if kind == "LOG":
            return np.geomspace(s["freq_start"], s["freq_stop"], n)
        if kind in ("BIAS", "LBI"):
            return np.full(n, float(s["freq_cw"]))
        return np.linspace(s["freq_start"], s["freq_stop"], n)

    def _averages(self) -> tuple[int, int]:
        s = self.state
        points = int(s["point_avg_count"]) if s["point_avg"] else 1
        sweeps = int(s["sweep_avg_count"]) if (s["sweep_avg"] and s["trigger_averaging"]) else 1
        return points, sweeps

    # ---- sweeps in instrument time ---------------------------------------------------------------
    def _start(self, opc_waits: bool) -> None:
        self._arm_for_trigger()
        f = self.stimulus_Hz()
        pavg, savg = self._averages()
        per_point = point_durations_s(f, int(self.state["bandwidth"]), pavg) * savg
        t0 = self.clock.now()
        self.pending = _Sweep(f, t0 + np.cumsum(per_point), t0 + float(per_point.sum()) + SWEEP_OVERHEAD_S, opc_waits)
        if self.oper_ptr & MEASURING:
            self.oper_event |= MEASURING

    def _settle(self) -> None:
        """Finish a sweep whose end time has passed (lazily, on the next message)."""
        sw = self.pending
        if sw is None or self.clock.now() < sw.end_s:
            return
        self._measure(sw)
        self.pending, self.last = None, sw
        if self.oper_ntr & MEASURING:
            self.oper_event |= MEASURING

    def _measure(self, sw: _Sweep) -> None:
        """Z of the shared sample at the temperature of each point's time, plus instrument noise."""
        sample = self.env.sample
        temps = np.array([sample.temperature_K(t) for t in sw.point_end_s])
        z = np.empty(sw.frequency_Hz.size, dtype=complex)
        for T in np.unique(temps):
            sel = temps == T
            z[sel] = sample.impedance(sw.frequency_Hz[sel], float(T))
        z = self.noise.apply(z, self._noise_scale(sw.frequency_Hz, z))
        mag = np.abs(z)
        bad = (mag > MAX_MEASURABLE_OHM) | (mag < MIN_MEASURABLE_OHM)
        if self.take_overload():
            bad[:] = True
        z[bad] = OVERLOAD + 1j * OVERLOAD
        sw.z, sw.temperature_K = z, temps

    def _noise_scale(self, f: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Relative noise grows at small OSC level, short integration, high f and extreme |Z|."""
        s = self.state
        pavg, savg = self._averages()
        level = float(s["osc_voltage"]) if s["source_mode"] == "VOLT" else float(s["osc_current"]) * np.abs(z)
        integration = CYCLES_PER_POINT[int(s["bandwidth"])] * pavg * savg
        mag = np.abs(z)
        scale = np.sqrt(0.1 / np.maximum(level, 1e-3) / integration) * (1.0 + f / 1e8)
        return scale * (1.0 + mag / 1e6 + 0.1 / np.maximum(mag, 1e-6))

    def _trace_data(self) -> _Sweep:
        """The last complete sweep; in free-run (nothing triggered yet) one is taken now."""
        self._settle()
        if self.last is None or self.last.z is None:
            f = self.stimulus_Hz()
            t = self.clock.now()
            sw = _Sweep(f, np.full(f.size, t), t, False)
            self._measure(sw)
            self.last = sw
        return self.last

    def operation_complete(self) -> None:
        """*OPC? waits for a :TRIG:SING sweep, not for one started by :TRIG:IMM or *TRG."""
        if self.pending is not None and self.pending.opc_waits:
            self._wait_pending()
        self._settle()

    def trigger(self) -> None:  # *TRG
        if self.state["trigger_source"] != "BUS":
            raise ScpiError(-211, "Trigger ignored")
        self._start(opc_waits=False)

    # ---- replies -----------------------------------------------------------------------------
    def _values(self, values: np.ndarray) -> str | bytes:
        fmt = self.state["data_format"]
        if fmt == "ASC":
            return ",".join(fmt_nr3(float(v)) for v in values)
        return encode_block(values.tolist(), big_endian=self.state["byte_order"] == "NORM", fmt="f" if fmt == "REAL32" else "d")

    @route(":TRIGger[:SEQuence]:SINGle", query=False)
    def _trig_single(self, call: Call) -> None:
        self._start(opc_waits=True)

    @route(":TRIGger[:SEQuence][:IMMediate]", query=False)
    def _trig_imm(self, call: Call) -> None:
        self._start(opc_waits=False)

    @route(":SENSe#:FREQuency:DATA", query=True)
    @route(":CALCulate#[:SELected]:DATA:XAXis", query=True)
    def _freq_data(self, call: Call) -> str | bytes:
        return self._values(self.stimulus_Hz())

    @route(":CALCulate#[:SELected]:DATA:RDATa", query=True)
    def _rdat(self, call: Call) -> str | bytes:
        z = self._trace_data().z
        assert z is not None
        return self._values(np.column_stack([z.real, z.imag]).ravel())

    @route(":CALCulate#[:SELected]:DATA:FDATa", query=True)
    def _fdat(self, call: Call) -> str | bytes:
        sw = self._trace_data()
        assert sw.z is not None
        first, second = formatted(self.traces[self.active_trace - 1], sw.frequency_Hz, sw.z, self.state)
        return self._values(np.column_stack([first, second]).ravel())

    def _trace_index(self, call: Call) -> int:
        tr = call.suffix(1)
        if not 1 <= tr <= 4:
            raise ScpiError(-114, "Header suffix out of range")
        return tr

    @route(":CALCulate#:PARameter#:DEFine")
    def _trace_def(self, call: Call) -> str | None:
        tr = self._trace_index(call)
        if call.query:
            return self.traces[tr - 1]
        self.traces[tr - 1] = self.command_set["trace_def"].parse(call.arg())  # type: ignore[index]
        return None

    @route(":CALCulate#:PARameter#:SELect", query=False)
    def _trace_select(self, call: Call) -> None:
        tr = self._trace_index(call)
        if tr > int(self.state["trace_count"]):
            raise ScpiError(-221, "Settings conflict")
        self.active_trace = tr

    @route(":SENSe#:SEGMent:DATA")
    def _segments(self, call: Call) -> str | None:
        if call.query:
            body = ",".join(f"{fmt_nr3(a)},{fmt_nr3(b)},{n}" for a, b, n in self.segments)
            return f"7,0,0,0,0,0,0,0,{len(self.segments)},{body}"
        self.segments = self._parse_segments(call.args)
        self.on_setting("sweep_type", self.state["sweep_type"])

    def _parse_segments(self, args: tuple[str, ...]) -> list[tuple[float, float, int]]:
        if len(args) < 9:
            raise ScpiError(-109, "Missing parameter")
        head = [parse_number(a) for a in args[:9]]
        osc_flag = int(head[2])
        if osc_flag not in (0, 1) or any(head[i] for i in (1, 3, 4, 5, 6, 7)):
            raise ScpiError(-224, "Illegal parameter value")
        count, width = int(head[8]), 3 + 2 * osc_flag
        if not 1 <= count <= MAX_SEGMENTS:
            raise ScpiError(-222, "Data out of range")
        fields = args[9:]
        if len(fields) != count * width:
            raise ScpiError(-109 if len(fields) < count * width else -108, "Missing parameter" if len(fields) < count * width else "Parameter not allowed")
        segs = []
        for i in range(count):
            start, stop, n = (parse_number(x) for x in fields[i * width : i * width + 3])
            if not (MIN_FREQUENCY_HZ <= start <= self.max_frequency_Hz and MIN_FREQUENCY_HZ <= stop <= self.max_frequency_Hz):
                raise ScpiError(-222, "Data out of range")
            if not 1 <= n <= MAX_POINTS or (n == 1 and start != stop):
                raise ScpiError(-222, "Data out of range")
            segs.append((start, stop, int(n)))
        if sum(n for _, _, n in segs) > MAX_POINTS:
            raise ScpiError(-222, "Data out of range")
        return segs

    @route(":SENSe#:SEGMent:SWEep:POINts", query=True)
    def _segment_points(self, call: Call) -> str:
        return f"+{sum(n for _, _, n in self.segments)}"

    @route(":SENSe#:SWEep:TIME[:DATA]", query=True)
    def _sweep_time(self, call: Call) -> str:
        pavg, savg = self._averages()
        return fmt_nr3(sweep_time_s(self.stimulus_Hz(), int(self.state["bandwidth"]), pavg, savg))

    @route(":SENSe#:CORRection2:COLLect[:ACQuire]:OPEN", query=False)
    @route(":SENSe#:CORRection2:COLLect[:ACQuire]:SHORt", query=False)
    @route(":SENSe#:CORRection2:COLLect[:ACQuire]:LOAD", query=False)
    def _acquire(self, call: Call) -> None:
        """A compensation sweep over the stimulus; takes as long as a measurement sweep."""
        kind = call.cmd.header.rsplit(":", 1)[-1][:4].upper()
        self.clock.sleep(sweep_time_s(self.stimulus_Hz(), int(self.state["bandwidth"])))
        self.compensation.add(kind)
        name = {"OPEN": "corr_open", "SHOR": "corr_short", "LOAD": "corr_load"}[kind]
        self.state[name] = True

    @route(":SENSe#:DC:MEASure:DATA:DCV", query=True)
    def _dcv(self, call: Call) -> str:
        on = self.state["bias_state"]
        return fmt_nr3(float(self.state["bias_voltage"]) if on else 0.0)

    @route(":SENSe#:DC:MEASure:DATA:DCI", query=True)
    def _dci(self, call: Call) -> str:
        v = float(self.state["bias_voltage"]) if self.state["bias_state"] else 0.0
        truth = self.env.sample.truth(self.env.sample_temperature_K())
        return fmt_nr3(v / truth.R_electronic_ohm)

    @route(":SENSe#:DC:MEASure:CLEar", query=False)
    @route(":CALCulate#:AVERage:CLEar", query=False)
    @route(":DISPlay:CCLear", query=False)
    @route(":DISPlay:WINDow#:TRACe#:Y[:SCALe]:AUTO", query=False)
    @route(":DISPlay:WINDow#:TRACe#:Y[:SCALe]:SPACing", query=False)
    def _accepted(self, call: Call) -> None:
        """Display and housekeeping commands: accepted, no effect on the data."""


def derived(f: np.ndarray, z: np.ndarray) -> dict[str, np.ndarray]:
    """Every quantity an LCR meter or impedance analyzer derives from Z(f) (SI units, degrees in T*)."""
    w = 2 * np.pi * f
    with np.errstate(divide="ignore", invalid="ignore"):
        y = 1.0 / z
        return {
            "Z": np.abs(z), "TZ": np.degrees(np.angle(z)), "TZR": np.angle(z), "R": z.real, "X": z.imag,
            "Y": np.abs(y), "TY": np.degrees(np.angle(y)), "TYR": np.angle(y), "G": y.real, "B": y.imag,
            "RS": z.real, "RP": 1.0 / y.real, "CS": -1.0 / (w * z.imag), "LS": z.imag / w,
            "CP": y.imag / w, "LP": -1.0 / (w * y.imag), "Q": np.abs(z.imag) / z.real, "D": z.real / np.abs(z.imag),
        }


def formatted(param: str, f: np.ndarray, z: np.ndarray, state: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """`FDAT?` pairs for a trace parameter (second value 0 for scalar formats)."""
    over = np.abs(z.real) >= OVERLOAD
    if param in ("IMP", "ADM"):
        c = z if param == "IMP" else 1.0 / z
        first, second = c.real.copy(), c.imag.copy()
    else:
        level = float(state["osc_voltage"])
        vdc = float(state["bias_voltage"]) if state["bias_state"] else 0.0
        values = derived(f, z)
        values.update(VAC=np.full(f.size, level), IAC=level / np.abs(z), VDC=np.full(f.size, vdc), IDC=vdc / np.abs(z))
        first, second = np.nan_to_num(values[param], nan=OVERLOAD, posinf=OVERLOAD, neginf=-OVERLOAD), np.zeros(f.size)
    first[over] = OVERLOAD
    second[over] = OVERLOAD if param in ("IMP", "ADM") else 0.0
    return first, second
