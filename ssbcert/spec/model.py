"""Specification file: limits per quantity id, with units, decision rule and scale (certification.md §6.2, §8).

No standard defines acceptance limits for solid electrolytes, so every limit carries its basis and
the conditions (temperature, direction, method) under which it applies.
"""
from __future__ import annotations

import difflib
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ssbcert.sample.values import Strict
from ssbcert.quantities import INFORMATIVE, QUANTITIES
from ssbcert.units import fits, known_unit, to_si, units_for

DecisionRule = Literal["simple", "guarded"]


class Requirement(Strict):
    quantity: str
    lower: float | None = None
    upper: float | None = None
    unit: str
    scale: Literal["linear", "log"] = "linear"
    rule: DecisionRule | None = Field(None, description="overrides the file's decision_rule")
    conditions: str | None = Field(None, description="e.g. '25 °C, through-plane, Au blocking electrodes'")
    basis: str | None = Field(None, description="why this limit (customer spec clause, literature, target)")
    informative: bool | None = Field(None, description="a goal, not a conformity statement; default per quantity")
    required: bool = Field(True, description="a missing result leaves the verdict inconclusive; false: judged only when measured")

    @field_validator("quantity")
    @classmethod
    def _known_quantity(cls, v: str) -> str:
        if v not in QUANTITIES:
            close = difflib.get_close_matches(v, QUANTITIES, n=2, cutoff=0.6)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise ValueError(f"unknown quantity {v!r}{hint} (see certification.md §9.2)")
        return v

    @field_validator("unit")
    @classmethod
    def _unit_fits(cls, v: str, info: ValidationInfo) -> str:
        q = info.data.get("quantity")
        if q is None:
            return v  # the quantity error is reported already
        dim = QUANTITIES[q]
        if not fits(v, dim):  # any unit pint reads in the right dimension (Ω·cm², ohm*cm^2, %, ppm...)
            what = "does not fit" if known_unit(v) else "is not a unit pint knows, for"
            raise ValueError(f"unit {v!r} {what} {q} ({dim}); expected a unit such as {', '.join(units_for(dim))}")
        return v

    @model_validator(mode="after")
    def _limits(self) -> "Requirement":
        if self.lower is None and self.upper is None:
            raise ValueError(f"{self.quantity}: give a lower and/or an upper limit")
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValueError(f"{self.quantity}: contradictory limits, lower {self.lower} ≥ upper {self.upper}")
        if self.scale == "log" and any(x is not None and x <= 0 for x in (self.lower, self.upper)):
            raise ValueError(f"{self.quantity}: log scale needs positive limits")
        return self

    @property
    def is_informative(self) -> bool:
        return self.quantity in INFORMATIVE if self.informative is None else self.informative

    def limits_si(self) -> tuple[float | None, float | None]:
        dim = QUANTITIES[self.quantity]
        return (None if self.lower is None else to_si(self.lower, self.unit, dim),
                None if self.upper is None else to_si(self.upper, self.unit, dim))


class Spec(Strict):
    spec_id: str = Field(min_length=1)
    revision: str = "1"
    title: str | None = None
    issuer: str | None = None
    applies_to: str | None = Field(None, description="e.g. 'garnet films 10–100 µm'")
    decision_rule: DecisionRule = "guarded"
    coverage_probability: float = Field(0.95, gt=0.5, lt=1.0)
    requirements: list[Requirement] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "Spec":
        seen: set[str] = set()
        for r in self.requirements:
            if r.quantity in seen:
                raise ValueError(f"quantity {r.quantity} appears twice; merge the limits into one entry")
            seen.add(r.quantity)
        return self
