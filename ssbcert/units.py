"""Units and physical constants: the project's one table of unit strings → SI factor, by dimension.

SI inside; these units appear only at the edges (spec files, sample records, certificates).
Small on purpose: only the units a solid-electrolyte certificate uses. Spellings are normalised
(µ/u, Ω/Ohm, ², ·, spaces) so 'Ω·cm²' and 'Ohm cm^2' mean the same unit.
"""
from __future__ import annotations

N_A = 6.02214076e23  # 1/mol (exact, SI 2019)
E_CHARGE = 1.602176634e-19  # C (exact)
K_B_EV = 8.617333262e-5  # eV/K (CODATA 2018)
EPS0 = 8.8541878128e-12  # F/m (CODATA 2018)

# dimension → {unit: factor to the SI unit (first entry)}
UNITS: dict[str, dict[str, float]] = {
    "conductivity": {"S/m": 1.0, "S/cm": 100.0, "mS/cm": 0.1, "uS/cm": 1e-4, "mS/m": 1e-3, "S m^-1": 1.0, "S cm^-1": 100.0},
    "fraction": {"1": 1.0, "%": 0.01, "ppm": 1e-6},
    "dimensionless": {"1": 1.0},
    "energy": {"J": 1.0, "eV": E_CHARGE, "meV": 1e-3 * E_CHARGE, "kJ/mol": 1e3 / N_A, "J/mol": 1.0 / N_A},
    "area_resistance": {"Ohm m^2": 1.0, "Ohm cm^2": 1e-4},
    "resistance": {"Ohm": 1.0, "kOhm": 1e3, "MOhm": 1e6},
    "capacitance": {"F": 1.0, "uF": 1e-6, "nF": 1e-9, "pF": 1e-12},
    "frequency": {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6},
    "temperature": {"K": 1.0},
    "prefactor": {"S K/m": 1.0, "S K/cm": 100.0},
    "current_density": {"A/m^2": 1.0, "mA/cm^2": 10.0, "A/cm^2": 1e4},
    "areal_capacity": {"C/m^2": 1.0, "mAh/cm^2": 3.6e4},
    "density": {"kg/m^3": 1.0, "g/cm^3": 1e3, "g/mL": 1e3},
    "length": {"m": 1.0, "mm": 1e-3, "um": 1e-6, "nm": 1e-9, "A": 1e-10},
    "stress": {"Pa": 1.0, "kPa": 1e3, "MPa": 1e6, "GPa": 1e9, "kgf/mm^2": 9.80665e6},
    "toughness": {"Pa m^0.5": 1.0, "MPa m^0.5": 1e6},
    "areal_mass": {"kg/m^2": 1.0, "mg/cm^2": 1e-2},
    "specific_energy": {"J/kg": 1.0, "Wh/kg": 3600.0},
}


def normalise(unit: str) -> str:
    u = unit.strip()
    for a, b in (("µ", "u"), ("μ", "u"), ("Ω", "Ohm"), ("ohm", "Ohm"), ("²", "^2"), ("³", "^3"), ("·", " "),
                 ("*", " "), ("½", "^0.5"), ("Å", "A"), ("^(1/2)", "^0.5"), ("dimensionless", "1"), ("m2", "m^2"),
                 ("m3", "m^3"), ("fraction", "1")):
        u = u.replace(a, b)
    return " ".join(u.split())


_LOOKUP = {normalise(u): (dim, f) for dim, table in UNITS.items() for u, f in table.items()}
for _dim, _table in UNITS.items():
    for _u, _f in _table.items():
        _LOOKUP.setdefault(normalise(_u).replace(" ", ""), (_dim, _f))


def lookup(unit: str) -> tuple[str, float] | None:
    """(dimension, factor to SI) or None for an unknown unit."""
    n = normalise(unit)
    return _LOOKUP.get(n) or _LOOKUP.get(n.replace(" ", ""))


def to_si(value: float, unit: str, dimension: str) -> float:
    found = lookup(unit)
    if found is None or (found[0] != dimension and not {found[0], dimension} <= {"fraction", "dimensionless"}):
        raise ValueError(f"unit {unit!r} is not a {dimension} unit")
    return value * found[1]


def units_for(dimension: str) -> list[str]:
    return list(UNITS[dimension])
