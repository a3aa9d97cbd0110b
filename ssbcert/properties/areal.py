"""Areal mass of the electrolyte layer and its cost in a reference cell's gravimetric energy.

Thin electrolytes are pursued because the separator's mass dilutes the cell's Wh/kg; the reference
cell is a parameter set (stated on the certificate), not a claim about any real cell.
"""
from __future__ import annotations

from dataclasses import dataclass

from ssbcert.properties._gum import gum
from ssbcert.uncertainty import Measured


@dataclass(frozen=True)
class ReferenceCell:
    """One repeat unit per unit area (SI: C/m² as mAh/cm² at the edges, V, kg/m²)."""

    areal_capacity_mAh_cm2: float = 3.0  # NMC-type cathode loading
    average_voltage_V: float = 3.7
    other_areal_mass_mg_cm2: float = 30.0  # cathode composite + Li anode + current collectors, no separator
    description: str = ("reference cell: 3.0 mAh/cm², 3.7 V, 30 mg/cm² for cathode composite, Li anode and current "
                        "collectors (one repeat unit, packaging excluded)")

    @property
    def areal_energy_J_m2(self) -> float:
        return self.areal_capacity_mAh_cm2 * 3.6 * 1e4 * self.average_voltage_V  # mAh/cm² → C/m²: ×3.6 C/mAh ×1e4 cm²/m²

    @property
    def other_areal_mass_kg_m2(self) -> float:
        return self.other_areal_mass_mg_cm2 * 1e-2  # mg/cm² → kg/m²


def areal_mass(density: Measured, thickness: Measured) -> Measured:
    """m_A = ρ·h in kg/m² (report mg/cm²: ×100)."""
    return gum(lambda r, h: r * h, {"density": density, "thickness": thickness}, "kg/m^2",
                     "electrolyte areal mass ρ·h")


def cell_specific_energy(areal: Measured, cell: ReferenceCell = ReferenceCell()) -> Measured:
    """Gravimetric energy of the reference cell's repeat unit with this electrolyte layer, J/kg."""
    e = cell.areal_energy_J_m2
    m0 = cell.other_areal_mass_kg_m2
    return gum(lambda ma: e / (m0 + ma), {"electrolyte areal mass": areal}, "J/kg",
                     f"specific energy of the {cell.description}, with this electrolyte")


def specific_energy_penalty(areal: Measured, cell: ReferenceCell = ReferenceCell()) -> Measured:
    """Fraction of the reference cell's Wh/kg lost to the electrolyte: m_A/(m_0 + m_A)."""
    m0 = cell.other_areal_mass_kg_m2
    return gum(lambda ma: ma / (m0 + ma), {"electrolyte areal mass": areal}, "1",
                     f"fractional loss of specific energy from the electrolyte mass, {cell.description}")
