"""Keysight E4980A / E4980AL precision LCR meter (20 Hz to 2 MHz; AL: 300 kHz / 500 kHz / 1 MHz).

A spectrum is measured with the list sweep (up to 201 frequencies per list) in function RX, so
each point comes back as R, X, measurement status and comparator result. Per list: one message
`:LIST:FREQ ...;:TRIG:IMM;:FETC?` answered by one binary block; the error queue is read after the
configuration and after the last list. A status other than 0 (overload, source overload, ALC) is
raised, never returned as data. Timing model and command set are shared with the twin.
"""
from __future__ import annotations

from typing import Any, ClassVar, Sequence

import numpy as np

from ssbcert.drivers.base import ImpedanceAnalyzer, ImpedanceCapabilities, ReplyError, Span, retried
from ssbcert.drivers.impedance.keysight_e4990a import KeysightScpiDriver, OverloadError, overload_error
from ssbcert.drivers.scpi import CommandSet, Setting, match_header, short_form
from ssbcert.records import ImpedanceSpectrum

# ------------------------------------------------------------------ instrument facts (instruments.md §3)

MODELS_MAX_HZ: dict[str, float] = {"E4980A": 2e6, "E4980AL": 1e6}
AL_FREQUENCY_OPTIONS_HZ = (300e3, 500e3, 1e6)
MIN_FREQUENCY_HZ = 20.0
LIST_MAX_POINTS = 201  # [I] list-sweep table length
VOLTAGE_V = {False: 2.0, True: 20.0}  # max AC level without / with option 001
CURRENT_A = {False: 0.02, True: 0.1}
STANDARD_BIAS_V = (0.0, 1.5, 2.0)  # without option 001 only these
OPTION_BIAS_V = 40.0
OVERLOAD = 9.9e37
FUNCTIONS = (
    "CPD", "CPQ", "CPG", "CPRP", "CSD", "CSQ", "CSRS", "LPD", "LPQ", "LPG", "LPRP", "LPRD",
    "LSD", "LSQ", "LSRS", "LSRD", "RX", "ZTD", "ZTR", "GB", "YTD", "YTR", "VDID",
)
STATUS_TEXT = {-1: "no data", 1: "overload (9.9E37)", 3: "signal source overload", 4: "ALC unable to regulate"}

# ------------------------------------------------------------------ timing model (§3.4, one source of truth)

APERTURE_BASE_S: dict[str, float] = {"SHOR": 5e-3, "MED": 0.09, "LONG": 0.3}
APERTURE_MIN_PERIODS: dict[str, float] = {"SHOR": 1.0, "MED": 2.0, "LONG": 4.0}
LIST_POINT_SETUP_S = 2e-3
TRIGGER_OVERHEAD_S = 0.01
APERTURE_NAMES = ("SHORt", "MEDium", "LONG")


def aperture_code(value: str) -> str:
    """'short' / 'SHOR' / 'MEDIUM' ... → the short mnemonic used as the key everywhere."""
    for name in APERTURE_NAMES:
        if match_header(name, str(value).strip()) is not None:
            return short_form(name).lstrip(":")
    raise ValueError(f"aperture: expected one of SHORt, MEDium, LONG, found {value!r}")


def point_durations_s(frequencies_Hz: Sequence[float] | np.ndarray, aperture: str, averaging: int = 1) -> np.ndarray:
    """Per point: the integration time, but at least whole signal periods at low f; × averaging; + setup."""
    f = np.asarray(frequencies_Hz, dtype=float)
    code = aperture_code(aperture)
    return np.maximum(APERTURE_BASE_S[code], APERTURE_MIN_PERIODS[code] / f) * max(1, int(averaging)) + LIST_POINT_SETUP_S


def measurement_time_s(frequencies_Hz: Sequence[float] | np.ndarray, aperture: str, averaging: int = 1) -> float:
    """One trigger: all points of the list (or the one point) plus the trigger overhead."""
    return float(point_durations_s(frequencies_Hz, aperture, averaging).sum()) + TRIGGER_OVERHEAD_S


# ------------------------------------------------------------------ command set as data


def e4980a_commands(max_frequency_Hz: float = 2e6, option_001: bool = False) -> CommandSet:
    bias = OPTION_BIAS_V if option_001 else max(STANDARD_BIAS_V)
    return CommandSet(
        "E4980A",
        [
            Setting("function", ":FUNCtion:IMPedance[:TYPE]", "enum", choices=FUNCTIONS, default="CPD"),
            Setting("range_auto", ":FUNCtion:IMPedance:RANGe:AUTO", "bool", default=True),
            Setting("range", ":FUNCtion:IMPedance:RANGe[:VALue]", "float", 0.0, 100e3, unit="ohm", default=100e3),
            Setting("frequency", "[:SOURce]:FREQuency[:CW]", "float", MIN_FREQUENCY_HZ, max_frequency_Hz, unit="Hz", default=1e3),
            Setting("voltage", "[:SOURce]:VOLTage[:LEVel]", "float", 0.0, VOLTAGE_V[option_001], unit="V", default=1.0),
            Setting("current", "[:SOURce]:CURRent[:LEVel]", "float", 0.0, CURRENT_A[option_001], unit="A", default=0.01, readable=False),
            Setting("alc", ":AMPLitude:ALC", "bool", default=False),
            Setting("bias_state", ":BIAS:STATe", "bool", default=False),
            Setting("bias_voltage", ":BIAS:VOLTage[:LEVel]", "float", -bias if option_001 else 0.0, bias, unit="V", default=0.0),
            Setting("aperture", ":APERture", "enum", choices=APERTURE_NAMES, default="MED", doc="':APER MED,<1..256>'"),
            Setting("averaging", ":APERture", "int", 1, 256, default=1, readable=False, doc="second argument of :APER"),
            Setting("trigger_source", ":TRIGger:SOURce", "enum", choices=("INTernal", "EXTernal", "BUS", "HOLD"), default="INT"),
            Setting("trigger_delay", ":TRIGger:TDELay", "float", 0.0, 999.0, unit="s", default=0.0),
            Setting("continuous", ":INITiate:CONTinuous", "bool", default=True),
            Setting("page", ":DISPlay:PAGE", "enum", default="MEAS", choices=(
                "MEASurement", "BNUMber", "BCOunt", "LIST", "MSETup", "CSETup", "LTABle", "LSETup", "CATalog", "SYSTem", "SELF",
            )),
            Setting("list_frequency", ":LIST:FREQuency", "float", MIN_FREQUENCY_HZ, max_frequency_Hz, unit="Hz", readable=False,
                    doc=f"comma-separated list of up to {LIST_MAX_POINTS} values"),
            Setting("list_mode", ":LIST:MODE", "enum", choices=("SEQuence", "STEPped"), default="SEQ"),
            Setting("data_format", ":FORMat[:DATA]", "enum", choices=("ASCii", "REAL"), default="ASC"),
            Setting("ascii_long", ":FORMat:ASCii:LONG", "bool", default=False),
            Setting("comparator", ":COMParator[:STATe]", "bool", default=False),
            Setting("corr_open", ":CORRection:OPEN:STATe", "bool", default=False),
            Setting("corr_short", ":CORRection:SHORt:STATe", "bool", default=False),
        ],
    )


E4980A_COMMANDS = e4980a_commands()


def capabilities_for(max_frequency_Hz: float, option_001: bool) -> ImpedanceCapabilities:
    return ImpedanceCapabilities(
        frequency_Hz=Span(MIN_FREQUENCY_HZ, max_frequency_Hz, "Hz"),
        ac_amplitude_V=Span(0.0, VOLTAGE_V[option_001], "V"),
        dc_bias_V=Span(-OPTION_BIAS_V, OPTION_BIAS_V, "V") if option_001 else Span(0.0, max(STANDARD_BIAS_V), "V"),
        max_points=100 * LIST_MAX_POINTS,  # longer spectra are measured as successive lists
        bandwidth_levels=("SHORT", "MEDIUM", "LONG"),
        max_averaging=256,
    )


class KeysightE4980A(KeysightScpiDriver, ImpedanceAnalyzer):
    model = "E4980A"
    command_set = E4980A_COMMANDS
    capabilities: ClassVar[ImpedanceCapabilities] = capabilities_for(2e6, False)
    default_timeout_s = 10.0
    default_aperture = "MED"

    def __init__(
        self,
        transport: Any,
        clock: Any = None,
        model: str | None = None,
        max_frequency_Hz: float | None = None,
        option_001: bool | None = None,
        aperture: str | None = None,
    ) -> None:
        super().__init__(transport, clock=clock)
        self.model_name = model
        self.max_frequency_Hz = max_frequency_Hz
        self.option_001 = option_001
        if aperture is not None:
            self.default_aperture = aperture_code(aperture)
        self._commands = e4980a_commands(max_frequency_Hz or 2e6, bool(option_001))
        if model is not None and option_001 is not None:
            self._set_identity(model, max_frequency_Hz, option_001)

    def _set_identity(self, model: str, max_frequency_Hz: float | None, option_001: bool) -> None:
        if model not in MODELS_MAX_HZ:
            raise ValueError(f"model: expected one of {', '.join(MODELS_MAX_HZ)}, found {model!r}")
        fmax = max_frequency_Hz or MODELS_MAX_HZ[model]
        if model == "E4980AL" and fmax not in AL_FREQUENCY_OPTIONS_HZ:
            raise ValueError(f"max_frequency_Hz: an E4980AL has {AL_FREQUENCY_OPTIONS_HZ}, found {fmax:g}")
        self.model_name, self.max_frequency_Hz, self.option_001 = model, fmax, option_001
        self._commands = e4980a_commands(fmax, option_001)
        self.capabilities = capabilities_for(fmax, option_001)  # type: ignore[misc]

    def _ensure_identity(self) -> None:
        """*IDN? and *OPT? once, lazily (opening a driver must not touch the instrument)."""
        if self.idn is not None and self.model_name is not None and self.option_001 is not None:
            return
        if self.idn is None:
            self.idn = self.query("*IDN?").strip()
        model = self.model_name
        if model is None:
            fields = self.idn.split(",")
            if len(fields) < 2 or fields[1].strip() not in MODELS_MAX_HZ:
                raise ReplyError(self.resource, f"*IDN? does not name an E4980A/AL: {self.idn!r}", "*IDN?")
            model = fields[1].strip()
        opt = self.option_001
        if opt is None:
            opt = "001" in [t.strip().strip('"') for t in self.query("*OPT?").split(",")]
        self._set_identity(model, self.max_frequency_Hz, opt)

    # ---- role interface ------------------------------------------------------------------------
    def estimate_sweep_s(self, frequencies_Hz: Sequence[float], bandwidth: str | None = None, averaging: int = 1) -> float:
        f = np.asarray(frequencies_Hz, dtype=float)
        aperture = aperture_code(bandwidth) if bandwidth is not None else self.default_aperture
        return sum(measurement_time_s(f[i : i + LIST_MAX_POINTS], aperture, averaging) for i in range(0, f.size, LIST_MAX_POINTS))

    def _settings(self, amplitude_V: float, dc_bias_V: float, aperture: str, averaging: int) -> list[tuple[str, str]]:
        cs = self._commands
        if dc_bias_V and not self.option_001 and dc_bias_V not in STANDARD_BIAS_V:
            raise ValueError(f"{self.model_name}: DC bias without option 001: expected one of {STANDARD_BIAS_V} V, found {dc_bias_V:g}")
        cs["voltage"].check(amplitude_V)
        cs["averaging"].check(averaging)
        out = [
            (":FORM", "REAL"),
            (":FUNC:IMP", "RX"),
            (":TRIG:SOUR", "BUS"),
            (":INIT:CONT", "ON"),
            (":DISP:PAGE", "LIST"),
            (":LIST:MODE", "SEQ"),
            (":VOLT", cs["voltage"].format_arg(amplitude_V)),
            (":APER", f"{aperture},{int(averaging)}"),
        ]
        if dc_bias_V:
            out += [(":BIAS:VOLT", cs["bias_voltage"].format_arg(dc_bias_V)), (":BIAS:STAT", "ON")]
        else:
            out.append((":BIAS:STAT", "OFF"))
        return out

    @retried
    def sweep(
        self,
        frequencies_Hz: Sequence[float],
        amplitude_V: float,
        dc_bias_V: float = 0.0,
        bandwidth: str | None = None,
        averaging: int = 1,
    ) -> ImpedanceSpectrum:
        self._ensure_identity()
        f = np.asarray(frequencies_Hz, dtype=float)
        self.check_sweep(f, amplitude_V, dc_bias_V, averaging)
        aperture = aperture_code(bandwidth) if bandwidth is not None else self.default_aperture
        self.configure(self._settings(amplitude_V, dc_bias_V, aperture, averaging))
        z = np.empty(f.size, dtype=complex)
        status = np.empty(f.size, dtype=int)
        t_end = np.empty(f.size)
        fmt = self._commands["list_frequency"]
        for start in range(0, f.size, LIST_MAX_POINTS):
            chunk = f[start : start + LIST_MAX_POINTS]
            n = chunk.size
            timeout = self.clock.wall_seconds(measurement_time_s(chunk, aperture, averaging)) * 1.5 + self.transport_timeout_s()
            listed = ",".join(fmt.format_arg(x) for x in chunk)
            t0 = self.clock.now()
            values = self.read_block(f":LIST:FREQ {listed};:TRIG:IMM;:FETC?", 4 * n, timeout)
            rows = values.reshape(n, 4)
            z[start : start + n] = rows[:, 0] + 1j * rows[:, 1]
            status[start : start + n] = np.rint(rows[:, 2]).astype(int)
            t_end[start : start + n] = t0 + np.cumsum(point_durations_s(chunk, aperture, averaging))
        self.check_errors("after list sweep")
        self._check_status(f, z, status)
        return self.spectrum(
            f, z, t_end, amplitude_V, dc_bias_V,
            model=self.model_name, function="RX", aperture=aperture, averaging=int(averaging),
            lists=-(-f.size // LIST_MAX_POINTS),
        )

    def _check_status(self, f: np.ndarray, z: np.ndarray, status: np.ndarray) -> None:
        over = (status == 1) | (np.abs(z.real) >= 0.99 * OVERLOAD) | (np.abs(z.imag) >= 0.99 * OVERLOAD)
        if over.any():
            raise overload_error(self.resource, f, over, "overload (status +1, 9.9E37)")
        bad = status != 0
        if bad.any():
            code = int(status[bad][0])
            if code not in STATUS_TEXT:  # not a status the instrument sends: a corrupted transfer
                raise ReplyError(self.resource, f"measurement status {code} not understood", ":FETC?")
            raise OverloadError(self.resource, f"{STATUS_TEXT[code]} (status {code:+d}) at {int(bad.sum())} of {f.size} points")
        self.check_plausible(z, ":FETC?")

    def measure_point(self, frequency_Hz: float, amplitude_V: float) -> complex:
        """One spot measurement (the list machinery is for spectra; this is the quick check)."""
        return complex(self.sweep([frequency_Hz], amplitude_V).z[0])

    def safe_state(self) -> None:
        """DC bias off and the list sweep stopped; the AC level (≤ 2 V) is left as is."""
        self.write(":ABOR;:BIAS:STAT OFF")
        self.read_errors()
