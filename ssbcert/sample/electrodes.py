"""Electrode layouts and geometry; SI Measured values for the cell-constant code."""
from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from pydantic import Field, PositiveInt, model_validator

from ssbcert.sample.values import PositiveValue, Strict
from ssbcert.uncertainty import Measured, propagate


class _Electrodes(Strict):
    material: str = Field(description="e.g. Au (sputtered 100 nm), Li, Pt")
    blocking: bool = Field(True, description="ion-blocking (Au, Pt) or non-blocking (Li)")
    deposition: str | None = None


class ThroughPlane(_Electrodes):
    """Sandwich: top electrode of given diameter or area over a bottom electrode / full face."""

    layout: Literal["through_plane"]
    diameter_mm: PositiveValue | None = None
    area_mm2: PositiveValue | None = None
    bottom_electrode: str | None = None

    @model_validator(mode="after")
    def _one_size(self) -> "ThroughPlane":
        if (self.diameter_mm is None) == (self.area_mm2 is None):
            raise ValueError("give exactly one of diameter_mm or area_mm2 for a through-plane electrode")
        return self

    @property
    def area_m2(self) -> Measured:
        if self.area_mm2 is not None:
            return self.area_mm2.to_si(1e-6, "m^2", "electrode area as stated")
        d = self.diameter_mm.to_si(1e-3, "m", "electrode diameter")
        return propagate(lambda diameter: math.pi * diameter**2 / 4, {"diameter": d}, "m^2", "electrode area πd²/4")


class InPlaneStrips(_Electrodes):
    """Two parallel strips on a film on an insulating substrate: σ = g/(R·h·W)."""

    layout: Literal["in_plane_strips"]
    gap_um: PositiveValue
    length_mm: PositiveValue

    @property
    def gap_m(self) -> Measured:
        return self.gap_um.to_si(1e-6, "m")

    @property
    def length_m(self) -> Measured:
        return self.length_mm.to_si(1e-3, "m")


class Interdigitated(_Electrodes):
    """Interdigitated comb: N fingers in total (N − 1 gaps), width w, spacing s, overlap L."""

    layout: Literal["interdigitated"]
    finger_width_um: PositiveValue
    spacing_um: PositiveValue
    finger_count: PositiveInt = Field(ge=2)
    overlap_length_mm: PositiveValue

    @property
    def finger_width_m(self) -> Measured:
        return self.finger_width_um.to_si(1e-6, "m")

    @property
    def spacing_m(self) -> Measured:
        return self.spacing_um.to_si(1e-6, "m")

    @property
    def overlap_length_m(self) -> Measured:
        return self.overlap_length_mm.to_si(1e-3, "m")


Electrodes = Annotated[Union[ThroughPlane, InPlaneStrips, Interdigitated], Field(discriminator="layout")]
