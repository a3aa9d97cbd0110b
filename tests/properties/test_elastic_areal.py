from __future__ import annotations

import pytest

from ssbcert.properties import areal, elastic
from ssbcert.uncertainty import Measured


def test_shear_modulus_of_llzo_is_about_60_gpa() -> None:
    g = elastic.shear_modulus(Measured(150e9, 0, "Pa"), Measured(0.26, 0, "1"))
    assert g.value == pytest.approx(150e9 / 2.52)
    assert round(g.value / 1e9) == 60


def test_monroe_newman_critical_modulus() -> None:
    """G_Li = 4.25 GPa puts the criterion at G_SE = 8.5 GPa (§5.6)."""
    ratio = elastic.monroe_newman_ratio(Measured(8.5e9, 0, "Pa"))
    assert ratio.value == pytest.approx(1.0)
    assert "informative" in ratio.method


def test_bulk_modulus() -> None:
    assert elastic.bulk_modulus(Measured(150e9, 0, "Pa"), Measured(0.25, 0, "1")).value == pytest.approx(100e9)


def test_areal_mass_and_reference_cell() -> None:
    """25 µm at 5.2 g/cm³ is 13 mg/cm² = 0.13 kg/m²."""
    ma = areal.areal_mass(Measured(5200.0, 50.0, "kg/m^3"), Measured(25e-6, 0.2e-6, "m"))
    assert ma.value == pytest.approx(0.13)
    cell = areal.ReferenceCell(areal_capacity_mAh_cm2=3.0, average_voltage_V=3.7, other_areal_mass_mg_cm2=30.0)
    assert cell.areal_energy_J_m2 == pytest.approx(3.0e-3 * 3600 * 1e4 * 3.7)
    e = areal.cell_specific_energy(ma, cell)
    assert e.value == pytest.approx(cell.areal_energy_J_m2 / (0.30 + 0.13))
    assert areal.specific_energy_penalty(ma, cell).value == pytest.approx(0.13 / 0.43)
    assert "3.0 mAh/cm²" in e.method
