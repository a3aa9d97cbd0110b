"""Numbers with their standard uncertainty, as written in sample files.

`diameter_mm: 5.0` or `diameter_mm: {value: 5.0, u: 0.02}` — u is a standard uncertainty in the
unit named by the field. A bare number means "uncertainty not stated" (u = 0), which the
certificate shows as such.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, NonNegativeFloat, PositiveFloat, WithJsonSchema

from ssbcert.uncertainty import Measured
from ssbcert.units import factor as unit_factor


class Strict(BaseModel):
    """Unknown keys are errors: a misspelt or unit-less field must not be silently ignored; NaN and
    infinity are not measurements."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _wrap_number(v: Any) -> Any:
    if isinstance(v, bool):
        return v  # let pydantic reject it with a type error
    if isinstance(v, (int, float)):
        return {"value": v}
    return v


class UncertainValue(Strict):
    value: float
    u: NonNegativeFloat = Field(0.0, description="standard uncertainty, same unit as the field")
    source: str | None = Field(None, description="where u comes from (calibration certificate, spec sheet…)")

    def to_si(self, factor: float, unit: str, method: str = "") -> Measured:
        """Scale to SI; a stated u is Type B unless the value came from repeats."""
        text = method or ("Type B: " + self.source if self.source else "stated value")
        return Measured(self.value * factor, self.u * factor, unit, text)

    def convert(self, field_unit: str, si_unit: str, method: str = "") -> Measured:
        """From the unit the field name states ('mg' for mass_mg) to `si_unit`, the factor from pint."""
        return self.to_si(unit_factor(field_unit, si_unit), si_unit, method)


class PositiveUncertainValue(UncertainValue):
    value: PositiveFloat


def _schema(positive: bool) -> dict[str, Any]:
    """Published schema: a number, or {value, u, source} (the BeforeValidator accepts both)."""
    number: dict[str, Any] = {"type": "number", **({"exclusiveMinimum": 0} if positive else {})}
    return {"anyOf": [number, {
        "type": "object", "additionalProperties": False, "required": ["value"],
        "properties": {"value": number, "u": {"type": "number", "minimum": 0, "description": "standard uncertainty"},
                       "source": {"type": "string"}},
    }]}


Value = Annotated[UncertainValue, BeforeValidator(_wrap_number), WithJsonSchema(_schema(False))]
PositiveValue = Annotated[PositiveUncertainValue, BeforeValidator(_wrap_number), WithJsonSchema(_schema(True))]
