"""Density formulas of certification.md §3 and their GUM budgets."""
from __future__ import annotations

import math

import pytest

from ssbcert.properties import density
from ssbcert.properties.liquids import liquid_density, toluene_density, water_density
from ssbcert.uncertainty import Measured


def test_water_density_reference_values() -> None:
    """0.99820 g/cm³ at 20 °C and 0.99705 at 25 °C (§3.2)."""
    assert round(water_density(20.0) / 1000, 5) == 0.99820
    assert round(water_density(25.0) / 1000, 5) == 0.99705


def test_toluene_density_reference_values() -> None:
    assert round(toluene_density(20.0) / 1000, 4) == 0.8669
    assert round(toluene_density(25.0) / 1000, 4) == 0.8623


def test_liquid_density_carries_temperature_uncertainty() -> None:
    rho = liquid_density("water", Measured(22.0, 0.5, "°C"))
    slope = (water_density(22.01) - water_density(21.99)) / 0.02
    assert rho.budget["temperature"] == pytest.approx(abs(slope) * 0.5, rel=1e-4)
    with pytest.raises(ValueError, match="outside"):
        liquid_density("water", Measured(60.0, 0.5, "°C"))
    with pytest.raises(ValueError, match="no density table"):
        liquid_density("ethanol", Measured(20.0, 0.5, "°C"))


def test_disc_density_and_its_budget() -> None:
    """(u/ρ)² = (u_m/m)² + (2u_d/d)² + (u_h/h)² (§3.1)."""
    m, d, h = Measured(0.2254e-3, 0.1e-6, "kg"), Measured(10.01e-3, 0.01e-3, "m"), Measured(1.0114e-3, 1.2e-6, "m")
    rho = density.density_disc(m, d, h)
    assert rho.value == pytest.approx(0.2254e-3 / (math.pi * 10.01e-3**2 / 4 * 1.0114e-3))
    rel = math.sqrt((0.1 / 225.4) ** 2 + (2 * 0.01 / 10.01) ** 2 + (1.2 / 1011.4) ** 2)
    assert rho.relative_u == pytest.approx(rel, rel=1e-5)
    assert "ISO 18754" in rho.method


def test_bar_density() -> None:
    rho = density.density_bar(Measured(1.0, 0, "kg"), Measured(0.1, 0, "m"), Measured(0.1, 0, "m"), Measured(0.1, 0, "m"))
    assert rho.value == pytest.approx(1000.0)


def test_archimedes_with_and_without_air_buoyancy() -> None:
    m1, m2, m3 = (Measured(x, 0.05e-6, "kg") for x in (0.22540e-3, 0.14681e-3, 0.22572e-3))
    rho_l = Measured(997.77, 0.0, "kg/m^3")
    plain = density.archimedes_bulk_density(m1, m2, m3, rho_l, air_buoyancy=False)
    air = density.archimedes_bulk_density(m1, m2, m3, rho_l, air_buoyancy=True)
    assert plain.value == pytest.approx(0.22540 * 997.77 / (0.22572 - 0.14681))
    assert air.value == pytest.approx(0.22540 * (997.77 - 1.2) / (0.22572 - 0.14681) + 1.2)
    assert density.archimedes_open_porosity(m1, m2, m3).value == pytest.approx(0.00032 / 0.07891, rel=1e-4)
    solid = density.archimedes_apparent_solid_density(m1, m2, m3, rho_l)
    assert solid.value == pytest.approx(0.22540 * 997.77 / (0.22540 - 0.14681))
    with pytest.raises(ValueError, match="m3 must exceed"):
        density.archimedes_bulk_density(m1, m3, m2, rho_l)


def test_gravimetric_film_density_lipon_example() -> None:
    """1 µm LiPON on 1 cm² weighs ≈240 µg: ρ = 2.4 g/cm³; 1 µg on the mass gives ≈0.4 % (§3.5)."""
    rho = density.film_density_gravimetric(Measured(240e-9, 1e-9, "kg"), Measured(1e-4, 0, "m^2"), Measured(1e-6, 0, "m"))
    assert rho.value == pytest.approx(2400.0)
    assert round(rho.relative_u, 3) == 0.004


def test_xrr_critical_angle_of_lipon() -> None:
    """LiPON Li2.9PO3.3N0.46 at 2.4 g/cm³: θ_c ≈ 0.221° at Cu Kα (§3.5)."""
    theta = density.xrr_critical_angle(2400.0, "Li2.9PO3.3N0.46")
    assert round(math.degrees(theta), 3) == 0.221


def test_xrr_density_inverts_the_critical_angle_and_doubles_the_relative_u() -> None:
    theta = density.xrr_critical_angle(2400.0, "Li2.9PO3.3N0.46")
    rho = density.film_density_xrr(Measured(theta, 0.01 * theta, "rad"), "Li2.9PO3.3N0.46")
    assert rho.value == pytest.approx(2400.0, rel=1e-9)
    assert rho.relative_u == pytest.approx(0.02, rel=1e-4)


def test_relative_density_and_porosities() -> None:
    rel = density.relative_density(Measured(2847.8, 4.1, "kg/m^3"), Measured(2932.3, 1.6, "kg/m^3"))
    assert rel.value == pytest.approx(2847.8 / 2932.3)
    total = density.total_porosity(rel)
    assert total.value == pytest.approx(1 - rel.value) and total.u == rel.u
    closed = density.closed_porosity(total, Measured(0.004, 0.001, "1"))
    assert closed.value == pytest.approx(total.value - 0.004)


def test_air_free_water_is_slightly_denser() -> None:
    assert water_density(20.0, air_saturated=False) - water_density(20.0) == pytest.approx(2.49e-3, abs=1e-5)
