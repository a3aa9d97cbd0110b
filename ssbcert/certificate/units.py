"""SI → domain-unit conversion at the certificate edge.

Everything inside ssbcert is SI; the certificate speaks the units solid-state ionics papers use
(S/cm, Ω·cm², µm, g/cm³, GPa, eV). Conversions are pure scale factors (or, for temperature, an
offset), so value, standard and expanded uncertainty scale by the same factor.
"""
from __future__ import annotations

from typing import Final

from ssbcert.errors import InputError
from ssbcert.units import K_B_EV, lookup, normalise

__all__ = ["K_B_EV", "DOMAIN_UNIT", "UCUM", "conversion_factor", "normalise_unit", "to_domain", "ucum", "kelvin_to_celsius"]

# The unit each dimension is reported in (factors come from ssbcert.units, the project's one table).
DOMAIN_UNIT: Final[dict[str, str]] = {
    "conductivity": "S/cm",
    "area_resistance": "ohm*cm^2",
    "length": "um",
    "density": "g/cm^3",
    "stress": "GPa",
    "toughness": "MPa*m^0.5",
    "energy": "eV",
    "current_density": "mA/cm^2",
    "areal_mass": "mg/cm^2",
    "specific_energy": "Wh/kg",
    "prefactor": "S*K/cm",
}

# UCUM codes for the exported JSON (reference §1.1/§7).
UCUM: Final[dict[str, str]] = {
    "S/cm": "S/cm", "mS/cm": "mS/cm", "ohm*cm^2": "Ohm.cm2", "ohm": "Ohm", "um": "um", "nm": "nm",
    "mm": "mm", "g/cm^3": "g/cm3", "GPa": "GPa", "MPa": "MPa", "MPa*m^0.5": "MPa.m1/2", "eV": "eV",
    "mA/cm^2": "mA/cm2", "F": "F", "pF": "pF", "Hz": "Hz", "K": "K", "1": "1", "%": "%",
    "S*K/cm": "S.K/cm",
}


def normalise_unit(unit: str) -> str:
    """Canonical spelling of a unit (`S/m`, `ohm*cm^2`, `um`, `1`...): normalised, spaces as '*'."""
    u = normalise(unit)
    if u in ("", "1"):
        return "1"
    return u.replace("Ohm", "ohm").replace(" ", "*")


def conversion_factor(si_unit: str, domain_unit: str | None = None) -> tuple[float, str]:
    """Factor and target unit for an SI → domain conversion; unknown or mismatched units raise InputError."""
    src = lookup(si_unit) if normalise_unit(si_unit) != "1" else ("dimensionless", 1.0)
    if src is None:
        raise InputError("unknown unit", field="unit", expected="a unit of ssbcert.units", found=repr(si_unit))
    dim, f_src = src
    dst = domain_unit or DOMAIN_UNIT.get(dim) or si_unit
    d = lookup(dst) if normalise_unit(dst) != "1" else ("dimensionless", 1.0)
    compatible = {"fraction", "dimensionless"}
    if d is None or (d[0] != dim and not {d[0], dim} <= compatible):
        raise InputError("no unit conversion", field="unit", expected=f"a {dim} unit", found=f"{si_unit}->{dst}")
    return f_src / d[1], normalise_unit(dst)


def to_domain(value: float, si_unit: str, domain_unit: str | None = None) -> tuple[float, str]:
    """Convert one SI value; returns (value, domain unit)."""
    factor, dst = conversion_factor(si_unit, domain_unit)
    return value * factor, dst


def ucum(unit: str) -> str:
    """UCUM code for a canonical domain unit (falls back to the unit itself)."""
    return UCUM.get(normalise_unit(unit), unit)


def kelvin_to_celsius(t_k: float) -> float:
    """Display helper: °C for a temperature stored in K."""
    return t_k - 273.15
