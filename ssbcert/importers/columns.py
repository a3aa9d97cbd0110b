"""Column headers -> quantity, SI scale and sign, read from the vocabulary tables (vocabulary.py).

Vendors name the same quantity a dozen ways (`freq/Hz`, `Frequency (Hz)`, `Freq. [Hz]`, `Z'(a)`,
`-Im(Z)/Ohm`, `Zs'' [kΩ]`, `-Phase (°)`). This module turns one header into what the column holds,
so every tabular reader maps columns by name (never by position or count) and says why when it cannot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from ssbcert.importers.base import Table, TextFile, check_values
from ssbcert.importers.vocabulary import (
    FREQUENCY, KIND_QUANTITY, LABELS, PHASE, SI_UNIT, SIGNED, TEMPERATURE, TIME, UNIT_KIND, UNITS, Z_IMAG, Z_MOD,
    Z_REAL,
)
from ssbcert.records import ImpedanceSpectrum

__all__ = ["FREQUENCY", "PHASE", "TEMPERATURE", "TIME", "Z_IMAG", "Z_MOD", "Z_REAL", "ColumnMap", "ColumnSpec",
           "build_spectrum", "classify", "looks_like_header", "map_columns", "normalise_label", "require_columns"]

_UNIT_SPLITS = (
    re.compile(r"^(?P<label>.*?)\s*[\(\[](?P<unit>[^\(\)\[\]]*)[\)\]]\.?$"),  # name (unit) / name [unit]
    re.compile(r"^(?P<label>.*)/(?P<unit>[^/]+)$"),  # name/unit
    re.compile(r"^(?P<label>.*?)_(?P<unit>[^_]+)$"),  # name_unit
    re.compile(r"^(?P<label>.*?)\s+in\s+(?P<unit>\S+)$"),  # name in unit
    re.compile(r"^(?P<label>.*?),\s*(?P<unit>\S+)$"),  # name, unit
)
_TYPOGRAPHY = (("’", "'"), ("′", "'"), ("‘", "'"), ("″", "''"), ("“", "''"), ("”", "''"), ('"', "''"), ("−", "-"),
               ("–", "-"), ("μ", "µ"))


def normalise_label(text: str) -> str:
    """Vocabulary key of a label: ASCII primes and minus, lower case, no spaces, dots or underscores."""
    for a, b in _TYPOGRAPHY:
        text = text.replace(a, b)
    return re.sub(r"[\s._]+", "", text.lower())


@lru_cache(maxsize=1)
def _label_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for quantity, by_vendor in LABELS.items():
        for spellings in by_vendor.values():
            for s in spellings:
                q = index.setdefault(normalise_label(s), [])
                if quantity not in q:
                    q.append(quantity)
    return {k: tuple(v) for k, v in index.items()}


@dataclass(frozen=True)
class ColumnSpec:
    """What one column holds: quantity, factor to SI, sign to apply, and unit as written."""

    quantity: str
    scale: float = 1.0
    sign: float = 1.0
    unit: str = ""
    celsius: bool = False


def _unit_factor(kind: str, unit: str) -> tuple[float, bool] | None:
    """(SI factor, is Celsius) of `unit` for a quantity kind, or None when it is not a unit of that kind.

    The vocabulary says which unit a spelling means; the SI unit itself needs no conversion, any
    other goes to the project's one unit system (ssbcert.units, pint), loaded only then.
    """
    u = unit.strip().strip(".").strip()
    table = UNITS[kind]
    meant = table.get(u)
    if meant is None:  # case-folded, unless the spellings that fold together mean different units (mHz, MHz)
        candidates = {v for k, v in table.items() if k.lower() == u.lower()}
        meant = candidates.pop() if len(candidates) == 1 else None
    meant = meant or u
    if not meant:
        return None
    if meant == SI_UNIT[kind] or (kind == "temperature" and meant == "degC"):
        return 1.0, meant == "degC"
    from ssbcert.units import UnitError, compatible, factor, known_unit  # pint: only for units that need it

    ref = SI_UNIT[kind]
    if not known_unit(meant) or not compatible(meant, ref):
        return None
    try:
        return factor(meant, ref), False
    except UnitError:  # another offset scale (degF): not one a vendor file uses
        return None


def _label_quantities(label: str) -> tuple[tuple[str, ...], float]:
    sign = 1.0
    lab = label.strip()
    for a, b in _TYPOGRAPHY:
        lab = lab.replace(a, b)
    if lab.startswith("-"):
        sign, lab = -1.0, lab[1:].strip()
    elif lab.lower().startswith("neg") and len(lab) > 3:
        sign, lab = -1.0, lab[3:].strip(" _-")
    found = _label_index().get(normalise_label(lab), ())
    if sign < 0:
        found = tuple(q for q in found if q in SIGNED)  # a negated frequency or time is not a column we trust
    return found, sign


def classify(header: str) -> ColumnSpec | None:
    """The quantity in a column named `header`, or None when it is not one we use.

    Without a unit the SI unit is assumed (Hz, ohm, degrees for phase, s); a temperature needs one.
    A unit that is present but not understood (e.g. ohm*cm) makes the column unusable rather than
    silently wrong.
    """
    name = header.strip().strip('"').strip()
    if not name:
        return None
    whole, sign = _label_quantities(name.rstrip("."))
    whole = tuple(q for q in whole if q != TEMPERATURE)
    if whole:
        return ColumnSpec(whole[0], 1.0, sign, "")
    for pattern in _UNIT_SPLITS:
        m = pattern.match(name)
        if not m:
            continue
        quantities, sign = _label_quantities(m.group("label").rstrip("."))
        unit = m.group("unit").strip()
        for quantity in quantities:
            kind = UNIT_KIND[quantity]
            found = _unit_factor(kind, unit)
            if found is None:
                continue
            if kind == "temperature":
                return ColumnSpec(quantity, 1.0, sign, unit, found[1])
            return ColumnSpec(quantity, found[0], sign, unit)
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
    temperature is stated elsewhere, gives the spectrum's temperature as its mean. Zero or negative
    frequencies are left to the row-sanity rules (sanity.py), which drop them with a flag.
    """
    warnings: list[str] = []
    cols = table.columns
    check_values(tf, table, [q for q in cols])

    def si(q: str) -> np.ndarray:
        spec = cmap.specs[q][1]
        return np.asarray(cols[q], dtype=float) * spec.scale * spec.sign

    f = si(FREQUENCY)
    bad = ~np.isfinite(f)
    if bad.any():  # e.g. 1e300 kHz overflows
        k = int(np.argmax(bad))
        tf.fail("invalid frequency", table.lines[k], field=FREQUENCY, expected="a finite number in Hz",
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


_FACT_LINE = re.compile(r"^\s*[#;%!]*\s*(?P<key>[A-Za-z][^:=]*?)\s*[:=]\s*(?P<value>.*?)\s*$")
_FACT_VALUE = re.compile(r"^(?P<number>[+-]?(?:\d+[.,]?\d*|[.,]\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>.*?)\s*$")


def header_facts(lines: Sequence[str]) -> dict[str, float]:
    """Fixed values stated in header lines ('AC voltage: 10 mV', '# Temp. = 140 °C'), read with the
    vocabulary's key spellings and units (vocabulary.HEADER_FACTS), in SI; first statement wins.
    A value whose unit is missing or unknown is not guessed (°C and K both occur)."""
    from ssbcert.importers.vocabulary import FACT_UNITS, HEADER_FACTS

    keys = {normalise_label(k): fact for fact, spellings in HEADER_FACTS.items() for k in spellings}
    out: dict[str, float] = {}
    for line in lines:
        m = _FACT_LINE.match(line)
        if not m:
            continue
        fact = keys.get(normalise_label(m.group("key")).rstrip(":"))
        v = _FACT_VALUE.match(m.group("value"))
        if fact is None or fact in out or v is None:
            continue
        number, unit = float(v.group("number").replace(",", ".")), v.group("unit").strip()
        if fact == "temperature_K":
            found = _unit_factor("temperature", unit) if unit else None
            if found is not None:
                out[fact] = number + (273.15 if found[1] else 0.0)
        elif unit in FACT_UNITS[fact]:
            out[fact] = number * FACT_UNITS[fact][unit]
    return out
