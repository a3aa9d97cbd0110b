"""Material identity: class, known family, composition formula, fabrication route."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ssbcert.properties.formula import FormulaError, parse_formula
from ssbcert.sample.values import Strict

MaterialClass = Literal[
    "garnet", "NASICON", "perovskite", "LiPON", "sulfide", "antiperovskite", "LISICON", "glass",
    "composite", "polymer",
]

# family → the class it belongs to
FAMILIES: dict[str, str] = {
    "LLZO": "garnet", "LLCZN": "garnet",
    "LATP": "NASICON", "LAGP": "NASICON", "LGTP": "NASICON",
    "LLTO": "perovskite", "LSTZ": "perovskite",
    "LiPON": "LiPON",
    "Li6PS5Cl": "sulfide", "Li6PS5Br": "sulfide", "LGPS": "sulfide", "Li3PS4": "sulfide", "LPS-glass": "sulfide",
    "Li3OCl": "antiperovskite",
}
Family = Literal[
    "LLZO", "LLCZN", "LATP", "LAGP", "LGTP", "LLTO", "LSTZ", "LiPON", "Li6PS5Cl", "Li6PS5Br", "LGPS", "Li3PS4",
    "LPS-glass", "Li3OCl",
]


def check_formula(v: str | None) -> str | None:
    """Field check shared by every composition field."""
    if v is not None:
        try:
            parse_formula(v)
        except FormulaError as exc:
            raise ValueError(f"not a chemical formula: {exc}") from None
    return v


class Material(Strict):
    material_class: MaterialClass
    family: Family | None = None
    composition: str = Field(description="nominal formula, e.g. Li6.4La3Zr1.4Ta0.6O12")
    dopants: list[str] = Field(default_factory=list, description="e.g. [Ta] or [Ga, Ta]")
    analysed_composition: str | None = Field(None, description="formula from ICP-OES etc.; used for ρ_th if given")
    analysis_method: str | None = None

    @field_validator("composition", "analysed_composition")
    @classmethod
    def _formula(cls, v: str | None) -> str | None:
        return check_formula(v)

    @model_validator(mode="after")
    def _family_matches_class(self) -> "Material":
        if self.family is not None and FAMILIES[self.family] != self.material_class:
            raise ValueError(
                f"family {self.family} is a {FAMILIES[self.family]}, not a {self.material_class}"
            )
        return self

    @property
    def density_formula(self) -> str:
        """The composition that ρ_th and XRR use: analysed when available."""
        return self.analysed_composition or self.composition


class Fabrication(Strict):
    route: str | None = Field(None, description="e.g. solid-state powder, sol-gel, tape casting")
    deposition_method: str | None = Field(None, description="e.g. RF magnetron sputtering, PLD, aerosol deposition")
    target: str | None = None
    heat_treatment: str | None = Field(None, description="free text, e.g. '700 °C 2 h in O2'")
    annealing_temperature_C: float | None = Field(None, ge=-273.15)
    annealing_time_h: float | None = Field(None, ge=0)
    atmosphere: str | None = None
    substrate: str | None = Field(None, description="e.g. MgO(100), sapphire, Pt/Si")
