from __future__ import annotations

import pytest

from ssbcert import literature as lit


@pytest.mark.parametrize("text, expect", [
    ("99-100", (99.0, 100.0)), ("98", (98.0, 98.0)), ("<0.2", (0.0, 0.2)), ("~1", (1.0, 1.0)),
    ("0.015-0.040", (0.015, 0.04)), ("1e-4", (1e-4, 1e-4)), ("", None),
])
def test_parse_range(text: str, expect: tuple[float, float] | None) -> None:
    assert lit.parse_range(text) == expect


def test_all_shipped_rows_parse() -> None:
    assert len(lit.film_values()) == 30
    assert len(lit.bulk_values()) == 10
    assert [r["material"] for r in lit.mechanics_values()] == ["LLTO", "LLZ", "LATP", "Li metal"]


def test_garnet_films_sorted_by_thickness_with_bulk_comparison() -> None:
    films = lit.films_for("garnet", "LLZO")
    assert len(films) == 11
    mids = [f.thickness_mid_um for f in films]
    assert mids == sorted(mids)
    ga = [f for f in films if f.composition == "Li6.25Ga0.25La3Zr2O12"][0]
    assert ga.sigma_S_per_cm == 1.3e-3 and ga.thickness_um == (25.0, 25.0) and ga.relative_density_pct == (95.0, 95.0)
    assert lit.bulk_sigma_range("garnet", "LLZO") == (1e-4, 1e-3)
    assert lit.film_to_bulk_ratio(1.25e-4, "garnet", "LLZO") == pytest.approx((0.125, 1.25))


def test_class_aliases_and_families() -> None:
    assert lit.bulk_sigma_range("sulfide", "Li6PS5Cl") == (1e-4, 1e-3)
    assert {b.material_class for b in lit.bulk_for("sulfide")} == {"thio-LISICON", "argyrodite", "sulfide glass"}
    latp = lit.films_for("NASICON", "LATP")
    assert latp and all("Ge" not in f.composition for f in latp)
    assert lit.bulk_sigma_range("polymer") is None
    assert lit.mechanics_for("LLZO")["shear_modulus_GPa"] == (56.0, 61.0)
