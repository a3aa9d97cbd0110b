"""The sample record: one YAML file per specimen (or lot), validated, with a published JSON Schema."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ssbcert.sample.electrodes import Electrodes
from ssbcert.sample.material import Fabrication, Material
from ssbcert.sample.measurements import Density, Thickness
from ssbcert.sample.mechanics import Mechanics
from ssbcert.sample.values import Strict

SCHEMA_VERSION = "1"


class SampleRecord(Strict):
    """Identity, material, form, fabrication, electrodes and the raw measurements of one sample."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    sample_id: str = Field(min_length=1)
    lot: str | None = None
    operator: str | None = None
    customer: str | None = None
    received: str | None = Field(None, description="ISO date of receipt")
    storage_atmosphere: str | None = Field(None, description="e.g. Ar, H2O < 0.1 ppm")
    material: Material
    form: Literal["film", "pellet", "tape", "membrane"]
    fabrication: Fabrication | None = None
    electrodes: Electrodes | None = None
    thickness: Thickness | None = None
    density: Density | None = None
    mechanics: Mechanics | None = None
    notes: str | None = None
    plausibility_overrides: dict[str, Annotated[str, Field(min_length=3)]] = Field(
        default_factory=dict,
        description="field path → reason: accept a value outside its plausibility band (listed on the certificate)",
    )

    @model_validator(mode="after")
    def _form_needs(self) -> "SampleRecord":
        if self.form == "film":
            if self.fabrication is None or not self.fabrication.substrate:
                raise ValueError("a film needs fabrication.substrate (use form: tape or membrane if free-standing)")
            if self.thickness is None:
                raise ValueError("a film needs thickness readings")
        if self.electrodes is not None and self.electrodes.layout != "through_plane" and self.thickness is None:
            raise ValueError(f"{self.electrodes.layout} electrodes need the film thickness (thickness.readings_um)")
        return self
