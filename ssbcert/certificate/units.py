"""SI → domain-unit conversion at the certificate edge.

Everything inside ssbcert is SI; the certificate speaks the units solid-state ionics papers use
(S/cm, Ω·cm², µm, g/cm³, GPa, eV). Conversions are pure scale factors (or, for temperature, an
offset), so value, standard and expanded uncertainty scale by the same factor.
"""
from __future__ import annotations

from typing import Final

from ssbcert.errors import InputError

K_B_EV: Final = 8.617333262e-5  # Boltzmann constant / eV K⁻¹ (CODATA 2018, exact in SI)

# (SI unit, domain unit) -> multiply SI value by this factor.
_FACTORS: Final[dict[tuple[str, str], float]] = {
    ("S/m", "S/cm"): 1e-2,
    ("S/m", "mS/cm"): 10.0,
    ("ohm*m^2", "ohm*cm^2"): 1e4,
    ("ohm", "ohm"): 1.0,
    ("m", "um"): 1e6,
    ("m", "nm"): 1e9,
    ("m", "mm"): 1e3,
    ("kg/m^3", "g/cm^3"): 1e-3,
    ("Pa", "GPa"): 1e-9,
    ("Pa", "MPa"): 1e-6,
    ("Pa*m^0.5", "MPa*m^0.5"): 1e-6,
    ("J", "eV"): 1.0 / 1.602176634e-19,
    ("J/mol", "eV"): 1.0 / 96485.33212,
    ("A/m^2", "mA/cm^2"): 0.1,
    ("F", "F"): 1.0,
    ("F", "pF"): 1e12,
    ("Hz", "Hz"): 1.0,
    ("K", "K"): 1.0,
    ("1", "1"): 1.0,
    ("1", "%"): 100.0,
    ("S*K/m", "S*K/cm"): 1e-2,
}

# Spellings accepted on input, mapped to the canonical keys above.
_ALIASES: Final[dict[str, str]] = {
    "S m^-1": "S/m", "S m-1": "S/m", "S/cm": "S/cm", "S cm^-1": "S/cm",
    "Ω": "ohm", "Ohm": "ohm", "Ω·m²": "ohm*m^2", "ohm m^2": "ohm*m^2", "Ohm.m2": "ohm*m^2",
    "Ω·cm²": "ohm*cm^2", "Ohm.cm2": "ohm*cm^2", "µm": "um", "μm": "um",
    "kg m^-3": "kg/m^3", "g cm^-3": "g/cm^3", "g/cm3": "g/cm^3", "kg/m3": "kg/m^3",
    "J mol^-1": "J/mol", "dimensionless": "1", "": "1",
    "Pa m^0.5": "Pa*m^0.5", "MPa m^0.5": "MPa*m^0.5", "MPa.m1/2": "MPa*m^0.5",
}

# Default domain unit per SI unit, used when a result does not ask for a specific one.
DOMAIN_UNIT: Final[dict[str, str]] = {
    "S/m": "S/cm",
    "ohm*m^2": "ohm*cm^2",
    "m": "um",
    "kg/m^3": "g/cm^3",
    "Pa": "GPa",
    "Pa*m^0.5": "MPa*m^0.5",
    "J": "eV",
    "J/mol": "eV",
    "A/m^2": "mA/cm^2",
    "S*K/m": "S*K/cm",
}

# UCUM codes for the exported JSON (reference §1.1/§7).
UCUM: Final[dict[str, str]] = {
    "S/cm": "S/cm", "mS/cm": "mS/cm", "ohm*cm^2": "Ohm.cm2", "ohm": "Ohm", "um": "um", "nm": "nm",
    "mm": "mm", "g/cm^3": "g/cm3", "GPa": "GPa", "MPa": "MPa", "MPa*m^0.5": "MPa.m1/2", "eV": "eV",
    "mA/cm^2": "mA/cm2", "F": "F", "pF": "pF", "Hz": "Hz", "K": "K", "1": "1", "%": "%",
    "S*K/cm": "S.K/cm",
}


def normalise_unit(unit: str) -> str:
    """Map an accepted spelling to the canonical key (`S/m`, `ohm*cm^2`, `um`...)."""
    u = unit.strip()
    return _ALIASES.get(u, u)


def conversion_factor(si_unit: str, domain_unit: str | None = None) -> tuple[float, str]:
    """Factor and target unit for an SI → domain conversion; unknown pairs raise InputError."""
    src = normalise_unit(si_unit)
    dst = normalise_unit(domain_unit) if domain_unit else DOMAIN_UNIT.get(src, src)
    if src == dst:
        return 1.0, dst
    try:
        return _FACTORS[(src, dst)], dst
    except KeyError:
        known = ", ".join(f"{a}->{b}" for a, b in _FACTORS)
        raise InputError(
            "no unit conversion", field="unit", expected=f"one of {known}", found=f"{si_unit}->{domain_unit or '?'}"
        ) from None


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
