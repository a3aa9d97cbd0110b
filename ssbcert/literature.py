"""Published reference values shipped with the package (data/literature_*.csv, Il'ina & Kalinina 2025).

Used for comparison on the certificate (σ_film/σ_bulk) and for the thickness-study plot. Cells may
hold ranges ('99-100', '0.5-2'), bounds ('<0.2') or be empty; they parse to (low, high) or None.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# sample material_class (ssbcert.sample.material) → the review's class names
CLASS_ALIASES: dict[str, tuple[str, ...]] = {
    "garnet": ("garnet",),
    "NASICON": ("NASICON",),
    "perovskite": ("perovskite",),
    "LiPON": ("LiPON",),
    "sulfide": ("thio-LISICON", "argyrodite", "sulfide glass"),
    "LISICON": ("LISICON",),
    "glass": ("oxide glass", "sulfide glass"),
}

# family → substrings that identify its compositions in the review's tables
FAMILY_MARKERS: dict[str, tuple[str, ...]] = {
    "LLZO": ("La3", "LLZ"), "LATP": ("LATP", "Al0.3Ti", "AlTi"), "LAGP": ("Al0.5Ge", "LAGP"),
    "LGTP": ("Ge0.2Ti",), "LLTO": ("La0.56Ti", "La2/3", "LaTi", "La0.57"), "LSTZ": ("Sr7/16",),
    "LiPON": ("LiPON",), "Li6PS5Cl": ("Li6PS5",), "Li6PS5Br": ("Li6PS5",), "LGPS": ("Li10GeP2S12",),
}

Range = tuple[float, float]


def parse_range(text: str) -> Range | None:
    """'99-100' → (99, 100); '98' → (98, 98); '<0.2' → (0, 0.2); '~1' → (1, 1); '' → None."""
    t = text.strip().replace("~", "").replace("≈", "")
    if not t:
        return None
    if t.startswith("<"):
        return 0.0, float(t[1:])
    m = re.fullmatch(r"([0-9.]+)\s*-\s*([0-9.]+)", t)
    if m:
        return float(m.group(1)), float(m.group(2))
    v = float(t)
    return v, v


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("ssbcert").joinpath("data", name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@dataclass(frozen=True)
class FilmValue:
    material_class: str
    composition: str
    deposition_method: str
    heat_treatment: str
    thickness_um: Range | None
    sigma_S_per_cm: float | None
    relative_density_pct: Range | None
    ref: str

    @property
    def thickness_mid_um(self) -> float | None:
        return None if self.thickness_um is None else 0.5 * (self.thickness_um[0] + self.thickness_um[1])


@dataclass(frozen=True)
class BulkValue:
    material_class: str
    composition: str
    synthesis: str
    relative_density_pct: Range | None
    sigma_S_per_cm: Range
    drawback: str


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _pair(low: str, high: str) -> Range | None:
    lo, hi = _opt_float(low), _opt_float(high)
    if lo is None and hi is None:
        return None
    return (lo if lo is not None else hi, hi if hi is not None else lo)  # type: ignore[return-value]


@lru_cache(maxsize=1)
def film_values() -> tuple[FilmValue, ...]:
    return tuple(FilmValue(r["material_class"], r["composition"], r["deposition_method"], r["heat_treatment"],
                           _pair(r["thickness_um_low"], r["thickness_um_high"]), _opt_float(r["sigma_rt_S_per_cm"]),
                           _pair(r["relative_density_pct_low"], r["relative_density_pct_high"]), r["ref"])
                 for r in _rows("literature_films.csv"))


@lru_cache(maxsize=1)
def bulk_values() -> tuple[BulkValue, ...]:
    return tuple(BulkValue(r["material_class"], r["composition"], r["synthesis"], parse_range(r["relative_density_pct"]),
                           (float(r["sigma_rt_S_per_cm_low"]), float(r["sigma_rt_S_per_cm_high"])), r["drawback"])
                 for r in _rows("literature_bulk.csv"))


@lru_cache(maxsize=1)
def mechanics_values() -> tuple[dict[str, object], ...]:
    """Rows of literature_mechanics.csv with numeric cells parsed to ranges."""
    out = []
    for r in _rows("literature_mechanics.csv"):
        row: dict[str, object] = {"material": r["material"], "note": r["note"]}
        for key in ("elastic_modulus_GPa", "vickers_hardness_GPa", "shear_modulus_GPa", "poisson_ratio",
                    "fracture_toughness_MPa_sqrt_m"):
            row[key] = parse_range(r[key])
        out.append(row)
    return tuple(out)


MECHANICS_NAMES = {"LLZO": "LLZ", "LLTO": "LLTO", "LATP": "LATP"}


def mechanics_for(family: str) -> dict[str, object] | None:
    """Bulk E, HV, G, ν, K_c row for a family (LLZO, LLTO, LATP), or None."""
    name = MECHANICS_NAMES.get(family, family)
    return next((r for r in mechanics_values() if r["material"] == name), None)


def _matches(composition: str, material_class: str, family: str | None) -> bool:
    if family is None:
        return True
    return any(mark in composition for mark in FAMILY_MARKERS.get(family, (family,)))


def films_for(material_class: str, family: str | None = None) -> list[FilmValue]:
    """Film entries of the class (and family, if given), sorted by thickness."""
    classes = CLASS_ALIASES.get(material_class, (material_class,))
    rows = [f for f in film_values() if f.material_class in classes and _matches(f.composition, material_class, family)]
    return sorted(rows, key=lambda f: (f.thickness_mid_um is None, f.thickness_mid_um or 0.0))


def bulk_for(material_class: str, family: str | None = None) -> list[BulkValue]:
    classes = CLASS_ALIASES.get(material_class, (material_class,))
    return [b for b in bulk_values() if b.material_class in classes and _matches(b.composition, material_class, family)]


def bulk_sigma_range(material_class: str, family: str | None = None) -> Range | None:
    """Envelope of the bulk σ_RT ranges (S/cm) for the class/family; falls back to the class if the family is absent."""
    rows = bulk_for(material_class, family) or bulk_for(material_class)
    if not rows:
        return None
    return min(b.sigma_S_per_cm[0] for b in rows), max(b.sigma_S_per_cm[1] for b in rows)


def film_to_bulk_ratio(sigma_film_S_per_cm: float, material_class: str, family: str | None = None) -> Range | None:
    """σ_film/σ_bulk against the bulk range: (ratio to the upper bulk value, ratio to the lower)."""
    rng = bulk_sigma_range(material_class, family)
    if rng is None:
        return None
    return sigma_film_S_per_cm / rng[1], sigma_film_S_per_cm / rng[0]
