"""ρ_th reference table of certification.md §3.4, reproduced to the stated digits."""
from __future__ import annotations

import math

import pytest

from ssbcert.properties.theoretical_density import cell_volume_A3, mixture_density_mass_fractions, theoretical_density
from ssbcert.uncertainty import Measured


def _a(x: float | None, u: float = 0.0) -> Measured | None:
    return None if x is None else Measured(x, u, "Å")


TABLE = [  # formula, Z, system, a, b, c, ρ_th (g/cm³) as printed, decimals printed
    ("Li7La3Zr2O12", 8, "tetragonal", 13.134, None, 12.663, 5.107, 3),
    ("Li6.25Al0.25La3Zr2O12", 8, "cubic", 12.97, None, None, 5.12, 2),
    ("Li6.25Ga0.25La3Zr2O12", 8, "cubic", 12.985, None, None, 5.17, 2),
    ("Li6.4La3Zr1.4Ta0.6O12", 8, "cubic", 12.94, None, None, 5.45, 2),
    ("Li6.5La3Zr1.5Ta0.5O12", 8, "cubic", 12.95, None, None, 5.39, 2),
    ("Li1.3Al0.3Ti1.7(PO4)3", 6, "rhombohedral", 8.50, None, 20.82, 2.93, 2),
    ("Li1.5Al0.5Ge1.5(PO4)3", 6, "hexagonal", 8.25, None, 20.60, 3.43, 2),
    ("Li0.33La0.56TiO3", 1, "cubic", 3.87, None, None, 5.04, 2),
    ("Li10GeP2S12", 2, "tetragonal", 8.7177, None, 12.6388, 2.04, 2),
    ("Li3PS4", 4, "orthorhombic", 12.819, 8.2195, 6.1236, 1.85, 2),
    ("Li3OCl", 1, "cubic", 3.91, None, None, 2.01, 2),
    ("Li3PO4", 4, "orthorhombic", 10.49, 6.12, 4.93, 2.43, 2),
]


@pytest.mark.parametrize("formula, z, system, a, b, c, rho, digits", TABLE, ids=[t[0] for t in TABLE])
def test_reference_table(formula: str, z: int, system: str, a: float, b: float | None, c: float | None,
                         rho: float, digits: int) -> None:
    got = theoretical_density(formula, z, system, _a(a), _a(b), _a(c))  # type: ignore[arg-type]
    assert got.unit == "kg/m^3"
    assert round(got.value / 1000, digits) == pytest.approx(rho)


def test_argyrodite_lies_in_the_stated_band() -> None:
    got = theoretical_density("Li6PS5Cl", 4, "cubic", _a(9.85))  # type: ignore[arg-type]
    assert 1.86 <= round(got.value / 1000, 3) <= 1.87


def test_cubic_sensitivity_is_three_times_the_lattice_relative_u() -> None:
    got = theoretical_density("Li6.4La3Zr1.4Ta0.6O12", 8, "cubic", _a(12.94, 0.01))  # type: ignore[arg-type]
    assert got.relative_u == pytest.approx(3 * 0.01 / 12.94, rel=1e-5)
    assert "Z=8" in got.method and "§3.4" in got.method


def test_cell_volumes() -> None:
    assert cell_volume_A3("hexagonal", 2.0, c=3.0) == pytest.approx(math.sqrt(3) / 2 * 4 * 3)
    with pytest.raises(ValueError, match="needs lattice parameter c"):
        cell_volume_A3("tetragonal", 13.0)


def test_two_phase_mixture_by_mass_fractions() -> None:
    assert mixture_density_mass_fractions([5.0, 6.0], [0.5, 0.5]) == pytest.approx(1 / (0.1 + 0.5 / 6))
    with pytest.raises(ValueError, match="sum to"):
        mixture_density_mass_fractions([5.0, 6.0], [0.5, 0.6])
