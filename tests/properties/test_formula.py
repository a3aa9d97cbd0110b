from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssbcert.properties.formula import FormulaError, molar_mass, parse_formula


def test_parses_decimal_fractional_and_grouped_subscripts() -> None:
    assert parse_formula("Li6.4La3Zr1.4Ta0.6O12") == {"Li": 6.4, "La": 3, "Zr": 1.4, "Ta": 0.6, "O": 12}
    assert parse_formula("Li1.3Al0.3Ti1.7(PO4)3") == {"Li": 1.3, "Al": 0.3, "Ti": 1.7, "P": 3, "O": 12}
    assert parse_formula("Li3/8Sr7/16Ta3/4Zr1/4O3")["Sr"] == pytest.approx(0.4375)
    assert parse_formula("[Co(NH3)6]Cl3") == {"Co": 1, "N": 6, "H": 18, "Cl": 3}
    assert parse_formula("CuSO4·5H2O") == {"Cu": 1, "S": 1, "O": 9, "H": 10}


@pytest.mark.parametrize("formula, mass", [
    ("Li7La3Zr2O12", 839.7), ("Li6.25Al0.25La3Zr2O12", 841.3), ("Li6.25Ga0.25La3Zr2O12", 852.0),
    ("Li6.4La3Zr1.4Ta0.6O12", 889.4), ("Li6.5La3Zr1.5Ta0.5O12", 881.1), ("Li1.3Al0.3Ti1.7(PO4)3", 383.4),
    ("Li1.5Al0.5Ge1.5(PO4)3", 417.8), ("Li0.33La0.56TiO3", 175.9), ("Li6PS5Cl", 268.4), ("Li10GeP2S12", 588.7),
    ("Li3PS4", 180.0), ("Li3OCl", 72.3), ("Li3PO4", 115.8),
])
def test_molar_masses_of_the_reference_table(formula: str, mass: float) -> None:
    """certification.md §3.4 table, M to 0.1 g/mol (±0.06 for rounding of atomic weights)."""
    assert molar_mass(formula) == pytest.approx(mass, abs=0.06)


@pytest.mark.parametrize("bad, fragment", [
    ("LLZO", "unknown element 'L'"), ("Li3xLa2/3-xTiO3", "unexpected character 'x'"), ("Li(PO4", "unclosed"),
    ("LiPO4)", "unbalanced"), ("", "empty"), ("Xy2O", "unknown element 'Xy'"),
])
def test_rejects_non_formulas(bad: str, fragment: str) -> None:
    with pytest.raises(FormulaError, match=fragment.replace("(", r"\(")):
        parse_formula(bad)


@given(st.dictionaries(st.sampled_from(["Li", "La", "Zr", "O", "P", "S", "Ta", "Ga"]),
                       st.integers(min_value=1, max_value=30), min_size=1))
def test_molar_mass_is_additive(counts: dict[str, int]) -> None:
    text = "".join(f"{el}{n}" for el, n in counts.items())
    parts = sum(molar_mass(f"{el}{n}") for el, n in counts.items())
    assert molar_mass(text) == pytest.approx(parts)
