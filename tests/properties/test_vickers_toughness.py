from __future__ import annotations

import math

import pytest

from ssbcert.properties import toughness, vickers
from ssbcert.uncertainty import Measured


def test_hv1_worked_example_7_27_gpa() -> None:
    """P = 9.807 N (HV1), d = 50 µm → 7.27 GPa (§5.2)."""
    hv = vickers.vickers_hardness(9.807, 50e-6)
    assert round(hv / 1e9, 2) == 7.27
    assert vickers.VICKERS_GEOMETRY == pytest.approx(1.85437, abs=1e-5)
    assert round(vickers.hv_number(hv)) == 742


def test_indent_set_budget_and_screening() -> None:
    load = Measured(9.807, 0.05, "N")
    res = vickers.vickers_from_diagonals(load, [50e-6, 51e-6, 49e-6, 60e-6], [50e-6, 50e-6, 50e-6, 48e-6], 0.3e-6)
    assert res.accepted == 3
    assert any("excluded" in n for n in res.notes) and any("at least 5" in n for n in res.notes)
    # Type B part: (u/HV)² ⊇ (u_P/P)² + (2u_d/d)²
    assert res.hardness.budget["test force"] / res.hardness.value == pytest.approx(0.05 / 9.807, rel=1e-4)
    assert res.hardness.budget["diagonal calibration"] / res.hardness.value == pytest.approx(
        2 * 0.3 / (res.mean_diagonal_m * 1e6), rel=1e-4)
    assert "ASTM C1327" in res.hardness.method


def test_anstis_matches_hand_calculation_and_xi_dominates() -> None:
    load, c = Measured(9.807, 0.0, "N"), Measured(61e-6, 0.5e-6, "m")
    e, h = Measured(115e9, 3e9, "Pa"), Measured(7.0e9, 0.1e9, "Pa")
    k, _ = toughness.anstis(load, c, e, h)
    assert k.value == pytest.approx(0.016 * math.sqrt(115 / 7.0) * 9.807 / (61e-6) ** 1.5)
    assert k.budget["xi"] == max(k.budget.values())
    assert k.budget["xi"] / k.value == pytest.approx(0.25)
    assert "informative" in k.method


def test_niihara_validity_range() -> None:
    load, a = Measured(9.807, 0, "N"), Measured(25e-6, 0, "m")
    e, h = Measured(115e9, 0, "Pa"), Measured(7e9, 0, "Pa")
    k, notes = toughness.niihara(load, a, Measured(40e-6, 0, "m"), e, h)
    assert k.value == pytest.approx(0.0089 * (115 / 7) ** 0.4 * 9.807 / (25e-6 * math.sqrt(15e-6)))
    assert notes == []
    _, notes = toughness.niihara(load, a, Measured(27e-6, 0, "m"), e, h)
    assert "outside 0.25–2.5" in notes[0]
    assert toughness.crack_regime(25e-6, 61e-6) == "median" and toughness.crack_regime(25e-6, 40e-6) == "palmqvist"
