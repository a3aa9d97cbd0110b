"""Every spelling in the header vocabulary (vocabulary.py) is read as what it names: labels in each
unit notation, every unit spelling, signs, trailing dots, series/parallel prefixes, real vendor
header rows, and the fixed-value header lines that go into provenance."""
from __future__ import annotations

import math

import pytest

from ssbcert.importers.columns import classify, header_facts, map_columns
from ssbcert.importers.vocabulary import (
    FACT_UNITS, FREQUENCY, HEADER_FACTS, LABELS, PHASE, SIGNED, TEMPERATURE, UNIT_KIND, UNITS, Z_IMAG, Z_MOD,
    Z_REAL,
)

A_UNIT = {"frequency": "Hz", "impedance": "Ohm", "phase": "deg", "time": "s", "temperature": "°C"}
LABEL_CASES = sorted({(q, s) for q, by_vendor in LABELS.items() for spellings in by_vendor.values() for s in spellings})
UNIT_CASES = sorted((kind, u, m) for kind, table in UNITS.items() for u, m in table.items())
NOTATIONS = ("{l} ({u})", "{l} [{u}]", "{l}/{u}", "{l}. [{u}]", "{l} ({u}).")


@pytest.mark.parametrize("quantity,spelling", LABEL_CASES, ids=[f"{q}:{s}" for q, s in LABEL_CASES])
def test_every_label_spelling_in_every_unit_notation(quantity, spelling):
    unit = A_UNIT[UNIT_KIND[quantity]]
    for form in NOTATIONS:
        header = form.format(l=spelling, u=unit)
        spec = classify(header)
        assert spec is not None and spec.quantity == quantity, header
        assert spec.sign == 1.0
    if quantity in SIGNED:
        for minus in ("-", "−"):
            spec = classify(f"{minus}{spelling} ({unit})")
            assert spec is not None and (spec.quantity, spec.sign) == (quantity, -1.0)


# what each unit the vocabulary names is worth in SI (the test's own truth, not the code's)
SI_VALUE = {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6, "mHz": 1e-3, "GHz": 1e9, "ohm": 1.0, "kohm": 1e3, "Mohm": 1e6,
            "mohm": 1e-3, "deg": 1.0, "rad": 180 / math.pi, "s": 1.0, "ms": 1e-3, "min": 60.0, "h": 3600.0}


@pytest.mark.parametrize("kind,unit,meant", UNIT_CASES, ids=[f"{k}:{u}" for k, u, _ in UNIT_CASES])
def test_every_unit_spelling(kind, unit, meant):
    label = {"frequency": "freq", "impedance": "Z'", "phase": "Phase", "time": "time", "temperature": "Temp"}[kind]
    spec = classify(f"{label} [{unit}]")
    assert spec is not None and spec.quantity == {"impedance": Z_REAL}.get(kind, kind)
    if kind == "temperature":
        assert spec.celsius == (meant == "degC")
    else:
        assert spec.scale == pytest.approx(SI_VALUE[meant], rel=1e-12)


@pytest.mark.parametrize("header,quantity,scale,sign", [
    ("Freq. [Hz]", FREQUENCY, 1.0, 1.0), ("Zs' [kΩ]", Z_REAL, 1e3, 1.0), ("Zs'' [kΩ]", Z_IMAG, 1e3, 1.0),
    ("Zp'' (Ohms)", Z_IMAG, 1.0, 1.0), ("-Zs'' [Ohm]", Z_IMAG, 1.0, -1.0), ("Im(Z)/Ohm", Z_IMAG, 1.0, 1.0),
    ("-Im(Z)/Ohm", Z_IMAG, 1.0, -1.0), ("Z′′ (Ω)", Z_IMAG, 1.0, 1.0), ("Z (Ω)", Z_MOD, 1.0, 1.0),
    ("Phase (rad)", PHASE, 180 / math.pi, 1.0), ("-Phase (°)", PHASE, 1.0, -1.0), ("Z' (\u2126)", Z_REAL, 1.0, 1.0),
    ("Temp. [°C]", TEMPERATURE, 1.0, 1.0), ("Freq", FREQUENCY, 1.0, 1.0), ("Zreal", Z_REAL, 1.0, 1.0),
])
def test_dielectric_and_sign_spellings(header, quantity, scale, sign):
    spec = classify(header)
    assert spec is not None and (spec.quantity, spec.scale, spec.sign) == (quantity, scale, sign)


@pytest.mark.parametrize("header", ["-freq/Hz", "-time/s", "Temp", "Z' (ohm*cm)", "Re(Y)/Ohm-1", "Cs/µF", "Z2 Real",
                                    "Freq (kg)"])
def test_what_is_not_understood_is_not_used(header):
    assert classify(header) is None


VENDOR_ROWS = {
    "ec-lab": ["freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm", "|Z|/Ohm", "Phase(Z)/deg", "time/s", "cycle number"],
    "gamry": ["Freq/Hz", "Zreal/ohm", "Zimag/ohm", "Zmod/ohm", "Zphz/deg"],
    "zview/zplot": ["Freq(Hz)", "Ampl", "Bias", "Time(Sec)", "Z'(a)", "Z''(b)", "GD", "Err", "Range"],
    "autolab/nova": ["Index", "Frequency (Hz)", "Z' (Ω)", "-Z'' (Ω)", "Z (Ω)", "-Phase (°)", "Time (s)"],
    "zahner": ["Number", "Frequency/Hz", "Impedance/Ohm", "Phase/deg"],
    "solartron smart": ["Frequency (Hz)", "Z' (Ohms)", "Z'' (Ohms)", "|Z| (Ohms)", "Theta (Deg)"],
    "chi": ["Freq/Hz", "Z'/ohm", "Z\"/ohm", "Z/ohm", "Phase/deg"],
    "parstat/versastudio": ["Segment #", "Frequency (Hz)", "Zre (ohms)", "Zim (ohms)", "Z (ohms)", "Phase (deg)"],
    "dielectric analysers": ["Freq. [Hz]", "Zs' [Ohm]", "Zs'' [Ohm]", "|Zs| [Ohm]", "Temp. [°C]"],
}


@pytest.mark.parametrize("vendor", list(VENDOR_ROWS))
def test_vendor_header_rows_map_by_name(vendor):
    cmap = map_columns(VENDOR_ROWS[vendor])
    assert FREQUENCY in cmap.specs and cmap.has_impedance(), vendor


FACT_CASES = sorted((fact, key) for fact, keys in HEADER_FACTS.items() for key in keys)


@pytest.mark.parametrize("fact,key", FACT_CASES, ids=[f"{f}:{k}" for f, k in FACT_CASES])
def test_every_header_fact_spelling(fact, key):
    unit = "°C" if fact == "temperature_K" else next(iter(FACT_UNITS[fact]))
    for line in (f"{key}: 12 {unit}", f"# {key.upper()} = 12 {unit}", f"{key}. : 12{unit}"):
        got = header_facts([line])
        expected = 12 + 273.15 if fact == "temperature_K" else 12 * FACT_UNITS[fact][unit]
        assert got == {fact: pytest.approx(expected)}, line


@pytest.mark.parametrize("fact,unit,factor", sorted((f, u, v) for f, t in FACT_UNITS.items() for u, v in t.items()))
def test_every_header_fact_unit(fact, unit, factor):
    key = HEADER_FACTS[fact][0]
    assert header_facts([f"{key}: 2 {unit}"]) == {fact: pytest.approx(2 * factor)}


def test_header_facts_never_guess_a_unit():
    assert header_facts(["Temperature: 25", "AC voltage: 10 furlongs"]) == {}
    assert header_facts(["Temperature: 300 K", "Temperature: 25 °C"]) == {"temperature_K": 300.0}  # first wins
