"""The header vocabulary as data: how instruments name columns, units and fixed header values.

Every spelling here is tested (tests/importers/test_vocabulary.py walks these tables). Adding a
vendor's spelling is a one-line data change; columns.py holds the only code that reads them.

Label keys are compared after normalisation (columns.normalise_label): lower case, spaces, dots
and underscores removed, typographic primes and minus signs made ASCII. A leading "-" (or "neg")
negates signed quantities; it is never allowed on frequency or time.
"""
from __future__ import annotations

FREQUENCY = "frequency"
Z_REAL = "z_real"
Z_IMAG = "z_imag"
Z_MOD = "z_mod"
PHASE = "phase"
TIME = "time"
TEMPERATURE = "temperature"

SIGNED = frozenset({Z_REAL, Z_IMAG, PHASE})

# quantity -> label spellings, grouped by who writes them (normalised form: see module doc)
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    FREQUENCY: {
        "generic": ("f", "freq", "frequency", "freqs", "fr", "frequenz"),
        "ec-lab": ("freq",), "gamry": ("freq",), "zview/zplot": ("freq",), "autolab/nova": ("frequency",),
        "zahner": ("frequency", "freq"), "solartron smart": ("frequency",), "chi": ("freq",),
        "parstat/versastudio": ("frequency",), "dielectric analysers": ("freq", "frequency", "fhz"),
    },
    Z_REAL: {
        "generic": ("z'", "zre", "zreal", "re(z)", "real(z)", "zr", "re", "real", "realz", "z'real", "rez",
                    "realpart"),
        "ec-lab": ("re(z)",), "gamry": ("zreal",), "zview/zplot": ("z'(a)", "z'"), "autolab/nova": ("z'",),
        "zahner": ("zreal", "re(z)", "z.real"), "solartron smart": ("z'", "zre"), "chi": ("z'",),
        "parstat/versastudio": ("zre", "zreal"),
        "dielectric analysers": ("zs'", "zp'", "z's", "z'p", "zsreal", "zpreal", "rs"),
    },
    Z_IMAG: {
        "generic": ("z''", "zim", "zimag", "zimg", "im(z)", "imag(z)", "zi", "im", "imag", "imagz", "z''imag", "imz",
                    "imagpart"),
        "ec-lab": ("im(z)",), "gamry": ("zimag",), "zview/zplot": ("z''(b)", "z''"), "autolab/nova": ("z''",),
        "zahner": ("zimag", "im(z)", "z.imag"), "solartron smart": ("z''", "zim"), "chi": ("z''",),
        "parstat/versastudio": ("zim", "zimag"),
        "dielectric analysers": ("zs''", "zp''", "z''s", "z''p", "zsimag", "zpimag", "xs"),
    },
    Z_MOD: {
        "generic": ("|z|", "z", "zmod", "mod(z)", "abs(z)", "zabs", "modulus", "impedance", "|z|(a)", "zmag",
                    "magnitude"),
        "ec-lab": ("|z|",), "gamry": ("zmod",), "autolab/nova": ("z",), "zahner": ("impedance", "|z|"),
        "solartron smart": ("|z|",), "chi": ("z",), "parstat/versastudio": ("z", "zmod"),
        "dielectric analysers": ("|zs|", "|zp|", "zs", "zp"),
    },
    PHASE: {
        "generic": ("phase", "phase(z)", "theta", "θ", "phi", "φ", "zphase", "phz", "phasez", "phaseangle", "angle"),
        "ec-lab": ("phase(z)",), "gamry": ("zphz",), "autolab/nova": ("phase",), "zahner": ("phase",),
        "solartron smart": ("theta", "phase"), "chi": ("phase",), "parstat/versastudio": ("phase", "phasez"),
        "dielectric analysers": ("phase(zs)", "phase(zp)", "phi(z)"),
    },
    TIME: {
        "generic": ("time", "t", "elapsedtime", "timestamp", "tsec"),
        "gamry": ("time",), "zview/zplot": ("time",), "autolab/nova": ("time",),
    },
    TEMPERATURE: {
        "generic": ("temperature", "temp", "t", "sampletemperature", "temp(sample)"),
        "dielectric analysers": ("temp", "tsample", "temperature"),
    },
}

# Quantity kind -> unit spelling as vendors write it -> the unit it means (a spelling pint reads).
# Only spellings are data here: every factor comes from the project's unit system (pint, through
# ssbcert.units); a unit equal to the kind's SI unit needs no conversion. Case matters where
# prefixes clash (MHz / mHz, MOhm / mOhm); other spellings are also tried case-folded.
UNITS: dict[str, dict[str, str]] = {
    "frequency": {"Hz": "Hz", "hz": "Hz", "HZ": "Hz", "1/s": "Hz", "kHz": "kHz", "khz": "kHz", "KHz": "kHz",
                  "MHz": "MHz", "mHz": "mHz", "GHz": "GHz"},
    "impedance": {"ohm": "ohm", "ohms": "ohm", "Ohm": "ohm", "Ohms": "ohm", "OHM": "ohm", "OHMS": "ohm",
                  "\u03a9": "ohm", "\u2126": "ohm", "a": "ohm", "b": "ohm",  # ZPlot's Z'(a), Z''(b): ohm
                  "kohm": "kohm", "kOhm": "kohm", "k\u03a9": "kohm", "kohms": "kohm", "kOhms": "kohm", "KOhm": "kohm",
                  "Mohm": "Mohm", "MOhm": "Mohm", "M\u03a9": "Mohm", "MOhms": "Mohm",
                  "mohm": "mohm", "mOhm": "mohm", "m\u03a9": "mohm"},
    "phase": {"deg": "deg", "Deg": "deg", "DEG": "deg", "°": "deg", "º": "deg", "degree": "deg", "degrees": "deg",
              "rad": "rad", "Rad": "rad", "radian": "rad"},
    "time": {"s": "s", "sec": "s", "Sec": "s", "secs": "s", "S": "s", "ms": "ms", "min": "min", "h": "h"},
    "temperature": {"K": "K", "°C": "degC", "ºC": "degC", "C": "degC", "degC": "degC", "deg C": "degC",
                    "Celsius": "degC", "°K": "K"},
}
UNIT_KIND = {FREQUENCY: "frequency", Z_REAL: "impedance", Z_IMAG: "impedance", Z_MOD: "impedance",
             PHASE: "phase", TIME: "time", TEMPERATURE: "temperature"}
SI_UNIT = {"frequency": "Hz", "impedance": "ohm", "phase": "deg", "time": "s", "temperature": "K"}
KIND_QUANTITY = {"frequency": FREQUENCY, "impedance": Z_REAL, "phase": PHASE, "time": TIME, "temperature": TEMPERATURE}

# Fixed-value header lines ("AC voltage: 10 mV", "Temp. = 140 °C"): key spellings -> provenance field.
# Keys are matched after normalise_label; values are "number [unit]".
HEADER_FACTS: dict[str, tuple[str, ...]] = {
    "temperature_K": ("temperature", "temp", "sampletemperature", "settemperature", "temperature(sample)",
                      "celltemperature", "t"),
    "ac_amplitude_V": ("acvoltage", "acamplitude", "amplitude", "acvolt", "vac", "va", "oscillatorlevel",
                       "excitation", "acpotential", "potential-ac", "acampl"),
    "dc_bias_V": ("dcbias", "bias", "dcvoltage", "dcpotential", "vdc", "potential-dc", "biasvoltage"),
    "thickness_m": ("thickness", "samplethickness", "filmthickness"),
    "diameter_m": ("diameter", "samplediameter", "electrodediameter"),
    "area_m2": ("area", "electrodearea", "electrodesurfacearea", "samplearea"),
}
# Header facts are not column units: their few spellings carry their SI factor here (to move to
# ssbcert.units once it reads volts and areas for every caller).
FACT_UNITS: dict[str, dict[str, float]] = {
    "ac_amplitude_V": {"V": 1.0, "Vrms": 1.0, "mV": 1e-3, "mVrms": 1e-3, "mV rms": 1e-3, "V rms": 1.0, "µV": 1e-6},
    "dc_bias_V": {"V": 1.0, "mV": 1e-3},
    "thickness_m": {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "µm": 1e-6, "μm": 1e-6, "um": 1e-6, "nm": 1e-9},
    "diameter_m": {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "µm": 1e-6, "μm": 1e-6, "um": 1e-6},
    "area_m2": {"m2": 1.0, "m²": 1.0, "cm2": 1e-4, "cm²": 1e-4, "mm2": 1e-6, "mm²": 1e-6},
}

# How files name their technique, for refusing non-impedance files by name.
IMPEDANCE_TECHNIQUE_WORDS = ("impedance", "eis", "peis", "geis", "zcurve", "eispot", "eisgalv", "a.c. impedance")
GAMRY_TAGS: dict[str, str] = {
    "EISPOT": "potentiostatic EIS", "EISGALV": "galvanostatic EIS", "CV": "cyclic voltammetry",
    "CHRONOA": "chronoamperometry", "CHRONOP": "chronopotentiometry", "CORPOT": "open circuit potential",
    "LPR": "polarization resistance", "POTENTIODYNAMIC": "potentiodynamic", "GALVANODYNAMIC": "galvanodynamic",
    "CYCLICPOLARIZATION": "cyclic polarization", "TAFEL": "Tafel", "LSV": "linear sweep voltammetry",
    "GALVANOSTATIC": "galvanostatic", "POTENTIOSTATIC": "potentiostatic", "PWR800": "battery cycling",
}
