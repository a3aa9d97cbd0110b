"""SI → domain-unit conversion at the certificate edge: a thin adapter over :mod:`ssbcert.units` (pint).

Everything inside ssbcert is SI; the certificate speaks the units solid-state ionics papers use
(S/cm, Ω·cm², µm, g/cm³, GPa, eV). Conversions are pure scale factors, so value, standard and
expanded uncertainty scale by the same factor. Names here are kept for existing callers.
"""
from __future__ import annotations

from ssbcert.errors import InputError
from ssbcert.units import DISPLAY_UNIT, K_B_EV, UnitError, dimension_of, factor, normalise, ucum

__all__ = ["K_B_EV", "DOMAIN_UNIT", "conversion_factor", "normalise_unit", "to_domain", "ucum", "kelvin_to_celsius"]

DOMAIN_UNIT = DISPLAY_UNIT  # the unit each dimension is reported in (one table, in ssbcert.units)


def normalise_unit(unit: str) -> str:
    """Canonical spelling of a unit (`S/m`, `ohm*cm^2`, `um`, `1`...)."""
    return normalise(unit)


def conversion_factor(si_unit: str, domain_unit: str | None = None) -> tuple[float, str]:
    """Factor and target unit for an SI → domain conversion; unknown or mismatched units raise InputError."""
    dim = dimension_of(si_unit)
    if dim is None:
        raise InputError("unknown unit", field="unit", expected="a unit pint reads", found=repr(si_unit))
    dst = domain_unit or DISPLAY_UNIT.get(dim) or si_unit
    try:
        return factor(si_unit, dst), normalise(dst)
    except UnitError:
        raise InputError("no unit conversion", field="unit", expected=f"a {dim} unit", found=f"{si_unit}->{dst}") from None


def to_domain(value: float, si_unit: str, domain_unit: str | None = None) -> tuple[float, str]:
    """Convert one SI value; returns (value, domain unit)."""
    f, dst = conversion_factor(si_unit, domain_unit)
    return value * f, dst


def kelvin_to_celsius(t_k: float) -> float:
    """Display helper: °C for a temperature stored in K."""
    return t_k - 273.15
