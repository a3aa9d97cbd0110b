"""Bulk density by geometry and by Archimedes, film density by mass gain and XRR, porosity.

Formulas of certification.md §3.1 (ISO 18754 Method B), §3.2 (ISO 18754 Method A / ASTM C373,
with air buoyancy), §3.5 (gravimetric film density; XRR critical angle per ISO 16413).
"""
from __future__ import annotations

import math

from ssbcert.properties.formula import electrons_per_formula, molar_mass
from ssbcert.properties.liquids import AIR_DENSITY
from ssbcert.properties.theoretical_density import N_A
from ssbcert.properties._gum import gum
from ssbcert.uncertainty import Measured

R_E = 2.8179403262e-15  # classical electron radius, m
CU_KA1 = 1.5406e-10  # m


def density_disc(mass: Measured, diameter: Measured, thickness: Measured) -> Measured:
    """ρ = 4m/(π d² h); m in kg, lengths in m. Biased low by chips and chamfers (§3.1)."""
    return gum(lambda m, d, h: 4 * m / (math.pi * d * d * h),
                     {"mass": mass, "diameter": diameter, "thickness": thickness}, "kg/m^3",
                     "geometric density m/V, disc V = πd²h/4 (ISO 18754:2020 Method B)")


def density_bar(mass: Measured, length: Measured, width: Measured, thickness: Measured) -> Measured:
    """ρ = m/(l·b·h) for a rectangular bar or plate."""
    return gum(lambda m, l, b, h: m / (l * b * h),
                     {"mass": mass, "length": length, "width": width, "thickness": thickness}, "kg/m^3",
                     "geometric density m/V, bar V = l·b·h (ISO 18754:2020 Method B)")


def _archimedes_inputs(m1: Measured, m2: Measured, m3: Measured, rho_liquid: Measured) -> dict[str, Measured]:
    if not m3.value > m2.value:
        raise ValueError("saturated mass m3 must exceed the suspended mass m2")
    return {"m1_dry": m1, "m2_suspended": m2, "m3_saturated": m3, "rho_liquid": rho_liquid}


def archimedes_bulk_density(m1: Measured, m2: Measured, m3: Measured, rho_liquid: Measured,
                            air_buoyancy: bool = True) -> Measured:
    """ρ_b = m₁(ρ_L − ρ_air)/(m₃ − m₂) + ρ_air (or without the air terms); masses in any one unit."""
    air = AIR_DENSITY if air_buoyancy else 0.0
    note = "with air-buoyancy correction ρ_air = 1.2 kg/m³" if air_buoyancy else "no air-buoyancy correction"
    return gum(lambda m1_dry, m2_suspended, m3_saturated, rho_liquid:
                     m1_dry * (rho_liquid - air) / (m3_saturated - m2_suspended) + air,
                     _archimedes_inputs(m1, m2, m3, rho_liquid), "kg/m^3",
                     f"Archimedes bulk density m₁ρ_L/(m₃−m₂), {note} (ISO 18754:2020 Method A, ASTM C373)")


def archimedes_apparent_solid_density(m1: Measured, m2: Measured, m3: Measured, rho_liquid: Measured) -> Measured:
    """ρ_as = m₁ρ_L/(m₁ − m₂): the density of the solid including closed pores only."""
    return gum(lambda m1_dry, m2_suspended, m3_saturated, rho_liquid: m1_dry * rho_liquid / (m1_dry - m2_suspended),
                     _archimedes_inputs(m1, m2, m3, rho_liquid), "kg/m^3",
                     "Archimedes apparent solid density m₁ρ_L/(m₁−m₂) (ISO 18754:2020, ASTM C373)")


def archimedes_open_porosity(m1: Measured, m2: Measured, m3: Measured) -> Measured:
    """π_a = (m₃ − m₁)/(m₃ − m₂); ISO 18754 warns it is unreliable below 0.5 % and above 10 %."""
    return gum(lambda m1_dry, m2_suspended, m3_saturated: (m3_saturated - m1_dry) / (m3_saturated - m2_suspended),
                     {"m1_dry": m1, "m2_suspended": m2, "m3_saturated": m3}, "1",
                     "apparent (open) porosity (m₃−m₁)/(m₃−m₂) (ISO 18754:2020, ASTM C373)")


def film_density_gravimetric(mass_gain: Measured, area: Measured, thickness: Measured) -> Measured:
    """ρ = Δm/(A·h): substrate weighed before and after deposition (§3.5)."""
    return gum(lambda dm, a, h: dm / (a * h), {"mass_gain": mass_gain, "area": area, "thickness": thickness},
                     "kg/m^3", "film density Δm/(A·h) from mass gain, area and thickness (certification.md §3.5)")


def xrr_critical_angle(density_kg_m3: float, formula: str, wavelength_m: float = CU_KA1) -> float:
    """θ_c (rad) ≈ λ·√(r_e ρ_e/π), ρ_e from mass density and composition (f′ neglected)."""
    rho_e = density_kg_m3 * 1e3 * N_A * electrons_per_formula(formula) / molar_mass(formula)  # e/m³ (g→kg: ×1e3)
    return wavelength_m * math.sqrt(R_E * rho_e / math.pi)


def film_density_xrr(critical_angle_rad: Measured, formula: str, wavelength_m: float = CU_KA1) -> Measured:
    """Inverse of xrr_critical_angle: ρ_m ∝ θ_c², so u(ρ)/ρ = 2·u(θ_c)/θ_c (ISO 16413:2020)."""
    per_rho = xrr_critical_angle(1.0, formula, wavelength_m) ** 2
    return gum(lambda theta: theta * theta / per_rho, {"critical_angle": critical_angle_rad}, "kg/m^3",
                     f"XRR film density from the critical angle, {formula}, λ = {wavelength_m * 1e10:.4f} Å, "
                     "f′ neglected (ISO 16413:2020)")


def relative_density(rho: Measured, rho_th: Measured) -> Measured:
    return gum(lambda r, t: r / t, {"density": rho, "theoretical_density": rho_th}, "1",
                     f"relative density ρ/ρ_th ({rho.method.split(' (')[0]})")


def total_porosity(rel: Measured) -> Measured:
    return Measured(1.0 - rel.value, rel.u, "1", "total porosity 1 − ρ_rel", dof=rel.dof, budget=dict(rel.budget))


def closed_porosity(total: Measured, open_: Measured) -> Measured:
    return gum(lambda t, o: t - o, {"total_porosity": total, "open_porosity": open_}, "1",
                     "closed porosity P_tot − π_a (certification.md §3.2)")
