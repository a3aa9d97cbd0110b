"""Raw thickness and density records as a lab writes them down (units in field names)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, field_validator, model_validator

from ssbcert.properties.liquids import LIQUIDS
from ssbcert.sample.material import check_formula
from ssbcert.sample.values import PositiveValue, Strict, Value

ThicknessMethod = Literal["profilometer", "sem", "micrometer", "ellipsometry", "xrr", "interferometry"]


class Thickness(Strict):
    method: ThicknessMethod
    readings_um: list[PositiveFloat] = Field(min_length=1, description="every point, not just the mean")
    positions: list[str] | None = Field(None, description="label per reading (centre, N, E…), same length")
    resolution_um: NonNegativeFloat = Field(0.0, description="instrument resolution δ; u = δ/√12")
    u_calibration_um: NonNegativeFloat = Field(0.0, description="standard u from the step/gauge standard")
    u_method_um: NonNegativeFloat = Field(0.0, description="levelling, model spread, edge definition")
    tilt_deg: float = Field(0.0, ge=0.0, lt=80.0, description="SEM cross-section tilt; t = t_apparent/cos θ")
    nominal_um: PositiveFloat | None = None
    instrument: str | None = None
    calibration: str | None = Field(None, description="certificate id of the standard used")

    @model_validator(mode="after")
    def _positions_match(self) -> "Thickness":
        if self.positions is not None and len(self.positions) != len(self.readings_um):
            raise ValueError(
                f"positions has {len(self.positions)} entries but readings_um has {len(self.readings_um)}"
            )
        if self.tilt_deg and self.method != "sem":
            raise ValueError("tilt_deg applies to SEM cross-sections only")
        return self


class GeometricDensity(Strict):
    """m/V of a disc or bar (ISO 18754 Method B); thickness defaults to the thickness record."""

    shape: Literal["disc", "bar"]
    mass_mg: PositiveValue
    diameter_mm: PositiveValue | None = None
    length_mm: PositiveValue | None = None
    width_mm: PositiveValue | None = None
    thickness_mm: PositiveValue | None = None

    @model_validator(mode="after")
    def _dims(self) -> "GeometricDensity":
        if self.shape == "disc" and self.diameter_mm is None:
            raise ValueError("a disc needs diameter_mm")
        if self.shape == "bar" and (self.length_mm is None or self.width_mm is None):
            raise ValueError("a bar needs length_mm and width_mm")
        return self


class Archimedes(Strict):
    """m₁ dry, m₂ suspended in the liquid, m₃ saturated and blotted (ISO 18754 Method A, ASTM C373)."""

    dry_mass_g: PositiveValue
    suspended_mass_g: Value
    saturated_mass_g: PositiveValue
    liquid: Literal["water", "toluene", "other"]
    liquid_temperature_C: Value
    liquid_density_g_cm3: PositiveValue | None = Field(None, description="measured ρ_L; required for 'other'")
    air_buoyancy: bool = True
    saturation: Literal["vacuum", "boiling", "none"] | None = None
    balance: str | None = None

    @model_validator(mode="after")
    def _masses(self) -> "Archimedes":
        m1, m2, m3 = self.dry_mass_g.value, self.suspended_mass_g.value, self.saturated_mass_g.value
        if m3 < m1:
            raise ValueError(f"saturated_mass_g ({m3}) is below dry_mass_g ({m1}); expected m₃ ≥ m₁")
        if m2 >= m1:
            raise ValueError(f"suspended_mass_g ({m2}) must be below dry_mass_g ({m1})")
        if self.liquid == "other" and self.liquid_density_g_cm3 is None:
            raise ValueError("liquid 'other' needs liquid_density_g_cm3")
        if self.liquid in LIQUIDS and self.liquid_density_g_cm3 is None:
            lo, hi = LIQUIDS[self.liquid][2]
            if not lo <= self.liquid_temperature_C.value <= hi:
                raise ValueError(f"{self.liquid} density table covers {lo:g}–{hi:g} °C, found "
                                 f"{self.liquid_temperature_C.value:g} °C; give liquid_density_g_cm3")
        return self


class FilmGravimetric(Strict):
    """Δm/(A·h): substrate weighed before and after deposition."""

    mass_gain_ug: PositiveValue
    area_mm2: PositiveValue


class Xrr(Strict):
    critical_angle_deg: PositiveValue
    wavelength_A: PositiveFloat = 1.5406


class Lattice(Strict):
    system: Literal["cubic", "tetragonal", "orthorhombic", "hexagonal", "rhombohedral"]
    z: PositiveInt = Field(description="formula units per cell")
    a_A: PositiveValue
    b_A: PositiveValue | None = None
    c_A: PositiveValue | None = None
    source: str | None = Field(None, description="e.g. Rietveld refinement of lot XRD, file name")

    @model_validator(mode="after")
    def _params(self) -> "Lattice":
        needs = {"cubic": (), "tetragonal": ("c_A",), "hexagonal": ("c_A",), "rhombohedral": ("c_A",),
                 "orthorhombic": ("b_A", "c_A")}[self.system]
        missing = [n for n in needs if getattr(self, n) is None]
        if missing:
            raise ValueError(f"a {self.system} cell needs {' and '.join(missing)}")
        return self


class Phase(Strict):
    """One phase of a two-phase lot (e.g. cubic + tetragonal LLZO, or La2Zr2O7), from Rietveld."""

    name: str
    composition: str | None = Field(None, description="formula; the material composition if absent")
    lattice: Lattice
    weight_fraction: float = Field(gt=0.0, le=1.0)

    @field_validator("composition")
    @classmethod
    def _formula(cls, v: str | None) -> str | None:
        return check_formula(v)


class TheoreticalDensity(Strict):
    """The lot's lattice (preferred), its phases with Rietveld weight fractions, or a stated reference
    density with its source (amorphous LiPON has no crystallographic ρ_th)."""

    lattice: Lattice | None = None
    phases: list[Phase] | None = Field(None, min_length=2)
    reference_density_g_cm3: PositiveValue | None = None
    reference_source: str | None = None

    @model_validator(mode="after")
    def _one(self) -> "TheoreticalDensity":
        given = [x is not None for x in (self.lattice, self.phases, self.reference_density_g_cm3)]
        if sum(given) != 1:
            raise ValueError("give exactly one of lattice, phases or reference_density_g_cm3")
        if self.reference_density_g_cm3 is not None and not self.reference_source:
            raise ValueError("reference_density_g_cm3 needs reference_source (state the basis)")
        if self.phases is not None and abs(sum(p.weight_fraction for p in self.phases) - 1.0) > 1e-3:
            raise ValueError(f"phase weight fractions sum to {sum(p.weight_fraction for p in self.phases):g}, expected 1")
        return self


class Density(Strict):
    geometric: GeometricDensity | None = None
    archimedes: Archimedes | None = None
    film_gravimetric: FilmGravimetric | None = None
    xrr: Xrr | None = None
    theoretical: TheoreticalDensity | None = None
