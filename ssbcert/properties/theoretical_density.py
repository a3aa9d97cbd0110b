"""Crystallographic (theoretical) density ρ_th = Z·M/(N_A·V_cell), certification.md §3.4.

Computed from the lot's own lattice parameters and composition rather than a fixed table, because
Li loss, dopant level and cell volume shift ρ_th by tenths of a percent.
"""
from __future__ import annotations

import math
from typing import Literal, Sequence

from ssbcert.properties.formula import molar_mass
from ssbcert.uncertainty import Measured, propagate
from ssbcert.units import N_A

ANGSTROM = 1e-10

CrystalSystem = Literal["cubic", "tetragonal", "orthorhombic", "hexagonal", "rhombohedral"]


def cell_volume_A3(system: CrystalSystem, a: float, b: float | None = None, c: float | None = None) -> float:
    """Unit-cell volume in Å³. 'rhombohedral' means the hexagonal setting (R-3c NASICON: a, c)."""
    if system == "cubic":
        return a**3
    if system == "tetragonal":
        return a * a * _need(c, "c", system)
    if system == "orthorhombic":
        return a * _need(b, "b", system) * _need(c, "c", system)
    if system in ("hexagonal", "rhombohedral"):
        return math.sqrt(3.0) / 2.0 * a * a * _need(c, "c", system)
    raise ValueError(f"unknown crystal system {system!r}")


def _need(x: float | None, name: str, system: str) -> float:
    if x is None:
        raise ValueError(f"{system} cell needs lattice parameter {name}")
    return x


def theoretical_density(
    formula: str,
    z: int,
    system: CrystalSystem,
    a_A: Measured,
    b_A: Measured | None = None,
    c_A: Measured | None = None,
) -> Measured:
    """ρ_th in kg/m³ with u from the lattice parameters (M taken as exact for the stated composition)."""
    m_g_mol = molar_mass(formula)
    inputs = {"a": a_A}
    if b_A is not None:
        inputs["b"] = b_A
    if c_A is not None:
        inputs["c"] = c_A

    def rho(a: float, b: float | None = None, c: float | None = None) -> float:
        v_m3 = cell_volume_A3(system, a, b, c) * ANGSTROM**3
        return z * m_g_mol * 1e-3 / (N_A * v_m3)

    return propagate(rho, inputs, "kg/m^3",
                     f"theoretical density Z·M/(N_A·V), {system} cell, Z={z}, M={m_g_mol:.2f} g/mol ({formula}); "
                     "certification.md §3.4")


def mixture_density_mass_fractions(densities: Sequence[float], mass_fractions: Sequence[float]) -> float:
    """1/ρ_mix = Σ w_i/ρ_i (Rietveld weight fractions), for two-phase material."""
    total = sum(mass_fractions)
    if not math.isclose(total, 1.0, abs_tol=1e-3):
        raise ValueError(f"mass fractions sum to {total}, expected 1")
    return 1.0 / sum(w / r for w, r in zip(mass_fractions, densities))
