"""Density of Archimedes immersion liquids versus temperature (certification.md §3.2).

Water follows the CIPM formula of Tanaka et al., Metrologia 38 (2001) 301 (0–40 °C), air-saturated
by default because an open immersion bath is.
Toluene is linear around the reference's 20 °C value; its u is wide on purpose ([VERIFY] there).
A measured liquid density (sinker or densimeter) always wins over a table.
"""
from __future__ import annotations

from ssbcert.properties._gum import gum
from ssbcert.uncertainty import Measured

# Tanaka et al. 2001 coefficients: t in °C, result in kg/m³
_A1, _A2, _A3, _A4, _A5 = -3.983035, 301.797, 522528.9, 69.34881, 999.974950


_S0, _S1 = -4.612e-3, 0.106e-3  # air-saturation correction, kg/m³ and kg/(m³·°C) (Tanaka et al. 2001)


def water_density(t_C: float, air_saturated: bool = True) -> float:
    """kg/m³, 0–40 °C, pure water (CIPM 2001); an open Archimedes bath is air-saturated."""
    rho = _A5 * (1.0 - (t_C + _A1) ** 2 * (t_C + _A2) / (_A3 * (t_C + _A4)))
    return rho + (_S0 + _S1 * t_C if air_saturated else 0.0)


def toluene_density(t_C: float) -> float:
    """kg/m³; 866.9 at 20 °C, dρ/dT ≈ −0.92 kg m⁻³ K⁻¹ (reference §3.2, marked VERIFY)."""
    return 866.9 - 0.92 * (t_C - 20.0)


# name: (function, relative standard uncertainty of the table itself, valid range °C)
LIQUIDS = {
    "water": (water_density, 1e-6, (0.0, 40.0)),
    "toluene": (toluene_density, 5e-4, (10.0, 35.0)),
}


def liquid_density(liquid: str, temperature: Measured) -> Measured:
    """ρ_L(T) with u from the temperature (×dρ/dT) and from the table itself; temperature in °C."""
    if liquid not in LIQUIDS:
        raise ValueError(f"no density table for liquid {liquid!r}; give its measured density")
    fn, u_rel, (lo, hi) = LIQUIDS[liquid]
    if not lo <= temperature.value <= hi:
        raise ValueError(f"{liquid}: temperature {temperature.value} °C outside the table range {lo}–{hi} °C")
    table = Measured(1.0, u_rel, "1", f"{liquid} density table")
    return gum(lambda t, k: fn(t) * k, {"temperature": temperature, "table": table}, "kg/m^3",
                     f"{liquid} density at {temperature.value:g} °C ({fn.__doc__.splitlines()[0]})")


AIR_DENSITY = 1.2  # kg/m³ (0.0012 g/cm³), certification.md §3.2

