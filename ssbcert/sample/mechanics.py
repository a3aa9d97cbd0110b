"""Raw mechanical test records: indentation curves, Vickers indents, fracture loads, elastic constants."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, model_validator

from ssbcert.sample.values import PositiveValue, Strict, Value


class Curve(Strict):
    """One load–displacement curve: inline arrays or a CSV (columns depth_nm, load_mN) next to the sample file."""

    label: str | None = None
    depth_nm: list[float] | None = None
    load_mN: list[float] | None = None
    csv: str | None = Field(None, description="path relative to the sample file")

    @model_validator(mode="after")
    def _source(self) -> "Curve":
        inline = self.depth_nm is not None or self.load_mN is not None
        if inline == (self.csv is not None):
            raise ValueError("give either depth_nm and load_mN arrays, or csv")
        if inline:
            if self.depth_nm is None or self.load_mN is None:
                raise ValueError("inline curves need both depth_nm and load_mN")
            if len(self.depth_nm) != len(self.load_mN):
                raise ValueError(f"depth_nm has {len(self.depth_nm)} points but load_mN has {len(self.load_mN)}")
            if len(self.depth_nm) < 8:
                raise ValueError(f"a curve needs at least 8 points, found {len(self.depth_nm)}")
        return self


class IndentValues(Strict):
    """Per-indent results when the instrument software already did Oliver–Pharr."""

    hardness_GPa: list[PositiveFloat] = Field(min_length=1)
    reduced_modulus_GPa: list[PositiveFloat] = Field(min_length=1)
    max_depth_nm: list[PositiveFloat] | None = None

    @model_validator(mode="after")
    def _lengths(self) -> "IndentValues":
        n = len(self.hardness_GPa)
        if len(self.reduced_modulus_GPa) != n or (self.max_depth_nm is not None and len(self.max_depth_nm) != n):
            raise ValueError("hardness_GPa, reduced_modulus_GPa and max_depth_nm must have one entry per indent")
        return self


class Indentation(Strict):
    tip: Literal["berkovich", "vickers"] = "berkovich"
    beta: float = Field(1.034, ge=1.0, le=1.1, description="1.034 Berkovich (Oliver–Pharr 2004); 1.0 per ISO")
    sample_poisson_ratio: Value = Field(description="assumed ν_s with its u")
    area_function_nm: list[float] | None = Field(
        None, description="C0, C1, C2… for A[nm²] = C0·h² + C1·h + C2·h^½ + … with h_c in nm; ideal tip if absent")
    u_area_rel: NonNegativeFloat = Field(0.0, description="relative standard u of the area function")
    unload_fit_fraction: float = Field(0.8, gt=0.2, le=1.0, description="upper part of the unloading curve fitted")
    curves: list[Curve] | None = None
    values: IndentValues | None = None
    hold_time_s: NonNegativeFloat | None = None
    drift_rate_nm_s: float | None = None
    instrument: str | None = None

    @model_validator(mode="after")
    def _one(self) -> "Indentation":
        if (self.curves is None) == (self.values is None):
            raise ValueError("give exactly one of curves or values")
        if self.curves is not None and not self.curves:
            raise ValueError("curves is empty")
        if not 0.0 <= self.sample_poisson_ratio.value < 0.5:
            raise ValueError(f"sample_poisson_ratio {self.sample_poisson_ratio.value} outside [0, 0.5)")
        return self


class VickersIndent(Strict):
    d1_um: PositiveFloat
    d2_um: PositiveFloat
    crack_lengths_um: list[PositiveFloat] | None = Field(
        None, description="radial crack lengths c measured from the indent centre (usually 4)")


class Vickers(Strict):
    load_N: PositiveValue
    indents: list[VickersIndent] = Field(min_length=1)
    u_diagonal_um: NonNegativeFloat = Field(0.0, description="diagonal reading calibration (stage micrometer)")
    toughness_equation: Literal["auto", "anstis", "niihara", "none"] = "auto"

    @model_validator(mode="after")
    def _cracks(self) -> "Vickers":
        for i, ind in enumerate(self.indents):
            if ind.crack_lengths_um is not None and min(ind.crack_lengths_um) <= 0.25 * (ind.d1_um + ind.d2_um) / 2:
                raise ValueError(f"indents[{i}]: crack length shorter than the half-diagonal; "
                                 "give c from the indent centre")
        return self


def _per_specimen(name: str, values: list[float] | None, n: int) -> None:
    if values is not None and len(values) not in (1, n):
        raise ValueError(f"{name} has {len(values)} entries for {n} fracture loads (give 1 or {n})")


class Flexural(Strict):
    """ASTM C1161 bars: fracture load per specimen; width/thickness per specimen or one common value."""

    configuration: Literal["3pt", "4pt"]
    outer_span_mm: PositiveValue
    width_mm: list[PositiveFloat] = Field(min_length=1)
    thickness_mm: list[PositiveFloat] = Field(min_length=1)
    u_width_mm: NonNegativeFloat = 0.0
    u_thickness_mm: NonNegativeFloat = 0.0
    fracture_loads_N: list[PositiveFloat] = Field(min_length=1)
    u_load_N: NonNegativeFloat = 0.0
    c1161_configuration: Literal["A", "B", "C"] | None = None

    @model_validator(mode="after")
    def _lengths(self) -> "Flexural":
        n = len(self.fracture_loads_N)
        _per_specimen("width_mm", self.width_mm, n)
        _per_specimen("thickness_mm", self.thickness_mm, n)
        return self


class RingOnRing(Strict):
    """ASTM C1499 concentric ring-on-ring discs."""

    specimen_diameter_mm: PositiveValue
    support_ring_diameter_mm: PositiveValue
    load_ring_diameter_mm: PositiveValue
    thickness_mm: list[PositiveFloat] = Field(min_length=1)
    u_thickness_mm: NonNegativeFloat = 0.0
    fracture_loads_N: list[PositiveFloat] = Field(min_length=1)
    u_load_N: NonNegativeFloat = 0.0
    poisson_ratio: Value

    @model_validator(mode="after")
    def _geometry(self) -> "RingOnRing":
        d, ds, dl = (self.specimen_diameter_mm.value, self.support_ring_diameter_mm.value,
                     self.load_ring_diameter_mm.value)
        if not dl < ds < d:
            raise ValueError(f"need load ring < support ring < specimen diameter, found {dl} / {ds} / {d} mm")
        _per_specimen("thickness_mm", self.thickness_mm, len(self.fracture_loads_N))
        return self


class Elastic(Strict):
    """E and ν from a dynamic method (ASTM C1259/E1876, RUS, pulse-echo), preferred over indentation for bulk."""

    youngs_modulus_GPa: PositiveValue | None = None
    poisson_ratio: Value | None = None
    method: str | None = None
    li_shear_modulus_GPa: PositiveValue = Field(
        default_factory=lambda: {"value": 4.25, "u": 0.45, "source": "literature range 3.4–4.9 GPa"},
        validate_default=True)


class Mechanics(Strict):
    indentation: Indentation | None = None
    vickers: Vickers | None = None
    flexural: Flexural | None = None
    ring_on_ring: RingOnRing | None = None
    elastic: Elastic | None = None
