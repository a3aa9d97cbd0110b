"""Column headers -> quantity, SI scale and sign.

Vendors name the same quantity a dozen ways (`freq/Hz`, `Frequency (Hz)`, `Z'(a)`, `-Im(Z)/Ohm`,
`Zre [kOhm]`, `-Phase (°)`). This module turns one header into what the column holds so every
tabular reader maps columns the same way, and says why when it cannot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ssbcert.importers.base import Table, TextFile, check_values
from ssbcert.records import ImpedanceSpectrum
from ssbcert.units import UnitError, compatible, factor, known_unit, normalise, parse_unit

FREQUENCY = "frequency"
Z_REAL = "z_real"
Z_IMAG = "z_imag"
Z_MOD = "z_mod"
PHASE = "phase"
TIME = "time"
TEMPERATURE = "temperature"

# The SI unit of each column kind (degrees for phase); pint (ssbcert.units) supplies every factor.
_SI = {FREQUENCY: "Hz", Z_REAL: "ohm", Z_IMAG: "ohm", Z_MOD: "ohm", PHASE: "deg", TIME: "s", TEMPERATURE: "K"}
# Vendor spellings pint reads otherwise ('a' is a year to pint; ZView writes Z'(a) for ohm).
_VENDOR = {"a": "ohm", "b": "ohm", "sec": "s", "secs": "s", "deg c": "degC", "degrees": "deg", "°": "deg"}
# Case-insensitive fallback ('HZ', 'KOHM'); a lower-case spelling two of these share (mhz, mohm) stays unread.
_SPELLINGS = ("Hz", "mHz", "kHz", "MHz", "GHz", "ohm", "mohm", "kohm", "Mohm", "s", "ms", "min", "h", "deg", "rad",
              "K", "degC")

_LABELS: dict[str, str] = {}
for _q, _names in {
    FREQUENCY: "f freq frequency freqs fr",
    Z_REAL: "z' zre zreal re(z) real(z) z_real z_re zr re real z'(a) realz zr(z)",
    Z_IMAG: "z'' zim zimag zimg im(z) imag(z) z_imag z_im zi im imag z''(b) imagz",
    Z_MOD: "|z| z zmod mod(z) abs(z) z_mod z_abs modulus impedance |z|(a)",
    PHASE: "phase phase(z) zphz theta θ phi φ z_phase phz phase_z",
    TIME: "time t elapsedtime time(sec) timestamp",
    TEMPERATURE: "temperature temp",
}.items():
    for _n in _names.split():
        _LABELS[_n] = _q

_SIGNED = {Z_REAL, Z_IMAG, PHASE}

_UNIT_SPLITS = (
    re.compile(r"^(?P<label>.*?)\s*[\(\[](?P<unit>[^\(\)\[\]]*)[\)\]]$"),  # name (unit) / name [unit]
    re.compile(r"^(?P<label>.*)/(?P<unit>[^/]+)$"),  # name/unit
    re.compile(r"^(?P<label>.*?)_(?P<unit>[^_]+)$"),  # name_unit
    re.compile(r"^(?P<label>.*?)\s+in\s+(?P<unit>\S+)$"),  # name in unit
)


@dataclass(frozen=True)
class ColumnSpec:
    """What one column holds: quantity, factor to SI, sign to apply, and unit as written."""

    quantity: str
    scale: float = 1.0
    sign: float = 1.0
    unit: str = ""
    celsius: bool = False


def _normalise(name: str) -> str:
    name = name.strip().strip('"').strip()
    for a, b in (("’", "'"), ("′", "'"), ("″", "''"), ('"', "''"), ("−", "-")):
        name = name.replace(a, b)
    return name


def _spellings(unit: str) -> list[str]:
    """The unit as written, then (unless ambiguous) its case-insensitive match among _SPELLINGS."""
    u = _VENDOR.get(unit.lower(), unit) if unit.lower() in _VENDOR else unit
    folded = [c for c in _SPELLINGS if c.lower() == normalise(u).lower()]
    return [u] + (folded if len(folded) == 1 else [])


def _unit_factor(quantity: str, unit: str) -> tuple[float, bool] | None:
    """(factor to SI, is Celsius) for a column unit, or None when it is not a unit of that kind."""
    ref = _SI[quantity]
    for u in _spellings(unit.strip()):
        if not known_unit(u) or not compatible(u, ref):
            continue
        if quantity == TEMPERATURE and parse_unit(u) == parse_unit("degC"):
            return 1.0, True
        try:
            return factor(u, ref), False
        except UnitError:  # another offset scale (degF): not one a vendor file uses
            return None
    return None


def _label_quantity(label: str) -> tuple[str, float] | None:
    sign = 1.0
    lab = label.strip()
    if lab.startswith("-"):
        sign, lab = -1.0, lab[1:].strip()
    elif lab.lower().startswith("neg"):
        sign, lab = -1.0, lab[3:].strip(" _-")
    key = re.sub(r"\s+", "", lab.lower())
    q = _LABELS.get(key)
    if q is None or (sign < 0 and q not in _SIGNED):
        return None  # a negated frequency or time is not a column we can trust
    return q, sign


def classify(header: str) -> ColumnSpec | None:
    """The quantity in a column named `header`, or None when it is not one we use.

    Without a unit the SI base unit is assumed (Hz, ohm, degrees for phase, s). A unit that is
    present but not understood (e.g. ohm*cm) makes the column unusable rather than silently wrong.
    """
    name = _normalise(header)
    if not name:
        return None
    whole = _label_quantity(name)
    if whole is not None and whole[0] != TEMPERATURE:
        return ColumnSpec(whole[0], 1.0, whole[1], "")
    for pattern in _UNIT_SPLITS:
        m = pattern.match(name)
        if not m:
            continue
        hit = _label_quantity(m.group("label"))
        if hit is None:
            continue
        quantity = hit[0]
        factor = _unit_factor(quantity, m.group("unit"))
        if factor is None and quantity == TIME:  # "T (°C)": a T with a temperature unit
            quantity, factor = TEMPERATURE, _unit_factor(TEMPERATURE, m.group("unit"))
        if factor is None:
            continue
        return ColumnSpec(quantity, factor[0], hit[1], m.group("unit").strip(), factor[1])
    return None


@dataclass
class ColumnMap:
    """Field index and spec of each quantity found in a header row."""

    specs: dict[str, tuple[int, ColumnSpec]]
    names: list[str]
    duplicates: list[str]

    def has_impedance(self) -> bool:
        return (Z_REAL in self.specs and Z_IMAG in self.specs) or (Z_MOD in self.specs and PHASE in self.specs)

    def wanted(self) -> dict[str, int]:
        return {q: idx for q, (idx, _) in self.specs.items()}


def map_columns(names: Sequence[str]) -> ColumnMap:
    """First column of each quantity wins; later ones are listed in `duplicates` for a warning."""
    specs: dict[str, tuple[int, ColumnSpec]] = {}
    dups: list[str] = []
    for i, n in enumerate(names):
        spec = classify(n)
        if spec is None:
            continue
        if spec.quantity in specs:
            dups.append(n)
            continue
        specs[spec.quantity] = (i, spec)
    return ColumnMap(specs, list(names), dups)


def looks_like_header(names: Sequence[str]) -> bool:
    """A header row names a frequency column and some impedance column."""
    m = map_columns(names)
    return FREQUENCY in m.specs and any(q in m.specs for q in (Z_REAL, Z_IMAG, Z_MOD))


def build_spectrum(
    tf: TextFile,
    table: Table,
    cmap: ColumnMap,
    meta: dict[str, Any] | None = None,
    temperature_K: float | None = None,
) -> tuple[ImpedanceSpectrum, list[str]]:
    """Table columns (as mapped by `cmap`) -> SI spectrum with capacitive Z'' < 0.

    Uses Z'/Z'' when both are there, else |Z| and phase. A temperature column, when present and no
    temperature is stated elsewhere, gives the spectrum's temperature as its mean.
    """
    warnings: list[str] = []
    cols = table.columns
    check_values(tf, table, [q for q in cols], positive=[FREQUENCY])

    def si(q: str) -> np.ndarray:
        spec = cmap.specs[q][1]
        return np.asarray(cols[q], dtype=float) * spec.scale * spec.sign

    f = si(FREQUENCY)
    bad = ~(np.isfinite(f) & (f > 0))
    if bad.any():  # e.g. 1e300 kHz overflows
        k = int(np.argmax(bad))
        tf.fail("invalid frequency", table.lines[k], field=FREQUENCY, expected="a positive finite number in Hz",
                found=repr(float(f[k])))
    if Z_REAL in cmap.specs and Z_IMAG in cmap.specs:
        zr, zi = si(Z_REAL), si(Z_IMAG)
    else:
        mod, ph = si(Z_MOD), np.deg2rad(si(PHASE))
        zr, zi = mod * np.cos(ph), mod * np.sin(ph)
        warnings.append("Z' and Z'' computed from |Z| and phase")
    t = si(TIME) if TIME in cmap.specs else None
    if TEMPERATURE in cmap.specs and temperature_K is None:
        spec = cmap.specs[TEMPERATURE][1]
        temps = np.asarray(cols[TEMPERATURE], dtype=float) + (273.15 if spec.celsius else 0.0)
        temperature_K = float(np.mean(temps))
        if float(np.ptp(temps)) > 1.0:
            warnings.append(f"temperature varies by {float(np.ptp(temps)):.3g} K within the spectrum; mean used")
    if cmap.duplicates:
        warnings.append("ignored repeated columns: " + ", ".join(cmap.duplicates))
    if len(zi) >= 5 and float(np.mean(zi > 0)) > 0.9:
        warnings.append("most Z'' values are positive (capacitive Z'' is negative): if the file stores -Z'', "
                        "the column must say so (e.g. -Z''/ohm, -Im(Z)/Ohm)")
    spectrum = ImpedanceSpectrum(f, zr, zi, temperature_K=temperature_K, time_s=t, meta=dict(meta or {}))
    return spectrum, warnings


def require_columns(tf: TextFile, cmap: ColumnMap, header_index: int) -> None:
    """Reject a header with no frequency or no impedance columns, naming what was found."""
    found = ", ".join(n for n in cmap.names if n) or "no column names"
    if FREQUENCY not in cmap.specs:
        tf.fail("no frequency column", header_index, field="column header",
                expected="a frequency column (e.g. freq/Hz, Frequency (Hz))", found=found)
    if not cmap.has_impedance():
        tf.fail("no impedance columns", header_index, field="column header",
                expected="Z' and Z'' (or |Z| and phase) columns", found=found)
