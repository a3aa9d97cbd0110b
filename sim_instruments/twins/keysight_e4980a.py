"""Twin of the Keysight E4980A / E4980AL precision LCR meter.

Installs the driver's command set and times each trigger with the driver's timing model. Spot
measurements and list sweeps (`:DISP:PAGE LIST`, `:LIST:FREQ`, SEQ/STEP), `:FETC?` in the
fixed-width ASCII formats or REAL blocks, measurement status (-1 no data, +1 overload with
9.9E37), `:STAT:OPER` bit 3 when a list sweep completes, and the quirk that querying the AC
level that is not active (`:CURR?` in voltage mode) gives an error and no reply.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ssbcert.drivers.impedance.keysight_e4980a import (
    AL_FREQUENCY_OPTIONS_HZ,
    LIST_MAX_POINTS,
    MODELS_MAX_HZ,
    OVERLOAD,
    STANDARD_BIAS_V,
    TRIGGER_OVERHEAD_S,
    e4980a_commands,
    point_durations_s,
)
from ssbcert.drivers.scpi import encode_block, fmt_nr3
from ssbcert.sim_instruments.faults import FaultPlan
from ssbcert.sim_instruments.twin import Call, ScpiError, SimEnvironment, route
from ssbcert.sim_instruments.twins.keysight_e4990a import MEASURING, KeysightTwin, derived

LIST_DONE = 8  # :STAT:OPER bit 3
MAX_MEASURABLE_OHM = 1e9
APERTURE_NOISE = {"SHOR": 3.0, "MED": 1.0, "LONG": 0.6}


@dataclass
class _Measurement:
    frequency_Hz: np.ndarray
    point_end_s: np.ndarray
    end_s: float
    is_list: bool
    z: np.ndarray | None = None
    status: np.ndarray | None = None


class E4980ATwin(KeysightTwin):
    name = "keysight_e4980a"
    default_noise = 5e-4  # relative, MED aperture, 1 V; basic accuracy ±0.05 %

    def __init__(
        self,
        env: SimEnvironment,
        faults: FaultPlan | None = None,
        seed: int = 0,
        noise: float | None = None,
        model: str = "E4980A",
        max_frequency_Hz: float | None = None,
        option_001: bool = False,
        serial: str = "MY54305367",
        brand: str = "Keysight Technologies",
        firmware: str = "B.07.01",
    ) -> None:
        if model not in MODELS_MAX_HZ:
            raise ValueError(f"model: expected one of {', '.join(MODELS_MAX_HZ)}, found {model!r}")
        fmax = float(max_frequency_Hz or MODELS_MAX_HZ[model])
        if model == "E4980AL" and fmax not in AL_FREQUENCY_OPTIONS_HZ:
            raise ValueError(f"max_frequency_Hz: an E4980AL has {AL_FREQUENCY_OPTIONS_HZ}, found {fmax:g}")
        self.model, self.max_frequency_Hz, self.option_001 = model, fmax, option_001
        self.command_set = e4980a_commands(fmax, option_001)
        self.idn = f"{brand},{model},{serial},{firmware}"
        self.options = "001" if option_001 else "0"
        super().__init__(env, faults, seed, noise)

    def on_reset(self) -> None:
        super().on_reset()
        self.list_Hz: list[float] = []
        self.step_index = 0
        self.level_mode = "VOLT"

    def on_setting(self, name: str, value: Any) -> None:
        if name == "range":
            self.state["range_auto"] = False
        if name == "bias_voltage" and not self.option_001 and value not in STANDARD_BIAS_V:
            self.state[name] = 0.0
            raise ScpiError(-222, "Data out of range")

    # ---- measuring in instrument time ---------------------------------------------------------
    def _targets(self) -> tuple[np.ndarray, bool]:
        if self.state["page"] == "LIST" and self.list_Hz:
            if self.state["list_mode"] == "SEQ":
                return np.asarray(self.list_Hz), True
            f = self.list_Hz[self.step_index % len(self.list_Hz)]
            self.step_index += 1
            return np.asarray([f]), True
        return np.asarray([float(self.state["frequency"])]), False

    def _start(self) -> None:
        self._arm_for_trigger()
        f, is_list = self._targets()
        per_point = point_durations_s(f, self.state["aperture"], int(self.state["averaging"]))
        t0 = self.clock.now() + float(self.state["trigger_delay"])
        self.pending = _Measurement(f, t0 + np.cumsum(per_point), t0 + float(per_point.sum()) + TRIGGER_OVERHEAD_S, is_list)

    def _settle(self) -> None:
        m = self.pending
        if m is None or self.clock.now() < m.end_s:
            return
        self._measure(m)
        self.pending, self.last = None, m
        if m.is_list:
            self.oper_event |= LIST_DONE

    def _measure(self, m: _Measurement) -> None:
        sample = self.env.sample
        temps = [sample.temperature_K(t) for t in m.point_end_s]
        z = np.array([sample.impedance(f, T)[0] for f, T in zip(m.frequency_Hz, temps)], dtype=complex)
        z = self.noise.apply(z, self._noise_scale(m.frequency_Hz, z))
        status = np.zeros(z.size, dtype=int)
        status[np.abs(z) > MAX_MEASURABLE_OHM] = 1
        if self.take_overload():
            status[:] = 1
        z[status == 1] = OVERLOAD + 1j * OVERLOAD
        m.z, m.status = z, status

    def _noise_scale(self, f: np.ndarray, z: np.ndarray) -> np.ndarray:
        s = self.state
        level = float(s["voltage"]) if self.level_mode == "VOLT" else float(s["current"]) * np.abs(z)
        mag = np.abs(z)
        scale = APERTURE_NOISE[s["aperture"]] / np.sqrt(int(s["averaging"]) * np.maximum(level, 5e-3)) * (1.0 + f / 1e6)
        return scale * (1.0 + mag / 1e6 + 0.1 / np.maximum(mag, 1e-6))

    def _result(self) -> _Measurement | None:
        """Wait for a triggered measurement; in free run (INT, continuous) the newest is taken now."""
        if self.pending is not None:
            self._wait_pending()
            return self.last
        if self.state["trigger_source"] == "INT" and self.state["continuous"]:
            f, is_list = self._targets()
            t = self.clock.now()
            m = _Measurement(f, np.full(f.size, t), t, is_list)
            self._measure(m)
            self.last = m
        return self.last

    def operation_complete(self) -> None:
        self._wait_pending()

    def trigger(self) -> None:  # *TRG
        if self.state["trigger_source"] != "BUS":
            raise ScpiError(-211, "Trigger ignored")
        self._start()

    # ---- replies --------------------------------------------------------------------------------
    def _number(self, value: float) -> str:
        digits = 9 if self.state["ascii_long"] else 5
        mant, exp = f"{value:+.{digits}E}".split("E")
        return f"{mant}E{int(exp):+03d}"

    def _reply(self, rows: list[list[float]]) -> str | bytes:
        """Rows of (A, B, status[, bin]) in the active data format."""
        if self.state["data_format"] == "REAL":
            return encode_block([v for row in rows for v in row], big_endian=True)
        return ",".join(
            ",".join([self._number(a), self._number(b)] + [f"{int(x):+d}" for x in rest]) for a, b, *rest in rows
        )

    @route(":FETCh[:IMPedance][:FORMatted]", query=True)
    def _fetch(self, call: Call) -> str | bytes:
        m = self._result()
        if m is None or m.z is None or m.status is None:  # nothing measured yet: status -1
            return self._reply([[OVERLOAD, OVERLOAD, -1] + ([0] if self.state["comparator"] else [])])
        values = derived(m.frequency_Hz, m.z)
        a, b = self._function_values(values, m.frequency_Hz)
        rows = []
        for i in range(m.z.size):
            over = m.status[i] == 1
            row = [OVERLOAD if over else float(a[i]), OVERLOAD if over else float(b[i]), int(m.status[i])]
            if m.is_list or self.state["comparator"]:
                row.append(0)  # comparator bin / list in-out: no limits set
            rows.append(row)
        return self._reply(rows)

    def _function_values(self, q: dict[str, np.ndarray], f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        func = self.state["function"]
        r_dc = self.env.sample.truth(self.env.sample_temperature_K()).R_electronic_ohm
        vdc = float(self.state["bias_voltage"]) if self.state["bias_state"] else 0.0
        table = {
            "CPD": ("CP", "D"), "CPQ": ("CP", "Q"), "CPG": ("CP", "G"), "CPRP": ("CP", "RP"),
            "CSD": ("CS", "D"), "CSQ": ("CS", "Q"), "CSRS": ("CS", "RS"), "LPD": ("LP", "D"), "LPQ": ("LP", "Q"),
            "LPG": ("LP", "G"), "LPRP": ("LP", "RP"), "LPRD": ("LP", "RDC"), "LSD": ("LS", "D"), "LSQ": ("LS", "Q"),
            "LSRS": ("LS", "RS"), "LSRD": ("LS", "RDC"), "RX": ("R", "X"), "ZTD": ("Z", "TZ"), "ZTR": ("Z", "TZR"),
            "GB": ("G", "B"), "YTD": ("Y", "TY"), "YTR": ("Y", "TYR"), "VDID": ("VDC", "IDC"),
        }
        q = dict(q, RDC=np.full(f.size, r_dc), VDC=np.full(f.size, vdc), IDC=np.full(f.size, vdc / r_dc))
        first, second = table[func]
        return np.nan_to_num(q[first], nan=OVERLOAD), np.nan_to_num(q[second], nan=OVERLOAD)

    @route(":FETCh:IMPedance:CORRected", query=True)
    def _fetch_rx(self, call: Call) -> str | bytes:
        m = self._result()
        if m is None or m.z is None:
            return self._reply([[OVERLOAD, OVERLOAD]])
        return self._reply([[float(z.real), float(z.imag)] for z in m.z])

    @route(":TRIGger[:IMMediate]", query=False)
    def _trig(self, call: Call) -> None:
        self._start()

    @route(":LIST:FREQuency")
    def _list_freq(self, call: Call) -> str | None:
        if call.query:
            return ",".join(fmt_nr3(f) for f in self.list_Hz) if self.list_Hz else ""
        if not call.args:
            raise ScpiError(-109, "Missing parameter")
        if len(call.args) > LIST_MAX_POINTS:
            raise ScpiError(-108, "Parameter not allowed")
        setting = self.command_set["list_frequency"]  # type: ignore[index]
        self.list_Hz = [float(setting.parse(a)) for a in call.args]
        self.step_index = 0
        return None

    @route(":APERture")
    def _aperture(self, call: Call) -> str | None:
        if call.query:
            return f"{self.state['aperture']},{int(self.state['averaging'])}"
        if not call.args or len(call.args) > 2:
            raise ScpiError(-109 if not call.args else -108, "Missing parameter" if not call.args else "Parameter not allowed")
        cs = self.command_set
        time = cs["aperture"].parse(call.args[0])  # type: ignore[index]
        avg = cs["averaging"].parse(call.args[1]) if len(call.args) == 2 else self.state["averaging"]  # type: ignore[index]
        self.state["aperture"], self.state["averaging"] = time, int(avg)
        return None

    @route("[:SOURce]:VOLTage[:LEVel]")
    def _voltage(self, call: Call) -> str | None:
        return self._level(call, "VOLT", "voltage")

    @route("[:SOURce]:CURRent[:LEVel]")
    def _current(self, call: Call) -> str | None:
        return self._level(call, "CURR", "current")

    def _level(self, call: Call, mode: str, name: str) -> str | None:
        """Setting a level selects that mode; querying the other mode's level is an error (no reply)."""
        setting = self.command_set[name]  # type: ignore[index]
        if call.query:
            if self.level_mode != mode:
                raise ScpiError(-221, "Settings conflict")
            return fmt_nr3(float(self.state[name]))
        if len(call.args) != 1:
            raise ScpiError(-109, "Missing parameter")
        self.state[name] = setting.parse(call.args[0])
        self.level_mode = mode
        return None

    @route(":CORRection:OPEN[:EXECute]", query=False)
    @route(":CORRection:SHORt[:EXECute]", query=False)
    def _correction(self, call: Call) -> None:
        """Open/short compensation: measures the fixture at the standard frequencies (~ tens of s)."""
        kind = "corr_open" if "OPEN" in call.cmd.header.upper() else "corr_short"
        self.clock.sleep(float(point_durations_s(np.geomspace(20, self.max_frequency_Hz, 51), "MED").sum()))
        self.state[kind] = True

